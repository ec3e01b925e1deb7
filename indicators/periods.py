"""The period a report covers, and the form that chooses it from the query string.

A period is a pair of dates, both included: by default the last 12 months up to today; "all
time" has no start. The form never raises: a date it cannot read, a start after the end or an
end in the future become form errors, and the page shows the default period beside them.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

EARLIEST = datetime.date(1900, 1, 1)
ALL_TIME = "all"


def _aware_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def year_before(day: datetime.date) -> datetime.date:
    """The first day of the 12 months that end on ``day`` (29 February counts as 28th)."""
    try:
        previous = day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        previous = day.replace(year=day.year - 1, day=28)
    return previous + datetime.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    start: datetime.date | None  # None: all time
    end: datetime.date

    @classmethod
    def last_12_months(cls, today=None) -> "Period":
        today = today or timezone.localdate()
        return cls(year_before(today), today)

    @property
    def is_all_time(self) -> bool:
        return self.start is None

    @property
    def start_at(self) -> datetime.datetime | None:
        """The first moment of the period (local midnight), or None for all time."""
        return None if self.start is None else _aware_midnight(self.start)

    @property
    def end_at(self) -> datetime.datetime:
        """The first moment after the period (the midnight that ends its last day)."""
        return _aware_midnight(self.end + datetime.timedelta(days=1))

    @property
    def key(self) -> str:
        return f"{self.start.isoformat() if self.start else ALL_TIME}_{self.end.isoformat()}"

    def label(self) -> str:
        end = date_format(self.end, "DATE_FORMAT")
        if self.start is None:
            return gettext("All time, until %(end)s") % {"end": end}
        return gettext("%(start)s – %(end)s") % {
            "start": date_format(self.start, "DATE_FORMAT"),
            "end": end,
        }

    def query(self) -> dict:
        """The query string parameters that choose this period again (for links)."""
        if self.start is None:
            return {"period": ALL_TIME, "end": self.end.isoformat()}
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PeriodForm(forms.Form):
    """``?start=2025-01-01&end=2025-12-31``, or ``?period=all`` (optionally with an end)."""

    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    # "all" for all time; anything else chooses the dates (a link sets it, the form does not)
    period = forms.CharField(required=False)

    def __init__(self, data=None, *, today=None, **kwargs):
        self.today = today or timezone.localdate()
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and start < EARLIEST:
            self.add_error("start", _("Choose a date from 1900 onwards."))
        if end and end > self.today:
            self.add_error("end", _("The period cannot end after today."))
        if end and end < EARLIEST:
            self.add_error("end", _("Choose a date from 1900 onwards."))
        if start and start > self.today:
            self.add_error("start", _("The period cannot start after today."))
        if start and end and start > end and not self.errors:
            self.add_error("end", _("The end of the period is before its start."))
        return cleaned

    def chosen(self) -> Period:
        """The chosen period; the default one when the form has errors or nothing was chosen."""
        default = Period.last_12_months(self.today)
        if not self.is_bound or not self.is_valid():
            return default
        start, end = self.cleaned_data["start"], self.cleaned_data["end"]
        end = end or self.today
        if self.cleaned_data["period"] == ALL_TIME:
            return Period(None, end)
        return Period(start or year_before(end), end)


def period_from(query, today=None) -> tuple[PeriodForm, Period]:
    """The form bound to the query string (unbound when it names no period) and its period."""
    keys = {"start", "end", "period"}
    form = PeriodForm(query if keys & set(query) else None, today=today)
    return form, form.chosen()


# --- Months, quarters, years -------------------------------------------------------------------


def _grain(first: datetime.date, last: datetime.date) -> str:
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    return "month" if months <= 24 else "quarter" if months <= 96 else "year"


def _bucket(day: datetime.date, grain: str) -> datetime.date:
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def _next_bucket(day: datetime.date, grain: str) -> datetime.date:
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


def bucket_label(day: datetime.date, grain: str) -> str:
    if grain == "month":
        return date_format(day, "YEAR_MONTH_FORMAT")
    if grain == "quarter":
        return gettext("Q%(quarter)s %(year)s") % {
            "quarter": (day.month - 1) // 3 + 1,
            "year": day.year,
        }
    return str(day.year)


def series_rows(joined: list, left: list, period: Period) -> tuple[str, list]:
    """Joined and left per month (per quarter over 2 years, per year over 8), every bucket of the
    period shown (all time: from the first one with a change)."""
    days = [*joined, *left]
    if not days and period.start is None:
        return "month", []
    first = period.start or max(min(days), EARLIEST)
    grain = _grain(first, period.end)
    counts = {}
    for column, dates in enumerate((joined, left)):
        for day in dates:
            counts.setdefault(_bucket(day, grain), [0, 0])[column] += 1
    rows, bucket = [], _bucket(first, grain)
    while bucket <= period.end:
        rows.append((bucket_label(bucket, grain), counts.get(bucket, [0, 0])))
        bucket = _next_bucket(bucket, grain)
    return grain, rows
