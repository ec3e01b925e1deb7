import datetime
import hashlib
import importlib.util
import runpy
from decimal import Decimal
from pathlib import Path

import phonenumbers
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection
from django.utils import translation

from board.models import CooperationOffer, JobPosting, OfferInterest
from clusters.emails import COUNTRY_LANGUAGES
from clusters.models import Cluster, ModerationStatus, Region
from companies.models import Capability, Certification, Company, CompanyCertificate, Membership
from companies.validators import normalize_business_id, normalize_vat_number
from demo import words
from demo.companies import size_class_for
from demo.deletion import delete_demo_data
from demo.fast import CopyWriter, copy_escape, copy_text
from demo.generator import DemoGenerator
from tests import factories

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is PostgreSQL's (elsewhere bulk_create)"
)

TODAY = datetime.date(2026, 11, 30)
LANGUAGES = ("en", "sv", "fi", "pl", "lt")


def _names(en, fi, sv, pl, lt):
    return {"name_en": en, "name_fi": fi, "name_sv": sv, "name_pl": pl, "name_lt": lt}


# The small world's taxonomy; names in English, Finnish, Swedish, Polish and Lithuanian.
# fmt: off
CAPABILITIES = [  # (the parent's English name, names)
    (None, "Machining", "Koneistus", "Bearbetning", "Obróbka skrawaniem", "Mechaninis apdirbimas"),
    ("Machining", "CNC turning", "CNC-sorvaus", "CNC-svarvning", "Toczenie CNC", "CNC tekinimas"),
    ("Machining", "CNC milling", "CNC-jyrsintä", "CNC-fräsning", "Frezowanie CNC",
     "CNC frezavimas"),
    (None, "Welding", "Hitsaus", "Svetsning", "Spawanie", "Suvirinimas"),
    ("Welding", "TIG welding", "TIG-hitsaus", "TIG-svetsning", "Spawanie TIG", "TIG suvirinimas"),
    (None, "Sawing", "Sahaus", "Sågning", "Piłowanie", "Pjovimas"),
    (None, "Paper machine maintenance", "Paperikoneiden kunnossapito",
     "Underhåll av pappersmaskiner", "Utrzymanie maszyn papierniczych",
     "Popieriaus mašinų priežiūra"),
    (None, "Waste recycling", "Jätteiden kierrätys", "Återvinning av avfall", "Recykling odpadów",
     "Atliekų perdirbimas"),
    (None, "Solar energy systems", "Aurinkoenergiajärjestelmät", "Solenergisystem",
     "Systemy fotowoltaiczne", "Saulės energijos sistemos"),
]
MATERIALS = [  # (category, names)
    ("metal", "Stainless steel", "Ruostumaton teräs", "Rostfritt stål", "Stal nierdzewna",
     "Nerūdijantis plienas"),
    ("metal", "Aluminium", "Alumiini", "Aluminium", "Aluminium", "Aliuminis"),
    ("wood", "Pine", "Mänty", "Furu", "Sosna", "Pušis"),
    ("wood", "Spruce", "Kuusi", "Gran", "Świerk", "Eglė"),
]
CERTIFICATIONS = [  # (code, kind, names)
    ("ISO 9001", "quality", "Quality management", "Laadunhallinta", "Kvalitetsledning",
     "Zarządzanie jakością", "Kokybės vadyba"),
    ("ISO 14001", "environment", "Environmental management", "Ympäristöjärjestelmä",
     "Miljöledning", "Zarządzanie środowiskowe", "Aplinkosaugos vadyba"),
    ("ISO 3834", "welding", "Welding quality", "Hitsauksen laatu", "Svetskvalitet",
     "Jakość spawania", "Suvirinimo kokybė"),
    ("FSC", "forest", "Forest Stewardship Council", "FSC-sertifiointi", "FSC-certifiering",
     "Certyfikat FSC", "FSC sertifikavimas"),
]
SECTORS = [  # (NACE code, names)
    ("25", "Fabricated metal products", "Metallituotteet", "Metallvaror", "Wyroby metalowe",
     "Metalo gaminiai"),
    ("17", "Paper and paper products", "Paperi", "Papper", "Papier", "Popierius"),
    ("16", "Wood products", "Puutuotteet", "Trävaror", "Wyroby z drewna", "Medienos gaminiai"),
    ("38", "Waste management", "Jätehuolto", "Avfallshantering", "Gospodarka odpadami",
     "Atliekų tvarkymas"),
]
# fmt: on


@pytest.fixture
def reference_data():
    """A small world: bilingual and Finnish towns, Swedish, Polish and Lithuanian towns, one
    cluster per country, a translated capability tree, materials, certifications and sectors."""
    ostrobothnia = factories.region(
        country="FI",
        **_names("Ostrobothnia", "Pohjanmaa", "Österbotten", "Ostrobotnia", "Pohjanmaa"),
    )
    factories.municipality(
        region=ostrobothnia,
        latitude=63.096,
        longitude=21.6158,
        **_names("Vaasa", "Vaasa", "Vasa", "Vaasa", "Vasa"),
    )
    factories.municipality(
        region=ostrobothnia, **_names("Kokkola", "Kokkola", "Karleby", "Kokkola", "Kokola")
    )
    factories.municipality(
        region=factories.region(
            country="FI",
            **_names(
                "Central Finland",
                "Keski-Suomi",
                "Mellersta Finland",
                "Finlandia Środkowa",
                "Vidurio Suomija",
            ),
        ),
        **_names("Jyväskylä", "Jyväskylä", "Jyväskylä", "Jyväskylä", "Jyveskiulė"),
    )
    varmland = factories.region(
        country="SE",
        **_names(
            "Värmland County", "Värmlandin lääni", "Värmlands län", "Värmland", "Vermlando lenas"
        ),
    )
    factories.municipality(
        region=varmland, **_names("Karlstad", "Karlstad", "Karlstad", "Karlstad", "Karlstadas")
    )
    podlaskie = factories.region(
        country="PL",
        **_names(
            "Podlaskie Voivodeship",
            "Podlasian voivodikunta",
            "Podlasiens vojvodskap",
            "Województwo podlaskie",
            "Palenkės vaivadija",
        ),
    )
    factories.municipality(
        region=podlaskie, **_names("Białystok", "Białystok", "Białystok", "Białystok", "Balstogė")
    )
    alytus = factories.region(
        country="LT",
        **_names(
            "Alytus County", "Alytuksen lääni", "Alytus län", "Okręg olicki", "Alytaus apskritis"
        ),
    )
    factories.municipality(region=alytus, **_names("Alytus", "Alytus", "Alytus", "Olita", "Alytus"))

    factories.cluster(country="FI", sector="metal", region=ostrobothnia)
    factories.cluster(country="SE", sector="paper")
    factories.cluster(country="PL", sector="wood")
    factories.cluster(country="LT", sector="cleantech")

    capabilities = {}
    for parent, *names in CAPABILITIES:
        capabilities[names[0]] = factories.capability(
            parent=capabilities.get(parent), **_names(*names)
        )
    for category, *names in MATERIALS:
        factories.material(category=category, **_names(*names))
    for code, kind, *names in CERTIFICATIONS:
        factories.certification(code=code, kind=kind, **_names(*names))
    for nace_code, *names in SECTORS:
        factories.sector(nace_code=nace_code, **_names(*names))


def seed(companies=60, seed=7, **options):
    call_command(
        "seed_demo", companies=companies, seed=seed, today=TODAY.isoformat(), verbosity=0, **options
    )


def digest():
    """A fingerprint of every generated row, independent of primary keys."""
    lines = []
    companies = Company.objects.order_by("slug").prefetch_related(
        "capabilities",
        "materials",
        "sectors",
        "languages",
        "memberships__cluster",
        "certificates__certification",
    )
    for c in companies:
        lines.append(
            repr(
                (
                    c.slug,
                    c.name,
                    c.business_id,
                    c.vat_number,
                    str(c.phone),
                    c.street_address,
                    c.postal_code,
                    c.municipality.slug,
                    str(c.latitude),
                    str(c.longitude),
                    c.website,
                    c.email,
                    c.founded,
                    c.employees,
                    c.size_class,
                    c.export_markets,
                    c.is_published,
                    c.confirmed_at,
                    [getattr(c, f"description_{code}") for code in LANGUAGES],
                    [x.slug for x in c.capabilities.all()],
                    [x.slug for x in c.materials.all()],
                    [x.slug for x in c.sectors.all()],
                    [x.code for x in c.languages.all()],
                    sorted((m.cluster.slug, m.joined_on, m.is_active) for m in c.memberships.all()),
                    sorted(
                        (x.certification.code, x.valid_from, x.valid_until, x.certificate_number)
                        for x in c.certificates.all()
                    ),
                )
            )
        )
    for o in CooperationOffer.objects.order_by("slug").prefetch_related("capabilities"):
        lines.append(
            repr(
                (
                    o.slug,
                    o.company.slug,
                    o.title_en,
                    o.description_en,
                    o.valid_from,
                    o.valid_until,
                    o.target_countries,
                    [x.slug for x in o.capabilities.all()],
                )
            )
        )
    for j in JobPosting.objects.order_by("slug"):
        lines.append(
            repr(
                (
                    j.slug,
                    j.kind,
                    j.title_en,
                    j.description_en,
                    j.contact_email,
                    j.expires_on,
                    str(j.manage_token),
                )
            )
        )
    # The untranslated columns, as stored (the ORM reads them in the active language).
    for table in ("companies_company", "companies_cooperationoffer", "companies_jobposting"):
        title = "NULL" if table == "companies_company" else "title"
        lines += map(
            repr, untranslated(f"SELECT slug, {title}, description FROM {table} ORDER BY slug")
        )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def untranslated(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_generated_companies_are_valid_and_complete(reference_data):
    seed(companies=60)

    companies = list(
        Company.objects.select_related("municipality__region").prefetch_related(
            "capabilities", "languages"
        )
    )
    assert len(companies) == 60
    for company in companies:
        company.full_clean()  # business ID of its country, municipality in its country, phone, URLs
        country = company.country.code
        assert company.municipality.region.country == country
        assert normalize_business_id(country, company.business_id) == company.business_id
        if company.vat_number:
            assert company.vat_number.startswith(country)
            assert normalize_vat_number(company.vat_number) == company.vat_number
        assert phonenumbers.is_valid_number(company.phone)
        assert company.size_class == size_class_for(company.employees)
        assert company.slug.endswith("-demo")
        assert company.website.endswith(".example") and company.email.endswith(".example")
        assert 2 <= len(company.capabilities.all()) <= 8
        assert {"en"} <= {language.code for language in company.languages.all()} | {"en"}
        language = (
            "sv" if company.description_sv and country == "FI" else COUNTRY_LANGUAGES[country]
        )
        assert company.description_en and getattr(company, f"description_{language}")
        assert company.name in company.description_en
        assert f"Location: {company.municipality.name_en}, " in company.description_en
        # The untranslated column holds the active language's text, as modeltranslation fills it.
        stored = "SELECT description FROM companies_company WHERE id = %s"
        assert untranslated(stored, [company.pk]) == [(company.description_en,)]

    countries = {c.country.code for c in companies}
    assert countries == {"FI", "SE", "PL", "LT"}
    assert sum(c.is_published for c in companies) >= 55
    assert sum(c.confirmed_at is not None for c in companies) >= 40
    assert len({c.business_id for c in companies}) == 60

    # Members come from their cluster's area: its region, or its country when it has none (these
    # clusters are not in fixtures/demo/clusters.json).
    memberships = list(
        Membership.objects.select_related("company__municipality__region", "cluster")
    )
    assert len(memberships) >= 10
    for membership in memberships:
        town, cluster = membership.company.municipality, membership.cluster
        if cluster.region_id:
            assert town.region_id == cluster.region_id
        else:
            assert town.region.country == cluster.country
    assert len({c.name.casefold() for c in companies}) == 60

    assert CompanyCertificate.objects.valid(TODAY).exists()

    offers = list(CooperationOffer.objects.all())
    assert offers and all(
        o.status == ModerationStatus.PUBLISHED and o.title_en and o.description_en for o in offers
    )
    assert any(o.valid_until < TODAY for o in offers) and any(o.is_open(TODAY) for o in offers)
    for offer in offers:
        offer.full_clean()
        language = offer.submitter_language
        assert getattr(offer, f"title_{language}") and getattr(offer, f"description_{language}")

    jobs = list(JobPosting.objects.all())
    assert any(j.kind == JobPosting.Kind.OFFER and j.company_id for j in jobs)
    wanted = [j for j in jobs if j.kind == JobPosting.Kind.WANTED]
    assert wanted and all(
        j.contact_email.endswith("@example.org") and j.company_id is None for j in wanted
    )
    for job in jobs:
        job.full_clean()
        assert job.title_en and job.description_en
        assert getattr(job, f"title_{job.poster_language}") and getattr(
            job, f"description_{job.poster_language}"
        )


def test_descriptions_use_the_translated_taxonomy(reference_data):
    seed(companies=40, seed=3)
    polish = Company.objects.filter(country="PL").prefetch_related("capabilities").first()
    capability = polish.capabilities.all()[0]
    assert capability.name_pl.lower() in polish.description_pl.lower()
    assert capability.name_en.lower() in polish.description_en.lower()
    assert "Zakres usług:" in polish.description_pl
    swedish = Company.objects.filter(country="SE").first()
    assert "Antal anställda:" in swedish.description_sv and "Karlstad" in swedish.description_sv


def test_same_seed_gives_identical_data_and_another_seed_does_not(reference_data):
    seed(seed=11)
    first = digest()
    seed(companies=0, replace=True)
    assert not Company.objects.exists() and not JobPosting.objects.exists()

    seed(seed=11)
    assert digest() == first

    seed(companies=0, replace=True)
    seed(seed=12)
    assert digest() != first


def test_running_again_adds_companies_with_fresh_slugs_and_ids(reference_data):
    seed(companies=30, seed=5)
    seed(companies=30, seed=5)
    assert Company.objects.count() == 60
    assert len(set(Company.objects.values_list("slug", flat=True))) == 60
    assert len(set(Company.objects.values_list("country", "business_id"))) == 60
    assert len(set(JobPosting.objects.values_list("slug", flat=True))) == JobPosting.objects.count()


def test_replace_deletes_only_demo_data(reference_data):
    own = factories.company(
        name="Real Company Oy", business_id=factories.VALID_BUSINESS_IDS["FI"][0]
    )
    seed(companies=20)
    seed(companies=10, seed=8, replace=True)
    assert Company.objects.filter(pk=own.pk).exists()
    assert Company.objects.count() == 11


def test_business_ids_are_valid_and_unique_per_country():
    generator = DemoGenerator(seed=1, today=TODAY)
    for country in ("FI", "SE", "PL", "LT"):
        ids = [generator.business_id(country) for _ in range(500)]
        assert len(set(ids)) == 500
        for value in ids:
            assert normalize_business_id(country, value) == value
            vat = generator.vat_number(country, value)
            assert normalize_vat_number(vat) == vat


def test_without_towns_the_command_explains_what_to_load():
    with pytest.raises(CommandError, match="geography"):
        seed(companies=5)


def test_bad_reference_date_is_refused(reference_data):
    with pytest.raises(CommandError, match="--today"):
        call_command("seed_demo", companies=1, today="yesterday", verbosity=0)


def test_copy_text_escapes_what_the_copy_format_reads_as_special():
    assert copy_escape("Vaasa, Pohjanmaa") == "Vaasa, Pohjanmaa"
    assert copy_escape("a\\b\tc\nd\re") == "a\\\\b\\tc\\nd\\re"
    assert copy_text(None) == "\\N"
    assert copy_text("\\N") == "\\\\N"  # the text backslash-N is not NULL
    assert copy_text("") == ""
    assert (copy_text(True), copy_text(False)) == ("t", "f")
    assert copy_text(Decimal("63.09600")) == "63.09600"
    assert copy_text(datetime.date(2026, 11, 30)) == "2026-11-30"
    assert copy_text(datetime.datetime(2026, 11, 30, 7, 5, tzinfo=datetime.UTC)) == (
        "2026-11-30T07:05:00+00:00"
    )
    assert copy_text(Company.SizeClass.SMALL) == "small"
    with pytest.raises(TypeError):
        copy_text(object())


@on_postgresql
def test_copy_writes_the_same_rows_as_bulk_create(reference_data):
    # A town whose names hold every character that COPY's text format escapes, and its NULL.
    factories.municipality(
        region=Region.objects.get(name_en="Värmland County"),
        **_names("Back\\slash\tTab", "\\N", "Rad\nbrytning\r\nslut", "Tab\t", "CR\r"),
    )
    digests = []
    for use_copy in (True, False):
        generator = DemoGenerator(seed=4, today=TODAY, batch_size=40, use_copy=use_copy)
        # The untranslated columns get the active language's text, or its fallback's.
        with translation.override("sv"):
            assert generator.generate(120)["companies"] == 120
        assert Company.objects.filter(description_en__contains="Back\\slash\tTab, ").exists()
        stored = untranslated(
            "SELECT description, description_sv, description_en FROM companies_company "
            "WHERE country = 'SE'"
        )
        assert stored and all(row[0] == row[1] != row[2] for row in stored)
        digests.append(digest())
        assert delete_demo_data() == 120
    assert digests[0] == digests[1]


@on_postgresql
def test_copied_rows_take_their_keys_from_the_sequences(reference_data):
    seed(companies=30)
    company = factories.company(business_id=factories.VALID_BUSINESS_IDS["FI"][1])
    assert company.pk > max(Company.objects.exclude(pk=company.pk).values_list("pk", flat=True))
    offer = factories.offer(company=company)
    assert offer.pk > max(
        CooperationOffer.objects.exclude(pk=offer.pk).values_list("pk", flat=True)
    )
    job = factories.job(company=company)
    assert job.pk > max(JobPosting.objects.exclude(pk=job.pk).values_list("pk", flat=True))


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_each_batch_commits_alone_and_a_failing_batch_leaves_nothing(reference_data, monkeypatch):
    written = []
    copy_batch = CopyWriter._copy_batch

    def fail_in_the_third_batch(self, cursor, batch):
        written.append(len(batch.companies))
        copy_batch(self, cursor, batch)  # written, then rolled back
        if len(written) == 3:
            raise RuntimeError("disk full")

    monkeypatch.setattr(CopyWriter, "_copy_batch", fail_in_the_third_batch)
    with pytest.raises(RuntimeError, match="disk full"):
        DemoGenerator(seed=2, today=TODAY, batch_size=10).generate(100)
    assert written == [10, 10, 10]
    companies = set(Company.objects.values_list("pk", flat=True))
    assert len(companies) == 20
    assert set(Membership.objects.values_list("company", flat=True)) <= companies
    assert set(CompanyCertificate.objects.values_list("company", flat=True)) <= companies
    through = Company.capabilities.through.objects
    assert set(through.values_list("company", flat=True)) == companies
    assert set(CooperationOffer.objects.values_list("company", flat=True)) <= companies
    assert JobPosting.objects.filter(kind="wanted").count() == 2


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("writer_checks", [True, False], ids=["batch-checks", "fk-triggers"])
def test_rows_that_refer_to_a_vanished_row_are_refused(reference_data, monkeypatch, writer_checks):
    """Whether PostgreSQL's triggers check the foreign keys row by row or the writer checks a
    batch's references at once (when the session may skip the triggers), a row that refers to a
    deleted row fails its batch."""
    monkeypatch.setattr(CopyWriter, "_may_check_references_itself", lambda self: writer_checks)
    load_reference_data = DemoGenerator.load_reference_data

    def load_then_lose_the_materials(self):
        load_reference_data(self)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM companies_material")  # every company has one

    monkeypatch.setattr(DemoGenerator, "load_reference_data", load_then_lose_the_materials)
    with pytest.raises(IntegrityError):
        DemoGenerator(seed=1, today=TODAY, batch_size=20).generate(60)
    assert not Company.objects.exists()


def test_replace_deletes_what_belongs_to_demo_companies_and_nothing_else(reference_data):
    own = factories.company(
        name="Real Company Oy", business_id=factories.VALID_BUSINESS_IDS["FI"][0]
    )
    own.capabilities.add(Capability.objects.first())
    certificate = factories.certificate(own, Certification.objects.first())
    membership = Membership.objects.create(company=own, cluster=Cluster.objects.first())
    own_offer = factories.offer(company=own)
    own_job = factories.job(company=own)
    seed(companies=40)
    demo_company = Company.objects.filter(slug__endswith="-demo").first()
    factories.offer(company=demo_company)  # not generated, but the demo company's
    OfferInterest.objects.create(
        offer=CooperationOffer.objects.filter(slug__endswith="-demo").first(),
        name="Visitor",
        email="visitor@example.org",
        message="Interested.",
    )

    seed(companies=0, replace=True)

    assert list(Company.objects.all()) == [own]
    assert list(Company.capabilities.through.objects.values_list("company", flat=True)) == [own.pk]
    assert list(CompanyCertificate.objects.all()) == [certificate]
    assert list(Membership.objects.all()) == [membership]
    assert list(CooperationOffer.objects.all()) == [own_offer]
    assert list(JobPosting.objects.all()) == [own_job]
    assert not OfferInterest.objects.exists()


def test_word_tables_come_from_the_data_files_once_and_cover_every_language():
    assert words.load("names") is words.load("names")
    assert words.DATA_DIR == Path(settings.BASE_DIR) / "fixtures" / "demo"
    languages = {"en", *COUNTRY_LANGUAGES.values()}
    for table in (
        words.INTRO,
        words.PHRASES,
        words.AND,
        words.OFFER_TITLES,
        words.OFFER_TEXTS,
        words.JOB_OFFER_TEXT,
        words.JOB_WANTED_TITLE,
        words.JOB_WANTED_TEXT,
    ):
        assert set(table) == languages
    for language in languages - {"en"}:
        assert set(words.NAME_WORDS[language]) == set(words.INDUSTRIES)
    for professions in words.PROFESSIONS.values():
        assert all(set(profession) == languages for profession in professions)
    assert list(words.CONTRACTS) == list(JobPosting.ContractType.values)
    assert all(set(names) == languages for names in words.CONTRACTS.values())
    assert all(set(names) == languages for names in words.LANGUAGE_NAMES.values())


@pytest.mark.parametrize("missing", [None, "demo", "faker"])
def test_settings_install_the_demo_app_only_with_its_package_and_faker(monkeypatch, missing):
    """Production (no demo/ folder, no Faker) leaves the app out; development has it."""
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == missing else find_spec(name, *args),
    )
    installed = runpy.run_path(str(Path(settings.BASE_DIR) / "portal" / "settings.py"))
    assert ("demo" in installed["INSTALLED_APPS"]) is (missing is None)


def test_setup_portal_without_the_demo_app_asks_for_the_development_requirements(monkeypatch):
    is_installed = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: name != "demo" and is_installed(name))
    with pytest.raises(CommandError, match=r"requirements-dev\.lock.*--companies 0"):
        call_command("setup_portal", companies=5, verbosity=0)
    assert not Company.objects.exists()
