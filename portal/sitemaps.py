"""The sitemap: every public page in every language, each with its hreflang alternates.

``/sitemap.xml`` is an index of the sections below; the companies' section is paged so that
100,000 companies in five languages stay well under the protocol's 50,000 URLs a file, and no
request loads more than one page of companies.
"""

from collections.abc import Sequence
from urllib.parse import quote

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse
from django.utils import translation

from clusters.models import Cluster, NewsItem, Page
from companies.models import Company
from events.models import Event
from projects.models import Project


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


SLUG_MARK = "--slug--"


class ModelSitemap(PortalSitemap):
    """A sitemap of a model's published rows (reached by slug) with their last modification.

    A page of the companies' section holds thousands of URLs, each with six alternates. Instead of
    reversing every URL in every language (seven reverses per entry), the section reverses its
    URL pattern once per language and puts each slug into it.
    """

    url_name = ""
    lastmod_field = "updated_at"

    def published(self):
        """The model's published rows (each subclass names its own)."""
        raise NotImplementedError

    def queryset(self):
        # Only what a sitemap entry reads, in a stable order for paging.
        return self.published().only("pk", "slug", self.lastmod_field).order_by("pk")

    def items(self):
        return self.queryset()

    def _items(self):
        return PerLanguageItems(self.items(), self._languages())

    def location(self, item):
        return reverse(self.url_name, kwargs={"slug": item.slug})

    def lastmod(self, item):
        return getattr(item, self.lastmod_field)

    def get_latest_lastmod(self):
        return self.queryset().aggregate(latest=Max(self.lastmod_field))["latest"]

    def _patterns(self, protocol, domain):
        patterns = {}
        for code in self._languages():
            with translation.override(code):
                patterns[code] = (
                    f"{protocol}://{domain}{reverse(self.url_name, kwargs={'slug': SLUG_MARK})}"
                )
        return patterns

    def _urls(self, page, protocol, domain):
        patterns = self._patterns(protocol, domain)
        default = (
            settings.LANGUAGE_CODE if settings.LANGUAGE_CODE in patterns else next(iter(patterns))
        )
        urls, latest, per_item = [], None, {}
        for item, code in self.paginator.page(page).object_list:
            if item.pk not in per_item:
                slug = quote(item.slug)
                locations = {
                    lang: pattern.replace(SLUG_MARK, slug) for lang, pattern in patterns.items()
                }
                alternates = [
                    {"location": url, "lang_code": lang} for lang, url in locations.items()
                ]
                alternates.append({"location": locations[default], "lang_code": "x-default"})
                per_item = {item.pk: (locations, alternates)}  # pairs of one item are adjacent
            locations, alternates = per_item[item.pk]
            lastmod = self.lastmod(item)
            if lastmod is not None and (latest is None or lastmod > latest):
                latest = lastmod
            urls.append(
                {
                    "item": (item, code),
                    "location": locations[code],
                    "lastmod": lastmod,
                    "changefreq": self.changefreq,
                    "priority": str(self.priority),
                    "alternates": alternates,
                }
            )
        if latest is not None:
            self.latest_lastmod = latest
        return urls


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
    url_name = "portal:cluster"
    changefreq = "weekly"
    priority = 0.9

    def published(self):
        return Cluster.objects.published()


class ProjectSitemap(ModelSitemap):
    url_name = "projects:detail"
    changefreq = "monthly"
    priority = 0.7

    def published(self):
        return Project.objects.published()


class EventSitemap(ModelSitemap):
    url_name = "events:detail"
    changefreq = "weekly"
    priority = 0.6

    def published(self):
        return Event.objects.published()


class NewsSitemap(ModelSitemap):
    url_name = "portal:news-detail"
    changefreq = "monthly"
    priority = 0.5

    def published(self):
        return NewsItem.objects.published()


class PageSitemap(ModelSitemap):
    url_name = "portal:page"
    changefreq = "yearly"
    priority = 0.3

    def published(self):
        return Page.objects.filter(is_published=True)


class CompanySitemap(ModelSitemap):
    url_name = "companies:detail"
    changefreq = "weekly"
    priority = 0.7
    # (company, language) pairs a file: 1,000 companies, 5,000 URLs each with six alternates.
    limit = 5_000

    def published(self):
        return Company.objects.published()


SITEMAPS = {
    "pages": StaticPagesSitemap,
    "clusters": ClusterSitemap,
    "projects": ProjectSitemap,
    "events": EventSitemap,
    "news": NewsSitemap,
    "info": PageSitemap,
    "companies": CompanySitemap,
}
