"""Cursor pagination in the order of the portal's own pages.

The directory engine answers any slice of its ordered result (companies/engine.py: page 200
costs what page 1 does), and the other lists are small querysets in their pages' order, so a
cursor is an opaque position in that order: ``?cursor=`` from the ``next`` or ``prev`` link,
``?page_size=`` rows (1 to API_MAX_PAGE_SIZE, 20 by default). A cursor that was not made here
is a 400; a page size that makes no sense falls back to the default, a larger one to the most.
"""

import base64
import binascii
import re

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.pagination import BasePagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

CURSOR_PARAMETER = "cursor"
PAGE_SIZE_PARAMETER = "page_size"
DEFAULT_PAGE_SIZE = 20
# Positions beyond this are refused (a cursor is never made for them).
MAX_POSITION = 100_000_000
_CURSOR = re.compile(r"^o=(\d{1,9})$")


def encode_cursor(position):
    return base64.urlsafe_b64encode(f"o={position}".encode()).decode().rstrip("=")


def decode_cursor(value):
    """The position a cursor stands for; ParseError when it is not one of ours."""
    try:
        if len(value) > 40:
            raise ValueError
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
        match = _CURSOR.match(text)
        if not match or int(match.group(1)) > MAX_POSITION:
            raise ValueError
    except (ValueError, binascii.Error, UnicodeError):
        raise ParseError(_("Invalid cursor: use the next or prev link of a page.")) from None
    return int(match.group(1))


def max_page_size():
    return max(getattr(settings, "API_MAX_PAGE_SIZE", 100), 1)


def page_size(request):
    value = request.GET.get(PAGE_SIZE_PARAMETER, "")
    try:
        size = int(value.strip()) if len(value) <= 12 else 0
    except ValueError:
        size = 0
    if size < 1:
        return min(DEFAULT_PAGE_SIZE, max_page_size())
    return min(size, max_page_size())


class PositionCursorPagination(BasePagination):
    """``paginate_queryset`` takes a queryset or any sequence with ``len()`` and slices."""

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        raw = request.GET.get(CURSOR_PARAMETER)
        self.position = decode_cursor(raw) if raw is not None else 0
        self.size = page_size(request)
        self.count = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
        if self.position >= self.count:
            return []
        return list(queryset[self.position : self.position + self.size])

    def links(self):
        url = self.request.build_absolute_uri()
        first = remove_query_param(url, CURSOR_PARAMETER)
        after = self.position + self.size
        following = (
            replace_query_param(url, CURSOR_PARAMETER, encode_cursor(after))
            if after < self.count
            else None
        )
        previous = None
        if self.position > 0:
            before = max(min(self.position, self.count) - self.size, 0)
            previous = (
                replace_query_param(url, CURSOR_PARAMETER, encode_cursor(before))
                if before
                else first
            )
        return {"self": url, "first": first, "next": following, "prev": previous}

    def meta(self):
        return {"count": self.count, "page_size": self.size}

    def get_paginated_response(self, data):
        raise NotImplementedError("the API's views build the envelope (api/views.py)")

    # --- The OpenAPI description --------------------------------------------------------------

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": CURSOR_PARAMETER,
                "required": False,
                "in": "query",
                "description": "The position to start at: take it from a page's next or prev link.",
                "schema": {"type": "string"},
            },
            {
                "name": PAGE_SIZE_PARAMETER,
                "required": False,
                "in": "query",
                "description": (
                    f"Rows a page (1 to {max_page_size()}; {DEFAULT_PAGE_SIZE} by default)."
                ),
                "schema": {"type": "integer", "minimum": 1, "maximum": max_page_size()},
            },
        ]

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["links", "meta", "results"],
            "properties": {"links": PAGE_LINKS_SCHEMA, "meta": PAGE_META_SCHEMA, "results": schema},
        }


def _url(description, nullable=False):
    return {"type": "string", "format": "uri", "nullable": nullable, "description": description}


LICENSE_SCHEMA = _url("The licence of the data: CC BY 4.0.")
PAGE_LINKS_SCHEMA = {
    "type": "object",
    "required": ["self", "first", "next", "prev", "license"],
    "properties": {
        "self": _url("This page."),
        "first": _url("The first page of the same query."),
        "next": _url("The next page; null on the last page.", nullable=True),
        "prev": _url("The previous page; null on the first page.", nullable=True),
        "html": _url("The portal's page of the same query (companies only)."),
        "license": LICENSE_SCHEMA,
        "docs": _url("The API's documentation."),
    },
}
PAGE_META_SCHEMA = {
    "type": "object",
    "required": ["count", "page_size", "language", "license", "attribution"],
    "properties": {
        "count": {"type": "integer", "description": "Rows of the whole result."},
        "page_size": {"type": "integer"},
        "language": {"type": "string", "description": "The language of the texts."},
        "license": {"type": "string", "description": "The licence's name."},
        "attribution": {"type": "string", "description": "How to credit the data."},
        "ignored_parameters": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Query parameters this list does not know (not applied).",
        },
        "ignored_filters": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Filters whose values were not valid (not applied).",
        },
    },
}
