"""The directory's free-text search document.

Every company keeps one lower-case, accent-free text of what a visitor may type in any of the five
languages: its name and business ID, its description in every language, its town and region in
every language (Vaasa / Vasa), and the names of its capabilities (with their parents), materials,
sectors and certifications in every language. Searching that one column follows the fallback
chain for free and makes "bialystok" find Białystok.
"""

import contextlib
import re
import unicodedata

from django.conf import settings
from django.db import connection
from django.db.models import FloatField, Prefetch
from django.db.models.expressions import RawSQL

# Letters Unicode does not decompose to a base letter plus an accent.
_UNDECOMPOSABLE = str.maketrans({"ł": "l", "ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ı": "i"})


class _Folding(dict):
    """str.translate table: each character to its accent-free form ("" for a control character or
    a combining mark, " " for any whitespace), computed once per distinct character. Equivalent to
    NFKD over the whole text and dropping combining marks, but at C speed after the first sight of
    a character (normalising 100,000 companies' texts is the bulk of seeding them)."""

    def __missing__(self, ordinal):
        char = chr(ordinal)
        undecomposable = _UNDECOMPOSABLE.get(ordinal)
        if undecomposable is not None:
            folded = undecomposable
        elif char.isspace():
            folded = " "
        else:
            folded = "".join(
                c
                for c in unicodedata.normalize("NFKD", char)
                if not unicodedata.combining(c) and (c.isprintable() or c.isspace())
            )
        self[ordinal] = folded
        return folded


_FOLDING = _Folding()


def normalize(text: str) -> str:
    """Lower-case, accents removed, NUL and control characters dropped, whitespace collapsed."""
    return " ".join((text or "").lower().translate(_FOLDING).split())


def _all_languages(obj, field):
    return [getattr(obj, f"{field}_{code}", "") or "" for code in settings.LANGUAGE_CODES]


def search_document(
    company, *, capabilities, materials, sectors, certifications, capability_ancestors=None
):
    """Build the search text of one company from already-loaded related objects."""
    parts = [company.name, company.business_id]
    parts += _all_languages(company, "description")
    municipality = company.municipality
    parts += _all_languages(municipality, "name")
    parts += _all_languages(municipality.region, "name")
    for capability in capabilities:
        parts += _all_languages(capability, "name")
        for ancestor in (capability_ancestors or {}).get(capability.pk, []):
            parts += _all_languages(ancestor, "name")
    for material in materials:
        parts += _all_languages(material, "name")
    for sector in sectors:
        parts.append(sector.nace_code)
        parts += _all_languages(sector, "name")
    for certification in certifications:
        parts.append(certification.code)
        parts += _all_languages(certification, "name")
    # Drop repeats (a name identical in several languages) to keep the column small.
    seen, unique = set(), []
    for part in map(normalize, parts):
        if part and part not in seen:
            seen.add(part)
            unique.append(part)
    return " ".join(unique)


def rebuild_search_documents(queryset=None, batch_size=1000):
    """Recompute the search document of the given companies (all by default). Returns the count."""
    from .models import Capability, Company, CompanyCertificate

    capabilities_by_pk = {c.pk: c for c in Capability.objects.all()}
    ancestors = {}
    for capability in capabilities_by_pk.values():
        chain, parent_id = [], capability.parent_id
        while parent_id and parent_id in capabilities_by_pk and len(chain) < 20:
            chain.append(capabilities_by_pk[parent_id])
            parent_id = capabilities_by_pk[parent_id].parent_id
        ancestors[capability.pk] = chain

    queryset = (queryset if queryset is not None else Company.objects.all()).order_by("pk")
    ids = list(queryset.values_list("pk", flat=True))
    updated = 0
    for start in range(0, len(ids), batch_size):
        batch = list(
            Company.objects.filter(pk__in=ids[start : start + batch_size])
            .select_related("municipality__region")
            .prefetch_related(
                "capabilities",
                "materials",
                "sectors",
                Prefetch(
                    "certificates",
                    queryset=CompanyCertificate.objects.select_related("certification"),
                ),
            )
        )
        for company in batch:
            company.search_document = search_document(
                company,
                capabilities=company.capabilities.all(),
                materials=company.materials.all(),
                sectors=company.sectors.all(),
                certifications=[c.certification for c in company.certificates.all()],
                capability_ancestors=ancestors,
            )
        Company.objects.bulk_update(batch, ["search_document"])
        updated += len(batch)
    if updated:
        # The directory remembers text matches per index version.
        from .facet_index import invalidate

        invalidate()
    return updated


# --- Querying -------------------------------------------------------------------------------

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
_WORD = re.compile(r"\w+")


def search_terms(text: str) -> list[str]:
    """The normalised, distinct terms of a visitor's query (at most MAX_TERMS of them)."""
    terms = []
    for term in normalize((text or "")[:MAX_QUERY_LENGTH]).split():
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def filter_by_text(queryset, text):
    """Companies whose search document contains every term.

    Substring matching, so "laser" finds "laserleikkaus" and "vasa" finds "vaasa"; on PostgreSQL
    each ``LIKE '%term%'`` is answered by the GIN trigram index on the search document.
    """
    terms = search_terms(text)
    for term in terms:
        queryset = queryset.filter(search_document__contains=term)
    return queryset


def rank_by_relevance(queryset, text):
    """Order by relevance on PostgreSQL (full-text rank plus a bonus for a name match); by name
    elsewhere. Returns the ordered queryset."""
    terms = search_terms(text)
    if not terms or connection.vendor != "postgresql":
        return queryset.order_by("name", "pk")
    words = [word for term in terms for word in _WORD.findall(term)]
    if not words:
        return queryset.order_by("name", "pk")
    tsquery = " & ".join(f"{word}:*" for word in words)
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    rank = RawSQL(
        f"ts_rank(to_tsvector('simple', {table}.search_document), to_tsquery('simple', %s))"
        # The document starts with the normalised name: a name that starts with the query wins.
        f" + CASE WHEN {table}.search_document LIKE %s THEN 1.0 ELSE 0.0 END",
        [tsquery, f"{_escape_like(terms[0])}%"],
        output_field=FloatField(),
    )
    return queryset.annotate(relevance=rank).order_by("-relevance", "name", "pk")


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# The GIN indexes on the search document (migration 0005), by name; kept here too so that a bulk
# load can drop them and build them once at the end, as PostgreSQL's manual advises for large
# loads (maintaining a trigram index row by row is most of the cost of inserting 100,000 companies).
SEARCH_INDEXES = {
    "company_search_trgm_idx": "CREATE INDEX IF NOT EXISTS company_search_trgm_idx "
    "ON companies_company USING gin (search_document gin_trgm_ops)",
    "company_search_fts_idx": "CREATE INDEX IF NOT EXISTS company_search_fts_idx "
    "ON companies_company USING gin (to_tsvector('simple', search_document))",
}


@contextlib.contextmanager
def search_indexes_suspended(enabled=True):
    """Drop the search indexes for a bulk load on PostgreSQL and rebuild them afterwards (even when
    the load fails). Elsewhere, or with ``enabled`` false, a no-op."""
    if not enabled or connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'companies_company' "
            "AND indexname = ANY(%s)",
            [list(SEARCH_INDEXES)],
        )
        present = [row[0] for row in cursor.fetchall()]
        for name in present:
            cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name in present:
                cursor.execute(SEARCH_INDEXES[name])
