"""The sitemap's building blocks and its sections' registry, on Django's public sitemap API.

Every app describes its own public pages with a ``ModelSitemap`` and registers it from its
AppConfig.ready(); the portal lists the registered sections in ``/sitemap.xml``. Each section is
one URL per language with its hreflang alternates (Django's ``i18n`` and ``alternates``).

Paging stays bounded: Django's i18n sitemap builds the (item, language) pairs of *every* row in
memory before it pages them (measured on 20,000 companies: 0.9 s and twice the memory for each
request, the index included, growing with the rows). ``ModelSitemap`` overrides the documented
``paginator`` property instead: the same pairs in the same order, counted with one query and
sliced with another, so a page reads its own rows only.
"""

from collections.abc import Sequence
from urllib.parse import quote

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import Max
from django.urls import reverse
from django.utils import translation

from .models import Cluster, NewsItem, Page


class TranslatedSitemap(Sitemap):
    """Every URL in every language, each with its alternates and an x-default."""

    i18n = True
    alternates = True
    x_default = True

    @property
    def languages(self):
        return [code for code, _name in settings.LANGUAGES]


class LanguagePairs(Sequence):
    """The (item, language) pairs of a queryset in Django's order (each item in every language),
    counted and sliced on the database: one page of rows per slice."""

    def __init__(self, queryset, languages):
        self.queryset = queryset
        self.languages = list(languages)
        self._length = None

    def __len__(self):
        if self._length is None:
            self._length = self.queryset.count() * len(self.languages)
        return self._length

    def __getitem__(self, index):
        if not isinstance(index, slice):
            if index < 0:
                index += len(self)
            if not 0 <= index < len(self):
                raise IndexError(index)
            return self[index : index + 1][0]
        start, stop, step = index.indices(len(self))
        if step != 1:
            raise ValueError("LanguagePairs supports contiguous slices only.")
        if start >= stop:
            return []
        per_item = len(self.languages)
        first, last = start // per_item, (stop - 1) // per_item
        pairs = [
            (item, code) for item in self.queryset[first : last + 1] for code in self.languages
        ]
        offset = first * per_item
        return pairs[start - offset : stop - offset]


SLUG_MARK = "--slug--"


class ModelSitemap(TranslatedSitemap):
    """A model's published rows, reached by slug, with their last modification.

    Every row is listed in the same languages (``languages``); ``get_languages_for_item`` is not
    meant to vary per row here, since the pages are counted as rows × languages.
    """

    model = None
    url_name = ""
    lastmod_field = "updated_at"

    def __init__(self):
        self._patterns = {}

    def published(self):
        """The model's published rows."""
        return self.model.objects.published()

    def items(self):
        # Only what an entry reads, in a stable order for paging.
        return self.published().only("pk", "slug", self.lastmod_field).order_by("pk")

    @property
    def paginator(self):
        return Paginator(LanguagePairs(self.items(), self.languages), self.limit)

    def location(self, item):
        """The row's path in the active language (Django activates each language in turn).

        A page of the companies' section holds 5,000 URLs with six alternates each: the URL
        pattern is reversed once per language and each slug is put into it.
        """
        language = translation.get_language()
        if language not in self._patterns:
            self._patterns[language] = reverse(self.url_name, kwargs={"slug": SLUG_MARK})
        return self._patterns[language].replace(SLUG_MARK, quote(item.slug))

    def lastmod(self, item):
        return getattr(item, self.lastmod_field)

    def get_latest_lastmod(self):
        return self.published().aggregate(latest=Max(self.lastmod_field))["latest"]


# --- The sections ----------------------------------------------------------------------------

# Each app registers its sections from its AppConfig.ready().
_registry: dict[str, tuple[int, type[Sitemap]]] = {}


def register(section: str, sitemap_class: type[Sitemap], *, order: int) -> None:
    """List ``sitemap_class`` at ``/sitemap-<section>.xml``; the index lists sections by
    ``order`` (then by registration)."""
    _registry[section] = (order, sitemap_class)


def sections() -> dict[str, type[Sitemap]]:
    """The registered sections in the index's order: section name → sitemap class."""
    ordered = sorted(_registry.items(), key=lambda entry: entry[1][0])
    return {section: sitemap_class for section, (_order, sitemap_class) in ordered}


# --- This app's sections ---------------------------------------------------------------------


class ClusterSitemap(ModelSitemap):
    model = Cluster
    url_name = "portal:cluster"
    changefreq = "weekly"
    priority = 0.9


class NewsSitemap(ModelSitemap):
    model = NewsItem
    url_name = "portal:news-detail"
    changefreq = "monthly"
    priority = 0.5


class PageSitemap(ModelSitemap):
    url_name = "portal:page"
    changefreq = "yearly"
    priority = 0.3

    def published(self):
        return Page.objects.filter(is_published=True)
