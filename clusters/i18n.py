"""Languages of content: which language a translated field's shown value comes from, and money.

The one fallback chain per language is ``MODELTRANSLATION_FALLBACK_LANGUAGES`` in settings (Swedish
and Finnish fall back to each other first, then English). Reading ``obj.description`` follows it
silently; :func:`resolve` follows the same chain and also says which language the value is in, so
a page can mark a fallback text with its ``lang`` and a quiet note ("in Swedish").
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import build_localized_fieldname, get_language, resolution_order

# "(in Swedish)" is said differently in each language (fi: ruotsiksi, pl: po szwedzku): one
# whole phrase a language, never a name glued into a sentence.
IN_LANGUAGE = {
    "en": _("in English"),
    "sv": _("in Swedish"),
    "fi": _("in Finnish"),
    "pl": _("in Polish"),
    "lt": _("in Lithuanian"),
}


@dataclass(frozen=True)
class Resolved:
    """A translated field's value as shown in ``requested``, and the language it is in."""

    value: str
    language: str | None
    requested: str

    @property
    def is_fallback(self) -> bool:
        return bool(self.value) and self.language != self.requested

    @property
    def note(self) -> str:
        """ "in Swedish", in the active language; empty unless the value is a fallback."""
        return str(IN_LANGUAGE.get(self.language, self.language)) if self.is_fallback else ""


def resolve(obj, field: str, language: str | None = None) -> Resolved:
    """The value of ``obj.<field>`` in ``language`` (default: active), following the fallback chain.

    Works for any field registered with modeltranslation; a plain (untranslated) attribute comes
    back as is, in the requested language.
    """
    requested = language or get_language()
    if obj is None:
        return Resolved("", None, requested)
    if not hasattr(obj, build_localized_fieldname(field, requested)):
        value = getattr(obj, field, "")
        return Resolved("" if value is None else str(value), requested, requested)
    for code in resolution_order(requested):
        value = getattr(obj, build_localized_fieldname(field, code), None)
        if value not in (None, ""):
            return Resolved(str(value), code, requested)
    return Resolved("", None, requested)


# Where each language writes the currency, and with which sign (CLDR conventions): the amount
# first and the sign after a non-breaking space, except in English (€500,000 / SEK 500,000).
CURRENCY_SIGNS = {
    "en": {"EUR": "€"},
    "sv": {"EUR": "€", "SEK": "kr"},
    "fi": {"EUR": "€"},
    "pl": {"EUR": "€", "PLN": "zł"},
    "lt": {"EUR": "€"},
}
NBSP = "\xa0"


def _decimal(value) -> Decimal | None:
    """``value`` as a Decimal; None when it is empty or not a number (shown as nothing)."""
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def format_money(amount, currency: str = "EUR", language: str | None = None) -> str:
    """An amount with its currency as a reader of ``language`` writes it.

    en: €500,000 · SEK 500,000 — sv: 500 000 kr · 500 000 € — pl: 500 000 zł · 1 234,50 € —
    fi: 500 000 € · 500 000 SEK. Whole amounts without decimals, others with two.
    """
    value = _decimal(amount)
    if value is None:
        return ""
    language = language or get_language()
    currency = (currency or "").upper()
    decimals = 0 if value == value.to_integral_value() else 2
    with translation.override(language):
        figure = number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    sign = CURRENCY_SIGNS.get(language, {}).get(currency, currency)
    if not sign:
        return figure
    if language == "en":
        return f"{sign}{figure}" if sign == "€" else f"{sign}{NBSP}{figure}"
    return f"{figure}{NBSP}{sign}"


PERCENT_UNSPACED = {"en", "pl"}


def format_percent(value, language: str | None = None) -> str:
    """60 % in sv, fi and lt (a non-breaking space before the sign), 60% in English and Polish
    (CLDR percent patterns)."""
    number = _decimal(value)
    if number is None:
        return ""
    language = language or get_language()
    number = number.normalize()
    decimals = min(2, max(0, -number.as_tuple().exponent))
    with translation.override(language):
        figure = number_format(number, decimal_pos=decimals, use_l10n=True)
    return f"{figure}%" if language in PERCENT_UNSPACED else f"{figure}{NBSP}%"
