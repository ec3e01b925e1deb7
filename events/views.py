import datetime
import re

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from clusters.models import Cluster

from . import ical
from .filters import EventFilter
from .matchmaking.link_views import event_page_context
from .models import Event

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,80}")
EVENTS_PER_PAGE = 12
# A subscribed calendar keeps recent history and everything ahead, within a fixed bound.
FEED_HISTORY = datetime.timedelta(days=180)
FEED_LIMIT = 500


def _events():
    return Event.objects.published().select_related("municipality__region", "organizer", "cluster")


def event_list(request):
    filterset = EventFilter(request.GET, queryset=_events())
    page_obj = Paginator(filterset.qs, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "when": filterset.when_value,
        # An explicit upcoming/past choice survives a change of the other filters.
        "keep": [("when", filterset.form.cleaned_data["when"])]
        if filterset.form.cleaned_data.get("when")
        else [],
        "page_obj": page_obj,
        "events": page_obj.object_list,
    }
    return render(request, "events/event_list.html", context)


def event_detail(request, slug):
    event = get_object_or_404(
        _events().select_related("project").with_registration_counts(),
        slug=slug,
    )
    context = {
        "event": event,
        "places_left": event.places_left(),
        "accepts_registrations": event.accepts_registrations(),
        "is_past": event.ends_at < timezone.now(),
    }
    if event.has_matchmaking:
        context["matchmaking"] = event_page_context(request, event, context["is_past"])
    return render(request, "events/event_detail.html", context)


def _calendar_response(body: bytes, filename: str, attachment: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def event_ical(request, slug):
    event = get_object_or_404(_events(), slug=slug)
    body = ical.calendar([event], request.build_absolute_uri)
    return _calendar_response(body, f"{event.slug}.ics", attachment=True)


def _feed_events(cluster=None):
    events = _events().filter(ends_at__gte=timezone.now() - FEED_HISTORY).order_by("starts_at")
    if cluster is not None:
        events = events.in_cluster(cluster)
    return events[:FEED_LIMIT]


def calendar_feed(request):
    """All published events, or one cluster's with ``?cluster=<slug>`` (unknown slug → 404)."""
    slug = request.GET.get("cluster", "")
    if slug:
        return cluster_calendar(request, slug)
    body = ical.calendar(
        _feed_events(), request.build_absolute_uri, name=_("Cluster portal events")
    )
    return _calendar_response(body, "events.ics", attachment=False)


def cluster_calendar(request, slug):
    if not SLUG.fullmatch(slug):
        raise Http404
    cluster = get_object_or_404(Cluster.objects.published(), slug=slug)
    name = _("Events of %(cluster)s") % {"cluster": cluster.name}
    body = ical.calendar(_feed_events(cluster), request.build_absolute_uri, name=name)
    return _calendar_response(body, f"events-{cluster.slug}.ics", attachment=False)
