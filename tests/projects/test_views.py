"""The project list with its filters and the project page."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from projects.models import (
    FundingSource,
    Project,
    ProjectContact,
    ProjectDocument,
    ProjectListItem,
    ProjectPartner,
    ProjectResult,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def names(response):
    page = BeautifulSoup(response.content, "html.parser")
    return sorted(a.get_text() for a in page.select(".project-card h2 a"))


def list_url():
    return reverse("projects:list")


@pytest.fixture
def projects():
    metal = factories.cluster(slug="metal")
    finnish = factories.organization(country="FI")
    polish = factories.organization(country="PL")
    lithuanian = factories.organization(country="LT")
    old = factories.project(
        name_en="Old metal",
        status=Project.Status.COMPLETED,
        start_date=datetime.date(2008, 1, 1),
        end_date=datetime.date(2010, 12, 31),
        lead_organization=finnish,
        programme_en="European Regional Development Fund",
        programme_sv="Europeiska regionala utvecklingsfonden",
    )
    old.clusters.add(metal)
    border = factories.project(
        name_en="Border cooperation",
        status=Project.Status.COMPLETED,
        start_date=datetime.date(2010, 1, 1),
        end_date=datetime.date(2010, 12, 31),
        lead_organization=polish,
        programme_en="Small Projects Fund",
    )
    ProjectPartner.objects.create(project=border, organization=lithuanian)
    running = factories.project(
        name_en="Future cleantech",
        status=Project.Status.ACTIVE,
        start_date=datetime.date(2024, 1, 1),
        end_date=None,
        lead_organization=finnish,
    )
    factories.project(name_en="Hidden", is_published=False)
    return {"old": old, "border": border, "running": running}


def test_list_shows_published_projects(client, projects):
    assert names(client.get(list_url())) == ["Border cooperation", "Future cleantech", "Old metal"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "active"}, ["Future cleantech"]),
        ({"cluster": "metal"}, ["Old metal"]),
        ({"programme": "Small Projects Fund"}, ["Border cooperation"]),
        ({"country": "LT"}, ["Border cooperation"]),  # a partner's country counts
        ({"country": "FI"}, ["Future cleantech", "Old metal"]),
        ({"year": "2009"}, ["Old metal"]),
        ({"year": "2010"}, ["Border cooperation", "Old metal"]),
        ({"status": "completed", "country": "PL"}, ["Border cooperation"]),
    ],
)
def test_each_filter(client, projects, params, expected):
    assert names(client.get(list_url(), params)) == expected


def test_a_project_without_end_date_is_running_this_year(client, projects):
    this_year = str(timezone.localdate().year)
    assert names(client.get(list_url(), {"year": this_year})) == ["Future cleantech"]


def test_programme_filter_reads_the_name_in_the_active_language(client, projects):
    response = client.get(
        factories.url_in("sv", "projects:list"),
        {"programme": "Europeiska regionala utvecklingsfonden"},
    )
    assert response.status_code == 200
    assert "Old metal" in response.content.decode()
    assert "Border cooperation" not in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"status": "nonsense"},
        {"cluster": "no-such-cluster"},
        {"cluster": "\x00"},
        {"programme": "x" * 10_000},
        {"country": "XX"},
        {"year": "abc"},
        {"year": "99999"},
        {"page": "-1"},
        {"page": "abc"},
        {"page": "999"},
        {"page": "\x00"},
    ],
)
def test_nonsense_is_ignored(client, projects, params):
    response = client.get(list_url(), params)
    assert response.status_code == 200
    assert names(response) == ["Border cooperation", "Future cleantech", "Old metal"]


def test_pagination_keeps_the_filters(client):
    for n in range(14):
        factories.project(name_en=f"P{n:02d}", status=Project.Status.ACTIVE)
    response = client.get(list_url(), {"status": "active"})
    page = BeautifulSoup(response.content, "html.parser")
    assert len(page.select(".project-card")) == 12
    assert page.find("a", rel="next")["href"] == "?status=active&page=2"
    second = client.get(list_url(), {"status": "active", "page": 2})
    assert len(BeautifulSoup(second.content, "html.parser").select(".project-card")) == 2


def test_list_query_count_is_constant(client, django_assert_max_num_queries, projects):
    for _ in range(10):
        project = factories.project()
        project.clusters.add(factories.cluster())
    with django_assert_max_num_queries(10):
        assert client.get(list_url(), {"status": "active", "cluster": "metal"}).status_code == 200


@pytest.fixture
def full_project():
    lead = factories.organization(name_en="Merinova Technology Centre", short_name="Merinova")
    predecessor = factories.project(name_en="Ostrobothnia Metal")
    project = factories.project(
        name_en="Cleantech Kvarken",
        acronym="CK",
        lead_organization=lead,
        predecessor=predecessor,
        total_budget=1_200_000,
        programme_en="Interreg Botnia-Atlantica",
        reference_number="BA-2015-44",
        last_updated=datetime.date(2018, 10, 1),
    )
    successor = factories.project(name_en="Future Cleantech Solutions", predecessor=project)
    factories.project(name_en="Unpublished successor", predecessor=project, is_published=False)
    for position, text in [(2, "Third aim"), (0, "First aim"), (1, "Second aim")]:
        ProjectListItem.objects.create(
            project=project, kind="objective", text_en=text, position=position
        )
    ProjectListItem.objects.create(project=project, kind="benefit", text_en="New customers")
    ProjectPartner.objects.create(
        project=project,
        organization=factories.organization(name_en="Umeå Municipality"),
        role_description_en="Swedish side",
    )
    FundingSource.objects.create(
        project=project, name_en="ERDF", amount=720_000, share_percent=60, position=0
    )
    FundingSource.objects.create(
        project=project,
        name_en="National co-financing",
        amount=360_000,
        share_percent=30,
        position=1,
    )
    ProjectResult.objects.create(
        project=project, value=97, unit_en="%", label_en="want to continue"
    )
    document = ProjectDocument(project=project, title_en="Project plan", language="sv")
    document.file.save("plan.pdf", ContentFile(b"%PDF-1.4\n" + b"0" * 2039), save=True)
    person = factories.person(
        first_name="Sara", last_name="Nyberg", email="sara.nyberg@example.org"
    )
    ProjectContact.objects.create(project=project, person=person, role_en="Communications")
    factories.news(title_en="SEK 500,000 for the project", project=project, kind="press_release")
    return project, predecessor, successor


def test_project_page_content(client, full_project):
    project, predecessor, successor = full_project
    response = client.get(project.get_absolute_url())
    html = response.content.decode()
    page = BeautifulSoup(html, "html.parser")
    assert page.h1.get_text(" ", strip=True) == "Cleantech Kvarken (CK)"
    assert [li.get_text() for li in page.select("#objectives-title + ol li")] == [
        "First aim",
        "Second aim",
        "Third aim",
    ]
    assert "New customers" in html
    assert "Umeå Municipality" in html and "Swedish side" in html
    funding_rows = [
        [c.get_text(" ", strip=True) for c in row.find_all(["th", "td"])]
        for row in page.select("#funding-title ~ .table-scroll tbody tr")
    ]
    assert funding_rows == [
        ["ERDF", "€720,000", "60%"],  # English conventions (clusters.i18n.format_money)
        ["National co-financing", "€360,000", "30%"],
    ]
    assert "€1,200,000" in html
    assert page.find(id="chart-funding").find("svg")["role"] == "img"
    assert "97 %" in page.select_one(".figures").get_text(" ", strip=True)
    document = page.select_one(".document-list li")
    assert document.a["href"].endswith(".pdf")
    assert (
        "PDF" in document.get_text()
        and "2.0\xa0KB" in document.get_text()
        and "svenska" in document.get_text()
    )
    assert "sara.nyberg@example.org" not in html and "sara.nyberg [at] example [dot] org" in html
    assert "Communications" in html
    assert "SEK 500,000 for the project" in html
    assert page.find("a", href=predecessor.get_absolute_url())
    assert page.find("a", href=successor.get_absolute_url())
    assert "Unpublished successor" not in html
    assert page.find("time", datetime="2018-10-01")


def test_missing_document_file_does_not_break_the_page(client, full_project, settings, tmp_path):
    project = full_project[0]
    settings.MEDIA_ROOT = tmp_path / "elsewhere"
    assert client.get(project.get_absolute_url()).status_code == 200


def test_project_page_query_count_is_constant(client, full_project, django_assert_max_num_queries):
    project = full_project[0]
    for n in range(10):
        ProjectPartner.objects.create(project=project, organization=factories.organization())
        ProjectContact.objects.create(
            project=project, person=factories.person(organization=factories.organization())
        )
        FundingSource.objects.create(
            project=project, name_en=f"Fund {n}", funder=factories.organization()
        )
    with django_assert_max_num_queries(16):
        assert client.get(project.get_absolute_url()).status_code == 200


def test_unknown_or_unpublished_project_is_404(client):
    hidden = factories.project(is_published=False)
    assert client.get(reverse("projects:detail", args=["nope"])).status_code == 404
    assert client.get(hidden.get_absolute_url()).status_code == 404
