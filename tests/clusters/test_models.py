"""The foundation: migrations, validators, constraints, the home page in every language."""

import datetime
import io

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from companies.models import Capability, Company
from companies.validators import normalize_business_id, normalize_vat_number
from tests import factories

pytestmark = pytest.mark.django_db


def test_no_pending_migrations():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"Model changes without a migration:\n{out.getvalue()}")


@pytest.mark.parametrize(
    ("country", "value", "expected"),
    [
        ("FI", "0737546-2", "0737546-2"),
        ("FI", " 0737546-2 ", "0737546-2"),
        ("SE", "556036-0793", "556036-0793"),
        ("SE", "5560360793", "556036-0793"),
        ("PL", "5260001246", "526-000-12-46"),
        ("PL", "526-000-12-46", "526-000-12-46"),
        ("LT", "112029651", "112029651"),
        ("LT", "110053842", "110053842"),
    ],
)
def test_valid_business_ids_are_normalised(country, value, expected):
    assert normalize_business_id(country, value) == expected


@pytest.mark.parametrize(
    ("country", "value"),
    [
        ("FI", "0737546-3"),  # wrong check digit
        ("FI", "12345"),
        ("SE", "556036-0794"),
        ("SE", "abcdefghij"),
        ("PL", "5260001247"),
        ("PL", "526000124"),
        ("LT", "112029652"),
        ("LT", "11202965"),
        ("LT", "1120296511"),
        ("FI", ""),
        ("FI", "\x00" * 5),
        ("PL", "9" * 10_000),
    ],
)
def test_invalid_business_ids_are_rejected(country, value):
    with pytest.raises(ValidationError):
        normalize_business_id(country, value)


def test_business_id_of_one_country_is_not_valid_in_another():
    with pytest.raises(ValidationError):
        normalize_business_id("FI", "112029651")


@pytest.mark.parametrize(
    "value", ["FI07375462", "SE556036079301", "PL5260001246", "LT100001919017"]
)
def test_valid_eu_vat_numbers(value):
    assert normalize_vat_number(value) == value


@pytest.mark.parametrize("value", ["FI07375463", "XX123", "LT1", "PL526000124"])
def test_invalid_eu_vat_numbers(value):
    with pytest.raises(ValidationError):
        normalize_vat_number(value)


def test_company_clean_validates_business_id_per_country():
    town = factories.municipality(country="PL")
    company = Company(
        name="Zakład", country="PL", business_id="0737546-2", municipality=town, size_class="small"
    )
    with pytest.raises(ValidationError) as error:
        company.full_clean()
    assert "business_id" in error.value.message_dict


def test_company_clean_rejects_municipality_of_another_country():
    town = factories.municipality(country="FI")
    company = Company(
        name="AB", country="SE", business_id="556036-0793", municipality=town, size_class="small"
    )
    with pytest.raises(ValidationError) as error:
        company.full_clean()
    assert "municipality" in error.value.message_dict


def test_business_id_unique_per_country():
    first = factories.company(business_id="0737546-2")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.company(business_id="0737546-2", municipality=first.municipality)


def test_certificate_validity_must_be_ordered():
    company = factories.company()
    cert = factories.certification()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.certificate(
            company,
            cert,
            valid_from=datetime.date(2024, 1, 1),
            valid_until=datetime.date(2023, 1, 1),
        )


def test_event_cannot_end_before_it_starts():
    event = factories.event()
    event.ends_at = event.starts_at - datetime.timedelta(hours=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        event.save()


def test_funding_share_between_0_and_100():
    project = factories.project()
    with pytest.raises(IntegrityError), transaction.atomic():
        project.funding.create(name_en="ERDF", share_percent=160)


def test_slugs_are_unique_and_stable():
    first = factories.cluster(name_en="Metal Cluster")
    second = factories.cluster(name_en="Metal Cluster")
    assert first.slug == "metal-cluster"
    assert second.slug == "metal-cluster-2"
    first.name_en = "Renamed"
    first.save()
    first.refresh_from_db()
    assert first.slug == "metal-cluster"


def test_slug_transliterates_polish_letters():
    town = factories.municipality(name_en="Białystok", name_pl="Białystok")
    assert town.slug == "bialystok"


def test_capability_tree_paths_and_descendants():
    machining = factories.capability(name_en="Machining")
    turning = factories.capability(name_en="CNC turning", parent=machining)
    welding = factories.capability(name_en="Welding")
    found = set(Capability.objects.filter(path__startswith=machining.path))
    assert found == {machining, turning}
    assert welding not in found
    Capability.objects.update(path="")
    assert Capability.rebuild_paths() == 3
    turning.refresh_from_db()
    assert turning.path == f"/{machining.pk}/{turning.pk}/"


def test_company_queryset_vocabulary():
    cluster = factories.cluster()
    member = factories.company(clusters=[cluster])
    factories.company()
    assert list(Company.objects.in_cluster(cluster)) == [member]


def test_translated_field_falls_back_along_the_chain():
    from django.utils import translation

    cluster = factories.cluster(name_en="Only English", name_fi="", name_sv="")
    with translation.override("fi"):
        assert cluster.name == "Only English"
    cluster = factories.cluster(name_en="English", name_sv="Svenska", name_fi="")
    with translation.override("fi"):
        assert cluster.name == "Svenska"


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_home_page_renders_in_every_language(client, language):
    factories.cluster(
        name_en="Ostrobothnia Metal", name_fi="Pohjanmaan metalli", name_sv="Österbottens metall"
    )
    response = client.get(f"/{language}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert 'hreflang="x-default"' in html


def test_root_redirects_by_accept_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fi-FI,fi;q=0.9,en;q=0.5")
    assert response.status_code == 302
    assert response["Location"] == "/fi/"


def test_root_redirect_prefers_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "pl"
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="sv")
    assert response["Location"] == "/pl/"


def test_root_redirect_defaults_to_english(client):
    assert client.get("/")["Location"] == "/en/"


def test_healthz(client):
    assert client.get("/healthz").content == b"ok"
