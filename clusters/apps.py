from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClustersConfig(AppConfig):
    """The foundation every other app builds on: clusters, organisations, people, geography,
    news and pages, and the shared pieces (slugs, the scoped admin, public-form protection,
    e-mail). Its models keep the label "portal" they were created under, so tables, migrations,
    permissions and admin URLs (/admin/portal/…) stay as they are."""

    name = "clusters"
    label = "portal"
    verbose_name = _("Clusters")
