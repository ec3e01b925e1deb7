"""The organiser's exports of a matchmaking event: participants and meetings, as CSV or XLSX.

For the event's coordinators only (the admin checks the scope): participants' e-mail addresses
are in them, which other participants never see. Times are in the event's own time zone. A cell
that a spreadsheet would run as a formula is neutralised in both formats (CSV injection).
"""

import csv
import io

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from companies.exports import safe_cell

from .models import MatchmakingProfile, Meeting, MeetingFeedback, MeetingRequest

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
TIME_FORMAT = "%Y-%m-%d %H:%M"


def _names(objects):
    return ", ".join(sorted(str(obj) for obj in objects))


def _yes_no(value):
    if value is None:
        return ""
    return _("yes") if value else _("no")


def _local(value, event):
    return timezone.localtime(value, event.tz).strftime(TIME_FORMAT) if value else ""


# --- Rows --------------------------------------------------------------------------------------


def participant_rows(event):
    """Header and rows: one per matchmaking profile of ``event``."""
    header = [
        _("Name"),
        _("E-mail"),
        _("Organisation"),
        _("Company in the directory"),
        _("Country"),
        _("Language"),
        _("Registration"),
        _("Shown to other participants"),
        _("Short presentation"),
        _("What we offer"),
        _("What we are looking for"),
        _("Capabilities offered"),
        _("Capabilities sought"),
        _("Materials sought"),
        _("Certifications sought"),
        _("Languages spoken"),
        _("Requests sent"),
        _("Requests received"),
        _("Meetings"),
    ]
    profiles = (
        MatchmakingProfile.objects.filter(event=event)
        .with_details()
        .annotate(
            sent_count=Count("sent_requests", distinct=True),
            received_count=Count("received_requests", distinct=True),
            meeting_count=Count("seats", distinct=True),
        )
        .order_by("registration__organization_name", "registration__name", "pk")
    )
    rows = []
    for profile in profiles:
        registration = profile.registration
        company = profile.company
        rows.append(
            [
                registration.name,
                registration.email,
                profile.organisation,
                company.name if company else "",
                str(company.country.name) if company and company.country else "",
                registration.get_language_display(),
                registration.get_status_display(),
                _yes_no(profile.is_visible),
                profile.presentation,
                profile.offers,
                profile.needs,
                _names(profile.offered_capabilities.all()),
                _names(profile.sought_capabilities.all()),
                _names(profile.sought_materials.all()),
                _names(profile.sought_certifications.all()),
                _names(profile.languages.all()),
                profile.sent_count,
                profile.received_count,
                profile.meeting_count,
            ]
        )
    return header, rows


def meeting_rows(event):
    """Header and rows: one per meeting of ``event``, in time and table order, with both sides'
    survey answers (after the event, six months later)."""
    rounds = list(MeetingFeedback.Round)
    header = [
        _("Starts"),
        _("Ends"),
        _("Table"),
        _("Participant A"),
        _("Organisation A"),
        _("E-mail A"),
        _("Participant B"),
        _("Organisation B"),
        _("E-mail B"),
        _("Request status"),
        _("Requested"),
        _("Message"),
    ]
    for round_ in rounds:
        for side in ("A", "B"):
            label = f"{round_.label} ({side})"
            header += [
                _("Held: %(survey)s") % {"survey": label},
                _("Outcome: %(survey)s") % {"survey": label},
                _("Note: %(survey)s") % {"survey": label},
            ]
    meetings = (
        Meeting.objects.filter(event=event)
        .select_related(
            "slot",
            "request__sender__registration",
            "request__sender__company",
            "request__receiver__registration",
            "request__receiver__company",
        )
        .order_by("slot__starts_at", "table", "pk")
    )
    answers = {
        (answer.meeting_id, answer.profile_id, answer.round): answer
        for answer in MeetingFeedback.objects.filter(meeting__event=event)
    }
    rows = []
    for meeting in meetings:
        request = meeting.request
        a, b = request.sender, request.receiver
        row = [
            _local(meeting.slot.starts_at, event),
            _local(meeting.slot.ends_at, event),
            meeting.table,
            a.registration.name,
            a.organisation,
            a.email,
            b.registration.name,
            b.organisation,
            b.email,
            request.get_status_display(),
            _local(request.created_at, event),
            request.message,
        ]
        for round_ in rounds:
            for side in (a, b):
                answer = answers.get((meeting.pk, side.pk, round_.value))
                if answer is None or answer.answered_at is None:
                    row += ["", "", ""]
                else:
                    row += [_yes_no(answer.held), answer.get_outcome_display(), answer.note]
        rows.append(row)
    return header, rows


def unscheduled_count(event):
    """Accepted requests of ``event`` that have no meeting yet (no free slot or table)."""
    return MeetingRequest.objects.filter(
        event=event, status=MeetingRequest.Status.ACCEPTED, meeting__isnull=True
    ).count()


def request_counts(event):
    """``{status: count}`` of the event's meeting requests."""
    counts = MeetingRequest.objects.filter(event=event).aggregate(
        **{
            status.value: Count("pk", filter=Q(status=status.value))
            for status in MeetingRequest.Status
        }
    )
    return counts


# --- Files -------------------------------------------------------------------------------------


def _text(value):
    if isinstance(value, int | float):
        return value
    return safe_cell(value)


def as_csv(header, rows):
    """UTF-8 with a BOM, so that Excel reads the accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_text(cell) for cell in header])
    for row in rows:
        writer.writerow([_text(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(header, rows, title):
    workbook = Workbook()
    sheet = workbook.active
    # A sheet's name: at most 31 characters, none of []:*?/\
    sheet.title = "".join(c for c in str(title) if c not in "[]:*?/\\")[:31] or "Sheet"

    def cell(value):
        if isinstance(value, int | float):
            return value
        return ILLEGAL_CHARACTERS_RE.sub("", safe_cell(value))

    sheet.append([cell(value) for value in header])
    for row in rows:
        sheet.append([cell(value) for value in row])
    for heading in sheet[1]:
        heading.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column[:200])
        sheet.column_dimensions[column[0].column_letter].width = min(max(width, 8) + 2, 60)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export(kind, event, file_format):
    """``(content, content type, file name)`` of ``kind`` ("participants" or "meetings")."""
    header, rows = (participant_rows if kind == "participants" else meeting_rows)(event)
    if file_format == "xlsx":
        title = _("Participants") if kind == "participants" else _("Meetings")
        content = as_xlsx(header, rows, title)
    else:
        content = as_csv(header, rows)
    filename = f"matchmaking-{kind}-{event.slug}.{file_format}"
    return content, FORMATS[file_format], filename
