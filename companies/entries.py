"""What the directory knows of a company: its facet keys, the words that find it in every
language, its folded name; computed from the database rows by ``entry_for``.

A facet value is one integer key: ``facet code × KEY_STRIDE + value`` (a country's two letters
and a size class are numbered too), so a company's keys fit one JSON list.
"""

import bisect
import collections
from itertools import chain

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

from clusters.models import Municipality

from .models import (
    Capability,
    Certification,
    Company,
    CompanyCertificate,
    DirectoryEntry,
    Material,
    Membership,
    Sector,
    offer_model,
)
from .text import words

KEY_STRIDE = 10**8
ALL = 0  # the key of every published company
FACET_CODES = {
    "cluster": 1,
    "sector": 2,
    "capability": 3,
    "material": 4,
    "certification": 5,
    "language": 6,
    "country": 7,
    "region": 8,
    "municipality": 9,
    "size": 10,
    "offers": 11,
}
FACET_NAMES = {code: name for name, code in FACET_CODES.items()}
NAME_SLICE, UPDATED_SLICE = 20, 21
# Companies per slice of a sort order after a full rebuild: a page sorts at most about this many
# rows in SQL, whatever the size of the directory.
SLICE_SIZE = 1024
# Companies computed per batch by a full rebuild (bounded memory at a million companies).
BATCH_SIZE = 20_000
# Marks of the inverted index's name words: "=word" is in the name, "^word" begins it.
NAME_MARK, FIRST_MARK = "=", "^"

SIZE_VALUES = [value for value, _label in Company.SizeClass.choices]


# --- Keys -----------------------------------------------------------------------------------


def _country_number(code):
    code = str(code).upper()
    return (ord(code[0]) - 64) * 64 + (ord(code[1]) - 64) if len(code) == 2 else 0


def facet_key(facet, value):
    """The key of ``value`` (a pk, a country code, a size class) of ``facet``."""
    if facet == "country":
        number = _country_number(value)
    elif facet == "size":
        number = SIZE_VALUES.index(value) + 1 if value in SIZE_VALUES else 0
    else:
        number = int(value)
    return FACET_CODES[facet] * KEY_STRIDE + number


def decode_key(key):
    """(facet, value as the query string spells it) of a facet key; (None, None) for others."""
    facet = FACET_NAMES.get(key // KEY_STRIDE)
    number = key % KEY_STRIDE
    if facet == "country":
        return facet, chr(number // 64 + 64) + chr(number % 64 + 64)
    if facet == "size":
        return facet, SIZE_VALUES[number - 1] if 0 < number <= len(SIZE_VALUES) else ""
    return facet, str(number)


def slice_key(order, index):
    return order * KEY_STRIDE + index


def slice_of(bounds, value):
    """The slice of a sort key: slices split the order at ``bounds`` (ascending)."""
    return bisect.bisect_right(bounds, value)


def timestamp(value):
    return round(value.timestamp(), 6)


# --- What the directory knows of a company -----------------------------------------------------


class Taxonomy:
    """The names and the tree the documents and keys quote, loaded once per refresh (small)."""

    def __init__(self, using=DEFAULT_DB_ALIAS):
        codes = settings.LANGUAGE_CODES
        self.capabilities = {}
        parents = {}
        for row in Capability.objects.using(using).values("pk", "parent_id", *_names("name")):
            self.capabilities[row["pk"]] = _texts(row, "name", codes)
            parents[row["pk"]] = row["parent_id"]
        self.ancestors = {}
        for pk in parents:
            chain, parent = [], parents[pk]
            while parent in parents and parent not in chain and len(chain) < 20:
                chain.append(parent)
                parent = parents[parent]
            self.ancestors[pk] = chain
        self.materials = {
            row["pk"]: _texts(row, "name", codes)
            for row in Material.objects.using(using).values("pk", *_names("name"))
        }
        self.sectors = {
            row["pk"]: (*words(row["nace_code"]), *_texts(row, "name", codes))
            for row in Sector.objects.using(using).values("pk", "nace_code", *_names("name"))
        }
        self.certifications = {
            row["pk"]: (*words(row["code"]), *_texts(row, "name", codes))
            for row in Certification.objects.using(using).values("pk", "code", *_names("name"))
        }
        self.places = {}
        for town in (
            Municipality.objects.using(using)
            .select_related("region")
            .only("pk", "region", *_names("name"), *(f"region__{f}" for f in _names("name")))
        ):
            self.places[town.pk] = (
                town.region_id,
                _texts(town, "name", codes) + _texts(town.region, "name", codes),
            )


def _names(field):
    return [f"{field}_{code}" for code in settings.LANGUAGE_CODES]


def _texts(source, field, codes):
    """The words of a field in every language (split once per taxonomy load)."""
    get = source.get if isinstance(source, dict) else lambda name: getattr(source, name, "")
    return tuple(
        dict.fromkeys(chain.from_iterable(words(get(f"{field}_{c}") or "") for c in codes))
    )


def _document(texts, known_words):
    """The distinct words of ``texts`` and of the already split ``known_words``."""
    found = chain(chain.from_iterable(map(words, texts)), chain.from_iterable(known_words))
    return " ".join(dict.fromkeys(found))


def name_key(name):
    return " ".join(words(name))


def company_rows(using, ids=None, id_range=None):
    """Companies (published or not) by id, with their related rows, in eight queries."""
    codes = settings.LANGUAGE_CODES

    def scoped(queryset, field="company_id"):
        if ids is not None:
            return queryset.filter(**{f"{field}__in": ids})
        if id_range is not None:
            return queryset.filter(**{f"{field}__gte": id_range[0], f"{field}__lt": id_range[1]})
        return queryset

    companies = scoped(Company.objects.using(using).order_by(), "pk").values_list(
        "pk",
        "is_published",
        "name",
        "business_id",
        "municipality_id",
        "country",
        "size_class",
        "updated_at",
        *_names("description"),
    )
    related = collections.defaultdict(lambda: collections.defaultdict(list))

    def collect(kind, rows):
        for company_id, value in rows:
            related[company_id][kind].append(value)

    for kind, field, column in (
        ("sector", "sectors", "sector_id"),
        ("capability", "capabilities", "capability_id"),
        ("material", "materials", "material_id"),
        ("language", "languages", "spokenlanguage_id"),
    ):
        through = getattr(Company, field).through.objects.using(using).order_by()
        collect(kind, scoped(through).values_list("company_id", column))
    collect(
        "cluster",
        scoped(Membership.objects.using(using).active().order_by()).values_list(
            "company_id", "cluster_id"
        ),
    )
    for company_id, certification_id, valid_from, valid_until in scoped(
        CompanyCertificate.objects.using(using).order_by()
    ).values_list("company_id", "certification_id", "valid_from", "valid_until"):
        related[company_id]["certificate"].append((certification_id, valid_from, valid_until))
    offers = offer_model().objects.using(using).published().filter(company__isnull=False)
    for company_id, valid_from, valid_until in scoped(offers.order_by()).values_list(
        "company_id", "valid_from", "valid_until"
    ):
        related[company_id]["offer"].append((valid_from, valid_until))
    for row in companies:
        pk, published, name, business_id, town, country, size, updated_at = row[:8]
        descriptions = row[8 : 8 + len(codes)]
        yield {
            "pk": pk,
            "published": published,
            "name": name,
            "business_id": business_id,
            "municipality": town,
            "country": country,
            "size": size,
            "updated_at": updated_at,
            "descriptions": descriptions,
            "related": related.get(pk, {}),
        }


def _is_valid(valid_from, valid_until, on):
    return (valid_from is None or valid_from <= on) and (valid_until is None or valid_until >= on)


def entry_for(row, taxonomy, today):
    """The DirectoryEntry of one company row, or None when it is not published."""
    if not row["published"]:
        return None
    related = row["related"]
    keys = {ALL, facet_key("country", row["country"]), facet_key("size", row["size"])}
    region_id, place_names = taxonomy.places.get(row["municipality"], (None, ()))
    keys.add(facet_key("municipality", row["municipality"]))
    if region_id:
        keys.add(facet_key("region", region_id))
    texts = [row["name"], row["business_id"], *row["descriptions"]]
    parts = [place_names]
    for capability in related.get("capability", ()):
        for pk in (capability, *taxonomy.ancestors.get(capability, ())):
            keys.add(facet_key("capability", pk))
            parts.append(taxonomy.capabilities.get(pk, ()))
    for material in related.get("material", ()):
        keys.add(facet_key("material", material))
        parts.append(taxonomy.materials.get(material, ()))
    for sector in related.get("sector", ()):
        keys.add(facet_key("sector", sector))
        parts.append(taxonomy.sectors.get(sector, ()))
    for language in related.get("language", ()):
        keys.add(facet_key("language", language))
    for cluster in related.get("cluster", ()):
        keys.add(facet_key("cluster", cluster))
    for certification, valid_from, valid_until in related.get("certificate", ()):
        parts.append(taxonomy.certifications.get(certification, ()))
        if _is_valid(valid_from, valid_until, today):
            keys.add(facet_key("certification", certification))
    if any(_is_valid(start, end, today) for start, end in related.get("offer", ())):
        keys.add(facet_key("offers", 1))
    return DirectoryEntry(
        company_id=row["pk"],
        name_key=name_key(row["name"]),
        updated_at=row["updated_at"],
        document=_document(texts, parts),
        keys=sorted(keys),
    )


def tokens(entry):
    """The words of the inverted index (DirectoryWord) an entry is found under."""
    name_words = dict.fromkeys(entry.name_key.split())
    found = entry.document.split()  # distinct already
    found += [NAME_MARK + word for word in name_words]
    if name_words:
        found.append(FIRST_MARK + next(iter(name_words)))
    return found


def all_keys(entry, state):
    """Every bitmap a company's entry is in: its facet keys and one slice of each order."""
    return {
        *entry.keys,
        slice_key(NAME_SLICE, slice_of(state.name_bounds, entry.name_key)),
        slice_key(UPDATED_SLICE, slice_of(state.updated_bounds, timestamp(entry.updated_at))),
    }
