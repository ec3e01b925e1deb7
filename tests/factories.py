"""Test data built in code. Each function makes one valid object; keyword arguments override."""

import datetime
import itertools

from django.utils import timezone

from board.models import CooperationOffer, JobPosting
from clusters.models import (
    Cluster,
    ModerationStatus,
    Municipality,
    NewsItem,
    Organization,
    Person,
    Region,
)
from companies.models import (
    Capability,
    Certification,
    Company,
    CompanyCertificate,
    Material,
    Membership,
    Sector,
    SpokenLanguage,
)
from events.models import Event, Registration, VisitRequest
from projects.models import Project

_counter = itertools.count(1)

# Valid business IDs, one series per country (check digits computed by the validators' rules).
VALID_BUSINESS_IDS = {
    "FI": ["0737546-2", "2336509-6", "1572860-0"],
    "SE": ["556036-0793", "556016-0680", "202100-5489"],
    "PL": ["526-000-12-46", "525-000-64-08", "773-123-45-61"],
    "LT": ["112029651", "112021238", "110053842"],
}


def region(**kwargs):
    n = next(_counter)
    defaults = {
        "country": "FI",
        "name_en": f"Region {n}",
        "name_fi": f"Maakunta {n}",
        "name_sv": f"Landskap {n}",
    }
    defaults.update(kwargs)
    return Region.objects.create(**defaults)


def municipality(**kwargs):
    n = next(_counter)
    if "region" not in kwargs:
        kwargs["region"] = region(country=kwargs.pop("country", "FI"))
    defaults = {"name_en": f"Town {n}", "name_fi": f"Kaupunki {n}", "name_sv": f"Stad {n}"}
    defaults.update(kwargs)
    return Municipality.objects.create(**defaults)


def organization(**kwargs):
    n = next(_counter)
    defaults = {
        "name_en": f"Development Agency {n}",
        "kind": Organization.Kind.DEVELOPMENT_AGENCY,
        "country": "FI",
    }
    defaults.update(kwargs)
    return Organization.objects.create(**defaults)


def person(**kwargs):
    n = next(_counter)
    defaults = {"first_name": "Test", "last_name": f"Person{n}", "email": f"person{n}@example.org"}
    defaults.update(kwargs)
    return Person.objects.create(**defaults)


def cluster(**kwargs):
    n = next(_counter)
    defaults = {
        "name_en": f"Metal Cluster {n}",
        "name_fi": f"Metalliklusteri {n}",
        "name_sv": f"Metallkluster {n}",
        "sector": Cluster.Sector.METAL,
        "country": "FI",
    }
    defaults.update(kwargs)
    return Cluster.objects.create(**defaults)


def sector(**kwargs):
    n = next(_counter)
    # NACE codes are at most five characters ("25.61").
    defaults = {"nace_code": f"{n % 100_000:05d}", "name_en": f"Sector {n}"}
    defaults.update(kwargs)
    return Sector.objects.create(**defaults)


def capability(**kwargs):
    n = next(_counter)
    defaults = {"name_en": f"Capability {n}"}
    defaults.update(kwargs)
    return Capability.objects.create(**defaults)


def material(**kwargs):
    n = next(_counter)
    defaults = {"name_en": f"Material {n}"}
    defaults.update(kwargs)
    return Material.objects.create(**defaults)


def certification(**kwargs):
    n = next(_counter)
    defaults = {
        "code": f"ISO {9000 + n}",
        "name_en": f"Standard {n}",
        "kind": Certification.Kind.QUALITY,
    }
    defaults.update(kwargs)
    return Certification.objects.create(**defaults)


def spoken_language(code="fi", **kwargs):
    obj, _created = SpokenLanguage.objects.get_or_create(
        code=code, defaults={"name_en": code.upper(), **kwargs}
    )
    return obj


def company(clusters=(), **kwargs):
    n = next(_counter)
    if "municipality" not in kwargs:
        kwargs["municipality"] = municipality(country=kwargs.get("country", "FI"))
    defaults = {
        "name": f"Company {n} Oy",
        "country": kwargs["municipality"].region.country.code,
        "business_id": f"ID-{n}",
        "size_class": Company.SizeClass.SMALL,
        "description_en": f"Company number {n} machines and welds steel.",
    }
    defaults.update(kwargs)
    obj = Company.objects.create(**defaults)
    for c in clusters:
        Membership.objects.create(company=obj, cluster=c)
    return obj


def certificate(company_obj, certification_obj, **kwargs):
    defaults = {"valid_from": datetime.date(2020, 1, 1)}
    defaults.update(kwargs)
    return CompanyCertificate.objects.create(
        company=company_obj, certification=certification_obj, **defaults
    )


def offer(**kwargs):
    n = next(_counter)
    today = timezone.localdate()
    defaults = {
        "title_en": f"Offer {n}",
        "description_en": "Free laser cutting capacity.",
        "category": CooperationOffer.Category.SUBCONTRACTING,
        "valid_from": today - datetime.timedelta(days=1),
        "valid_until": today + datetime.timedelta(days=30),
        "status": ModerationStatus.PUBLISHED,
    }
    if "company" not in kwargs:
        defaults["company"] = company()
    defaults.update(kwargs)
    return CooperationOffer.objects.create(**defaults)


def job(**kwargs):
    n = next(_counter)
    defaults = {
        "title_en": f"Welder {n}",
        "description_en": "MIG/MAG welding of steel structures.",
        "profession_en": "Welder",
        "expires_on": timezone.localdate() + datetime.timedelta(days=30),
        "contact_name": "Hiring Manager",
        "contact_email": f"jobs{n}@example.org",
        "status": ModerationStatus.PUBLISHED,
    }
    if "company" not in kwargs and kwargs.get("kind") != JobPosting.Kind.WANTED:
        defaults["company"] = company()
    defaults.update(kwargs)
    return JobPosting.objects.create(**defaults)


def project(**kwargs):
    n = next(_counter)
    defaults = {
        "name_en": f"Project {n}",
        "status": Project.Status.ACTIVE,
        "start_date": datetime.date(2024, 1, 1),
        "end_date": datetime.date(2027, 12, 31),
    }
    if "lead_organization" not in kwargs:
        defaults["lead_organization"] = organization()
    defaults.update(kwargs)
    return Project.objects.create(**defaults)


def event(**kwargs):
    n = next(_counter)
    start = timezone.now() + datetime.timedelta(days=10)
    defaults = {
        "title_en": f"Seminar {n}",
        "kind": Event.Kind.SEMINAR,
        "starts_at": start,
        "ends_at": start + datetime.timedelta(hours=6),
        "time_zone": "Europe/Helsinki",
    }
    if "organizer" not in kwargs:
        defaults["organizer"] = organization()
    defaults.update(kwargs)
    return Event.objects.create(**defaults)


def registration(event_obj, **kwargs):
    n = next(_counter)
    defaults = {"name": f"Participant {n}", "email": f"participant{n}@example.org"}
    defaults.update(kwargs)
    return Registration.objects.create(event=event_obj, **defaults)


def visit_request(**kwargs):
    defaults = {
        "main_goal": VisitRequest.MainGoal.BUSINESS,
        "purpose": "Meet cleantech companies.",
        "preferred_dates": "May 2027",
        "expected_participants": 5,
        "name": "Visitor",
        "email": "visitor@example.org",
    }
    if "cluster" not in kwargs:
        defaults["cluster"] = cluster()
    defaults.update(kwargs)
    return VisitRequest.objects.create(**defaults)


def news(**kwargs):
    n = next(_counter)
    defaults = {"title_en": f"News {n}", "body_en": "Something happened."}
    defaults.update(kwargs)
    return NewsItem.objects.create(**defaults)


def user(**kwargs):
    from django.contrib.auth import get_user_model

    n = next(_counter)
    defaults = {"username": f"user{n}", "email": f"user{n}@example.org"}
    defaults.update(kwargs)
    password = defaults.pop("password", "pw")
    obj = get_user_model().objects.create_user(**defaults)
    obj.set_password(password)
    obj.save()
    return obj


def coordinator(*clusters, **kwargs):
    """A staff user coordinating ``clusters`` (in the "Cluster coordinators" group)."""
    from clusters.models import ClusterCoordinator

    obj = user(**kwargs)
    for c in clusters:
        ClusterCoordinator.objects.create(user=obj, cluster=c)
    obj.refresh_from_db()
    return obj


def representative(*companies, language="en", **kwargs):
    from representatives.models import CompanyRepresentative

    obj = user(**kwargs)
    for c in companies:
        CompanyRepresentative.objects.create(user=obj, company=c, language=language)
    return obj


def url_in(language, viewname, **kwargs):
    """The URL of ``viewname`` in ``language``: path segments are translated (/fi/yritykset/)."""
    from django.urls import reverse
    from django.utils import translation

    with translation.override(language):
        return reverse(viewname, kwargs=kwargs or None)


# --- Matchmaking, the organiser's side (tests/events/test_matchmaking_admin.py) ----------------


def mm_event(slots=3, tables=2, minutes=20, **kwargs):
    """A matchmaking event with ``slots`` consecutive slots of ``tables`` tables each."""
    from events.models import MeetingSlot

    obj = event(kind=Event.Kind.MATCHMAKING, **kwargs)
    for index in range(slots):
        start = obj.starts_at + datetime.timedelta(minutes=minutes * index)
        MeetingSlot.objects.create(
            event=obj,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=minutes),
            tables=tables,
        )
    return obj


def mm_profile(event_obj, language="en", **kwargs):
    """A confirmed participant of ``event_obj`` with a matchmaking profile."""
    from events.models import MatchmakingProfile

    n = next(_counter)
    reg = registration(
        event_obj,
        name=kwargs.pop("name", f"Matchmaker {n}"),
        organization_name=kwargs.pop("organization_name", f"Firm {n}"),
        language=language,
    )
    return MatchmakingProfile.objects.create(registration=reg, event=event_obj, **kwargs)


def mm_request(sender, receiver, status="accepted", **kwargs):
    """A meeting request (no e-mail sent); ``accepted`` by default."""
    from events.models import MeetingRequest

    defaults = {
        "event": sender.event,
        "status": status,
        "expires_at": sender.event.request_deadline(),
        "answered_at": timezone.now() if status != "pending" else None,
    }
    defaults.update(kwargs)
    return MeetingRequest.objects.create(sender=sender, receiver=receiver, **defaults)


def mm_meeting(request_obj, slot, table=1):
    """The meeting of an accepted request at ``slot`` and ``table``, with both seats."""
    from events.models import Meeting, MeetingSeat

    meeting_obj = Meeting.objects.create(
        request=request_obj, event_id=request_obj.event_id, slot=slot, table=table
    )
    for profile_id in (request_obj.sender_id, request_obj.receiver_id):
        MeetingSeat.objects.create(meeting=meeting_obj, slot=slot, profile_id=profile_id)
    return meeting_obj


# --- Matchmaking, the participants' side (tests/events/test_matchmaking_pages*.py) ------------


def matchmaking_event(slots=0, tables=3, minutes=20, **kwargs):
    """A published matchmaking event (Europe/Vilnius by default) with ``slots`` slots from its
    start, ``minutes`` long, at ``tables`` tables each."""
    from events.models import MeetingSlot

    kwargs.setdefault("time_zone", "Europe/Vilnius")
    obj = event(kind=Event.Kind.MATCHMAKING, registration_open=True, **kwargs)
    for index in range(slots):
        start = obj.starts_at + datetime.timedelta(minutes=minutes * index)
        MeetingSlot.objects.create(
            event=obj,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=minutes),
            tables=tables,
        )
    return obj


def matchmaking_participant(
    event_obj,
    *,
    language="en",
    company=None,
    status="confirmed",
    name=None,
    organization_name="",
    email=None,
    **fields,
):
    """A participant of ``event_obj``: a registration and its profile. Many-to-many ``fields``
    (offered_capabilities=[…], languages=[…]) are set after the profile is made."""
    from events.models import MatchmakingProfile

    n = next(_counter)
    reg = registration(
        event_obj,
        name=name or f"Participant {n}",
        organization_name=organization_name,
        email=email or f"mm{n}@example.org",
        language=language,
        status=status,
    )
    many = {key: fields.pop(key) for key in list(fields) if isinstance(fields[key], list)}
    profile = MatchmakingProfile.objects.create(
        registration=reg, event=event_obj, company=company, **fields
    )
    for key, values in many.items():
        getattr(profile, key).set(values)
    return profile
