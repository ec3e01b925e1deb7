"""A number next to a noun takes the form the language's grammar asks for: Polish and Lithuanian
have three, Finnish and Swedish two. Each string is looked up with ngettext as the code and the
templates look it up, with counts 1, 2, 5 and 22 (and 10, 11, 21, where Lithuanian differs)."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import ngettext, npgettext

from companies.directory import Facet, Option

BASE = Path(settings.BASE_DIR)
COUNTS = (1, 2, 5, 22)
LT_COUNTS = (10, 11, 21)

# (msgid, msgid_plural, context or None): {language: {count: expected text}}
EXPECTED = {
    ("%(counter)s project", "%(counter)s projects", None): {
        "pl": {1: "1 projekt", 2: "2 projekty", 5: "5 projektów", 22: "22 projekty"},
        "lt": {1: "1 projektas", 2: "2 projektai", 5: "5 projektai", 22: "22 projektai",
               10: "10 projektų", 11: "11 projektų", 21: "21 projektas"},
        "fi": {1: "1 hanke", 2: "2 hanketta", 5: "5 hanketta", 22: "22 hanketta"},
    },
    ("development project", "development projects", None): {
        "pl": {1: "projekt rozwojowy", 2: "projekty rozwojowe", 5: "projektów rozwojowych",
               22: "projekty rozwojowe"},
        "lt": {1: "plėtros projektas", 2: "plėtros projektai", 5: "plėtros projektai",
               22: "plėtros projektai", 10: "plėtros projektų", 11: "plėtros projektų",
               21: "plėtros projektas"},
        "fi": {1: "kehittämishanke", 2: "kehittämishanketta", 5: "kehittämishanketta",
               22: "kehittämishanketta"},
    },
    ("member company in the portal", "member companies in the portal", None): {
        "pl": {1: "firma członkowska w portalu", 2: "firmy członkowskie w portalu",
               5: "firm członkowskich w portalu", 22: "firmy członkowskie w portalu"},
        "lt": {1: "įmonė narė portale", 2: "įmonės narės portale", 5: "įmonės narės portale",
               22: "įmonės narės portale", 10: "įmonių narių portale",
               11: "įmonių narių portale", 21: "įmonė narė portale"},
    },
    ("company in the cluster's sector in the region",
     "companies in the cluster's sector in the region", None): {
        "pl": {1: "firma z branży klastra w regionie", 2: "firmy z branży klastra w regionie",
               5: "firm z branży klastra w regionie", 22: "firmy z branży klastra w regionie"},
        "lt": {1: "klasterio sektoriaus įmonė regione", 5: "klasterio sektoriaus įmonės regione",
               10: "klasterio sektoriaus įmonių regione"},
    },
    ("company", "companies", "after a number"): {
        "pl": {1: "firma", 2: "firmy", 5: "firm", 22: "firmy"},
        "lt": {1: "įmonė", 2: "įmonės", 5: "įmonės", 22: "įmonės", 10: "įmonių", 11: "įmonių",
               21: "įmonė"},
        "fi": {1: "yritys", 2: "yritystä"},
        "sv": {1: "företag", 2: "företag"},
    },
    ("The %(counter)s company in the directory", "All %(counter)s companies in the directory",
     None): {
        "pl": {2: "Wszystkie 2 firmy w katalogu", 5: "Wszystkich 5 firm w katalogu",
               22: "Wszystkie 22 firmy w katalogu"},
        "lt": {2: "Visos 2 įmonės kataloge", 10: "Visos 10 įmonių kataloge"},
    },
    ("%(counter)s event", "%(counter)s events", None): {
        "pl": {1: "1 wydarzenie", 2: "2 wydarzenia", 5: "5 wydarzeń", 22: "22 wydarzenia"},
        "lt": {1: "1 renginys", 2: "2 renginiai", 5: "5 renginiai", 10: "10 renginių",
               21: "21 renginys"},
    },
    ("%(counter)s open offer", "%(counter)s open offers", None): {
        "pl": {1: "1 aktualna oferta", 2: "2 aktualne oferty", 5: "5 aktualnych ofert",
               22: "22 aktualne oferty"},
        "lt": {1: "1 galiojantis pasiūlymas", 5: "5 galiojantys pasiūlymai",
               11: "11 galiojančių pasiūlymų"},
    },
    ("%(counter)s place left.", "%(counter)s places left.", None): {
        "pl": {1: "Zostało 1 miejsce.", 2: "Zostały 2 miejsca.", 5: "Zostało 5 miejsc.",
               22: "Zostały 22 miejsca."},
        "lt": {1: "Liko 1 vieta.", 2: "Liko 2 vietos.", 10: "Liko 10 vietų."},
    },
    ("%(counter)s selected", "%(counter)s selected", None): {
        "fi": {1: "1 valittu", 2: "2 valittua"},
        "pl": {1: "1 wybrany", 2: "2 wybrane", 5: "5 wybranych"},
    },
    ("New visit request: %(name)s, %(counter)s participant",
     "New visit request: %(name)s, %(counter)s participants", None): {
        "pl": {1: "Nowa prośba o wizytę: X, 1 uczestnik",
               2: "Nowa prośba o wizytę: X, 2 uczestnicy",
               5: "Nowa prośba o wizytę: X, 5 uczestników",
               22: "Nowa prośba o wizytę: X, 22 uczestnicy"},
        "lt": {1: "Naujas vizito prašymas: X, 1 dalyvis", 2: "Naujas vizito prašymas: X, 2 dalyviai",
               10: "Naujas vizito prašymas: X, 10 dalyvių"},
    },
    ("%(counter)s participant", "%(counter)s participants", None): {
        "pl": {1: "1 uczestnik", 2: "2 uczestnicy", 5: "5 uczestników", 22: "22 uczestnicy"},
        "lt": {1: "1 dalyvis", 2: "2 dalyviai", 10: "10 dalyvių", 21: "21 dalyvis"},
        "fi": {1: "1 osallistuja", 2: "2 osallistujaa"},
    },
    ("%(counter)s expression of interest", "%(counter)s expressions of interest", None): {
        "fi": {1: "1 yhteydenotto", 2: "2 yhteydenottoa", 22: "22 yhteydenottoa"},
        "pl": {1: "1 zgłoszenie zainteresowania", 2: "2 zgłoszenia zainteresowania",
               5: "5 zgłoszeń zainteresowania"},
        "lt": {1: "1 susidomėjimo pareiškimas", 2: "2 susidomėjimo pareiškimai",
               11: "11 susidomėjimo pareiškimų"},
    },
    ("Choose your password with this link. It works once, within %(days)s day:",
     "Choose your password with this link. It works once, within %(days)s days:", None): {
        "pl": {1: "Ustaw hasło, korzystając z tego linku. Link jest jednorazowy i ważny przez "
                  "1 dzień:",
               2: "Ustaw hasło, korzystając z tego linku. Link jest jednorazowy i ważny przez "
                  "2 dni:"},
        "lt": {1: "Susikurkite slaptažodį paspaudę šią nuorodą. Nuoroda veikia vieną kartą ir "
                  "galioja 1 dieną:",
               2: "Susikurkite slaptažodį paspaudę šią nuorodą. Nuoroda veikia vieną kartą ir "
                  "galioja 2 dienas:",
               10: "Susikurkite slaptažodį paspaudę šią nuorodą. Nuoroda veikia vieną kartą ir "
                   "galioja 10 dienų:"},
    },
    ("%(count)d profile was marked as confirmed.",
     "%(count)d profiles were marked as confirmed.", None): {
        "pl": {1: "Oznaczono 1 profil jako potwierdzony.",
               22: "Oznaczono 22 profile jako potwierdzone.",
               5: "Oznaczono 5 profili jako potwierdzone."},
        "lt": {1: "1 profilis pažymėtas kaip patvirtintas.",
               2: "2 profiliai pažymėti kaip patvirtinti.",
               11: "11 profilių pažymėta kaip patvirtinti."},
    },
    ("A post can stay on the board for at most %(days)s day.",
     "A post can stay on the board for at most %(days)s days.", None): {
        "pl": {1: "Ogłoszenie może wisieć na tablicy najwyżej 1 dzień.",
               22: "Ogłoszenie może wisieć na tablicy najwyżej 22 dni."},
        "lt": {1: "Skelbimas gali būti rodomas ne ilgiau kaip 1 dieną.",
               2: "Skelbimas gali būti rodomas ne ilgiau kaip 2 dienas.",
               10: "Skelbimas gali būti rodomas ne ilgiau kaip 10 dienų."},
    },
    ("The list can hold %(counter)s participant; add more in the message.",
     "The list can hold %(counter)s participants; add more in the message.", None): {
        "lt": {21: "Sąraše telpa 21 dalyvis; kitus nurodykite žinutėje.",
               22: "Sąraše telpa 22 dalyviai; kitus nurodykite žinutėje.",
               60: "Sąraše telpa 60 dalyvių; kitus nurodykite žinutėje."},
        "fi": {1: "Listalle mahtuu 1 osallistuja; kerro muista viestissä."},
    },
    ("%(count)s %(name)s was changed successfully.",
     "%(count)s %(name)s were changed successfully.", None): {
        "pl": {1: "Zmieniono 1 pozycję (firma).", 2: "Zmieniono 2 pozycje (firma).",
               5: "Zmieniono 5 pozycji (firma)."},
        "lt": {1: "Pakeistas 1 įrašas (firma).", 2: "Pakeisti 2 įrašai (firma).",
               10: "Pakeista 10 įrašų (firma)."},
    },
}  # fmt: skip


def lookup(key, count):
    singular, plural, context = key
    if context:
        text = npgettext(context, singular, plural, count)
    else:
        text = ngettext(singular, plural, count)
    values = {"counter": count, "count": count, "days": count}
    return text % {**values, "name": "X" if "name)s," in text else "firma"}


@pytest.mark.parametrize("key", list(EXPECTED), ids=lambda key: key[0][:40])
def test_each_count_takes_the_form_of_the_catalogue(key):
    for language, expected in EXPECTED[key].items():
        with translation.override(language):
            assert {n: lookup(key, n) for n in expected} == expected, language


@pytest.mark.parametrize("language", ["pl", "lt"])
def test_every_plural_entry_answers_each_count(language):
    """No form is left empty or the English one, for 1, 2, 5, 22 (and Lithuanian's 10, 11, 21)."""
    catalogue = polib.pofile(str(BASE / "locale" / language / "LC_MESSAGES" / "django.po"))
    counts = COUNTS + (LT_COUNTS if language == "lt" else ())
    with translation.override(language):
        for entry in catalogue:
            if not entry.msgid_plural:
                continue
            for n in counts:
                if entry.msgctxt:
                    text = npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                else:
                    text = ngettext(entry.msgid, entry.msgid_plural, n)
                assert text and text not in (entry.msgid, entry.msgid_plural), (entry.msgid, n)


FIGURES = Template(
    "{% load i18n %}"
    "{% blocktranslate count counter=n %}development project{% plural %}"
    "development projects{% endblocktranslate %}|"
    "{% blocktranslate count counter=n %}member company in the portal{% plural %}"
    "member companies in the portal{% endblocktranslate %}"
)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("pl", {1: "projekt rozwojowy|firma członkowska w portalu",
                2: "projekty rozwojowe|firmy członkowskie w portalu",
                5: "projektów rozwojowych|firm członkowskich w portalu",
                22: "projekty rozwojowe|firmy członkowskie w portalu"}),
        ("lt", {1: "plėtros projektas|įmonė narė portale",
                2: "plėtros projektai|įmonės narės portale",
                5: "plėtros projektai|įmonės narės portale",
                22: "plėtros projektai|įmonės narės portale",
                10: "plėtros projektų|įmonių narių portale"}),
    ],
)  # fmt: skip
def test_the_cluster_figures_render_the_plural_forms(language, expected):
    """As templates/portal/cluster_detail.html writes them: "1 projekt rozwojowy", not "1
    projektów rozwojowych"."""
    with translation.override(language):
        assert {n: FIGURES.render(Context({"n": n})) for n in expected} == expected


@pytest.mark.parametrize(
    ("language", "words"),
    [("pl", {1: "firma", 2: "firmy", 5: "firm", 22: "firmy"}),
     ("lt", {1: "įmonė", 2: "įmonės", 10: "įmonių", 21: "įmonė"}),
     ("fi", {1: "yritys", 5: "yritystä"})],
)  # fmt: skip
def test_the_facet_counts_hidden_words_agree_with_the_number(language, words):
    options = [Option(str(n), f"Option {n}", n, False) for n in words]
    with translation.override(language):
        html = Facet("country", "Country", options).options_html()
    for n, word in words.items():
        assert f'{n}<span class="visually-hidden"> {word})</span>' in html


# A variable that holds a number, and what follows it: tags and spaces, then either a translated
# string that is not plural-aware or a bare word.
NUMBER = re.compile(r"\{\{(?P<expr>[^}]*)\}\}")
NUMBER_WORDS = re.compile(r"count|total|length|number|days|places|capacity|participants")
BETWEEN = re.compile(r"(?:[^\S\n]|</?(?:strong|b|em|span|a|abbr|small|data)\b[^>]*>)*")
# The text of a blocktranslate is one message, with its own (plural-aware or not) variables.
BLOCK_BODY = re.compile(r"(\{%\s*blocktranslate\b[^%]*%\}).*?(\{%\s*endblocktranslate\s*%\})", re.S)
NOUN_AFTER = re.compile(
    r"\{%\s*(?:translate|trans)\s|\{%\s*blocktranslate(?![^%]*\bcount\b)|[^\W\d_]{2,}"
)


def numbers_before_nouns(source: str) -> list[str]:
    """Each "{{ n }} {% translate 'companies' %}" (or "{{ n }} companies") of a template: a count
    followed by a noun that cannot agree with it."""
    found = []
    source = BLOCK_BODY.sub(r"\1\2", source)
    for match in NUMBER.finditer(source):
        expr = match.group("expr")
        if not NUMBER_WORDS.search(expr) or "date" in expr:
            continue
        rest = source[match.end() :]
        after = BETWEEN.match(rest).end()
        if NOUN_AFTER.match(rest, after):
            found.append(source[match.start() : match.end() + after + 30])
    return found


def template_files():
    return sorted(
        path
        for pattern in ("templates/**/*.html", "templates/**/*.txt", "*/templates/**/*.html")
        for path in BASE.glob(pattern)
        if ".venv" not in path.parts
    )


def test_no_template_puts_a_count_before_a_noun_that_cannot_agree():
    files = template_files()
    assert len(files) > 60
    found = {
        str(path.relative_to(BASE)): hits
        for path in files
        if (hits := numbers_before_nouns(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_template_scan_finds_a_count_before_a_noun():
    assert numbers_before_nouns(
        '<strong>{{ cluster.member_count }}</strong> {% translate "member companies" %}'
    )
    assert numbers_before_nouns("{{ projects|length }} projects")
    assert numbers_before_nouns(
        "{{ total }} {% blocktranslate with q=query %}results for {{ q }}{% endblocktranslate %}"
    )
    # Plural-aware strings, labels with a figure, and dates are fine.
    assert not numbers_before_nouns(
        "<strong>{{ cluster.member_count }}</strong>{% blocktranslate count counter="
        "cluster.member_count %}member company{% plural %}member companies{% endblocktranslate %}"
    )
    assert not numbers_before_nouns('<td class="number">{{ link.count }}</td></tr>')
    assert not numbers_before_nouns("{{ group.label }} <span>{{ group.count }}</span></a>")
