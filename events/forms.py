"""Public forms of events: registration and the "Book a visit" request with its participants."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clusters.abuse import (
    MultiLineField,
    PublicFormMixin,
    SingleLineField,
    limit_email_length,
)
from clusters.models import Cluster
from clusters.widgets import ChecklistSelectMultiple

from .models import VisitRequest

MAX_VISIT_PARTICIPANTS = 60


class RegistrationForm(PublicFormMixin, forms.Form):
    name = SingleLineField(label=pgettext_lazy("person", "Name"), max_length=120)
    organization_name = SingleLineField(label=_("Organisation"), max_length=200, required=False)
    email = forms.EmailField(
        label=_("E-mail"), help_text=_("Your confirmation and cancellation link are sent here.")
    )
    dietary_needs = SingleLineField(label=_("Dietary needs"), max_length=300, required=False)
    access_needs = SingleLineField(label=_("Accessibility needs"), max_length=300, required=False)


class ClusterChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if obj.region_id:
            return f"{obj.name} ({obj.region.name}, {obj.country.name})"
        return f"{obj.name} ({obj.country.name})"


class VisitRequestForm(PublicFormMixin, forms.Form):
    """Every question of the "Book a visit" form, plus where to go."""

    cluster = ClusterChoiceField(
        label=_("Which cluster or region would you like to visit?"),
        queryset=Cluster.objects.published().select_related("region").order_by("slug"),
        empty_label=_("Choose a cluster or region"),
    )
    main_goal = forms.ChoiceField(
        label=_("1. Choose the main goal of your visit"),
        choices=VisitRequest.MainGoal.choices,
        widget=forms.RadioSelect,
    )
    purpose = MultiLineField(
        label=_("2. Describe the purpose of the visit further"), max_length=3000
    )
    focus_areas = forms.MultipleChoiceField(
        label=_("3. Focus area(s) of the visit"),
        choices=VisitRequest.FocusArea.choices,
        widget=ChecklistSelectMultiple,
        required=False,
    )
    focus_explanation = MultiLineField(
        label=_("4. Explain your focus areas"), max_length=3000, required=False
    )
    wants_to_meet_companies = forms.TypedChoiceField(
        label=_("5. Are you interested in meeting companies?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    company_types = MultiLineField(
        label=_("If so, what kind of companies?"), max_length=2000, required=False
    )
    special_wishes = MultiLineField(label=_("6. Special wishes"), max_length=2000, required=False)
    preferred_dates = SingleLineField(
        label=_("7. Preferred dates"),
        max_length=250,
        help_text=_("E.g. “12–14 May 2027, or any week in June”."),
    )
    expected_participants = forms.IntegerField(
        label=_("8. Expected number of participants"), min_value=1, max_value=500
    )
    organiser_contact = MultiLineField(
        label=_("Contact details of the organiser acting on your behalf"),
        max_length=1000,
        required=False,
        help_text=_("If a travel agency or an organisation arranges the visit for you."),
    )
    name = SingleLineField(label=pgettext_lazy("person", "Name"), max_length=120)
    email = forms.EmailField(label=_("E-mail"))
    message = MultiLineField(label=_("Message"), max_length=3000, required=False)
    consent = forms.BooleanField(
        label=_(
            "I agree that the cluster stores these details, including the participant list, to "
            "plan the visit, and shares them with the companies we meet."
        )
    )

    def clean(self):
        data = super().clean()
        if data.get("wants_to_meet_companies") and not data.get("company_types", "").strip():
            self.add_error(
                "company_types", _("Tell us which kind of companies you would like to meet.")
            )
        return data


class ParticipantForm(forms.Form):
    name = SingleLineField(label=pgettext_lazy("person", "Name"), max_length=120)
    organization_name = SingleLineField(label=_("Organisation"), max_length=200, required=False)
    title = SingleLineField(label=_("Title or role"), max_length=120, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.empty_permitted = True
        self.use_required_attribute = False
        limit_email_length(self.fields["email"])  # the column holds 254 characters
        for field in self.fields.values():
            field.template_name = "portal/forms/field.html"


class BaseParticipantFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        names = [form.cleaned_data for form in self.forms if form.cleaned_data.get("name")]
        if not names:
            raise forms.ValidationError(
                _("List at least one participant (you can add yourself)."), code="empty"
            )

    def initial_form_count(self):
        # Rows re-shown after "add a participant" are new rows, not "initial" ones: every row
        # is validated the same way and an unchanged one is simply skipped.
        return super().initial_form_count() if self.is_bound else 0

    def total_form_count(self):
        if not self.is_bound and self.initial:
            return min(len(self.initial) + self.extra, self.absolute_max)
        return super().total_form_count()

    def participants(self):
        return [form.cleaned_data for form in self.forms if form.cleaned_data.get("name")]


ParticipantFormSet = forms.formset_factory(
    ParticipantForm,
    formset=BaseParticipantFormSet,
    extra=1,
    max_num=MAX_VISIT_PARTICIPANTS,
    validate_max=True,
    absolute_max=MAX_VISIT_PARTICIPANTS,
)
