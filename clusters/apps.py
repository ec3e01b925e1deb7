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

    def ready(self):
        from . import coverage, site_search, sitemaps, translation_flags
        from .models import Cluster, NewsItem

        # Positions (order=) are shared with the other apps' registrations: sitemap index
        # clusters, projects, events, news, info, companies; search results companies,
        # clusters, projects, events, news; dashboard clusters, companies, projects, events, news.
        sitemaps.register("clusters", sitemaps.ClusterSitemap, order=10)
        sitemaps.register("news", sitemaps.NewsSitemap, order=40)
        sitemaps.register("info", sitemaps.PageSitemap, order=50)
        site_search.register("clusters", site_search.clusters, order=20)
        site_search.register("news", site_search.news, order=50)
        coverage.register(Cluster, "pk", order=10)
        coverage.register(NewsItem, "cluster", order=50)
        # Every app's translation.py is registered by now (modeltranslation comes first).
        translation_flags.connect()
