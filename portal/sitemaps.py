"""The sitemap: every public page in every language, each with its hreflang alternates.

``/sitemap.xml`` is an index of the sections below; the companies' section is paged so that
100,000 companies in five languages stay well under the protocol's 50,000 URLs a file, and no
request loads more than one page of companies.
"""

from collections.abc import Sequence

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from companies.models import Company
from events.models import Event
from projects.models import Project

from .models import Cluster, NewsItem, Page


class PerLanguageItems(Sequence):
    """(item, language) pairs of a queryset, sliced lazily: one page of rows per request.

    Django's i18n sitemap builds the full list of pairs in memory before paging it; this
    sequence gives the paginator the same pairs in the same order from one sliced query.
    """

    def __init__(self, queryset, languages):
        self.queryset = queryset
        self.languages = list(languages)
        self._length = None

    def __len__(self):
        if self._length is None:
            self._length = self.queryset.count() * len(self.languages)
        return self._length

    def __getitem__(self, index):
        per_item = len(self.languages)
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("PerLanguageItems supports contiguous slices only.")
            if start >= stop:
                return []
            first, last = start // per_item, (stop - 1) // per_item
            pairs = [
                (item, code) for item in self.queryset[first : last + 1] for code in self.languages
            ]
            offset = first * per_item
            return pairs[start - offset : stop - offset]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self[index : index + 1][0]


class PortalSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True

    def _urls(self, page, protocol, domain):
        """x-default points at the English page, as in each page's own <head>.

        (Django makes it the unprefixed path, which this portal redirects by language.)
        """
        urls = super()._urls(page, protocol, domain)
        for info in urls:
            by_language = {
                alternate["lang_code"]: alternate["location"] for alternate in info["alternates"]
            }
            for alternate in info["alternates"]:
                if alternate["lang_code"] == "x-default":
                    alternate["location"] = by_language.get(
                        settings.LANGUAGE_CODE, alternate["location"]
                    )
        return urls


class ModelSitemap(PortalSitemap):
    """A sitemap of a model's published rows with their last modification."""

    lastmod_field = "updated_at"

    def queryset(self):
        raise NotImplementedError

    def items(self):
        return self.queryset()

    def _items(self):
        return PerLanguageItems(self.items(), self._languages())

    def lastmod(self, item):
        return getattr(item, self.lastmod_field)

    def get_latest_lastmod(self):
        return self.queryset().aggregate(latest=Max(self.lastmod_field))["latest"]


class StaticPagesSitemap(PortalSitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self):
        return [
            "portal:home",
            "companies:list",
            "portal:cluster-list",
            "projects:list",
            "events:list",
            "portal:news-list",
            "offers:list",
            "jobs:list",
        ]

    def location(self, item):
        return reverse(item)


class ClusterSitemap(ModelSitemap):
    changefreq = "weekly"
    priority = 0.9

    def queryset(self):
        return Cluster.objects.published().only("pk", "slug", "updated_at").order_by("pk")


class ProjectSitemap(ModelSitemap):
    changefreq = "monthly"
    priority = 0.7

    def queryset(self):
        return Project.objects.published().only("pk", "slug", "updated_at").order_by("pk")


class EventSitemap(ModelSitemap):
    changefreq = "weekly"
    priority = 0.6

    def queryset(self):
        return Event.objects.published().only("pk", "slug", "updated_at").order_by("pk")


class NewsSitemap(ModelSitemap):
    changefreq = "monthly"
    priority = 0.5

    def queryset(self):
        return NewsItem.objects.published().only("pk", "slug", "updated_at").order_by("pk")


class PageSitemap(ModelSitemap):
    changefreq = "yearly"
    priority = 0.3

    def queryset(self):
        return (
            Page.objects.filter(is_published=True).only("pk", "slug", "updated_at").order_by("pk")
        )


class CompanySitemap(ModelSitemap):
    changefreq = "weekly"
    priority = 0.7
    # (company, language) pairs a file: 2,000 companies, 10,000 URLs each with six alternates.
    limit = 10_000

    def queryset(self):
        return Company.objects.published().only("pk", "slug", "updated_at").order_by("pk")


SITEMAPS = {
    "pages": StaticPagesSitemap,
    "clusters": ClusterSitemap,
    "projects": ProjectSitemap,
    "events": EventSitemap,
    "news": NewsSitemap,
    "info": PageSitemap,
    "companies": CompanySitemap,
}
