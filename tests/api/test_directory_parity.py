"""The API's companies are the directory's: for the same query string, the same companies in the
same order as the directory page (its context) and the directory's own function, the same total,
the same facet counts and the same ignored filters; the other lists match their pages too. And
cursor pagination walks the whole result in that order."""

import base64

import pytest
from django.http import QueryDict

from companies import directory
from tests import factories

pytestmark = pytest.mark.django_db


def directory_queries(w):
    """Query strings over every filter of the directory, alone and together, with free text in
    several languages, every sort order and values the directory drops."""
    return [
        "",
        f"cluster={w['cluster'].pk}",
        f"cluster={w['cluster'].pk}&cluster={w['other_cluster'].pk}",
        f"cluster={w['hidden_cluster'].pk}",
        f"capability={w['machining'].pk}",
        f"capability={w['turning'].pk}",
        f"capability={w['welding'].pk}&capability={w['laser'].pk}",
        f"certification={w['iso9001'].pk}",
        f"certification={w['iso3834'].pk}",
        f"material={w['steel'].pk}",
        f"material={w['steel'].pk}&material={w['aluminium'].pk}",
        f"sector={w['metal'].pk}",
        f"sector={w['machinery'].pk}",
        "country=FI",
        "country=PL&country=SE",
        f"region={w['ostrobothnia'].pk}",
        f"municipality={w['vaasa'].pk}",
        f"municipality={w['kokkola'].pk}&municipality={w['umea'].pk}",
        "size=micro",
        "size=small&size=large",
        f"language={w['swedish'].pk}",
        f"language={w['finnish'].pk}&language={w['english'].pk}",
        "offers=1",
        "q=laser",
        "q=lase",
        "q=laserleikkaus",
        "q=svetsning",
        "q=vasa",
        "q=Bia%C5%82ystok",
        "q=bialystok",
        "q=oy",
        "q=metal+oy",
        "q=generic",
        "q=laser&sort=name",
        "q=laser&sort=updated",
        "q=metal&sort=relevance",
        "sort=updated",
        "sort=relevance",
        "sort=nonsense",
        f"q=laser&country=FI&capability={w['laser'].pk}",
        f"cluster={w['cluster'].pk}&size=small&sort=updated",
        f"country=FI&material={w['steel'].pk}&language={w['swedish'].pk}",
        "cluster=abc",
        "cluster=999999",
        f"capability={w['welding'].pk}&capability=x&size=huge",
        "q=%00",
        "q=" + "x" * 300,
        "q=%22%3E%3Cscript%3E",
        "page=3&per_page=50",
    ]


def page_ids(client, query, language="en", path="/en/companies/"):
    response = client.get(f"{path}?{query}&per_page=100")
    assert response.status_code == 200
    return [c.pk for c in response.context["companies"]], response.context


def api_body(client, query, language="en"):
    response = client.get(f"/api/v1/companies/?{query}&page_size=100&lang={language}")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def queries(world):
    return directory_queries(world)


def test_every_filter_gives_the_directory_pages_companies_in_its_order(client, world, queries):
    assert len(queries) > 40
    for query in queries:
        ids, context = page_ids(client, query)
        body = api_body(client, query)
        assert [row["id"] for row in body["results"]] == ids, query
        assert body["meta"]["count"] == context["total"], query
        # The directory's own function (the CSV export's) agrees too.
        assert directory.results(QueryDict(query), 1000)[0] == ids, query
        labels = {str(label) for label in context["ignored"]}
        assert {
            str(directory.CompanyFilter.base_filters[name].label)
            for name in body["meta"]["ignored_filters"]
        } == labels, query


@pytest.mark.parametrize(
    ("language", "path", "query"),
    [
        ("fi", "/fi/yritykset/", "q=koneistus"),
        ("fi", "/fi/yritykset/", "q=laser&sort=name"),
        ("sv", "/sv/foretag/", "q=svetsning"),
        ("sv", "/sv/foretag/", "q=karleby"),
        ("pl", "/pl/firmy/", "country=PL"),
    ],
)
def test_other_languages_match_the_directory_in_that_language(client, world, language, path, query):
    ids, _context = page_ids(client, query, path=path)
    assert ids, query
    body = api_body(client, query, language)
    assert [row["id"] for row in body["results"]] == ids


def test_the_html_link_is_the_directory_page_of_the_same_query(client, world):
    body = api_body(client, f"q=laser&country=FI&cluster=abc&cursor={encode(0)}")
    html = body["links"]["html"]
    assert html.startswith("http://testserver/en/companies/?")
    assert "q=laser" in html and "country=FI" in html and "cursor" not in html


def test_facet_counts_match_the_directory_page(client, world, queries):
    for query in queries[:25]:
        _ids, context = page_ids(client, query)
        response = client.get(f"/api/v1/company-facets/?{query}")
        assert response.status_code == 200
        facets = {
            facet["name"]: {option["value"]: option["count"] for option in facet["options"]}
            for facet in response.json()["facets"]
        }
        expected = {
            facet.name: {str(option.value): option.count for option in facet.options}
            for facet in context["facets"]
        }
        assert facets == expected, query
        assert response.json()["meta"]["count"] == context["total"]


def test_facet_labels_follow_the_language(client, world):
    response = client.get("/api/v1/company-facets/", {"lang": "fi"})
    capability = next(f for f in response.json()["facets"] if f["name"] == "capability")
    assert "Koneistus" in [option["label"] for option in capability["options"]]


# --- Pagination ---------------------------------------------------------------------------------


def encode(position):
    return base64.urlsafe_b64encode(f"o={position}".encode()).decode().rstrip("=")


def walk(client, url):
    """Every row of a list, following the next links; and the pages' bodies."""
    rows, pages = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append(body)
        rows += body["results"]
        url = body["links"]["next"]
        assert len(pages) < 50
    return rows, pages


@pytest.mark.parametrize("size", [1, 3, 5, 11, 12, 100])
def test_cursor_pages_walk_the_directory_order(client, world, size):
    ids, _context = page_ids(client, "q=oy")
    rows, pages = walk(client, f"/api/v1/companies/?q=oy&page_size={size}")
    assert [row["id"] for row in rows] == ids
    assert pages[0]["links"]["prev"] is None
    assert pages[-1]["links"]["next"] is None
    assert all(len(page["results"]) == size for page in pages[:-1])
    assert 1 <= len(pages[-1]["results"]) <= size
    # Back from the last page with the prev links gives the same pages in reverse.
    url, backwards = pages[-1]["links"]["prev"], []
    while url:
        body = client.get(url).json()
        backwards.insert(0, [row["id"] for row in body["results"]])
        url = body["links"]["prev"]
    assert backwards == [[row["id"] for row in page["results"]] for page in pages[:-1]]


def test_every_list_pages_with_cursors(client, world):
    for n in range(4):
        factories.project(name_en=f"Extra {n}")
    everything = client.get("/api/v1/projects/?page_size=100").json()["results"]
    rows, pages = walk(client, "/api/v1/projects/?page_size=2")
    assert [row["slug"] for row in rows] == [row["slug"] for row in everything]
    assert len(pages) == 3


def test_a_cursor_past_the_end_is_an_empty_last_page(client, world):
    body = client.get(f"/api/v1/companies/?cursor={encode(500)}").json()
    assert body["results"] == [] and body["links"]["next"] is None
    assert body["links"]["prev"] is not None


@pytest.mark.parametrize(
    "cursor",
    [
        "zzz",
        "%00",
        "",
        "o=1",
        encode(-1).replace("LTE", "x"),
        base64.urlsafe_b64encode(b"o=-1").decode(),
        base64.urlsafe_b64encode(b"o=abc").decode(),
        base64.urlsafe_b64encode(b"o=1&r=1").decode(),
        base64.urlsafe_b64encode(b"o=9999999999999").decode(),
        base64.urlsafe_b64encode("o=١".encode()).decode(),
        "A" * 5000,
        "🦀",
    ],
)
@pytest.mark.parametrize("url", ["/api/v1/companies/", "/api/v1/events/", "/api/v1/offers/"])
def test_a_cursor_not_made_here_is_a_400(client, world, cursor, url):
    response = client.get(url, {"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()["detail"]


@pytest.mark.parametrize(
    ("value", "size"),
    [("0", 20), ("-5", 20), ("abc", 20), ("1e3", 20), ("10" * 20, 20), ("1000", 100), ("7", 7)],
)
def test_page_size_is_clamped_never_an_error(client, world, value, size):
    response = client.get("/api/v1/companies/", {"page_size": value})
    assert response.status_code == 200
    assert response.json()["meta"]["page_size"] == size
    assert len(response.json()["results"]) == min(size, 11)


def test_the_most_rows_a_page_comes_from_settings(client, world, settings):
    settings.API_MAX_PAGE_SIZE = 3
    body = client.get("/api/v1/companies/", {"page_size": 50}).json()
    assert body["meta"]["page_size"] == 3 and len(body["results"]) == 3


# --- The other lists match their pages ---------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "api", "context_name", "query"),
    [
        ("/en/projects/", "/api/v1/projects/", "projects", ""),
        ("/en/projects/", "/api/v1/projects/", "projects", "status=completed"),
        ("/en/events/", "/api/v1/events/", "events", ""),
        ("/en/events/", "/api/v1/events/", "events", "when=past"),
        ("/en/events/", "/api/v1/events/", "events", "when=all&kind=webinar"),
        ("/en/offers/", "/api/v1/offers/", "page_obj", ""),
        ("/en/offers/", "/api/v1/offers/", "page_obj", "direction=offer"),
        ("/en/offers/", "/api/v1/offers/", "page_obj", "q=cnc"),
    ],
)
def test_the_other_lists_match_their_pages(client, world, page, api, context_name, query):
    response = client.get(f"{page}?{query}")
    assert response.status_code == 200
    expected = [obj.slug for obj in response.context[context_name]]
    body = client.get(f"{api}?{query}&page_size=100").json()
    assert [row["slug"] for row in body["results"]] == expected


def test_rows_of_the_same_sort_key_page_without_repeats(client, world):
    start = world["upcoming"].starts_at
    twins = [
        factories.event(title_en=f"Twin {n}", starts_at=start, ends_at=start) for n in range(3)
    ]
    rows, _pages = walk(client, "/api/v1/events/?page_size=1")
    slugs = [row["slug"] for row in rows]
    assert len(slugs) == len(set(slugs)) == 5
    assert {twin.slug for twin in twins} <= set(slugs)
