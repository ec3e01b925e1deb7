"""The directory engine (companies/engine.py) as the directory page, its CSV and the engine's
callers see it.

The suite runs on SQLite and on PostgreSQL (``DATABASE_URL=postgres://…``); nothing here names a
backend, so both must give the same answers: every facet filter, facets combined, disjunctive
counts, free text in every language, relevance, every sort order and page, the CSV export, slices
of the sort orders, query counts and hostile input.
"""

import collections
import datetime
import itertools
import math
import random

import pytest
from django.db import connection
from django.db.models import Case, Value, When
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from companies import engine, entries, indexing
from companies.filters import FACET_NAMES
from companies.models import (
    Company,
    DirectoryState,
)
from companies.text import search_terms, words
from tests import factories
from tests.companies.engine_world import (
    DAY,
    SIZES,
    URL,
    ask,
    build_world,
    everything,
    expected_answer,
    facts,
    finds,
    folded,
    ids_of,
    name_order,
    page_counts,
    page_ids,
    page_names,
    published,
    read_csv,
    relevance_order,
    updated_order,
)

pytestmark = pytest.mark.django_db

world = pytest.fixture(build_world)


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
