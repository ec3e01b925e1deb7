""" "My company" for company representatives, and the accounts pages (login, password reset,
the one-time link of an invitation), all under the language prefix."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control

from . import views
from .accounts import PortalPasswordResetView

app_name = "my_company"

# No shared cache keeps any of these pages (they depend on who is logged in, carry a token or a
# CSRF cookie); the ones with personal data or a one-time link are not stored at all.
private = cache_control(private=True)
personal = cache_control(private=True, no_store=True)

urlpatterns = [
    path("", personal(views.dashboard), name="dashboard"),
    path(
        _("login/"),
        private(
            auth_views.LoginView.as_view(
                template_name="registration/login.html",
                redirect_authenticated_user=True,
                next_page=reverse_lazy("my_company:dashboard"),
            )
        ),
        name="login",
    ),
    path(
        _("logout/"),
        private(auth_views.LogoutView.as_view(next_page=reverse_lazy("portal:home"))),
        name="logout",
    ),
    path(
        _("password/reset/"),
        private(
            PortalPasswordResetView.as_view(
                template_name="registration/password_reset_form.html",
                success_url=reverse_lazy("my_company:password-reset-done"),
            )
        ),
        name="password-reset",
    ),
    path(
        _("password/reset/sent/"),
        private(
            auth_views.PasswordResetDoneView.as_view(
                template_name="registration/password_reset_done.html"
            )
        ),
        name="password-reset-done",
    ),
    path(
        _("password/set/<uidb64>/<token>/"),
        personal(
            auth_views.PasswordResetConfirmView.as_view(
                template_name="registration/password_set_form.html",
                success_url=reverse_lazy("my_company:password-set-done"),
            )
        ),
        name="password-set",
    ),
    path(
        _("password/set/done/"),
        private(
            auth_views.PasswordResetCompleteView.as_view(
                template_name="registration/password_set_done.html"
            )
        ),
        name="password-set-done",
    ),
    path("<slug:slug>/", personal(views.company_home), name="company"),
    path(_("<slug:slug>/edit/"), personal(views.company_edit), name="edit"),
    path(_("<slug:slug>/confirm/"), personal(views.company_confirm), name="confirm"),
]
