"""The directory engine: one implementation of the directory's filters, free text, relevance, sort
orders, disjunctive facet counts and pages, used by the directory page, its CSV, the site search
and the cluster pages' figures.

Where the work happens:

- **Facets and counts** come from Roaring bitmaps of company ids, one per facet value
  (companies/indexing.py keeps them in the database, changed in place by each edit). A worker holds
  a copy and, at the start of each request, reads the directory's clock row (one query); when it
  moved, the worker fetches just the bitmaps written since. Memory is bounded by the bitmaps
  (a few tens of MB at a million companies), and a new worker loads them in one query.
  A filter is the OR of a facet's selected values, AND across facets; a disjunctive count is
  ``|value ∩ result without that facet|``.
- **Free text** is answered by the database's inverted index (``DirectoryWord``: one bitmap per
  folded word of the companies' texts in every language, and per word of their names). A query
  word reads the range of words it starts, in one indexed query that never touches the
  companies' rows: the same on PostgreSQL and SQLite, and as fast for a word no cache has seen.
- **Pages**: each sort order is cut into slices of about a thousand companies, each a bitmap;
  counting the result in each slice finds the slice that holds the page, and the database sorts
  just that slice's matches. A page costs the same at page 1 and page 200, at 1,000 companies
  and at 1,000,000.

Relevance: companies whose name holds every word of the query come first (those whose name starts
with the first word before the others), then the rest; each group in name order. The page, the
CSV and the site search all read ``Query.ids``, so they list the same companies in the same order.

``Query`` is the seam a search server would plug into (an OpenSearch backend with filtered
aggregations would answer the same ``total``, ``counts`` and ``ids``).
"""

import json
import threading

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Q
from django.utils import timezone, translation
from pyroaring import BitMap

from . import indexing
from .entries import (
    ALL,
    FIRST_MARK,
    KEY_STRIDE,
    NAME_MARK,
    NAME_SLICE,
    UPDATED_SLICE,
    decode_key,
)
from .models import DirectoryBitmap, DirectoryEntry, DirectoryState, DirectoryWord
from .text import search_terms

SORT_RELEVANCE, SORT_NAME, SORT_UPDATED = "relevance", "name", "updated"
# A query word this long matches as a prefix ("lase" finds laser); shorter ones match whole words.
MIN_PREFIX = 3
ENTRY_TABLE = DirectoryEntry._meta.db_table


def read_alias():
    """The database the directory reads (the read replica when one is configured)."""
    return router.db_for_read(DirectoryEntry) or DEFAULT_DB_ALIAS


class BitmapIndex:
    """This process's copy of the directory's bitmaps, kept in step with the database."""

    def __init__(self):
        self.lock = threading.Lock()
        self.generation = None
        self.seq = None
        self.token = None
        self.vocabulary_seq = None
        self.bitmaps = {}  # key → BitMap
        self.facets = {}  # facet → {value: key}
        self.slices = {NAME_SLICE: {}, UPDATED_SLICE: {}}  # order → {index: BitMap}
        self._vocabularies = {}

    # --- Freshness ----------------------------------------------------------------------------

    def sync(self):
        """Catch up with the database: one query when nothing changed."""
        alias = read_alias()
        row = self._state(alias)
        today = timezone.localdate()
        if row is not None and row[-1] != today:
            indexing.advance_day(today)
            row = self._state(alias)
        with self.lock:
            if row is None:
                self._reset(None)
                return self
            seq, token, generation, vocabulary_seq, _valid_on = row
            if (seq, token, generation) != (self.seq, self.token, self.generation):
                if generation != self.generation or seq <= (self.seq or 0):
                    # A new generation, or a history this copy saw was rolled back.
                    self._reset(generation)
                    self._load(DirectoryBitmap.objects.using(alias).all())
                else:
                    self._load(DirectoryBitmap.objects.using(alias).filter(seq__gt=self.seq))
                self.seq, self.token = seq, token
            if vocabulary_seq != self.vocabulary_seq:
                self.vocabulary_seq = vocabulary_seq
                self._vocabularies = {}
        return self

    @staticmethod
    def _state(alias):
        return (
            DirectoryState.objects.using(alias)
            .filter(pk=1)
            .values_list("seq", "token", "generation", "vocabulary_seq", "valid_on")
            .first()
        )

    def _reset(self, generation):
        self.generation = generation
        self.seq = self.token = None
        self.bitmaps = {}
        self.facets = {}
        self.slices = {NAME_SLICE: {}, UPDATED_SLICE: {}}
        self._vocabularies = {}

    def _load(self, rows):
        for key, bits in rows.values_list("key", "bits").iterator(chunk_size=500):
            bitmap = BitMap.deserialize(bytes(bits))
            self.bitmaps[key] = bitmap
            code = key // KEY_STRIDE
            if code in self.slices:
                self.slices[code][key % KEY_STRIDE] = bitmap
            elif key != ALL:
                facet, value = decode_key(key)
                if facet:
                    self.facets.setdefault(facet, {})[value] = key

    # --- Reading ------------------------------------------------------------------------------

    @property
    def everything(self):
        return self.bitmaps.get(ALL) or BitMap()

    @property
    def size(self):
        return len(self.everything)

    def bitmap(self, facet, value):
        key = self.facets.get(facet, {}).get(str(value))
        return self.bitmaps.get(key) if key is not None else BitMap()

    def values(self, facet):
        """{value: bitmap} of a facet."""
        return {value: self.bitmaps[key] for value, key in self.facets.get(facet, {}).items()}

    def breakdown(self, facet, within):
        """{value: count} of ``facet`` over the companies of ``within``, zeros left out."""
        counts = {}
        for value, bitmap in self.values(facet).items():
            n = bitmap.intersection_cardinality(within)
            if n:
                counts[value] = n
        return counts

    def ordered_slices(self, order):
        slices = self.slices[order]
        indexes = sorted(slices, reverse=order == UPDATED_SLICE)
        return [slices[i] for i in indexes]

    def vocabulary(self, factory):
        """``factory()`` (companies.directory.Vocabulary) for the active language, made once per
        language and vocabulary version."""
        language = translation.get_language()
        vocabulary = self._vocabularies.get(language)
        if vocabulary is None:
            vocabulary = self._vocabularies[language] = factory()
        return vocabulary

    def query(self, selected=None, text="", sort=SORT_NAME):
        return Query(self, selected or {}, text, sort)


_index = BitmapIndex()


def current():
    """This process's index, in step with the database."""
    return _index.sync()


def forget():
    """Drop this process's copy (the next request loads everything again)."""
    with _index.lock:
        _index._reset(None)


# --- Free text --------------------------------------------------------------------------------


def _word_range(word):
    """(low, high): the words that start with ``word`` are low <= w < high (code point order,
    which is PostgreSQL's "C" collation and SQLite's)."""
    return word, word[:-1] + chr(ord(word[-1]) + 1)


def match_text(terms, alias=None):
    """(companies with a word starting with each term, those whose name has such a word for each
    term, those whose name starts with the first term) as bitmaps, read from the inverted index in
    one query. Terms shorter than MIN_PREFIX match whole words only ("oy" is not every "oyj")."""
    prefixes = []  # (word as stored, is a prefix)
    for term in terms:
        prefix = len(term) >= MIN_PREFIX
        prefixes += [(term, prefix), (NAME_MARK + term, prefix)]
    prefixes.append((FIRST_MARK + terms[0], len(terms[0]) >= MIN_PREFIX))
    condition = Q()
    for word, prefix in prefixes:
        if prefix:
            low, high = _word_range(word)
            condition |= Q(word__gte=low, word__lt=high)
        else:
            condition |= Q(word=word)
    unions = {word: BitMap() for word, _prefix in prefixes}
    rows = DirectoryWord.objects.using(alias or read_alias()).filter(condition)
    for found, bits in rows.values_list("word", "bits"):
        bitmap = None
        for word, prefix in prefixes:
            if found == word or (prefix and found.startswith(word)):
                bitmap = bitmap or BitMap.deserialize(bytes(bits))
                unions[word] |= bitmap
    matched = BitMap.intersection(*(unions[term] for term in terms))
    in_name = BitMap.intersection(*(unions[NAME_MARK + term] for term in terms))
    return matched, in_name, unions[FIRST_MARK + terms[0]]


# --- Queries ----------------------------------------------------------------------------------


class Query:
    """One directory question: ``selected`` ({facet: [values]}, already validated), free text and
    a sort order. Answers the total, the disjunctive facet counts and any slice of the ordered ids.
    """

    def __init__(self, index, selected, text, sort):
        self.index = index
        self.terms = search_terms(text)
        self.sort = sort if sort != SORT_RELEVANCE or self.terms else SORT_NAME
        everything = index.everything
        self.chosen = {}
        for facet, values in selected.items():
            if values:
                union = BitMap()
                for value in values:
                    union |= index.bitmap(facet, value)
                self.chosen[facet] = union
        if self.terms:
            self.matched, self.in_name, self.name_first = match_text(self.terms)
            self.base = everything & self.matched
        else:
            self.base = everything
        result = self.base
        for union in self.chosen.values():
            result = result & union
        self.result = result
        self.total = len(result)

    def without(self, facet):
        """The result filtered by every facet but ``facet``."""
        if facet not in self.chosen:
            return self.result
        result = self.base
        for other, union in self.chosen.items():
            if other != facet:
                result = result & union
        return result

    def counts(self, facets):
        """{facet: {value: count}} for the named facets, zero counts left out."""
        counts = {}
        for facet in facets:
            over = self.without(facet)
            whole = over is self.index.everything
            counts[facet] = found = {}
            if not over:
                continue
            for value, bitmap in self.index.values(facet).items():
                n = len(bitmap) if whole else bitmap.intersection_cardinality(over)
                if n:
                    found[value] = n
        return counts

    def ids(self, start, stop):
        """The company ids at positions [start, stop) of the result in the query's order, in
        one SQL query whatever the order and the page."""
        if stop <= start or not self.result:
            return []
        if self.sort == SORT_RELEVANCE:
            first = self.result & self.in_name & self.name_first
            named = (self.result & self.in_name) - first
            groups = [first, named, self.result - self.in_name]
        else:
            groups = [self.result]
        order = UPDATED_SLICE if self.sort == SORT_UPDATED else NAME_SLICE
        windows = []
        for group in groups:
            n = len(group)
            if start < n:
                windows.append(self._window(group, order, start, min(stop, n)))
            start, stop = max(start - n, 0), stop - n
            if stop <= 0:
                break
        return _sorted_ids([window for window in windows if window[0]], order)

    def _window(self, bitmap, order, start, stop):
        """(ids, offset, limit): positions [start, stop) of ``bitmap`` in ``order`` are
        ``ids`` sorted, then [offset:offset + limit]. Counting the bitmap in each slice of the
        order finds the few slices that hold the positions; only those are sorted in SQL."""
        window, window_start, position = BitMap(), None, 0
        for part in self.index.ordered_slices(order):
            n = bitmap.intersection_cardinality(part)
            if not n:
                continue
            if position + n > start:
                if window_start is None:
                    window_start = position
                window |= bitmap & part
            position += n
            if position >= stop:
                break
        return list(window), start - (window_start or 0), stop - start


def _sorted_ids(windows, order):
    """The ids of each window [(ids, offset, limit)], each sorted in ``order`` and cut, one
    window after the other: one query."""
    if not windows:
        return []
    connection = connections[read_alias()]
    postgresql = connection.vendor == "postgresql"
    if order == UPDATED_SLICE:
        key, ordering = "updated_at", "updated_at DESC, company_id"
    else:
        key = "name_key"
        ordering = 'name_key COLLATE "C", company_id' if postgresql else "name_key, company_id"
    if postgresql:
        where = "company_id = ANY(%s::bigint[])"
    else:
        where = "company_id IN (SELECT value FROM json_each(%s))"
    parts, params = [], []
    for number, (ids, offset, limit) in enumerate(windows):
        parts.append(
            f"SELECT * FROM (SELECT {number} AS part, company_id, {key} FROM {ENTRY_TABLE}"
            f" WHERE {where} ORDER BY {ordering} LIMIT %s OFFSET %s) AS part{number}"
        )
        listed = "{" + ",".join(map(str, ids)) + "}" if postgresql else json.dumps(ids)
        params += [listed, limit, offset]
    sql = " UNION ALL ".join(parts)
    if len(parts) > 1:
        sql = f"SELECT * FROM ({sql}) AS page ORDER BY part, {ordering}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[1] for row in cursor.fetchall()]
