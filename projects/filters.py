"""The project list's filters: status, cluster, programme, country and year.

A value that makes no sense (an unknown cluster, year 99999, NUL bytes) fails its field's
validation and that one filter is ignored; the others still apply.
"""

import django_filters
from django.conf import settings
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from clusters.filters import ClusterCountryFilterSet, country_filter

from .models import Project


def programme_choices():
    """The programmes of published projects, by their name in the active language."""
    columns = [f"programme_{code}" for code in settings.LANGUAGE_CODES]
    names = {project.programme for project in Project.objects.published().only(*columns)}
    return sorted(((name, name) for name in names if name), key=lambda pair: pair[1].casefold())


def country_choices():
    codes = set(
        Project.objects.published().values_list("lead_organization__country", flat=True).distinct()
    ) | set(
        Project.objects.published()
        .values_list("partners__organization__country", flat=True)
        .distinct()
    )
    return sorted(
        ((code, countries.name(code)) for code in codes if code), key=lambda pair: pair[1]
    )


def year_choices():
    bounds = Project.objects.published().aggregate(first=Min("start_date"), last=Max("end_date"))
    if bounds["first"] is None:
        return []
    last = max(bounds["last"].year if bounds["last"] else 0, timezone.localdate().year)
    return [(str(year), str(year)) for year in range(last, bounds["first"].year - 1, -1)]


class ProjectFilter(ClusterCountryFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Project.Status.choices, empty_label=_("Any status")
    )
    programme = django_filters.ChoiceFilter(
        label=_("Funding programme"),
        choices=programme_choices,
        empty_label=_("All programmes"),
        method="filter_programme",
    )
    country = country_filter(country_choices)
    year = django_filters.ChoiceFilter(
        label=_("Running in"), choices=year_choices, empty_label=_("Any year"), method="filter_year"
    )

    class Meta:
        model = Project
        fields = ["status", "cluster", "programme", "country", "year"]

    def filter_programme(self, queryset, name, value):
        # The programme as shown in any language (a lookup on "programme" reads one column only).
        if not value:
            return queryset
        same = Q()
        for code in settings.LANGUAGE_CODES:
            same |= Q(**{f"programme_{code}": value})
        return queryset.filter(same)

    def filter_year(self, queryset, name, value):
        return queryset.running_in_year(int(value)) if value else queryset
