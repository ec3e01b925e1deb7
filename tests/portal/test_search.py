"""Site search over companies, clusters, projects, events and news in every language."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import translation

from portal.search import clean_query, site_search
from tests import factories

pytestmark = pytest.mark.django_db


def search_url(language="en"):
    with translation.override(language):
        return reverse("portal:search")


def groups(response):
    page = BeautifulSoup(response.content, "html.parser")
    return {
        section["id"].removeprefix("results-"): [a.get_text() for a in section.select("li > a")]
        for section in page.select("section.result-group")
    }


@pytest.fixture
def content():
    bialystok = factories.municipality(country="PL", name_en="Białystok", name_pl="Białystok")
    vaasa = factories.municipality(country="FI", name_en="Vaasa", name_fi="Vaasa", name_sv="Vasa")
    factories.company(
        name="Podlaskie Stal Sp. z o.o.", municipality=bialystok, description_en="Welding."
    )
    factories.company(
        name="Botnia Laser Oy",
        municipality=vaasa,
        description_en="Laser cutting of stainless steel.",
    )
    factories.company(name="Hidden Laser Oy", municipality=vaasa, is_published=False)
    factories.cluster(name_en="Wood cluster", name_sv="Träklustret", name_fi="Puuklusteri")
    factories.cluster(name_sv="Skogsklustret", name_en="", name_fi="")  # Swedish only
    factories.project(
        name_en="Cleantech Kvarken", summary_pl="Współpraca firm z branży czystych technologii"
    )
    factories.event(title_en="Matchmaking day", title_lt="Verslo susitikimai", municipality=vaasa)
    factories.news(title_en="Laser cutting capacity available", body_en="Free capacity.")
    factories.news(title_en="Hidden laser news", is_published=False)


@pytest.mark.parametrize(
    ("language", "query", "expected"),
    [
        (
            "en",
            "laser",
            {"companies": ["Botnia Laser Oy"], "news": ["Laser cutting capacity available"]},
        ),
        ("pl", "bialystok", {"companies": ["Podlaskie Stal Sp. z o.o."]}),  # accent-free
        ("en", "BIAŁYSTOK", {"companies": ["Podlaskie Stal Sp. z o.o."]}),
        (
            "sv",
            "vasa",
            {"companies": ["Botnia Laser Oy"], "events": ["Matchmaking day"]},
        ),  # Vaasa in Swedish
        ("fi", "träklustret", {"clusters": ["Puuklusteri"]}),  # Swedish name, Finnish page
        ("fi", "skogsklustret", {"clusters": ["Skogsklustret"]}),  # only a Swedish column
        ("en", "współpraca", {"projects": ["Cleantech Kvarken"]}),  # Polish summary, English page
        ("lt", "susitikimai", {"events": ["Verslo susitikimai"]}),
        ("en", "laser stainless", {"companies": ["Botnia Laser Oy"]}),  # every word must match
        ("en", "nothing-like-this", {}),
    ],
)
def test_search_cases_in_several_languages(client, content, language, query, expected):
    response = client.get(search_url(language), {"q": query})
    assert response.status_code == 200
    assert groups(response) == expected


def test_results_are_grouped_with_counts(client, content):
    page = BeautifulSoup(client.get(search_url(), {"q": "laser"}).content, "html.parser")
    jump = {a["href"]: a.select_one(".count").get_text() for a in page.select(".result-jump a")}
    assert jump == {"#results-companies": "1", "#results-news": "1"}
    assert "2 results" in page.select_one(".result-summary").get_text()


def test_counts_beyond_the_first_results(content):
    for n in range(12):
        factories.news(title_en=f"Laser news {n}")
    news = next(group for group in site_search("laser", limit=10) if group.key == "news")
    assert len(news.items) == 10 and news.count == 13


def test_company_group_links_to_the_directory(client, content):
    for n in range(11):
        factories.company(name=f"Laser {n} Oy", description_en="laser")
    page = BeautifulSoup(client.get(search_url(), {"q": "laser"}).content, "html.parser")
    more = page.select_one("#results-companies p a")
    assert more["href"] == f"{reverse('companies:list')}?q=laser"


@pytest.mark.parametrize(
    "query", ["", " ", "a", "\x00", "\x00laser\x00", "l" * 10_240, "%_%", "' OR 1=1 --"]
)
def test_nonsense_queries_never_fail(client, content, query):
    response = client.get(search_url(), {"q": query})
    assert response.status_code == 200


def test_query_is_cleaned_and_capped():
    assert clean_query("  laser\x00 \t cutting ") == "laser cutting"
    assert len(clean_query("x" * 10_240)) == 200
    assert clean_query(None) == ""


def test_search_page_is_not_indexed_and_keeps_the_query(client, content):
    page = BeautifulSoup(client.get(search_url(), {"q": "laser"}).content, "html.parser")
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex, follow"
    assert page.find("input", id="search-page-q")["value"] == "laser"


def test_search_query_count_is_constant(client, content, django_assert_max_num_queries):
    for n in range(15):
        factories.news(title_en=f"Laser news {n}")
        factories.event(title_en=f"Laser event {n}")
    with django_assert_max_num_queries(12):
        assert client.get(search_url(), {"q": "laser news event"}).status_code == 200
