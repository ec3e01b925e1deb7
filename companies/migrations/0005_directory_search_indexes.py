"""Search indexes of the company directory, on PostgreSQL only.

- pg_trgm and a GIN trigram index on Company.search_document: answers the directory's
  ``search_document LIKE '%term%'`` (one per term) without reading every row.
- a GIN index on to_tsvector('simple', search_document): full-text matching and ranking.

SQLite (the quick start) has no such indexes; the same queries run there as plain scans.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS company_search_trgm_idx ON companies_company "
    "USING gin (search_document gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS company_search_fts_idx ON companies_company "
    "USING gin (to_tsvector('simple', search_document))",
]
BACKWARD = [
    "DROP INDEX IF EXISTS company_search_fts_idx",
    "DROP INDEX IF EXISTS company_search_trgm_idx",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0004_representatives_and_reminders"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]
