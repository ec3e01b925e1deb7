"""The event list's filters: when (upcoming / past), kind, cluster, country and month.

A value that makes no sense (an unknown cluster, month 2027-13, NUL bytes) fails its field's
validation and that one filter is ignored; the others still apply.
"""

import datetime
import re

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from clusters.filters import ClusterCountryFilterSet, country_filter
from clusters.models import Municipality

from .models import Event

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class MonthField(forms.CharField):
    """A month as ``YYYY-MM`` (what ``<input type="month">`` sends); returns its first day."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        match = MONTH_PATTERN.match(value)
        if not match or not 1900 <= int(match.group(1)) <= 2200:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."), code="invalid")
        return datetime.date(int(match.group(1)), int(match.group(2)), 1)


class MonthFilter(django_filters.Filter):
    field_class = MonthField

    def filter(self, qs, value):
        if not value:
            return qs
        zone = timezone.get_current_timezone()
        start = datetime.datetime(value.year, value.month, 1, tzinfo=zone)
        following = datetime.date(value.year + value.month // 12, value.month % 12 + 1, 1)
        end = datetime.datetime(following.year, following.month, 1, tzinfo=zone)
        return qs.overlapping(start, end)


def event_countries():
    codes = set(
        Municipality.objects.filter(events__is_published=True)
        .values_list("region__country", flat=True)
        .distinct()
    )
    return sorted(
        ((code, countries.name(code)) for code in codes if code), key=lambda pair: pair[1]
    )


class EventFilter(ClusterCountryFilterSet):
    WHEN_CHOICES = [("upcoming", _("Upcoming")), ("past", _("Past")), ("all", _("All dates"))]

    when = django_filters.ChoiceFilter(
        label=_("When"),
        choices=WHEN_CHOICES,
        empty_label=None,
        method="filter_when",
        widget=forms.HiddenInput,
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Event.Kind.choices, empty_label=_("All kinds")
    )
    country = country_filter(event_countries)
    month = MonthFilter(label=_("Month"), widget=forms.DateInput(attrs={"type": "month"}))

    class Meta:
        model = Event
        fields = ["when", "kind", "cluster", "country", "month"]

    def filter_when(self, queryset, name, value):
        # Applied in filter_queryset, where the default depends on the month.
        return queryset

    @property
    def when_value(self):
        """Upcoming by default; with a month and no explicit choice, every event of the month."""
        data = getattr(self.form, "cleaned_data", {})
        when = data.get("when")
        if when:
            return when
        return "all" if data.get("month") else "upcoming"

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        when = self.when_value
        if when == "upcoming":
            return queryset.upcoming()
        if when == "past":
            return queryset.past()
        return queryset.order_by("-starts_at")
