"""Matchmaking's models: the database itself refuses double booking, requests to oneself, a
second active request for a pair and slots that end before they start — also when several
participants accept at the same moment (PostgreSQL, one connection per thread)."""

import contextlib
import datetime
import functools
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from events.matchmaking import services
from events.models import Meeting, MeetingFeedback, MeetingRequest, MeetingSeat, MeetingSlot
from tests import factories

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def refused():
    """The database refuses the statement; the savepoint keeps the test's transaction usable."""
    with pytest.raises(IntegrityError), transaction.atomic():
        yield


@pytest.fixture
def day():
    event = factories.matchmaking_event(slots=2, tables=2)
    people = [factories.matchmaking_participant(event) for _ in range(4)]
    return event, list(event.meeting_slots.all()), people


def accepted(sender, receiver):
    return factories.mm_request(sender, receiver, status=MeetingRequest.Status.ACCEPTED)


def test_a_participant_cannot_be_seated_twice_in_one_slot(day):
    _event, (slot, later), (a, b, c, _d) = day
    factories.mm_meeting(accepted(a, b), slot, table=1)
    meeting = Meeting.objects.create(request=accepted(a, c), event=a.event, slot=slot, table=2)
    MeetingSeat.objects.create(meeting=meeting, slot=slot, profile=c)
    with refused():
        MeetingSeat.objects.create(meeting=meeting, slot=slot, profile=a)
    # In another slot, a may meet c.
    factories.mm_meeting(accepted(c, a), later, table=1)
    assert MeetingSeat.objects.filter(profile=a).count() == 2


def test_a_table_cannot_hold_two_meetings_in_one_slot(day):
    _event, (slot, later), (a, b, c, d) = day
    factories.mm_meeting(accepted(a, b), slot, table=1)
    with refused():
        Meeting.objects.create(request=accepted(c, d), event=c.event, slot=slot, table=1)
    Meeting.objects.create(request=accepted(c, d), event=c.event, slot=later, table=1)


def test_a_request_has_at_most_one_meeting_and_tables_count_from_one(day):
    _event, (slot, later), (a, b, _c, _d) = day
    request = accepted(a, b)
    factories.mm_meeting(request, slot, table=1)
    with refused():
        Meeting.objects.create(request=request, event=a.event, slot=later, table=1)
    with refused():
        Meeting.objects.create(request=accepted(b, a), event=a.event, slot=later, table=0)


def test_nobody_asks_themselves(day):
    _event, _slots, (a, *_others) = day
    with refused():
        factories.mm_request(a, a, status=MeetingRequest.Status.PENDING)


@pytest.mark.parametrize("first", ["pending", "accepted"])
@pytest.mark.parametrize("second", ["pending", "accepted"])
def test_one_active_request_per_pair_and_direction(day, first, second):
    _event, _slots, (a, b, _c, _d) = day
    factories.mm_request(a, b, status=first)
    with refused():
        factories.mm_request(a, b, status=second)


def test_closed_requests_do_not_count_as_active(day):
    _event, _slots, (a, b, _c, _d) = day
    for status in ("declined", "expired", "cancelled"):
        factories.mm_request(a, b, status=status)
    factories.mm_request(a, b, status="pending")  # asking again after a closed request
    factories.mm_request(b, a, status="pending")  # the other direction is another request
    assert MeetingRequest.objects.active().count() == 2


def test_a_slot_ends_after_it_starts_and_has_a_table(day):
    event, (slot, _later), _people = day
    start = event.starts_at + datetime.timedelta(days=1)
    for end in (start, start - datetime.timedelta(minutes=20)):
        with refused():
            MeetingSlot.objects.create(event=event, starts_at=start, ends_at=end, tables=3)
    with refused():
        MeetingSlot.objects.create(
            event=event, starts_at=start, ends_at=start + datetime.timedelta(minutes=20), tables=0
        )
    with refused():  # two slots of one event do not start at the same time
        MeetingSlot.objects.create(
            event=event, starts_at=slot.starts_at, ends_at=slot.ends_at, tables=3
        )


def test_one_survey_answer_per_meeting_participant_and_round(day):
    _event, (slot, _later), (a, b, _c, _d) = day
    meeting = factories.mm_meeting(accepted(a, b), slot)
    MeetingFeedback.objects.create(meeting=meeting, profile=a, round="after_event")
    MeetingFeedback.objects.create(meeting=meeting, profile=a, round="six_months")
    MeetingFeedback.objects.create(meeting=meeting, profile=b, round="after_event")
    with refused():
        MeetingFeedback.objects.create(meeting=meeting, profile=a, round="after_event")


def test_private_links_are_unguessable_and_revocable(day):
    _event, _slots, (a, b, _c, _d) = day
    assert a.access_token != b.access_token and len(a.access_token) >= 43
    old = a.access_token
    a.renew_token()
    a.refresh_from_db()
    assert a.access_token != old


# --- Under concurrent requests (PostgreSQL) ------------------------------------------------


def run_at_once(functions):
    """Run each function in its own thread and connection, all released together; returns the
    results and the unhandled errors."""
    barrier = threading.Barrier(len(functions))
    results, errors = [None] * len(functions), []

    def run(index, function):
        try:
            barrier.wait(10)
            results[index] = function()
        except Exception as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, function))
        for index, function in enumerate(functions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a thread hangs"
    return results, errors


def assert_no_double_booking(event):
    seats = list(MeetingSeat.objects.filter(slot__event=event).values_list("slot", "profile"))
    tables = list(Meeting.objects.filter(event=event).values_list("slot", "table"))
    assert len(seats) == len(set(seats)), "a participant is seated twice in a slot"
    assert len(tables) == len(set(tables)), "a table holds two meetings in a slot"
    for meeting in Meeting.objects.filter(event=event).select_related("request", "slot"):
        assert set(meeting.seats.values_list("slot", "profile")) == {
            (meeting.slot_id, meeting.request.sender_id),
            (meeting.slot_id, meeting.request.receiver_id),
        }
        assert 1 <= meeting.table <= meeting.slot.tables


def skip_unless_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL (SQLite takes one writer at a time)")


@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_never_seat_a_participant_twice():
    """Eight participants asked the same person; she accepts all eight at the same moment
    (from eight browser tabs): three slots, so three meetings, each in its own slot."""
    skip_unless_postgresql()
    event = factories.matchmaking_event(slots=3, tables=10)
    popular = factories.matchmaking_participant(event)
    requests = [
        factories.mm_request(factories.matchmaking_participant(event), popular, status="pending")
        for _ in range(8)
    ]
    results, errors = run_at_once(
        [lambda request=request: services.accept(request, popular) for request in requests]
    )
    assert errors == []
    assert_no_double_booking(event)
    assert sum(meeting is not None for meeting in results) == 3
    assert MeetingSeat.objects.filter(profile=popular).count() == 3
    assert set(MeetingRequest.objects.values_list("status", flat=True)) == {"accepted"}


@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_compete_for_the_last_tables():
    """Six pairs accept at once for one slot with two tables: two meetings, tables 1 and 2."""
    skip_unless_postgresql()
    event = factories.matchmaking_event(slots=1, tables=2)
    requests = [
        factories.mm_request(
            factories.matchmaking_participant(event),
            factories.matchmaking_participant(event),
            status="pending",
        )
        for _ in range(6)
    ]
    results, errors = run_at_once(
        [lambda request=request: services.accept(request, request.receiver) for request in requests]
    )
    assert errors == []
    assert_no_double_booking(event)
    assert sorted(meeting.table for meeting in results if meeting) == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_double_booking_without_the_lock():
    """Bookings that skip the event's lock (an admin edit, a future code path) still cannot
    double-book: of six simultaneous meetings for one participant in one slot, on six
    different tables, the unique seat keeps exactly one; of six on one table, too."""
    skip_unless_postgresql()
    event = factories.matchmaking_event(slots=2, tables=10)
    first, second = event.meeting_slots.all()
    popular = factories.matchmaking_participant(event)
    same_person = [
        factories.mm_request(factories.matchmaking_participant(event), popular) for _ in range(6)
    ]
    same_table = [
        factories.mm_request(
            factories.matchmaking_participant(event), factories.matchmaking_participant(event)
        )
        for _ in range(6)
    ]

    def book(request, slot, table):
        try:
            with transaction.atomic():
                return services._create_meeting(request, slot, table)
        except IntegrityError:
            return "refused"

    for requests, slot, table_of in (
        (same_person, first, lambda index: index + 1),
        (same_table, second, lambda index: 1),
    ):
        results, errors = run_at_once(
            [
                functools.partial(book, request, slot, table_of(index))
                for index, request in enumerate(requests)
            ]
        )
        assert errors == []
        assert results.count("refused") == 5
    assert_no_double_booking(event)
    assert Meeting.objects.count() == 2
