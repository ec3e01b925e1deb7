"""Keeps the directory's tables current: one entry per published company and one bitmap per
facet value, changed in place by each edit.

The directory (companies/engine.py) reads three tables that only this module writes:

- ``DirectoryEntry``: per published company, its folded name (name order, relevance), its
  ``updated_at`` (the "recently updated" order), its document (every word that finds it, in every
  language) and its facet keys;
- ``DirectoryBitmap``: per facet value, the ids of the published companies that have it, as a
  serialised Roaring bitmap; plus one bitmap per slice of the name order and of the "recently
  updated" order, so that a page is found by counting, then sorting a slice in SQL;
- ``DirectoryState``: a clock that every edit locks and advances (``seq``), so workers fetch only
  the bitmaps written since the ``seq`` they hold.

``refresh(ids)`` runs in the transaction of the edit (companies/signals.py calls it): it
recomputes those companies' entries and rewrites only the bitmaps whose membership changed, so an
edit costs work proportional to the companies it touches and is visible to every worker as soon
as it commits. Certificates and offers that start or end with the date are moved once a day by
``advance_day`` (the first request of the day, or the daily command). ``rebuild_all`` recomputes
everything (``manage.py rebuild_directory``, after bulk loads that bypass signals).

A facet value is one integer key: ``facet code × KEY_STRIDE + value`` (a country's two letters
and a size class are numbered too), so a company's keys fit one JSON list.
"""

import bisect
import collections
import csv
import datetime
import io
import itertools
import secrets
import threading
from itertools import chain

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q
from django.utils import timezone
from pyroaring import BitMap

from clusters.models import Municipality

from .models import (
    Capability,
    Certification,
    Company,
    CompanyCertificate,
    DirectoryBitmap,
    DirectoryEntry,
    DirectoryState,
    DirectoryWord,
    Material,
    Membership,
    Sector,
    offer_model,
)
from .search import words

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


def _company_rows(using, ids=None, id_range=None):
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


def _all_keys(entry, state):
    """Every bitmap a company's entry is in: its facet keys and one slice of each order."""
    return {
        *entry.keys,
        slice_key(NAME_SLICE, slice_of(state.name_bounds, entry.name_key)),
        slice_key(UPDATED_SLICE, slice_of(state.updated_bounds, timestamp(entry.updated_at))),
    }


# --- Edits ----------------------------------------------------------------------------------

# Companies being deleted in this thread: refreshing them while their rows go is wasted work.
_deleting = threading.local()


def deleting_ids():
    if not hasattr(_deleting, "ids"):
        _deleting.ids = set()
    return _deleting.ids


def _locked_state(using):
    state = DirectoryState.objects.using(using).select_for_update().filter(pk=1).first()
    if state is None:
        # A new clock (a new database, a flush) gets a generation no worker can hold yet.
        DirectoryState.objects.using(using).get_or_create(
            pk=1,
            defaults={"valid_on": timezone.localdate(), "generation": secrets.randbits(62)},
        )
        state = DirectoryState.objects.using(using).select_for_update().get(pk=1)
    return state


def refresh(company_ids, using=DEFAULT_DB_ALIAS):
    """Bring the entries and bitmaps of these companies up to date (in the current transaction).
    A company that no longer exists or is unpublished leaves the directory."""
    ids = {int(pk) for pk in company_ids if pk is not None}
    ids -= deleting_ids()
    if not ids:
        return
    with transaction.atomic(using=using):
        state = _locked_state(using)
        today = timezone.localdate()
        if state.valid_on != today:
            _advance(state, today, using)
        _apply(state, ids, today, using)


def remove(company_ids, using=DEFAULT_DB_ALIAS):
    """Take these companies out of the directory (a deleted company)."""
    ids = {int(pk) for pk in company_ids}
    if not ids:
        return
    with transaction.atomic(using=using):
        state = _locked_state(using)
        _write(state, ids, {}, using)


def bump_vocabulary(using=DEFAULT_DB_ALIAS):
    """Labels, the capability tree or the published clusters changed: workers reload them."""
    with transaction.atomic(using=using):
        state = _locked_state(using)
        state.vocabulary_seq = secrets.randbits(62)
        state.save(update_fields=["vocabulary_seq"])


def advance_day(today=None, using=DEFAULT_DB_ALIAS):
    """Move the certificates and offers whose validity started or ended since the day the
    directory was last computed for (cheap when nothing is due). Returns the companies moved."""
    today = today or timezone.localdate()
    with transaction.atomic(using=using):
        state = _locked_state(using)
        if state.valid_on == today:
            return 0
        return _advance(state, today, using)


def _advance(state, today, using):
    moved = set()
    if state.valid_on is not None:
        low, high = sorted((state.valid_on, today))
        # Validity that begins in (low, high] or ends in [low, high) changed in between.
        window = Q(valid_from__gt=low, valid_from__lte=high) | Q(
            valid_until__gte=low, valid_until__lt=high
        )
        moved.update(
            CompanyCertificate.objects.using(using)
            .filter(window)
            .values_list("company_id", flat=True)
        )
        moved.update(
            offer_model()
            .objects.using(using)
            .filter(window, company__isnull=False)
            .values_list("company_id", flat=True)
        )
    state.valid_on = today
    state.save(update_fields=["valid_on"])
    if moved:
        _apply(state, moved, today, using)
    return len(moved)


_taxonomy = threading.local()


def cached_taxonomy(state, using):
    """The Taxonomy, loaded again only when the vocabulary changed (bump_vocabulary)."""
    key = (using, state.generation, state.vocabulary_seq)
    if getattr(_taxonomy, "key", None) != key:
        _taxonomy.value, _taxonomy.key = Taxonomy(using), key
    return _taxonomy.value


def _apply(state, ids, today, using):
    taxonomy = cached_taxonomy(state, using)
    new = {}
    for row in _company_rows(using, ids=list(ids)):
        entry = entry_for(row, taxonomy, today)
        if entry is not None:
            new[entry.company_id] = entry
    _write(state, ids, new, using)


def _write(state, ids, new, using):
    """Replace the entries of ``ids`` by ``new`` ({id: entry}) and patch the bitmaps."""
    old = {e.company_id: e for e in DirectoryEntry.objects.using(using).filter(company_id__in=ids)}
    adds, removes = collections.defaultdict(set), collections.defaultdict(set)
    word_adds, word_removes = collections.defaultdict(set), collections.defaultdict(set)
    changed_entries = []
    for pk in ids:
        before = _all_keys(old[pk], state) if pk in old else set()
        after = _all_keys(new[pk], state) if pk in new else set()
        for key in after - before:
            adds[key].add(pk)
        for key in before - after:
            removes[key].add(pk)
        before = set(tokens(old[pk])) if pk in old else set()
        after = set(tokens(new[pk])) if pk in new else set()
        for word in after - before:
            word_adds[word].add(pk)
        for word in before - after:
            word_removes[word].add(pk)
        if pk in new and (
            pk not in old
            or (old[pk].name_key, old[pk].updated_at, old[pk].document, old[pk].keys)
            != (new[pk].name_key, new[pk].updated_at, new[pk].document, new[pk].keys)
        ):
            changed_entries.append(new[pk])
    gone = [pk for pk in old if pk not in new]
    if not (changed_entries or gone or adds or removes):
        return
    if gone:
        DirectoryEntry.objects.using(using).filter(company_id__in=gone).delete()
    updates = [entry for entry in changed_entries if entry.company_id in old]
    inserts = [entry for entry in changed_entries if entry.company_id not in old]
    if updates:
        DirectoryEntry.objects.using(using).bulk_update(
            updates, ["name_key", "updated_at", "document", "keys"]
        )
    if inserts:
        DirectoryEntry.objects.using(using).bulk_create(inserts)
    state.seq += 1
    state.token = secrets.randbits(62)
    _patch(DirectoryBitmap.objects.using(using), "key", adds, removes, {"seq": state.seq})
    _patch(DirectoryWord.objects.using(using), "word", word_adds, word_removes, None)
    state.save(update_fields=["seq", "token"])


def _patch(rows, field, adds, removes, stamp):
    """Add and remove ids in the bitmaps of ``rows`` named by ``field``. With ``stamp`` (the
    clock), an emptied bitmap stays, stamped, so that workers see it empty; without, it goes."""
    touched = sorted(set(adds) | set(removes))
    if not touched:
        return
    stored = {getattr(row, field): row for row in rows.filter(**{f"{field}__in": touched})}
    changed, created, emptied = [], [], []
    for name in touched:
        row = stored.get(name)
        bits = BitMap.deserialize(bytes(row.bits)) if row else BitMap()
        bits |= BitMap(adds.get(name, ()))
        bits -= BitMap(removes.get(name, ()))
        if not bits and stamp is None:
            if row is not None:
                emptied.append(name)
            continue
        values = {"bits": bits.serialize(), **(stamp or {})}
        if row is None:
            created.append(rows.model(**{field: name}, **values))
        else:
            for attribute, value in values.items():
                setattr(row, attribute, value)
            changed.append(row)
    if emptied:
        rows.filter(**{f"{field}__in": emptied}).delete()
    if changed:
        rows.bulk_update(changed, ["bits", *(stamp or {})])
    if created:
        rows.bulk_create(created)


# --- Full rebuild ---------------------------------------------------------------------------


def rebuild_all(using=DEFAULT_DB_ALIAS, batch_size=BATCH_SIZE, log=None):
    """Recompute every entry and bitmap from the companies (after a bulk load, or nightly).

    Entries are compared batch by batch and only the differing rows are written; the bitmaps and
    the word index are written anew. Readers are never blocked (they see the old rows until the
    commit); edits wait for it (the state row is locked). Returns the number of published
    companies.
    """
    log = log or (lambda message: None)
    today = timezone.localdate()
    connection = connections[using]
    with transaction.atomic(using=using):
        state = _locked_state(using)
        taxonomy = Taxonomy(using)
        bitmaps = collections.defaultdict(BitMap)
        words_index = collections.defaultdict(BitMap)
        last = (
            Company.objects.using(using).order_by("-pk").values_list("pk", flat=True).first() or 0
        )
        empty = not DirectoryEntry.objects.using(using).exists()
        for low in range(0, last + 1, batch_size):
            high = low + batch_size
            new, postings = {}, collections.defaultdict(list)
            for row in _company_rows(using, id_range=(low, high)):
                entry = entry_for(row, taxonomy, today)
                if entry is not None:
                    new[entry.company_id] = entry
                    for key in entry.keys:
                        bitmaps[key].add(entry.company_id)
                    for word in tokens(entry):
                        postings[word].append(entry.company_id)
            for word, ids in postings.items():
                words_index[word].update(ids)
            del postings
            _sync_batch(connection, using, (low, high), new, empty)
            log(f"directory: companies below {high:,} computed")
        # Entries of companies deleted without signals above the last company id.
        stale = DirectoryEntry.objects.using(using).filter(company_id__gt=last)
        if stale.exists():
            stale.delete()
        state.name_bounds = _slice_bounds(using, "name_key")
        state.updated_bounds = [timestamp(value) for value in _slice_bounds(using, "updated_at")]
        rows = DirectoryEntry.objects.using(using).values_list(
            "company_id", "name_key", "updated_at"
        )
        for company_id, name, updated_at in rows.iterator(chunk_size=10_000):
            bitmaps[slice_key(NAME_SLICE, slice_of(state.name_bounds, name))].add(company_id)
            updated = slice_of(state.updated_bounds, timestamp(updated_at))
            bitmaps[slice_key(UPDATED_SLICE, updated)].add(company_id)
        state.seq += 1
        state.token = secrets.randbits(62)
        state.generation = secrets.randbits(62)
        state.vocabulary_seq = secrets.randbits(62)
        state.valid_on = today
        DirectoryBitmap.objects.using(using).all().delete()
        for bits in bitmaps.values():
            bits.run_optimize()
        DirectoryBitmap.objects.using(using).bulk_create(
            (
                DirectoryBitmap(key=key, bits=bits.serialize(), seq=state.seq)
                for key, bits in bitmaps.items()
            ),
            batch_size=200,
        )
        _write_words(connection, using, words_index)
        state.save()
    if connection.vendor == "postgresql" and empty:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE companies_directoryentry")
    return len(bitmaps[ALL])


def _sync_batch(connection, using, id_range, new, empty):
    """Make the stored entries of an id range equal to ``new``, writing only differences."""
    entries = DirectoryEntry.objects.using(using)
    if empty:
        old = {}
    else:
        old = {
            e.company_id: e
            for e in entries.filter(company_id__gte=id_range[0], company_id__lt=id_range[1])
        }
    gone = [pk for pk in old if pk not in new]
    if gone:
        entries.filter(company_id__in=gone).delete()
    inserts, updates = [], []
    for pk, entry in new.items():
        before = old.get(pk)
        if before is None:
            inserts.append(entry)
        elif (before.name_key, before.updated_at, before.document, before.keys) != (
            entry.name_key,
            entry.updated_at,
            entry.document,
            entry.keys,
        ):
            updates.append(entry)
    if updates:
        entries.bulk_update(updates, ["name_key", "updated_at", "document", "keys"], batch_size=500)
    if inserts:
        if connection.vendor == "postgresql":
            _copy_entries(connection, inserts)
        else:
            entries.bulk_create(inserts, batch_size=500)


def _copy_entries(connection, entries):
    """INSERT by COPY (PostgreSQL's fast path for many rows)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for entry in entries:
        writer.writerow(
            [
                entry.company_id,
                entry.name_key,
                entry.updated_at.isoformat(),
                entry.document,
                "[" + ",".join(map(str, entry.keys)) + "]",
            ]
        )
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            "COPY companies_directoryentry (company_id, name_key, updated_at, document, keys) "
            "FROM STDIN WITH (FORMAT csv)",
            buffer,
        )


def _slice_bounds(using, column):
    """Every SLICE_SIZE-th distinct value of ``column`` in order: the slice boundaries."""
    connection = connections[using]
    collate = ' COLLATE "C"' if connection.vendor == "postgresql" and column == "name_key" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM (SELECT {column}, ROW_NUMBER() OVER (ORDER BY {column}{collate})"
            f" AS n FROM companies_directoryentry) numbered WHERE n > 1 AND n %% %s = 1 ORDER BY n",
            [SLICE_SIZE],
        )
        values = [row[0] for row in cursor.fetchall()]
    if column == "updated_at" and connection.vendor != "postgresql":
        values = [_parse_datetime(value) for value in values]
    bounds = []
    for value in values:
        if not bounds or value > bounds[-1]:
            bounds.append(value)
    return bounds


def _parse_datetime(value):
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
    parsed = datetime.datetime.fromisoformat(str(value))
    # SQLite stores UTC without an offset.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def _write_words(connection, using, words_index):
    """Replace the inverted index (COPY on PostgreSQL)."""
    DirectoryWord.objects.using(using).all().delete()
    if connection.vendor != "postgresql":
        DirectoryWord.objects.using(using).bulk_create(
            (DirectoryWord(word=w, bits=b.serialize()) for w, b in words_index.items()),
            batch_size=500,
        )
        return
    items = iter(sorted(words_index.items()))
    while True:
        chunk = list(itertools.islice(items, 50_000))
        if not chunk:
            break
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for word, bits in chunk:
            bits.run_optimize()
            writer.writerow([word, "\\x" + bits.serialize().hex()])
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                "COPY companies_directoryword (word, bits) FROM STDIN WITH (FORMAT csv)", buffer
            )
