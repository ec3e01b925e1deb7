"""Template tags for content in five languages.

``{% translated obj "description" %}``         block text (paragraphs, like ``|linebreaks``)
``{% translated obj "summary" inline %}``      inline text
``{% translated obj "name" inline nonote %}``  inline, ``lang`` marked but no note (headings, links)

When the value comes from a fallback language (a Finnish page showing the Swedish description),
it is wrapped in an element with that language's ``lang`` attribute and followed by a quiet note in
the page's language: ``<span class="fallback-note">(in Swedish)</span>``.

``{{ amount|money:"SEK" }}`` and ``{{ share|percent }}`` format in the active language.
"""

from django import template
from django.template.defaultfilters import linebreaks_filter
from django.utils.html import conditional_escape, format_html

from portal.i18n import format_money, format_percent, resolve

register = template.Library()

MODES = {"block", "inline", "nonote"}


def render_translated(obj, field, *, inline=False, note=True):
    resolved = resolve(obj, field)
    if not resolved.value:
        return ""
    text = (
        conditional_escape(resolved.value)
        if inline
        else linebreaks_filter(resolved.value, autoescape=True)
    )
    if not resolved.is_fallback:
        return text
    if inline:
        html = format_html('<span lang="{}">{}</span>', resolved.language, text)
        if note:
            html = format_html('{} <span class="fallback-note">({})</span>', html, resolved.note)
        return html
    html = format_html('<div lang="{}">{}</div>', resolved.language, text)
    if note:
        html = format_html('{}<p class="fallback-note">({})</p>', html, resolved.note)
    return html


@register.simple_tag
def translated(obj, field, *modes):
    """A translated field in the active language, its fallback marked (see the module text)."""
    unknown = set(modes) - MODES
    if unknown:
        raise template.TemplateSyntaxError(
            f"translated: unknown option(s) {', '.join(sorted(unknown))}; use {sorted(MODES)}"
        )
    inline = "inline" in modes or "nonote" in modes
    return render_translated(obj, field, inline=inline, note="nonote" not in modes)


@register.simple_tag
def translated_language(obj, field):
    """The language code the shown value of ``obj.<field>`` is in (for a ``lang`` attribute)."""
    return resolve(obj, field).language or ""


@register.filter
def money(amount, currency="EUR"):
    """``{{ amount|money:"SEK" }}`` → 500 000 kr (sv), SEK 500,000 (en), 500 000 zł (pl, PLN)."""
    return format_money(amount, currency)


@register.filter
def percent(value):
    """``{{ 60|percent }}`` → 60 % (sv, fi, lt), 60% (en, pl)."""
    return format_percent(value)
