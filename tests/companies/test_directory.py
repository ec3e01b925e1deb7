"""The company directory: filters, facet counts, search in every language, sorting, pagination,
nonsense input, CSV export and query counts."""

import copy
import csv
import datetime
import io

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from clusters.models import ModerationStatus
from companies import indexing
from companies.models import Company
from tests import factories
from tests.shared import SharedData, shared_data

pytestmark = pytest.mark.django_db

URL = "/en/companies/"


def names(response):
    return [company.name for company in response.context["companies"]]


def facet(response, name):
    for item in response.context["facets"]:
        if item.name == name:
            return {option.label: option.count for option in item.options}
    return {}


def make_world():
    """Three published companies in two countries and one unpublished, classified in five languages."""
    ostrobothnia = factories.region(
        country="FI", name_en="Ostrobothnia", name_fi="Pohjanmaa", name_sv="Österbotten"
    )
    podlaskie = factories.region(
        country="PL", name_en="Podlaskie Voivodeship", name_pl="Województwo podlaskie"
    )
    vaasa = factories.municipality(
        region=ostrobothnia, name_en="Vaasa", name_fi="Vaasa", name_sv="Vasa"
    )
    kokkola = factories.municipality(
        region=ostrobothnia, name_en="Kokkola", name_fi="Kokkola", name_sv="Karleby"
    )
    bialystok = factories.municipality(
        region=podlaskie, name_en="Białystok", name_pl="Białystok", name_fi="Białystok"
    )

    machining = factories.capability(
        name_en="Machining",
        name_fi="Koneistus",
        name_sv="Bearbetning",
        name_pl="Obróbka skrawaniem",
        name_lt="Apdirbimas",
    )
    turning = factories.capability(
        parent=machining,
        name_en="CNC turning",
        name_fi="CNC-sorvaus",
        name_sv="CNC-svarvning",
        name_pl="Toczenie CNC",
        name_lt="CNC tekinimas",
    )
    welding = factories.capability(
        name_en="Welding",
        name_fi="Hitsaus",
        name_sv="Svetsning",
        name_pl="Spawanie",
        name_lt="Suvirinimas",
    )
    steel = factories.material(
        name_en="Stainless steel", name_fi="Ruostumaton teräs", name_pl="Stal nierdzewna"
    )
    aluminium = factories.material(name_en="Aluminium", name_fi="Alumiini")
    iso9001 = factories.certification(code="ISO 9001", name_en="Quality management")
    iso3834 = factories.certification(code="ISO 3834", name_en="Welding quality")
    metal = factories.sector(
        nace_code="25", name_en="Fabricated metal products", name_fi="Metallituotteet"
    )
    machinery = factories.sector(nace_code="28", name_en="Machinery", name_fi="Koneet")
    finnish, polish, swedish = (factories.spoken_language(code) for code in ("fi", "pl", "sv"))
    cluster = factories.cluster(
        name_en="Ostrobothnia Metal Cluster", name_fi="Pohjanmaan metalliklusteri"
    )
    other_cluster = factories.cluster(name_en="Podlaskie Metal Cluster")

    today = timezone.localdate()
    a = factories.company(
        name="Vaasan Konepaja Oy",
        municipality=vaasa,
        size_class=Company.SizeClass.SMALL,
        clusters=[cluster],
    )
    a.capabilities.add(turning)
    a.materials.add(steel)
    a.sectors.add(machinery)
    a.languages.add(finnish, swedish)
    factories.certificate(a, iso9001, valid_until=today + datetime.timedelta(days=300))
    factories.offer(company=a)

    b = factories.company(
        name="Podlaska Spawalnia Sp. z o.o.",
        municipality=bialystok,
        size_class=Company.SizeClass.MEDIUM,
        clusters=[other_cluster],
    )
    b.capabilities.add(welding)
    b.materials.add(steel, aluminium)
    b.sectors.add(metal)
    b.languages.add(polish)
    factories.certificate(
        b,
        iso3834,
        valid_from=today - datetime.timedelta(days=900),
        valid_until=today - datetime.timedelta(days=1),
    )

    c = factories.company(
        name="Kokkola Steel Ab", municipality=kokkola, size_class=Company.SizeClass.MICRO
    )
    c.capabilities.add(machining, welding)
    c.sectors.add(metal)
    c.languages.add(swedish)
    factories.certificate(c, iso9001, valid_until=None)
    factories.offer(company=c, status=ModerationStatus.PENDING)

    hidden = factories.company(name="Hidden Welding Oy", municipality=vaasa, is_published=False)
    hidden.capabilities.add(welding)

    return {
        "a": a, "b": b, "c": c, "hidden": hidden,
        "vaasa": vaasa, "kokkola": kokkola, "bialystok": bialystok,
        "ostrobothnia": ostrobothnia, "podlaskie": podlaskie,
        "machining": machining, "turning": turning, "welding": welding,
        "steel": steel, "aluminium": aluminium, "iso9001": iso9001, "iso3834": iso3834,
        "metal": metal, "machinery": machinery, "finnish": finnish, "polish": polish, "swedish": swedish,
        "cluster": cluster, "other_cluster": other_cluster,
    }  # fmt: skip


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """Built once per module (and xdist worker) for every test here (tests/shared.py)."""
    with SharedData(django_db_blocker, make_world) as shared:
        yield shared


@pytest.fixture
def world(shared_world):
    return copy.deepcopy(shared_world.data)


def test_url_is_fixed():
    assert reverse("companies:list") == URL
    assert reverse("companies:export") == URL + "export.csv"


def test_lists_published_companies_by_name(client, world):
    response = client.get(URL)
    assert response.status_code == 200
    assert names(response) == [
        "Kokkola Steel Ab",
        "Podlaska Spawalnia Sp. z o.o.",
        "Vaasan Konepaja Oy",
    ]
    assert response.context["total"] == 3
    assert b"Hidden Welding" not in response.content


@pytest.mark.parametrize(
    ("param", "key", "expected"),
    [
        ("cluster", "cluster", ["a"]),
        ("capability", "machining", ["a", "c"]),  # a parent includes its children
        ("capability", "turning", ["a"]),
        ("capability", "welding", ["b", "c"]),
        ("material", "aluminium", ["b"]),
        ("material", "steel", ["a", "b"]),
        ("certification", "iso9001", ["a", "c"]),
        ("certification", "iso3834", []),  # expired yesterday
        ("sector", "metal", ["b", "c"]),
        ("region", "podlaskie", ["b"]),
        ("municipality", "kokkola", ["c"]),
        ("language", "swedish", ["a", "c"]),
    ],
)
def test_each_facet_filter(client, world, param, key, expected):
    response = client.get(URL, {param: world[key].pk})
    assert sorted(names(response)) == sorted(world[k].name for k in expected)


def test_country_size_and_offers_filters(client, world):
    assert names(client.get(URL, {"country": "PL"})) == [world["b"].name]
    assert names(client.get(URL, {"size": "micro"})) == [world["c"].name]
    # Only a published offer inside its validity counts (c's offer waits for moderation).
    assert names(client.get(URL, {"offers": "1"})) == [world["a"].name]


def test_values_of_one_facet_are_alternatives_and_facets_combine(client, world):
    response = client.get(URL, {"municipality": [world["vaasa"].pk, world["bialystok"].pk]})
    assert sorted(names(response)) == sorted([world["a"].name, world["b"].name])
    response = client.get(
        URL,
        {
            "municipality": [world["vaasa"].pk, world["bialystok"].pk],
            "material": world["aluminium"].pk,
        },
    )
    assert names(response) == [world["b"].name]


def test_facet_counts_are_disjunctive(client, world):
    response = client.get(URL, {"capability": world["machining"].pk})
    # The capability facet counts over the result without its own filter …
    assert facet(response, "capability") == {"Machining": 2, "CNC turning": 1, "Welding": 2}
    # … the others over the filtered result (a and c, both in Finland).
    assert facet(response, "country") == {"Finland": 2}
    assert facet(response, "municipality") == {"Vaasa": 1, "Kokkola": 1}
    assert facet(response, "certification") == {"ISO 9001 – Quality management": 2}
    assert facet(response, "size") == {
        "Micro (fewer than 10 employees)": 1,
        "Small (10–49 employees)": 1,
    }
    assert facet(response, "offers") == {"Has open cooperation offers": 1}
    assert facet(response, "language") == {"SV": 2, "FI": 1}


def test_facet_counts_without_filters_and_hidden_zeroes(client, world):
    response = client.get(URL)
    assert facet(response, "cluster") == {
        "Ostrobothnia Metal Cluster": 1,
        "Podlaskie Metal Cluster": 1,
    }
    assert facet(response, "material") == {"Stainless steel": 2, "Aluminium": 1}
    # An expired certificate is not counted; a value without companies is not offered.
    assert facet(response, "certification") == {"ISO 9001 – Quality management": 2}
    assert facet(response, "region") == {"Ostrobothnia": 2, "Podlaskie Voivodeship": 1}
    assert response.context["total"] == 3


def test_selected_value_with_zero_count_stays_visible(client, world):
    response = client.get(URL, {"certification": world["iso3834"].pk})
    assert response.context["total"] == 0
    options = {
        o.label: o
        for f in response.context["facets"]
        if f.name == "certification"
        for o in f.options
    }
    assert options["ISO 3834 – Welding quality"].selected
    assert options["ISO 3834 – Welding quality"].count == 0


def test_facet_labels_follow_the_active_language(client, world):
    response = client.get(reverse_in("fi"), {"capability": world["machining"].pk})
    labels = facet(response, "capability")
    assert "Koneistus" in labels and "CNC-sorvaus" in labels
    # Polish has no name for aluminium: the fallback chain (pl → en) fills it.
    assert "Aluminium" in facet(client.get(reverse_in("pl")), "material")
    assert "Stal nierdzewna" in facet(client.get(reverse_in("pl")), "material")


def reverse_in(language):
    from django.utils import translation

    with translation.override(language):
        return reverse("companies:list")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("bialystok", ["b"]),
        ("BIAŁYSTOK", ["b"]),
        ("vasa", ["a"]),  # the Swedish name of Vaasa
        ("vaasa", ["a"]),
        ("karleby", ["c"]),
        ("koneistus", ["a", "c"]),  # fi: the parent's name finds the child's companies too
        ("bearbetning", ["a", "c"]),  # sv
        ("obrobka skrawaniem", ["a", "c"]),  # pl, without accents
        ("Obróbka", ["a", "c"]),
        ("apdirbimas", ["a", "c"]),  # lt
        ("hitsaus", ["b", "c"]),
        ("svetsning", ["b", "c"]),
        ("spawanie", ["b", "c"]),
        ("suvirinimas", ["b", "c"]),
        ("ruostumaton teräs", ["a", "b"]),
        ("ISO 3834", ["b"]),  # the search reads the document, which names every certificate held
        ("spawalnia", ["b"]),
        ("konepaja vaasa", ["a"]),  # every term must match
        ("konepaja białystok", []),
        ("no such thing", []),
    ],
)
def test_search_in_every_language(client, world, query, expected):
    response = client.get(URL, {"q": query})
    assert sorted(names(response)) == sorted(world[k].name for k in expected)


def test_search_document_follows_changes(client, world):
    world["welding"].name_fi = "Hitsaustyöt"
    world["welding"].save()
    assert sorted(names(client.get(URL, {"q": "hitsaustyot"}))) == sorted(
        [world["b"].name, world["c"].name]
    )
    world["a"].capabilities.add(world["welding"])
    assert world["a"].name in names(client.get(URL, {"q": "hitsaustyot"}))
    world["a"].capabilities.remove(world["welding"], world["turning"])
    assert world["a"].name not in names(client.get(URL, {"q": "sorvaus"}))
    world["c"].name = "Zyxwå Stål Ab"
    world["c"].save()
    assert names(client.get(URL, {"q": "zyxwa stal"})) == ["Zyxwå Stål Ab"]


def test_search_combines_with_facets(client, world):
    response = client.get(URL, {"q": "welding", "country": "FI"})
    assert names(response) == [world["c"].name]
    assert facet(response, "country") == {"Finland": 1, "Poland": 1}


def test_sorting(client, world):
    Company.objects.filter(pk=world["b"].pk).update(
        updated_at=timezone.now() + datetime.timedelta(hours=1)
    )
    indexing.refresh([world["b"].pk])  # QuerySet.update bypasses the signals
    assert names(client.get(URL, {"sort": "updated"}))[0] == world["b"].name
    assert names(client.get(URL, {"sort": "name"}))[0] == world["c"].name
    # Relevance needs a query; without one it falls back to the name.
    response = client.get(URL, {"sort": "relevance"})
    assert response.context["sort"] == "name"
    response = client.get(URL, {"q": "steel"})
    assert response.context["sort"] == "relevance"


def make_many():
    town = factories.municipality(name_en="Seinäjoki")
    return [factories.company(name=f"Firm {n:03d}", municipality=town) for n in range(45)]


class TestPagination:
    """45 companies (and no world) built once for the class (tests/shared.py)."""

    @pytest.fixture(scope="class")
    @classmethod
    def shared_many(cls, shared_world, django_db_blocker):
        with shared_world.suspended(), shared_data(django_db_blocker, make_many) as companies:
            yield companies

    @pytest.fixture
    def many(self, shared_many):
        return copy.deepcopy(shared_many)

    @pytest.mark.parametrize(
        ("params", "page", "count", "first"),
        [
            ({}, 1, 20, "Firm 000"),
            ({"page": "2"}, 2, 20, "Firm 020"),
            ({"page": "3"}, 3, 5, "Firm 040"),
            ({"page": "999999"}, 3, 5, "Firm 040"),
            ({"page": "-1"}, 1, 20, "Firm 000"),
            ({"page": "0"}, 1, 20, "Firm 000"),
            ({"page": "abc"}, 1, 20, "Firm 000"),
            ({"page": "1e3"}, 1, 20, "Firm 000"),
            ({"page": ""}, 1, 20, "Firm 000"),
            ({"per_page": "50"}, 1, 45, "Firm 000"),
            ({"per_page": "100"}, 1, 45, "Firm 000"),
            ({"per_page": "7"}, 1, 20, "Firm 000"),
            ({"per_page": "-5"}, 1, 20, "Firm 000"),
            ({"per_page": "1000000"}, 1, 20, "Firm 000"),
        ],
    )
    def test_pagination_edges(self, client, many, params, page, count, first):
        response = client.get(URL, params)
        assert response.status_code == 200
        assert response.context["page_obj"].number == page
        assert len(names(response)) == count
        assert names(response)[0] == first
        assert response.context["total"] == 45

    def test_links_keep_the_state(self, client, many):
        cluster = factories.cluster()
        for company in many[:30]:
            factories.Membership.objects.create(company=company, cluster=cluster)
        response = client.get(URL, {"cluster": cluster.pk, "sort": "updated", "q": "firm"})
        assert response.context["total"] == 30
        pages = BeautifulSoup(response.content, "html.parser").find(
            "nav", attrs={"aria-label": "Pages"}
        )
        assert pages.select_one("[aria-current=page]").get_text() == "Page 1"
        next_url = pages.find("a", rel="next")["href"]
        assert (
            f"cluster={cluster.pk}" in next_url
            and "sort=updated" in next_url
            and "q=firm" in next_url
        )
        assert "page=2" in next_url
        chips = response.context["chips"]
        removing_cluster = next(chip for chip in chips if chip.label == "Cluster")
        assert "cluster=" not in removing_cluster.url and "q=firm" in removing_cluster.url
        assert f'name="cluster" value="{cluster.pk}" checked' in response.content.decode()
        # The CSV link carries the filters too.
        assert f"cluster={cluster.pk}" in response.context["csv_url"]


@pytest.mark.parametrize(
    "params",
    [
        {"cluster": "abc"},
        {"cluster": "999999"},
        {"cluster": ["abc", "-1", "1.5", ""]},
        {"capability": "x" * 5000},
        {"country": "XX"},
        {"size": "giant"},
        {"offers": "yes"},
        {"q": "x" * 10_000},
        {"q": "weld\x00ing"},
        {"q": "\x00\x00"},
        {"page": "\x00"},
        {"sort": "'; DROP TABLE companies_company; --"},
        {"per_page": "abc"},
        {"q": ["a", "b"], "page": ["1", "2"]},
        {"municipality": [str(n) for n in range(500)]},
        {"q": "%_\\'\""},
        {"unknown": "value"},
    ],
)
def test_nonsense_is_ignored_never_an_error(client, world, params):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert "\x00" not in response.content.decode()
    csv_response = client.get(reverse("companies:export"), params)
    assert csv_response.status_code == 200
    b"".join(csv_response.streaming_content)


def test_unknown_filter_values_are_reported(client, world):
    response = client.get(URL, {"cluster": ["abc", str(world["cluster"].pk)]})
    # The valid value still applies; the other is reported.
    assert names(response) == [world["a"].name]
    assert "Cluster" in response.context["ignored"]
    assert "not recognised" in response.content.decode()


def test_long_query_is_shortened_and_said(client, world):
    response = client.get(URL, {"q": "vaasa " + "x" * 10_000})
    assert response.context["q_shortened"]
    assert len(response.context["filter"].text) <= 200
    assert "shortened" in response.content.decode()


def test_unpublished_company_is_never_counted(client, world):
    response = client.get(URL, {"capability": world["welding"].pk})
    assert response.context["total"] == 2
    assert facet(response, "capability")["Welding"] == 2


def read_csv(response):
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_export_of_the_filtered_result(client, world):
    world["a"].email = "sales@konepaja.example.org"
    world["a"].website = "https://konepaja.example.org"
    world["a"].save()
    response = client.get(reverse("companies:export"), {"capability": world["machining"].pk})
    assert 'filename="companies.csv"' in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == [
        "Name", "Business ID", "Town", "Country", "Website", "Capabilities",
        "Valid certifications", "Clusters", "Profile",
    ]  # fmt: skip
    body = {row[0]: row for row in rows[1:]}
    assert set(body) == {world["a"].name, world["c"].name}
    a = body[world["a"].name]
    assert a[2] == "Vaasa" and a[3] == "Finland" and a[4] == "https://konepaja.example.org"
    assert a[5] == "CNC turning" and a[6] == "ISO 9001" and a[7] == "Ostrobothnia Metal Cluster"
    assert a[8] == "http://testserver" + world["a"].get_absolute_url()
    assert "sales@konepaja.example.org" not in "".join(",".join(row) for row in rows)


def test_csv_export_by_format_parameter_and_in_finnish(client, world):
    response = client.get(reverse_in("fi"), {"format": "csv", "municipality": world["kokkola"].pk})
    rows = read_csv(response)
    assert [row[0] for row in rows[1:]] == [world["c"].name]
    # The capabilities' order in the cell is not defined (it differed between runs on PostgreSQL).
    assert sorted(rows[1][5].split("; ")) == ["Hitsaus", "Koneistus"]


def test_csv_cells_cannot_start_a_formula(client, world):
    factories.company(
        name='=HYPERLINK("http://evil.example","x")', municipality=world["vaasa"], website=""
    )
    factories.company(name="+cmd", municipality=world["vaasa"], business_id="@SUM(1)")
    rows = read_csv(client.get(reverse("companies:export")))
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    assert "'+cmd" in cells and "'@SUM(1)" in cells
    assert not any(cell[:1] in {"=", "+", "-", "@"} for cell in cells)


def test_csv_export_is_capped(client, world, monkeypatch):
    monkeypatch.setattr("companies.exports.CSV_MAX_ROWS", 2)
    rows = read_csv(client.get(reverse("companies:export")))
    assert len(rows) == 1 + 2


def make_crowd(world):
    """60 more companies, each with capabilities, materials, certificates and a cluster."""
    companies = []
    for n in range(60):
        company = factories.company(
            name=f"Crowd {n:02d} Oy",
            municipality=world["vaasa"] if n % 2 else world["kokkola"],
            clusters=[world["cluster"]],
        )
        company.capabilities.add(world["turning"], world["welding"])
        company.materials.add(world["steel"])
        company.sectors.add(world["metal"])
        company.languages.add(world["finnish"])
        factories.certificate(company, world["iso9001"])
        companies.append(company)
    return companies


class TestQueryCounts:
    """The crowd, built on the module's world once for the class (tests/shared.py)."""

    @pytest.fixture(scope="class")
    @classmethod
    def crowd(cls, shared_world, django_db_blocker):
        with shared_data(django_db_blocker, lambda: make_crowd(shared_world.data)) as companies:
            yield companies

    @pytest.mark.parametrize("per_page", ["20", "100"])
    def test_query_count_is_small_and_constant(
        self, client, crowd, world, django_assert_max_num_queries, per_page
    ):
        params = {
            "per_page": per_page,
            "q": "oy",
            "capability": world["machining"].pk,
            "municipality": [world["vaasa"].pk, world["kokkola"].pk],
            "certification": world["iso9001"].pk,
            "offers": "",
        }
        client.get(URL)  # a worker's first request loads the engine's bitmaps
        with django_assert_max_num_queries(15):
            response = client.get(URL, params)
        assert len(names(response)) == (20 if per_page == "20" else 61)
        with django_assert_max_num_queries(15):
            client.get(URL, {"per_page": per_page})

    def test_query_count_does_not_grow_with_the_page(self, client, crowd, world):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.get(URL)  # a worker's first request loads the engine's bitmaps
        counts = []
        for per_page in ("20", "50", "100"):
            with CaptureQueriesContext(connection) as queries:
                client.get(URL, {"per_page": per_page, "country": "FI"})
            counts.append(len(queries))
        assert len(set(counts)) == 1, counts


def test_page_works_without_javascript(client, world):
    html = client.get(URL, {"cluster": world["cluster"].pk}).content.decode()
    assert '<form class="directory" method="get"' in html
    assert "<fieldset>" in html and "<legend" in html
    assert 'type="submit"' in html
    assert 'for="directory-q"' in html and 'id="directory-q"' in html
    assert 'for="directory-sort"' in html


def test_directory_in_every_language(client, world):
    for language in ("en", "sv", "fi", "pl", "lt"):
        response = client.get(reverse_in(language))
        assert response.status_code == 200
        assert f'<html lang="{language}"' in response.content.decode()
        assert response.context["total"] == 3
