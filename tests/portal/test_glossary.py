"""The portal's key words are translated the same way everywhere: each catalogue entry whose English
text names a term of locale/glossary.csv uses the approved translation of that term, in every
plural form. Inflection is allowed: a translation passes when it contains the term's stem."""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import polib
import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
GLOSSARY = BASE / "locale" / "glossary.csv"
TRANSLATED = ["sv", "fi", "pl", "lt"]
TERMS = [
    "cluster", "company", "capability", "cooperation offer", "job post", "job board", "visit",
    "registration", "coordinator", "representative", "certificate", "member",
]  # fmt: skip
# Placeholders name variables, not the term: "%(company)s", "<slug:slug>", "{}".
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|<\w+:\w+>|\{\w*\}")

# Entries that name a term but rightly do not translate it with the approved word, keyed by
# (language, msgid): (term, reason). Prefer fixing the translation to adding a line here.
EXCEPTIONS = {
    # Lithuania's register number is called "įmonės kodas"; Polish names it "kod przedsiębiorstwa".
    ("pl", "Lithuanian company code"): ("company", "the name of an official identifier"),
    ("pl", "Y-tunnus (FI), organisationsnummer (SE), NIP (PL) or company code (LT)."): (
        "company",
        "the name of an official identifier",
    ),
}


@dataclass(frozen=True)
class Term:
    english: str
    approved: dict  # language: the approved translation, in its dictionary form
    forms: re.Pattern  # the English word forms that name the term
    skip: re.Pattern | None  # English phrases in which the word is not the term (a verb)
    stems: dict  # language: pattern that every correct inflected form contains


def alternatives(cell: str, *, words: bool = False) -> re.Pattern:
    """A glossary cell's alternatives ("a|b"), each a literal in which "*" stands for the rest of
    a word (the inflected ending); ``words`` matches whole words only."""
    parts = [re.escape(part.strip()).replace(r"\*", r"\w*") for part in cell.split("|")]
    pattern = "|".join(parts)
    return re.compile(rf"\b(?:{pattern})\b" if words else pattern, re.IGNORECASE)


def load_glossary(path: Path = GLOSSARY) -> list[Term]:
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    return [
        Term(
            english=row["en"],
            approved={code: row[code] for code in TRANSLATED},
            forms=alternatives(row["en_forms"], words=True),
            skip=alternatives(row["en_skip"], words=True) if row["en_skip"] else None,
            stems={code: alternatives(row[f"{code}_stem"]) for code in TRANSLATED},
        )
        for row in rows
    ]


def is_path_segment(entry) -> bool:
    """URL patterns ("visit/", "clusters/<slug:slug>/") are ASCII slugs, not prose."""
    return " " not in entry.msgid and "/" in entry.msgid


def names(term: Term, english: str) -> bool:
    text = PLACEHOLDER.sub(" ", english)
    if term.skip:
        text = term.skip.sub(" ", text)
    return bool(term.forms.search(text))


def translations(entry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def violations(entries, language, glossary, exceptions=EXCEPTIONS):
    """(term, msgid, translation) for each form of an entry that names a term without its stem."""
    found = []
    for entry in entries:
        if entry.obsolete or is_path_segment(entry):
            continue
        english = f"{entry.msgid}\n{entry.msgid_plural}"
        excepted = exceptions.get((language, entry.msgid), (None,))[0]
        for term in glossary:
            if term.english == excepted or not names(term, english):
                continue
            for text in translations(entry):
                if not term.stems[language].search(text):
                    found.append((term.english, entry.msgid, text))
    return found


def catalogue(code):
    return polib.pofile(str(BASE / "locale" / code / "LC_MESSAGES" / "django.po"))


def test_the_glossary_has_every_term_in_every_language():
    glossary = load_glossary()
    assert [term.english for term in glossary] == TERMS
    for term in glossary:
        for code in TRANSLATED:
            # The approved word is itself a correct form: it contains its stem.
            assert term.stems[code].search(term.approved[code]), (term.english, code)
        assert term.forms.search(term.english), term.english


@pytest.mark.parametrize("code", TRANSLATED)
def test_each_catalogue_uses_the_approved_terms(code):
    assert violations(catalogue(code), code, load_glossary()) == []


@pytest.mark.parametrize("code", TRANSLATED)
def test_each_exception_is_still_needed(code):
    entries = {entry.msgid: entry for entry in catalogue(code)}
    glossary = {term.english: term for term in load_glossary()}
    for (language, msgid), (term, _reason) in EXCEPTIONS.items():
        if language != code:
            continue
        assert msgid in entries, msgid
        assert violations([entries[msgid]], code, [glossary[term]], exceptions={}), msgid


def entry(msgid, msgstr="", *, plural="", forms=None):
    return polib.POEntry(msgid=msgid, msgstr=msgstr, msgid_plural=plural, msgstr_plural=forms or {})


def test_the_checker_catches_a_mistranslated_term():
    glossary = load_glossary()
    bad = [
        entry("Other companies with this capability", "Muut yritykset, joilla on tämä osaamisala"),
        entry("No job postings yet.", "Inga platsannonser ännu."),
        entry("Back to the job board", "Wróć do tablicy ogłoszeń"),
        entry(
            "%(counter)s member company",
            plural="%(counter)s member companies",
            forms={
                0: "%(counter)s firma członkowska",
                1: "%(counter)s firmy",
                2: "%(counter)s firm",
            },
        ),
    ]
    assert violations(bad[:1], "fi", glossary) == [
        ("capability", bad[0].msgid, "Muut yritykset, joilla on tämä osaamisala")
    ]
    assert [found[0] for found in violations(bad[1:2], "sv", glossary)] == ["job post"]
    assert [found[0] for found in violations(bad[2:3], "pl", glossary)] == ["job board"]
    # One plural form without the term is enough to fail.
    assert violations(bad[3:], "pl", glossary) == [
        ("member", "%(counter)s member company", "%(counter)s firmy"),
        ("member", "%(counter)s member company", "%(counter)s firm"),
    ]


def test_the_checker_accepts_inflected_forms_and_ignores_other_senses():
    glossary = load_glossary()
    good = [
        entry(
            "%(counter)s member company",
            plural="%(counter)s member companies",
            forms={
                0: "%(counter)s įmonė narė",
                1: "%(counter)s įmonės narės",
                2: "%(counter)s įmonių narių",
            },
        ),
        entry("Visit the website", "Apsilankyti svetainėje"),  # the verb
        entry("Which cluster or region would you like to visit?", "Kurį klasterį ar regioną?"),
        entry("Partners for %(company)s", "Partneriai: %(company)s"),  # a placeholder
        entry("visit/", "vizitas/"),  # a path segment
    ]
    assert violations(good, "lt", glossary) == []
    # The plural of a term is the term: "companies" needs "įmon…" too.
    assert violations([entry("All companies", "Visos bendrovės")], "lt", glossary) == [
        ("company", "All companies", "Visos bendrovės")
    ]
