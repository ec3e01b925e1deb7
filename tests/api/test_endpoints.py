"""The open data API's endpoints: what each lists and shows, the envelope and the licence, the
language, ETag and If-None-Match, CORS, the rate limit, read-only methods and query counts."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.envelope import LICENSE_URL
from clusters.models import ModerationStatus
from tests import factories

from .world import SECRETS

pytestmark = pytest.mark.django_db

LICENSE_HEADER = f'<{LICENSE_URL}>; rel="license"'
LISTS = {
    "companies": "/api/v1/companies/",
    "clusters": "/api/v1/clusters/",
    "projects": "/api/v1/projects/",
    "events": "/api/v1/events/",
    "offers": "/api/v1/offers/",
}


def slugs(response):
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


def test_the_root_links_every_endpoint_and_the_licence(api):
    response = api("/api/v1/")
    assert response.status_code == 200
    links = response.json()["links"]
    assert links["license"] == LICENSE_URL
    for name, url in LISTS.items():
        assert links[name] == f"http://testserver{url}"
    assert links["schema"] == "http://testserver/api/v1/schema/"
    assert links["docs"] == "http://testserver/api/v1/docs/"
    assert links["open_data"] == "http://testserver/en/open-data/"
    assert response["Link"] == LICENSE_HEADER


def test_the_paths_are_fixed():
    assert reverse("api:company-list") == "/api/v1/companies/"
    assert reverse("api:company-facets") == "/api/v1/company-facets/"
    assert reverse("api:schema") == "/api/v1/schema/"
    assert reverse("api:docs") == "/api/v1/docs/"
    assert reverse("open_data:index") == "/en/open-data/"


def test_companies_are_the_published_ones_in_name_order(api, world):
    assert slugs(api("/api/v1/companies/", {"page_size": 100})) == [
        company.slug
        for company in sorted(
            [world["a"], world["b"], world["c"], world["d"], world["e"], *world["others"]],
            key=lambda company: company.name.lower(),
        )
    ]


def test_a_company_shows_its_public_profile(api, world):
    response = api(f"/api/v1/companies/{world['a'].slug}/")
    assert response.status_code == 200
    body = response.json()
    data = body["data"]
    assert body["links"]["html"] == f"http://testserver/en/companies/{world['a'].slug}/"
    assert body["links"]["license"] == LICENSE_URL
    assert body["meta"] == {
        "language": "en",
        "license": "CC BY 4.0",
        "attribution": body["meta"]["attribution"],
    }
    assert data["name"] == "Vaasan Konepaja Oy"
    assert data["municipality"]["name"] == "Vaasa"
    assert data["region"]["name"] == "Ostrobothnia"
    assert data["phone"] == "+358401234567"
    assert data["founded"] == 1980 and data["employees"] == 25
    assert data["size_class"] == "small"
    assert [c["name"] for c in data["capabilities"]] == ["CNC turning"]
    assert data["capabilities"][0]["parent_id"] == world["machining"].pk
    assert [m["name"] for m in data["materials"]] == ["Stainless steel"]
    assert [s["nace_code"] for s in data["sectors"]] == ["28"]
    assert sorted(lang["code"] for lang in data["languages"]) == ["fi", "sv"]
    assert [c["certification"]["code"] for c in data["certificates"]] == ["ISO 9001"]
    assert data["certificates"][0]["issued_by"] == "Kiwa"
    assert [m["cluster"]["slug"] for m in data["clusters"]] == [world["cluster"].slug]
    assert [offer["slug"] for offer in data["open_offers"]] == [world["open_offer"].slug]
    # The description falls back as on the page: English is empty, Swedish comes next.
    assert data["description"] == "Svensk beskrivning av verkstaden."
    assert "email" not in data and "e_mail" not in data


def test_memberships_of_unpublished_clusters_and_expired_certificates_stay_out(api, world):
    d = api(f"/api/v1/companies/{world['d'].slug}/").json()["data"]
    assert [m["cluster"]["slug"] for m in d["clusters"]] == [world["cluster"].slug]
    assert d["open_offers"] == []  # its offer expired yesterday
    b = api(f"/api/v1/companies/{world['b'].slug}/").json()["data"]
    assert b["certificates"] == []  # expired yesterday


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/companies/hidden-company-name/",
        "/api/v1/companies/no-such-company/",
        "/api/v1/clusters/hidden-cluster-name/",
        "/api/v1/projects/hidden-project-name/",
        "/api/v1/events/no-such-event/",
        "/api/v1/offers/no-such-offer/",
    ],
)
def test_unpublished_or_unknown_objects_are_404_with_the_licence(api, world, url):
    response = api(url)
    assert response.status_code == 404
    assert response.json()["links"]["license"] == LICENSE_URL
    assert response["Link"] == LICENSE_HEADER


def test_hidden_things_are_404_by_their_own_slugs(api, world):
    hidden_event = factories.event(title_en="Another hidden", is_published=False)
    for url in (
        f"/api/v1/companies/{world['hidden'].slug}/",
        f"/api/v1/clusters/{world['hidden_cluster'].slug}/",
        f"/api/v1/projects/{world['hidden_project'].slug}/",
        f"/api/v1/events/{hidden_event.slug}/",
    ):
        assert api(url).status_code == 404, url


def test_clusters_are_the_published_ones_with_member_counts(api, world):
    response = api("/api/v1/clusters/")
    assert slugs(response) == sorted([world["cluster"].slug, world["other_cluster"].slug])
    metal = api(f"/api/v1/clusters/{world['cluster'].slug}/").json()["data"]
    assert metal["member_count"] == 2  # a and d; the unpublished company does not count
    assert metal["goals"] == ["Grow exports", "Share machines"]
    assert metal["coordinator"]["short_name"] == "VASEK"
    assert metal["companies_api_url"] == (
        f"http://testserver/api/v1/companies/?cluster={world['cluster'].pk}"
    )
    members = api("/api/v1/companies/", {"cluster": world["cluster"].pk})
    assert len(members.json()["results"]) == metal["member_count"]


def test_projects_show_public_parts_only(api, world, settings, tmp_path):
    from django.core.files.base import ContentFile

    from projects.models import ProjectDocument

    settings.MEDIA_ROOT = tmp_path
    project = world["project"]
    ProjectDocument.objects.create(
        project=project, title="Final report", file=ContentFile(b"%PDF", name="report.pdf")
    )
    ProjectDocument.objects.create(
        project=project,
        title="Internal budget",
        internal=True,
        file=ContentFile(b"%PDF", name="budget.pdf"),
    )
    assert slugs(api("/api/v1/projects/")) == [project.slug, world["old_project"].slug]
    data = api(f"/api/v1/projects/{project.slug}/").json()["data"]
    assert data["acronym"] == "SMARTWELD"
    assert [c["slug"] for c in data["clusters"]] == [world["cluster"].slug]
    assert data["predecessor"] is None  # unpublished
    assert [d["title"] for d in data["documents"]] == ["Final report"]
    assert data["objectives"] == ["More exports"]
    assert data["funding"][0]["share_percent"] == 60
    assert data["total_budget"] == 250000
    assert data["partners"][0]["organization"]["name"] == "Vaasa Development Agency"


def test_projects_use_the_project_lists_filters(api, world):
    assert slugs(api("/api/v1/projects/", {"status": "completed"})) == [world["old_project"].slug]
    assert slugs(api("/api/v1/projects/", {"cluster": world["cluster"].slug})) == [
        world["project"].slug
    ]
    response = api("/api/v1/projects/", {"status": "nonsense", "colour": "red"})
    assert len(slugs(response)) == 2
    assert response.json()["meta"]["ignored_filters"] == ["status"]
    assert response.json()["meta"]["ignored_parameters"] == ["colour"]


def test_events_upcoming_by_default_and_the_others_on_request(api, world):
    assert slugs(api("/api/v1/events/")) == [world["upcoming"].slug, world["webinar"].slug]
    assert slugs(api("/api/v1/events/", {"when": "past"})) == [world["past"].slug]
    assert len(slugs(api("/api/v1/events/", {"when": "all"}))) == 3
    assert slugs(api("/api/v1/events/", {"kind": "webinar"})) == [world["webinar"].slug]
    data = api(f"/api/v1/events/{world['upcoming'].slug}/").json()["data"]
    assert data["places_left"] == 49
    assert data["registration_open"] is True
    assert data["project"]["slug"] == world["project"].slug
    assert data["country"] == "FI"
    webinar = api(f"/api/v1/events/{world['webinar'].slug}/").json()["data"]
    assert webinar["cluster"] is None  # an unpublished cluster is not named
    assert webinar["online_url"] == "https://meet.example/laser"


def test_offers_are_the_open_published_ones(api, world):
    assert set(slugs(api("/api/v1/offers/"))) == {
        world["open_offer"].slug,
        world["visitor_offer"].slug,
    }
    data = api(f"/api/v1/offers/{world['open_offer'].slug}/").json()["data"]
    assert data["company"]["slug"] == world["a"].slug
    assert data["offered_by"] == "Vaasan Konepaja Oy"
    assert sorted(data["target_countries"]) == ["FI", "SE"]
    visitor = api(f"/api/v1/offers/{world['visitor_offer'].slug}/").json()["data"]
    assert visitor["company"] is None and visitor["offered_by"] == "Windy Startup"
    assert slugs(api("/api/v1/offers/", {"direction": "request"})) == [world["visitor_offer"].slug]
    expired = factories.offer(
        company=world["a"],
        valid_from=datetime.date(2020, 1, 1),
        valid_until=datetime.date(2020, 2, 1),
    )
    rejected = factories.offer(company=world["a"], status=ModerationStatus.REJECTED)
    for offer in (expired, rejected):
        assert api(f"/api/v1/offers/{offer.slug}/").status_code == 404


def test_no_private_value_is_in_any_answer(api, world):
    bodies = []
    for url in LISTS.values():
        bodies.append(api(url, {"page_size": 100, "when": "all"}).content.decode())
    for key in ("a", "b", "c", "d"):
        bodies.append(api(f"/api/v1/companies/{world[key].slug}/").content.decode())
    bodies.append(api(f"/api/v1/clusters/{world['cluster'].slug}/").content.decode())
    bodies.append(api(f"/api/v1/projects/{world['project'].slug}/").content.decode())
    bodies.append(api(f"/api/v1/events/{world['upcoming'].slug}/").content.decode())
    bodies.append(api(f"/api/v1/offers/{world['visitor_offer'].slug}/").content.decode())
    text = "\n".join(bodies)
    for secret in [*SECRETS, "participant.secret@example.org", "Secretson"]:
        assert secret not in text
    assert "@" not in text.replace("@context", "")


# --- Language ---------------------------------------------------------------------------------


def test_lang_chooses_the_language_of_the_texts(api, world):
    response = api(f"/api/v1/companies/{world['a'].slug}/", {"lang": "fi"})
    assert response["Content-Language"] == "fi"
    data = response.json()["data"]
    assert data["capabilities"][0]["name"] == "Sorvaus"
    assert data["url"] == f"http://testserver/fi/yritykset/{world['a'].slug}/"
    # Finnish falls back to Swedish first (the portal's chain).
    assert data["description"] == "Svensk beskrivning av verkstaden."
    assert response.json()["meta"]["language"] == "fi"


def test_accept_language_is_the_default_and_lang_wins(api, world):
    url = f"/api/v1/companies/{world['c'].slug}/"
    swedish = api(url, HTTP_ACCEPT_LANGUAGE="sv-SE,sv;q=0.9,en;q=0.5")
    assert swedish["Content-Language"] == "sv"
    assert swedish.json()["data"]["municipality"]["name"] == "Karleby"
    assert "Accept-Language" in swedish["Vary"]
    unknown = api(url, HTTP_ACCEPT_LANGUAGE="de-DE,fr;q=0.8")
    assert unknown["Content-Language"] == "en"
    chosen = api(url, {"lang": "fi"}, HTTP_ACCEPT_LANGUAGE="sv")
    assert chosen["Content-Language"] == "fi"
    assert chosen.json()["data"]["municipality"]["name"] == "Kokkola"


@pytest.mark.parametrize("value", ["xx", "", "de", "fi-FI", "e" * 5000, "\x00", "en'--"])
def test_an_unknown_lang_is_a_400_that_says_why(api, world, value):
    response = api("/api/v1/companies/", {"lang": value})
    assert response.status_code == 400
    body = response.json()
    assert "en, sv, fi, pl, lt" in body["detail"]
    assert body["links"]["license"] == LICENSE_URL


# --- ETag, licence header, CORS, methods ------------------------------------------------------


@pytest.mark.parametrize("url", [*LISTS.values(), "/api/v1/", "/api/v1/company-facets/"])
def test_etag_and_if_none_match_give_a_304(api, world, url):
    first = api(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    assert first["Link"] == LICENSE_HEADER
    assert "max-age" in first["Cache-Control"]
    again = api(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Link"] == LICENSE_HEADER
    other = api(url, HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200
    # Another language is another body, so another ETag.
    assert api(url, {"lang": "fi"})["ETag"] != etag or url == "/api/v1/"


def test_the_etag_changes_when_the_data_does(api, world):
    etag = api("/api/v1/clusters/")["ETag"]
    factories.cluster(name_en="Brand New Cluster")
    response = api("/api/v1/clusters/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag


def test_every_list_carries_the_licence_in_links_and_meta(api, world):
    for url in LISTS.values():
        body = api(url).json()
        assert body["links"]["license"] == LICENSE_URL
        assert body["meta"]["license"] == "CC BY 4.0"
        assert body["meta"]["attribution"].startswith("Cluster portal")


def test_cors_allows_reading_from_any_site(api, world):
    response = api("/api/v1/companies/", HTTP_ORIGIN="https://data.example.org")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "ETag" in response["Access-Control-Expose-Headers"]
    not_modified = api(
        "/api/v1/companies/", HTTP_ORIGIN="https://data.example.org", HTTP_IF_NONE_MATCH="*"
    )
    assert not_modified.status_code == 304
    assert not_modified["Access-Control-Allow-Origin"] == "*"


def test_cors_preflight_allows_reads_only(client, world):
    response = client.options(
        "/api/v1/companies/",
        headers={"Origin": "https://data.example.org", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writing_is_405_without_cors(client, world, method):
    response = getattr(client, method)(
        "/api/v1/companies/",
        data=json.dumps({"name": "x"}),
        content_type="application/json",
        headers={"Origin": "https://data.example.org"},
    )
    assert response.status_code == 405
    assert "Access-Control-Allow-Origin" not in response
    assert response.json()["links"]["license"] == LICENSE_URL


def test_the_portals_pages_get_no_cors_header(client, world):
    response = client.get("/en/companies/", headers={"Origin": "https://data.example.org"})
    assert "Access-Control-Allow-Origin" not in response


def test_head_answers_like_get(client, world):
    response = client.head("/api/v1/clusters/")
    assert response.status_code == 200
    assert response["ETag"] == client.get("/api/v1/clusters/")["ETag"]


def test_the_answer_is_json_whatever_the_client_accepts(api, world):
    for accept in ("text/html", "application/xml", "image/png"):
        response = api("/api/v1/clusters/", HTTP_ACCEPT=accept)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
    assert api("/api/v1/clusters/", {"format": "csv"}).status_code == 200


# --- Rate limit -------------------------------------------------------------------------------


def test_the_rate_limit_answers_429_with_retry_after(api, world, settings):
    settings.RATELIMIT_ENABLE = True
    settings.API_RATELIMIT = "3/m"
    for _ in range(3):
        assert api("/api/v1/clusters/").status_code == 200
    response = api("/api/v1/clusters/")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["links"]["license"] == LICENSE_URL
    # Counted per client: another address still gets its answers.
    assert api("/api/v1/clusters/", REMOTE_ADDR="192.0.2.7").status_code == 200
    # The limit covers the schema too.
    assert api("/api/v1/schema/").status_code == 429


def test_the_rate_limit_is_off_when_rate_limits_are(api, world, settings):
    settings.RATELIMIT_ENABLE = False
    settings.API_RATELIMIT = "1/m"
    for _ in range(3):
        assert api("/api/v1/clusters/").status_code == 200


# --- Query counts -----------------------------------------------------------------------------


def _queries(api, url, params):
    api(url, params)  # warm: the directory engine loads its bitmaps once
    with CaptureQueriesContext(connection) as captured:
        assert api(url, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("url", "extra", "limit"),
    [
        ("/api/v1/companies/", {}, 11),
        ("/api/v1/companies/", {"q": "metal", "capability": "1"}, 12),
        ("/api/v1/clusters/", {}, 4),
        ("/api/v1/projects/", {}, 9),
        ("/api/v1/events/", {"when": "all"}, 4),
        ("/api/v1/offers/", {}, 5),
    ],
)
def test_query_counts_do_not_grow_with_the_page(
    api, world, url, extra, limit, django_assert_max_num_queries
):
    for n in range(3):
        factories.project(name_en=f"More {n}")
        factories.event(title_en=f"More {n}")
        factories.offer(company=world["others"][n])
        factories.cluster(name_en=f"More cluster {n}")
    small = _queries(api, url, {**extra, "page_size": 1})
    large = _queries(api, url, {**extra, "page_size": 100})
    assert small == large
    with django_assert_max_num_queries(limit):
        api(url, {**extra, "page_size": 100})


def test_a_detail_costs_a_fixed_number_of_queries(api, world, django_assert_max_num_queries):
    api(f"/api/v1/companies/{world['a'].slug}/")
    with django_assert_max_num_queries(10):
        api(f"/api/v1/companies/{world['a'].slug}/")
