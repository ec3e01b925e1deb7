"""The "Open data" page (/en/open-data/): the licence, the bulk downloads with their sizes and
dates, the API's documentation and schema; and stable download links that point at the latest
run's files (api/opendata.py)."""

import datetime

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from . import envelope, opendata

RESOURCE_LABELS = {
    "companies": _("Companies"),
    "clusters": _("Clusters"),
    "projects": _("Projects"),
    "events": _("Events"),
    "offers": _("Open cooperation offers"),
}
FORMAT_LABELS = {"csv": "CSV", "jsonl": "JSON Lines"}


def _downloads(manifest):
    """[{resource, label, languages: [{code, name, files: [entry]}]}] of the manifest."""
    names = dict(settings.LANGUAGES)
    found = {}
    for entry in (manifest or {}).get("files", []):
        key = (entry.get("resource"), entry.get("language"))
        found.setdefault(key, []).append(entry)
    table = []
    for resource, label in RESOURCE_LABELS.items():
        languages = []
        for code in settings.LANGUAGE_CODES:
            files = sorted(
                found.get((resource, code), []),
                key=lambda entry: list(FORMAT_LABELS).index(entry.get("format", "csv")),
            )
            if files:
                for entry in files:
                    entry["format_label"] = FORMAT_LABELS.get(entry.get("format"), "")
                languages.append({"code": code, "name": names[code], "files": files})
        if languages:
            table.append({"resource": resource, "label": label, "languages": languages})
    return table


def index(request):
    manifest = opendata.read_manifest()
    generated = parse_datetime(manifest.get("generated_at", "")) if manifest else None
    context = {
        "license_url": envelope.LICENSE_URL,
        "license_name": envelope.LICENSE_NAME,
        "attribution": envelope.attribution(),
        "downloads": _downloads(manifest),
        "generated_at": generated if isinstance(generated, datetime.datetime) else None,
        "rate_limit": settings.API_RATELIMIT,
        "max_page_size": settings.API_MAX_PAGE_SIZE,
    }
    return render(request, "api/open_data.html", context)


def download(request, language, filename):
    """A stable address of the latest file (``companies.csv`` in ``fi``): a redirect to it."""
    resource, _dot, fmt = filename.partition(".")
    for entry in (opendata.read_manifest() or {}).get("files", []):
        if (entry.get("resource"), entry.get("language"), entry.get("format")) == (
            resource,
            language,
            fmt,
        ):
            return HttpResponseRedirect(default_storage.url(entry["name"]))
    raise Http404("No such file.")
