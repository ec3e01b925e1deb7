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

What a company's entry holds, and how facet values become keys, is companies/entries.py.
"""

import collections
import csv
import datetime
import io
import itertools
import secrets
import threading

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q
from django.utils import timezone
from pyroaring import BitMap

from .entries import (
    ALL,
    BATCH_SIZE,
    NAME_SLICE,
    SLICE_SIZE,
    UPDATED_SLICE,
    Taxonomy,
    all_keys,
    company_rows,
    entry_for,
    slice_key,
    slice_of,
    timestamp,
    tokens,
)
from .models import (
    Company,
    CompanyCertificate,
    DirectoryBitmap,
    DirectoryEntry,
    DirectoryState,
    DirectoryWord,
    offer_model,
)

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
    for row in company_rows(using, ids=list(ids)):
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
        before = all_keys(old[pk], state) if pk in old else set()
        after = all_keys(new[pk], state) if pk in new else set()
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
            for row in company_rows(using, id_range=(low, high)):
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
