"""Import and export of member companies: dry run with each row's errors, commit, idempotent
re-import, coordinator scope, export of the filtered change list in CSV and Excel."""

import io
from pathlib import Path

import openpyxl
import pytest
import tablib
from django.conf import settings
from django.urls import reverse

from companies.models import Company, CompanyCertificate, Membership
from companies.resources import CompanyResource
from tests import factories
from tests.admin_helpers import form_data

pytestmark = pytest.mark.django_db

SAMPLE = Path(settings.BASE_DIR) / "fixtures" / "sample_import"
HEADER = "name,country,business_id,municipality,size_class,capabilities,certifications,clusters\n"


@pytest.fixture
def taxonomy():
    finland, sweden = factories.region(country="FI"), factories.region(country="SE")
    poland, lithuania = factories.region(country="PL"), factories.region(country="LT")
    factories.municipality(
        region=finland, slug="vaasa", name_en="Vaasa", name_fi="Vaasa", name_sv="Vasa"
    )
    factories.municipality(region=finland, slug="kokkola", name_en="Kokkola", name_sv="Karleby")
    factories.municipality(region=sweden, slug="umea", name_en="Umeå", name_sv="Umeå")
    factories.municipality(
        region=poland, slug="bialystok", name_en="Białystok", name_pl="Białystok"
    )
    factories.municipality(region=lithuania, slug="alytus", name_en="Alytus", name_lt="Alytus")
    factories.sector(nace_code="C", name_en="Manufacturing")
    for slug in [
        "welding", "mig-mag-welding", "cnc-turning", "five-axis-machining", "laser-cutting",
        "press-brake-bending", "large-part-machining", "plasma-cutting", "robotic-welding",
    ]:  # fmt: skip
        factories.capability(slug=slug, name_en=slug)
    for slug in ["structural-steel", "stainless-steel", "aluminium"]:
        factories.material(slug=slug, name_en=slug)
    for code in ["fi", "sv", "en", "pl", "lt"]:
        factories.spoken_language(code)
    for code in ["ISO 9001", "ISO 14001", "ISO 3834-2", "EN 1090-1 EXC3"]:
        factories.certification(code=code, name_en=code)
    return {
        slug: factories.cluster(slug=slug)
        for slug in [
            "ostrobothnia-metal-cluster",
            "cleantech-kvarken",
            "podlasie-metalworking-cluster",
        ]  # fmt: skip
    }


def run(text_or_dataset, user=None, dry_run=False):
    dataset = text_or_dataset
    if isinstance(text_or_dataset, str):
        dataset = tablib.Dataset().load(text_or_dataset, format="csv")
    return CompanyResource(user=user).import_data(dataset, dry_run=dry_run, use_transactions=True)


def row_errors(result):
    return {row.number: row.error_dict for row in result.invalid_rows}


def test_sample_csv_dry_run_writes_nothing_then_import_then_reimport_changes_nothing(taxonomy):
    text = (SAMPLE / "member_companies.csv").read_text(encoding="utf-8")
    dry = run(text, dry_run=True)
    assert not dry.has_errors() and not dry.has_validation_errors()
    assert dry.totals["new"] == 5
    assert Company.objects.count() == 0

    result = run(text)
    assert result.totals["new"] == 5
    vaasa = Company.objects.get(business_id="0737546-2")
    assert vaasa.municipality.slug == "vaasa"  # named "Vasa" in the file
    assert vaasa.clusters.get() == taxonomy["ostrobothnia-metal-cluster"]
    assert set(vaasa.capabilities.values_list("slug", flat=True)) == {"welding", "mig-mag-welding"}
    assert set(vaasa.certificates.values_list("certification__code", flat=True)) == {
        "ISO 9001",
        "EN 1090-1 EXC3",
    }
    assert sorted(str(country) for country in vaasa.export_markets) == ["NO", "SE"]
    assert Company.objects.get(country="PL").business_id == "526-000-12-46"

    history = Company.history.count()
    counts = (Membership.objects.count(), CompanyCertificate.objects.count())
    again = run(text)
    assert again.totals["skip"] == 5
    assert again.totals["new"] == again.totals["update"] == 0
    assert Company.history.count() == history
    assert (Membership.objects.count(), CompanyCertificate.objects.count()) == counts


def test_sample_xlsx_imports_the_same_companies(taxonomy):
    dataset = tablib.Dataset().load((SAMPLE / "member_companies.xlsx").read_bytes(), format="xlsx")
    result = run(dataset)
    assert result.totals["new"] == 5
    assert set(Company.objects.values_list("country", flat=True)) == {"FI", "SE", "PL", "LT"}


def test_a_business_id_spelled_differently_matches_the_same_company(taxonomy):
    run(HEADER + "Vasa Steel,FI,0737546-2,vaasa,small,,,ostrobothnia-metal-cluster\n")
    result = run(HEADER + "Vasa Steel Oy,fi, 07375462 ,Vaasa,small,,,ostrobothnia-metal-cluster\n")
    assert result.totals["update"] == 1
    assert Company.objects.get().name == "Vasa Steel Oy"


def test_dry_run_shows_each_rows_error_and_writes_nothing(taxonomy):
    text = HEADER + (
        "Good Oy,FI,0737546-2,vaasa,small,welding,ISO 9001,ostrobothnia-metal-cluster\n"
        "Bad ID Oy,FI,0737546-3,vaasa,small,,,ostrobothnia-metal-cluster\n"
        "Nowhere Oy,FI,2336509-6,Atlantis,small,,,ostrobothnia-metal-cluster\n"
        "Twice Oy,FI,0737546-2,vaasa,small,,,ostrobothnia-metal-cluster\n"
        "Unknown Oy,FI,1572860-0,vaasa,huge,teleportation,ISO 99999,no-such-cluster\n"
    )
    result = run(text, dry_run=True)
    errors = row_errors(result)
    assert set(errors) == {2, 3, 4, 5}
    assert "business_id" in errors[2]
    assert "Unknown municipality" in " ".join(errors[3]["municipality"])
    assert "Duplicate" in " ".join(errors[4]["business_id"])
    assert set(errors[5]) >= {"size_class", "capabilities", "certifications", "clusters"}
    assert Company.objects.count() == 0


def test_coordinator_import_is_scoped(taxonomy):
    mine = taxonomy["ostrobothnia-metal-cluster"]
    theirs = taxonomy["cleantech-kvarken"]
    coordinator = factories.coordinator(mine)
    other = factories.company(
        business_id="556036-0793",
        country="SE",
        municipality=factories.municipality(country="SE"),
        clusters=[theirs],
    )
    text = HEADER + (
        "New Member Oy,FI,0737546-2,vaasa,small,,,\n"  # no cluster named: joins the coordinator's
        f"{other.name},SE,556036-0793,umea,small,,,\n"  # another cluster's company
        "Elsewhere Oy,FI,2336509-6,vaasa,small,,,cleantech-kvarken\n"  # a cluster not theirs
    )
    result = run(text, user=coordinator)
    errors = row_errors(result)
    assert set(errors) == {2, 3}
    assert "do not coordinate" in " ".join(errors[2]["business_id"])
    assert "do not coordinate" in " ".join(errors[3]["clusters"])
    assert Company.objects.get(business_id="0737546-2").clusters.get() == mine
    other.refresh_from_db()
    assert other.municipality.slug != "umea"


def test_coordinator_of_several_clusters_must_name_the_cluster(taxonomy):
    coordinator = factories.coordinator(*taxonomy.values())
    result = run(HEADER + "New Member Oy,FI,0737546-2,vaasa,small,,,\n", user=coordinator)
    assert "clusters" in row_errors(result)[1]


def test_import_through_the_admin_with_dry_run_and_confirmation(client, taxonomy):
    coordinator = factories.coordinator(taxonomy["ostrobothnia-metal-cluster"])
    client.force_login(coordinator)
    url = reverse("admin:companies_company_import")
    assert client.get(url).status_code == 200
    upload = io.BytesIO((HEADER + "Admin Import Oy,FI,0737546-2,Vasa,small,welding,,\n").encode())
    upload.name = "members.csv"
    response = client.post(url, {"import_file": upload, "format": "0", "resource": "0"})
    assert response.status_code == 200
    assert "Admin Import Oy" in response.content.decode()
    assert not Company.objects.exists()  # the dry run wrote nothing
    process_url = reverse("admin:companies_company_process_import")
    response = client.post(process_url, form_data(response, action=process_url))
    assert response.status_code == 302
    assert Company.objects.get().name == "Admin Import Oy"


def test_outsiders_cannot_import_or_export(client, taxonomy):
    representative = factories.representative(factories.company())
    client.force_login(representative)
    assert client.get(reverse("admin:companies_company_import")).status_code == 302
    assert client.get(reverse("admin:companies_company_export")).status_code == 302


def export(client, file_format, query=""):
    url = reverse("admin:companies_company_export") + query
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page)
    formats = list(page.context["form"].fields["format"].choices)
    data["format"] = next(str(value) for value, label in formats if label.lower() == file_format)
    response = client.post(url, data)
    assert response.status_code == 200
    return response


def test_export_contains_the_coordinators_filtered_companies_only(client, taxonomy):
    mine = taxonomy["ostrobothnia-metal-cluster"]
    in_finland = factories.company(name="Finnish Member", clusters=[mine])
    in_sweden = factories.company(
        name="Swedish Member",
        country="SE",
        municipality=factories.municipality(country="SE"),
        clusters=[mine],
    )
    factories.company(name="Outsider", clusters=[taxonomy["cleantech-kvarken"]])
    client.force_login(factories.coordinator(mine))

    text = export(client, "csv").content.decode()
    assert "Finnish Member" in text and "Swedish Member" in text
    assert "Outsider" not in text

    text = export(client, "csv", "?country__exact=SE").content.decode()
    assert in_sweden.name in text and in_finland.name not in text

    workbook = openpyxl.load_workbook(io.BytesIO(export(client, "xlsx").content))
    names = [row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["Finnish Member", "Swedish Member"]
