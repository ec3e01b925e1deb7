"""Template tags for content in five languages.

``{% translated obj "description" %}``         block text (paragraphs, like ``|linebreaks``)
``{% translated obj "summary" inline %}``      inline text
``{% translated obj "name" nonote %}``         inline, ``lang`` marked but no note (headings, links)
``{% translated obj "description" inline words=30 %}``  inline, cut after 30 words (cards)

When the value comes from a fallback language (a Finnish page showing the Swedish description),
it is wrapped in an element with that language's ``lang`` attribute and followed by a quiet note in
the page's language: ``<span class="fallback-note">(in Swedish)</span>``.

``{% translation_note obj "programme" %}`` adds a quiet note when the text shown may be outdated
(another language of the field changed after it: ``clusters.translation_flags``).

``{{ amount|money:"SEK" }}`` and ``{{ share|percent }}`` format in the active language.
"""

from django import template
from django.template.defaultfilters import linebreaks_filter
from django.utils.html import conditional_escape, format_html
from django.utils.text import Truncator

from clusters.i18n import format_money, format_percent, resolve
from clusters.translation_flags import outdated_note

register = template.Library()

MODES = {"block", "inline", "nonote"}


def render_translated(obj, field, *, inline=False, note=True, words=None):
    resolved = resolve(obj, field)
    if not resolved.value:
        return ""
    value = Truncator(resolved.value).words(words, truncate=" …") if words else resolved.value
    text = conditional_escape(value) if inline else linebreaks_filter(value, autoescape=True)
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


class TranslatedNode(template.Node):
    def __init__(self, obj, field, modes, words):
        self.obj, self.field, self.modes, self.words = obj, field, modes, words

    def render(self, context):
        inline = "inline" in self.modes or "nonote" in self.modes
        return render_translated(
            self.obj.resolve(context),
            self.field.resolve(context),
            inline=inline,
            note="nonote" not in self.modes,
            words=self.words,
        )


@register.tag
def translated(parser, token):
    """``{% translated obj "field" [inline|nonote] [words=N] %}``: see the module text."""
    bits = token.split_contents()
    if len(bits) < 3:
        raise template.TemplateSyntaxError('Usage: {% translated obj "field" [inline|nonote] %}')
    words = None
    for bit in bits[3:]:
        if bit.startswith("words="):
            if not bit[6:].isdigit():
                raise template.TemplateSyntaxError("translated: words=N needs a number")
            words = int(bit[6:])
    modes = {bit for bit in bits[3:] if not bit.startswith("words=")}
    unknown = modes - MODES
    if unknown:
        raise template.TemplateSyntaxError(
            f"translated: unknown option(s) {', '.join(sorted(unknown))}; use {sorted(MODES)}"
        )
    return TranslatedNode(
        parser.compile_filter(bits[1]), parser.compile_filter(bits[2]), modes, words
    )


@register.simple_tag
def fallback_lang(obj, field):
    """`` lang="sv"`` when ``obj.<field>`` is shown from a fallback language, else nothing.

    For markup built from a field (a list of goals, one per line): ``<ul{% fallback_lang c "goals" %}>``.
    """
    resolved = resolve(obj, field)
    return format_html(' lang="{}"', resolved.language) if resolved.is_fallback else ""


@register.simple_tag
def fallback_note(obj, field):
    """``<p class="fallback-note">(in Swedish)</p>`` when ``obj.<field>`` is a fallback text."""
    resolved = resolve(obj, field)
    if not resolved.is_fallback:
        return ""
    return format_html('<p class="fallback-note">({})</p>', resolved.note)


@register.simple_tag
def translation_note(obj, field):
    """``<p class="fallback-note translation-note">This translation may be outdated: the Finnish
    text was changed on 3 March 2026.</p>`` when the text of ``obj.<field>`` shown on the page is
    in a language flagged as possibly outdated; else nothing. One query per object."""
    return outdated_note(obj, field)


@register.filter
def money(amount, currency="EUR"):
    """``{{ amount|money:"SEK" }}`` → 500 000 kr (sv), SEK 500,000 (en), 500 000 zł (pl, PLN)."""
    return format_money(amount, currency)


@register.filter
def percent(value):
    """``{{ 60|percent }}`` → 60 % (sv, fi, lt), 60% (en, pl)."""
    return format_percent(value)
