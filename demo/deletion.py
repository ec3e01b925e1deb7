"""Deleting what the generator made (slugs ending in -demo), set-based where possible."""

from django.db import connection, models, transaction
from django.db.models.deletion import get_candidate_relations_to_delete

from board.models import JobPosting
from companies.models import Company

from .rows import DEMO_SLUG_SUFFIX


def demo_companies():
    return Company.objects.filter(slug__endswith=DEMO_SLUG_SUFFIX)


def delete_demo_data():
    """Delete what the generator made (slugs ending in -demo) with everything that belongs to it.
    Returns the number of companies deleted.

    A few set-based statements, without loading the rows or sending signals (as many rows as
    the generator writes; the caller rebuilds the directory afterwards); the ORM's delete()
    when the rows are protected (see _delete_plan)."""
    wanted = JobPosting.objects.filter(kind=JobPosting.Kind.WANTED, slug__endswith=DEMO_SLUG_SUFFIX)
    with transaction.atomic():
        plans = [_delete_plan(wanted), _delete_plan(demo_companies())]
        if None not in plans:
            return [_run_delete_plan(plan) for plan in plans][-1]
        for plan in plans:
            if plan:
                _run_delete_plan(plan[-1:])  # drop its table of keys
    deleted = 0
    ids = list(demo_companies().values_list("pk", flat=True))
    with transaction.atomic():
        wanted.delete()
        for start in range(0, len(ids), 2000):
            deleted += (
                Company.objects.filter(pk__in=ids[start : start + 2000])
                .delete()[1]
                .get(Company._meta.label, 0)
            )
    return deleted


_DELETE_DEPTH = 6


def _delete_plan(queryset):
    """The SQL statements that delete the queryset's rows and, before them, what refers to them,
    one statement per table, as Django's Collector would (CASCADE deletes, SET_NULL clears,
    DO_NOTHING leaves alone) without loading a row. None when the ORM must do it: a PROTECT or
    RESTRICT that a row would hit, another on_delete, a chain deeper than _DELETE_DEPTH."""
    quote = connection.ops.quote_name
    model = queryset.model
    table = f"demo_delete_{model._meta.model_name}"
    select, params = queryset.values_list("pk").query.sql_with_params()
    statements = [
        (f"CREATE TEMPORARY TABLE {table} (pk {model._meta.pk.rel_db_type(connection)})", []),
        (f"INSERT INTO {table} (pk) {select}", params),
        (f"ANALYZE {table}", []),
    ]
    condition = f"{quote(model._meta.pk.column)} IN (SELECT pk FROM {table})"
    first = len(statements)
    with connection.cursor() as cursor:
        for sql, sql_params in statements:
            cursor.execute(sql, sql_params)
        possible = _plan_deletes(cursor, model, condition, statements, 0)
        if not possible:
            cursor.execute(f"DROP TABLE {table}")
            return None
    return [*statements[first:], (f"DROP TABLE {table}", [])]


def _plan_deletes(cursor, model, condition, statements, depth):
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    if depth > _DELETE_DEPTH:
        return False
    for relation in get_candidate_relations_to_delete(model._meta):
        field = relation.field
        on_delete = field.remote_field.on_delete
        if on_delete is models.DO_NOTHING:
            continue
        related = relation.related_model
        related_table = quote(related._meta.db_table)
        target = quote(field.target_field.column)
        referring = (
            f"{quote(field.column)} IN (SELECT {table}.{target} FROM {table} WHERE {condition})"
        )
        if on_delete is models.CASCADE:
            if not _plan_deletes(cursor, related, referring, statements, depth + 1):
                return False
        elif on_delete is models.SET_NULL:
            statements.append(
                (f"UPDATE {related_table} SET {quote(field.column)} = NULL WHERE {referring}", [])
            )
        elif on_delete in (models.PROTECT, models.RESTRICT):
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {related_table} WHERE {referring})")
            if cursor.fetchone()[0]:
                return False
        else:
            return False
    statements.append((f"DELETE FROM {table} WHERE {condition}", []))
    return True


def _run_delete_plan(statements):
    """Run the statements; returns the row count of the last DELETE (the rows asked for)."""
    count = 0
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            if sql.startswith("DELETE "):
                count = cursor.rowcount
    return count
