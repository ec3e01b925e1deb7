"""The public figures page of a cluster: every language, only the public figures, accessible
tables and charts, CSV and XLSX downloads of the same figures, the print stylesheet, and hostile
period parameters (never a 500)."""

import copy
import csv
import io
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from openpyxl import load_workbook

from indicators import figures
from indicators.periods import Period
from indicators.scopes import cluster_scope
from tests import factories
from tests.shared import shared_data

from .world import PERIOD, build

pytestmark = pytest.mark.django_db

YEAR_2024 = {"start": "2024-01-01", "end": "2024-12-31"}
CSS = Path(settings.BASE_DIR) / "portal/static/portal/css/figures.css"


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with shared_data(django_db_blocker, build) as world:
        yield world


@pytest.fixture
def world(shared_world):
    return copy.deepcopy(shared_world)


def url(world, language="en"):
    return factories.url_in(language, "portal:cluster-figures", slug=world.cluster.slug)


def private_texts(world):
    """Titles and row labels of the coordinators-only figures (in English)."""
    report = figures.report(cluster_scope(world.cluster), PERIOD, use_cache=False)
    texts = set()
    for figure in report.figures:
        if not figure.public:
            texts.add(figure.title)
            texts.update(label for label, _values in figure.rows if len(label) > 12)
    return texts


def cell(soup, figure_key, label):
    table = soup.find(id=f"figure-{figure_key}-caption").find_parent("table")
    row = next(tr for tr in table.tbody.find_all("tr") if tr.th.get_text(strip=True) == label)
    return [td.get_text(strip=True) for td in row.find_all("td")]


@pytest.mark.parametrize("language", settings.LANGUAGE_CODES)
def test_the_page_in_every_language(client, world, language):
    response = client.get(url(world, language), YEAR_2024)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    soup = BeautifulSoup(html, "html.parser")
    members = soup.find(id="figure-members-caption").find_parent("table")
    assert [td.get_text(strip=True) for td in members.tbody.find_all("td")] == ["4", "3", "2"]
    assert soup.select_one(
        "svg#chart-members-by-country, svg[aria-labelledby^=chart-members-by-country]"
    )
    assert soup.find("link", href=lambda href: href and href.endswith("portal/css/figures.css"))


def test_the_page_shows_each_public_figure_and_no_coordinator_only_one(client, world):
    html = client.get(url(world), YEAR_2024).content.decode()
    soup = BeautifulSoup(html, "html.parser")
    assert cell(soup, "members_by_country", "Finland") == ["3"]
    assert cell(soup, "events", "Participants (people)") == ["4"]
    assert cell(soup, "matchmaking", "Meetings held") == ["1"]
    assert cell(soup, "reached", "Companies and organisations reached") == ["10"]
    assert cell(soup, "members_joined_left", "July 2024") == ["0", "1"]
    for text in private_texts(world):
        assert text not in html
    assert "coordinators only" not in html


def test_headline_counts_meet_their_nouns_in_singular_and_plural(client, world):
    soup = BeautifulSoup(client.get(url(world), YEAR_2024).content, "html.parser")
    headline = [f.get_text(" ", strip=True) for f in soup.select(".figures-headline .figure")]
    assert "4 member companies at the end of the period" in headline
    assert "1 matchmaking meeting held" in headline
    assert "2 companies left" in headline


def test_tables_and_charts_are_accessible(client, world):
    soup = BeautifulSoup(client.get(url(world), YEAR_2024).content, "html.parser")
    tables = soup.select("table.indicator-table")
    assert len(tables) >= 10
    for table in tables:
        assert table.caption and table.caption.get_text(strip=True)
        assert all(th.get("scope") == "col" for th in table.thead.find_all("th"))
        assert all(tr.th.get("scope") == "row" for tr in table.tbody.find_all("tr"))
    for svg in soup.select("svg.chart-svg"):
        assert svg["role"] == "img"
        assert svg.title.get_text(strip=True) and svg.desc.get_text(strip=True)
    assert not soup.select("[style]")  # the Content-Security-Policy forbids inline styles


def test_the_csv_holds_the_public_figures(client, world):
    response = client.get(url(world), {**YEAR_2024, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="kvarken-cleantech')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Figure", "Row", "Column", "Value"]
    assert ["Period", "From", "", "2024-01-01"] in rows
    assert ["Members", "Member companies at the end of the period", "Number", "4"] in rows
    assert ["Members by sector", "Waste management", "Member companies", "2"] in rows
    assert ["Members joined and left per month", "July 2024", "Left", "1"] in rows
    titles = {row[0] for row in rows}
    labels = {row[1] for row in rows}
    assert not private_texts(world) & (titles | labels)


def test_the_xlsx_holds_the_same_figures(client, world):
    response = client.get(url(world), {**YEAR_2024, "format": "xlsx"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[0] == "Summary"
    summary = [tuple(row) for row in workbook["Summary"].iter_rows(values_only=True)]
    assert summary[0][0] == "Kvarken Cleantech"
    assert ("Members", "Member companies at the end of the period", 4) in summary
    assert ("Companies reached", "of which companies in the directory", 5) in summary
    by_country = [tuple(row) for row in workbook["Members by country"].iter_rows(values_only=True)]
    assert by_country[:4] == [
        ("Members by country", None),
        ("Country", "Member companies"),
        ("Finland", 3),
        ("Sweden", 1),
    ]
    private = private_texts(world)
    assert not private & set(workbook.sheetnames)
    assert not private & {row[1] for row in summary if len(row) > 1}


def test_the_default_period_is_the_last_12_months_and_all_time_is_offered(client, world):
    response = client.get(url(world))
    assert response.context["period"] == Period.last_12_months()
    response = client.get(url(world), {"period": "all", "end": "2024-12-31"})
    assert response.context["period"] == Period(None, PERIOD.end)
    members = response.context["report"].figure("members").rows
    assert members[1] == ("Joined in the period", [5])  # c1–c4, c6 (c5 and c7 joined later)


@pytest.mark.parametrize(
    "query",
    [
        "start=2026-13-45",
        "start=abc&end=",
        "end=9999-12-31",
        "start=0001-01-01",
        "start=1899-12-31&end=1900-01-02",
        "start=2024-12-31&end=2024-01-01",
        "period=all&end=nonsense",
        "period=%00",
        "start=%00&end=a%00b",
        "start[]=2024-01-01",
        "start=" + "9" * 5000,
        "start=2024-01-01&start=2025-01-01",
        "start=%ff%fe",
        "format=../../etc/passwd",
        "format=xlsx&end=9999-12-31",
        "format=csv&start=2024-12-31&end=2024-01-01",
        "format=csv&period=all",
    ],
)
def test_hostile_period_parameters_never_500(client, world, query):
    response = client.get(f"{url(world)}?{query}")
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "format=" in query
    elif "format=csv" not in query:
        assert response.context["period"] is not None


def test_a_period_that_cannot_be_read_is_a_form_error(client, world):
    response = client.get(url(world), {"start": "2024-12-31", "end": "2024-01-01"})
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert "The end of the period is before its start." in soup.select_one(".errorlist").text
    assert response.context["period"] == Period.last_12_months()
    response = client.get(url(world), {"end": "2999-01-01", "format": "csv"})
    assert response.status_code == 400


def test_an_unknown_or_unpublished_cluster_is_404(client, world):
    assert client.get(url(world).replace(world.cluster.slug, "no-such-cluster")).status_code == 404
    world.cluster.is_published = False
    world.cluster.save()
    assert client.get(url(world)).status_code == 404


def test_the_cluster_page_links_to_the_figures(client, world):
    html = client.get(world.cluster.get_absolute_url()).content.decode()
    assert f'href="{url(world)}"' in html
    assert "figures.css" not in html  # the print stylesheet is the figures page's only


def test_the_print_stylesheet_makes_an_a4_report():
    css = CSS.read_text()
    assert "@page" in css and "size: A4" in css
    print_rules = css[css.index("@media print") :]
    for hidden in (".site-header", ".nav-bar", ".site-footer", ".figures-period"):
        assert hidden in print_rules.split("display: none")[0]
    assert "break-inside: avoid" in print_rules
    assert "://" not in css and "@import" not in css  # nothing from elsewhere (no CDN)
