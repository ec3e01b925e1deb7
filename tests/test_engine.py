"""The directory engine (companies/engine.py) and the tables it reads (companies/indexing.py).

The suite runs on SQLite and on PostgreSQL (``DATABASE_URL=postgres://…``); nothing here names a
backend, so both must give the same answers: every facet filter, facets combined, disjunctive
counts, free text in every language, relevance, every sort order and page, the CSV export, slices
of the sort orders, edits seen on the next request, what an edit writes, full rebuilds, query
counts and hostile input.
"""

import collections
import csv
import datetime
import io
import itertools
import math
import random

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Case, Value, When
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pyroaring import BitMap

from board.models import CooperationOffer
from companies import engine, entries, indexing
from companies.filters import FACET_NAMES
from companies.models import (
    Company,
    CompanyCertificate,
    DirectoryBitmap,
    DirectoryEntry,
    DirectoryState,
    DirectoryWord,
    Membership,
)
from companies.text import search_terms, words

from . import factories

pytestmark = pytest.mark.django_db

URL = "/en/companies/"
SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
DAY = datetime.timedelta(days=1)
SIZES = ["micro", "small", "medium", "large"]


# --- Reading the engine, the page and the tables ----------------------------------------------


def ask(selected=None, text="", sort="name"):
    """This worker's answer (synced first, as a request is)."""
    return engine.current().query(selected or {}, text, sort)


def everything(query):
    return query.ids(0, query.total + 10)


def page_names(response):
    return [company.name for company in response.context["companies"]]


def page_ids(response):
    return [company.pk for company in response.context["companies"]]


def page_counts(response, name):
    """{value: count} of one facet as the page shows it (zeros left out)."""
    for item in response.context["facets"]:
        if item.name == name:
            return {option.value: option.count for option in item.options if option.count}
    return {}


def read_csv(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def stored_bitmaps():
    """{key: (seq, BitMap)} of every DirectoryBitmap row."""
    return {
        key: (seq, BitMap.deserialize(bytes(bits)))
        for key, bits, seq in DirectoryBitmap.objects.values_list("key", "bits", "seq")
    }


def stored_words():
    """{word: BitMap} of the inverted index (DirectoryWord)."""
    return {
        word: BitMap.deserialize(bytes(bits))
        for word, bits in DirectoryWord.objects.values_list("word", "bits")
    }


def stored_entries():
    return {
        entry.company_id: (entry.name_key, entry.updated_at, entry.document, entry.keys)
        for entry in DirectoryEntry.objects.all()
    }


def is_slice(key):
    return key // entries.KEY_STRIDE in {entries.NAME_SLICE, entries.UPDATED_SLICE}


# --- The order the directory promises, computed in Python -------------------------------------


def folded(name):
    return " ".join(words(name))


def name_order(companies):
    return [c.pk for c in sorted(companies, key=lambda c: (folded(c.name), c.pk))]


def updated_order(companies):
    by_id = sorted(companies, key=lambda c: c.pk)
    return [c.pk for c in sorted(by_id, key=lambda c: c.updated_at, reverse=True)]


def finds(word, term):
    """A query word finds the words it starts (a short one, whole words only)."""
    return word.startswith(term) if len(term) >= engine.MIN_PREFIX else word == term


def name_has_every_term(company, terms):
    name_words = words(company.name)
    return all(any(finds(word, term) for word in name_words) for term in terms)


def relevance_order(matched, text):
    """Names holding every term (those starting with the first term first), then the rest; each
    group in name order."""
    terms = search_terms(text)
    named = [c for c in matched if name_has_every_term(c, terms)]
    first = [c for c in named if finds(words(c.name)[0], terms[0])]
    second = [c for c in named if c not in first]
    rest = [c for c in matched if c not in named]
    return name_order(first) + name_order(second) + name_order(rest)


# --- A small world, built through the signals (the incremental path) ---------------------------


@pytest.fixture
def world():
    """Four published companies and one unpublished, classified in five languages, with
    certificates and offers on either side of their validity."""
    today = timezone.localdate()
    ostrobothnia = factories.region(
        country="FI", name_en="Ostrobothnia", name_fi="Pohjanmaa", name_sv="Österbotten"
    )
    podlaskie = factories.region(
        country="PL", name_en="Podlaskie", name_fi="Podlasia", name_sv="Podlasien",
        name_pl="Podlasie",
    )  # fmt: skip
    vaasa = factories.municipality(
        region=ostrobothnia, name_en="Vaasa", name_fi="Vaasa", name_sv="Vasa"
    )
    kokkola = factories.municipality(
        region=ostrobothnia, name_en="Kokkola", name_fi="Kokkola", name_sv="Karleby"
    )
    bialystok = factories.municipality(
        region=podlaskie, name_en="Białystok", name_fi="Białystok", name_sv="Białystok",
        name_pl="Białystok",
    )  # fmt: skip
    machining = factories.capability(
        name_en="Machining", name_fi="Koneistus", name_sv="Bearbetning", name_pl="Obróbka",
        name_lt="Apdirbimas",
    )  # fmt: skip
    laser = factories.capability(
        parent=machining, name_en="Laser cutting", name_fi="Laserleikkaus",
        name_sv="Laserskärning", name_pl="Cięcie laserowe", name_lt="Pjovimas lazeriu",
    )  # fmt: skip
    welding = factories.capability(
        name_en="Welding", name_fi="Hitsaus", name_sv="Svetsning", name_pl="Spawanie",
        name_lt="Suvirinimas",
    )  # fmt: skip
    steel = factories.material(
        name_en="Stainless steel", name_fi="Ruostumaton teräs", name_sv="Rostfritt stål",
        name_pl="Stal nierdzewna",
    )  # fmt: skip
    aluminium = factories.material(name_en="Aluminium", name_fi="Alumiini")
    iso9001 = factories.certification(code="ISO 9001", name_en="Quality management")
    iso3834 = factories.certification(code="ISO 3834", name_en="Welding quality")
    iso14001 = factories.certification(code="ISO 14001", name_en="Environmental management")
    metal = factories.sector(nace_code="25", name_en="Metal products", name_fi="Metallituotteet")
    machinery = factories.sector(nace_code="28", name_en="Machinery", name_fi="Koneet")
    fi, sv, pl = (factories.spoken_language(code) for code in ("fi", "sv", "pl"))
    north = factories.cluster(name_en="North Metal")
    east = factories.cluster(name_en="East Metal")

    a = factories.company(
        name="Vaasan Konepaja Oy", business_id="0737546-2", municipality=vaasa,
        size_class="small", description_en="Machine parts for shipyards.",
        description_sv="Tillverkar maskindelar åt varvsindustrin.", clusters=[north],
    )  # fmt: skip
    a.capabilities.add(laser)
    a.materials.add(steel)
    a.sectors.add(machinery)
    a.languages.add(fi, sv)
    factories.certificate(a, iso9001, valid_until=today + 300 * DAY)
    factories.offer(company=a)

    b = factories.company(
        name="Podlaska Spawalnia Sp. z o.o.", business_id="526-000-12-46", municipality=bialystok,
        size_class="medium", description_en="Welded frames.", clusters=[east],
    )  # fmt: skip
    b.capabilities.add(welding)
    b.materials.add(steel, aluminium)
    b.sectors.add(metal)
    b.languages.add(pl)
    factories.certificate(b, iso3834, valid_from=today - 900 * DAY, valid_until=today - DAY)
    factories.certificate(b, iso14001, valid_from=today + DAY)

    c = factories.company(
        name="Kokkola Steel Ab", business_id="2336509-6", municipality=kokkola,
        size_class="micro", description_en="Steel structures.",
    )  # fmt: skip
    Membership.objects.create(company=c, cluster=north, is_active=False)
    c.capabilities.add(machining, welding)
    c.sectors.add(metal)
    c.languages.add(sv)
    factories.certificate(c, iso9001, valid_until=None)
    factories.offer(company=c, status="pending")
    factories.offer(company=c, valid_from=today - 30 * DAY, valid_until=today - DAY)
    factories.offer(company=c, valid_from=today + DAY, valid_until=today + 30 * DAY)

    d = factories.company(
        name="Laser Nord Ab", business_id="1572860-0", municipality=kokkola, size_class="large",
        description_en="Sheet metal parts.", description_fi="Ohutlevyosat ja särmäys.",
    )  # fmt: skip
    d.sectors.add(machinery)
    factories.certificate(d, iso3834, valid_until=today)  # its last day
    factories.offer(company=d, valid_until=today)  # its last day

    hidden = factories.company(
        name="Hidden Welding Oy", business_id="H-1", municipality=vaasa, is_published=False,
        description_en="Welding.", clusters=[north],
    )  # fmt: skip
    hidden.capabilities.add(welding)
    factories.certificate(hidden, iso9001)
    factories.offer(company=hidden)

    return {
        "a": a, "b": b, "c": c, "d": d, "hidden": hidden,
        "ostrobothnia": ostrobothnia, "podlaskie": podlaskie,
        "vaasa": vaasa, "kokkola": kokkola, "bialystok": bialystok,
        "machining": machining, "laser": laser, "welding": welding,
        "steel": steel, "aluminium": aluminium,
        "iso9001": iso9001, "iso3834": iso3834, "iso14001": iso14001,
        "metal": metal, "machinery": machinery, "fi": fi, "sv": sv, "pl": pl,
        "north": north, "east": east,
    }  # fmt: skip


def facts(w):
    """{facet: {value: companies}} of the world, by hand: the semantics every backend must give.
    Companies are letters ("ac" is a and c)."""

    def pk(key):
        return str(w[key].pk)

    return {
        # c's membership is inactive and the hidden company is unpublished.
        "cluster": {pk("north"): "a", pk("east"): "b"},
        # A parent includes its children: a has laser cutting, below machining.
        "capability": {pk("machining"): "ac", pk("laser"): "a", pk("welding"): "bc"},
        "material": {pk("steel"): "ab", pk("aluminium"): "b"},
        # b's ISO 3834 ended yesterday and its ISO 14001 starts tomorrow; d's ends today.
        "certification": {pk("iso9001"): "ac", pk("iso3834"): "d", pk("iso14001"): ""},
        "sector": {pk("metal"): "bc", pk("machinery"): "ad"},
        "language": {pk("fi"): "a", pk("sv"): "ac", pk("pl"): "b"},
        "country": {"FI": "acd", "PL": "b"},
        "region": {pk("ostrobothnia"): "acd", pk("podlaskie"): "b"},
        "municipality": {pk("vaasa"): "a", pk("kokkola"): "cd", pk("bialystok"): "b"},
        "size": {"micro": "c", "small": "a", "medium": "b", "large": "d"},
        # c's offers wait for moderation, ended yesterday or start tomorrow; d's ends today.
        "offers": {"1": "ad"},
    }


def ids_of(w, letters):
    return {w[letter].pk for letter in letters}


def expected_answer(w, table, chosen, base="abcd"):
    """(result, {facet: {value: count}}) that the facts give for ``chosen`` ({facet: [values]}):
    OR within a facet, AND across facets, each facet counted without its own selection."""

    def filtered(skip):
        result = ids_of(w, base)
        for facet, values in chosen.items():
            if facet != skip and values:
                result &= set().union(*(ids_of(w, table[facet][value]) for value in values))
        return result

    counts = {}
    for facet, values in table.items():
        over = filtered(facet)
        counts[facet] = {
            value: n for value, letters in values.items() if (n := len(ids_of(w, letters) & over))
        }
    return filtered(None), counts


# --- 1. Filters and counts ---------------------------------------------------------------------


def test_each_facet_value_selects_its_companies(world):
    for facet, values in facts(world).items():
        for value, letters in values.items():
            query = ask({facet: [value]})
            assert set(everything(query)) == ids_of(world, letters), (facet, value)
            assert query.total == len(letters), (facet, value)
    unfiltered = ask()
    assert unfiltered.total == 4
    assert world["hidden"].pk not in everything(unfiltered)
    # Empty, reversed and out-of-range windows.
    assert unfiltered.ids(3, 3) == [] and unfiltered.ids(3, 1) == [] and unfiltered.ids(9, 20) == []
    assert unfiltered.ids(0, 1) == everything(unfiltered)[:1]
    assert ask(text="no such thing").ids(0, 20) == []


def test_facets_combine_and_counts_are_disjunctive(world):
    table = facts(world)
    rng = random.Random(3)
    combinations = [{}]
    for facet in FACET_NAMES:
        combinations.append({facet: sorted(table[facet])[:2]})  # two values: OR
    for first, second in itertools.combinations(FACET_NAMES, 2):
        combinations.append(
            {
                first: rng.sample(sorted(table[first]), min(2, len(table[first]))),
                second: [rng.choice(sorted(table[second]))],
            }
        )
    for chosen in combinations:
        result, counts = expected_answer(world, table, chosen)
        query = ask(chosen)
        assert set(everything(query)) == result, chosen
        assert query.total == len(result), chosen
        assert query.counts(FACET_NAMES) == counts, chosen


def test_page_filters_and_counts_as_the_engine(client, world):
    w = world
    params = {
        "municipality": [w["vaasa"].pk, w["bialystok"].pk, w["kokkola"].pk],
        "material": w["steel"].pk,
    }
    response = client.get(URL, params)
    assert page_names(response) == ["Podlaska Spawalnia Sp. z o.o.", "Vaasan Konepaja Oy"]
    chosen = {
        "municipality": [str(v) for v in params["municipality"]],
        "material": [str(w["steel"].pk)],
    }
    _result, counts = expected_answer(w, facts(w), chosen)
    for name in ("municipality", "material", "capability", "certification", "offers", "size"):
        assert page_counts(response, name) == counts[name], name
    # A certificate counts only while valid, an offer only while published and open.
    response = client.get(URL)
    assert page_counts(response, "certification") == {
        str(w["iso9001"].pk): 2,
        str(w["iso3834"].pk): 1,
    }
    assert page_counts(response, "offers") == {"1": 2}
    assert page_names(client.get(URL, {"offers": "1"})) == ["Laser Nord Ab", "Vaasan Konepaja Oy"]
    # A parent capability includes its children's companies.
    response = client.get(URL, {"capability": w["machining"].pk})
    assert page_names(response) == ["Kokkola Steel Ab", "Vaasan Konepaja Oy"]


# --- 2. Free text --------------------------------------------------------------------------------

TEXT_CASES = [
    ("lase", "ad"),  # a word prefix: d's name, a's capability (Laser cutting)
    ("LASER", "ad"),
    ("aser", ""),  # the middle of a word is not a word start
    ("kok", "cd"),
    ("ko", ""),  # a word of one or two letters matches whole words only …
    ("oy", "a"),  # … so "oy" is not every "oyj"
    ("bialystok", "b"),
    ("BIAŁYSTOK", "b"),
    ("Białys", "b"),
    ("teras", "ab"),  # fi: Ruostumaton teräs
    ("TERÄS", "ab"),
    ("VAASA", "a"),
    ("vasa", "a"),  # sv: Vasa is Vaasa
    ("karleby", "cd"),  # sv: Karleby is Kokkola
    ("österbotten", "acd"),  # sv region
    ("pohjanmaa", "acd"),  # fi region
    ("podlasie", "b"),  # pl region
    ("varvsindustrin", "a"),  # sv description
    ("sarmays", "d"),  # fi description, without accents
    ("bearbetning", "ac"),  # sv: a's capability's parent, c's own
    ("laserskarning", "a"),
    ("ciecie laserowe", "a"),  # pl
    ("pjovimas", "a"),  # lt
    ("spawanie", "bc"),
    ("suvirinimas", "bc"),
    ("koneet", "ad"),  # fi sector name
    ("0737546", "a"),  # business id
    ("iso 3834", "bd"),  # the document names every certificate held
    ("konepaja vaasa", "a"),  # every term must match …
    ("konepaja bialystok", ""),  # … not just one
    ("steel kokkola", "c"),
    ("hidden", ""),  # unpublished
    ("no such thing", ""),
]


def test_free_text_matches_word_starts_in_every_language(world):
    for text, letters in TEXT_CASES:
        assert set(everything(ask(text=text, sort="relevance"))) == ids_of(world, letters), text


def test_free_text_on_the_page_and_combined_with_facets(client, world):
    response = client.get(URL, {"q": "lase"})
    assert response.context["sort"] == "relevance"
    assert page_names(response) == ["Laser Nord Ab", "Vaasan Konepaja Oy"]  # the name match first
    response = client.get(URL, {"q": "steel", "country": "FI"})
    assert page_names(response) == ["Kokkola Steel Ab", "Vaasan Konepaja Oy"]
    # The country facet counts the text's matches without the country filter.
    assert page_counts(response, "country") == {"FI": 2, "PL": 1}
    assert page_counts(response, "material") == {str(world["steel"].pk): 1}


def test_punctuation_only_is_no_text(client, world):
    query = ask(text="?!.,;-_ «»", sort="relevance")
    assert query.terms == [] and query.sort == "name"
    assert everything(query) == name_order(Company.objects.published())
    response = client.get(URL, {"q": "?!.,;-_", "sort": "relevance"})
    assert response.context["total"] == 4
    assert page_names(response) == [
        "Kokkola Steel Ab", "Laser Nord Ab", "Podlaska Spawalnia Sp. z o.o.", "Vaasan Konepaja Oy",
    ]  # fmt: skip


def test_punctuation_only_is_no_text_on_the_page(client, world):
    response = client.get(URL, {"q": "?!.,;-_"})
    assert response.context["total"] == 4
    assert response.context["sort"] == "name"
    assert not response.context["chips"]


@pytest.fixture
def lasers():
    town = factories.municipality(name_en="Kemi", name_fi="Kemi", name_sv="Kemi")
    capability = factories.capability(name_en="Laser cutting", name_fi="Laserleikkaus")
    made = {}
    for name, description in [
        ("Laser Works Oy", "We cut sheet metal."),
        ("Lasertech Ab", ""),
        ("Laser Cutting Nord", ""),
        ("Alpha Laser Ab", ""),
        ("Alpha Laser Ab", ""),  # the same name: by id
        ("Nord Lasers Oy", ""),
        ("Precision Laser Cutting", ""),
        ("Cutting Co", "Laser cutting of steel."),
        ("Beta Oy", ""),
        ("Zulu Oy", "Plastics."),
    ]:
        company = factories.company(name=name, municipality=town, description_en=description)
        made.setdefault(name, []).append(company)
    made["Beta Oy"][0].capabilities.add(capability)
    return made


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "lase",
            [
                # the name starts with the first term
                "Laser Cutting Nord", "Laser Works Oy", "Lasertech Ab",
                # the name holds every term
                "Alpha Laser Ab", "Alpha Laser Ab", "Nord Lasers Oy", "Precision Laser Cutting",
                # the rest of the matches
                "Beta Oy", "Cutting Co",
            ],
        ),
        (
            "laser cut",
            ["Laser Cutting Nord", "Precision Laser Cutting", "Beta Oy", "Cutting Co",
             "Laser Works Oy"],
        ),
        ("nord laser", ["Nord Lasers Oy", "Laser Cutting Nord"]),  # the first term decides
        (
            "cut laser",  # no name starts with "cut" and holds "laser"
            ["Laser Cutting Nord", "Precision Laser Cutting", "Beta Oy", "Cutting Co",
             "Laser Works Oy"],
        ),
    ],
)  # fmt: skip
def test_relevance_order(client, lasers, text, expected):
    query = ask(text=text, sort="relevance")
    ids = everything(query)
    by_pk = {c.pk: c for group in lasers.values() for c in group}
    assert [by_pk[pk].name for pk in ids] == expected
    twins = [c.pk for c in lasers["Alpha Laser Ab"]]
    if "Alpha Laser Ab" in expected:
        assert [pk for pk in ids if pk in twins] == sorted(twins)
    assert page_names(client.get(URL, {"q": text})) == expected
    assert page_names(client.get(URL, {"q": text, "sort": "name"})) == sorted(expected, key=folded)


# --- 3. Sorts, pages and the CSV -----------------------------------------------------------------

PREFIXES = ["Steel", "Ångström", "alpha", "Beta", "Östra", "zeta", "Łódź", "STEEL", "Stål", "beta"]
SUFFIXES = ["Works", "Oy", "Ab", "Steel", "Laser", "Group", "Works"]
DESCRIPTIONS = ["Steel frames.", "Plastic parts.", "Stainless steel tanks.", "Wood.", ""]


@pytest.fixture
def make_crowd(monkeypatch):
    """``make(n, slice_size)``: n companies made in bulk (a few unpublished), names with accents,
    case and repeats, "recently updated" times ``spacing`` apart with ties, then a full rebuild
    that cuts the sort orders into slices of ``slice_size``."""

    def make(n, slice_size=entries.SLICE_SIZE, seed=1, description=None, spacing=DAY):
        monkeypatch.setattr(indexing, "SLICE_SIZE", slice_size)
        rng = random.Random(seed)
        region = factories.region(
            country="FI", name_en="Crowdland", name_fi="Crowdland", name_sv="Crowdland"
        )
        towns = [
            factories.municipality(region=region, name_en=name, name_fi=name, name_sv=name)
            for name in ("Norrby", "Söderby")
        ]
        companies = Company.objects.bulk_create(
            Company(
                name=f"{rng.choice(PREFIXES)} {rng.choice(SUFFIXES)}"
                + (" Nord" if i % 5 == 0 else ""),
                slug=f"crowd-{seed}-{i}",
                country="FI",
                business_id=f"CROWD-{seed}-{i}",
                municipality=towns[1] if i % 3 == 0 else towns[0],
                size_class=rng.choice(SIZES),
                description_en=description or rng.choice(DESCRIPTIONS),
                is_published=i % 11 != 5,
            )
            for i in range(n)
        )
        start = timezone.now() - n * spacing
        stamps = {c.pk: start + rng.randrange(n // 3) * spacing for c in companies}
        Company.objects.filter(pk__in=stamps).update(
            updated_at=Case(*(When(pk=pk, then=Value(when)) for pk, when in stamps.items()))
        )
        indexing.rebuild_all()
        return towns

    return make


def published():
    return list(Company.objects.published())


def text_matches(companies, text):
    """The crowd's companies the text finds (their names and descriptions are all they say)."""
    terms = search_terms(text)

    def found(company):
        document = words(f"{company.name} {company.description_en}")
        return all(any(finds(word, term) for word in document) for term in terms)

    return [c for c in companies if found(c)]


def expected_order(sort, text="", selected=None):
    companies = published()
    if selected:
        for facet, values in selected.items():
            field = {"size": "size_class", "municipality": "municipality_id"}[facet]
            companies = [c for c in companies if str(getattr(c, field)) in values]
    if sort == "relevance":
        return relevance_order(text_matches(companies, text), text)
    if text:
        companies = text_matches(companies, text)
    return name_order(companies) if sort == "name" else updated_order(companies)


def test_every_sort_lists_the_same_on_engine_page_and_csv(client, make_crowd):
    make_crowd(60, slice_size=8)
    by_pk = {c.pk: c for c in published()}
    for params in ({"sort": "name"}, {"sort": "updated"}, {"sort": "relevance", "q": "steel"}):
        expected = expected_order(params["sort"], params.get("q", ""))
        assert len(expected) > 20, params  # more than a page
        query = ask(text=params.get("q", ""), sort=params["sort"])
        assert everything(query) == expected, params
        for start in range(0, len(expected) + 2, 3):
            for size in (1, 5, 20, 100):
                assert query.ids(start, start + size) == expected[start : start + size]
        for per_page in (20, 50, 100):
            seen, pages = [], math.ceil(len(expected) / per_page)
            for number in range(1, pages + 1):
                response = client.get(URL, {**params, "per_page": per_page, "page": number})
                assert response.context["page_obj"].number == number
                assert response.context["per_page"] == per_page
                seen += page_ids(response)
            assert seen == expected, (params, per_page)
        # A page beyond the end is the last page, partial.
        response = client.get(URL, {**params, "page": 99})
        assert response.context["page_obj"].number == math.ceil(len(expected) / 20)
        assert page_ids(response) == expected[(len(expected) - 1) // 20 * 20 :]
        assert 0 < len(page_ids(response)) < 20 or len(expected) % 20 == 0
        rows = read_csv(client.get(URL, {**params, "format": "csv"}))
        assert [row[0] for row in rows[1:]] == [by_pk[pk].name for pk in expected], params
        assert [row[-1] for row in rows[1:]] == [
            "http://testserver" + by_pk[pk].get_absolute_url() for pk in expected
        ]


# --- 4. Pages cut across the slices of the sort orders -------------------------------------------


def check_windows(text="steel", selected=None, step=1):
    """Every window of ids() equals the slice of the full order computed in Python."""
    companies = published()
    n = len(companies)
    cases = [
        ("name", "", None),
        ("updated", "", None),
        ("relevance", text, None),
        ("name", "", selected),
        ("updated", text, selected),
    ]
    for sort, words_, chosen in cases:
        expected = expected_order(sort, words_, chosen)
        query = ask(chosen, words_, sort)
        assert query.total == len(expected), (sort, words_, chosen)
        assert everything(query) == expected, (sort, words_, chosen)
        for start in range(0, n + 2, step):
            for size in (1, 2, 3, 4, 7, n + 5):
                assert query.ids(start, start + size) == expected[start : start + size], (
                    sort, words_, chosen, start, size,
                )  # fmt: skip


def test_pages_cut_across_order_slices(make_crowd):
    towns = make_crowd(25, slice_size=3, seed=2)
    state = DirectoryState.objects.get()
    assert len(state.name_bounds) >= 4 and len(state.updated_bounds) >= 3  # really sliced
    assert len(engine.current().slices[entries.UPDATED_SLICE]) >= 3
    selected = {"size": ["micro", "small"]}
    check_windows(selected=selected)

    # Renamed to the end of the name order (and to the top of "recently updated").
    first = Company.objects.get(pk=expected_order("name")[0])
    first.name = "Zzz Steel Oy"
    first.save()
    check_windows(selected=selected, step=2)
    # Renamed to exactly a slice boundary.
    second = Company.objects.get(pk=expected_order("name")[0])
    second.name = state.name_bounds[1]
    second.save()
    check_windows(selected=selected, step=2)
    # A new company, at the start of the name order.
    factories.company(name="Aaa Steel", municipality=towns[0], size_class="micro")
    check_windows(selected=selected, step=2)
    # One deleted, one unpublished from the middle of the orders.
    middle = expected_order("name")
    Company.objects.get(pk=middle[len(middle) // 2]).delete()
    gone = Company.objects.get(pk=middle[len(middle) // 3])
    gone.is_published = False
    gone.save()
    check_windows(selected=selected, step=2)
    # The boundaries stay until the next full rebuild.
    assert DirectoryState.objects.get().name_bounds == state.name_bounds


def test_a_rebuild_cuts_the_orders_into_even_slices(make_crowd):
    make_crowd(25, slice_size=3, seed=2, spacing=datetime.timedelta(minutes=1))
    state = DirectoryState.objects.get()
    companies = published()
    index = engine.current()
    for order, bounds, value in (
        (entries.NAME_SLICE, state.name_bounds, lambda c: folded(c.name)),
        (entries.UPDATED_SLICE, state.updated_bounds, lambda c: c.updated_at),
    ):
        ties = max(collections.Counter(map(value, companies)).values())
        sizes = [len(part) for part in index.ordered_slices(order)]
        assert sum(sizes) == len(companies)
        assert len(bounds) >= 3 and len([n for n in sizes if n]) >= len(bounds), (order, sizes)
        assert max(sizes) <= 3 + ties, (order, sizes)


# --- 5. Edits show on the next request -----------------------------------------------------------


def test_edits_show_on_the_next_request(client, world):
    w = world
    # A rename: the new name is found, the old one no more.
    w["a"].name = "Botnia Works Oy"
    w["a"].save()
    assert page_names(client.get(URL, {"q": "botnia"})) == ["Botnia Works Oy"]
    assert page_names(client.get(URL, {"q": "konepaja"})) == []
    assert page_names(client.get(URL))[0] == "Botnia Works Oy"

    # Memberships: added, deactivated, deleted.
    east = str(w["east"].pk)
    membership = Membership.objects.create(company=w["c"], cluster=w["east"])
    assert page_counts(client.get(URL), "cluster")[east] == 2
    membership.is_active = False
    membership.save()
    assert page_counts(client.get(URL), "cluster")[east] == 1
    Membership.objects.filter(company=w["b"]).delete()
    assert east not in page_counts(client.get(URL), "cluster")

    # Offers: one published by the moderator opens, one withdrawn closes, one cut short closes.
    pending = CooperationOffer.objects.get(company=w["c"], status="pending")
    pending.status = "published"
    pending.save()
    assert page_names(client.get(URL, {"offers": "1"})) == [
        "Botnia Works Oy", "Kokkola Steel Ab", "Laser Nord Ab",
    ]  # fmt: skip
    offer = CooperationOffer.objects.get(company=w["a"])
    offer.status = "withdrawn"
    offer.save()
    pending.valid_until = timezone.localdate() - DAY
    pending.save()
    assert page_names(client.get(URL, {"offers": "1"})) == ["Laser Nord Ab"]

    # Unpublished and published.
    w["d"].is_published = False
    w["d"].save()
    w["hidden"].is_published = True
    w["hidden"].save()
    response = client.get(URL)
    assert page_names(response) == [
        "Botnia Works Oy", "Hidden Welding Oy", "Kokkola Steel Ab", "Podlaska Spawalnia Sp. z o.o.",
    ]  # fmt: skip
    assert page_counts(response, "offers") == {"1": 1}  # the hidden company's offer
    assert page_counts(response, "size") == {"micro": 1, "small": 2, "medium": 1}

    # Deleted.
    w["b"].delete()
    response = client.get(URL)
    assert response.context["total"] == 3
    assert page_counts(response, "country") == {"FI": 3}
    assert page_names(client.get(URL, {"q": "spawalnia"})) == []


@pytest.fixture
def clock(monkeypatch):
    """``set(day)``: timezone.localdate() answers ``day`` (the engine, the indexing, the pages)."""
    real = timezone.localdate

    def set_day(day):
        def localdate(value=None, timezone=None):
            return day if value is None else real(value, timezone)

        monkeypatch.setattr("django.utils.timezone.localdate", localdate)

    return set_day


def test_validity_moves_at_midnight(client, world, clock):
    w = world
    today = timezone.localdate()
    iso9001, iso3834, iso14001 = (str(w[k].pk) for k in ("iso9001", "iso3834", "iso14001"))
    response = client.get(URL)
    assert page_counts(response, "certification") == {iso9001: 2, iso3834: 1}
    assert page_counts(response, "offers") == {"1": 2}  # a and d (its last day)

    clock(today + DAY)
    # d's certificate and offer ended, b's certificate and c's offer began: three companies.
    assert indexing.advance_day() == 3
    assert indexing.advance_day() == 0  # nothing more is due today
    response = client.get(URL)
    assert page_counts(response, "certification") == {iso9001: 2, iso14001: 1}
    assert page_names(client.get(URL, {"offers": "1"})) == [
        "Kokkola Steel Ab",
        "Vaasan Konepaja Oy",
    ]

    # Without calling advance_day: the first request of the day moves the date.
    clock(today + 301 * DAY)  # a's ISO 9001 ended yesterday
    response = client.get(URL)
    assert DirectoryState.objects.get().valid_on == today + 301 * DAY
    assert page_counts(response, "certification") == {iso9001: 1, iso14001: 1}
    assert page_counts(response, "offers") == {}

    # A clock set back moves them back.
    clock(today)
    response = client.get(URL)
    assert page_counts(response, "certification") == {iso9001: 2, iso3834: 1}
    assert page_counts(response, "offers") == {"1": 2}


# --- 6. Edits cost what they change --------------------------------------------------------------


def test_an_edit_writes_only_what_it_changes(world, monkeypatch):
    w = world
    monkeypatch.setattr(indexing, "SLICE_SIZE", 2)
    indexing.rebuild_all()
    updated_slices = {
        entries.slice_key(entries.UPDATED_SLICE, i)
        for i in range(len(DirectoryState.objects.get().updated_bounds) + 1)
    }
    assert len(updated_slices) == 2  # a and b in the older slice, c and d in the newer

    # The newest company's description: its entry, no bitmap.
    before, bitmaps, index = stored_entries(), stored_bitmaps(), stored_words()
    seq = DirectoryState.objects.get().seq
    w["d"].description_en = "Now waterjet cutting too."
    w["d"].save()
    after = stored_entries()
    assert {pk for pk in after if after[pk] != before.get(pk)} == {w["d"].pk}
    assert set(after) == set(before)
    assert stored_bitmaps() == bitmaps  # not one row rewritten
    assert DirectoryState.objects.get().seq == seq + 1
    # The word index changes for the words the company gained or lost, and only those.
    gained_or_lost = set(before[w["d"].pk][2].split()) ^ set(after[w["d"].pk][2].split())
    assert {"sheet", "parts", "waterjet", "cutting"} <= gained_or_lost
    now = stored_words()
    assert {word for word in index.keys() | now.keys() if index.get(word) != now.get(word)} == (
        gained_or_lost
    )
    assert now["waterjet"] == BitMap([w["d"].pk]) and "sheet" not in now
    assert now["cutting"] == BitMap([w["a"].pk, w["d"].pk])

    # The oldest company's description: its entry and its move between "recently updated" slices.
    before, bitmaps = stored_entries(), stored_bitmaps()
    w["a"].description_en = "Now waterjet cutting too."
    w["a"].save()
    after, rewritten = stored_entries(), stored_bitmaps()
    assert {pk for pk in after if after[pk] != before.get(pk)} == {w["a"].pk}
    changed = {key for key in rewritten if rewritten[key] != bitmaps.get(key)}
    assert changed <= updated_slices
    newest = entries.slice_key(entries.UPDATED_SLICE, len(updated_slices) - 1)
    assert w["a"].pk in rewritten[newest][1]
    assert set(rewritten) == set(bitmaps)

    # A refresh that changes nothing writes nothing, not even the clock.
    seq = DirectoryState.objects.get().seq
    with CaptureQueriesContext(connection) as queries:
        indexing.refresh([w["b"].pk, w["c"].pk])
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "DELETE"))]
    assert not [
        q
        for q in queries
        if q["sql"].lstrip().upper().startswith("UPDATE") and "directory" in q["sql"]
    ]
    assert DirectoryState.objects.get().seq == seq


def test_a_worker_catches_up_with_a_delta(world):
    w = world
    index = engine.current()
    held = dict(index.bitmaps)
    seq = index.seq
    with CaptureQueriesContext(connection) as queries:
        assert engine.current() is index
    assert len(queries) == 1  # nothing changed: the clock only

    Membership.objects.create(company=w["c"], cluster=w["east"])
    key = entries.facet_key("cluster", w["east"].pk)
    assert DirectoryBitmap.objects.filter(seq__gt=seq).count() == 1
    with CaptureQueriesContext(connection) as queries:
        engine.current()
    assert len(queries) == 2  # the clock, then the rows written since
    assert f"> {seq}" in queries[1]["sql"].replace('"', "")
    assert index.seq == DirectoryState.objects.get().seq
    assert index.bitmaps[key] == BitMap([w["b"].pk, w["c"].pk])
    assert {k for k, bitmap in index.bitmaps.items() if bitmap is not held.get(k)} == {key}
    assert ask({"cluster": [str(w["east"].pk)]}).total == 2


# --- 7. Full rebuilds ----------------------------------------------------------------------------


def row_versions():
    """PostgreSQL: each entry row's physical version (changes on any write)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT company_id, ctid::text FROM companies_directoryentry")
        return dict(cursor.fetchall())


def nonempty_bitmaps(ignore_slices=False):
    return {
        key: bitmap
        for key, (_seq, bitmap) in stored_bitmaps().items()
        if bitmap and not (ignore_slices and is_slice(key))
    }


def test_incremental_edits_equal_a_full_rebuild(world):
    w = world
    today = timezone.localdate()
    # Edits of every kind, each through the signals.
    w["b"].name = "Podlaska Spawalnia S.A."
    w["b"].save()
    Membership.objects.create(company=w["c"], cluster=w["east"])
    Membership.objects.filter(company=w["a"]).update(is_active=False)  # no signal …
    indexing.refresh([w["a"].pk])  # … so refreshed by hand, as bulk writes must
    w["d"].capabilities.add(w["laser"])
    w["c"].capabilities.remove(w["welding"])
    w["metal"].companies.add(w["d"])
    w["machinery"].companies.clear()
    w["aluminium"].companies.remove(w["b"])
    factories.certificate(w["d"], w["iso9001"], valid_until=None)
    renewed = CompanyCertificate.objects.get(company=w["b"], certification=w["iso3834"])
    renewed.valid_until = today + 100 * DAY
    renewed.save()
    pending = CooperationOffer.objects.get(company=w["c"], status="pending")
    pending.status = "published"
    pending.save()
    moved = CooperationOffer.objects.get(company=w["a"])
    moved.company = w["b"]
    moved.save()
    w["hidden"].is_published = True
    w["hidden"].save()
    w["welding"].name_fi = "Hitsaustyöt"
    w["welding"].save()
    w["welding"].parent = w["machining"]
    w["welding"].save()
    w["kokkola"].name_sv = "Gamlakarleby"
    w["kokkola"].save()
    w["ostrobothnia"].name_en = "Ostrobotnia"
    w["ostrobothnia"].save()
    w["steel"].name_fi = "RST-teräs"
    w["steel"].save()
    w["iso9001"].code = "ISO 9001-2015"
    w["iso9001"].save()
    e = factories.company(name="Ängelholm Metall AB", business_id="E-1", municipality=w["vaasa"])
    e.languages.add(w["fi"])
    w["d"].delete()

    # What the edits mean.
    pks = {k: w[k].pk for k in ("a", "b", "c", "hidden")}
    # Welding is below machining now.
    assert set(everything(ask({"capability": [str(w["machining"].pk)]}))) == set(pks.values())
    assert set(everything(ask(text="hitsaustyot gamlakarleby"))) == set()
    assert set(everything(ask(text="hitsaustyot"))) == {pks["b"], pks["hidden"]}
    assert set(everything(ask(text="rst ostrobotnia"))) == {pks["a"]}
    assert set(everything(ask(text="2015"))) == {pks["a"], pks["c"], pks["hidden"]}
    assert set(everything(ask({"offers": ["1"]}))) == {pks["b"], pks["c"], pks["hidden"]}
    assert set(everything(ask({"cluster": [str(w["north"].pk)]}))) == {pks["hidden"]}
    assert ask({"certification": [str(w["iso3834"].pk)]}).total == 1

    before, bitmaps, versions = stored_entries(), nonempty_bitmaps(), row_versions()
    index = stored_words()
    with CaptureQueriesContext(connection) as queries:
        assert indexing.rebuild_all() == 5
    writes = [
        q["sql"]
        for q in queries
        if "companies_directoryentry" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert row_versions() == versions  # not one entry row rewritten (PostgreSQL)
    assert stored_entries() == before
    assert nonempty_bitmaps() == bitmaps
    assert stored_words() == index


def test_rebuild_after_writes_that_bypass_signals(world, monkeypatch):
    w = world
    bitmaps = nonempty_bitmaps(ignore_slices=True)
    Company.objects.filter(pk=w["c"].pk).update(name="Renamed Quietly Ab")  # no signal
    monkeypatch.setattr(indexing, "SLICE_SIZE", 2)
    indexing.rebuild_all()
    assert nonempty_bitmaps(ignore_slices=True) == bitmaps  # the facets did not change
    assert stored_entries()[w["c"].pk][0] == "renamed quietly ab"
    assert everything(ask(sort="name")) == name_order(published())
    # After the rebuild, an edit goes back through the signals and the new slices.
    w["b"].name = "Aaa First"
    w["b"].save()
    assert everything(ask(sort="name")) == name_order(published())
    assert everything(ask(sort="updated")) == updated_order(published())


# --- 8. Query counts -----------------------------------------------------------------------------


def count_queries(client, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(queries), response


def test_query_count_does_not_depend_on_the_page_size(client, make_crowd):
    towns = make_crowd(180, slice_size=16)
    client.get(URL)  # a worker's first request loads the bitmaps and the vocabulary
    filters = {"size": ["micro", "small", "medium"], "municipality": [towns[0].pk, towns[1].pk]}
    # "crowd" is in every business id and no name: one relevance group.
    for sort in ("name", "updated", "relevance"):
        params = {**filters, "q": "crowd", "sort": sort}
        counts = {}
        for per_page in (20, 50, 100):
            counts[per_page], response = count_queries(client, {**params, "per_page": per_page})
            assert len(response.context["companies"]) == per_page
        counts["last"], response = count_queries(client, {**params, "page": 99})
        assert response.context["page_obj"].number > 5
        assert len(set(counts.values())) == 1, (sort, counts)
        assert counts[20] <= 8, (sort, counts)


def test_query_count_does_not_depend_on_the_page_size_in_relevance_order(client, make_crowd):
    towns = make_crowd(180, slice_size=16, description="Steel sheet.")
    client.get(URL)
    params = {"q": "steel", "municipality": [towns[0].pk, towns[1].pk]}
    query = ask({"municipality": [str(town.pk) for town in towns]}, "steel", "relevance")
    named = query.result & query.in_name
    assert len(named & query.name_first) >= 20  # page 1 of 20 lies in the first group …
    assert len(named) < 100 < query.total  # … a page of 100 reaches all three
    counts = {}
    for per_page in (20, 50, 100):
        counts[per_page], response = count_queries(client, {**params, "per_page": per_page})
        assert len(response.context["companies"]) == per_page
    assert len(set(counts.values())) == 1, counts


# --- 9. Hostile input ----------------------------------------------------------------------------


def test_hostile_input_is_cleaned_never_an_error(client, world):
    w = world
    everyone = [
        "Kokkola Steel Ab", "Laser Nord Ab", "Podlaska Spawalnia Sp. z o.o.", "Vaasan Konepaja Oy",
    ]  # fmt: skip
    cases = [
        ({"page": "-1"}, everyone),
        ({"page": "abc"}, everyone),
        ({"page": "9" * 40}, everyone),
        ({"per_page": "10000"}, everyone),
        ({"per_page": "1", "page": "3"}, everyone),
        ({"q": "vaa\x00sa"}, ["Vaasan Konepaja Oy"]),
        ({"q": "\x00\x00"}, everyone),
        ({"q": "vaasa     " * 1000}, ["Vaasan Konepaja Oy"]),  # 10 kB, cut to 200 characters
        ({"q": "%_\\'\" OR 1=1 --"}, []),
        ({"cluster": ["999999", "abc", str(w["north"].pk)]}, ["Vaasan Konepaja Oy"]),
        ({"municipality": "999999", "country": "XX", "size": "giant", "offers": "yes"}, everyone),
        ({"capability": "x" * 5000}, everyone),
        ({"sort": "nonsense"}, everyone),
        ({"sort": "relevance"}, everyone),
        ({"q": "steel", "sort": "'; DROP TABLE companies_company; --"}, ["Kokkola Steel Ab",
         "Podlaska Spawalnia Sp. z o.o.", "Vaasan Konepaja Oy"]),
    ]  # fmt: skip
    for params, expected in cases:
        response = client.get(URL, params)
        assert response.status_code == 200, params
        assert page_names(response) == expected, params
        assert response.context["per_page"] == 20
        assert "\x00" not in response.content.decode()
        rows = read_csv(client.get(URL, {**params, "format": "csv"}))
        assert [row[0] for row in rows[1:]] == expected, params
    response = client.get(URL, {"q": "vaasa     " * 1000})
    assert response.context["q_shortened"]
    response = client.get(URL, {"cluster": ["999999", "abc"]})
    assert [str(label) for label in response.context["ignored"]] == ["Cluster"]
    assert response.context["total"] == 4


# --- Found while writing these tests -------------------------------------------------------------


def test_a_certificate_moved_to_another_company(world):
    w = world
    certificate = CompanyCertificate.objects.get(company=w["a"], certification=w["iso9001"])
    certificate.company = w["d"]
    certificate.save()
    assert set(everything(ask({"certification": [str(w["iso9001"].pk)]}))) == {
        w["c"].pk, w["d"].pk,
    }  # fmt: skip


def test_a_membership_moved_to_another_company(world):
    w = world
    membership = Membership.objects.get(company=w["b"], cluster=w["east"])
    membership.company = w["d"]
    membership.save()
    assert set(everything(ask({"cluster": [str(w["east"].pk)]}))) == {w["d"].pk}


def test_a_deleted_material_leaves_the_documents(world):
    w = world
    key = entries.facet_key("material", w["aluminium"].pk)
    assert key in nonempty_bitmaps()
    w["aluminium"].delete()
    assert everything(ask(text="alumiini")) == []
    assert key not in nonempty_bitmaps()


def test_a_long_word_is_found_typed_in_full():
    word = "Rakennuspeltiseppa" * 7  # 126 letters
    company = factories.company(name=f"{word} Oy")
    assert everything(ask(text=word[:60])) == [company.pk]
    assert everything(ask(text=word)) == [company.pk]
