from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompaniesConfig(AppConfig):
    name = "companies"
    verbose_name = _("Companies")

    def ready(self):
        from clusters import coverage, site_search, sitemaps

        from . import signals  # noqa: F401  (keeps the directory's search documents current)
        from .models import Company
        from .site_search import companies
        from .sitemaps import CompanySitemap

        sitemaps.register("companies", CompanySitemap, order=60)
        site_search.register("companies", companies, order=10)
        coverage.register(Company, "memberships__cluster", order=20)
