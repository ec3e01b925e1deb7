"""The small world the API tests share: every directory facet used, published and unpublished
things of each resource, and private values (e-mail addresses, names of people, notes) that must
never reach the API or the bulk files."""

import datetime

from django.utils import timezone

from board.models import CooperationOffer
from clusters.models import ClusterContact, ModerationStatus
from companies.models import Company
from projects.models import FundingSource, ProjectListItem, ProjectPartner, ProjectResult
from tests import factories

# Strings that are stored but private: none may appear in any answer or file.
SECRETS = [
    "info@vaasan-konepaja.example",
    "coordinator.secret@example.org",
    "visitor.secret@example.org",
    "Secret Submitter",
    "hidden-company-name",
    "Hidden Cluster Name",
    "Hidden Project Name",
    "Hidden Event Title",
    "Expired Offer Title",
    "Pending Offer Title",
]


def make_world():
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    ostrobothnia = factories.region(
        country="FI", name_en="Ostrobothnia", name_fi="Pohjanmaa", name_sv="Österbotten"
    )
    podlaskie = factories.region(country="PL", name_en="Podlaskie", name_pl="Podlasie")
    vasterbotten = factories.region(country="SE", name_en="Västerbotten", name_sv="Västerbotten")
    vaasa = factories.municipality(
        region=ostrobothnia, name_en="Vaasa", name_fi="Vaasa", name_sv="Vasa"
    )
    kokkola = factories.municipality(
        region=ostrobothnia, name_en="Kokkola", name_fi="Kokkola", name_sv="Karleby"
    )
    bialystok = factories.municipality(region=podlaskie, name_en="Białystok")
    umea = factories.municipality(region=vasterbotten, name_en="Umeå", name_sv="Umeå")

    machining = factories.capability(
        name_en="Machining", name_fi="Koneistus", name_sv="Bearbetning"
    )
    turning = factories.capability(parent=machining, name_en="CNC turning", name_fi="Sorvaus")
    welding = factories.capability(name_en="Welding", name_fi="Hitsaus", name_sv="Svetsning")
    laser = factories.capability(
        name_en="Laser cutting", name_fi="Laserleikkaus", name_sv="Laserskärning"
    )
    steel = factories.material(name_en="Stainless steel", name_fi="Ruostumaton teräs")
    aluminium = factories.material(name_en="Aluminium", name_fi="Alumiini")
    iso9001 = factories.certification(code="ISO 9001", name_en="Quality management")
    iso3834 = factories.certification(code="ISO 3834", name_en="Welding quality")
    metal = factories.sector(nace_code="25", name_en="Fabricated metal products")
    machinery = factories.sector(nace_code="28", name_en="Machinery", name_fi="Koneet")
    finnish, polish, swedish, english = (
        factories.spoken_language(code) for code in ("fi", "pl", "sv", "en")
    )

    coordinator = factories.organization(name_en="Vaasa Development Agency", short_name="VASEK")
    cluster = factories.cluster(
        name_en="Ostrobothnia Metal Cluster",
        name_fi="Pohjanmaan metalliklusteri",
        region=ostrobothnia,
        coordinator=coordinator,
        goals_en="Grow exports\nShare machines",
    )
    other_cluster = factories.cluster(name_en="Podlaskie Metal Cluster", country="PL")
    hidden_cluster = factories.cluster(name_en="Hidden Cluster Name", is_published=False)
    ClusterContact.objects.create(
        cluster=cluster,
        person=factories.person(email="coordinator.secret@example.org", last_name="Secretson"),
        role_en="Coordinator",
    )

    a = factories.company(
        name="Vaasan Konepaja Oy",
        municipality=vaasa,
        size_class=Company.SizeClass.SMALL,
        clusters=[cluster],
        email="info@vaasan-konepaja.example",
        phone="+358401234567",
        website="https://vaasan-konepaja.example",
        description_en="",
        description_sv="Svensk beskrivning av verkstaden.",
        founded=1980,
        employees=25,
    )
    a.capabilities.add(turning)
    a.materials.add(steel)
    a.sectors.add(machinery)
    a.languages.add(finnish, swedish)
    factories.certificate(a, iso9001, valid_until=today + 300 * day, issued_by="Kiwa")
    open_offer = factories.offer(
        company=a,
        cluster=cluster,
        title_en="Free CNC capacity",
        title_fi="Vapaata CNC-kapasiteettia",
        target_countries=["SE", "FI"],
    )
    open_offer.capabilities.add(turning)

    b = factories.company(
        name="Podlaska Spawalnia Sp. z o.o.",
        municipality=bialystok,
        size_class=Company.SizeClass.MEDIUM,
        clusters=[other_cluster],
    )
    b.capabilities.add(welding)
    b.materials.add(steel, aluminium)
    b.sectors.add(metal)
    b.languages.add(polish)
    factories.certificate(b, iso3834, valid_from=today - 900 * day, valid_until=today - day)

    c = factories.company(
        name="Kokkola Steel Ab", municipality=kokkola, size_class=Company.SizeClass.MICRO
    )
    c.capabilities.add(machining, welding)
    c.sectors.add(metal)
    c.languages.add(swedish)
    factories.certificate(c, iso9001, valid_until=None)
    factories.offer(company=c, title_en="Pending Offer Title", status=ModerationStatus.PENDING)

    d = factories.company(
        name="Umeå Laser AB",
        municipality=umea,
        size_class=Company.SizeClass.LARGE,
        clusters=[cluster, hidden_cluster],
    )
    d.capabilities.add(laser)
    d.materials.add(aluminium)
    d.languages.add(english)
    factories.offer(
        company=d,
        title_en="Expired Offer Title",
        valid_from=today - 60 * day,
        valid_until=today - day,
    )

    e = factories.company(name="Laserleikkaus Vaasa Oy", municipality=vaasa)
    e.capabilities.add(laser)
    e.materials.add(steel)
    others = [
        factories.company(name=f"Generic Metal {n} Oy", municipality=kokkola) for n in range(1, 7)
    ]
    hidden = factories.company(
        name="hidden-company-name", municipality=vaasa, is_published=False, clusters=[cluster]
    )
    hidden.capabilities.add(welding)
    visitor_offer = factories.offer(
        company=None,
        title_en="Partner wanted for a wind project",
        direction=CooperationOffer.Direction.REQUEST,
        category=CooperationOffer.Category.PARTNER,
        submitter_company="Windy Startup",
        submitter_name="Secret Submitter",
        submitter_email="visitor.secret@example.org",
    )

    hidden_project = factories.project(name_en="Hidden Project Name", is_published=False)
    project = factories.project(
        name_en="Smart Welding",
        name_fi="Älykäs hitsaus",
        acronym="SMARTWELD",
        predecessor=hidden_project,
        total_budget="250000.00",
        programme_en="Interreg Aurora",
    )
    project.clusters.add(cluster, hidden_cluster)
    ProjectPartner.objects.create(project=project, organization=coordinator)
    FundingSource.objects.create(project=project, name_en="ERDF", share_percent="60.00")
    ProjectResult.objects.create(project=project, value="200", unit_en="", label_en="companies")
    ProjectListItem.objects.create(
        project=project, kind=ProjectListItem.Kind.OBJECTIVE, text_en="More exports"
    )
    old_project = factories.project(
        name_en="Old Cleantech", status="completed", start_date=datetime.date(2015, 1, 1),
        end_date=datetime.date(2018, 12, 31),
    )  # fmt: skip

    now = timezone.now()
    upcoming = factories.event(
        title_en="Welding seminar", title_fi="Hitsausseminaari", cluster=cluster, project=project,
        municipality=vaasa, capacity=50, registration_open=True,
    )  # fmt: skip
    factories.registration(upcoming, email="participant.secret@example.org")
    webinar = factories.event(
        title_en="Laser webinar", kind="webinar", online_url="https://meet.example/laser",
        starts_at=now + 20 * day, ends_at=now + 20 * day + datetime.timedelta(hours=2),
        cluster=hidden_cluster,
    )  # fmt: skip
    past = factories.event(
        title_en="Old fair", kind="fair", starts_at=now - 100 * day, ends_at=now - 99 * day
    )
    factories.event(title_en="Hidden Event Title", is_published=False)

    return {
        "a": a, "b": b, "c": c, "d": d, "e": e, "others": others, "hidden": hidden,
        "vaasa": vaasa, "kokkola": kokkola, "bialystok": bialystok, "umea": umea,
        "ostrobothnia": ostrobothnia, "podlaskie": podlaskie, "vasterbotten": vasterbotten,
        "machining": machining, "turning": turning, "welding": welding, "laser": laser,
        "steel": steel, "aluminium": aluminium, "iso9001": iso9001, "iso3834": iso3834,
        "metal": metal, "machinery": machinery,
        "finnish": finnish, "polish": polish, "swedish": swedish, "english": english,
        "cluster": cluster, "other_cluster": other_cluster, "hidden_cluster": hidden_cluster,
        "coordinator": coordinator,
        "open_offer": open_offer, "visitor_offer": visitor_offer,
        "project": project, "old_project": old_project, "hidden_project": hidden_project,
        "upcoming": upcoming, "webinar": webinar, "past": past,
    }  # fmt: skip
