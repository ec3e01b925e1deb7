"""Events as iCalendar (RFC 5545): one file per event and subscribable feeds.

Times are written in the event's own zone (``DTSTART;TZID=Europe/Vilnius:…``) with the matching
VTIMEZONE, so a calendar shows the right local time wherever the subscriber lives. The UID is
the event's id on the portal's host: stable when the title, slug or time changes, so an update
replaces the entry instead of adding a second one. Texts are in the active language.
"""

import datetime
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

PRODID = "-//Cluster portal//Events//EN"
REFRESH = datetime.timedelta(hours=12)  # how often subscribers should fetch a feed again


def portal_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def event_uid(event) -> str:
    return f"event-{event.pk}@{portal_host()}"


def _location(event) -> str:
    parts = [event.venue_name, event.venue_address]
    if event.municipality_id:
        parts.append(event.municipality.name)
    location = ", ".join(part for part in parts if part)
    return location or event.online_url


def _description(event, url: str) -> str:
    parts = [event.summary, event.description]
    lines = event.programme_lines()
    if lines:
        parts.append(_("Programme") + ":\n" + "\n".join(lines))
    parts.append(url)
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def event_component(event, build_absolute_uri) -> icalendar.Event:
    url = build_absolute_uri(event.get_absolute_url())
    component = icalendar.Event()
    component.add("uid", event_uid(event))
    component.add("dtstamp", timezone.now())
    component.add("last-modified", event.updated_at)
    component.add("created", event.created_at)
    component.add("dtstart", event.local_starts_at)
    component.add("dtend", event.local_ends_at)
    component.add("summary", event.title)
    component.add("description", _description(event, url))
    location = _location(event)
    if location:
        component.add("location", location)
    component.add("url", url)
    component.add("categories", [str(event.get_kind_display())])
    component.add("status", "CONFIRMED")
    component.add("transp", "OPAQUE")
    return component


def calendar(events, build_absolute_uri, name: str = "") -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
        cal.add("name", name)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT12H")
    events = list(events)
    for event in events:
        cal.add_component(event_component(event, build_absolute_uri))
    if events:
        # VTIMEZONE rules for the years the events span, not 1970-2038.
        first = min(event.starts_at for event in events).date()
        last = max(event.ends_at for event in events).date()
        cal.add_missing_timezones(
            first_date=datetime.date(first.year - 1, 1, 1),
            last_date=datetime.date(last.year + 2, 1, 1),
        )
    return cal.to_ical()
