"""PostgreSQL: a batch stored with ``COPY … FROM STDIN`` into every table, in a second thread."""

import collections
import concurrent.futures
import contextlib
import datetime
import inspect
import io
import time
import uuid
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models
from django.db.models.query_utils import DeferredAttribute
from django.utils import timezone, translation
from modeltranslation.fields import TranslationFieldDescriptor

from board.models import CooperationOffer, JobPosting
from companies.models import Company, CompanyCertificate, Membership

from .rows import Row
from .writers import LINKS, link_pairs


def copy_escape(text: str) -> str:
    """A string as a field of COPY's text format: backslash, tab, newline and CR escaped."""
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text:
        text = text.replace("\t", "\\t")
    if "\n" in text:
        text = text.replace("\n", "\\n")
    if "\r" in text:
        text = text.replace("\r", "\\r")
    return text


def copy_text(value) -> str:
    """A database value (what ``Field.get_db_prep_save`` returns) as a field of COPY's text
    format; backslash-N for NULL. A Row stands for its primary key."""
    kind = type(value)
    if kind is str:
        return copy_escape(value)
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is int:
        return str(value)
    if kind is Row:
        return str(value.pk)
    if kind is datetime.date or kind is datetime.datetime:
        return value.isoformat()
    if kind is Decimal:
        return format(value, "f")
    if kind is uuid.UUID:
        return str(value)
    if isinstance(value, str):  # a TextChoices member
        return copy_escape(str.__str__(value))
    if isinstance(value, int):
        return int.__repr__(value)
    raise TypeError(f"No COPY text form for {value!r}.")


# Fields whose database value is the Python value itself (Django's own classes, no descriptor
# that converts on assignment): their values go to COPY as they are. Other fields (a country, a
# phone number, a file) are converted by the field itself, once per distinct value.
_PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallAutoField",
    "SmallIntegerField",
    "TextField",
    "URLField",
    "UUIDField",
}
_SAVE_METHODS = ("pre_save", "get_db_prep_save", "get_db_prep_value", "get_prep_value")
_MISSING = object()


def _is_plain(field):
    cls = type(field)
    return (
        field.get_internal_type() in _PLAIN_TYPES
        and issubclass(cls.descriptor_class, DeferredAttribute)
        and all(getattr(cls, name).__module__.startswith("django.db.") for name in _SAVE_METHODS)
    )


class _Attributes:
    """Stands in for a model instance when a modeltranslation descriptor reads the row's values."""


class CopyTable:
    """COPY lines of one model's rows with the column values ``bulk_create`` would write:
    defaults for the fields a row leaves out, ``auto_now`` timestamps, a translated field's own
    column as modeltranslation fills it (the active language's text, or its fallback)."""

    def __init__(self, model, db, *, with_pk=True):
        meta = model._meta
        quote = db.ops.quote_name
        self.model = model
        self.db = db
        fields = [f for f in meta.local_concrete_fields if with_pk or not f.primary_key]
        self.sql = (
            f"COPY {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
        )
        self.table = meta.db_table
        self.now_text = ""
        # The existing rows the copied rows refer to: {(table, column): {value, …}} (not the rows
        # of this load, which refer to each other as Row objects).
        self.referenced = {}
        self.columns = [self._column(field) for field in fields]

    def _column(self, field):
        """A function from a Row to the field's COPY text."""
        model = self.model
        if field.primary_key:
            return lambda row: str(row.pk)
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return lambda row: self.now_text
        convert = copy_text if _is_plain(field) else _prepared(model, field, self.db)
        descriptor = inspect.getattr_static(model, field.attname, None)
        if isinstance(descriptor, TranslationFieldDescriptor):
            # The untranslated column: what getattr(instance, "title") gives in the active language.
            def translated_column(row):
                holder = _Attributes()
                holder.__dict__ = row.values
                return convert(descriptor.__get__(holder, model))

            return translated_column
        attname = field.attname
        if field.is_relation:
            target = (field.related_model._meta.db_table, field.target_field.column)
            referenced = self.referenced.setdefault(target, set())

            def foreign_key_column(row):
                value = row.values.get(attname, _MISSING)
                if value is _MISSING:
                    value = field.get_default()
                elif value is not None and type(value) is not Row:
                    referenced.add(value)
                return convert(value)

            return foreign_key_column
        if field.has_default() and callable(field.default):  # uuid4, date.today: one per row

            def column_with_default(row):
                value = row.values.get(attname, _MISSING)
                return convert(field.get_default() if value is _MISSING else value)

            return column_with_default
        default = field.get_default()
        return lambda row: convert(row.values.get(attname, default))

    def copy(self, cursor, rows, now):
        if not rows:
            return
        self.now_text = now.isoformat()
        columns = self.columns
        _copy(cursor, self.sql, ["\t".join([column(row) for column in columns]) for row in rows])


def _prepared(model, field, db):
    """Convert values with the field's own machinery, as saving an instance would; memoised, the
    values of such fields (countries, phone numbers) come from small sets."""
    cache = {}

    def convert(value):
        key = tuple(value) if type(value) is list else value
        try:
            return cache[key]
        except KeyError:
            pass
        except TypeError:  # unhashable
            key = _MISSING
        # An instance holding only this value: the field's descriptor converts it on assignment
        # (a country code to a Country), pre_save and get_db_prep_save as bulk_create calls them.
        instance = model.__new__(model)
        instance._state = models.base.ModelState()
        setattr(instance, field.attname, value)
        text = copy_text(field.get_db_prep_save(field.pre_save(instance, True), db))
        if key is not _MISSING and len(cache) < 100_000:
            cache[key] = text
        return text

    return convert


def _copy(cursor, sql, lines):
    data = "\n".join(lines).encode() + b"\n"
    cursor.copy_expert(sql, io.BytesIO(data), size=len(data))


class CopyWriter:
    """PostgreSQL: every table filled with ``COPY … FROM STDIN`` (psycopg2's copy_expert); the
    keys of companies, offers and job posts are taken from their sequences first, so that the
    rows that refer to them are written without reading anything back.

    A batch is written by a second thread while the main thread generates the next one: the
    writer spends most of its time waiting for PostgreSQL (psycopg2 releases the GIL meanwhile),
    so the database's work overlaps Python's. At most one batch is being written and one
    generated. The thread uses the connection of the thread that made the writer (it is idle
    meanwhile): inside the caller's transaction if there is one, otherwise one transaction per
    batch.

    Foreign keys: PostgreSQL checks each inserted row's references with a trigger, a third of
    its work here. When the session may skip triggers (``session_replication_role = replica``:
    a superuser, or one granted that setting) and the tables have no other trigger or rule, the
    writer skips them and checks each batch's references itself, one query per referenced table:
    the existing rows referred to (towns, clusters, the taxonomy) must be there, and are locked
    FOR KEY SHARE until the commit, as the triggers would lock them; the batch's own companies,
    offers and job posts are inserted in the same transaction. Unique and check constraints are
    enforced as always."""

    def __init__(self, timings):
        self.timings = timings
        self.db = connections[DEFAULT_DB_ALIAS]
        self.companies = CopyTable(Company, self.db)
        self.memberships = CopyTable(Membership, self.db, with_pk=False)
        self.certificates = CopyTable(CompanyCertificate, self.db, with_pk=False)
        self.offers = CopyTable(CooperationOffer, self.db)
        self.jobs = CopyTable(JobPosting, self.db)
        self.tables = [self.companies, self.memberships, self.certificates, self.offers, self.jobs]
        quote = self.db.ops.quote_name
        self.links = []
        for model, name, key in LINKS:
            field = model._meta.get_field(name)
            columns = f"{quote(field.m2m_column_name())}, {quote(field.m2m_reverse_name())}"
            target = field.remote_field.through._meta.get_field(field.m2m_reverse_field_name())
            self.links.append(
                (
                    model,
                    key,
                    f"COPY {quote(field.m2m_db_table())} ({columns}) FROM STDIN",
                    (target.related_model._meta.db_table, target.target_field.column),
                )
            )
        self.all_tables = [table.model._meta.db_table for table in self.tables] + [
            model._meta.get_field(name).m2m_db_table() for model, name, _key in LINKS
        ]
        self.executor = None
        self.pending = None
        self.checks_references = False

    def __enter__(self):
        self.db.ensure_connection()
        self.raw = self.db.connection
        # In autocommit mode each batch is its own transaction; inside the caller's transaction
        # (a test, an atomic block) the batches are part of it.
        self.own_transactions = self.db.get_autocommit()
        self.checks_references = self._may_check_references_itself()
        with self.db.cursor() as cursor:
            sequences = []
            for table in (self.companies, self.offers, self.jobs):
                cursor.execute(
                    "SELECT pg_get_serial_sequence(%s, %s)",
                    [self.db.ops.quote_name(table.table), table.model._meta.pk.column],
                )
                sequences.append(cursor.fetchone()[0])
            cursor.execute("SHOW session_replication_role")
            self.role = cursor.fetchone()[0]
        self.sequences = sequences
        self.executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="seed-demo-copy"
        )
        return self

    def __exit__(self, exc_type, exc, traceback):
        try:
            if exc_type is None:
                self._wait()
            elif self.pending is not None:
                concurrent.futures.wait([self.pending])  # never leave it using the connection
        finally:
            self.executor.shutdown(wait=True)
        if exc_type is None:
            # Fresh planner statistics for what reads the tables next (the directory's rebuild)
            # rather than autovacuum's, some time later.
            quote = self.db.ops.quote_name
            with self.db.cursor() as cursor:
                for table in self.all_tables:
                    cursor.execute(f"ANALYZE {quote(table)}")
        return False

    def _may_check_references_itself(self):
        """Whether batches may check their foreign keys themselves, once per batch, instead of by
        PostgreSQL's per-row triggers (a third of the database's work): the session must be
        allowed to set session_replication_role to replica, which skips triggers and rules, and
        the tables must have no trigger but foreign keys' and no rule, so that nothing else is
        skipped."""
        quote = self.db.ops.quote_name
        tables = [quote(table) for table in self.all_tables]
        with self.db.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('is_superuser') = 'on', "
                "current_setting('server_version_num')::int"
            )
            allowed, version = cursor.fetchone()
            if not allowed and version >= 150000:
                cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
                allowed = cursor.fetchone()[0]
            if not allowed:
                return False
            cursor.execute(
                "SELECT count(*) FROM pg_trigger t LEFT JOIN pg_constraint c ON c.oid = t.tgconstraint "
                "WHERE t.tgrelid = ANY(%s::regclass[]) AND c.contype IS DISTINCT FROM 'f'",
                [tables],
            )
            if cursor.fetchone()[0]:
                return False
            cursor.execute(
                "SELECT count(*) FROM pg_rewrite WHERE ev_class = ANY(%s::regclass[])", [tables]
            )
            return cursor.fetchone()[0] == 0

    def write(self, batch):
        self._wait()
        # The untranslated columns hold the caller's language's texts (the thread has its own).
        self.pending = self.executor.submit(self._write, batch, translation.get_language())

    def _wait(self):
        pending, self.pending = self.pending, None
        if pending is not None:
            started = time.perf_counter()
            pending.result()  # the writer's exception, if any
            self.timings["wait"] += time.perf_counter() - started

    def _write(self, batch, language):
        started = time.perf_counter()
        with self.db.wrap_database_errors:  # psycopg2's errors as Django's
            self._write_batch(batch, language)
        self.timings["write"] += time.perf_counter() - started

    def _write_batch(self, batch, language):
        # Few round trips per batch: the thread waits for the GIL after each.
        cursor = self.raw.cursor()
        try:
            setup = []
            if self.own_transactions:
                # Not waiting for each batch's WAL flush: a crash may lose the last batches,
                # never half of one.
                setup += ["BEGIN", "SET LOCAL synchronous_commit TO off"]
            if self.checks_references:
                setup.append("SET LOCAL session_replication_role = replica")
            if setup:
                cursor.execute("; ".join(setup))
            try:
                with translation.override(language):
                    self._copy_batch(cursor, batch)
            finally:
                if self.checks_references and not self.own_transactions:
                    # The caller's transaction goes on: its triggers fire again.
                    with contextlib.suppress(Exception):
                        cursor.execute(
                            "SELECT set_config('session_replication_role', %s, true)", [self.role]
                        )
            if self.own_transactions:
                cursor.execute("COMMIT")
        except BaseException:
            if self.own_transactions and not self.raw.closed:
                with contextlib.suppress(Exception):
                    cursor.execute("ROLLBACK")
            raise
        finally:
            cursor.close()

    def _copy_batch(self, cursor, batch):
        now = timezone.now()
        rows_of = {Company: batch.companies, CooperationOffer: batch.offers, JobPosting: batch.jobs}
        for table in self.tables:
            for ids in table.referenced.values():
                ids.clear()
        # Keys for the batch's companies, offers and job posts from their sequences, in one query.
        keyed = (batch.companies, batch.offers, batch.jobs)
        cursor.execute(
            "SELECT "
            + ", ".join(["ARRAY(SELECT nextval(%s::regclass) FROM generate_series(1, %s))"] * 3),
            [
                value
                for sequence, rows in zip(self.sequences, keyed, strict=True)
                for value in (sequence, len(rows))
            ],
        )
        for rows, keys in zip(keyed, cursor.fetchone(), strict=True):
            for row, pk in zip(rows, keys, strict=True):
                row.pk = pk
        self.companies.copy(cursor, batch.companies, now)
        self.memberships.copy(cursor, batch.memberships, now)
        self.certificates.copy(cursor, batch.certificates, now)
        self.offers.copy(cursor, batch.offers, now)
        self.jobs.copy(cursor, batch.jobs, now)
        referenced = {}
        for model, key, sql, target in self.links:
            pairs = link_pairs(rows_of[model], key)
            if pairs:
                _copy(cursor, sql, [f"{left}\t{right}" for left, right in pairs])
                referenced.setdefault(target, set()).update(right for _left, right in pairs)
        if self.checks_references:
            for table in self.tables:
                for target, ids in table.referenced.items():
                    referenced.setdefault(target, set()).update(ids)
            self._lock_referenced(cursor, referenced)

    def _lock_referenced(self, cursor, referenced):
        """What the foreign key triggers would have done, for the whole batch in one query: the
        rows referred to must exist, and are locked against deletion until the commit."""
        quote = self.db.ops.quote_name
        targets = sorted((target, sorted(ids)) for target, ids in referenced.items() if ids)
        if not targets:
            return
        parts, params = [], []
        for n, ((table, column), ids) in enumerate(targets):
            parts.append(
                f"t{n} AS (SELECT {quote(column)} AS pk FROM {quote(table)} "
                f"WHERE {quote(column)} = ANY(%s) FOR KEY SHARE)"
            )
            params.append(ids)
        found = " UNION ALL ".join(f"SELECT {n}, pk FROM t{n}" for n in range(len(targets)))
        cursor.execute(f"WITH {', '.join(parts)} {found}", params)
        existing = collections.defaultdict(set)
        for n, pk in cursor.fetchall():
            existing[n].add(pk)
        for n, ((table, _column), ids) in enumerate(targets):
            missing = set(ids) - existing[n]
            if missing:
                raise IntegrityError(
                    f"The demo rows refer to rows of {table} that do not exist: "
                    f"{', '.join(map(str, sorted(missing)[:10]))}."
                )
