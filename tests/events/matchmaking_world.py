"""A small matchmaking day for the participants' pages' tests (test_matchmaking_pages*.py).

Aino (Finnish, Kvarken Steel Oy) offers stainless welding and seeks laser cutting, stainless
steel and ISO 3834; Jan (Polish, Podlaska Stal) offers laser cutting through his company, which
also works stainless steel and holds ISO 3834, and seeks welding; Erik (Swedish, no company)
offers laser cutting; Lina (Lithuanian, no company) writes "laser cutting" in her offers only.
"""

import datetime

from django.utils import timezone

from events.models import Meeting, MeetingRequest, MeetingSeat
from tests import factories


def build_world():
    welding = factories.capability(name_en="Welding", name_fi="Hitsaus")
    stainless_welding = factories.capability(
        name_en="Stainless welding", name_fi="RST-hitsaus", parent=welding
    )
    laser = factories.capability(name_en="Laser cutting", name_fi="Laserleikkaus")
    machining = factories.capability(name_en="Machining")
    stainless = factories.material(name_en="Stainless steel")
    iso3834 = factories.certification(code="ISO 3834", name_en="Welding quality")
    finnish, english = factories.spoken_language("fi"), factories.spoken_language("en")
    polish = factories.spoken_language("pl")
    kvarken = factories.company(
        name="Kvarken Steel Oy", municipality=factories.municipality(country="FI")
    )
    kvarken.capabilities.add(machining)
    podlaska = factories.company(
        name="Podlaska Stal Sp. z o.o.",
        municipality=factories.municipality(country="PL"),
        business_id=factories.VALID_BUSINESS_IDS["PL"][0],
    )
    podlaska.capabilities.add(laser)
    podlaska.materials.add(stainless)
    factories.certificate(podlaska, iso3834)
    start = datetime.datetime(2030, 6, 12, 6, 0, tzinfo=datetime.UTC)  # 09:00 in Vilnius
    event = factories.matchmaking_event(
        slots=3,
        tables=2,
        title_en="Cross-border matchmaking day",
        title_fi="Rajat ylittävä tapaamispäivä",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=6),
        venue_name_en="Alytus Business Centre",
    )
    aino = factories.matchmaking_participant(
        event,
        language="fi",
        company=kvarken,
        name="Aino Virtanen",
        email="aino@kvarken.example",
        presentation="Hitsaamme <script>alert('x')</script> ruostumatonta terästä.",
        offers="Stainless welding for process equipment.",
        needs="Laser cut blanks.",
        offered_capabilities=[stainless_welding],
        sought_capabilities=[laser],
        sought_materials=[stainless],
        sought_certifications=[iso3834],
        languages=[finnish, english],
    )
    jan = factories.matchmaking_participant(
        event,
        language="pl",
        company=podlaska,
        name="Jan Kowalski",
        email="jan@podlaska.example",
        presentation="Centrum serwisowe stali.",
        sought_capabilities=[welding],
        languages=[polish, english],
    )
    erik = factories.matchmaking_participant(
        event,
        language="sv",
        name="Erik Berg",
        organization_name="Berg Laser AB",
        email="erik@berg.example",
        offered_capabilities=[laser],
    )
    lina = factories.matchmaking_participant(
        event,
        language="lt",
        name="Lina Petraitė",
        organization_name="Alytaus lazeriai",
        email="lina@alytus.example",
        offers="Fibre laser cutting up to 20 mm.",
    )
    return {
        "event": event,
        "aino": aino,
        "jan": jan,
        "erik": erik,
        "lina": lina,
        "kvarken": kvarken,
        "podlaska": podlaska,
        "welding": welding,
        "stainless_welding": stainless_welding,
        "laser": laser,
        "slots": list(event.meeting_slots.order_by("starts_at")),
    }


def url(name, event, language="en", **kwargs):
    return factories.url_in(language, f"events:{name}", slug=event.slug, **kwargs)


def sign_in(client, profile, language="en"):
    """Sign ``client`` in with ``profile``'s private link (the POST of its page)."""
    response = client.post(
        url("matchmaking-access", profile.event, language, token=profile.access_token)
    )
    assert response.status_code == 302, response
    return response


def meeting_between(sender, receiver, slot, table=1):
    """An accepted request between two participants and its meeting (no e-mail sent)."""
    request = MeetingRequest.objects.create(
        event=sender.event,
        sender=sender,
        receiver=receiver,
        status=MeetingRequest.Status.ACCEPTED,
        expires_at=sender.event.request_deadline(),
        answered_at=timezone.now(),
    )
    meeting = Meeting.objects.create(request=request, event=sender.event, slot=slot, table=table)
    for profile in (sender, receiver):
        MeetingSeat.objects.create(meeting=meeting, slot=slot, profile=profile)
    return meeting
