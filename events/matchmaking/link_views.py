"""The matchmaking pages reached through a private link: the sign-in explanation (with "send my
link again"), the private link itself, signing out, and the survey after a meeting; and the
matchmaking block of the event page.

A private link's GET only shows a page with a button: a mail client's link scanner that opens it
signs nobody in and answers nothing.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clusters.abuse import public_post_ratelimit
from clusters.emails import send_templated_email

from . import access, services
from .forms import LinkForm, SurveyForm
from .models import MeetingFeedback
from .views import base_context, event_or_404, personal, split_messages, url_for

TOKEN_MAX_LENGTH = 64


# --- Signing in and out ------------------------------------------------------------------------


def _safe_next(request):
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target if target.startswith("/") else ""
    return ""


def send_link(event, email):
    """E-mail the private link to each standing registration of ``event`` with ``email``."""
    found = access.participants(event).filter(registration__email__iexact=email.strip())
    for profile in found:
        send_templated_email(
            "matchmaking/link",
            {"profile": profile, "event": event, "access_url": services.access_url(profile)},
            [profile.email],
            language=profile.language,
        )


@require_http_methods(["GET", "POST"])
@public_post_ratelimit("matchmaking-link")
def signin(request, slug):
    """Why the page needs the private link, the company login, and "send my link again"."""
    event = event_or_404(slug)
    form = LinkForm(request.POST if request.method == "POST" else None, auto_id="link-%s")
    if request.method == "POST":
        sent = _("If this address is registered for the event, the link is on its way to it.")
        if form.is_spam:
            messages.success(request, sent, extra_tags="link")
            return redirect(f"{url_for('matchmaking-signin', event)}#link")
        if form.is_valid():
            send_link(event, form.cleaned_data["email"])
            messages.success(request, sent, extra_tags="link")
            return redirect(f"{url_for('matchmaking-signin', event)}#link")
    notes, elsewhere = split_messages(request, {"link"})
    context = {
        **base_context(request, event, access.signed_in_profile(request, event)),
        "messages": elsewhere,
        "link_messages": notes.get("link", []),
        "form": form,
        "next": _safe_next(request) or url_for("matchmaking-agenda", event),
    }
    status = 400 if form.is_bound else 200
    return render(request, "events/matchmaking/signin.html", context, status=status)


@personal
@require_http_methods(["GET", "POST"])
def access_link(request, slug, token):
    """The private link: a page with a "Sign in" button, so that a mail client's link scanner
    that opens the link signs nobody in. Not rate-limited per client: the token is unguessable
    (256 bits), and on the event day the whole venue shares one address."""
    event = event_or_404(slug)
    if len(token) > TOKEN_MAX_LENGTH:
        raise Http404
    profile = get_object_or_404(access.participants(event), access_token=token)
    if request.method == "POST":
        access.sign_in(request, profile)
        messages.success(
            request, _("You are signed in as %(name)s.") % {"name": profile.display_name}
        )
        return redirect(url_for("matchmaking-agenda", event))
    context = {**base_context(request, event, None), "profile": profile}
    return render(request, "events/matchmaking/access.html", context)


@require_POST
def signout(request, slug):
    event = event_or_404(slug)
    access.sign_out(request, event)
    messages.success(request, _("You are signed out of the matchmaking pages."))
    return redirect(url_for("matchmaking", event))


# --- The survey after a meeting ----------------------------------------------------------------


@personal
@require_http_methods(["GET", "POST"])
@public_post_ratelimit("matchmaking-survey")
def survey(request, slug, token):
    event = event_or_404(slug)
    if len(token) > TOKEN_MAX_LENGTH:
        raise Http404
    feedback = get_object_or_404(
        MeetingFeedback.objects.select_related(
            "profile__registration",
            "meeting__slot",
            "meeting__request__sender__registration",
            "meeting__request__sender__company",
            "meeting__request__receiver__registration",
            "meeting__request__receiver__company",
        ),
        token=token,
        meeting__event=event,
    )
    if request.method == "POST":
        form = SurveyForm(request.POST, auto_id="survey-%s")
        if form.is_spam or form.is_valid():
            if not form.is_spam:
                feedback.held = form.cleaned_data["held"]
                feedback.outcome = form.cleaned_data["outcome"]
                feedback.note = form.cleaned_data["note"]
                feedback.answered_at = timezone.now()
                feedback.save(
                    update_fields=["held", "outcome", "note", "answered_at", "updated_at"]
                )
            messages.success(request, _("Thank you: your answer is saved."), extra_tags="survey")
            return redirect(f"{url_for('matchmaking-survey', event, token=token)}#survey")
    else:
        initial = {"outcome": feedback.outcome, "note": feedback.note}
        if feedback.held is not None:
            initial["held"] = "yes" if feedback.held else "no"
        form = SurveyForm(initial=initial, auto_id="survey-%s")
    notes, elsewhere = split_messages(request, {"survey"})
    context = {
        **base_context(request, event, None),
        "messages": elsewhere,
        "survey_messages": notes.get("survey", []),
        "feedback": feedback,
        "meeting": feedback.meeting,
        "other": feedback.meeting.request.other_side(feedback.profile),
        "form": form,
    }
    status = 400 if form.is_bound else 200
    return render(request, "events/matchmaking/survey.html", context, status=status)


# --- The event page's matchmaking block ---------------------------------------------------------


def event_page_context(request, event, is_past):
    """What the event page of a matchmaking event shows: the links, and the results after it."""
    context = {"participant": access.signed_in_profile(request, event), "results": None}
    if is_past:
        figures = services.results([event.pk])
        if figures["held"] or figures["cooperation"]:
            context["results"] = figures
    return context
