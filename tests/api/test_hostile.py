"""Hostile parameters never make a 500: very long text, unicode, SQL-ish strings, control
characters, page size abuse, unknown filters, repeated parameters, odd slugs and headers. Every
answer is JSON with the licence; only ``lang`` and ``cursor`` may refuse (400)."""

import urllib.parse

import pytest

from api.envelope import LICENSE_URL

pytestmark = pytest.mark.django_db

URLS = [
    "/api/v1/",
    "/api/v1/companies/",
    "/api/v1/company-facets/",
    "/api/v1/clusters/",
    "/api/v1/projects/",
    "/api/v1/events/",
    "/api/v1/offers/",
]
VALUES = [
    "x" * 20_000,
    "ääkkönen ÅÄÖ łęż ąčęėįšųūž",
    "\u202e\ufeff\u200b",
    "🦀" * 300,
    "' OR '1'='1",
    "1; DROP TABLE companies_company; --",
    '"><script>alert(1)</script>',
    "\x00",
    "a\x00b",
    "%00",
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "null",
    "[]",
    "{}",
    "../../etc/passwd",
    "2026-13-45",
]
KEYS = [
    "q",
    "sort",
    "page_size",
    "cluster",
    "capability",
    "certification",
    "material",
    "sector",
    "country",
    "region",
    "municipality",
    "size",
    "language",
    "offers",
    "status",
    "kind",
    "when",
    "month",
    "year",
    "programme",
    "direction",
    "category",
    "format",
    "unknown_filter",
    "cluster[]",
    "q[]",
]


def check(response):
    assert response.status_code in {200, 400}, (response.status_code, response.content[:300])
    body = response.json()
    assert body["links"]["license"] == LICENSE_URL
    return body


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_hostile_values_in_every_parameter(client, world, url, value):
    query = "&".join(f"{urllib.parse.quote(key)}={urllib.parse.quote(value)}" for key in KEYS)
    response = client.get(f"{url}?{query}")
    body = check(response)
    if response.status_code == 200:
        assert body["meta"]["language"] == "en"


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize(
    "raw",
    [
        "%",
        "q=%E0%A4%A",
        "=&=&&",
        "a[b][c]=1&a[b]=2",
        "%00=%00",
        "q=%ff%fe",
        "page_size=1&page_size=1000&page_size=-4",
        "cluster=1&cluster=2&" * 200,
        "q=" + "%C3%A4" * 5000,
        "lang=en&lang=fi",
    ],
)
def test_malformed_query_strings(client, world, url, raw):
    check(client.get(f"{url}?{raw}"))


def test_unknown_filters_are_reported_not_applied(client, world):
    body = check(client.get("/api/v1/companies/", {"colour": "red", "q": "laser"}))
    assert body["meta"]["ignored_parameters"] == ["colour"]
    assert [row["slug"] for row in body["results"]]  # the known ones still applied


def test_a_flood_of_unknown_parameters_is_reported_briefly(client, world):
    query = "&".join(f"p{n}={'y' * 100}" for n in range(200))
    body = check(client.get(f"/api/v1/companies/?{query}"))
    assert len(body["meta"]["ignored_parameters"]) == 20


@pytest.mark.parametrize(
    "slug",
    ["a" * 80, "UPPER-case", "null", "0", "-", "_", "x--y", "%C3%A4", "%00", "..", "a.b"],
)
@pytest.mark.parametrize("resource", ["companies", "clusters", "projects", "events", "offers"])
def test_odd_slugs_are_404_not_500(client, world, resource, slug):
    response = client.get(f"/api/v1/{resource}/{slug}/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "header",
    [
        {"HTTP_ACCEPT_LANGUAGE": "x" * 10_000},
        {"HTTP_ACCEPT_LANGUAGE": "fi;q=abc, sv;q=2, *;q=0.5, ;;;, pl;q=0"},
        {"HTTP_ACCEPT_LANGUAGE": "\x00"},
        {"HTTP_ACCEPT_LANGUAGE": ",".join(["zz"] * 5000)},
        {"HTTP_IF_NONE_MATCH": "x" * 10_000},
        {"HTTP_IF_NONE_MATCH": 'W/"abc", *, "'},
        {"HTTP_ACCEPT": "application/json; q=\x00"},
        {"HTTP_ORIGIN": "not a url"},
        {"HTTP_ORIGIN": "http://[::1"},
    ],
)
def test_hostile_headers(client, world, header):
    response = client.get("/api/v1/companies/", **header)
    assert response.status_code in {200, 304}


def test_accept_language_weights_are_respected(client, world):
    response = client.get(
        "/api/v1/clusters/", HTTP_ACCEPT_LANGUAGE="fi;q=0.2, sv;q=0.9, pl;q=abc, lt;q=0"
    )
    assert response["Content-Language"] == "sv"
