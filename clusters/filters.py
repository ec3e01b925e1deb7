"""The filters the project and the event lists share: cluster and country. The model's queryset
answers ``in_cluster()`` and ``in_country()``."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Cluster


def country_filter(choices):
    """The country filter, offering ``choices`` (a callable: the countries the list has)."""
    return django_filters.ChoiceFilter(
        label=_("Country"),
        choices=choices,
        empty_label=_("All countries"),
        method="filter_country",
    )


class ClusterCountryFilterSet(django_filters.FilterSet):
    """Declares the cluster filter; a subclass adds ``country = country_filter(its_choices)``."""

    cluster = django_filters.ModelChoiceFilter(
        label=_("Cluster"),
        queryset=Cluster.objects.published(),
        to_field_name="slug",
        empty_label=_("All clusters"),
        method="filter_cluster",
    )

    def filter_cluster(self, queryset, name, value):
        return queryset.in_cluster(value) if value else queryset

    def filter_country(self, queryset, name, value):
        return queryset.in_country(value) if value else queryset
