"""The company directory's filters: what the query string may say. The directory engine
(companies/engine.py) applies them; this module validates and cleans them.

The query string is public input: every value is cleaned before use. Unknown or malformed values
(``cluster=abc``, an id that does not exist, a NUL byte) are dropped and reported, never an error
page; the text query is cut at ``MAX_QUERY_LENGTH`` characters.
"""

import django_filters
from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from .models import Company
from .text import MAX_QUERY_LENGTH, search_terms

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

    def __init__(self, **kwargs):
        super().__init__(field_name="pk", **kwargs)


class CompanyFilter(django_filters.FilterSet):
    """Filters of the directory. ``vocabulary`` (companies.directory.Vocabulary) supplies the
    valid values and their labels in the active language, so validation needs no query."""

    q = django_filters.CharFilter(field_name="pk", label=_("Search"))
    cluster = FacetFilter(label=_("Cluster"))
    capability = FacetFilter(label=_("Capability"))
    certification = FacetFilter(label=_("Valid certification"))
    material = FacetFilter(label=_("Material"))
    sector = FacetFilter(label=_("Sector"))
    country = FacetFilter(label=_("Country"))
    region = FacetFilter(label=_("Region"))
    municipality = FacetFilter(label=_("Municipality"))
    size = FacetFilter(label=_("Company size"))
    language = FacetFilter(label=_("Languages spoken"))
    offers = FacetFilter(label=_("Cooperation"))

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
        """The free text, or "" when it has no word to search (only punctuation)."""
        text = self.cleaned.get("q") or ""
        return text if search_terms(text) else ""

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
