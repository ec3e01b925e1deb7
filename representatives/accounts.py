"""Accounts: coordinators invite company representatives by e-mail; a one-time link sets the
password (Django's token generator: the link stops working once the password is set, and after
PASSWORD_RESET_TIMEOUT). Password reset sends a link of the same kind, in the page's language."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from clusters.abuse import is_limited, too_many_requests
from clusters.emails import send_templated_email

from .models import CompanyRepresentative


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


class PortalPasswordResetForm(PasswordResetForm):
    """Django's reset form, with the e-mail rendered by the portal's templated e-mail helper in
    the language of the page the request came from.

    An unknown address costs the same work as a known one (a token, the e-mail's templates, the
    message), short of handing it to the mail server: the answer's timing does not tell whether
    an account exists."""

    def save(self, *args, **kwargs):
        email = self.cleaned_data["email"]
        known = next(iter(self.get_users(email)), None) is not None
        super().save(*args, **kwargs)
        if not known:
            self._decoy_mail(email)

    def _decoy_mail(self, email):
        language = translation.get_language() or settings.LANGUAGE_CODE
        nobody = get_user_model()(pk=0, email=email, password="!")
        context = _password_reset_context(nobody, language)
        with translation.override(language):
            context = {**context, "language": language, "site_url": settings.SITE_URL}
            subject = render_to_string(f"emails/{PASSWORD_RESET_EMAIL_NAME}_subject.txt", context)
            body = render_to_string(f"emails/{PASSWORD_RESET_EMAIL_NAME}_body.txt", context)
        EmailMessage(
            subject=" ".join(subject.split()),
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email],
        ).message()

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        language = translation.get_language() or settings.LANGUAGE_CODE
        send_templated_email(
            PASSWORD_RESET_EMAIL_NAME,
            _password_reset_context(context["user"], language),
            [to_email],
            language=language,
        )


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
    so that nobody floods an inbox or the mail server."""

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


def axes_username(request, credentials=None):
    """The user name django-axes records for a login attempt, cut to the column's 255 characters
    (a 10 kB user name must be refused like any wrong one, not crash the insert on PostgreSQL)."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "POST", {}).get("username")
    return str(username or "")[:150]
