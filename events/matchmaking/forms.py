"""The participants' forms: a meeting request, their own profile, the survey after a meeting and
"send my private link again". Every one has the honeypot and length limits of the public forms
(clusters.abuse.PublicFormMixin)."""

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from clusters.abuse import MultiLineField, PublicFormMixin
from clusters.widgets import (
    ChecklistSelectMultiple,
    GroupedModelMultipleChoiceField,
    group_by,
    group_tree,
)
from companies.models import Capability, Certification, Company, Material, SpokenLanguage

from .models import MatchmakingProfile, MeetingFeedback

MESSAGE_MAX_LENGTH = 1000


class MeetingRequestForm(PublicFormMixin, forms.Form):
    message = MultiLineField(
        label=_("Message (optional)"),
        max_length=MESSAGE_MAX_LENGTH,
        required=False,
        help_text=_(
            "What would you like to talk about? It is passed on by e-mail; your e-mail address "
            "is not shown."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["message"].widget.attrs["rows"] = 3


class SlotChoiceField(forms.ModelMultipleChoiceField):
    """The event's slots, labelled with their times in the event's zone."""

    widget = ChecklistSelectMultiple

    def __init__(self, queryset, *, zone, **kwargs):
        self.zone = zone
        super().__init__(queryset, **kwargs)

    def label_from_instance(self, obj):
        start = timezone.localtime(obj.starts_at, self.zone)
        end = timezone.localtime(obj.ends_at, self.zone)
        return (
            f"{formats.date_format(start, 'SHORT_DATE_FORMAT')} "
            f"{formats.time_format(start, 'TIME_FORMAT')}–{formats.time_format(end, 'TIME_FORMAT')}"
        )


class ProfileForm(PublicFormMixin, forms.ModelForm):
    """A participant's own profile. ``companies``: the companies the signed-in user represents;
    with some, the profile may name one of them (or none), else its company stays as it is."""

    presentation = MultiLineField(
        label=_("Short presentation"),
        max_length=1500,
        required=False,
        help_text=_("Who you are and what you do, in your own language. At most 1,500 characters."),
    )
    offers = MultiLineField(label=_("What we offer"), max_length=1000, required=False)
    needs = MultiLineField(label=_("What we are looking for"), max_length=1000, required=False)
    offered_capabilities = GroupedModelMultipleChoiceField(
        label=_("Capabilities we offer"),
        queryset=Capability.objects.all(),
        group=group_tree,
        required=False,
        help_text=_("Your company's capabilities in the directory count too."),
    )
    sought_capabilities = GroupedModelMultipleChoiceField(
        label=_("Capabilities we are looking for"),
        queryset=Capability.objects.all(),
        group=group_tree,
        required=False,
    )
    sought_materials = GroupedModelMultipleChoiceField(
        label=_("Materials we are looking for"),
        queryset=Material.objects.all(),
        group=group_by("category"),
        required=False,
    )
    sought_certifications = GroupedModelMultipleChoiceField(
        label=_("Certifications we are looking for"),
        queryset=Certification.objects.all(),
        group=group_by("kind"),
        required=False,
    )
    languages = forms.ModelMultipleChoiceField(
        label=_("Languages we speak"),
        queryset=SpokenLanguage.objects.order_by("name"),
        widget=ChecklistSelectMultiple,
        required=False,
    )
    company = forms.ModelChoiceField(
        label=_("Company in the directory"),
        queryset=Company.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("Its profile is linked from yours, and its capabilities count as yours."),
    )

    class Meta:
        model = MatchmakingProfile
        fields = [
            "presentation",
            "offers",
            "needs",
            "offered_capabilities",
            "sought_capabilities",
            "sought_materials",
            "sought_certifications",
            "languages",
            "unavailable_slots",
            "company",
        ]

    def __init__(self, *args, companies=None, **kwargs):
        super().__init__(*args, **kwargs)
        event = self.instance.event
        self.fields["unavailable_slots"] = SlotChoiceField(
            event.meeting_slots.order_by("starts_at", "pk"),
            zone=event.tz,
            label=_("Times when I cannot meet"),
            required=False,
            help_text=_(
                "No meeting is booked for you at these times. Meetings already booked stay: "
                "cancel them on your agenda."
            ),
        )
        self.fields["unavailable_slots"].template_name = "portal/forms/field.html"
        if not event.meeting_slots.exists():
            del self.fields["unavailable_slots"]
        represented = companies if companies is not None else Company.objects.none()
        if represented.exists():
            choices = Company.objects.filter(pk__in=represented.values("pk"))
            if self.instance.company_id:
                choices = choices | Company.objects.filter(pk=self.instance.company_id)
            self.fields["company"].queryset = choices.order_by("name")
        else:
            del self.fields["company"]


class SurveyForm(PublicFormMixin, forms.Form):
    held = forms.TypedChoiceField(
        label=_("Was the meeting held?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    outcome = forms.ChoiceField(
        label=_("What came of it?"),
        choices=MeetingFeedback.Outcome.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    note = MultiLineField(
        label=_("Anything to add? (optional)"),
        max_length=1000,
        required=False,
        help_text=_("Only the organisers read it."),
    )

    def clean(self):
        data = super().clean()
        if data.get("held") is False:
            data["outcome"] = MeetingFeedback.Outcome.NONE
        elif data.get("held") and not data.get("outcome"):
            self.add_error("outcome", _("Choose what came of the meeting."))
        return data


class LinkForm(PublicFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-mail"), help_text=_("The address you registered for the event with.")
    )
