"""The site search's sections: their registry, the helpers they share, and this app's own
sections (clusters and news).

Each app registers the section that searches its kind of page from its AppConfig.ready(); the
portal's search (portal/search.py) runs the registered sections in order. A section is a function
``(query, words, limit) -> ResultGroup``: ``query`` as typed (cleaned), ``words`` its words to
match, at most ``limit`` results with their total count.

Most kinds are few rows each: a lookup on a translated field (``name__icontains``) reads the
active language's column only, so every translated field is searched in all five columns; every
word of the query must match somewhere (AND), in any field (OR).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Cluster, NewsItem


@dataclass
class ResultGroup:
    key: str
    label: str
    items: list
    count: int
    more_url: str = ""
    extra: dict = field(default_factory=dict)


Section = Callable[[str, list[str], int], ResultGroup]


def any_column(fields, word, translated=()) -> Q:
    """``word`` in any of ``fields``; the ``translated`` ones in every language's column."""
    condition = Q()
    for name in fields:
        if name in translated:
            for code in settings.LANGUAGE_CODES:
                condition |= Q(**{f"{name}_{code}__icontains": word})
        else:
            condition |= Q(**{f"{name}__icontains": word})
    return condition


def matching(queryset, words, fields, translated):
    """The rows where every word is in some field."""
    for word in words:
        queryset = queryset.filter(any_column(fields, word, translated))
    return queryset


def group(key, label, queryset, limit, more_url=""):
    """The first ``limit`` rows of ``queryset`` and their total count."""
    items = list(queryset[:limit])
    # Count only when the first page is full: a short page is its own count (one query saved).
    count = len(items) if len(items) < limit else queryset.count()
    return ResultGroup(
        key=key, label=label, items=items, count=count, more_url=more_url if count > limit else ""
    )


# --- The sections ----------------------------------------------------------------------------

# Each app registers its sections from its AppConfig.ready().
_registry: dict[str, tuple[int, Section]] = {}


def register(key: str, section: Section, *, order: int) -> None:
    """Search with ``section``; the results page shows groups by ``order`` (then by
    registration)."""
    _registry[key] = (order, section)


def sections() -> list[Section]:
    """The registered sections in the results page's order."""
    return [section for _order, section in sorted(_registry.values(), key=lambda s: s[0])]


# --- This app's sections ---------------------------------------------------------------------


def clusters(query, words, limit):
    found = matching(
        Cluster.objects.published().select_related("region"),
        words,
        [
            "name",
            "short_name",
            "summary",
            "description",
            "goals",
            "member_benefits",
            "region__name",
        ],
        {"name", "summary", "description", "goals", "member_benefits", "region__name"},
    )
    return group("clusters", _("Clusters"), found, limit)


def news(query, words, limit):
    found = matching(
        NewsItem.objects.published().select_related("cluster"),
        words,
        ["title", "summary", "body"],
        {"title", "summary", "body"},
    )
    return group("news", _("News"), found, limit)
