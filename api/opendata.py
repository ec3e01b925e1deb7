"""The bulk downloads: every resource of the API in every language as CSV and JSON Lines, written
by ``manage.py export_open_data`` into the default storage under ``open-data/`` (on disk or S3).

- **Files**: ``open-data/<run>/<language>/<resource>.csv`` and ``….jsonl`` for the resources
  companies, clusters, projects, events and offers (open ones) in en, sv, fi, pl and lt: one file
  per language, its texts in that language with the portal's fallbacks, exactly the API's
  ``data`` objects (api/serializers.py, the same public fields). A JSON Lines file holds one
  object per line; a CSV file one row per object, nested objects as ``parent.child`` columns and
  lists joined with "; " (lists of objects by their code, name or title), UTF-8.
- **Order**: companies in the directory's name order, the others as their API lists.
- **Manifest**: ``open-data/manifest.json`` lists the files of the latest run (name, size, rows,
  SHA-256) and when it was made; the Open data page and its stable download links read it. A run
  writes its files under a folder of its own and replaces the manifest last, so a download never
  meets half-written files; the previous run's files are deleted afterwards.
"""

import csv
import datetime
import hashlib
import json
import logging
import re
import tempfile

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from rest_framework.utils.encoders import JSONEncoder

from companies import directory, engine
from companies.exports import safe_cell

from . import envelope, serializers, views

logger = logging.getLogger(__name__)

PREFIX = "open-data"
MANIFEST = f"{PREFIX}/manifest.json"
FORMATS = ("csv", "jsonl")
CHUNK = 500
LIST_SEPARATOR = "; "
# An object in a list is named in a CSV cell by the first of these it has.
SUMMARY_KEYS = ("code", "name", "title", "text")


def company_rows(context):
    """Every published company in the directory's name order, CHUNK at a time."""
    query = engine.current().query({}, "", "name")
    ids = query.ids(0, query.total)
    for start in range(0, len(ids), CHUNK):
        companies = directory.companies_in_order(ids[start : start + CHUNK], directory.with_profile)
        yield from serializers.CompanySerializer(companies, many=True, context=context).data


def queryset_rows(serializer_class, queryset):
    def rows(context):
        for start in range(0, queryset.count(), CHUNK):
            chunk = queryset[start : start + CHUNK]
            yield from serializer_class(chunk, many=True, context=context).data

    return rows


def resources():
    """{resource: rows(context)} in the order the page lists them."""
    return {
        "companies": company_rows,
        "clusters": queryset_rows(serializers.ClusterSerializer, views.cluster_queryset()),
        "projects": queryset_rows(serializers.ProjectSerializer, views.project_queryset()),
        "events": queryset_rows(
            serializers.EventSerializer, views.event_queryset().order_by("starts_at", "pk")
        ),
        "offers": queryset_rows(serializers.OfferSerializer, views.offer_queryset()),
    }


RESOURCES = ("companies", "clusters", "projects", "events", "offers")


# --- CSV -------------------------------------------------------------------------------------

# A number or a phone number ("-23.5", "+358401234567") is data, not a formula: left as it is.
_NUMBER = re.compile(r"^[+-]?\d[\d.]*$")


def open_cell(value):
    """A CSV cell that a spreadsheet never runs as a formula (companies.exports.safe_cell),
    numbers and phone numbers left intact."""
    return value if _NUMBER.match(value) else safe_cell(value)


def _summary(item):
    if not isinstance(item, dict):
        return "" if item is None else str(item)
    if "value" in item and "label" in item:  # a project result: "200 companies took part"
        return " ".join(str(item[key]) for key in ("value", "unit", "label") if item.get(key))
    for key in SUMMARY_KEYS:
        if item.get(key):
            return str(item[key])
    nested = [value for value in item.values() if isinstance(value, dict)]
    return _summary(nested[0]) if nested else ""


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(_summary(item) for item in value)
    return str(value)


def flatten(data, prefix=""):
    """{column: cell}: nested objects as ``parent.child`` columns, lists as one cell."""
    cells = {}
    for key, value in data.items():
        column = f"{prefix}{key}"
        if isinstance(value, dict):
            cells.update(flatten(value, f"{column}."))
        else:
            cells[column] = _cell(value)
    return cells


def merge_columns(columns, keys):
    """Add the new ``keys`` to ``columns``, each beside the other columns of its top field."""
    for key in keys:
        if key in columns:
            continue
        top = key.split(".", 1)[0]
        positions = [i for i, c in enumerate(columns) if c == top or c.startswith(f"{top}.")]
        columns.insert(positions[-1] + 1 if positions else len(columns), key)


def final_columns(columns):
    """A field that was null in some rows and an object in others keeps its object's columns."""
    return [c for c in columns if not any(other.startswith(f"{c}.") for other in columns)]


# --- Writing ---------------------------------------------------------------------------------


def _context():
    index = engine.current()
    counts = {int(value): len(bitmap) for value, bitmap in index.values("cluster").items()}
    return {"absolute_url": None, "member_counts": counts}


def _save(storage, name, handle):
    handle.seek(0)
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 16), b""):
        digest.update(block)
    size = handle.tell()
    handle.seek(0)
    saved = storage.save(name, File(handle, name=name.rsplit("/", 1)[-1]))
    return {"name": saved, "size": size, "sha256": digest.hexdigest()}


def write_resource(storage, run, language, resource, rows):
    """Write one resource in one language as JSON Lines and CSV; their manifest entries."""
    with (
        tempfile.TemporaryFile() as jsonl,
        tempfile.TemporaryFile() as flat,
        tempfile.TemporaryFile() as table,
    ):
        columns, count = [], 0
        for row in rows:
            jsonl.write(json.dumps(row, cls=JSONEncoder, ensure_ascii=False).encode() + b"\n")
            cells = flatten(row)
            merge_columns(columns, cells)
            flat.write(json.dumps(cells, ensure_ascii=False).encode() + b"\n")
            count += 1
        # The CSV's header is known once every row was seen: a second pass writes it.
        header = final_columns(columns)
        text = _TextOut(table)
        writer = csv.writer(text)
        writer.writerow(header)
        flat.seek(0)
        for line in flat:
            cells = json.loads(line)
            writer.writerow([open_cell(cells.get(column, "")) for column in header])
        entries = []
        folder = f"{PREFIX}/{run}/{language}/{resource}"
        for fmt, handle in (("csv", table), ("jsonl", jsonl)):
            entry = _save(storage, f"{folder}.{fmt}", handle)
            entries.append(
                {"resource": resource, "language": language, "format": fmt, "rows": count, **entry}
            )
        return entries


class _TextOut:
    """csv.writer's text, written to a binary file as UTF-8."""

    def __init__(self, handle):
        self.handle = handle

    def write(self, text):
        return self.handle.write(text.encode())


def read_manifest(storage=None):
    """The latest run's manifest, or None when there is none (or it cannot be read)."""
    storage = storage or default_storage
    try:
        with storage.open(MANIFEST) as handle:
            return json.loads(handle.read())
    except Exception:  # missing, unreadable or the store unreachable: no downloads listed
        logger.info("No open data manifest to read.", exc_info=True)
        return None


def export(storage=None, languages=None, now=None):
    """Write every file of a new run, then the manifest; delete the previous run's files.
    Returns the new manifest."""
    storage = storage or default_storage
    languages = languages or settings.LANGUAGE_CODES
    now = now or timezone.now()
    run = now.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    previous = read_manifest(storage)
    files = []
    for language in languages:
        with translation.override(language):
            context = _context()
            for resource, rows in resources().items():
                files += write_resource(storage, run, language, resource, rows(context))
    manifest = {
        "generated_at": now.isoformat(),
        "run": run,
        "license": envelope.LICENSE_URL,
        "attribution": envelope.attribution(),
        "files": files,
    }
    if storage.exists(MANIFEST):
        storage.delete(MANIFEST)
    storage.save(MANIFEST, ContentFile(json.dumps(manifest, indent=1).encode()))
    current = {entry["name"] for entry in files}
    for entry in (previous or {}).get("files", []):
        if entry.get("name") not in current and str(entry.get("name", "")).startswith(PREFIX):
            storage.delete(entry["name"])
    return manifest
