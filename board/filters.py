"""Filters of the cooperation offer list and the job board; the whole state lives in the URL.

Free text reads every language column (a Finnish visitor finds an offer written in Polish),
and a capability includes the capabilities below it in the tree. Invalid values are ignored
(and reported on the form), never a server error.
"""

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clusters.models import Cluster, Region
from companies.models import Capability, Material, SpokenLanguage
from companies.text import query_words

from .forms import country_choices
from .models import CooperationOffer, JobPosting

SEARCH_MAX_LENGTH = 100


def translated_search(queryset, fields, value, extra=()):
    """``value`` in any language column of ``fields`` (and in the plain ``extra`` fields)."""
    words = query_words(value)
    for word in words:
        query = Q()
        for field in fields:
            for code in settings.LANGUAGE_CODES:
                query |= Q(**{f"{field}_{code}__icontains": word})
        for field in extra:
            query |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(query)
    return queryset


class SearchFilter(django_filters.CharFilter):
    def __init__(self, *args, fields=(), extra=(), **kwargs):
        self.search_fields = fields
        self.extra_fields = extra
        kwargs.setdefault("label", _("Search"))
        kwargs.setdefault("max_length", SEARCH_MAX_LENGTH)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "search"}))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        value = (value or "").replace("\x00", "").strip()
        if not value:
            return qs
        return translated_search(qs, self.search_fields, value, self.extra_fields)


class OfferFilter(django_filters.FilterSet):
    q = SearchFilter(fields=("title", "description"), extra=("company__name", "submitter_company"))
    direction = django_filters.ChoiceFilter(
        label=_("Offer or request"),
        choices=CooperationOffer.Direction.choices,
        empty_label=_("All"),
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"), choices=CooperationOffer.Category.choices, empty_label=_("All")
    )
    capability = django_filters.ModelChoiceFilter(
        label=_("Capability"),
        queryset=Capability.objects.all(),
        to_field_name="slug",
        method="filter_capability",
        empty_label=_("All"),
    )
    material = django_filters.ModelChoiceFilter(
        label=_("Material"),
        queryset=Material.objects.all(),
        to_field_name="slug",
        field_name="materials",
        empty_label=_("All"),
    )
    country = django_filters.ChoiceFilter(
        label=_("Target country"), method="filter_country", empty_label=_("All")
    )
    cluster = django_filters.ModelChoiceFilter(
        label=_("Cluster"),
        queryset=Cluster.objects.published(),
        to_field_name="slug",
        empty_label=_("All"),
    )

    class Meta:
        model = CooperationOffer
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["country"].extra["choices"] = country_choices()

    def filter_capability(self, queryset, name, value):
        return queryset.filter(
            pk__in=CooperationOffer.capabilities.through.objects.filter(
                capability__path__startswith=value.path
            ).values("cooperationoffer_id")
        )

    def filter_country(self, queryset, name, value):
        # target_countries is a comma-separated list of codes; an empty list means "any country".
        code = str(value).upper()
        return queryset.filter(
            Q(target_countries="")
            | Q(target_countries=code)
            | Q(target_countries__startswith=f"{code},")
            | Q(target_countries__endswith=f",{code}")
            | Q(target_countries__contains=f",{code},")
        )


class JobFilter(django_filters.FilterSet):
    q = SearchFilter(fields=("title", "description", "profession"), extra=("company__name",))
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=JobPosting.Kind.choices, empty_label=_("All")
    )
    # The profession in any language: a Finnish visitor finds "Welder" by "hitsaaja".
    profession = SearchFilter(
        label=_("Profession"), fields=("profession",), widget=forms.TextInput()
    )
    contract_type = django_filters.ChoiceFilter(
        label=_("Contract type"), choices=JobPosting.ContractType.choices, empty_label=_("All")
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Region"),
        queryset=Region.objects.all(),
        to_field_name="slug",
        field_name="municipality__region",
        empty_label=_("All"),
    )
    language = django_filters.ModelChoiceFilter(
        label=_("Language"),
        queryset=SpokenLanguage.objects.all(),
        to_field_name="code",
        field_name="languages",
        empty_label=_("All"),
    )

    class Meta:
        model = JobPosting
        fields = []
