"""What happens in matchmaking: requests, answers, automatic and bulk scheduling, cancellation,
reminders and expiry, surveys. Views, the admin and the management command call these.

Every booking runs in a transaction that first locks the event row (``select_for_update``), so
concurrent bookings for one event queue up on PostgreSQL; the unique constraints on tables and
seats are the last word: a booking that would double-book raises IntegrityError, which is
turned into "no slot" instead of a 500. E-mail goes through the outbox on commit; a bulk
scheduling run that tells many participants at once leaves the sending to the outbox's next run
(``send_outbox``, every five minutes), so the organiser's page does not wait for the mail server.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from clusters.emails import (
    absolute,
    keep_email,
    localized_path,
    render_templated_email,
    send_templated_email,
)

from ..models import Event, Registration
from . import scheduler
from .models import (
    COOPERATION_OUTCOMES,
    MatchmakingProfile,
    Meeting,
    MeetingFeedback,
    MeetingRequest,
    MeetingSeat,
    MeetingSlot,
)

REMINDER_INTERVAL = datetime.timedelta(days=2)
MAX_REMINDERS = 3
SECOND_SURVEY_AFTER = datetime.timedelta(days=182)
# A bulk run that schedules more meetings than this keeps its e-mails for send_outbox.
SEND_AT_ONCE_UP_TO = 20


class MatchmakingError(Exception):
    """A request or answer that is not allowed now; ``str(error)`` says why, for a message."""


class RequestClosed(MatchmakingError):
    pass


class DuplicateRequest(MatchmakingError):
    pass


# --- Profiles and links ------------------------------------------------------------------------


def ensure_profile(registration, company=None):
    """The matchmaking profile of a registration to a matchmaking event (created once)."""
    profile, _created = MatchmakingProfile.objects.get_or_create(
        registration=registration,
        defaults={"event_id": registration.event_id, "company": company},
    )
    return profile


def access_url(profile, language=None):
    """The participant's private link: signs them in to the event's matchmaking pages."""
    language = language or profile.language
    return absolute(
        localized_path(
            "events:matchmaking-access",
            language,
            slug=profile.event.slug,
            token=profile.access_token,
        )
    )


def agenda_url(profile, language=None):
    language = language or profile.language
    return absolute(localized_path("events:matchmaking-agenda", language, slug=profile.event.slug))


def _send(name, profile, context, *, at_once=True):
    context = {
        "profile": profile,
        "event": profile.event,
        "access_url": access_url(profile),
        **context,
    }
    if at_once:
        send_templated_email(
            f"matchmaking/{name}", context, [profile.email], language=profile.language
        )
    else:  # kept in the outbox; send_outbox delivers it within minutes
        rendered = render_templated_email(f"matchmaking/{name}", context, language=profile.language)
        keep_email(rendered, [profile.email])


# --- Requests ----------------------------------------------------------------------------------


def _lock_event(event):
    return Event.objects.select_for_update(of=("self",)).get(pk=event.pk)


def request_meeting(sender, receiver, message="", *, now=None):
    """Ask ``receiver`` for a meeting; they are e-mailed in their language."""
    now = now or timezone.now()
    event = sender.event
    if receiver.event_id != event.pk or receiver.pk == sender.pk:
        raise MatchmakingError("not a participant")
    if not receiver.is_visible or any(
        side.registration.status != Registration.Status.CONFIRMED for side in (sender, receiver)
    ):
        raise MatchmakingError("not a participant")
    if now >= event.request_deadline():
        raise RequestClosed("closed")
    with transaction.atomic():
        _lock_event(event)
        if (
            MeetingRequest.objects.active()
            .filter(Q(sender=sender, receiver=receiver) | Q(sender=receiver, receiver=sender))
            .exists()
        ):
            raise DuplicateRequest("duplicate")
        request = MeetingRequest.objects.create(
            event=event,
            sender=sender,
            receiver=receiver,
            message=message.strip(),
            expires_at=event.request_deadline(),
        )
        _send("request", receiver, {"request": request, "other": sender})
    return request


def _answerable(request, profile, now):
    if request.receiver_id != profile.pk:
        raise MatchmakingError("not yours")
    if request.status != MeetingRequest.Status.PENDING:
        raise MatchmakingError("answered")
    if now >= request.expires_at:
        raise RequestClosed("expired")


def accept(request, profile, *, now=None):
    """Accept a request: it gets the first free slot and table at once, when there is one."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_event(request.event)
        request = MeetingRequest.objects.select_for_update().get(pk=request.pk)
        _answerable(request, profile, now)
        request.status = MeetingRequest.Status.ACCEPTED
        request.answered_at = now
        request.save(update_fields=["status", "answered_at", "updated_at"])
        meeting = book_first_free(request, now=now)
        for side in (request.sender, request.receiver):
            _send(
                "accepted",
                side,
                {"request": request, "meeting": meeting, "other": request.other_side(side)},
            )
    return meeting


def decline(request, profile, *, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        request = MeetingRequest.objects.select_for_update().get(pk=request.pk)
        _answerable(request, profile, now)
        request.status = MeetingRequest.Status.DECLINED
        request.answered_at = now
        request.save(update_fields=["status", "answered_at", "updated_at"])
        _send("declined", request.sender, {"request": request, "other": request.receiver})
    return request


def cancel(request, profile, *, now=None):
    """Either side withdraws a pending or accepted request; a meeting is freed, the other side
    is told. A meeting whose time has come is not cancelled (its survey answers would go)."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_event(request.event)
        request = MeetingRequest.objects.select_for_update().get(pk=request.pk)
        if profile.pk not in (request.sender_id, request.receiver_id):
            raise MatchmakingError("not yours")
        if request.status not in (MeetingRequest.Status.PENDING, MeetingRequest.Status.ACCEPTED):
            raise MatchmakingError("closed")
        if Meeting.objects.filter(request=request, slot__starts_at__lte=now).exists():
            raise RequestClosed("held")
        Meeting.objects.filter(request=request).delete()
        request.status = MeetingRequest.Status.CANCELLED
        request.cancelled_by = profile
        request.save(update_fields=["status", "cancelled_by", "updated_at"])
        _send("cancelled", request.other_side(profile), {"request": request, "other": profile})
    return request


def cancel_by_organiser(request, *, now=None):
    """The organiser cancels a pending or accepted request (its meeting is freed) and both sides
    are told. False when it is closed already, or when its meeting has begun (its survey answers
    would go with it)."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_event(request.event)
        request = MeetingRequest.objects.select_for_update().get(pk=request.pk)
        if request.status not in (MeetingRequest.Status.PENDING, MeetingRequest.Status.ACCEPTED):
            return False
        if Meeting.objects.filter(request=request, slot__starts_at__lte=now).exists():
            return False
        Meeting.objects.filter(request=request).delete()
        request.status = MeetingRequest.Status.CANCELLED
        request.cancelled_by = None  # by the organiser
        request.save(update_fields=["status", "cancelled_by", "updated_at"])
        for side in (request.sender, request.receiver):
            _send(
                "organiser_cancelled",
                side,
                {"request": request, "other": request.other_side(side)},
            )
    return True


# --- Booking -----------------------------------------------------------------------------------


def _free_table(slot, taken):
    return next((table for table in range(1, slot.tables + 1) if table not in taken), None)


def _create_meeting(request, slot, table):
    """Create the meeting and both seats; IntegrityError if the database refuses a double
    booking (the caller's savepoint keeps the transaction usable)."""
    with transaction.atomic():
        meeting = Meeting.objects.create(
            request=request, event_id=request.event_id, slot=slot, table=table
        )
        MeetingSeat.objects.bulk_create(
            [
                MeetingSeat(meeting=meeting, slot=slot, profile_id=request.sender_id),
                MeetingSeat(meeting=meeting, slot=slot, profile_id=request.receiver_id),
            ]
        )
    return meeting


def book_first_free(request, *, now=None):
    """The first slot not yet begun where both sides are available and a table is free; None if
    none is. Call inside a transaction that holds the event's lock."""
    people = (request.sender_id, request.receiver_id)
    slots = (
        MeetingSlot.objects.filter(event_id=request.event_id, starts_at__gt=now or timezone.now())
        .exclude(seats__profile_id__in=people)
        .exclude(unavailable_profiles__in=people)
        .annotate(used=Count("meetings", distinct=True))
        .order_by("starts_at", "pk")
    )
    for slot in slots:
        if slot.used >= slot.tables:
            continue
        taken = set(slot.meetings.values_list("table", flat=True))
        table = _free_table(slot, taken)
        try:
            return _create_meeting(request, slot, table)
        except IntegrityError:
            continue  # taken meanwhile by a booking that did not wait for the lock
    return None


def move_meeting(meeting, slot, table):
    """The organiser moves a meeting; the database refuses a clash (IntegrityError)."""
    with transaction.atomic():
        _lock_event(meeting.event)
        if slot.event_id != meeting.event_id or not 1 <= table <= slot.tables:
            raise MatchmakingError("no such table")
        meeting.slot, meeting.table = slot, table
        meeting.save(update_fields=["slot", "table", "updated_at"])
        meeting.seats.update(slot=slot)
        for side in meeting.participants:
            _send("moved", side, {"meeting": meeting, "other": meeting.request.other_side(side)})
    return meeting


def schedule_event(event):
    """Schedule every accepted request without a meeting (organiser's bulk action), keeping
    the meetings already booked. Returns the meetings created."""
    with transaction.atomic():
        _lock_event(event)
        slots = list(MeetingSlot.objects.filter(event=event).order_by("starts_at", "pk"))
        requests = list(
            MeetingRequest.objects.filter(
                event=event, status=MeetingRequest.Status.ACCEPTED, meeting__isnull=True
            )
            .select_related("sender__registration", "receiver__registration")
            .order_by("answered_at", "pk")
        )
        if not slots or not requests:
            return []
        busy, taken_tables = {}, {}
        taken = {}
        for slot_id, profile_id in MeetingSeat.objects.filter(slot__event=event).values_list(
            "slot_id", "profile_id"
        ):
            busy.setdefault(slot_id, set()).add(profile_id)
        for slot_id, table in Meeting.objects.filter(event=event).values_list("slot_id", "table"):
            taken.setdefault(slot_id, set()).add(table)
            taken_tables[slot_id] = taken_tables.get(slot_id, 0) + 1
        unavailable = {}
        through = MatchmakingProfile.unavailable_slots.through.objects
        for profile_id, slot_id in through.filter(meetingslot__event=event).values_list(
            "matchmakingprofile_id", "meetingslot_id"
        ):
            unavailable.setdefault(profile_id, set()).add(slot_id)
        problem = scheduler.Problem(
            slots=[slot.pk for slot in slots],
            tables={slot.pk: slot.tables for slot in slots},
            requests=[(r.pk, r.sender_id, r.receiver_id) for r in requests],
            unavailable=unavailable,
            busy=busy,
            taken_tables=taken_tables,
        )
        assignment = scheduler.schedule(problem)
        by_slot = {slot.pk: slot for slot in slots}
        for slot in slots:
            slot.event = event
        meetings = []
        for request in requests:
            slot_id = assignment.get(request.pk)
            if slot_id is None:
                continue
            slot = by_slot[slot_id]
            table = _free_table(slot, taken.setdefault(slot_id, set()))
            taken[slot_id].add(table)
            request.event = event
            for side in (request.sender, request.receiver):
                side.event = event
            meetings.append(Meeting(request=request, event=event, slot=slot, table=table))
        # All at once, under the event's lock; a clash with a booking that did not take the
        # lock raises IntegrityError and leaves nothing changed.
        created = Meeting.objects.bulk_create(meetings)
        MeetingSeat.objects.bulk_create(
            MeetingSeat(meeting=meeting, slot=meeting.slot, profile_id=profile_id)
            for meeting in created
            for profile_id in (meeting.request.sender_id, meeting.request.receiver_id)
        )
        at_once = len(created) <= SEND_AT_ONCE_UP_TO
        for meeting in created:
            for side in meeting.participants:
                _send(
                    "scheduled",
                    side,
                    {"meeting": meeting, "other": meeting.request.other_side(side)},
                    at_once=at_once,
                )
    return created


# --- Reminders, expiry, surveys (manage.py matchmaking_tasks) ----------------------------------


def expire_and_remind(now=None):
    """Expire pending requests past their deadline (the sender is told) and remind receivers of
    requests waiting for REMINDER_INTERVAL (at most MAX_REMINDERS times)."""
    now = now or timezone.now()
    expired = reminded = 0
    due = MeetingRequest.objects.filter(
        status=MeetingRequest.Status.PENDING, expires_at__lte=now
    ).select_related("sender__registration", "receiver__registration", "event")
    for request in due:
        with transaction.atomic():
            changed = MeetingRequest.objects.filter(
                pk=request.pk, status=MeetingRequest.Status.PENDING
            ).update(status=MeetingRequest.Status.EXPIRED, updated_at=now)
            if changed:
                expired += 1
                _send("expired", request.sender, {"request": request, "other": request.receiver})
    waiting = (
        MeetingRequest.objects.filter(
            status=MeetingRequest.Status.PENDING,
            expires_at__gt=now,
            reminders_sent__lt=MAX_REMINDERS,
            created_at__lte=now - REMINDER_INTERVAL,
        )
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=now - REMINDER_INTERVAL))
        .select_related("sender__registration", "receiver__registration", "event")
    )
    for request in waiting:
        with transaction.atomic():
            request.reminded_at = now
            request.reminders_sent += 1
            request.save(update_fields=["reminded_at", "reminders_sent", "updated_at"])
            _send("reminder", request.receiver, {"request": request, "other": request.sender})
            reminded += 1
    return expired, reminded


def send_surveys(now=None):
    """Ask each participant about each meeting: once the event is over, and six months later."""
    now = now or timezone.now()
    sent = 0
    rounds = [
        (MeetingFeedback.Round.AFTER_EVENT, now),
        (MeetingFeedback.Round.SIX_MONTHS, now - SECOND_SURVEY_AFTER),
    ]
    for round_, ended_before in rounds:
        meetings = Meeting.objects.filter(event__ends_at__lte=ended_before).select_related(
            "event", "slot", "request__sender__registration", "request__receiver__registration"
        )
        asked = set(
            MeetingFeedback.objects.filter(round=round_).values_list("meeting_id", "profile_id")
        )
        for meeting in meetings:
            for side in meeting.participants:
                if (meeting.pk, side.pk) in asked:
                    continue
                with transaction.atomic():
                    feedback = MeetingFeedback.objects.create(
                        meeting=meeting, profile=side, round=round_
                    )
                    _send(
                        "survey",
                        side,
                        {
                            "meeting": meeting,
                            "feedback": feedback,
                            "other": meeting.request.other_side(side),
                            "survey_url": absolute(
                                localized_path(
                                    "events:matchmaking-survey",
                                    side.language,
                                    slug=meeting.event.slug,
                                    token=feedback.token,
                                )
                            ),
                        },
                    )
                sent += 1
    return sent


def results(event_ids):
    """Matchmaking figures of some events (the ECCP way: meetings → cooperation cases).

    Meetings counted as held when a participant said so; a meeting led to cooperation when any
    answer of either side, in either survey, names a cooperation outcome.
    """
    meetings = Meeting.objects.filter(event_id__in=event_ids)
    feedback = MeetingFeedback.objects.filter(meeting__event_id__in=event_ids)
    return {
        "requested": MeetingRequest.objects.filter(event_id__in=event_ids).count(),
        "scheduled": meetings.count(),
        "held": feedback.filter(held=True).values("meeting").distinct().count(),
        "cooperation": feedback.filter(outcome__in=COOPERATION_OUTCOMES)
        .values("meeting")
        .distinct()
        .count(),
    }
