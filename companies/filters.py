"""The company directory's filters: what the query string may say and how it narrows the list.

The query string is public input: every value is cleaned before use. Unknown or malformed values
(``cluster=abc``, an id that does not exist, a NUL byte) are dropped and reported, never an error
page; the text query is cut at ``MAX_QUERY_LENGTH`` characters.
"""

import django_filters
from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from .models import Company
from .search import MAX_QUERY_LENGTH

# The facets, in the order the page shows them (query parameter, label).
FACETS = [
    ("cluster", _("Cluster")),
    ("capability", _("Capability")),
    ("certification", _("Valid certification")),
    ("material", _("Material")),
    ("sector", _("Sector")),
    ("country", _("Country")),
    ("region", _("Region")),
    ("municipality", _("Municipality")),
    ("size", _("Company size")),
    ("language", _("Languages spoken")),
    ("offers", _("Cooperation")),
]
FACET_NAMES = [name for name, _label in FACETS]

SORT_RELEVANCE, SORT_NAME, SORT_UPDATED = "relevance", "name", "updated"
SORT_CHOICES = [
    (SORT_RELEVANCE, _("Relevance")),
    (SORT_NAME, _("Name (A–Z)")),
    (SORT_UPDATED, _("Recently updated")),
]
PER_PAGE_CHOICES = [(20, "20"), (50, "50"), (100, "100")]
DEFAULT_PER_PAGE = 20

KNOWN_PARAMETERS = {"q", "sort", "per_page", "page", *FACET_NAMES}
MAX_VALUES_PER_PARAMETER = 50
MAX_VALUE_LENGTH = 40


def _clean_value(value: str, limit: int) -> str:
    kept = "".join(ch for ch in value if ch.isprintable() or ch == " ")
    return kept.strip()[:limit]


def sanitize(data: QueryDict) -> tuple[QueryDict, bool]:
    """A copy of the query string with only known parameters, printable values of bounded length,
    no repeats, and at most MAX_VALUES_PER_PARAMETER values each. Also says whether the text
    query had to be shortened."""
    clean = QueryDict(mutable=True)
    q_shortened = False
    for key in data:
        if key not in KNOWN_PARAMETERS:
            continue
        values = data.getlist(key)
        if key in FACET_NAMES:
            seen = []
            for value in values[: MAX_VALUES_PER_PARAMETER * 2]:
                value = _clean_value(value, MAX_VALUE_LENGTH)
                if value and value not in seen:
                    seen.append(value)
            clean.setlist(key, seen[:MAX_VALUES_PER_PARAMETER])
        else:
            # Single-valued: the last one wins, as Django's QueryDict.get() does.
            raw = values[-1] if values else ""
            limit = MAX_QUERY_LENGTH if key == "q" else MAX_VALUE_LENGTH
            value = _clean_value(raw, limit)
            if key == "q" and len(raw.strip()) > MAX_QUERY_LENGTH:
                q_shortened = True
            if value:
                clean[key] = value
    return clean, q_shortened


class LenientMultipleChoiceField(forms.MultipleChoiceField):
    """A multiple choice that keeps the valid values and remembers the others instead of failing."""

    widget = forms.CheckboxSelectMultiple

    def clean(self, value):
        values = self.to_python(value)
        self.dropped = [v for v in values if not self.valid_value(v)]
        return [v for v in values if self.valid_value(v)]


class LenientChoiceField(forms.ChoiceField):
    """A choice that falls back to no value (the default) when the value is not one of them."""

    def clean(self, value):
        value = self.to_python(value)
        return value if value and self.valid_value(value) else ""


class FacetFilter(django_filters.MultipleChoiceFilter):
    field_class = LenientMultipleChoiceField


class CompanyFilter(django_filters.FilterSet):
    """Filters of the directory. ``vocabulary`` (companies.directory.Vocabulary) supplies the
    valid values and their labels in the active language, so validation needs no query."""

    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    cluster = FacetFilter(method="filter_cluster", label=_("Cluster"))
    capability = FacetFilter(method="filter_capability", label=_("Capability"))
    certification = FacetFilter(method="filter_certification", label=_("Valid certification"))
    material = FacetFilter(method="filter_material", label=_("Material"))
    sector = FacetFilter(method="filter_sector", label=_("Sector"))
    country = FacetFilter(method="filter_country", label=_("Country"))
    region = FacetFilter(method="filter_region", label=_("Region"))
    municipality = FacetFilter(method="filter_municipality", label=_("Municipality"))
    size = FacetFilter(method="filter_size", label=_("Company size"))
    language = FacetFilter(method="filter_language", label=_("Languages spoken"))
    offers = FacetFilter(method="filter_offers", label=_("Cooperation"))

    class Meta:
        model = Company
        fields = []

    def __init__(self, data=None, queryset=None, *, vocabulary, **kwargs):
        data, self.q_shortened = sanitize(data if data is not None else QueryDict())
        self.vocabulary = vocabulary
        super().__init__(data, queryset=queryset, **kwargs)
        for name in FACET_NAMES:
            self.filters[name].extra["choices"] = vocabulary.choices(name)

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            form.fields["sort"] = LenientChoiceField(
                label=_("Sort by"), choices=SORT_CHOICES, required=False
            )
            form.fields["per_page"] = LenientChoiceField(
                label=_("Per page"), choices=PER_PAGE_CHOICES, required=False
            )
            self._form = form
        return self._form

    # --- Reading the cleaned state ----------------------------------------------------------

    @property
    def cleaned(self):
        self.form.is_valid()  # the lenient fields never fail: this only fills cleaned_data
        return self.form.cleaned_data

    def selected(self, name):
        return self.cleaned.get(name) or []

    @property
    def text(self):
        return self.cleaned.get("q") or ""

    @property
    def sort(self):
        chosen = self.cleaned.get("sort")
        if chosen == SORT_RELEVANCE and not self.text:
            return SORT_NAME
        return chosen or (SORT_RELEVANCE if self.text else SORT_NAME)

    @property
    def per_page(self):
        return int(self.cleaned.get("per_page") or DEFAULT_PER_PAGE)

    @property
    def ignored(self):
        """Labels of the filters that had values we could not use."""
        self.cleaned  # noqa: B018  (validate first)
        return [
            self.filters[name].label
            for name in FACET_NAMES
            if getattr(self.form.fields[name], "dropped", None)
        ]

    @property
    def is_filtered(self):
        return bool(self.text) or any(self.selected(name) for name in FACET_NAMES)

    def filter_queryset(self, queryset, exclude=None, with_text=True):
        """Apply every filter except ``exclude`` (a facet's own, for disjunctive counts) and,
        with ``with_text=False``, except the text search."""
        for name, value in self.cleaned.items():
            if name in self.filters and name != exclude and (with_text or name != "q"):
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    # --- The filters: each one a CompanyQuerySet method ------------------------------------

    def _objects(self, name, values):
        return [self.vocabulary.objects(name)[value] for value in values]

    def filter_text(self, queryset, name, value):
        return queryset.search(value)

    def filter_cluster(self, queryset, name, values):
        return queryset.in_any_cluster(self._objects(name, values))

    def filter_capability(self, queryset, name, values):
        return queryset.with_any_capability(self._objects(name, values))

    def filter_certification(self, queryset, name, values):
        return queryset.with_any_valid_certification(self._objects(name, values))

    def filter_material(self, queryset, name, values):
        return queryset.with_any_material(self._objects(name, values))

    def filter_sector(self, queryset, name, values):
        return queryset.in_any_sector(self._objects(name, values))

    def filter_country(self, queryset, name, values):
        return queryset.filter(country__in=values)

    def filter_region(self, queryset, name, values):
        return queryset.in_any_region(self._objects(name, values))

    def filter_municipality(self, queryset, name, values):
        return queryset.in_any_municipality(self._objects(name, values))

    def filter_size(self, queryset, name, values):
        return queryset.of_size(values)

    def filter_language(self, queryset, name, values):
        return queryset.speaking_any(self._objects(name, values))

    def filter_offers(self, queryset, name, values):
        return queryset.with_open_offers()
