"""The company directory page: its vocabulary, its facets and one page of results.

The directory engine (companies/engine.py) answers the total, the facet counts and the ids of the
page; the database then loads the page's companies and what their cards show. A page runs the
same number of queries whatever the filters, the page size or the number of companies: the
engine's clock, the text match (with free text), the page's order, the companies and two
prefetches. The CSV export reads the same engine query, so it lists the same companies in the
same order.

Facet counts are disjunctive (as Europages and Kompass count): a facet's values are counted over
the result filtered by every OTHER facet, so ticking "Vaasa" still shows how many companies the
neighbouring towns would add.
"""

import collections.abc
import dataclasses
from html import escape

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import formats
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import npgettext
from django_countries import countries

from clusters.models import Cluster, Municipality

from . import engine
from .filters import (
    FACET_NAMES,
    FACETS,
    PER_PAGE_CHOICES,
    SORT_CHOICES,
    SORT_RELEVANCE,
    CompanyFilter,
)
from .models import (
    Capability,
    Certification,
    Company,
    CompanyCertificate,
    Material,
    Membership,
    Sector,
    SpokenLanguage,
    offer_model,
)
from .text import normalize

# Facet lists longer than this scroll inside their box.
LONG_FACET = 8


# --- Vocabulary -----------------------------------------------------------------------------


def capability_tree(capabilities):
    """Capabilities in tree order (each parent followed by its children), with ``tree_depth``."""
    children = {}
    for capability in capabilities:
        children.setdefault(capability.parent_id, []).append(capability)
    ids = {c.pk for c in capabilities}
    ordered = []

    def walk(parent_id, depth):
        siblings = sorted(
            children.get(parent_id, []), key=lambda c: (c.position, normalize(c.name))
        )
        for capability in siblings:
            capability.tree_depth = depth
            ordered.append(capability)
            if depth < 10:
                walk(capability.pk, depth + 1)

    walk(None, 0)
    # Orphans (a parent that no longer exists) go last rather than disappearing.
    for capability in capabilities:
        if capability.parent_id and capability.parent_id not in ids:
            capability.tree_depth = 0
            ordered.append(capability)
    return ordered


def load_vocabulary_objects():
    """The objects each facet can take, by facet and str(pk): seven small queries."""
    objects = {
        "cluster": {str(c.pk): c for c in Cluster.objects.published()},
        "sector": {str(s.pk): s for s in Sector.objects.all()},
        "capability": {str(c.pk): c for c in capability_tree(list(Capability.objects.all()))},
        "material": {str(m.pk): m for m in Material.objects.all()},
        "certification": {str(c.pk): c for c in Certification.objects.all()},
        "language": {str(lang.pk): lang for lang in SpokenLanguage.objects.all()},
    }
    municipalities = list(Municipality.objects.select_related("region"))
    objects["municipality"] = {str(m.pk): m for m in municipalities}
    objects["region"] = {str(m.region.pk): m.region for m in municipalities}
    return objects


class Vocabulary:
    """The values each facet can take, with their labels in the active language.

    Labels read the translated attribute, so they follow modeltranslation's fallback chain.
    """

    def __init__(self, objects=None):
        """``objects``: {facet: {str(pk): object}} as load_vocabulary_objects() makes them
        (loaded here, in seven queries, when not given)."""
        if objects is None:
            objects = load_vocabulary_objects()
        self._objects = objects
        self._labels = {
            name: {key: self._label(name, obj) for key, obj in objs.items()}
            for name, objs in self._objects.items()
        }
        country_codes = sorted({m.region.country.code for m in objects["municipality"].values()})
        self._labels["country"] = {code: str(countries.name(code)) for code in country_codes}
        self._labels["size"] = {value: str(label) for value, label in Company.SizeClass.choices}
        self._labels["offers"] = {"1": str(_("Has open cooperation offers"))}

    @staticmethod
    def _label(name, obj):
        if name == "certification":
            return f"{obj.code} – {obj.name}" if obj.name and obj.name != obj.code else obj.code
        if name == "sector":
            return f"{obj.name} ({obj.nace_code})"
        return str(obj.name)

    def objects(self, name):
        return self._objects.get(name, {})

    def label(self, name, value):
        return self._labels[name].get(value, value)

    def choices(self, name):
        return list(self._labels[name].items())

    def depth(self, name, value):
        obj = self._objects.get(name, {}).get(value)
        return getattr(obj, "tree_depth", 0)


# --- Facet counts ---------------------------------------------------------------------------


def selections(filterset):
    """{facet: [selected values]} of a CompanyFilter (values already validated)."""
    return {name: filterset.selected(name) for name in FACET_NAMES}


def engine_query(filterset, index=None):
    """The directory engine's answer to the filterset."""
    index = index or engine.current()
    return index.query(selections(filterset), filterset.text, filterset.sort)


# --- Presentation ---------------------------------------------------------------------------


@dataclasses.dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool
    depth: int = 0


@dataclasses.dataclass
class Facet:
    name: str
    label: str
    options: list

    @property
    def is_long(self):
        return len(self.options) > LONG_FACET

    @property
    def selected_count(self):
        return sum(1 for option in self.options if option.selected)

    def options_html(self):
        """The facet's checkboxes, built here rather than by a template loop: a facet can have
        hundreds of options, and the template engine's per-node cost made them most of the
        page's time. Every value is escaped (html.escape, quotes included)."""
        name = escape(self.name)
        nouns = {}  # "(1 firma)", "(2 firmy)", "(5 firm)": the word each count takes
        lines = []
        for option in self.options:
            value = escape(str(option.value))
            checked = " checked" if option.selected else ""
            companies = nouns.get(option.count)
            if companies is None:
                companies = nouns[option.count] = escape(
                    npgettext("after a number", "company", "companies", option.count)
                )
            lines.append(
                f'<li class="depth-{int(option.depth)}"><input type="checkbox" '
                f'id="f-{name}-{value}" name="{name}" value="{value}"{checked}>'
                f'<label for="f-{name}-{value}"><span class="option-label">'
                f"{escape(str(option.label))}</span> "
                f'<span class="count"><span class="visually-hidden">(</span>'
                f"{escape(formats.localize(option.count))}"
                f'<span class="visually-hidden"> {companies})</span></span></label></li>'
            )
        return mark_safe("\n".join(lines))  # noqa: S308  (every part escaped above)


def build_facets(filterset, vocabulary, counts):
    facets = []
    for name, label in FACETS:
        selected = set(filterset.selected(name))
        options = []
        for value, option_label in vocabulary.choices(name):
            count = counts[name].get(value, 0)
            if count or value in selected:
                options.append(
                    Option(
                        value, option_label, count, value in selected, vocabulary.depth(name, value)
                    )
                )
        if name not in {"capability", "size"}:
            # Most companies first; the tree and the size scale keep their own order.
            options.sort(key=lambda o: (not o.selected, -o.count, normalize(o.label)))
        if options:
            facets.append(Facet(name, label, options))
    return facets


@dataclasses.dataclass
class Chip:
    label: str
    value: str
    url: str


def active_chips(filterset, vocabulary, path, data):
    """The active filters, each with the address of the page without it (``data``: the
    cleaned query string, without the page number)."""

    def without(name, rest):
        remaining = data.copy()
        remaining.setlist(name, rest)
        return f"{path}?{remaining.urlencode()}"

    chips = []
    if filterset.text:
        chips.append(Chip(str(_("Search")), filterset.text, without("q", [])))
    for name, label in FACETS:
        selected = filterset.selected(name)
        for value in selected:
            rest = [v for v in selected if v != value]
            chips.append(Chip(str(label), vocabulary.label(name, value), without(name, rest)))
    return chips


# The columns a result card reads (loading the other forty is a good part of a page's time).
CARD_FIELDS = [
    "name",
    "slug",
    "country",
    "size_class",
    "updated_at",
    "municipality",
    *(f"description_{code}" for code in settings.LANGUAGE_CODES),
    *(f"municipality__name_{code}" for code in settings.LANGUAGE_CODES),
    "municipality__region",
    *(f"municipality__region__name_{code}" for code in settings.LANGUAGE_CODES),
]


def card_queryset(queryset):
    """What a result card shows, in two prefetches."""
    return (
        queryset.select_related("municipality__region")
        .only(*CARD_FIELDS)
        .prefetch_related(
            Prefetch("capabilities", queryset=Capability.objects.order_by("path")),
            Prefetch(
                "certificates",
                queryset=CompanyCertificate.objects.valid().select_related("certification"),
                to_attr="valid_certificates",
            ),
        )
    )


class EnginePaginator(Paginator):
    """Django's Paginator, except that get_page() shows the first page, not the last, for a
    page number below 1 (beyond the end is still the last page, anything else the first)."""

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except EmptyPage:
            if int(number) < 1:  # super() has already made sure it is an integer
                raise PageNotAnInteger from None
            raise


class EngineResults(collections.abc.Sequence):
    """The ordered result of an engine query as a sequence for Paginator: slicing it loads just
    that slice's companies in the engine's order, prepared by ``prepare`` (the directory's
    cards by default: one query and two prefetches; the API's ``with_profile``)."""

    def __init__(self, query, prepare=None):
        self.query = query
        self.prepare = prepare or card_queryset

    def __len__(self):
        return self.query.total

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        start, stop, _step = key.indices(len(self))
        companies = companies_in_order(self.query.ids(start, stop), self.prepare)
        with_offers = self.query.index.bitmap("offers", 1)
        for company in companies:
            company.has_open_offers = company.pk in with_offers
        return companies


def companies_in_order(ids, prepare=lambda queryset: queryset):
    """The published companies of ``ids``, in that order (one query plus ``prepare``'s)."""
    if not ids:
        return []
    queryset = Company.objects.using(engine.read_alias()).published().filter(pk__in=ids)
    companies = prepare(queryset.order_by()).in_bulk()
    return [companies[pk] for pk in ids if pk in companies]


def browse(params, path):
    """Everything the directory page shows for the query string ``params``."""
    filterset, query, vocabulary = search(params)

    paginator = EnginePaginator(EngineResults(query), filterset.per_page)
    page_obj = paginator.get_page(params.get("page"))
    counts = query.counts(FACET_NAMES)
    first_page = filterset.data.copy()  # the cleaned query string; a new filter starts at page 1
    first_page.pop("page", None)

    return {
        "filter": filterset,
        "form": filterset.form,
        "facets": build_facets(filterset, vocabulary, counts),
        "chips": active_chips(filterset, vocabulary, path, first_page),
        "total": query.total,
        "page_obj": page_obj,
        "companies": page_obj.object_list,
        "sort": filterset.sort,
        "sort_choices": [
            (value, label)
            for value, label in SORT_CHOICES
            if value != SORT_RELEVANCE or filterset.text
        ],
        "per_page": filterset.per_page,
        "per_page_choices": [value for value, _label in PER_PAGE_CHOICES],
        "csv_url": f"{reverse('companies:export')}?{first_page.urlencode()}",
        "clear_url": path,
        "ignored": filterset.ignored,
        "q_shortened": filterset.q_shortened,
        "is_filtered": filterset.is_filtered,
    }


def search(params):
    """``(filterset, engine query, vocabulary)`` for the query string ``params``: what the page,
    the CSV export and the open data API (api/) read, so they list the same companies in the
    same order."""
    index = engine.current()
    vocabulary = index.vocabulary(Vocabulary)
    filterset = CompanyFilter(params, queryset=Company.objects.published(), vocabulary=vocabulary)
    return filterset, engine_query(filterset, index), vocabulary


def results(params, limit):
    """The ids of the first ``limit`` companies of the query string, in the page's order, and
    the vocabulary that names their values (the CSV export)."""
    _filterset, query, vocabulary = search(params)
    return query.ids(0, limit), vocabulary


def profile_queryset():
    """A published company with everything its profile shows, in a fixed number of queries."""
    return with_profile(Company.objects.published())


def with_profile(queryset):
    """``queryset`` (of published companies) with everything a profile shows, in a fixed number
    of queries (also ``companies_in_order``'s ``prepare`` for the API's pages)."""
    return queryset.select_related("municipality__region").prefetch_related(
        Prefetch("sectors", queryset=Sector.objects.order_by("nace_code")),
        Prefetch("capabilities", queryset=Capability.objects.order_by("path")),
        "materials",
        "languages",
        Prefetch(
            "memberships",
            queryset=Membership.objects.active()
            .filter(cluster__is_published=True)
            .select_related("cluster"),
            to_attr="active_memberships",
        ),
        Prefetch(
            "certificates",
            queryset=CompanyCertificate.objects.valid().select_related("certification"),
            to_attr="valid_certificates",
        ),
        Prefetch(
            "offers",
            queryset=offer_model().objects.open().order_by("valid_until"),
            to_attr="open_offers",
        ),
    )
