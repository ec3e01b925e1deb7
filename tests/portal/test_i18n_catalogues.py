"""The interface catalogues: complete, no fuzzy entry, every string of the code in them, plural
forms right for each language, placeholders kept, and known words translated as people say them."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext

BASE = Path(settings.BASE_DIR)
TRANSLATED = [code for code in settings.LANGUAGE_CODES if code != "en"]
PLURAL_FORMS = {"sv": 2, "fi": 2, "pl": 3, "lt": 3}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|<\w+:\w+>")


def catalogue(code):
    return polib.pofile(str(BASE / "locale" / code / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("code", TRANSLATED)
def test_no_empty_or_fuzzy_entry(code):
    po = catalogue(code)
    assert len(po) > 900
    assert not po.metadata_is_fuzzy
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert [e.msgid for e in po.obsolete_entries()] == []


@pytest.mark.parametrize("code", TRANSLATED)
def test_header_declares_the_language_and_its_plural_forms(code):
    po = catalogue(code)
    assert po.metadata["Language"] == code
    assert po.metadata["Plural-Forms"].startswith(f"nplurals={PLURAL_FORMS[code]};")
    for entry in po:
        if entry.msgid_plural:
            assert len(entry.msgstr_plural) == PLURAL_FORMS[code], entry.msgid
            assert all(entry.msgstr_plural.values()), entry.msgid


@pytest.mark.parametrize("code", TRANSLATED)
def test_placeholders_are_kept(code):
    for entry in catalogue(code):
        if entry.msgid_plural:
            expected = set(PLACEHOLDER.findall(entry.msgid_plural))
            for form in entry.msgstr_plural.values():
                # A form may leave out the count ("one item"), never add or rename one.
                assert set(PLACEHOLDER.findall(form)) <= expected | {"%%"}, entry.msgid
        else:
            assert sorted(PLACEHOLDER.findall(entry.msgstr)) == sorted(
                PLACEHOLDER.findall(entry.msgid)
            ), entry.msgid


@pytest.mark.parametrize("code", TRANSLATED)
def test_url_segments_are_ascii_and_keep_their_parameters(code):
    for entry in catalogue(code):
        if entry.msgid.endswith(("/", ".xml", ".ics")) and " " not in entry.msgid:
            assert entry.msgstr.isascii(), entry.msgstr
            assert re.fullmatch(r"[a-z0-9<>:/._-]+", entry.msgstr), entry.msgstr
            assert PLACEHOLDER.findall(entry.msgstr) == PLACEHOLDER.findall(entry.msgid)


def _copy_sources(target: Path):
    ignore = shutil.ignore_patterns(
        ".venv", ".git", "media", "staticfiles", "node_modules", "locale", "fixtures", "tests",
        "*.sqlite3", "__pycache__", ".ruff_cache", "*.mo", "*.po", "*.png", "*.pdf",
    )  # fmt: skip
    shutil.copytree(BASE, target, ignore=ignore)
    (target / "locale").mkdir()


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools are not installed")
def test_every_string_in_the_code_is_in_the_catalogues(tmp_path):
    """Extract the strings afresh (makemessages into an empty locale folder of a copy of the
    sources) and compare them with the committed catalogues."""
    project = tmp_path / "project"
    _copy_sources(project)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "sv", "--no-location", "-v0"],
        cwd=project,
        check=True,
        capture_output=True,
    )
    extracted = {
        entry.msgid for entry in polib.pofile(str(project / "locale/sv/LC_MESSAGES/django.po"))
    }
    assert len(extracted) > 900
    for code in TRANSLATED:
        known = {entry.msgid for entry in catalogue(code)}
        assert sorted(extracted - known) == [], f"missing from locale/{code}"


KNOWN = {
    "Companies": {"sv": "Företag", "fi": "Yritykset", "pl": "Firmy", "lt": "Įmonės"},
    "Projects": {"sv": "Projekt", "fi": "Hankkeet", "pl": "Projekty", "lt": "Projektai"},
    "Cooperation offers": {
        "sv": "Samarbetserbjudanden",
        "fi": "Yhteistyötarjoukset",
        "pl": "Oferty współpracy",
        "lt": "Bendradarbiavimo pasiūlymai",
    },
    "E.g. European Regional Development Fund": {
        "sv": "T.ex. Europeiska regionala utvecklingsfonden",
        "fi": "Esim. Euroopan aluekehitysrahasto",
        "pl": "Np. Europejski Fundusz Rozwoju Regionalnego",
        "lt": "Pvz., Europos regioninės plėtros fondas",
    },
}


@pytest.mark.parametrize("code", TRANSLATED)
def test_each_locale_translates_known_strings(code):
    with translation.override(code):
        for source, translations in KNOWN.items():
            assert gettext(source) == translations[code]


@pytest.mark.parametrize(
    ("code", "counts"),
    [
        ("fi", {1: "1 yritys", 2: "2 yritystä", 21: "21 yritystä"}),
        ("sv", {1: "1 företag", 5: "5 företag"}),
        ("pl", {1: "1 firma", 2: "2 firmy", 5: "5 firm", 22: "22 firmy", 25: "25 firm"}),
        ("lt", {1: "1 įmonė", 2: "2 įmonės", 10: "10 įmonių", 21: "21 įmonė", 11: "11 įmonių"}),
    ],
)
def test_plural_forms_follow_the_grammar_of_each_language(code, counts):
    with translation.override(code):
        for n, expected in counts.items():
            text = ngettext("%(counter)s company", "%(counter)s companies", n) % {"counter": n}
            assert text == expected
