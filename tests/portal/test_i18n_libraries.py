"""Strings of django-import-export and of Django's admin that our catalogues translate
(clusters/library_strings.py): the msgids are still the libraries' own, every language has them,
and the admin shows them: the import's summary, "Dodaj: firma", the "offered by" column."""

import ast
import re
from pathlib import Path

import django
import import_export
import polib
import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.utils import translation
from django.utils.translation import gettext, ngettext

from board.models import CooperationOffer
from clusters import library_strings
from tests import factories

TRANSLATED = ("sv", "fi", "pl", "lt")
DJANGO = Path(django.__file__).parent
IMPORT_EXPORT = Path(import_export.__file__).parent


def msgids(name):
    """(msgid, msgid_plural or None) of the tuple ``name`` of clusters/library_strings.py, read
    as makemessages reads it: the literal arguments of gettext_noop and ngettext_lazy."""
    tree = ast.parse(Path(library_strings.__file__).read_text(encoding="utf-8"))
    (value,) = (
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and node.targets[0].id == name
    )
    for call in value.elts:
        args = [arg.value for arg in call.args]
        yield (args[0], args[1]) if call.func.id == "ngettext_lazy" else (args[0], None)


def library_source(root):
    text = []
    for path in sorted(root.rglob("*")):
        if path.suffix in {".py", ".html"} and "locale" not in path.parts:
            text.append(path.read_text(encoding="utf-8"))
    # Python string literals as written: \" and implicit concatenation of adjacent literals.
    joined = "\n".join(text).replace('\\"', '"')
    return re.sub(r'"\s*\n\s*"', "", joined)


def test_import_export_strings_are_the_librarys_own():
    source = library_source(IMPORT_EXPORT)
    for singular, _plural in msgids("IMPORT_EXPORT"):
        template_form = singular.replace("%(len)s", "{{ len }}")
        assert singular in source or template_form in source, singular


def test_django_strings_are_djangos_own():
    known = set()
    for path in (
        DJANGO / "contrib/admin/locale/en/LC_MESSAGES/django.po",
        DJANGO / "contrib/auth/locale/en/LC_MESSAGES/django.po",
        DJANGO / "conf/locale/en/LC_MESSAGES/django.po",
    ):
        known |= {(e.msgid, e.msgid_plural or None) for e in polib.pofile(str(path))}
    for name in ("DJANGO_ADMIN", "DJANGO_MODELS_AND_AUTH"):
        for key in msgids(name):
            assert key in known, key


# Words that are the same in the language.
SAME_WORD = {("Format", "sv"), ("Format", "pl")}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_language_translates_them_keeping_the_placeholders(language):
    with translation.override(language):
        for name in ("IMPORT_EXPORT", "DJANGO_ADMIN", "DJANGO_MODELS_AND_AUTH"):
            for singular, plural in msgids(name):
                for n in (1, 2, 5):
                    text = ngettext(singular, plural, n) if plural else gettext(singular)
                    if (singular, language) not in SAME_WORD:
                        assert text not in (singular, plural), (language, singular)
                    source = plural if plural and n != 1 else singular
                    # str.format's fields ({}, {name}) are kept as they are, in their order.
                    assert re.findall(r"\{\w*\}", text) == re.findall(r"\{\w*\}", source)


SUMMARY = {
    "sv": "Importen är klar. Nya: 2, uppdaterade: 0, borttagna: 0, överhoppade: 1 (företag).",
    "fi": "Tuonti on valmis. Uusia: 2, päivitettyjä: 0, poistettuja: 0, ohitettuja: 1 (yritykset).",
    "pl": "Import zakończony. Nowe: 2, zaktualizowane: 0, usunięte: 0, pominięte: 1 (firmy).",
    "lt": "Importas baigtas. Nauji: 2, atnaujinti: 0, ištrinti: 0, praleisti: 1 (įmonės).",
}


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_import_summary_is_translated(language):
    """As ImportMixin.add_success_message writes it: "Import finished: 2 new, …"."""
    with translation.override(language):
        message = gettext("Import finished: {} new, {} updated, {} deleted and {} skipped {}.")
        assert message.format(2, 0, 0, 1, gettext("companies")) == SUMMARY[language]
        assert gettext("Some rows failed to validate") != "Some rows failed to validate"


@pytest.mark.parametrize(
    ("language", "add", "column"),
    [("pl", "Dodaj: firma", "oferent"), ("lt", "Pridėti: įmonė", "siūlytojas"),
     ("fi", "Lisää yritys", "tarjoaja"), ("sv", "Lägg till företag", "erbjuds av")],
)  # fmt: skip
def test_the_admin_names_models_grammatically(admin_client, language, add, column):
    factories.offer()
    offers = admin.site._registry[CooperationOffer]
    with translation.override(language):
        assert str(label_for_field("offered_by", CooperationOffer, offers)) == column
        page = admin_client.get(f"/{language}/admin/companies/company/").content.decode()
        assert add in page
        offer_page = admin_client.get(f"/{language}/admin/companies/cooperationoffer/")
    assert column.capitalize() in offer_page.content.decode()
