"""The participants' matchmaking pages: the participants list with suggestions, the agenda and
its calendar file, one's own profile, meeting requests and answers (the private link's sign-in
and the survey after a meeting are in link_views.py).

- State changes only on POST: the private link's page and the e-mails' links show a button.
- A participant acts only on their own requests (anything else is a 404), and nobody's e-mail
  address is shown to anybody: messages are relayed by e-mail (services.py).
- Post/redirect/get with the confirmation in view: a message tagged with the anchor of the item
  it is about is shown at that item, and the redirect goes to the anchor.
- Public forms are rate-limited per client and carry a honeypot. A participant's answers and
  profile saves are limited per participant instead: at the venue everybody shares one address.
"""

import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST

from clusters.abuse import is_limited, too_many_requests
from companies.models import Company

from ..models import Event, Registration
from . import access, services, suggestions
from .filters import ParticipantFilter
from .forms import MeetingRequestForm, ProfileForm
from .ical import agenda_calendar
from .models import MatchmakingProfile, Meeting, MeetingRequest

PER_PAGE = 30
ACTIONS = ("accept", "decline", "cancel")
# The list's state a request form keeps, so that its redirect comes back to the same card.
LIST_PARAMETERS = ("country", "capability", "q", "language", "page")
# Answers and profile saves of one participant (signed in, so counted per participant).
PARTICIPANT_RATE = "60/h"
# Meeting requests are counted per participant, not per address: a whole venue shares one
# address on the day, and people send many requests at once.
REQUEST_RATE = "40/h"

personal = cache_control(private=True, no_store=True)


# --- Helpers -----------------------------------------------------------------------------------


def event_or_404(slug):
    return get_object_or_404(
        Event.objects.published().select_related("municipality", "organizer"),
        slug=slug,
        kind=Event.Kind.MATCHMAKING,
    )


def url_for(name, event, **kwargs):
    return reverse(f"events:{name}", kwargs={"slug": event.slug, **kwargs})


def _signin_redirect(request, event):
    query = urlencode({"next": request.get_full_path()})
    return redirect(f"{url_for('matchmaking-signin', event)}?{query}")


def participant_required(view):
    """The view gets ``(request, event, profile, …)``; nobody signed in: the sign-in page."""

    @functools.wraps(view)
    def wrapped(request, slug, *args, **kwargs):
        event = event_or_404(slug)
        profile = access.signed_in_profile(request, event)
        if profile is None:
            return _signin_redirect(request, event)
        return view(request, event, profile, *args, **kwargs)

    return wrapped


def _too_many(request, group, profile, rate=None):
    """Count a participant's POST; True beyond ``rate`` (PARTICIPANT_RATE)."""
    return request.method == "POST" and is_limited(
        request,
        f"matchmaking:{group}",
        rate or PARTICIPANT_RATE,
        key=lambda _group, _request: f"profile-{profile.pk}",
    )


def requests_open(event, now=None):
    return (now or timezone.now()) < event.request_deadline()


def may_request(profile):
    """Whether ``profile`` may send requests: a confirmed place and a profile the organisers
    have not hidden."""
    return (
        profile is not None
        and profile.is_visible
        and profile.registration.status == Registration.Status.CONFIRMED
    )


def split_messages(request, anchors):
    """This request's messages: ``({anchor: [messages]}, [the others])`` — a message tagged with
    one of ``anchors`` belongs to that item of the page; the others go where base.html shows
    messages (a ``messages`` context entry overrides the context processor's)."""
    here, elsewhere = {}, []
    for message in messages.get_messages(request):
        tags = (message.extra_tags or "").split()
        anchor = next((tag for tag in tags if tag in anchors), None)
        if anchor:
            here.setdefault(anchor, []).append(message)
        else:
            elsewhere.append(message)
    return here, elsewhere


def _list_query(data):
    """The participants list's state from a form's ``back`` field (a query string)."""
    back = QueryDict(str(data.get("back", ""))[:500])
    kept = QueryDict(mutable=True)
    for name in LIST_PARAMETERS:
        value = back.get(name)
        if value:
            kept[name] = value[:200]
    return kept.urlencode()


def _local(moment, event):
    local = timezone.localtime(moment, event.tz)
    return formats.date_format(local, "DATETIME_FORMAT")


def describe(profile):
    """Add the card's lists: what ``profile`` offers (its company's capabilities too) and seeks."""

    def names(objects):
        return sorted({str(obj) for obj in objects}, key=str.casefold)

    profile.offered_list = names(suggestions.offered(profile).values())
    profile.sought_list = [
        *names(profile.sought_capabilities.all()),
        *names(profile.sought_materials.all()),
        *names(profile.sought_certifications.all()),
    ]
    return profile


def base_context(request, event, profile):
    return {
        "event": event,
        "participant": profile,
        "requests_open": requests_open(event),
    }


def _card_form(profile):
    """A card's request form: ids of its own, and a label that names the participant."""
    form = MeetingRequestForm(auto_id=f"request-{profile.pk}-%s")
    form.fields["message"].label = _("Message to %(name)s (optional)") % {
        "name": profile.registration.name
    }
    return form


# --- The participants list ---------------------------------------------------------------------


def _active_requests(event, me):
    """``{other participant's id: the active request}`` of ``me``."""
    active = {}
    for item in MeetingRequest.objects.active().involving(me).filter(event=event).order_by("pk"):
        active[item.receiver_id if item.sender_id == me.pk else item.sender_id] = item
    return active


def participants(request, slug):
    """The list: a page of profiles (filtered), and for a signed-in participant the suggestions,
    ranked over every participant loaded once with their details (a fixed number of queries)."""
    event = event_or_404(slug)
    me = access.signed_in_profile(request, event)
    listed = MatchmakingProfile.objects.visible().filter(event=event)
    filterset = ParticipantFilter(request.GET or None, queryset=listed, profiles=listed)
    page_obj = Paginator(filterset.qs.values_list("pk", flat=True), PER_PAGE).get_page(
        request.GET.get("page")
    )
    ids = list(page_obj.object_list)
    active, suggested = {}, []
    if me is not None:
        active = _active_requests(event, me)
        everyone = list(suggestions.candidates(event))
        pool = {profile.pk: profile for profile in everyone}
        # Ranked by their own profile even when it is not listed (hidden, waiting list).
        mine = (
            pool.get(me.pk)
            or suggestions.detailed(MatchmakingProfile.objects.filter(pk=me.pk)).first()
        )
        suggested = suggestions.suggest(mine, everyone, exclude=active.keys())
    else:
        pool = {p.pk: p for p in suggestions.detailed(listed.filter(pk__in=ids))}
    cards = [pool[pk] for pk in ids if pk in pool]
    can_send = may_request(me) and requests_open(event)
    back_query = _list_query({"back": request.GET.urlencode()})
    anchors = {f"participant-{profile.pk}" for profile in cards}
    notes, elsewhere = split_messages(request, anchors)
    for profile in cards:
        describe(profile)
        profile.is_me = me is not None and profile.pk == me.pk
        profile.active_request = active.get(profile.pk)
        profile.notes = notes.get(f"participant-{profile.pk}", [])
        profile.request_form = None
        if can_send and not profile.is_me and profile.active_request is None:
            profile.request_form = _card_form(profile)
    context = {
        **base_context(request, event, me),
        "messages": elsewhere,
        "filter": filterset,
        "page_obj": page_obj,
        "cards": cards,
        "suggested": suggested,
        "may_request": may_request(me),
        "back_query": back_query,
    }
    return render(request, "events/matchmaking/participants.html", context)


# --- The agenda --------------------------------------------------------------------------------


def _agenda_requests(event, me):
    return list(
        MeetingRequest.objects.involving(me)
        .filter(event=event)
        .select_related(
            "sender__registration",
            "sender__company",
            "receiver__registration",
            "receiver__company",
            "meeting__slot",
        )
        .order_by("-created_at", "-pk")
    )


@personal
@participant_required
def agenda(request, event, me):
    now = timezone.now()
    pending = MeetingRequest.Status.PENDING
    accepted = MeetingRequest.Status.ACCEPTED
    everything = _agenda_requests(event, me)
    for item in everything:
        item.other = item.other_side(me)
        item.booked = getattr(item, "meeting", None)
        item.answerable = item.receiver_id == me.pk and item.status == pending
        item.answerable = item.answerable and now < item.expires_at
        item.cancellable = item.status in (pending, accepted)
        if item.booked:
            item.local_day = timezone.localtime(item.booked.slot.starts_at, event.tz).date()
    meetings = sorted(
        (item for item in everything if item.status == accepted and item.booked),
        key=lambda item: (item.booked.slot.starts_at, item.booked.table),
    )
    unscheduled = [item for item in everything if item.status == accepted and not item.booked]
    received = [item for item in everything if item.receiver_id == me.pk]
    sent = [item for item in everything if item.sender_id == me.pk]
    anchors = {f"meeting-{item.pk}" for item in [*meetings, *unscheduled]}
    anchors |= {f"received-{item.pk}" for item in received}
    anchors |= {f"sent-{item.pk}" for item in sent}
    notes, elsewhere = split_messages(request, anchors)
    for item in meetings + unscheduled:
        item.meeting_notes = notes.get(f"meeting-{item.pk}", [])
    for item in received:
        item.received_notes = notes.get(f"received-{item.pk}", [])
    for item in sent:
        item.sent_notes = notes.get(f"sent-{item.pk}", [])
    context = {
        **base_context(request, event, me),
        "messages": elsewhere,
        "meetings": meetings,
        "unscheduled": unscheduled,
        "received": received,
        "sent": sent,
        "waiting_count": sum(1 for item in received if item.answerable),
    }
    return render(request, "events/matchmaking/agenda.html", context)


@personal
@participant_required
def agenda_ics(request, event, me):
    meetings = (
        Meeting.objects.filter(
            event=event,
            request__status=MeetingRequest.Status.ACCEPTED,
            request__in=MeetingRequest.objects.involving(me).values("pk"),
        )
        .select_related(
            "slot",
            "request__sender__registration",
            "request__sender__company",
            "request__receiver__registration",
            "request__receiver__company",
        )
        .order_by("slot__starts_at", "table")
    )
    agenda_url = request.build_absolute_uri(url_for("matchmaking-agenda", event))
    body = agenda_calendar(event, me, meetings, agenda_url)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="matchmaking-{event.slug}.ics"'
    return response


# --- Requests and answers ----------------------------------------------------------------------


def _active_between(me, other):
    return (
        MeetingRequest.objects.active()
        .filter(Q(sender=me, receiver=other) | Q(sender=other, receiver=me))
        .first()
    )


def _send_request(request, event, me, receiver, message):
    """Ask ``services`` to send the request; the outcome as a message at the card."""
    anchor = f"participant-{receiver.pk}"
    if not may_request(me):
        messages.error(
            request,
            _("You can request meetings once your place at the event is confirmed."),
            extra_tags=anchor,
        )
        return
    try:
        services.request_meeting(me, receiver, message)
    except services.DuplicateRequest:
        messages.error(
            request,
            _("You already have a request with %(name)s: see your agenda.")
            % {"name": receiver.display_name},
            extra_tags=anchor,
        )
    except services.RequestClosed:
        messages.error(request, _("Meeting requests for this event are closed."), extra_tags=anchor)
    except services.MatchmakingError:
        messages.error(request, _("This participant cannot be asked now."), extra_tags=anchor)
    else:
        messages.success(
            request,
            _("Your request was sent to %(name)s. You are told by e-mail when they answer.")
            % {"name": receiver.display_name},
            extra_tags=anchor,
        )


@require_http_methods(["GET", "POST"])
@participant_required
def request_meeting(request, event, me, pk):
    """The request form of one participant's card (the card's own form posts here; the page
    shows it alone too, and again with its errors)."""
    if _too_many(request, "request", me, REQUEST_RATE):
        return too_many_requests(request)
    receiver = get_object_or_404(
        MatchmakingProfile.objects.visible()
        .filter(event=event)
        .exclude(pk=me.pk)
        .select_related("registration", "company"),
        pk=pk,
    )
    back = _list_query(request.POST if request.method == "POST" else request.GET)
    card_url = f"{url_for('matchmaking', event)}{'?' + back if back else ''}#participant-{pk}"
    form = MeetingRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_spam:
            messages.success(
                request,
                _("Your request was sent to %(name)s. You are told by e-mail when they answer.")
                % {"name": receiver.display_name},
                extra_tags=f"participant-{pk}",
            )
            return redirect(card_url)
        if form.is_valid():
            _send_request(request, event, me, receiver, form.cleaned_data["message"])
            return redirect(card_url)
    describe(receiver)
    context = {
        **base_context(request, event, me),
        "receiver": receiver,
        "form": form,
        "back_query": back,
        "card_url": card_url,
        "existing": _active_between(me, receiver),
        "may_request": may_request(me),
    }
    status = 400 if form.is_bound else 200
    return render(request, "events/matchmaking/request_form.html", context, status=status)


def _accept(request, me, meeting_request, event):
    meeting = services.accept(meeting_request, me)
    other = meeting_request.other_side(me).display_name
    if meeting is None:
        text = _(
            "You accepted the meeting with %(name)s. No time is free for both of you yet: the "
            "organisers give you a time and a table, and you are told by e-mail."
        ) % {"name": other}
    else:
        text = _("You meet %(name)s at %(time)s, table %(table)s.") % {
            "name": other,
            "time": _local(meeting.slot.starts_at, event),
            "table": meeting.table,
        }
    messages.success(request, text, extra_tags=f"meeting-{meeting_request.pk}")
    return f"meeting-{meeting_request.pk}"


@require_POST
@participant_required
def answer(request, event, me, pk, action):
    """Accept, decline or cancel (withdraw) one of the participant's own requests."""
    if action not in ACTIONS:
        raise Http404
    meeting_request = get_object_or_404(
        MeetingRequest.objects.involving(me)
        .filter(event=event)
        .select_related("event", "sender__registration", "receiver__registration"),
        pk=pk,
    )
    if action != "cancel" and meeting_request.receiver_id != me.pk:
        raise Http404
    if _too_many(request, "answer", me):
        return too_many_requests(request)
    side = "received" if meeting_request.receiver_id == me.pk else "sent"
    anchor = f"{side}-{pk}"
    try:
        if action == "accept":
            anchor = _accept(request, me, meeting_request, event)
        elif action == "decline":
            services.decline(meeting_request, me)
            messages.success(request, _("You declined the request."), extra_tags=anchor)
        else:
            services.cancel(meeting_request, me)
            messages.success(
                request,
                _("Cancelled. %(name)s is told by e-mail.")
                % {"name": meeting_request.other_side(me).display_name},
                extra_tags=anchor,
            )
    except services.RequestClosed:
        messages.error(
            request, _("Too late: the time to answer this request is over."), extra_tags=anchor
        )
    except services.MatchmakingError:
        messages.error(
            request, _("This request was already answered or withdrawn."), extra_tags=anchor
        )
    return redirect(f"{url_for('matchmaking-agenda', event)}#{anchor}")


# --- One's own profile -------------------------------------------------------------------------


@personal
@require_http_methods(["GET", "POST"])
@participant_required
def profile_edit(request, event, me):
    if _too_many(request, "profile", me):
        return too_many_requests(request)
    companies = Company.objects.represented_by(request.user)
    data = request.POST if request.method == "POST" else None
    form = ProfileForm(data, instance=me, companies=companies)
    if request.method == "POST":
        if form.is_spam or form.is_valid():
            if not form.is_spam:
                form.save()
            messages.success(request, _("Your profile is saved."), extra_tags="profile")
            return redirect(f"{url_for('matchmaking-profile', event)}#profile")
    notes, elsewhere = split_messages(request, {"profile"})
    context = {
        **base_context(request, event, me),
        "messages": elsewhere,
        "profile_messages": notes.get("profile", []),
        "form": form,
    }
    status = 400 if form.is_bound else 200
    return render(request, "events/matchmaking/profile_form.html", context, status=status)
