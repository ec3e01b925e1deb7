"""Home, cluster list and cluster pages; the spam-protected e-mail tag; the SVG charts."""

import base64

import pytest
from bs4 import BeautifulSoup
from django.template import Context, Template
from django.urls import reverse

from clusters import charts
from clusters.templatetags.portal_tags import encode_email, obfuscate_email
from companies.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


# --- protected e-mail -----------------------------------------------------------------------


def test_protected_email_hides_the_address_and_encodes_it_reversibly():
    html = Template("{% load portal_tags %}{% protected_email address %}").render(
        Context({"address": "anna.virtanen@example.org"})
    )
    assert "anna.virtanen@example.org" not in html
    assert "mailto" not in html
    assert "anna.virtanen [at] example [dot] org" in html
    encoded = BeautifulSoup(html, "html.parser").find(attrs={"data-protected-email": True})[
        "data-protected-email"
    ]
    # What email.js does: base64 → UTF-8 → reverse.
    assert base64.b64decode(encoded).decode("utf-8")[::-1] == "anna.virtanen@example.org"


def test_protected_email_handles_non_ascii_and_empty_values():
    assert (
        base64.b64decode(encode_email("jūratė@example.org")).decode()[::-1] == "jūratė@example.org"
    )
    assert obfuscate_email("a@b.example.org") == "a [at] b [dot] example [dot] org"
    assert Template("{% load portal_tags %}{% protected_email '' %}").render(Context()) == ""
    assert (
        Template("{% load portal_tags %}{% protected_email 'no address' %}").render(Context()) == ""
    )


def test_email_script_is_loaded_by_every_page(client):
    page = soup(client.get(reverse("portal:home")))
    assert page.find("script", src=lambda src: src and src.endswith("portal/js/email.js"))


# --- charts ---------------------------------------------------------------------------------


def test_bar_chart_is_accessible_svg_with_a_table():
    html = charts.bar_chart(
        [charts.Bar("Vaasa", 12, "/en/companies/?municipality=1"), charts.Bar("Kokkola <b>", 3)],
        chart_id="c1",
        title="Members by town",
        description="Members per town.",
        label_heading="Town",
        value_heading="Members",
    )
    page = BeautifulSoup(html, "html.parser")
    svg = page.find("svg")
    assert svg["role"] == "img"
    assert svg["aria-labelledby"] == "c1-title c1-desc"
    assert svg.find("title").text == "Members by town"
    assert "Vaasa: 12" in svg.find("desc").text
    widths = [rect["width"] for rect in svg.find_all("rect")]
    assert widths[0] == "82%" and widths[1] == "20.5%"
    rows = [
        [cell.get_text() for cell in row.find_all(["th", "td"])] for row in page.select("tbody tr")
    ]
    assert rows == [["Vaasa", "12"], ["Kokkola <b>", "3"]]  # escaped, not markup
    assert page.select_one("tbody a")["href"] == "/en/companies/?municipality=1"


def test_empty_charts_render_nothing():
    assert (
        charts.bar_chart(
            [], chart_id="x", title="t", description="d", label_heading="l", value_heading="v"
        )
        == ""
    )
    assert charts.share_bar([("ERDF", None)], chart_id="y", title="t") == ""


def test_share_bar_draws_each_share_and_its_legend():
    html = charts.share_bar(
        [("ERDF", 60), ("National", 30), ("Own", 10)], chart_id="f", title="Funding"
    )
    page = BeautifulSoup(html, "html.parser")
    segments = page.select("svg.chart-svg rect[class^=chart-seg]")
    assert [(rect["x"], rect["width"]) for rect in segments] == [
        ("0%", "60%"),
        ("60%", "30%"),
        ("90%", "10%"),
    ]
    assert [li.get_text(" ", strip=True) for li in page.select(".chart-legend li")] == [
        "ERDF 60 %",
        "National 30 %",
        "Own 10 %",
    ]


# --- pages ----------------------------------------------------------------------------------


def _project_in(cluster, **kwargs):
    project = factories.project(**kwargs)
    project.clusters.add(cluster)
    return project


def _cluster_with_members(members=3):
    cluster = factories.cluster(
        name_en="Ostrobothnia Metal",
        summary_en="Metal companies working together.",
        goals_en="Visible companies\nMore exports",
        member_benefits_en="A profile in the directory\nMatchmaking",
    )
    town = factories.municipality(name_en="Vaasa")
    other_town = factories.municipality(name_en="Kokkola")
    sector = factories.sector(name_en="Fabricated metal products")
    for n in range(members):
        company = factories.company(clusters=[cluster], municipality=town if n % 3 else other_town)
        company.sectors.add(sector)
    return cluster


def test_home_shows_search_figures_clusters_events_and_news(client):
    cluster = _cluster_with_members(2)
    factories.company(is_published=False, clusters=[cluster])
    _project_in(cluster)
    factories.event(title_en="Matchmaking day", cluster=cluster)
    factories.news(title_en="New members joined")
    response = client.get(reverse("portal:home"))
    page = soup(response)
    assert page.select_one("form.hero-search")["action"] == reverse("companies:list")
    figures = {div.dt.get_text(): div.dd.get_text() for div in page.select(".hero-figures div")}
    assert figures == {"Companies": "2", "Clusters": "1", "Projects": "1", "Upcoming events": "1"}
    assert "Ostrobothnia Metal" in page.text
    assert "2 member companies in the portal" in " ".join(
        page.select_one(".cluster-card").get_text().split()
    )
    assert "Matchmaking day" in page.text and "New members joined" in page.text


def test_home_query_count_does_not_grow(client, django_assert_max_num_queries):
    for _ in range(4):
        cluster = _cluster_with_members(2)
        factories.event(cluster=cluster)
        factories.news(cluster=cluster)
    client.get(reverse("portal:home"))  # builds the directory index (figures, member counts)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("portal:home")).status_code == 200


def test_cluster_list_groups_by_country(client):
    factories.cluster(name_en="Finnish cluster", country="FI")
    factories.cluster(name_en="Polish cluster", country="PL")
    factories.cluster(name_en="Hidden cluster", is_published=False)
    page = soup(client.get(reverse("portal:cluster-list")))
    assert [h2.get_text() for h2 in page.select("main h2")] == ["Finland", "Poland"]
    assert "Hidden cluster" not in page.text


def test_cluster_page_content(client):
    cluster = _cluster_with_members(3)
    person = factories.person(
        first_name="Anna", last_name="Lindqvist", email="anna.lindqvist@example.org"
    )
    cluster.contact_roles.create(person=person, role_en="Coordinator")
    project = _project_in(cluster, name_en="Metal portal project")
    factories.event(title_en="Welding seminar", cluster=cluster)
    factories.news(title_en="Cluster news", cluster=cluster)
    response = client.get(cluster.get_absolute_url())
    html = response.content.decode()
    page = soup(response)
    assert page.h1.get_text() == "Ostrobothnia Metal"
    assert [li.get_text() for li in page.select("#goals-title + ul li")] == [
        "Visible companies",
        "More exports",
    ]
    assert [li.get_text() for li in page.select("#benefits-title + ul li")] == [
        "A profile in the directory",
        "Matchmaking",
    ]
    assert "anna.lindqvist@example.org" not in html and "mailto:" not in html
    assert "anna.lindqvist [at] example [dot] org" in html
    assert page.find("a", href=f"{reverse('companies:list')}?cluster={cluster.pk}")
    assert page.find("a", href=project.get_absolute_url())
    assert "Welding seminar" in html and "Cluster news" in html
    town_chart = page.find(id="chart-towns")
    assert town_chart.find("title").get_text() == "Member companies by municipality"
    assert [
        [c.get_text() for c in row.find_all(["th", "td"])] for row in town_chart.select("tbody tr")
    ] == [
        ["Kokkola", "1"],
        ["Vaasa", "2"],
    ][::-1]
    assert "Fabricated metal products: 3" in page.find(id="chart-sectors").find("desc").get_text()
    assert page.find("link", rel="alternate", type="text/calendar")["href"] == reverse(
        "portal:cluster-events-ics", args=[cluster.slug]
    )


def test_cluster_members_count_only_active_published_companies(client):
    cluster = _cluster_with_members(2)
    Membership.objects.create(company=factories.company(is_published=False), cluster=cluster)
    Membership.objects.create(company=factories.company(), cluster=cluster, is_active=False)
    page = soup(client.get(cluster.get_absolute_url()))
    assert page.select_one(".big-figure strong").get_text() == "2"


def test_cluster_page_query_count_is_constant(client, django_assert_max_num_queries):
    cluster = _cluster_with_members(30)
    for n in range(5):
        cluster.contact_roles.create(
            person=factories.person(organization=factories.organization()), role_en=f"R{n}"
        )
        _project_in(cluster)
        factories.event(cluster=cluster)
        factories.news(cluster=cluster)
    client.get(cluster.get_absolute_url())  # builds the directory index (counts, charts)
    with django_assert_max_num_queries(11):
        assert client.get(cluster.get_absolute_url()).status_code == 200


def test_member_counts_and_charts_follow_changes(client):
    cluster = _cluster_with_members(3)
    assert "3" in soup(client.get(cluster.get_absolute_url())).select_one(".figure strong").text
    factories.company(clusters=[cluster])
    assert "4" in soup(client.get(cluster.get_absolute_url())).select_one(".figure strong").text


@pytest.mark.parametrize("slug", ["unknown", "a" * 80])
def test_unknown_or_unpublished_cluster_is_404(client, slug):
    factories.cluster(slug="hidden", is_published=False)
    assert client.get(reverse("portal:cluster", args=[slug])).status_code == 404
    assert client.get(reverse("portal:cluster", args=["hidden"])).status_code == 404
