"""What happens in matchmaking, at the level of events/matchmaking/services.py: requests and the
e-mails in each participant's language, answers, the automatic choice of slot and table,
cancellation, reminders and expiry with the clock moved, the surveys, the figures, the bulk
scheduler and moving a meeting."""

import datetime

import pytest
from django.core import mail
from django.db import IntegrityError
from django.utils import formats, timezone, translation

from clusters.models import OutgoingEmail
from events.matchmaking import services
from events.models import Meeting, MeetingFeedback, MeetingRequest, MeetingSeat
from tests import factories

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def event():
    return factories.matchmaking_event(
        slots=4,
        tables=2,
        title_en="Kvarken matchmaking",
        title_fi="Merenkurkun tapaamispäivä",
        title_pl="Dzień spotkań Kvarken",
    )


@pytest.fixture
def people(event):
    """Aino writes Finnish, Jan Polish, Erik Swedish, Emma English."""
    return {
        name: factories.matchmaking_participant(
            event,
            language=language,
            name=full_name,
            organization_name=organisation,
            email=f"{name}@{name}.example",
        )
        for name, language, full_name, organisation in [
            ("aino", "fi", "Aino Virtanen", "Kvarken Steel Oy"),
            ("jan", "pl", "Jan Kowalski", "Podlaska Stal"),
            ("erik", "sv", "Erik Berg", "Berg Laser AB"),
            ("emma", "en", "Emma Smith", "Smith Water Ltd"),
        ]
    }


def slots(event):
    return list(event.meeting_slots.order_by("starts_at"))


def local_datetime(value, event, language):
    with translation.override(language):
        return formats.date_format(timezone.localtime(value, event.tz), "DATETIME_FORMAT")


def sent(name):
    """The e-mails of one kind, as (recipient, language, subject, body)."""
    kept = OutgoingEmail.objects.filter(name=f"matchmaking/{name}").order_by("pk")
    return [(message.to[0], message.language, message.subject, message.body) for message in kept]


def pending(sender, receiver):
    return services.request_meeting(sender, receiver, "Shall we talk about welding?")


# --- Requests ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("sender", "receiver"), [("emma", "aino"), ("erik", "jan")])
def test_a_request_is_e_mailed_in_the_receivers_language(event, people, sender, receiver):
    sender, receiver = people[sender], people[receiver]
    request = pending(sender, receiver)
    assert (request.status, request.expires_at) == ("pending", event.starts_at)
    (message,) = mail.outbox
    language = receiver.language
    assert message.to == [receiver.email]
    assert OutgoingEmail.objects.get().language == language
    assert getattr(event, f"title_{language}") in message.subject
    assert "Shall we talk about welding?" in message.body
    greeting = {"fi": "Hei Aino Virtanen,", "pl": "Dzień dobry, Jan Kowalski!"}[language]
    assert message.body.startswith(greeting)
    assert sender.display_name in message.subject + message.body
    # The private link and the date are the receiver's language's.
    link = factories.url_in(
        language, "events:matchmaking-access", slug=event.slug, token=receiver.access_token
    )
    assert link in message.body and f"/{language}/" in link
    assert local_datetime(request.expires_at, event, language) in message.body
    # Messages are relayed: the sender's address is nowhere in the receiver's e-mail.
    assert sender.email not in message.body + message.subject + " ".join(message.reply_to)
    assert message.reply_to == [] and message.cc == []


def test_a_second_active_request_in_either_direction_is_refused(people):
    aino, jan = people["aino"], people["jan"]
    first = pending(aino, jan)
    for sender, receiver in ((aino, jan), (jan, aino)):
        with pytest.raises(services.DuplicateRequest):
            pending(sender, receiver)
    services.accept(first, jan)
    with pytest.raises(services.DuplicateRequest):
        pending(jan, aino)
    assert MeetingRequest.objects.count() == 1


def test_asking_again_after_a_decline(people):
    aino, jan = people["aino"], people["jan"]
    services.decline(pending(aino, jan), jan)
    again = pending(aino, jan)
    assert again.status == "pending" and MeetingRequest.objects.count() == 2


def test_only_confirmed_visible_participants_of_the_same_event_are_asked(event, people):
    aino, jan = people["aino"], people["jan"]
    other_event = factories.matchmaking_event(slots=1)
    stranger = factories.matchmaking_participant(other_event)
    hidden = factories.matchmaking_participant(event, is_visible=False)
    waiting = factories.matchmaking_participant(event, status="waiting")
    for sender, receiver in [
        (aino, aino),
        (aino, stranger),
        (aino, hidden),
        (aino, waiting),
        (waiting, jan),
    ]:
        with pytest.raises(services.MatchmakingError):
            services.request_meeting(sender, receiver)
    assert not MeetingRequest.objects.exists() and not mail.outbox


def test_the_deadline_closes_requests_and_answers(event, people):
    aino, jan, erik = people["aino"], people["jan"], people["erik"]
    deadline = event.starts_at - 2 * DAY
    event.matchmaking_deadline = deadline
    event.save()
    request = pending(aino, jan)
    assert request.expires_at == deadline
    with pytest.raises(services.RequestClosed):
        services.request_meeting(aino, erik, now=deadline)
    with pytest.raises(services.RequestClosed):
        services.accept(request, jan, now=deadline + datetime.timedelta(seconds=1))
    with pytest.raises(services.RequestClosed):
        services.decline(request, jan, now=deadline)
    request.refresh_from_db()
    assert request.status == "pending"
    # Without a deadline of its own, requests close when the event starts.
    event.matchmaking_deadline = None
    event.save()
    services.request_meeting(aino, erik, now=event.starts_at - datetime.timedelta(minutes=1))
    with pytest.raises(services.RequestClosed):
        services.request_meeting(jan, erik, now=event.starts_at)


# --- Answers and the automatic slot -------------------------------------------------------------


def test_accept_books_the_first_slot_and_table_and_tells_both_sides(event, people):
    aino, jan = people["aino"], people["jan"]
    request = pending(aino, jan)
    mail.outbox.clear()
    meeting = services.accept(request, jan)
    request.refresh_from_db()
    assert request.status == "accepted" and request.answered_at
    assert (meeting.slot, meeting.table) == (slots(event)[0], 1)
    assert set(MeetingSeat.objects.values_list("profile", flat=True)) == {aino.pk, jan.pk}
    by_recipient = {to: (language, body) for to, language, _subject, body in sent("accepted")}
    assert set(by_recipient) == {aino.email, jan.email}
    for person in (aino, jan):
        language, body = by_recipient[person.email]
        assert language == person.language
        start = meeting.slot.local_starts_at
        with translation.override(language):
            assert formats.date_format(start, "DATETIME_FORMAT") in body
        other = jan if person == aino else aino
        assert other.display_name in body and other.email not in body


def test_only_the_receiver_answers_and_only_once(people):
    aino, jan, erik = people["aino"], people["jan"], people["erik"]
    request = pending(aino, jan)
    for who in (aino, erik):
        with pytest.raises(services.MatchmakingError):
            services.accept(request, who)
        with pytest.raises(services.MatchmakingError):
            services.decline(request, who)
    services.decline(request, jan)
    with pytest.raises(services.MatchmakingError):
        services.accept(request, jan)


def test_the_first_slot_where_both_are_available_and_a_table_is_free(event, people):
    aino, jan, erik, emma = (people[name] for name in ("aino", "jan", "erik", "emma"))
    first, second, third, fourth = slots(event)
    extra = [factories.matchmaking_participant(event) for _ in range(6)]
    aino.unavailable_slots.add(first)  # Aino arrives late
    factories.mm_meeting(factories.mm_request(erik, jan), second, table=1)  # Jan is busy
    factories.mm_meeting(factories.mm_request(extra[0], extra[1]), third, table=1)
    factories.mm_meeting(factories.mm_request(extra[2], extra[3]), third, table=2)  # full
    factories.mm_meeting(factories.mm_request(extra[4], extra[5]), fourth, table=1)
    meeting = services.accept(pending(aino, jan), jan)
    assert (meeting.slot, meeting.table) == (fourth, 2)
    # Emma and Erik are free in the first slot, with both its tables.
    meeting = services.accept(pending(emma, erik), erik)
    assert (meeting.slot, meeting.table) == (first, 1)


def test_accepted_without_a_meeting_when_no_slot_is_free(event, people):
    aino, jan = people["aino"], people["jan"]
    aino.unavailable_slots.set(slots(event)[:2])
    jan.unavailable_slots.set(slots(event)[2:])
    request = pending(aino, jan)
    mail.outbox.clear()
    assert services.accept(request, jan) is None
    request.refresh_from_db()
    assert request.status == "accepted" and not Meeting.objects.exists()
    assert {message.to[0] for message in mail.outbox} == {aino.email, jan.email}


def test_full_slots_and_slots_already_begun_are_not_booked(event, people):
    aino, jan = people["aino"], people["jan"]
    first, second, third, _fourth = slots(event)
    for slot in (first, second):
        for table in (1, 2):
            pair = [factories.matchmaking_participant(event) for _ in range(2)]
            factories.mm_meeting(factories.mm_request(*pair), slot, table=table)
    assert services.accept(pending(aino, jan), jan).slot == third
    # Accepted during the event (the organiser's deadline is later): only slots still to come.
    event.matchmaking_deadline = event.ends_at
    event.save()
    erik, emma = people["erik"], people["emma"]
    request = services.request_meeting(erik, emma, now=event.starts_at)
    now = third.starts_at + datetime.timedelta(minutes=1)
    assert services.accept(request, emma, now=now).slot == slots(event)[3]


def test_decline_tells_the_sender_in_their_language(people):
    aino, jan = people["aino"], people["jan"]
    request = services.decline(pending(aino, jan), jan)
    assert request.status == "declined" and request.answered_at
    ((to, language, _subject, body),) = sent("declined")
    assert (to, language) == (aino.email, "fi") and jan.display_name in body
    assert jan.email not in body


def test_cancel_frees_the_meeting_and_tells_the_other_side(event, people):
    aino, jan, erik = people["aino"], people["jan"], people["erik"]
    request = pending(aino, jan)
    meeting = services.accept(request, jan)
    with pytest.raises(services.MatchmakingError):
        services.cancel(request, erik)  # not theirs
    services.cancel(request, jan)
    request.refresh_from_db()
    assert (request.status, request.cancelled_by) == ("cancelled", jan)
    assert not Meeting.objects.exists() and not MeetingSeat.objects.exists()
    ((to, language, _subject, body),) = sent("cancelled")
    assert (to, language) == (aino.email, "fi") and jan.email not in body
    with pytest.raises(services.MatchmakingError):
        services.cancel(request, aino)  # already closed
    # The slot and the table are free again.
    assert services.accept(pending(erik, aino), aino).slot == meeting.slot
    # A pending request can be withdrawn by its sender.
    withdrawn = services.cancel(pending(erik, jan), erik)
    assert withdrawn.status == "cancelled"


def test_a_meeting_whose_time_has_come_is_not_cancelled(event, people):
    aino, jan = people["aino"], people["jan"]
    request = pending(aino, jan)
    meeting = services.accept(request, jan)
    MeetingFeedback.objects.create(meeting=meeting, profile=aino, round="after_event", held=True)
    with pytest.raises(services.RequestClosed):
        services.cancel(request, aino, now=meeting.slot.starts_at)
    request.refresh_from_db()
    assert request.status == "accepted" and Meeting.objects.get() == meeting
    assert MeetingFeedback.objects.count() == 1
    services.cancel(request, aino, now=meeting.slot.starts_at - datetime.timedelta(seconds=1))
    assert not Meeting.objects.exists()


# --- Reminders and expiry, with the clock moved ----------------------------------------------


def test_reminders_every_two_days_at_most_three_then_expiry(event, people):
    aino, jan = people["aino"], people["jan"]
    start = timezone.now()
    event.matchmaking_deadline = start + 9 * DAY
    event.save()
    request = pending(aino, jan)
    mail.outbox.clear()

    def run(days):
        return services.expire_and_remind(now=start + datetime.timedelta(days=days))

    assert run(1) == (0, 0)
    assert run(2.01) == (0, 1)
    assert run(3) == (0, 0)  # the last reminder was a day ago
    assert run(4.02) == (0, 1)
    assert run(6.03) == (0, 1)
    assert run(8.5) == (0, 0)  # three reminders at most
    request.refresh_from_db()
    assert (request.status, request.reminders_sent) == ("pending", 3)
    reminders = sent("reminder")
    assert [(to, language) for to, language, *_rest in reminders] == [(jan.email, "pl")] * 3
    assert all(aino.email not in body for *_rest, body in reminders)
    assert run(9) == (1, 0)  # the deadline
    request.refresh_from_db()
    assert request.status == "expired"
    ((to, language, _subject, body),) = sent("expired")
    assert (to, language) == (aino.email, "fi") and jan.email not in body
    assert run(10) == (0, 0)
    with pytest.raises(services.MatchmakingError):
        services.accept(request, jan, now=start + 10 * DAY)


def test_answered_requests_are_neither_reminded_nor_expired(event, people):
    aino, jan, erik = people["aino"], people["jan"], people["erik"]
    services.accept(pending(aino, jan), jan)
    services.decline(pending(erik, jan), jan)
    later = event.starts_at + DAY
    assert services.expire_and_remind(now=event.starts_at - DAY) == (0, 0)
    assert services.expire_and_remind(now=later) == (0, 0)
    assert set(MeetingRequest.objects.values_list("status", flat=True)) == {
        "accepted",
        "declined",
    }


# --- Surveys and results ----------------------------------------------------------------------


def test_surveys_after_the_event_and_six_months_later_once_each(event, people):
    aino, jan = people["aino"], people["jan"]
    meeting = services.accept(pending(aino, jan), jan)
    assert services.send_surveys(now=event.ends_at - datetime.timedelta(minutes=1)) == 0
    after = event.ends_at + datetime.timedelta(hours=1)
    assert services.send_surveys(now=after) == 2
    assert services.send_surveys(now=after + 30 * DAY) == 0
    half_year = event.ends_at + services.SECOND_SURVEY_AFTER
    assert services.send_surveys(now=half_year) == 2
    assert services.send_surveys(now=half_year + 365 * DAY) == 0
    rounds = sorted(meeting.feedback.values_list("profile__registration__language", "round"))
    assert rounds == [
        ("fi", "after_event"),
        ("fi", "six_months"),
        ("pl", "after_event"),
        ("pl", "six_months"),
    ]
    surveys = sent("survey")
    assert len(surveys) == 4
    for feedback in meeting.feedback.select_related("profile__registration"):
        language = feedback.profile.language
        link = factories.url_in(
            language, "events:matchmaking-survey", slug=event.slug, token=feedback.token
        )
        assert any(to == feedback.profile.email and link in body for to, _l, _s, body in surveys)
    assert all(aino.email not in body for to, _l, _s, body in surveys if to == jan.email)


def test_results_count_requests_meetings_held_and_cooperation(event, people):
    aino, jan, erik, emma = (people[name] for name in ("aino", "jan", "erik", "emma"))
    first, second, _third, _fourth = slots(event)
    held_with_deal = factories.mm_meeting(factories.mm_request(aino, jan), first, table=1)
    held_no_result = factories.mm_meeting(factories.mm_request(erik, emma), first, table=2)
    not_held = factories.mm_meeting(factories.mm_request(aino, erik), second, table=1)
    factories.mm_meeting(factories.mm_request(jan, emma), second, table=2)  # no answers
    factories.mm_request(emma, aino, status="declined")
    factories.mm_request(jan, erik, status="pending")
    factories.mm_request(erik, jan, status="accepted")  # no meeting yet

    def answer(meeting, profile, round_="after_event", **fields):
        MeetingFeedback.objects.create(meeting=meeting, profile=profile, round=round_, **fields)

    answer(held_with_deal, aino, held=True, outcome="follow_up")
    answer(held_with_deal, jan, held=True, outcome="negotiation")
    answer(held_with_deal, jan, "six_months", held=True, outcome="agreement")
    answer(held_no_result, erik, held=True, outcome="none")
    answer(held_no_result, emma, "six_months", held=True, outcome="none")
    answer(not_held, aino, held=False)
    answer(not_held, erik)  # asked, not answered
    other = factories.matchmaking_event(slots=1)
    pair = [factories.matchmaking_participant(other) for _ in range(2)]
    elsewhere = factories.mm_meeting(factories.mm_request(*pair), other.meeting_slots.get())
    answer(elsewhere, pair[0], held=True, outcome="agreement")

    assert services.results([event.pk]) == {
        "requested": 7,
        "scheduled": 4,
        "held": 2,
        "cooperation": 1,
    }
    assert services.results([event.pk, other.pk]) == {
        "requested": 8,
        "scheduled": 5,
        "held": 3,
        "cooperation": 2,
    }


# --- The organiser: bulk scheduling and moving a meeting ------------------------------------------


def test_schedule_event_keeps_booked_meetings_and_creates_no_conflicts(event, people):
    aino, jan, erik, emma = (people[name] for name in ("aino", "jan", "erik", "emma"))
    first, second, third, fourth = slots(event)
    kept = factories.mm_meeting(factories.mm_request(aino, jan), second, table=2)
    emma.unavailable_slots.set([first, second])
    extra = [factories.matchmaking_participant(event) for _ in range(4)]
    # Emma comes for the last two slots; Aino and Jan meet in the second already: six
    # meetings for the seven free tables, with Aino and Jan in four of them each.
    waiting = [
        factories.mm_request(a, b)
        for a, b in [
            (aino, erik),
            (aino, emma),
            (jan, erik),
            (jan, emma),
            (extra[0], aino),
            (extra[1], jan),
        ]
    ]
    factories.mm_request(extra[2], erik, status="pending")  # not accepted: not scheduled
    created = services.schedule_event(event)
    assert len(created) == len(waiting)
    kept.refresh_from_db()
    assert (kept.slot, kept.table) == (second, 2)
    assert Meeting.objects.count() == len(waiting) + 1
    seats = list(MeetingSeat.objects.values_list("slot", "profile"))
    assert len(seats) == len(set(seats)) == 2 * Meeting.objects.count()
    tables = list(Meeting.objects.values_list("slot", "table"))
    assert len(tables) == len(set(tables))
    assert all(1 <= table <= 2 for _slot, table in tables)
    assert not MeetingSeat.objects.filter(profile=emma, slot__in=[first, second]).exists()
    assert len(sent("scheduled")) == len(mail.outbox) == 2 * len(created)  # sent at once
    assert services.schedule_event(event) == []  # nothing left to schedule
    assert set(MeetingSeat.objects.filter(profile=emma).values_list("slot", flat=True)) == {
        third.pk,
        fourth.pk,
    }


def test_a_big_bulk_run_leaves_its_e_mails_to_the_outbox():
    event = factories.matchmaking_event(slots=4, tables=20)
    people = [factories.matchmaking_participant(event, language="sv") for _ in range(24)]
    for index in range(0, 24, 2):  # 12 pairs meet twice, in both directions: 24 meetings
        factories.mm_request(people[index], people[index + 1])
        factories.mm_request(people[index + 1], people[index])
    created = services.schedule_event(event)
    assert len(created) == 24 > services.SEND_AT_ONCE_UP_TO
    assert not mail.outbox  # the organiser's page does not wait for the mail server
    kept = OutgoingEmail.objects.filter(name="matchmaking/scheduled")
    assert kept.count() == 48 and set(kept.values_list("status", "language")) == {("pending", "sv")}
    assert {(meeting.slot_id, meeting.table) for meeting in created} == {
        (meeting.slot_id, meeting.table) for meeting in Meeting.objects.all()
    }
    assert MeetingSeat.objects.count() == 48


def test_schedule_event_without_slots_or_requests_does_nothing(people):
    empty = factories.matchmaking_event(slots=0)
    assert services.schedule_event(empty) == []
    assert services.schedule_event(people["aino"].event) == []


def test_move_meeting(event, people):
    aino, jan, erik, emma = (people[name] for name in ("aino", "jan", "erik", "emma"))
    first, second, _third, _fourth = slots(event)
    meeting = factories.mm_meeting(factories.mm_request(aino, jan), first, table=1)
    other = factories.mm_meeting(factories.mm_request(erik, emma), second, table=1)
    services.move_meeting(meeting, second, 2)
    meeting.refresh_from_db()
    assert (meeting.slot, meeting.table) == (second, 2)
    assert set(meeting.seats.values_list("slot", flat=True)) == {second.pk}
    moved = sent("moved")
    assert {(to, language) for to, language, *_rest in moved} == {
        (aino.email, "fi"),
        (jan.email, "pl"),
    }
    # A taken table, or a participant already seated, is refused by the database.
    with pytest.raises(IntegrityError):
        services.move_meeting(meeting, second, 1)
    factories.mm_meeting(factories.mm_request(emma, aino), first, table=2)
    with pytest.raises(IntegrityError):
        services.move_meeting(meeting, first, 1)
    meeting.refresh_from_db()
    assert (meeting.slot, meeting.table) == (second, 2)
    assert set(meeting.seats.values_list("slot", flat=True)) == {second.pk}
    other.refresh_from_db()
    assert (other.slot, other.table) == (second, 1)
    with pytest.raises(services.MatchmakingError):
        services.move_meeting(meeting, first, 3)  # the slot has two tables
    foreign = factories.matchmaking_event(slots=1).meeting_slots.get()
    with pytest.raises(services.MatchmakingError):
        services.move_meeting(meeting, foreign, 1)
