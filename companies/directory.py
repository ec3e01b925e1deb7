"""The company directory: its vocabulary, its facet counts and one page of results.

A page of the directory runs a fixed number of queries whatever the filters and the page size:
the vocabulary (7 small lists: the facet values and their labels in the active language), the
facet counts and the total (one query), the page of companies (one) and what its cards show
(two prefetches).

Facet counts are disjunctive (as Europages and Kompass count): a facet's values are counted over
the result filtered by every OTHER facet, so ticking "Vaasa" still shows how many companies the
neighbouring towns would add. All facets are counted in a single SQL statement: each distinct
"result without facet X" is a common table expression computed once, and every facet is one
GROUP BY over its relation (through table, membership, certificate) semi-joined to that
expression.
"""

import dataclasses
import math

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from portal.models import Cluster, Municipality

from .filters import (
    FACET_NAMES,
    FACETS,
    PER_PAGE_CHOICES,
    SORT_CHOICES,
    SORT_RELEVANCE,
    SORT_UPDATED,
    CompanyFilter,
)
from .models import (
    Capability,
    Certification,
    Company,
    CompanyCertificate,
    CooperationOffer,
    Material,
    Membership,
    Sector,
    SpokenLanguage,
)
from .search import normalize, rank_by_relevance

# Facet lists longer than this scroll inside their box.
LONG_FACET = 8


# --- Vocabulary -----------------------------------------------------------------------------


class Vocabulary:
    """The values each facet can take, with their labels in the active language.

    Labels read the translated attribute, so they follow modeltranslation's fallback chain.
    """

    def __init__(self):
        self._objects = {
            "cluster": {str(c.pk): c for c in Cluster.objects.published()},
            "sector": {str(s.pk): s for s in Sector.objects.all()},
            "capability": {str(c.pk): c for c in self._capability_tree()},
            "material": {str(m.pk): m for m in Material.objects.all()},
            "certification": {str(c.pk): c for c in Certification.objects.all()},
            "language": {str(lang.pk): lang for lang in SpokenLanguage.objects.all()},
        }
        municipalities = list(Municipality.objects.select_related("region"))
        self._objects["municipality"] = {str(m.pk): m for m in municipalities}
        self._objects["region"] = {str(m.region.pk): m.region for m in municipalities}
        self._labels = {
            name: {key: self._label(name, obj) for key, obj in objs.items()}
            for name, objs in self._objects.items()
        }
        country_codes = sorted({m.region.country.code for m in municipalities})
        self._labels["country"] = {code: str(countries.name(code)) for code in country_codes}
        self._labels["size"] = {value: str(label) for value, label in Company.SizeClass.choices}
        self._labels["offers"] = {"1": str(_("Has open cooperation offers"))}

    @staticmethod
    def _capability_tree():
        """Capabilities in tree order (each parent followed by its children), with depth."""
        capabilities = list(Capability.objects.all())
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

# Columns of each "result" expression; scalar facets group on one of them.
_BASE_COLUMNS = {
    "id": "pk",
    "country": "country",
    "municipality_id": "municipality_id",
    "size_class": "size_class",
    "region_id": "municipality__region_id",
}
_SCALAR_COLUMN = {
    "country": "country",
    "region": "region_id",
    "municipality": "municipality_id",
    "size": "size_class",
}


def _compile(queryset):
    try:
        return queryset.query.sql_with_params()
    except EmptyResultSet:
        return "SELECT NULL, NULL, NULL, NULL, NULL WHERE 1 = 0", ()


def _relation(name):
    """(company id c, value v) pairs of a relational facet, as an ORM queryset."""
    if name == "cluster":
        return Membership.objects.active().values(c=F("company_id"), v=F("cluster_id"))
    if name == "certification":
        return CompanyCertificate.objects.valid().values(c=F("company_id"), v=F("certification_id"))
    field = {"sector": "sectors", "material": "materials", "language": "languages"}[name]
    through = getattr(Company, field).through
    target = {"sector": "sector_id", "material": "material_id", "language": "spokenlanguage_id"}[
        name
    ]
    return through.objects.values(c=F("company_id"), v=F(target))


def _facet_sql(name, base):
    """SQL and params of one facet's (v, n) counts over the result expression ``base``."""
    if name in _SCALAR_COLUMN:
        column = _SCALAR_COLUMN[name]
        return f"SELECT {column} AS v, COUNT(*) AS n FROM {base} GROUP BY {column}", []
    if name == "offers":
        sql, params = _compile(
            CooperationOffer.objects.open()
            .filter(company__isnull=False)
            .values("company_id")
            .order_by()
        )
        return f"SELECT '1' AS v, COUNT(*) AS n FROM {base} WHERE id IN ({sql})", list(params)
    if name == "capability":
        # A parent counts the companies of its whole subtree, each company once: pair every
        # company with each ancestor of its capabilities (the "capability_closure" expression),
        # distinct.
        through = connection.ops.quote_name(Company.capabilities.through._meta.db_table)
        return (
            f"SELECT d.v AS v, COUNT(*) AS n FROM (SELECT DISTINCT t.company_id AS c, cl.aid AS v "
            f"FROM {base} b INNER JOIN {through} t ON t.company_id = b.id "
            f"INNER JOIN capability_closure cl ON cl.cid = t.capability_id) d GROUP BY d.v",
            [],
        )
    sql, params = _compile(_relation(name).order_by())
    return (
        # A join rather than IN (…): the result's ids are unique, and the planner hashes them.
        f"SELECT r.v AS v, COUNT(*) AS n FROM ({sql}) r INNER JOIN {base} b ON b.id = r.c GROUP BY r.v",
        list(params),
    )


def count_facets(filterset, queryset):
    """{facet: {value: count}} and the total, in one query. ``queryset`` is the unfiltered
    published companies."""
    bases, params = [], []

    # The text search is the dearest filter: match it once, and let every result expression
    # intersect with that.
    text = filterset.text
    if text:
        sql, text_params = _compile(queryset.search(text).order_by().values("pk"))
        bases.append(f"text_match AS ({sql})")
        params.extend(text_params)

    def base_expression(name, exclude):
        qs = filterset.filter_queryset(queryset, exclude=exclude, with_text=False).order_by()
        # Named columns: Django does not promise the order of values() in the SELECT.
        qs = qs.values(**{f"b_{column}": F(source) for column, source in _BASE_COLUMNS.items()})
        sql, base_params = _compile(qs)
        columns = ", ".join(f"s.b_{column} AS {column}" for column in _BASE_COLUMNS)
        join = " INNER JOIN text_match m ON m.pk = s.b_id" if text else ""
        bases.append(f"{name} AS (SELECT {columns} FROM ({sql}) s{join})")
        params.extend(base_params)
        return name

    # (capability, ancestor-or-self) pairs from the materialised paths, as literal rows: the
    # planner then knows their number (a LIKE join on the paths misleads its estimates).
    pairs = [
        (int(capability.pk), int(ancestor))
        for capability in filterset.vocabulary.objects("capability").values()
        for ancestor in capability.path.strip("/").split("/")
        if ancestor.isdigit()
    ]
    rows = ", ".join(f"({cid}, {aid})" for cid, aid in pairs) if pairs else None
    bases.append(
        f"capability_closure (cid, aid) AS ({f'VALUES {rows}' if rows else 'SELECT 0, 0 WHERE 1 = 0'})"
    )
    everything = base_expression("base_all", exclude=None)
    branches = [f"SELECT 'total' AS f, '' AS v, COUNT(*) AS n FROM {everything}"]
    branch_params = []
    for name in FACET_NAMES:
        base = (
            base_expression(f"base_{name}", exclude=name)
            if filterset.selected(name)
            else everything
        )
        sql, facet_params = _facet_sql(name, base)
        branches.append(f"SELECT '{name}' AS f, CAST(x.v AS TEXT) AS v, x.n AS n FROM ({sql}) x")
        branch_params.extend(facet_params)
    statement = f"WITH {', '.join(bases)} " + " UNION ALL ".join(branches)
    counts = {name: {} for name in FACET_NAMES}
    total = 0
    with connection.cursor() as cursor:
        cursor.execute(statement, params + branch_params)
        for facet, value, n in cursor.fetchall():
            if facet == "total":
                total = n
            elif value is not None:
                counts[facet][value] = n
    return counts, total


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


def query_string(data, **changes):
    """The query string of ``data`` (a QueryDict) with ``changes`` applied; None removes a key."""
    copy = data.copy()
    for key, value in changes.items():
        if value is None:
            copy.pop(key, None)
        elif isinstance(value, list):
            copy.setlist(key, value)
        else:
            copy[key] = str(value)
    encoded = copy.urlencode()
    return f"?{encoded}" if encoded else "?"


@dataclasses.dataclass
class Chip:
    label: str
    value: str
    url: str


def active_chips(filterset, vocabulary, path):
    data = filterset.data
    chips = []
    if filterset.text:
        chips.append(
            Chip(str(_("Search")), filterset.text, path + query_string(data, q=None, page=None))
        )
    for name, label in FACETS:
        selected = filterset.selected(name)
        for value in selected:
            rest = [v for v in selected if v != value]
            chips.append(
                Chip(
                    str(label),
                    vocabulary.label(name, value),
                    path + query_string(data, **{name: rest, "page": None}),
                )
            )
    return chips


def page_links(data, path, page_obj, window=2):
    """Numbered page links around the current page, with gaps (None) where pages are skipped."""
    last = page_obj.paginator.num_pages
    current = page_obj.number
    numbers = sorted({1, last, *range(max(1, current - window), min(last, current + window) + 1)})
    links, previous = [], 0
    for number in numbers:
        if number - previous > 1:
            links.append(None)
        links.append(
            {
                "number": number,
                "url": path + query_string(data, page=number),
                "current": number == current,
            }
        )
        previous = number
    return links


def parse_page(value, num_pages):
    """A page number from the query string: non-numbers are page 1, out of range is clamped."""
    try:
        number = int(str(value).strip()[:12])
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), max(num_pages, 1))


def ordered(filterset, queryset):
    sort = filterset.sort
    if sort == SORT_RELEVANCE:
        return rank_by_relevance(queryset, filterset.text)
    if sort == SORT_UPDATED:
        return queryset.order_by("-updated_at", "pk")
    return queryset.order_by("name", "pk")


def card_queryset(queryset):
    """What a result card shows, in two prefetches."""
    return (
        queryset.select_related("municipality__region")
        .annotate(
            has_open_offers=Exists(CooperationOffer.objects.open().filter(company=OuterRef("pk")))
        )
        .prefetch_related(
            Prefetch("capabilities", queryset=Capability.objects.order_by("path")),
            Prefetch(
                "certificates",
                queryset=CompanyCertificate.objects.valid().select_related("certification"),
                to_attr="valid_certificates",
            ),
        )
    )


def browse(params, path):
    """Everything the directory page shows for the query string ``params``."""
    vocabulary = Vocabulary()
    published = Company.objects.published()
    filterset = CompanyFilter(params, queryset=published, vocabulary=vocabulary)
    counts, total = count_facets(filterset, published)

    results = ordered(filterset, filterset.filter_queryset(published))
    paginator = Paginator(card_queryset(results), filterset.per_page)
    paginator.count = total  # known from the facet query: no separate COUNT(*)
    number = parse_page(params.get("page"), math.ceil(total / filterset.per_page) if total else 1)
    page_obj = paginator.page(number) if total else None

    data = filterset.data
    return {
        "filter": filterset,
        "form": filterset.form,
        "facets": build_facets(filterset, vocabulary, counts),
        "chips": active_chips(filterset, vocabulary, path),
        "total": total,
        "page_obj": page_obj,
        "companies": list(page_obj.object_list) if page_obj else [],
        "page_links": page_links(data, path, page_obj)
        if page_obj and paginator.num_pages > 1
        else [],
        "previous_url": path + query_string(data, page=number - 1)
        if page_obj and page_obj.has_previous()
        else "",
        "next_url": path + query_string(data, page=number + 1)
        if page_obj and page_obj.has_next()
        else "",
        "sort": filterset.sort,
        "sort_choices": [
            (value, label)
            for value, label in SORT_CHOICES
            if value != SORT_RELEVANCE or filterset.text
        ],
        "per_page": filterset.per_page,
        "per_page_choices": [value for value, _label in PER_PAGE_CHOICES],
        "csv_url": reverse("companies:export") + query_string(data, page=None),
        "clear_url": path,
        "ignored": filterset.ignored,
        "q_shortened": filterset.q_shortened,
        "is_filtered": filterset.is_filtered,
    }


def results(params):
    """The filtered, ordered companies of the query string (for the CSV export)."""
    published = Company.objects.published()
    filterset = CompanyFilter(params, queryset=published, vocabulary=Vocabulary())
    return ordered(filterset, filterset.filter_queryset(published))


def profile_queryset():
    """A published company with everything its profile shows, in a fixed number of queries."""
    return (
        Company.objects.published()
        .select_related("municipality__region")
        .prefetch_related(
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
                queryset=CooperationOffer.objects.open().order_by("valid_until"),
                to_attr="open_offers",
            ),
        )
    )
