from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The site on top of the apps: home, search, sitemaps, dashboard and the moderation queue.
    It may import every app; no app imports it. It has no models; its label differs from
    "portal", which the clusters app's models keep."""

    name = "portal"
    label = "site"
    verbose_name = _("Portal")
