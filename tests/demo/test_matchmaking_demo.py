"""The demo's matchmaking day (demo/matchmaking.py): what `make run` shows on the seed content's
"Cross-Kvarken cleantech matchmaking day" — seeded once for the module as setup_portal does it
(fixtures, then 300 companies of seed 1), on a reference date before the event."""

import datetime
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from companies.models import Membership
from demo.matchmaking import EVENT_SLUG, seed_matchmaking
from demo.words import CLUSTER_AREAS
from events.matchmaking import services
from events.models import (
    Event,
    MatchmakingProfile,
    Meeting,
    MeetingFeedback,
    MeetingRequest,
    MeetingSeat,
    Registration,
)
from tests import factories
from tests.shared import shared_data

pytestmark = pytest.mark.django_db

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
FIXTURE_FILES = [
    FIXTURES_DIR / name for name in ("geography.json", "taxonomy.json", "content.json")
]
TODAY = datetime.date(2026, 11, 30)  # before the event (14 April 2027)
STATES = {"pending", "accepted", "declined", "expired", "cancelled"}


def build():
    with override_settings(MEDIA_ROOT=FIXTURES_DIR / "media"):
        call_command("loaddata", *map(str, FIXTURE_FILES), verbosity=0)
    call_command("seed_demo", companies=300, seed=1, today=TODAY.isoformat(), verbosity=0)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with shared_data(django_db_blocker, build):
        yield


@pytest.fixture
def event(seeded):
    return Event.objects.get(slug=EVENT_SLUG)


def profiles(event):
    return MatchmakingProfile.objects.filter(event=event).select_related(
        "registration", "company__municipality__region"
    )


def reseed(event, today):
    """The day seeded again on another reference date (the test's savepoint undoes it)."""
    Registration.objects.filter(event=event).delete()
    assert seed_matchmaking(seed=1, today=today) == 40


def assert_no_double_booking(event):
    seats = list(MeetingSeat.objects.filter(slot__event=event).values_list("slot", "profile"))
    assert len(seats) == len(set(seats)) == 2 * Meeting.objects.filter(event=event).count()
    for meeting in Meeting.objects.filter(event=event).select_related("request", "slot"):
        assert 1 <= meeting.table <= meeting.slot.tables
        assert meeting.request.status == "accepted"
        for side in (meeting.request.sender, meeting.request.receiver):
            assert meeting.slot not in side.unavailable_slots.all()
            assert MeetingSeat.objects.filter(meeting=meeting, profile=side).exists()


def test_the_event_is_a_matchmaking_day_open_for_registration(event):
    assert event.kind == Event.Kind.MATCHMAKING and event.has_matchmaking
    assert event.registration_open
    assert event.request_deadline() < event.starts_at
    assert timezone.localtime(event.request_deadline(), event.tz).hour == 16


def test_a_morning_of_twenty_minute_slots_at_twelve_tables(event):
    slots = list(event.meeting_slots.order_by("starts_at"))
    local = [(slot.local_starts_at.strftime("%H:%M"), slot.local_ends_at) for slot in slots]
    assert [start for start, _end in local] == [
        "10:00",
        "10:20",
        "10:40",
        "11:00",
        "11:20",
        "11:40",
    ]
    assert local[-1][1].strftime("%H:%M") == "12:00"
    assert all(slot.local_starts_at.date() == event.local_starts_at.date() for slot in slots)
    assert {slot.ends_at - slot.starts_at for slot in slots} == {datetime.timedelta(minutes=20)}
    assert {slot.tables for slot in slots} == {12}


def test_forty_invented_participants_writing_swedish_finnish_or_english(event):
    registrations = Registration.objects.filter(event=event)
    assert registrations.count() == 40
    assert set(registrations.values_list("status", flat=True)) == {"confirmed"}
    emails = list(registrations.values_list("email", flat=True))
    assert len(set(emails)) == 40 and all(email.endswith("@example.org") for email in emails)
    assert set(registrations.values_list("language", flat=True)) == {"sv", "fi", "en"}
    assert all(len(name.split()) >= 2 for name in registrations.values_list("name", flat=True))
    assert profiles(event).count() == 40


def test_participants_come_from_the_cluster_and_its_area(event):
    area = CLUSTER_AREAS[event.cluster.slug]["home"]
    members = set(
        Membership.objects.filter(cluster=event.cluster).values_list("company", flat=True)
    )
    found = [profile for profile in profiles(event) if profile.company_id]
    assert len(found) == 40  # 300 demo companies have enough of them
    assert sum(profile.company_id in members for profile in found) >= 20
    for profile in found:
        company = profile.company
        assert (
            company.municipality.region.slug in area["regions"]
            or company.municipality.slug in area["towns"]
        )
        assert profile.registration.organization_name == company.name
    swedish = [p for p in found if p.company.country.code == "SE"]
    assert swedish and all(p.registration.language in ("sv", "en") for p in swedish)


def test_profiles_say_what_they_offer_and_seek(event):
    for profile in profiles(event).prefetch_related(
        "offered_capabilities", "sought_capabilities", "languages"
    ):
        assert profile.presentation and profile.offers and profile.needs
        assert profile.is_visible
        assert profile.offered_capabilities.exists() and profile.sought_capabilities.exists()
        assert profile.registration.language in {lang.code for lang in profile.languages.all()}
    finnish = profiles(event).filter(registration__language="fi").first()
    assert "Merenkurkun" in finnish.presentation
    with_materials = profiles(event).filter(sought_materials__isnull=False).distinct()
    assert 0 < with_materials.count() < 40
    assert profiles(event).filter(unavailable_slots__isnull=False).exists()


def test_requests_in_every_state_and_meetings_without_conflicts(event):
    requests = MeetingRequest.objects.filter(event=event)
    counts = Counter(requests.values_list("status", flat=True))
    assert set(counts) == STATES and counts["accepted"] >= 40
    now = datetime.datetime.combine(TODAY, datetime.time(0), tzinfo=event.tz)
    for request in requests:
        assert request.sender_id != request.receiver_id
        assert request.created_at < now
        if request.status == "pending":
            assert request.expires_at == event.request_deadline() > now
            assert request.answered_at is None and request.reminders_sent <= 3
        if request.status == "expired":
            assert request.expires_at < now and request.reminders_sent
        if request.status in ("accepted", "declined"):
            assert request.created_at < request.answered_at < now
        if request.status == "cancelled":
            assert request.cancelled_by_id in (request.sender_id, request.receiver_id)
    pairs = [frozenset(pair) for pair in requests.values_list("sender", "receiver")]
    assert len(pairs) == len(set(pairs))  # nobody asks the same person twice
    meetings = Meeting.objects.filter(event=event)
    accepted = counts["accepted"]
    assert accepted - 5 <= meetings.count() <= accepted
    assert_no_double_booking(event)
    busiest = Counter(
        MeetingSeat.objects.filter(slot__event=event).values_list("profile", flat=True)
    )
    assert max(busiest.values()) >= 4  # popular participants are asked more often


def test_before_the_event_nobody_has_answered_a_survey(event):
    assert TODAY < event.local_starts_at.date()
    assert not MeetingFeedback.objects.filter(meeting__event=event).exists()


def test_after_the_event_held_meetings_have_outcomes(event):
    reseed(event, event.local_ends_at.date() + datetime.timedelta(days=20))
    statuses = set(MeetingRequest.objects.filter(event=event).values_list("status", flat=True))
    assert statuses == STATES - {"pending"}  # the deadline has passed
    answers = MeetingFeedback.objects.filter(meeting__event=event)
    assert set(answers.values_list("round", flat=True)) == {"after_event"}
    meetings = Meeting.objects.filter(event=event).count()
    assert answers.count() == 2 * meetings  # everybody was asked about every meeting
    answered = answers.exclude(answered_at=None)
    assert 0.6 * answers.count() < answered.count() < answers.count()
    assert answered.filter(held=False).exists()
    assert all(a.answered_at > event.ends_at for a in answered)
    figures = services.results([event.pk])
    assert figures["scheduled"] == meetings
    assert 0 < figures["cooperation"] < figures["held"] <= meetings
    assert services.send_surveys(now=event.ends_at + datetime.timedelta(days=20)) == 0
    assert_no_double_booking(event)


def test_six_months_later_the_second_survey_is_answered_too(event):
    reseed(event, event.local_ends_at.date() + services.SECOND_SURVEY_AFTER + datetime.timedelta(7))
    answers = MeetingFeedback.objects.filter(meeting__event=event)
    rounds = Counter(answers.values_list("round", flat=True))
    assert rounds["after_event"] == rounds["six_months"] > 0
    later = answers.filter(round="six_months").exclude(answered_at=None)
    assert all(a.answered_at >= event.ends_at + services.SECOND_SURVEY_AFTER for a in later)


def test_seeding_again_changes_nothing(event):
    before = MeetingRequest.objects.filter(event=event).count()
    assert seed_matchmaking(seed=1, today=TODAY) == 0
    assert MeetingRequest.objects.filter(event=event).count() == before
    assert Registration.objects.filter(event=event).count() == 40


def test_the_participants_page_is_alive(client, event):
    response = client.get(factories.url_in("en", "events:matchmaking", slug=event.slug))
    assert response.status_code == 200
    page = response.content.decode()
    organisation = profiles(event).first().registration.organization_name
    assert organisation.replace("&", "&amp;") in page or organisation in page
    assert "@example.org" not in page  # addresses are never shown


def test_an_event_outside_any_cluster_gets_invented_organisations():
    start = timezone.now() + datetime.timedelta(days=60)
    other = factories.event(
        slug="other-matchmaking-demo",
        kind=Event.Kind.SEMINAR,
        registration_open=False,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=8),
        time_zone="Europe/Helsinki",
    )
    today = timezone.localdate()
    assert seed_matchmaking(seed=3, today=today, slug=other.slug) == 40
    other.refresh_from_db()
    assert other.kind == Event.Kind.MATCHMAKING and other.registration_open
    assert other.meeting_slots.count() == 6
    found = profiles(other)
    assert not found.filter(company__isnull=False).exists()
    assert all(p.registration.organization_name for p in found)
    statuses = set(MeetingRequest.objects.filter(event=other).values_list("status", flat=True))
    assert statuses == STATES
    assert_no_double_booking(other)
    assert seed_matchmaking(seed=3, today=today, slug="no-such-event") == 0
