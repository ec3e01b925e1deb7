"""Event registration with capacity and a waiting list, and "Book a visit" requests.

Capacity decisions run under a lock on the event row (``select_for_update``; PostgreSQL
serialises them, SQLite serialises every write anyway), so two people can never take the last
place at once. E-mail goes out with ``transaction.on_commit``: nobody is told about a
registration that was not stored.
"""

import csv
import io

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from clusters.emails import absolute, localized_path, notify_coordinators, send_templated_email

from . import ical
from .matchmaking import services as matchmaking
from .matchmaking.models import MatchmakingProfile
from .models import Event, Registration, VisitParticipant, VisitRequest


class RegistrationClosed(Exception):
    """The event does not accept registrations (closed, past its deadline, or started)."""


class AlreadyRegistered(Exception):
    """The e-mail address already has an active registration for the event."""


# --- Registration ----------------------------------------------------------------------------


def registration_url(registration, language=None):
    language = language or registration.language
    return absolute(
        localized_path("events:registration", language, token=registration.cancel_token)
    )


def matchmaking_url(registration):
    """The private link to the matchmaking pages of a matchmaking event's participant, or ""."""
    if not registration.event.has_matchmaking:
        return ""
    profile = MatchmakingProfile.objects.filter(registration=registration).first()
    return matchmaking.access_url(profile) if profile else ""


def ical_attachment(event, language):
    with translation.override(language):
        body = ical.calendar([event], absolute)
    return (f"{event.slug}.ics", body, "text/calendar")


def _send(registration, name):
    event = registration.event
    attachments = []
    if registration.status == Registration.Status.CONFIRMED and name != "events/cancelled":
        attachments.append(ical_attachment(event, registration.language))
    send_templated_email(
        name,
        {
            "registration": registration,
            "event": event,
            "event_url": absolute(
                localized_path("events:detail", registration.language, slug=event.slug)
            ),
            "manage_url": registration_url(registration),
            "matchmaking_url": matchmaking_url(registration),
        },
        [registration.email],
        language=registration.language,
        attachments=attachments,
    )


def register(event, data, *, language="en", now=None, company=None):
    """Register for ``event``: confirmed while places are left, then on the waiting list.

    A matchmaking event's participant gets their matchmaking profile at once, linked to
    ``company`` (the one company the registering representative represents, if any)."""
    email = data["email"].strip()
    with transaction.atomic():
        event = (
            # of=("self",): PostgreSQL cannot lock the nullable side of the outer join.
            Event.objects.select_for_update(of=("self",))
            .select_related("municipality", "organizer")
            .get(pk=event.pk)
        )
        if not event.accepts_registrations(now):
            raise RegistrationClosed
        active = event.registrations.exclude(status=Registration.Status.CANCELLED)
        if active.filter(email__iexact=email).exists():
            raise AlreadyRegistered
        places_left = event.places_left()
        has_place = places_left is None or places_left > 0
        registration = Registration(
            event=event,
            name=data["name"],
            organization_name=data.get("organization_name", ""),
            email=email,
            dietary_needs=data.get("dietary_needs", ""),
            access_needs=data.get("access_needs", ""),
            language=language,
            status=Registration.Status.CONFIRMED if has_place else Registration.Status.WAITING,
        )
        try:
            with transaction.atomic():
                registration.save()
        except IntegrityError:
            raise AlreadyRegistered from None
        if event.has_matchmaking:
            matchmaking.ensure_profile(registration, company=company)
        name = "events/confirmed" if has_place else "events/waiting"
        transaction.on_commit(lambda: _send(registration, name))
    return registration


def promote_waiting(event):
    """Confirm the first people on the waiting list while places are free. Call under the
    event's lock. Returns the promoted registrations (each is told on commit)."""
    waiting = event.registrations.filter(status=Registration.Status.WAITING).order_by(
        "created_at", "pk"
    )
    places_left = event.places_left()
    waiting = list(waiting if places_left is None else waiting[:places_left])
    for registration in waiting:
        registration.status = Registration.Status.CONFIRMED
        registration.save(update_fields=["status", "updated_at"])
        transaction.on_commit(
            lambda registration=registration: _send(registration, "events/promoted")
        )
    return waiting


def cancel(registration):
    """Cancel a registration; a freed place goes to the first on the waiting list.

    Returns the promoted registrations; cancelling twice does nothing.
    """
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        registration = Registration.objects.select_related("event").get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            return []
        registration.status = Registration.Status.CANCELLED
        registration.save(update_fields=["status", "updated_at"])
        transaction.on_commit(lambda: _send(registration, "events/cancelled"))
        if event.starts_at <= timezone.now():
            return []
        return promote_waiting(event)


def can_cancel(registration, now=None):
    now = now or timezone.now()
    return (
        registration.status != Registration.Status.CANCELLED and registration.event.starts_at > now
    )


def _csv_cell(value):
    # Spreadsheets run a cell that starts with = + - @ as a formula: neutralise it.
    text = str(value or "")
    return f"'{text}" if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def participants_csv(event):
    """The event's registrations as CSV (UTF-8 with BOM, so that Excel reads the accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    with translation.override(settings.LANGUAGE_CODE):
        writer.writerow(
            [
                "name",
                "organisation",
                "email",
                "status",
                "dietary_needs",
                "access_needs",
                "language",
                "registered_at",
            ]
        )
    for registration in event.registrations.order_by("status", "created_at", "pk"):
        writer.writerow(
            [
                _csv_cell(registration.name),
                _csv_cell(registration.organization_name),
                _csv_cell(registration.email),
                registration.status,
                _csv_cell(registration.dietary_needs),
                _csv_cell(registration.access_needs),
                registration.language,
                timezone.localtime(registration.created_at, event.tz).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    return "\ufeff" + buffer.getvalue()


# --- Book a visit ----------------------------------------------------------------------------


def request_visit(data, participants, *, language="en"):
    """Store a visit request with its participants; tell the requester and the coordinators."""
    with transaction.atomic():
        visit = VisitRequest.objects.create(
            cluster=data["cluster"],
            main_goal=data["main_goal"],
            purpose=data["purpose"],
            focus_areas=list(data.get("focus_areas") or []),
            focus_explanation=data.get("focus_explanation", ""),
            wants_to_meet_companies=bool(data.get("wants_to_meet_companies")),
            company_types=data.get("company_types", ""),
            special_wishes=data.get("special_wishes", ""),
            preferred_dates=data["preferred_dates"],
            expected_participants=data["expected_participants"],
            organiser_contact=data.get("organiser_contact", ""),
            name=data["name"],
            email=data["email"],
            message=data.get("message", ""),
            language=language,
        )
        VisitParticipant.objects.bulk_create(
            [
                VisitParticipant(
                    visit_request=visit,
                    position=position,
                    name=row["name"],
                    organization_name=row.get("organization_name", ""),
                    title=row.get("title", ""),
                    email=row.get("email", ""),
                )
                for position, row in enumerate(participants, start=1)
            ]
        )
        transaction.on_commit(lambda: _announce_visit(visit.pk))
    return visit


def _announce_visit(pk):
    visit = VisitRequest.objects.select_related("cluster").get(pk=pk)
    context = {
        "visit": visit,
        "participants": list(visit.participants.all()),
        "cluster": visit.cluster,
    }
    send_templated_email("visits/received", context, [visit.email], language=visit.language)
    admin_url = absolute(reverse("admin:events_visitrequest_change", args=[visit.pk]))
    notify_coordinators(
        "visits/new_request",
        {**context, "admin_url": admin_url},
        [visit.cluster],
        reply_to=[visit.email],
    )
