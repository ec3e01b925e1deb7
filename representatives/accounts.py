"""Accounts: coordinators invite company representatives by e-mail; a one-time link sets the
password (Django's token generator: the link stops working once the password is set, and after
PASSWORD_RESET_TIMEOUT). Password reset sends a link of the same kind, in the page's language."""

import logging

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from clusters.abuse import is_limited, too_many_requests
from clusters.emails import (
    deliver_pending,
    keep_email,
    render_templated_email,
    send_templated_email,
)

from .models import CompanyRepresentative

logger = logging.getLogger(__name__)


def set_password_url(user, language: str) -> str:
    """The absolute one-time link that lets ``user`` choose a password."""
    with translation.override(language):
        path = reverse(
            "my_company:password-set",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
    return f"{settings.SITE_URL}{path}"


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    language = forms.ChoiceField(
        label=_("Language of the e-mails"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        existing = get_user_model().objects.filter(email__iexact=email).first()
        if existing is not None and (existing.is_staff or existing.is_superuser):
            raise forms.ValidationError(_("This address belongs to a staff account."))
        return email


def invite_representative(
    company, *, invited_by, email, first_name="", last_name="", language="en"
):
    """Make the person at ``email`` a representative of ``company`` and e-mail them the link.

    A new account gets no usable password: the link in the e-mail sets it. An existing account
    is linked to the company and told so.
    """
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        created = user is None
        if created:
            user = User(username=email, email=email, first_name=first_name, last_name=last_name)
            user.set_unusable_password()
            user.save()
        representative, _created = CompanyRepresentative.objects.update_or_create(
            user=user, company=company, defaults={"language": language, "invited_by": invited_by}
        )
    needs_password = not user.has_usable_password()
    send_templated_email(
        "accounts/invitation",
        {
            "company": company,
            "user": user,
            "invited_by": invited_by,
            "needs_password": needs_password,
            "set_password_url": set_password_url(user, language) if needs_password else "",
            "login_url": _absolute("my_company:login", language),
            "timeout_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
        },
        [user.email],
        language=language,
    )
    return representative


def _absolute(name, language, **kwargs):
    with translation.override(language):
        return f"{settings.SITE_URL}{reverse(name, kwargs=kwargs)}"


PASSWORD_RESET_EMAIL_NAME = "accounts/password_reset"


def _password_reset_context(user, language):
    return {
        "user": user,
        "set_password_url": set_password_url(user, language),
        "timeout_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }


def _password_reset_email(user, language):
    return render_templated_email(
        PASSWORD_RESET_EMAIL_NAME, _password_reset_context(user, language), language=language
    )


class PortalPasswordResetForm(PasswordResetForm):
    """Django's reset form, with the portal's templated e-mail in the language of the page the
    request came from.

    Until the response, a known address and an unknown one cost the same: one query for the
    accounts, a token and the e-mail's templates (for a stand-in account when there is none), and
    no write. The e-mail of a known address is kept in the outbox and handed to the mail server
    only once the response has gone out (``send_after_response``): when that happened before the
    answer, the outbox's INSERT and the mail server's reply made a known address's answer slower
    (21 ms against 14 ms), which told whether an account exists."""

    to_send = ()  # (address, rendered e-mail) pairs, from save()

    def save(self, *args, **kwargs):
        """Render the e-mails that ``send_after_response`` keeps and sends. Django's options
        (domain, templates, token generator) do not apply: the portal's e-mail is its own."""
        email = self.cleaned_data["email"]
        language = translation.get_language() or settings.LANGUAGE_CODE
        users = list(self.get_users(email))
        self.to_send = [(user.email, _password_reset_email(user, language)) for user in users]
        if not users:  # the same work for an address without an account, then nothing
            _password_reset_email(get_user_model()(pk=0, email=email, password="!"), language)

    def send_after_response(self):
        """Keep each e-mail in the outbox, then try to deliver it (as ``send_templated_email``
        does once a transaction commits): a mail server that fails leaves it to ``send_outbox``."""
        for address, message in self.to_send:
            try:
                outgoing = keep_email(message, [address])
            except Exception:  # the database: logged, as nobody is waiting for an answer any more
                logger.exception("A password-reset e-mail could not be kept in the outbox.")
                continue
            deliver_pending(outgoing.pk)
        self.to_send = []


DEFAULT_PASSWORD_RESET_RATE = "5/h"  # per client IP
DEFAULT_PASSWORD_RESET_EMAIL_RATE = "3/h"  # per e-mail address


def _password_reset_rate(group, request):
    return getattr(settings, "PASSWORD_RESET_RATELIMIT", DEFAULT_PASSWORD_RESET_RATE)


def _password_reset_email_rate(group, request):
    return getattr(settings, "PASSWORD_RESET_EMAIL_RATELIMIT", DEFAULT_PASSWORD_RESET_EMAIL_RATE)


def _posted_email(group, request):
    return str(request.POST.get("email", "")).strip().lower()[:254]


class PortalPasswordResetView(auth_views.PasswordResetView):
    """Django's reset view; POSTs are limited per client IP and per e-mail address (429 page),
    so that nobody floods an inbox or the mail server. The e-mail leaves after the response."""

    form_class = PortalPasswordResetForm

    def post(self, request, *args, **kwargs):
        # Both counters move on every POST, whichever limit is reached first.
        by_ip = is_limited(request, "password-reset:ip", _password_reset_rate)
        by_email = is_limited(
            request, "password-reset:email", _password_reset_email_rate, key=_posted_email
        )
        if by_ip or by_email:
            return too_many_requests(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        # Run once the response has been sent: WSGI and ASGI servers (and the test client) call
        # close() after the last byte; Django's FileResponse closes its file the same way.
        response._resource_closers.append(form.send_after_response)
        return response


def axes_username(request, credentials=None):
    """The user name django-axes records for a login attempt, cut to the column's 255 characters
    (a 10 kB user name must be refused like any wrong one, not crash the insert on PostgreSQL)."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "POST", {}).get("username")
    return str(username or "")[:150]
