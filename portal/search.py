"""Site search over companies, clusters, projects, events and news, in every language.

Companies are found by the directory engine (companies/engine.py): the same matching and order
as the directory, accents ignored, so ``bialystok`` finds Białystok. The other kinds are few
rows each: a lookup on a translated field (``name__icontains``) reads the active language's
column only, so every translated field is searched in all five columns; every word of the query
must match somewhere (AND), in any field (OR).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from clusters.models import Cluster, NewsItem
from companies import engine
from companies.directory import companies_in_order
from companies.search import query_words as split_words
from events.models import Event
from projects.models import Project

MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
MIN_WORD_LENGTH = 2
RESULTS_PER_GROUP = 10


def clean_query(raw) -> str:
    """The query as searched: control characters and NUL dropped, spaces collapsed, capped."""
    text = "".join(
        ch for ch in str(raw or "")[: MAX_QUERY_LENGTH * 4] if ch.isprintable() or ch.isspace()
    )
    return " ".join(text.split())[:MAX_QUERY_LENGTH].strip()


def query_words(query: str) -> list[str]:
    """The words searched in clusters, projects, events and news (the directory's splitting)."""
    return [word for word in split_words(query) if len(word) >= MIN_WORD_LENGTH][:MAX_WORDS]


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


@dataclass
class ResultGroup:
    key: str
    label: str
    items: list
    count: int
    more_url: str = ""
    extra: dict = field(default_factory=dict)


def _matching(queryset, words, fields, translated):
    for word in words:
        queryset = queryset.filter(any_column(fields, word, translated))
    return queryset


def _group(key, label, queryset, limit, more_url=""):
    items = list(queryset[:limit])
    # Count only when the first page is full: a short page is its own count (one query saved).
    count = len(items) if len(items) < limit else queryset.count()
    return ResultGroup(
        key=key, label=label, items=items, count=count, more_url=more_url if count > limit else ""
    )


def site_search(query: str, limit: int = RESULTS_PER_GROUP) -> list[ResultGroup]:
    """Results grouped by type, at most ``limit`` per group, each with its total count."""
    words = query_words(query)
    if not words:
        return []

    # Companies: the directory engine, so the order is the directory's relevance order.
    company_query = engine.current().query(text=query, sort=engine.SORT_RELEVANCE)
    companies = companies_in_order(
        company_query.ids(0, limit), lambda queryset: queryset.select_related("municipality")
    )
    clusters = _matching(
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
    projects = _matching(
        Project.objects.published().select_related("lead_organization"),
        words,
        [
            "name",
            "acronym",
            "summary",
            "description",
            "programme",
            "reference_number",
            "lead_organization__name",
        ],
        {"name", "summary", "description", "programme", "lead_organization__name"},
    )
    events = _matching(
        Event.objects.published().select_related("municipality").order_by("-starts_at"),
        words,
        ["title", "summary", "description", "venue_name", "municipality__name"],
        {"title", "summary", "description", "venue_name", "municipality__name"},
    )
    news = _matching(
        NewsItem.objects.published().select_related("cluster"),
        words,
        ["title", "summary", "body"],
        {"title", "summary", "body"},
    )
    companies_url = f"{reverse('companies:list')}?{urlencode({'q': query})}"
    return [
        ResultGroup(
            key="companies",
            label=_("Companies"),
            items=companies,
            count=company_query.total,
            more_url=companies_url if company_query.total > limit else "",
        ),
        _group("clusters", _("Clusters"), clusters, limit),
        _group("projects", _("Projects"), projects, limit),
        _group("events", _("Events"), events, limit),
        _group("news", _("News"), news, limit),
    ]
