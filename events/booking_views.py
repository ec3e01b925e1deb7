"""Event registration, cancellation, the coordinators' participant list and "Book a visit".

Every public POST is rate-limited per client (429) and carries a honeypot; a filled honeypot is
answered like a success but stores and sends nothing.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clusters.abuse import public_post_ratelimit
from clusters.roles import cluster_ids_for
from companies.models import Company

from . import services
from .forms import (
    MAX_VISIT_PARTICIPANTS,
    ParticipantForm,
    ParticipantFormSet,
    RegistrationForm,
    VisitRequestForm,
)
from .models import Event, MatchmakingProfile, Registration, VisitRequest

PARTICIPANTS_PREFIX = "participants"
SESSION_VISIT_KEY = "visit_request_id"


def _language():
    return get_language() or "en"


def _published_event(slug):
    return get_object_or_404(
        Event.objects.published().select_related("municipality", "organizer", "cluster"), slug=slug
    )


# --- Registration ----------------------------------------------------------------------------


def _represented_company(request):
    """The company the logged-in user represents, when there is exactly one."""
    companies = list(Company.objects.represented_by(request.user).order_by("pk")[:2])
    return companies[0] if len(companies) == 1 else None


def _render_registration(request, event, form, status=200):
    context = {
        "event": event,
        "form": form,
        "accepts_registrations": event.accepts_registrations(),
        "places_left": event.places_left(),
    }
    return render(request, "events/registration_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@public_post_ratelimit("event-register")
def register(request, slug):
    event = _published_event(slug)
    if request.method != "POST":
        return _render_registration(request, event, RegistrationForm())
    form = RegistrationForm(request.POST)
    if form.is_spam:
        # The same redirect as a registration, to a token that matches none: nothing stored.
        return redirect("events:registration", token=uuid.uuid4())
    if not form.is_valid():
        return _render_registration(request, event, form, status=400)
    try:
        registration = services.register(
            event,
            form.cleaned_data,
            language=_language(),
            company=_represented_company(request) if event.has_matchmaking else None,
        )
    except services.RegistrationClosed:
        form.add_error(None, _("Registration for this event is closed."))
        return _render_registration(request, event, form, status=400)
    except services.AlreadyRegistered:
        form.add_error(
            "email",
            _(
                "This e-mail address is already registered for this event. The confirmation "
                "e-mail has a link to your registration."
            ),
        )
        return _render_registration(request, event, form, status=400)
    return redirect("events:registration", token=registration.cancel_token)


def registration_detail(request, token):
    """The participant's private page: status, and the button to cancel."""
    registration = get_object_or_404(
        Registration.objects.select_related("event__municipality", "event__organizer"),
        cancel_token=token,
    )
    context = {"registration": registration, "event": registration.event}
    context["can_cancel"] = services.can_cancel(registration)
    profile = (
        MatchmakingProfile.objects.filter(registration=registration).first()
        if registration.event.has_matchmaking
        and registration.status != Registration.Status.CANCELLED
        else None
    )
    if profile is not None:
        context["matchmaking_url"] = reverse(
            "events:matchmaking-access",
            kwargs={"slug": registration.event.slug, "token": profile.access_token},
        )
    return render(request, "events/registration_detail.html", context)


@require_http_methods(["POST"])
@public_post_ratelimit("event-cancel")
def registration_cancel(request, token):
    registration = get_object_or_404(
        Registration.objects.select_related("event"), cancel_token=token
    )
    if not services.can_cancel(registration):
        messages.error(request, _("This registration can no longer be cancelled."))
        return redirect("events:registration", token=token)
    services.cancel(registration)
    messages.success(request, _("Your registration is cancelled."))
    return redirect("events:registration", token=token)


def participants_csv(request, slug):
    """The participant list for the event's coordinators (and administrators) only."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    event = get_object_or_404(Event.objects.all(), slug=slug)
    allowed_clusters = cluster_ids_for(request.user)
    if not (
        request.user.is_staff
        and request.user.has_perm("events.view_registration")
        and (allowed_clusters is None or event.cluster_id in allowed_clusters)
    ):
        raise PermissionDenied
    response = HttpResponse(
        services.participants_csv(event), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="participants-{event.slug}.csv"'
    return response


# --- Book a visit ----------------------------------------------------------------------------


def _rows_from(data):
    """The participant rows as typed, without validating them (for "add a participant")."""
    try:
        total = int(data.get(f"{PARTICIPANTS_PREFIX}-TOTAL_FORMS", 0))
    except (TypeError, ValueError):
        total = 0
    total = max(0, min(total, MAX_VISIT_PARTICIPANTS))
    return [
        {
            name: data.get(f"{PARTICIPANTS_PREFIX}-{index}-{name}", "")[: field.max_length or 300]
            for name, field in ParticipantForm.base_fields.items()
        }
        for index in range(total)
    ]


def _initial_from(data):
    """The main form's values as typed, as initial data of an unbound form."""
    return {
        name: data.getlist(name)
        if getattr(field.widget, "allow_multiple_selected", False)
        else data.get(name, "")
        for name, field in VisitRequestForm.base_fields.items()
    }


@require_http_methods(["GET", "POST"])
@public_post_ratelimit("visit-request")
def visit_request(request):
    if request.method == "POST" and "add_participant" in request.POST:
        # Without JavaScript: re-render what was typed, with one more participant row.
        form = VisitRequestForm(initial=_initial_from(request.POST))
        rows = _rows_from(request.POST)
        formset = ParticipantFormSet(initial=rows, prefix=PARTICIPANTS_PREFIX)
        # A full list says so next to the participants (visit_form.html), not at the top.
        return _render_visit(request, form, formset, focus="participants")
    if request.method == "POST":
        form = VisitRequestForm(request.POST)
        formset = ParticipantFormSet(request.POST, prefix=PARTICIPANTS_PREFIX)
        if form.is_spam:
            return redirect("visit:thanks")
        form_valid = form.is_valid()
        formset_valid = formset.is_valid()
        if form_valid and formset_valid:
            visit = services.request_visit(
                form.cleaned_data, formset.participants(), language=_language()
            )
            request.session[SESSION_VISIT_KEY] = visit.pk
            return redirect("visit:thanks")
        return _render_visit(request, form, formset, status=400)
    form = VisitRequestForm()
    formset = ParticipantFormSet(prefix=PARTICIPANTS_PREFIX)
    return _render_visit(request, form, formset)


def _render_visit(request, form, formset, status=200, focus=None):
    if focus == "participants" and formset.forms:
        # Put the cursor in the new row, which also scrolls the page there.
        formset.forms[-1].fields["name"].widget.attrs["autofocus"] = True
    has_errors = form.is_bound and (form.errors or formset.total_error_count())
    context = {
        "form": form,
        "formset": formset,
        "has_errors": has_errors,
        "focus": focus,
        "max_participants": MAX_VISIT_PARTICIPANTS,
    }
    return render(request, "events/visit_form.html", context, status=status)


def visit_thanks(request):
    visit = None
    pk = request.session.get(SESSION_VISIT_KEY)
    if pk:
        visit = VisitRequest.objects.select_related("cluster").filter(pk=pk).first()
    return render(request, "events/visit_thanks.html", {"visit": visit})
