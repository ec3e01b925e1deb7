"""A representative keeps the company profile current: the profile form, saving it directly or —
when one of the company's clusters reviews profile changes — as a change request applied on
approval."""

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.utils.datastructures import MultiValueDict
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from clusters.models import ModerationStatus
from clusters.widgets import (
    ChecklistSelectMultiple,
    GroupedModelMultipleChoiceField,
    country_groups,
    group_by,
    group_tree,
)
from companies.models import Capability, Company, Material

from .models import CompanyChangeRequest

DESCRIPTION_FIELDS = [f"description_{code}" for code in settings.LANGUAGE_CODES]


class CompanyProfileForm(forms.ModelForm):
    """What a representative may change. Name, business ID, country and clusters stay with the
    coordinators."""

    class Meta:
        model = Company
        fields = [
            *DESCRIPTION_FIELDS,
            "street_address",
            "postal_code",
            "municipality",
            "website",
            "email",
            "phone",
            "founded",
            "employees",
            "size_class",
            "languages",
            "export_markets",
            "sectors",
            "capabilities",
            "materials",
        ]
        widgets = {
            **{name: forms.Textarea(attrs={"rows": 4}) for name in DESCRIPTION_FIELDS},
            "languages": ChecklistSelectMultiple,
            "sectors": ChecklistSelectMultiple,
        }

    # Declared fields take no label from the model: capitalise the verbose name as a model
    # form does ("website" → "Website", "strona internetowa" → "Strona internetowa").
    website = forms.URLField(
        label=capfirst(Company._meta.get_field("website").verbose_name),
        required=False,
        max_length=200,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )
    capabilities = GroupedModelMultipleChoiceField(
        label=capfirst(Company._meta.get_field("capabilities").verbose_name),
        queryset=Capability.objects.all(),
        group=group_tree,
        required=False,
    )
    materials = GroupedModelMultipleChoiceField(
        label=capfirst(Company._meta.get_field("materials").verbose_name),
        queryset=Material.objects.all(),
        group=group_by("category"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        for code in settings.LANGUAGE_CODES:
            self.fields[f"description_{code}"].label = _("Description (%(language)s)") % {
                "language": names[code]
            }
        self.fields["municipality"].queryset = self.fields["municipality"].queryset.select_related(
            "region"
        )
        export_markets = self.fields["export_markets"]
        export_markets.widget = ChecklistSelectMultiple()
        export_markets.choices = country_groups()
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"

    def clean(self):
        cleaned = super().clean()
        municipality = cleaned.get("municipality")
        if municipality and municipality.region.country != self.instance.country:
            self.add_error("municipality", _("The municipality is not in the company's country."))
        return cleaned

    def _update_errors(self, errors):
        # Company.clean() also checks fields this form does not show (the business ID, which the
        # coordinators keep): report those as errors of the whole form instead of failing.
        if hasattr(errors, "error_dict"):
            shown = {}
            hidden = []
            for name, messages in errors.error_dict.items():
                if name in self.fields or name == NON_FIELD_ERRORS:
                    shown[name] = messages
                else:
                    label = Company._meta.get_field(name).verbose_name
                    hidden.extend(
                        _("%(field)s: %(message)s — ask your cluster coordinator to correct it.")
                        % {"field": label, "message": message}
                        for error in messages
                        for message in error.messages
                    )
            if hidden:
                shown.setdefault(NON_FIELD_ERRORS, []).extend(
                    forms.ValidationError(m) for m in hidden
                )
            errors = forms.ValidationError(shown)
        super()._update_errors(errors)

    def data_for_review(self) -> dict:
        """The submitted values of this form's fields, as JSON-ready lists (like a POST)."""
        return {name: self.data.getlist(name) for name in self.fields if name in self.data}


def needs_review(company) -> bool:
    return company.clusters.filter(review_profile_changes=True).exists()


def submit_profile(form: CompanyProfileForm, *, user, language) -> CompanyChangeRequest | None:
    """Save the representative's changes, or store them for review. Returns the change request
    when one was created."""
    company = form.instance
    if needs_review(company):
        # One pending request per company at a time: a newer submission replaces the older.
        with transaction.atomic():
            company.change_requests.pending().delete()
            return CompanyChangeRequest.objects.create(
                company=company,
                data=form.data_for_review(),
                submitted_by=user,
                language=language,
            )
    form.save()
    company.confirm()
    return None


def form_for_change_request(change_request) -> CompanyProfileForm:
    """The profile form bound to the proposed data, on a fresh copy of the company (validating
    a form changes its instance)."""
    data = MultiValueDict(change_request.data or {})
    return CompanyProfileForm(data=data, instance=Company.objects.get(pk=change_request.company_id))


def apply_change_request(change_request) -> str:
    """Validate the proposed data again and save it; returns the errors as text, or ''."""
    if change_request.status != ModerationStatus.PENDING:
        return str(_("The request has already been decided."))
    form = form_for_change_request(change_request)
    if not form.is_valid():
        return "; ".join(
            f"{form.fields[name].label if name in form.fields else name}: {' '.join(errors)}"
            for name, errors in form.errors.items()
        )
    form.save()
    form.instance.confirm()
    return ""


def describe_changes(change_request) -> list[tuple[str, str, str]]:
    """(field label, current value, proposed value) of each field the request changes."""
    form = form_for_change_request(change_request)
    company = Company.objects.get(pk=change_request.company_id)
    form.is_valid()
    rows = []
    for name in form.changed_data:
        field = form.fields[name]
        current = getattr(company, name)
        proposed = form.cleaned_data.get(name, form.data.get(name))
        rows.append((str(field.label), _display(current), _display(proposed)))
    return rows


def _display(value) -> str:
    if value is None:
        return "—"
    if hasattr(value, "all"):
        value = list(value.all())
    if isinstance(value, list | tuple) or hasattr(value, "__iter__") and not isinstance(value, str):
        return ", ".join(str(item) for item in value) or "—"
    return str(value) or "—"
