"""The content language of an API answer: ``?lang=`` when given (an unknown code is a 400, not a
guess), else the best supported language of ``Accept-Language``, else the default language.

Texts then follow the portal's fallback chain (``MODELTRANSLATION_FALLBACK_LANGUAGES``), as the
pages do: a company that wrote its description in Swedish only shows it in Finnish too.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError

LANGUAGE_PARAMETER = "lang"
# Longer headers are cut (Django's own parser stops at 500 characters too).
MAX_HEADER_LENGTH = 500
MAX_HEADER_ENTRIES = 20


def accept_language(header):
    """The language tags of an ``Accept-Language`` header, most wanted first (``q=0`` and
    malformed weights left out; ties keep the header's order)."""
    weighted = []
    for position, entry in enumerate(header[:MAX_HEADER_LENGTH].split(",")[:MAX_HEADER_ENTRIES]):
        tag, _sep, params = entry.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        quality = 1.0
        params = params.strip()
        if params:
            name, _eq, value = params.partition("=")
            if name.strip().lower() != "q":
                continue
            try:
                quality = float(value)
            except ValueError:
                continue
            if not 0 < quality <= 1:
                continue
        weighted.append((-quality, position, tag))
    return [tag for _quality, _position, tag in sorted(weighted)]


def unknown_language_message(value):
    return _('Unknown language "%(lang)s": use one of %(codes)s.') % {
        "lang": value[:20],
        "codes": ", ".join(settings.LANGUAGE_CODES),
    }


def requested_language(request):
    """The language code the answer is in; ParseError (400) for an unknown ``?lang=``."""
    value = request.GET.get(LANGUAGE_PARAMETER)
    if value is not None:
        code = value.strip().lower()
        if code in settings.LANGUAGE_CODES:
            return code
        raise ParseError(unknown_language_message(value))
    for tag in accept_language(request.headers.get("Accept-Language", "")):
        try:
            return translation.get_supported_language_variant(tag.lower())
        except (LookupError, ValueError):
            continue
    return settings.LANGUAGE_CODE
