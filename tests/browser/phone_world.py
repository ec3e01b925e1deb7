"""The data the phone tests (test_mobile.py) look at: two clusters in two countries, companies
with long names, a certificate table, a project with partners and a funding table, an event, an
offer, a job and a news item; and the address of every public page type in each language."""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone, translation

from board.models import JobPosting
from companies.models import Company, SpokenLanguage
from projects.models import FundingSource, ProjectPartner
from tests import factories

LONG_NAME = "Pohjanmaan Teräsrakennesuunnittelu- ja Konepajateollisuuspalvelut Oy"


def build_world():
    """Two clusters in two countries, companies with long names, a certificate table, a project
    with partners and a funding table, an event, an offer, a job and a news item."""
    w = {}
    ostrobothnia = factories.region(
        country="FI", name_en="Ostrobothnia", name_fi="Pohjanmaa", name_sv="Österbotten"
    )
    podlaskie = factories.region(
        country="PL", name_en="Podlaskie Voivodeship", name_pl="Województwo podlaskie"
    )
    vaasa = factories.municipality(
        region=ostrobothnia, name_en="Vaasa", name_fi="Vaasa", name_sv="Vasa"
    )
    kristinestad = factories.municipality(
        region=ostrobothnia,
        name_en="Kristinestad",
        name_fi="Kristiinankaupunki",
        name_sv="Kristinestad",
    )
    bialystok = factories.municipality(
        region=podlaskie, name_en="Białystok", name_pl="Białystok", name_fi="Białystok"
    )
    w["metal"] = metal = factories.cluster(
        name_en="Ostrobothnia Metal and Engineering Industry Cluster",
        name_fi="Pohjanmaan metalli- ja konepajateollisuuden klusteri",
        name_sv="Österbottens metall- och verkstadsindustrikluster",
        name_pl="Klaster przemysłu metalowego i maszynowego Pohjanmaa",
        name_lt="Pohjanmos metalo ir mašinų pramonės klasteris",
        summary_en="Some 300 metal companies of Ostrobothnia, from workshops to suppliers.",
        region=ostrobothnia,
    )
    w["podlasie"] = podlasie = factories.cluster(
        name_en="Podlasie Metalworking Cluster",
        name_pl="Podlaski Klaster Obróbki Metali",
        country="PL",
        region=podlaskie,
    )
    long_sector = factories.sector(
        nace_code="25",
        name_en="Manufacture of fabricated metal products, except machinery and equipment",
        name_fi="Metallituotteiden valmistus (pl. koneet ja laitteet)",
        name_sv="Tillverkning av metallvaror utom maskiner och apparater",
        name_pl="Produkcja metalowych wyrobów gotowych, z wyłączeniem maszyn i urządzeń",
        name_lt="Gatavų metalo gaminių, išskyrus mašinas ir įrenginius, gamyba",
    )
    repair = factories.sector(
        nace_code="33",
        name_en="Repair and installation of machinery and equipment",
        name_fi="Koneiden ja laitteiden korjaus, huolto ja asennus",
        name_sv="Reparation och installation av maskiner och apparater",
        name_pl="Naprawa, konserwacja i instalowanie maszyn i urządzeń",
        name_lt="Mašinų ir įrangos remontas ir įrengimas",
    )
    welding = factories.capability(
        name_en="Welding", name_fi="Hitsaus", name_sv="Svetsning", name_pl="Spawanie"
    )
    laser = factories.capability(
        name_en="Laser cutting",
        name_fi="Laserleikkaus",
        name_sv="Laserskärning",
        name_pl="Cięcie laserowe",
        name_lt="Pjovimas lazeriu",
    )
    steel = factories.material(
        name_en="Wear-resistant steel", name_fi="Kulutusteräs", name_pl="Stal trudnościeralna"
    )
    certifications = [
        factories.certification(
            code="ISO/IEC 17025",
            name_en="Competence of testing and calibration laboratories",
            name_fi="Testaus- ja kalibrointilaboratorioiden pätevyys",
        ),
        factories.certification(
            code="EN 1090-2 EXC3", name_en="Execution of steel structures, class 3"
        ),
        factories.certification(code="ISO 3834-2", name_en="Comprehensive welding quality"),
        factories.certification(code="ISO 14001", name_en="Environmental management"),
    ]
    finnish = SpokenLanguage.objects.get_or_create(code="fi", defaults={"name_en": "Finnish"})[0]

    w["company"] = company = factories.company(
        clusters=[metal],
        municipality=vaasa,
        name=LONG_NAME,
        business_id=factories.VALID_BUSINESS_IDS["FI"][0],
        vat_number="FI07375462",
        street_address="Teollisuuskatu 123–125",
        postal_code="65100",
        website="https://www.pohjanmaan-terasrakennesuunnittelu-ja-konepajapalvelut.example",
        email="myynti.ja.asiakaspalvelu@terasrakennesuunnittelu-konepajapalvelut.example",
        phone="+358401234567",
        founded=1987,
        employees=120,
        size_class=Company.SizeClass.MEDIUM,
        export_markets=["SE", "NO", "DE", "PL", "LT"],
        description_en="Welding, laser cutting and machining of demanding steel structures.",
        description_fi="Vaativien teräsrakenteiden hitsausta, laserleikkausta ja koneistusta.",
        description_sv="Svetsning, laserskärning och bearbetning av krävande stålkonstruktioner.",
    )
    company.capabilities.add(welding, laser)
    company.materials.add(steel)
    company.sectors.add(long_sector, repair)
    company.languages.add(finnish)
    for number, certification in enumerate(certifications, start=1):
        factories.certificate(
            company,
            certification,
            valid_until=datetime.date(2028, 6, 30),
            issued_by="Kiwa Inspecta Sertifiointi ja Tarkastuspalvelut Oy",
            certificate_number=f"FI-CERT-2024-000{number}-EXC3-WPQR",
        )
    partner = factories.company(
        clusters=[podlasie],
        municipality=bialystok,
        name="Zakład Mechaniczny i Konstrukcji Stalowych Podlasie Sp. z o.o.",
        business_id=factories.VALID_BUSINESS_IDS["PL"][0],
        description_en="Welded steel structures and laser cutting in Białystok.",
        description_pl="Spawane konstrukcje stalowe i cięcie laserowe w Białymstoku.",
    )
    partner.capabilities.add(welding, laser)
    partner.sectors.add(long_sector)
    factories.certificate(partner, certifications[2])
    for index, town in enumerate([vaasa, kristinestad]):
        other = factories.company(
            clusters=[metal],
            municipality=town,
            name=f"Kvarken Verkstad {index + 1} Ab",
            business_id=factories.VALID_BUSINESS_IDS["FI"][1 + index],
        )
        other.sectors.add(repair if index else long_sector)
        other.capabilities.add(welding)

    lead = factories.organization(
        name_en="Regional Council of Ostrobothnia and Central Ostrobothnia Joint Authority"
    )
    w["project"] = project = factories.project(
        name_en="Cross-border Metal Industry Competence and Digitalisation Programme",
        name_fi="Rajat ylittävä metalliteollisuuden osaamis- ja digitalisaatio-ohjelma",
        acronym="METALDIGI",
        summary_en="Skills and digital tools for the metal workshops of the Kvarken region.",
        description_en="The project trains workshops in digital production planning.",
        programme="Interreg Aurora 2021–2027",
        lead_organization=lead,
        total_budget=Decimal("2345678.90"),
    )
    project.clusters.add(metal, podlasie)
    for position, organization in enumerate(
        [lead, factories.organization(name_en="Białystok University of Technology", country="PL")]
    ):
        ProjectPartner.objects.create(
            project=project,
            organization=organization,
            role=ProjectPartner.Role.LEAD if position == 0 else ProjectPartner.Role.PARTNER,
            role_description_en="Coordinates the work packages and reports to the programme.",
            position=position,
        )
    for position, (name, amount, share) in enumerate(
        [
            ("European Regional Development Fund (Interreg Aurora)", "1524691.29", "65.00"),
            ("Regional Council of Ostrobothnia, national co-financing", "469135.78", "20.00"),
            ("Own financing of the partner organisations", "351851.83", "15.00"),
        ]
    ):
        FundingSource.objects.create(
            project=project,
            name_en=name,
            amount=Decimal(amount),
            share_percent=Decimal(share),
            position=position,
        )
    w["event"] = factories.event(
        title_en="Cross-Kvarken Metal and Cleantech Matchmaking Day for Subcontractors",
        title_fi="Merenkurkun metalli- ja cleantech-alihankkijoiden kumppanuuspäivä",
        cluster=metal,
        municipality=vaasa,
        registration_open=True,
        capacity=80,
    )
    w["offer"] = factories.offer(
        company=company,
        title_en="Free capacity for laser cutting and welding of wear-resistant steel",
        title_fi="Vapaata kapasiteettia kulutusterästen laserleikkaukseen ja hitsaukseen",
        cluster=metal,
    )
    w["job"] = factories.job(
        company=company,
        kind=JobPosting.Kind.OFFER,
        title_en="Experienced MIG/MAG and TIG welder for steel structures (EN 1090 EXC3)",
        municipality=vaasa,
    )
    w["news"] = factories.news(
        title_en="Ostrobothnian and Podlasian metal companies meet at the matchmaking day",
        body_en="Forty companies met in Vaasa to find subcontractors and partners.",
        cluster=metal,
        published_at=timezone.now() - datetime.timedelta(days=1),
    )
    return w


def public_pages(world, language):
    """The address of every public page type in ``language``."""
    w = world
    with translation.override(language):
        directory = reverse("companies:list")
        return {
            "home": reverse("portal:home"),
            "directory": f"{directory}?cluster={w['metal'].pk}&sort=name",
            "company profile": w["company"].get_absolute_url(),
            "partner matching": reverse("companies:partners", kwargs={"slug": w["company"].slug}),
            "clusters": reverse("portal:cluster-list"),
            "cluster": w["metal"].get_absolute_url(),
            "projects": reverse("projects:list"),
            "project": w["project"].get_absolute_url(),
            "events": reverse("events:list"),
            "event": w["event"].get_absolute_url(),
            "visit form": reverse("visit:request"),
            "offers": reverse("offers:list"),
            "offer": w["offer"].get_absolute_url(),
            "jobs": reverse("jobs:list"),
            "job": w["job"].get_absolute_url(),
            "news": reverse("portal:news-list"),
            "news item": w["news"].get_absolute_url(),
            "search": reverse("portal:search") + "?q=steel",
            "representatives' sign-in": reverse("my_company:login"),
        }
