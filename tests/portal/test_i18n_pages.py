"""Every public page in every language: translated chrome, translated addresses, a language
switcher that leads to the same page (query string kept) and back, hreflang alternates, fallback
text marked with its language, and a search in each language that finds the same company."""

import datetime
import zoneinfo
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from board.models import JobPosting
from clusters.models import Page
from tests import factories

pytestmark = pytest.mark.django_db
LANGUAGES = settings.LANGUAGE_CODES
NAV = ["Companies", "Clusters", "Projects", "Events", "Cooperation offers", "Jobs", "News"]

LASER = {
    "en": "Laser cutting",
    "sv": "Laserskärning",
    "fi": "Laserleikkaus",
    "pl": "Cięcie laserowe",
    "lt": "Pjovimas lazeriu",
}


@pytest.fixture
def content():
    cluster = factories.cluster(
        summary_en="Metal companies of Ostrobothnia.", description_en="The metal cluster."
    )
    laser = factories.capability(**{f"name_{code}": name for code, name in LASER.items()})
    company = factories.company(clusters=[cluster], name="Kvarken Laser Oy")
    company.capabilities.add(laser)
    project = factories.project(description_en="A project.", total_budget=500000)
    project.clusters.add(cluster)
    event = factories.event(cluster=cluster, is_published=True)
    news = factories.news(cluster=cluster)
    page = Page.objects.create(slug="about", title_en="About", body_en="About the portal.")
    offer = factories.offer(company=company)
    job = factories.job(company=company)
    return {
        "cluster": cluster,
        "company": company,
        "project": project,
        "event": event,
        "news": news,
        "page": page,
        "offer": offer,
        "job": job,
    }


def public_pages(content):
    """(view name, kwargs, query) of every public page."""
    return [
        ("portal:home", {}, ""),
        ("companies:list", {}, "q=laser&sort=name"),
        ("companies:detail", {"slug": content["company"].slug}, ""),
        ("portal:cluster-list", {}, ""),
        ("portal:cluster", {"slug": content["cluster"].slug}, ""),
        ("projects:list", {}, "status=active"),
        ("projects:detail", {"slug": content["project"].slug}, ""),
        ("events:list", {}, "when=upcoming"),
        ("events:detail", {"slug": content["event"].slug}, ""),
        ("portal:news-list", {}, "page=1"),
        ("portal:news-detail", {"slug": content["news"].slug}, ""),
        ("portal:page", {"slug": "about"}, ""),
        ("portal:search", {}, "q=laser"),
        ("offers:list", {}, ""),
        ("offers:detail", {"slug": content["offer"].slug}, ""),
        ("jobs:list", {}, "kind=offer"),
        ("jobs:detail", {"slug": content["job"].slug}, ""),
        ("visit:request", {}, ""),
        ("offers:create", {}, ""),
        ("jobs:create-wanted", {}, ""),
        ("companies:partners", {"slug": content["company"].slug}, ""),
    ]


def url(code, name, kwargs, query=""):
    with translation.override(code):
        path = reverse(name, kwargs=kwargs or None)
    return f"{path}?{query}" if query else path


def soup(response):
    assert response.status_code == 200, response
    return BeautifulSoup(response.content, "html.parser")


def switcher(page):
    return {a["hreflang"]: a["href"] for a in page.select("nav.language-switcher a[hreflang]")}


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_public_page_renders_with_translated_chrome(client, content, code):
    for name, kwargs, query in public_pages(content):
        address = url(code, name, kwargs, query)
        assert address.startswith(f"/{code}/")
        page = soup(client.get(address))
        assert page.html["lang"] == code, address
        labels = [a.get_text(strip=True) for a in page.select("nav.main-nav a")]
        with translation.override(code):
            assert labels == [gettext(label) for label in NAV], address
            assert page.select_one("a.skip-link").get_text() == gettext("Skip to content")
        if code != "en":
            assert "Cooperation offers" not in labels


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", "/en/companies/"),
        ("fi", "/fi/yritykset/"),
        ("sv", "/sv/foretag/"),
        ("pl", "/pl/firmy/"),
        ("lt", "/lt/imones/"),
    ],
)
def test_addresses_are_translated(code, expected):
    assert url(code, "companies:list", {}) == expected


def test_translated_addresses_of_the_main_sections():
    assert url("fi", "projects:list", {}) == "/fi/hankkeet/"
    assert url("sv", "events:list", {}) == "/sv/evenemang/"
    assert url("pl", "portal:news-list", {}) == "/pl/aktualnosci/"
    assert url("lt", "portal:cluster", {"slug": "metal"}) == "/lt/klasteriai/metal/"
    assert url("fi", "portal:search", {}) == "/fi/haku/"
    assert url("sv", "visit:request", {}) == "/sv/besok/"
    assert url("pl", "offers:list", {}) == "/pl/oferty/"
    assert url("lt", "jobs:list", {}) == "/lt/darbas/"
    assert url("fi", "offers:create", {}) == "/fi/tarjoukset/uusi/"
    assert url("pl", "jobs:create-wanted", {}) == "/pl/praca/nowa/szukam-pracy/"
    assert url("sv", "events:register", {"slug": "x"}) == "/sv/evenemang/x/anmalan/"
    assert url("lt", "offers:interest", {"slug": "x"}) == "/lt/pasiulymai/x/susidomejimas/"


def test_an_english_path_under_another_language_is_not_found(client):
    assert client.get("/fi/companies/").status_code == 404
    assert client.get("/fi/yritykset/").status_code == 200


def test_switcher_round_trips_from_every_page_keeping_the_query(client, content):
    for name, kwargs, query in public_pages(content):
        original = url("en", name, kwargs, query)
        versions = switcher(soup(client.get(original)))
        assert set(versions) == set(LANGUAGES)
        assert versions["en"] == original
        for code in LANGUAGES:
            target = versions[code]
            assert target == url(code, name, kwargs, query), (original, target)
            assert urlsplit(target).query == query
            translated = soup(client.get(target))
            assert translated.html["lang"] == code
            assert switcher(translated)["en"] == original, (original, code)


def test_hreflang_alternates_and_x_default_on_every_page(client, content):
    for name, kwargs, query in public_pages(content):
        page = soup(client.get(url("fi", name, kwargs, query)))
        alternates = {
            link["hreflang"]: link["href"]
            for link in page.select('head link[rel="alternate"][hreflang]')
        }
        assert set(alternates) == {*LANGUAGES, "x-default"}, name
        for code in LANGUAGES:
            assert alternates[code] == f"http://testserver{url(code, name, kwargs, query)}"
        assert alternates["x-default"] == alternates["en"]


@pytest.mark.parametrize(
    ("header", "cookie", "expected"),
    [
        ("fi-FI,fi;q=0.9,en;q=0.5", None, "/fi/"),
        ("pl,en;q=0.5", None, "/pl/"),
        ("de-DE,de;q=0.9", None, "/en/"),
        ("fi", "lt", "/lt/"),  # the cookie wins over the header
    ],
)
def test_first_visit_to_root_chooses_the_language(client, header, cookie, expected):
    if cookie:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=header)
    assert response.status_code == 302
    assert response["Location"] == expected


def test_fallback_text_carries_its_language_and_a_quiet_note(client):
    company = factories.company(
        description_en="", description_sv="Vi svetsar rostfritt stål i Vasa."
    )
    notes = {"fi": "(ruotsiksi)", "en": "(in Swedish)", "pl": "(po szwedzku)"}
    for code, note in notes.items():
        page = soup(client.get(url(code, "companies:detail", {"slug": company.slug})))
        (block,) = [tag for tag in page.find_all(attrs={"lang": "sv"}) if tag.name == "div"]
        assert "Vi svetsar rostfritt stål i Vasa." in block.get_text()
        assert block.find_next_sibling(class_="fallback-note").get_text() == note
    own = soup(client.get(url("sv", "companies:detail", {"slug": company.slug})))
    assert "Vi svetsar rostfritt stål i Vasa." in own.get_text()
    assert own.select(".fallback-note") == []


def test_swedish_and_finnish_fall_back_to_each_other_before_english(client):
    project = factories.project(
        name_en="Bothnia Metal",
        summary_en="English summary.",
        summary_fi="Suomenkielinen tiivistelmä.",
    )
    page = soup(client.get(url("sv", "projects:detail", {"slug": project.slug})))
    lead = page.select_one("p.lead")
    assert lead.find(attrs={"lang": "fi"}).get_text() == "Suomenkielinen tiivistelmä."
    assert lead.select_one(".fallback-note").get_text() == "(på finska)"
    english = soup(client.get(url("pl", "projects:detail", {"slug": project.slug})))
    assert english.select_one("p.lead").find(attrs={"lang": "en"}).get_text() == (
        "English summary."
    )


@pytest.mark.parametrize("code", LANGUAGES)
def test_a_search_in_each_language_finds_the_same_company(client, content, code):
    company = content["company"]
    factories.company(name="Other Oy")  # a company that must not match
    for query_language in LANGUAGES:
        response = client.get(url(code, "companies:list", {}), {"q": LASER[query_language]})
        page = soup(response)
        names = [a.get_text(strip=True) for a in page.select("main h2 a, main h3 a")]
        assert company.name in names, (code, query_language)
        assert "Other Oy" not in names
    site = soup(client.get(url(code, "portal:search", {}), {"q": LASER[code]}))
    assert company.name in site.get_text()


def test_event_times_are_shown_in_the_events_own_time_zone(client):
    stockholm = zoneinfo.ZoneInfo("Europe/Stockholm")
    start = datetime.datetime(2027, 6, 22, 10, 0, tzinfo=stockholm)
    event = factories.event(
        starts_at=start, ends_at=start + datetime.timedelta(hours=8), time_zone="Europe/Stockholm"
    )
    assert timezone.get_current_timezone_name() == "Europe/Helsinki"  # 11:00 there
    fi = soup(client.get(url("fi", "events:detail", {"slug": event.slug}))).get_text()
    assert "22. kesäkuuta 2027 klo 10.00" in fi or "kello 10.00" in fi
    assert "Europe/Stockholm" in fi
    sv = soup(client.get(url("sv", "events:detail", {"slug": event.slug}))).get_text()
    assert "22 juni 2027 10:00" in sv and "Europe/Stockholm" in sv
    lt = soup(client.get(url("lt", "events:detail", {"slug": event.slug}))).get_text()
    assert "2027 m. birželio 22 d." in lt and "10:00" in lt


def test_job_wanted_pages_render_in_every_language(client):
    job = factories.job(kind=JobPosting.Kind.WANTED, company=None)
    for code in LANGUAGES:
        page = soup(client.get(url(code, "jobs:detail", {"slug": job.slug})))
        assert page.html["lang"] == code


def test_fallback_titles_are_marked_in_lists_and_noted_on_their_page(client):
    offer = factories.offer(title_en="Free laser cutting capacity", title_fi="")
    listing = soup(client.get(url("fi", "offers:list", {})))
    link = next(a for a in listing.select("main a") if "Free laser cutting capacity" in a.text)
    assert link.find(attrs={"lang": "en"}).get_text() == "Free laser cutting capacity"
    assert link.select(".fallback-note") == []  # lists stay quiet: the lang attribute only
    detail = soup(client.get(url("fi", "offers:detail", {"slug": offer.slug})))
    assert detail.h1.find(attrs={"lang": "en"}).get_text() == "Free laser cutting capacity"
    assert detail.h1.select_one(".fallback-note").get_text() == "(englanniksi)"
