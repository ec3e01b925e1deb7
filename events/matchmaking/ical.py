"""A participant's meetings as iCalendar (RFC 5545), as events/ical.py writes events.

One VEVENT per meeting, at its slot's times in the event's own zone (with the VTIMEZONE), at
"Table N" of the venue, with the other side as the summary. The UID is the meeting's id on the
portal's host: when the organiser moves a meeting, a calendar replaces the entry instead of
adding a second one. Texts are in the active language; no e-mail address is written.
"""

import datetime

import icalendar
from django.utils import timezone
from django.utils.translation import gettext as _

from ..ical import portal_host

PRODID = "-//Cluster portal//Matchmaking//EN"


def meeting_uid(meeting) -> str:
    return f"matchmaking-meeting-{meeting.pk}@{portal_host()}"


def _location(event, meeting) -> str:
    parts = [_("Table %(number)s") % {"number": meeting.table}, event.venue_name]
    parts.append(event.venue_address)
    return ", ".join(part for part in parts if part)


def _description(other, meeting, agenda_url) -> str:
    parts = [other.display_name, other.presentation]
    if meeting.request.message:
        parts.append(_("Message of the request") + ":\n" + meeting.request.message)
    parts.append(agenda_url)
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def meeting_component(event, profile, meeting, agenda_url) -> icalendar.Event:
    other = meeting.request.other_side(profile)
    component = icalendar.Event()
    component.add("uid", meeting_uid(meeting))
    component.add("dtstamp", timezone.now())
    component.add("last-modified", meeting.updated_at)
    component.add("created", meeting.created_at)
    component.add("dtstart", timezone.localtime(meeting.slot.starts_at, event.tz))
    component.add("dtend", timezone.localtime(meeting.slot.ends_at, event.tz))
    component.add("summary", _("Meeting with %(name)s") % {"name": other.display_name})
    component.add("location", _location(event, meeting))
    component.add("description", _description(other, meeting, agenda_url))
    component.add("url", agenda_url)
    component.add("status", "CONFIRMED")
    component.add("transp", "OPAQUE")
    return component


def agenda_calendar(event, profile, meetings, agenda_url) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    name = _("My meetings: %(event)s") % {"event": event.title}
    cal.add("x-wr-calname", name)
    cal.add("name", name)
    meetings = list(meetings)
    for meeting in meetings:
        cal.add_component(meeting_component(event, profile, meeting, agenda_url))
    if meetings:
        first = min(meeting.slot.starts_at for meeting in meetings).date()
        last = max(meeting.slot.ends_at for meeting in meetings).date()
        cal.add_missing_timezones(
            first_date=datetime.date(first.year - 1, 1, 1),
            last_date=datetime.date(last.year + 2, 1, 1),
        )
    return cal.to_ical()
