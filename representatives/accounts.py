"""Accounts: coordinators invite company representatives by e-mail; a one-time link sets the
password (Django's token generator: the link stops working once the password is set, and after
PASSWORD_RESET_TIMEOUT). Password reset sends a link of the same kind, in the page's language."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

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


class PortalPasswordResetForm(PasswordResetForm):
    """Django's reset form, with the e-mail rendered by the portal's templated e-mail helper in
    the language of the page the request came from."""

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
        user = context["user"]
        send_templated_email(
            "accounts/password_reset",
            {
                "user": user,
                "set_password_url": set_password_url(user, language),
                "timeout_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
            },
            [to_email],
            language=language,
        )


def axes_username(request, credentials=None):
    """The user name django-axes records for a login attempt, cut to the column's 255 characters
    (a 10 kB user name must be refused like any wrong one, not crash the insert on PostgreSQL)."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "POST", {}).get("username")
    return str(username or "")[:150]
