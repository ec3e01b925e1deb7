"""The directory's free-text search document.

Every company keeps one lower-case, accent-free text of what a visitor may type in any of the five
languages: its name and business ID, its description in every language, its town and region in
every language (Vaasa / Vasa), and the names of its capabilities (with their parents), materials,
sectors and certifications in every language. Searching that one column follows the fallback
chain for free and makes "bialystok" find Białystok.
"""

import unicodedata

from django.conf import settings
from django.db.models import Prefetch

# Letters Unicode does not decompose to a base letter plus an accent.
_UNDECOMPOSABLE = str.maketrans({"ł": "l", "ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ı": "i"})


def normalize(text: str) -> str:
    """Lower-case, accents removed, NUL and control characters dropped, whitespace collapsed."""
    text = (text or "").lower().translate(_UNDECOMPOSABLE)
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(
        ch
        for ch in decomposed
        if not unicodedata.combining(ch) and (ch.isprintable() or ch.isspace())
    )
    return " ".join(kept.split())


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
    return updated
