"""Titles, descriptions, canonical URLs, Open Graph, hreflang, landmarks, sitemap, robots.txt."""

import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from clusters.models import Page
from tests import factories

pytestmark = pytest.mark.django_db

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


@pytest.fixture
def cluster():
    return factories.cluster(
        name_en="Ostrobothnia Metal", summary_en="Three hundred metal companies working together."
    )


@pytest.mark.parametrize("language", settings.LANGUAGE_CODES)
def test_html_lang_and_language_versions(client, cluster, language):
    with translation.override(language):
        url = cluster.get_absolute_url()
    page = soup(client.get(url))
    assert page.html["lang"] == language
    alternates = {
        link["hreflang"]: link["href"]
        for link in page.find_all("link", rel="alternate", hreflang=True)
    }
    assert set(alternates) == {*settings.LANGUAGE_CODES, "x-default"}
    for code in settings.LANGUAGE_CODES:
        with translation.override(code):
            assert alternates[code] == f"http://testserver{cluster.get_absolute_url()}"
    assert alternates["x-default"] == alternates["en"]
    current = page.select_one(".language-switcher a[aria-current]")
    assert current["hreflang"] == language


def test_title_description_canonical_and_open_graph(client, cluster):
    page = soup(client.get(cluster.get_absolute_url(), {"utm_source": "x"}))
    assert page.title.get_text() == "Ostrobothnia Metal · Cluster portal"
    description = page.find("meta", attrs={"name": "description"})["content"]
    assert description == "Three hundred metal companies working together."
    canonical = page.find("link", rel="canonical")["href"]
    assert canonical == f"http://testserver{cluster.get_absolute_url()}"  # without the query string
    og = {meta["property"]: meta["content"] for meta in page.find_all("meta", property=True)}
    assert og["og:title"] == "Ostrobothnia Metal"
    assert og["og:description"] == description
    assert og["og:url"] == canonical
    assert og["og:type"] == "website"
    assert og["og:locale"] == "en_GB"
    assert og["og:image"].startswith("http://testserver/static/")


@pytest.mark.parametrize(
    "name",
    [
        "portal:home",
        "portal:cluster-list",
        "projects:list",
        "events:list",
        "portal:news-list",
        "portal:search",
    ],
)
def test_every_page_has_a_distinct_title_and_description(client, name):
    page = soup(client.get(reverse(name)))
    assert page.title.get_text().endswith(" · Cluster portal")
    assert len(page.find("meta", attrs={"name": "description"})["content"]) > 30


def test_landmarks_skip_link_and_current_navigation(client):
    page = soup(client.get(reverse("projects:list")))
    skip = page.find("a", class_="skip-link")
    assert skip["href"] == "#main" and page.find("main", id="main")
    assert (
        page.find("header")
        and page.find("footer")
        and page.find("nav", attrs={"aria-label": "Main"})
    )
    current = page.select(".main-nav a[aria-current]")
    assert [(a.get_text(), a["aria-current"]) for a in current] == [("Projects", "page")]


def test_navigation_marks_the_section_on_detail_pages(client):
    project = factories.project()
    page = soup(client.get(project.get_absolute_url()))
    assert [
        (a.get_text(), a["aria-current"]) for a in page.select(".main-nav a[aria-current]")
    ] == [("Projects", "true")]


def test_form_controls_are_labelled(client):
    factories.project()
    for url in [
        reverse("projects:list"),
        reverse("events:list"),
        reverse("portal:search"),
        reverse("portal:home"),
    ]:
        page = soup(client.get(url))
        for control in page.select("main input:not([type=hidden]), main select, header input"):
            assert page.find("label", attrs={"for": control["id"]}), (url, control)


def test_footer_links_only_existing_pages(client, django_assert_max_num_queries):
    Page.objects.create(slug="about", title_en="About the portal", body_en="…")
    Page.objects.create(slug="privacy", title_en="Privacy", body_en="…", is_published=False)
    page = soup(client.get(reverse("portal:cluster-list")))
    footer_links = [a.get_text() for a in page.select("footer a")]
    assert "About the portal" in footer_links
    assert "Privacy" not in footer_links and "Accessibility statement" not in footer_links
    assert page.find("footer").find("a", href=reverse("portal:page", args=["about"]))


def test_static_page(client):
    Page.objects.create(
        slug="accessibility", title_en="Accessibility statement", body_en="We aim at WCAG 2.1 AA."
    )
    page = soup(client.get(reverse("portal:page", args=["accessibility"])))
    assert page.h1.get_text() == "Accessibility statement"
    assert client.get(reverse("portal:page", args=["missing"])).status_code == 404


# --- robots.txt and the sitemap -------------------------------------------------------------


def test_robots_txt_points_to_the_sitemap(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /en/admin/" in lines and "Disallow: /en/search/" in lines


@pytest.fixture
def public_content(cluster):
    company = factories.company(clusters=[cluster])
    factories.company(is_published=False)
    project = factories.project()
    event = factories.event()
    news = factories.news()
    page = Page.objects.create(slug="about", title_en="About", body_en="…")
    return [cluster, company, project, event, news, page]


def sitemap_sections(client):
    index = ET.fromstring(client.get("/sitemap.xml").content)
    return [loc.text.removeprefix("http://testserver") for loc in index.iter(f"{SM}loc")]


def all_urls(client):
    urls = {}
    for section in sitemap_sections(client):
        response = client.get(section)
        assert response.status_code == 200
        for url in ET.fromstring(response.content).findall(f"{SM}url"):
            links = {link.get("hreflang"): link.get("href") for link in url.findall(f"{XHTML}link")}
            urls[url.find(f"{SM}loc").text] = links
    return urls


def test_sitemap_index_lists_the_sections(client, public_content):
    sections = sitemap_sections(client)
    assert "/sitemap-companies.xml" in sections and "/sitemap-clusters.xml" in sections
    assert len(sections) == 7


def test_sitemap_lists_every_public_page_in_every_language_with_alternates(client, public_content):
    urls = all_urls(client)
    for obj in public_content:
        for code in settings.LANGUAGE_CODES:
            with translation.override(code):
                location = f"http://testserver{obj.get_absolute_url()}"
            assert location in urls, location
            alternates = urls[location]
            assert set(alternates) == {*settings.LANGUAGE_CODES, "x-default"}
            with translation.override("en"):
                assert alternates["x-default"] == f"http://testserver{obj.get_absolute_url()}"
    for name in [
        "portal:home",
        "companies:list",
        "projects:list",
        "events:list",
        "portal:news-list",
    ]:
        assert f"http://testserver{reverse(name)}" in urls
    directories = set()
    for code in settings.LANGUAGE_CODES:
        with translation.override(code):
            directories.add(f"http://testserver{reverse('companies:list')}")
    profiles = [url for url in urls if any(url.startswith(d) and url != d for d in directories)]
    assert len(profiles) == 5  # one company, 5 languages (/en/companies/…, /fi/yritykset/…)


def test_unpublished_things_are_not_in_the_sitemap(client, public_content):
    hidden = factories.company(is_published=False)
    assert f"http://testserver{hidden.get_absolute_url()}" not in all_urls(client)


def test_company_sitemap_is_paged(client, settings, public_content, monkeypatch):
    from companies.sitemaps import CompanySitemap

    for _ in range(3):
        factories.company()
    monkeypatch.setattr(CompanySitemap, "limit", 5)  # one company a page (5 languages)
    sections = sitemap_sections(client)
    company_pages = [
        section for section in sections if section.startswith("/sitemap-companies.xml")
    ]
    assert company_pages == [
        "/sitemap-companies.xml",
        *[f"/sitemap-companies.xml?p={n}" for n in range(2, 5)],
    ]
    seen = set()
    for section in company_pages:
        locations = [
            url.find(f"{SM}loc").text
            for url in ET.fromstring(client.get(section).content).findall(f"{SM}url")
        ]
        assert len(locations) == 5
        seen.update(locations)
    assert len(seen) == 20


def test_sitemap_query_count_does_not_grow(client, public_content, django_assert_max_num_queries):
    for _ in range(20):
        factories.company()
    with django_assert_max_num_queries(2):
        assert client.get("/sitemap-companies.xml").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get("/sitemap.xml").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/sitemap-nothing.xml",
        "/sitemap-companies.xml?p=99",
        "/sitemap-companies.xml?p=abc",
        "/sitemap-companies.xml?p=%00",
    ],
)
def test_sitemap_nonsense_is_404(client, public_content, url):
    assert client.get(url).status_code == 404
