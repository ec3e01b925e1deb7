from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepresentativesConfig(AppConfig):
    """Company representatives: invitations, "My company", the profile changes they propose and
    the reminders to keep a profile up to date."""

    name = "representatives"
    verbose_name = _("Company representatives")

    def ready(self):
        from clusters import moderation

        from .models import CompanyChangeRequest
        from .moderation import ChangeRequestAdapter

        moderation.register(CompanyChangeRequest, ChangeRequestAdapter())
