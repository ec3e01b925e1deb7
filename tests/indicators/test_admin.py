"""The coordinators' figures in the admin: every figure with the coordinators-only ones, scoped
to the coordinator's clusters and their projects, linked from the admin index and the change
pages, with the same downloads; and the period form on its own."""

import copy
import csv
import datetime
import io

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from indicators.admin import project_period
from indicators.periods import Period, PeriodForm, series_rows, year_before
from tests import factories
from tests.shared import shared_data

from .world import build

pytestmark = pytest.mark.django_db

YEAR_2024 = {"start": "2024-01-01", "end": "2024-12-31"}


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with shared_data(django_db_blocker, build) as world:
        yield world


@pytest.fixture
def world(shared_world):
    return copy.deepcopy(shared_world)


def cluster_url(cluster):
    return reverse("admin:portal_cluster_figures", args=[cluster.pk])


def project_url(project):
    return reverse("admin:projects_project_figures", args=[project.pk])


@pytest.fixture
def coordinator_client(client, world):
    client.force_login(factories.coordinator(world.cluster))
    return client


def test_an_administrator_sees_every_figure_of_any_cluster(admin_client, world):
    response = admin_client.get(cluster_url(world.cluster), YEAR_2024)
    assert response.status_code == 200
    html = response.content.decode()
    for title in (
        "Interest and renewals",
        "Visit requests by status",
        "Meeting requests by status",
    ):
        assert title in html
    soup = BeautifulSoup(html, "html.parser")
    renewals = soup.find("th", string="Renewals of offers").find_next_sibling("td")
    assert renewals.get_text(strip=True) == "1"
    assert "coordinators only" in html
    assert admin_client.get(cluster_url(world.other)).status_code == 200


def test_a_coordinator_sees_their_own_clusters_and_projects_only(coordinator_client, world):
    assert coordinator_client.get(cluster_url(world.cluster)).status_code == 200
    assert coordinator_client.get(cluster_url(world.other)).status_code == 404
    assert coordinator_client.get(project_url(world.project)).status_code == 200
    elsewhere = factories.project(name_en="Paper Project")
    elsewhere.clusters.add(world.other)
    assert coordinator_client.get(project_url(elsewhere)).status_code == 404
    unknown = reverse("admin:portal_cluster_figures", args=[999_999])
    assert coordinator_client.get(unknown).status_code == 404
    response = coordinator_client.get(cluster_url(world.other), {"format": "csv"})
    assert response.status_code == 404


def test_visitors_and_representatives_are_sent_to_the_login(client, world):
    assert client.get(cluster_url(world.cluster)).status_code == 302
    client.force_login(factories.representative(world.c1))
    response = client.get(cluster_url(world.cluster))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_admin_csv_and_xlsx_include_the_coordinators_figures(coordinator_client, world):
    response = coordinator_client.get(cluster_url(world.cluster), {**YEAR_2024, "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["Interest and renewals", "Expressions of interest received", "Number", "3"] in rows
    assert ["Visit requests by status", "New", "Visit requests", "1"] in rows
    response = coordinator_client.get(cluster_url(world.cluster), {**YEAR_2024, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_hostile_period_in_the_admin_is_a_form_error(coordinator_client, world):
    response = coordinator_client.get(cluster_url(world.cluster), {"start": "2024-13-01"})
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    response = coordinator_client.get(
        cluster_url(world.cluster), {"start": "nonsense", "format": "xlsx"}
    )
    assert response.status_code == 400


def test_a_projects_default_period_is_its_duration(coordinator_client, world):
    response = coordinator_client.get(project_url(world.project))
    assert response.context["period"] == project_period(world.project)
    assert response.context["report"].figure("events").rows[0] == ("Events held", [1])
    today = datetime.date(2025, 6, 1)
    project = factories.project(start_date=datetime.date(2024, 1, 1), end_date=None)
    assert project_period(project, today) == Period(datetime.date(2024, 1, 1), today)
    project.start_date = datetime.date(2026, 1, 1)
    assert project_period(project, today) == Period.last_12_months(today)


def test_the_admin_index_and_change_pages_link_to_the_figures(coordinator_client, world):
    index = coordinator_client.get(reverse("admin:index")).content.decode()
    assert f'href="{cluster_url(world.cluster)}"' in index
    assert cluster_url(world.other) not in index
    change = reverse("admin:portal_cluster_change", args=[world.cluster.pk])
    assert f'href="{cluster_url(world.cluster)}"' in coordinator_client.get(change).content.decode()
    change = reverse("admin:projects_project_change", args=[world.project.pk])
    assert f'href="{project_url(world.project)}"' in coordinator_client.get(change).content.decode()


# --- The period on its own -----------------------------------------------------------------------


TODAY = datetime.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("data", "period", "errors"),
    [
        (None, Period(datetime.date(2025, 3, 2), TODAY), []),
        ({"start": "2025-01-01"}, Period(datetime.date(2025, 1, 1), TODAY), []),
        ({"end": "2025-12-31"}, Period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)), []),
        ({"period": "all"}, Period(None, TODAY), []),
        ({"period": "all", "start": "2020-01-01"}, Period(None, TODAY), []),
        ({"start": "2026-03-02"}, Period(datetime.date(2025, 3, 2), TODAY), ["start"]),
        ({"end": "2026-03-02"}, Period(datetime.date(2025, 3, 2), TODAY), ["end"]),
        ({"start": "1850-01-01"}, Period(datetime.date(2025, 3, 2), TODAY), ["start"]),
        (
            {"start": "2025-02-01", "end": "2025-01-01"},
            Period(datetime.date(2025, 3, 2), TODAY),
            ["end"],
        ),
        ({"start": "31.12.2025"}, Period(datetime.date(2025, 3, 2), TODAY), ["start"]),
    ],
)
def test_the_period_form(data, period, errors):
    form = PeriodForm(data, today=TODAY)
    assert form.chosen() == period
    assert sorted(form.errors) == errors


def test_a_leap_day_and_the_buckets():
    assert year_before(datetime.date(2024, 2, 29)) == datetime.date(2023, 3, 1)
    period = Period(datetime.date(2020, 1, 1), datetime.date(2024, 12, 31))
    grain, rows = series_rows([datetime.date(2020, 2, 3)], [datetime.date(2024, 12, 1)], period)
    assert grain == "quarter" and len(rows) == 20
    assert rows[0] == ("Q1 2020", [1, 0]) and rows[-1] == ("Q4 2024", [0, 1])
    assert series_rows([], [], Period(None, datetime.date(2024, 1, 1))) == ("month", [])
    grain, rows = series_rows([datetime.date(1, 1, 1)], [], Period(None, datetime.date(2024, 1, 1)))
    assert grain == "year" and rows[0][0] == "1900"  # a wrong date does not draw 2,000 years
