"""The demo data on the real seed content tells the seeds' story: what `make run` shows (the
fixtures of fixtures/, then 300 companies of seed 1, as setup_portal generates them)."""

import datetime
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from board.models import JobPosting
from clusters.models import Cluster, Municipality
from companies.models import Company, Membership
from demo import words
from tests.shared import shared_data

pytestmark = pytest.mark.django_db

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
FIXTURE_FILES = [
    FIXTURES_DIR / name for name in ("geography.json", "taxonomy.json", "content.json")
]
TODAY = datetime.date(2026, 11, 30)
COMPANIES, SEED = 300, 1  # setup_portal's defaults
# The capabilities that work metal itself, by the slug of their group in taxonomy.json.
METALWORKING = {"machining", "welding", "sheet-metal-work", "casting-and-forging"}


def build():
    with override_settings(MEDIA_ROOT=FIXTURES_DIR / "media"):
        call_command("loaddata", *map(str, FIXTURE_FILES), verbosity=0)
    call_command("seed_demo", companies=COMPANIES, seed=SEED, today=TODAY.isoformat(), verbosity=0)


@pytest.fixture(scope="module", autouse=True)
def seeded(django_db_setup, django_db_blocker):
    with shared_data(django_db_blocker, build):
        yield


def area_towns(area):
    """The slugs of the towns of an area of fixtures/demo/clusters.json."""
    towns = Municipality.objects.none()
    if area:
        towns = (
            Municipality.objects.filter(region__slug__in=area.get("regions", ()))
            | Municipality.objects.filter(slug__in=area.get("towns", ()))
            | Municipality.objects.filter(region__country__in=area.get("countries", ()))
        )
    return set(towns.values_list("slug", flat=True))


def member_towns(slug):
    return list(
        Membership.objects.filter(cluster__slug=slug).values_list(
            "company__municipality__slug", flat=True
        )
    )


def test_the_areas_name_the_seeds_clusters_regions_and_towns():
    entries = [e for path in FIXTURE_FILES for e in json.loads(path.read_text(encoding="utf-8"))]
    slugs = {model: set() for model in ("portal.cluster", "portal.region", "portal.municipality")}
    for entry in entries:
        if entry["model"] in slugs:
            slugs[entry["model"]].add(entry["fields"]["slug"])
    assert set(words.CLUSTER_AREAS) == slugs["portal.cluster"]
    for areas in words.CLUSTER_AREAS.values():
        for area in areas.values():
            assert set(area.get("regions", ())) <= slugs["portal.region"]
            assert set(area.get("towns", ())) <= slugs["portal.municipality"]
            assert set(area.get("countries", ())) <= set(words.SUPPORTED_COUNTRIES)
    assert set(words.REGION_WEIGHTS) <= slugs["portal.region"]
    assert set(words.INDUSTRY_WEIGHTS["regions"]) <= slugs["portal.region"]


def test_members_come_from_their_clusters_area_and_a_minority_from_across_the_border():
    for cluster in Cluster.objects.all():
        areas = words.CLUSTER_AREAS[cluster.slug]
        home, cross_border = area_towns(areas["home"]), area_towns(areas.get("cross_border"))
        towns = member_towns(cluster.slug)
        assert len(towns) >= 10, cluster.slug
        assert set(towns) <= home | cross_border, (cluster.slug, set(towns) - home - cross_border)
        from_across = sum(town in cross_border - home for town in towns)
        assert from_across < len(towns) / 2, cluster.slug
        if cross_border:
            assert from_across, cluster.slug


def test_ostrobothnia_metal_has_only_ostrobothnian_members():
    towns = set(member_towns("ostrobothnia-metal-cluster"))
    ostrobothnia = set(
        Municipality.objects.filter(region__slug="ostrobothnia").values_list("slug", flat=True)
    )
    assert towns and towns <= ostrobothnia
    assert not towns & {"gizycko", "tampere", "jyvaskyla"}


def test_the_cross_border_clusters_have_members_on_both_sides():
    def countries(slug):
        return set(
            Membership.objects.filter(cluster__slug=slug).values_list("company__country", flat=True)
        )

    assert countries("podlasie-metalworking-cluster") == {"PL", "LT"}
    assert countries("cleantech-kvarken") == {"SE", "FI"}
    assert countries("medienos-partneriai-wood-cluster") == {"LT", "PL"}
    podlasie = Membership.objects.filter(cluster__slug="podlasie-metalworking-cluster")
    assert set(
        podlasie.filter(company__country="LT").values_list(
            "company__municipality__region__slug", flat=True
        )
    ) <= {"alytus-county", "marijampole-county"}


def test_lithuanian_metal_companies_can_be_found(client):
    metalworking = Company.objects.filter(country="LT").filter(
        capabilities__parent__slug__in=METALWORKING
    ) | Company.objects.filter(country="LT", capabilities__slug__in=METALWORKING)
    assert metalworking.distinct().count() >= 20

    response = client.get("/en/companies/", {"q": "laser cutting", "country": "LT"})
    assert response.status_code == 200
    found = list(response.context["page_obj"])
    assert found and all(company.country == "LT" for company in found)
    assert Company.objects.filter(country="LT", capabilities__slug="laser-cutting").exists()


def test_company_names_are_unique():
    names = list(Company.objects.values_list("name", flat=True))
    assert len(names) == COMPANIES
    assert len({name.casefold() for name in names}) == len(names)


def test_people_look_for_work_besides_the_job_offers():
    jobs = JobPosting.objects.all()
    assert jobs.filter(kind=JobPosting.Kind.OFFER).count() >= 10
    assert jobs.filter(kind=JobPosting.Kind.WANTED).count() >= 5


def test_professions_are_in_the_page_language_whatever_the_post_was_written_in(client):
    names = {
        profession["en"]: profession
        for professions in words.PROFESSIONS.values()
        for profession in professions
    }
    languages = [code for code, _ in settings.LANGUAGES]
    for job in JobPosting.objects.all():
        profession = names[job.profession_en]
        for language in languages:
            assert getattr(job, f"profession_{language}") == profession[language]
            with translation.override(language):
                assert job.profession == profession[language]

    # A post written in English, read on the Polish and Finnish job boards.
    job = JobPosting.objects.filter(poster_language="en").first()
    for language in ("fi", "pl"):
        with translation.override(language):
            page = client.get(job.get_absolute_url()).content.decode()
        assert f"</span> {names[job.profession_en][language]}" in page
