"""The participants list's filters: country, capability offered (the profile's or the company's,
a capability including the ones below it in the tree), words of the offers and needs, and a
language spoken. The choices are what the event's participants have, nothing more.

A value that makes no sense (an unknown capability, a country nobody comes from) fails its
field's validation and that one filter is ignored; the others still apply.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from companies.models import Capability, SpokenLanguage

from .models import MatchmakingProfile

MAX_WORDS = 8


class CapabilityChoiceField(forms.ModelChoiceField):
    """Capabilities in tree order, each indented under its parent."""

    def label_from_instance(self, obj):
        depth = max(obj.path.strip("/").count("/"), 0)
        return f"{'– ' * depth}{obj.name}"


class CapabilityFilter(django_filters.ModelChoiceFilter):
    field_class = CapabilityChoiceField


def event_capabilities(profiles):
    """The capabilities the ``profiles`` offer (their own or their companies'), with every
    capability above them in the tree, in tree order."""
    through_own = MatchmakingProfile.offered_capabilities.through.objects.filter(
        matchmakingprofile__in=profiles
    ).values_list("capability__path", flat=True)
    through_company = Capability.objects.filter(
        companies__matchmaking_profiles__in=profiles
    ).values_list("path", flat=True)
    ids = set()
    for path in [*through_own, *through_company]:
        ids.update(int(part) for part in path.strip("/").split("/") if part.isdigit())
    return Capability.objects.filter(pk__in=ids).order_by("path")


def event_countries(profiles):
    codes = set(profiles.exclude(company__isnull=True).values_list("company__country", flat=True))
    return sorted(
        ((code, countries.name(code)) for code in codes if code), key=lambda pair: pair[1]
    )


class ParticipantFilter(django_filters.FilterSet):
    country = django_filters.ChoiceFilter(
        label=_("Country"),
        choices=[],
        empty_label=_("All countries"),
        method="filter_country",
    )
    capability = CapabilityFilter(
        label=_("Capability offered"),
        queryset=Capability.objects.none(),
        to_field_name="slug",
        empty_label=_("All capabilities"),
        method="filter_capability",
    )
    q = django_filters.CharFilter(
        label=_("Words in offers or needs"), max_length=200, method="filter_words"
    )
    language = django_filters.ModelChoiceFilter(
        label=_("Language spoken"),
        queryset=SpokenLanguage.objects.none(),
        to_field_name="code",
        empty_label=_("All languages"),
        method="filter_language",
    )

    class Meta:
        model = MatchmakingProfile
        fields = ["country", "capability", "q", "language"]

    def __init__(self, data=None, queryset=None, *, profiles=None, **kwargs):
        """``profiles``: the event's participants, whose countries, capabilities and languages
        are the choices (the filtered ``queryset`` by default)."""
        super().__init__(data, queryset, **kwargs)
        profiles = profiles if profiles is not None else queryset
        self.filters["country"].extra["choices"] = lambda: event_countries(profiles)
        self.filters["capability"].queryset = lambda request: event_capabilities(profiles)
        self.filters["language"].queryset = lambda request: SpokenLanguage.objects.filter(
            pk__in=MatchmakingProfile.languages.through.objects.filter(
                matchmakingprofile__in=profiles
            ).values("spokenlanguage_id")
        ).order_by("name")

    def _matching(self, queryset, condition):
        # A subquery, not a join: no duplicate rows, so no DISTINCT under the list's ordering.
        return queryset.filter(pk__in=MatchmakingProfile.objects.filter(condition).values("pk"))

    def filter_country(self, queryset, name, value):
        return queryset.filter(company__country=value) if value else queryset

    def filter_capability(self, queryset, name, value):
        if not value:
            return queryset
        return self._matching(
            queryset,
            Q(offered_capabilities__path__startswith=value.path)
            | Q(company__capabilities__path__startswith=value.path),
        )

    def filter_words(self, queryset, name, value):
        for word in (value or "").split()[:MAX_WORDS]:
            queryset = queryset.filter(Q(offers__icontains=word) | Q(needs__icontains=word))
        return queryset

    def filter_language(self, queryset, name, value):
        if not value:
            return queryset
        return self._matching(queryset, Q(languages=value))
