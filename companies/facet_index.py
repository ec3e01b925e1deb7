"""The directory's in-process facet index: filters, facet counts and pages answered in memory.

Position ``i`` is the ``i``-th published company in (name, pk) order, as the database sorts them.
Every facet value holds a Python int used as a bitmap over positions (bit ``i`` set when company
``i`` has the value; a capability's bitmap includes its whole subtree). Python's big-int ``&``,
``|`` and ``int.bit_count`` run in C, a few microseconds for 100,000 bits, so:

- a filter is the OR of the selected values' bitmaps within a facet, AND across facets (the
  semantics of ``CompanyFilter``);
- a disjunctive facet count is ``(bitmap[value] & result_without_that_facet).bit_count()``;
- a page in name order is the n-th to m-th set bits of the result; in "recently updated" order,
  the result's positions met while walking a list sorted by (-updated_at, pk); in relevance
  order, the same per relevance tier (see ``FacetIndex.relevance_tiers``).

The free text is matched in memory too: the index keeps every published company's search
document (lower-case, accent-free, every language; companies/search.py) in one string, and a
term's matches are found with ``str.find`` in C, skipping to the next document after each hit —
the same "contains every term" as ``CompanyQuerySet.search`` (which the CSV export still uses),
but ~40 ms instead of a ~120 ms sequential scan in PostgreSQL for a term that a third of 100,000
companies contain. Matches are kept in a small per-index LRU. The page's 20–100 companies are
then loaded by primary key. A warm request thus runs a handful of queries whatever
the filters, the page or the data size.

Freshness, across processes: a version token lives in Django's cache (the shared cache of every
worker: the database cache, or Redis). Signals (companies/signals.py) call ``invalidate()`` on
every change that alters what the directory shows; bulk writes that bypass signals
(``bulk_create``, ``QuerySet.update``) must call it themselves. A process rebuilds its index when
the token, its own generation counter or today's date (certificates and offers expire at
midnight) differ from those it was built with. Inside a transaction the token is written at once
(the database cache writes it in the same transaction, so a rollback restores the old token and
the rolled-back data is never served) and again after commit (so Redis readers never keep an
index built from uncommitted data).
"""

import bisect
import collections
import itertools
import logging
import operator
import threading
import time
import uuid

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone, translation

from portal.models import Cluster, Municipality

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
from .search import normalize, search_terms

logger = logging.getLogger(__name__)

VERSION_KEY = "companies:facet-index:version"
# Text queries (and name terms for relevance) remembered per index.
TEXT_CACHE_SIZE = 128
# When the cache cannot be read, an index is trusted this long.
UNKNOWN_VERSION_TTL = 60.0

# The facets the index answers (query parameter names of companies/filters.py).
RELATIONAL_FACETS = ("cluster", "sector", "capability", "material", "certification", "language")
OFFERS = "offers"

# bin() digits '0'/'1' → bytes 0/1, for itertools.compress.
_DIGITS = bytes.maketrans(b"01", b"\x00\x01")
_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")


# --- Freshness --------------------------------------------------------------------------------

_lock = threading.Lock()
_index = None
# Bumped by invalidate(): this process's own changes are seen even if the cache is unreachable.
_generation = 0
# Whether a version was read since the last write (a second write within one transaction is
# only needed when someone may have built an index in between).
_read_since_write = True


def _write_version():
    global _read_since_write
    _read_since_write = False
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception as error:  # an unreachable cache must not fail the write that changed data
        logger.warning("Could not store the directory index version: %s", error)


def invalidate():
    """Tell every process that the directory's data changed: each rebuilds its index on its next
    request. Cheap to call many times within one transaction."""
    global _generation
    _generation += 1
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        pending = any(entry[1] is _write_version for entry in connection.run_on_commit)
        if not pending:
            transaction.on_commit(_write_version, robust=True)
        elif not _read_since_write:
            return
    _write_version()


def invalidate_local():
    """Rebuild this process's index on its next request (after a migrate or a flush, when the
    cache table may not exist yet)."""
    global _generation
    _generation += 1


def current_version():
    """The shared version token: one cache query (more only when the cache has none yet)."""
    global _read_since_write
    _read_since_write = True
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            version = cache.get(VERSION_KEY)
    except Exception as error:
        logger.warning("Could not read the directory index version: %s", error)
        return None
    return version


def get_index():
    """This process's index, rebuilt first if the data or the date changed since it was built."""
    global _index
    version = (current_version(), _generation)
    today = timezone.localdate()
    index = _index
    if index is not None and index.is_current(version, today):
        return index
    with _lock:
        index = _index
        if index is None or not index.is_current(version, today):
            index = FacetIndex.build(version, today)
            _index = index
    return index


def clear():
    """Forget this process's index (the next request rebuilds it)."""
    global _index
    with _lock:
        _index = None


# --- Bitmaps ----------------------------------------------------------------------------------


def to_bitmap(positions, size):
    """An int with the bits at ``positions`` (ints below ``size``) set."""
    positions = list(positions)
    if len(positions) <= size >> 5:  # also an empty directory (size 0): int(b"", 2) fails
        buffer = bytearray((size + 7) >> 3)
        for position in positions:
            buffer[position >> 3] |= 1 << (position & 7)
        return int.from_bytes(buffer, "little")
    # Many bits: the loop runs in C. One byte per position is set, then read as binary digits.
    mask = bytearray(size)
    collections.deque(map(mask.__setitem__, positions, itertools.repeat(1)), maxlen=0)
    return int(mask.translate(_TO_DIGITS)[::-1], 2)


def _rows(queryset, *fields):
    """``fields`` of the queryset's rows, fetched without the ORM's per-row machinery (a fraction
    of the time for a million rows). Columns are matched by name: the SQL (and modeltranslation's
    values_list) may order them otherwise."""
    sql, params = queryset.values_list(*fields).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        columns = [column[0] for column in cursor.description]
    order = [columns.index(field) for field in fields]
    if order == list(range(len(columns))):
        return rows
    if len(order) == 1:
        return [(row[order[0]],) for row in rows]
    return list(map(operator.itemgetter(*order), rows))


def to_mask(bitmap, size):
    """One byte per position (1 when the bit is set): a selector for itertools.compress."""
    digits = bin(bitmap)[:1:-1]  # least significant bit first
    return digits.encode("ascii").translate(_DIGITS).ljust(size, b"\x00")[:size]


def positions(bitmap, size, start=0, stop=None):
    """The positions of the set bits of ``bitmap``, ascending, sliced [start:stop]."""
    if not bitmap:
        return []
    return list(
        itertools.islice(itertools.compress(range(size), to_mask(bitmap, size)), start, stop)
    )


# --- Vocabulary objects ------------------------------------------------------------------------


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


# --- The index --------------------------------------------------------------------------------


class FacetIndex:
    """Bitmaps of the published companies, built from the database in a fixed number of queries."""

    def __init__(self, version, built_on):
        self.version = version
        self.built_on = built_on
        self.built_at = time.monotonic()
        self.size = 0
        self.pks = []  # position → pk
        self.position = {}  # pk → position
        self.names = []  # position → normalised name (relevance)
        self.updated_order = []  # positions by (-updated_at, pk)
        self.corpus = ""  # the search documents in position order, newline-separated
        self.starts = [0]  # position → offset of its document in the corpus
        self.bitmaps = {}  # facet → {value (str): bitmap}
        self.everything = 0
        self.vocabulary_objects = {}
        self._vocabularies = {}  # language → companies.directory.Vocabulary
        self._memo = collections.OrderedDict()
        self._memo_lock = threading.Lock()

    def is_current(self, version, today):
        if today != self.built_on:
            return False
        if version[0] is None:  # the cache is unreachable: trust the index for a while
            return (
                version[1] == self.version[1]
                and time.monotonic() - self.built_at < UNKNOWN_VERSION_TTL
            )
        return version == self.version

    @classmethod
    def build(cls, version, today):
        index = cls(version, today)
        index._load(today)
        return index

    def _load(self, today):
        started = time.perf_counter()
        self.vocabulary_objects = load_vocabulary_objects()
        rows = _rows(
            Company.objects.published().order_by("name", "pk"),
            *(
                "pk",
                "name",
                "country",
                "municipality_id",
                "municipality__region_id",
                "size_class",
                "search_document",
            ),
        )
        self.size = size = len(rows)
        if rows:
            pks, names, *columns, documents = zip(*rows, strict=True)
        else:
            pks, names, columns, documents = (), (), [(), (), (), ()], ()
        del rows
        self._load_corpus(documents)
        del documents
        self.pks = list(pks)
        self.names = [_normalize_name(name) for name in names]
        self.position = position = {pk: i for i, pk in enumerate(pks)}
        self.everything = (1 << size) - 1
        scalar_facets = ("country", "municipality", "region", "size")  # the columns' order
        for name, column in zip(scalar_facets, columns, strict=True):
            groups = collections.defaultdict(list)
            for i, value in enumerate(column):
                groups[value].append(i)
            self.bitmaps[name] = {str(v): to_bitmap(ps, size) for v, ps in groups.items()}
        updated = _rows(Company.objects.published().order_by("-updated_at", "pk"), "pk")
        self.updated_order = list(_known(position, (row[0] for row in updated)))

        for name, pairs in self._relations(today):
            groups = collections.defaultdict(list)
            for company_id, value in pairs:
                groups[value].append(company_id)
            bitmaps = {v: to_bitmap(_known(position, ids), size) for v, ids in groups.items()}
            if name == "capability":
                bitmaps = self._with_ancestors(bitmaps)
            self.bitmaps[name] = {str(value): bitmap for value, bitmap in bitmaps.items()}

        offers = CooperationOffer.objects.open(today).filter(company__isnull=False).order_by()
        ids = [row[0] for row in _rows(offers, "company_id")]
        self.bitmaps[OFFERS] = {"1": to_bitmap(_known(position, ids), size)}
        logger.info(
            "Directory index: %d companies in %.0f ms.",
            size,
            (time.perf_counter() - started) * 1000,
        )

    @staticmethod
    def _relations(today):
        """(facet, (company id, value) rows) for each relational facet."""
        published_clusters = Membership.objects.active().filter(cluster__is_published=True)
        yield (
            "cluster",
            _rows(published_clusters.order_by(), "company_id", "cluster_id"),
        )
        for name, field, column in (
            ("sector", "sectors", "sector_id"),
            ("material", "materials", "material_id"),
            ("language", "languages", "spokenlanguage_id"),
            ("capability", "capabilities", "capability_id"),
        ):
            through = getattr(Company, field).through
            yield name, _rows(through.objects.order_by(), "company_id", column)
        certificates = CompanyCertificate.objects.valid(today).order_by()
        yield "certification", _rows(certificates, "company_id", "certification_id")

    def _with_ancestors(self, bitmaps):
        """Each capability's bitmap ORed into every ancestor's (from the materialised paths)."""
        subtree = collections.defaultdict(int)
        objects = self.vocabulary_objects["capability"]
        for capability_id, bitmap in bitmaps.items():
            capability = objects.get(str(capability_id))
            path = capability.path.strip("/").split("/") if capability else []
            ancestors = [int(a) for a in path if a.isdigit()] or [capability_id]
            for ancestor in ancestors:
                subtree[ancestor] |= bitmap
        return subtree

    # --- Reading ----------------------------------------------------------------------------

    def vocabulary(self, factory):
        """``factory(objects)`` (a companies.directory.Vocabulary) for the active language, made
        once per language."""
        language = translation.get_language()
        vocabulary = self._vocabularies.get(language)
        if vocabulary is None:
            vocabulary = self._vocabularies[language] = factory(self.vocabulary_objects)
        return vocabulary

    def _remember(self, key, compute):
        with self._memo_lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        value = compute()
        with self._memo_lock:
            self._memo[key] = value
            while len(self._memo) > TEXT_CACHE_SIZE:
                self._memo.popitem(last=False)
        return value

    def forget_text(self):
        """Drop the remembered text queries (the benchmark's uncached runs)."""
        with self._memo_lock:
            self._memo.clear()

    def _load_corpus(self, documents):
        """Every search document in position order, joined by newlines (``normalize`` turns
        every whitespace into a space, so a document never holds one), with the start offset of
        each: a substring search is then ``str.find`` in C over one string."""
        self.corpus = "\n".join(documents)
        self.starts = list(itertools.accumulate((len(d) + 1 for d in documents), initial=0))

    def _term_positions(self, term):
        """Positions of the documents containing ``term`` (the SQL ``LIKE '%term%'``)."""
        starts, find = self.starts, self.corpus.find
        found = []
        offset = find(term)
        while offset != -1:
            position = bisect.bisect_right(starts, offset) - 1
            found.append(position)
            # Skip the rest of this document: one hit is enough.
            offset = find(term, starts[position + 1])
        return found

    def text_bitmap(self, text):
        """The published companies whose search document contains every term of the free text
        (matched in memory, remembered per query), or None when the text has no terms."""
        terms = search_terms(text)
        if not terms:
            return None

        def compute():
            result = self.everything
            for term in sorted(terms, key=len, reverse=True):  # longest (rarest) first
                result &= to_bitmap(self._term_positions(term), self.size)
                if not result:
                    break
            return result

        return self._remember(("text", tuple(terms)), compute)

    def _name_bitmaps(self, term):
        """(names containing ``term``, names starting with it), remembered."""

        def compute():
            contains = [i for i, name in enumerate(self.names) if term in name]
            starts = [i for i in contains if self.names[i].startswith(term)]
            return to_bitmap(contains, self.size), to_bitmap(starts, self.size)

        return self._remember(("name", term), compute)

    def relevance_tiers(self, text, result):
        """The result split into relevance tiers, best first; each tier is read in name order.

        Every result already contains every term somewhere in its search document, so what sets
        them apart is the name: more of the query's terms in the company's name first, among
        those a name starting with the first term first; then by name. (Cheaper and steadier
        than PostgreSQL's ts_rank over every matching document, and the same on SQLite.)
        """
        terms = search_terms(text)
        if not terms:
            return [result]
        # exactly[k]: positions whose name contains exactly k of the terms (bit-sliced counting).
        exactly = [self.everything]
        for term in terms:
            contains, _starts = self._name_bitmaps(term)
            shifted = [0] + [exactly[k] & contains for k in range(len(exactly))]
            exactly = [(exactly[k] & ~contains) | shifted[k] for k in range(len(exactly))] + [
                shifted[-1]
            ]
        starts = self._name_bitmaps(terms[0])[1] & result
        tiers = []
        for k in range(len(exactly) - 1, -1, -1):
            matched = exactly[k] & result
            if matched:
                tiers += [matched & starts, matched & ~starts]
        return [tier for tier in tiers if tier]

    def members(self, cluster_pk):
        """Bitmap of the published companies with an active membership in the cluster."""
        return self.bitmaps.get("cluster", {}).get(str(cluster_pk), 0)

    def breakdown(self, facet, within):
        """{value: count} of ``facet`` over the companies of bitmap ``within``, zeros left out
        (the cluster page's charts: members by municipality, by sector)."""
        counts = {}
        for value, bitmap in self.bitmaps.get(facet, {}).items():
            n = (bitmap & within).bit_count()
            if n:
                counts[value] = n
        return counts

    def query(self, selected, text=""):
        """A ``Query`` for ``selected`` ({facet: [values]}, values already validated) and text."""
        return Query(self, selected, text)


class Query:
    """The result of one directory request: total, disjunctive facet counts, pages."""

    def __init__(self, index, selected, text):
        self.index = index
        self.text = text
        chosen = {}
        for name, values in selected.items():
            if values and name in index.bitmaps:
                facet = index.bitmaps[name]
                union = 0
                for value in values:
                    union |= facet.get(str(value), 0)
                chosen[name] = union
        matched = index.text_bitmap(text) if text else None
        base = index.everything if matched is None else matched
        self.base = base
        self.chosen = chosen
        result = base
        for union in chosen.values():
            result &= union
        self.result = result
        self.total = result.bit_count()

    def without(self, name):
        """The result filtered by every facet but ``name``."""
        if name not in self.chosen:
            return self.result
        result = self.base
        for other, union in self.chosen.items():
            if other != name:
                result &= union
        return result

    def counts(self):
        """{facet: {value: count}} with zero counts left out."""
        counts = {}
        for name, values in self.index.bitmaps.items():
            over = self.without(name)
            facet = counts[name] = {}
            if not over:
                continue
            for value, bitmap in values.items():
                n = (bitmap & over).bit_count()
                if n:
                    facet[value] = n
        return counts

    def page(self, start, stop, sort):
        """The pks of the result's [start:stop] slice in ``sort`` order ("name", "updated",
        "relevance")."""
        index = self.index
        if not self.result or stop <= start:
            return []
        if sort == "updated":
            mask = to_mask(self.result, index.size)
            order = index.updated_order
            found = itertools.compress(order, map(mask.__getitem__, order))
            chosen = list(itertools.islice(found, start, stop))
        elif sort == "relevance" and self.text:
            chosen = []
            for tier in index.relevance_tiers(self.text, self.result):
                n = tier.bit_count()
                if start < n:
                    chosen += positions(tier, index.size, start, min(stop, n))
                start, stop = max(start - n, 0), stop - n
                if stop <= 0:
                    break
        else:
            chosen = positions(self.result, index.size, start, stop)
        return [index.pks[i] for i in chosen]


def _known(position, ids):
    """The positions of the ids that are published companies."""
    return [i for i in map(position.get, ids) if i is not None]


def _normalize_name(name):
    # The common case (ASCII, printable) without unicodedata; the same result as normalize().
    if name.isascii() and name.isprintable():
        return " ".join(name.lower().split())
    return normalize(name)
