"""``manage.py export_open_data`` writes CSV and JSON Lines files that parse, hold the API's data
in every language and nothing private; the manifest lists them; the Open data page states the
licence and links the files with their sizes and date; stable links redirect to the latest
files; a new run replaces the previous one. The footer and the sitemap link the page."""

import csv
import io
import json

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from api import opendata
from api.envelope import LICENSE_URL

from .world import SECRETS

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def read(name):
    with default_storage.open(name) as handle:
        return handle.read().decode("utf-8")


def files_of(manifest, resource, language):
    return {
        entry["format"]: entry
        for entry in manifest["files"]
        if entry["resource"] == resource and entry["language"] == language
    }


def test_the_command_writes_every_resource_in_every_language(world, media, client):
    out = io.StringIO()
    call_command("export_open_data", stdout=out)
    assert "Wrote 50 files" in out.getvalue()
    manifest = json.loads(read(opendata.MANIFEST))
    assert manifest["license"] == LICENSE_URL
    assert len(manifest["files"]) == 5 * 5 * 2
    everything = []
    for entry in manifest["files"]:
        text = read(entry["name"])
        assert entry["name"].startswith(f"{opendata.PREFIX}/{manifest['run']}/")
        assert entry["size"] == len(text.encode())
        everything.append(text)
        if entry["format"] == "jsonl":
            rows = [json.loads(line) for line in text.splitlines()]
        else:
            rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == entry["rows"], entry["name"]
    blob = "\n".join(everything)
    for secret in SECRETS:
        assert secret not in blob


def test_the_files_hold_the_apis_data_in_the_directory_order(world, media, client, settings):
    manifest = opendata.export(languages=["en", "fi"])
    companies = files_of(manifest, "companies", "fi")
    lines = [json.loads(line) for line in read(companies["jsonl"]["name"]).splitlines()]
    api = client.get("/api/v1/companies/", {"page_size": 100, "lang": "fi"}).json()["results"]
    assert [row["id"] for row in lines] == [row["id"] for row in api]
    for from_file, from_api in zip(lines, api, strict=True):
        # The same object, its addresses made with SITE_URL instead of the request's host.
        same = json.dumps(from_api).replace("http://testserver", settings.SITE_URL)
        assert json.loads(same) == from_file
    rows = list(csv.DictReader(io.StringIO(read(companies["csv"]["name"]))))
    assert [int(row["id"]) for row in rows] == [row["id"] for row in api]
    vaasan = next(row for row in rows if row["name"] == "Vaasan Konepaja Oy")
    assert vaasan["municipality.name"] == "Vaasa"
    assert vaasan["capabilities"] == "Sorvaus"
    assert vaasan["languages"] == "fi; sv"
    assert vaasan["phone"] == "+358401234567"  # a number is not taken for a formula
    assert vaasan["certificates"] == "ISO 9001"
    assert "email" not in rows[0]
    events = files_of(manifest, "events", "en")
    titles = [json.loads(line)["title"] for line in read(events["jsonl"]["name"]).splitlines()]
    assert titles == ["Old fair", "Welding seminar", "Laser webinar"]  # past ones too
    offers = list(
        csv.DictReader(io.StringIO(read(files_of(manifest, "offers", "en")["csv"]["name"])))
    )
    assert {row["offered_by"] for row in offers} == {"Vaasan Konepaja Oy", "Windy Startup"}
    # An object that is missing in some rows keeps its columns (company.* of the visitor's offer).
    assert "company.slug" in offers[0] and "company" not in offers[0]


def test_csv_cells_cannot_start_a_formula(world, media):
    world["e"].website = ""
    world["e"].description_en = '=HYPERLINK("http://evil.example")'
    world["e"].save()
    manifest = opendata.export(languages=["en"])
    rows = list(
        csv.DictReader(io.StringIO(read(files_of(manifest, "companies", "en")["csv"]["name"])))
    )
    description = next(row for row in rows if row["slug"] == world["e"].slug)["description"]
    assert description.startswith("'=")


def test_a_new_run_replaces_the_previous_one(world, media):
    first = opendata.export(languages=["en"])
    second = opendata.export(languages=["en"])
    assert first["run"] != second["run"]
    for entry in first["files"]:
        assert not default_storage.exists(entry["name"])
    for entry in second["files"]:
        assert default_storage.exists(entry["name"])
    assert json.loads(read(opendata.MANIFEST))["run"] == second["run"]


def test_the_open_data_page_states_the_licence_and_lists_the_files(world, media, client):
    page = client.get("/en/open-data/")
    assert page.status_code == 200
    html = page.content.decode()
    assert LICENSE_URL in html and 'rel="license"' in html
    assert "have not been generated yet" in html
    assert reverse("api:docs") in html and reverse("api:schema") in html

    manifest = opendata.export(languages=["en", "sv"])
    html = client.get("/en/open-data/").content.decode()
    assert "have not been generated yet" not in html
    for entry in manifest["files"]:
        link = reverse(
            "open_data:download",
            kwargs={
                "language": entry["language"],
                "filename": f"{entry['resource']}.{entry['format']}",
            },
        )
        assert f'href="{link}"' in html
    assert "JSON Lines" in html and "CSV" in html
    assert "bytes" in html or "KB" in html  # sizes
    assert client.get(reverse_in("fi")).status_code == 200


def reverse_in(language):
    from django.utils import translation

    with translation.override(language):
        return reverse("open_data:index")


def test_stable_links_redirect_to_the_latest_files(world, media, client):
    assert client.get("/en/open-data/en/companies.csv").status_code == 404
    manifest = opendata.export(languages=["en"])
    response = client.get("/en/open-data/en/companies.csv")
    assert response.status_code == 302
    entry = files_of(manifest, "companies", "en")["csv"]
    assert response["Location"] == default_storage.url(entry["name"])
    served = client.get(response["Location"])
    assert served.status_code == 200
    # Read to the end: the test client then closes the file (not response.close(), which would
    # send request_finished and close the database connection under the test's transaction).
    assert b"".join(served.streaming_content).startswith(b"id,slug,name,")
    for bad in ("/en/open-data/xx/companies.csv", "/en/open-data/en/secrets.csv",
                "/en/open-data/en/companies.exe", "/en/open-data/en/..%2Fmanifest.json"):  # fmt: skip
        assert client.get(bad).status_code == 404


def test_an_unreadable_manifest_lists_nothing(world, media, client):
    default_storage.save(opendata.MANIFEST, io.BytesIO(b"{not json"))
    assert opendata.read_manifest() is None
    assert client.get("/en/open-data/").status_code == 200


def test_the_files_can_go_to_s3(world, s3_bucket):
    client, bucket = s3_bucket
    manifest = opendata.export(languages=["en"])
    keys = {item["Key"] for item in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert f"public/{opendata.MANIFEST}" in keys
    for entry in manifest["files"]:
        assert f"public/{entry['name']}" in keys


def test_the_footer_and_the_sitemap_link_the_page(world, client):
    home = client.get("/en/").content.decode()
    assert 'href="/en/open-data/"' in home
    sitemap = client.get("/sitemap-pages.xml").content.decode()
    assert "http://testserver/en/open-data/" in sitemap
