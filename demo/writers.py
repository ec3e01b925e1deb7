"""Storing a batch on any database with bulk_create (SQLite, the zero-setup default); what the
writers share. PostgreSQL's COPY writer is in ``fast``."""

import time

from django.db import connection, transaction

from board.models import CooperationOffer, JobPosting
from companies.models import Company, CompanyCertificate, Membership

from .rows import Row

# Many-to-many fields the writers fill: (model, field name, key of Row.extra with the objects).
LINKS = [
    (Company, "capabilities", "capabilities"),
    (Company, "materials", "materials"),
    (Company, "sectors", "sectors"),
    (Company, "languages", "languages"),
    (CooperationOffer, "capabilities", "capabilities"),
    (CooperationOffer, "materials", "materials"),
    (JobPosting, "languages", "languages"),
]


def link_pairs(rows, key):
    return [(row.pk, obj.pk) for row in rows for obj in row.extra[key]]


class OrmWriter:
    """Any database: bulk_create and multi-row INSERTs (SQLite, the zero-setup default), one
    transaction per batch."""

    def __init__(self, timings):
        self.timings = timings

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def write(self, batch):
        started = time.perf_counter()
        with transaction.atomic():
            self._write(batch)
        self.timings["write"] += time.perf_counter() - started

    def _write(self, batch):
        rows_of = {Company: batch.companies, CooperationOffer: batch.offers, JobPosting: batch.jobs}
        _create(Company, batch.companies, 500)
        for model, field, key in LINKS[:4]:
            _bulk_through(model, field, link_pairs(rows_of[model], key))
        _create(Membership, batch.memberships, 1000)
        _create(CompanyCertificate, batch.certificates, 1000)
        _create(CooperationOffer, batch.offers, 500)
        for model, field, key in LINKS[4:6]:
            _bulk_through(model, field, link_pairs(rows_of[model], key))
        _create(JobPosting, batch.jobs, 500)
        for model, field, key in LINKS[6:]:
            _bulk_through(model, field, link_pairs(rows_of[model], key))


def _create(model, rows, batch_size):
    objects = [
        model(
            **{
                name: value.pk if type(value) is Row else value
                for name, value in row.values.items()
            }
        )
        for row in rows
    ]
    model._default_manager.bulk_create(objects, batch_size=batch_size)
    for row, obj in zip(rows, objects, strict=True):
        row.pk = obj.pk


def _bulk_through(model, field_name, pairs, rows_per_statement=400):
    """Insert many-to-many rows (left pk, right pk) straight into the field's table.

    Multi-row INSERT statements instead of model instances: building a hundred thousand
    through-model objects would cost more than the whole insert."""
    field = model._meta.get_field(field_name)
    table = field.m2m_db_table()
    quote = connection.ops.quote_name
    columns = f"{quote(field.m2m_column_name())}, {quote(field.m2m_reverse_name())}"
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), rows_per_statement):
            chunk = pairs[start : start + rows_per_statement]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {quote(table)} ({columns}) VALUES {values}",
                [value for pair in chunk for value in pair],
            )
