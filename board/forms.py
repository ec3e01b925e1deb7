"""Public forms of the cooperation offers and the job board.

Every form has a honeypot and length limits (clusters.abuse.PublicFormMixin); one-line fields
reject line breaks and control characters, so that nothing a visitor types can reach an
e-mail header.
"""

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_countries import countries

from clusters.abuse import MultiLineField, PublicFormMixin, SingleLineField
from clusters.models import Cluster, Municipality
from clusters.widgets import (
    NEAR_COUNTRIES,
    ChecklistSelectMultiple,
    GroupedModelMultipleChoiceField,
    country_groups,
    group_by,
    group_tree,
)
from companies.models import Capability, Company, Material, SpokenLanguage
from companies.validators import BUSINESS_ID_SCHEMES, normalize_business_id

# OFFER_MAX_VALIDITY_DAYS lives with the model, since renewals respect it too.
from .models import OFFER_MAX_VALIDITY_DAYS, CooperationOffer, JobPosting

JOB_MAX_VALIDITY_DAYS = 180


def country_choices():
    """The countries a cooperation offer is usually aimed at first, then all others (the offer
    list's filter; the form groups them, see clusters.widgets.country_groups)."""
    near = [(code, countries.name(code)) for code in NEAR_COUNTRIES]
    others = [(code, name) for code, name in countries if code not in NEAR_COUNTRIES]
    return near + others


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _future_date(value, max_days, message_past, message_far):
    today = timezone.localdate()
    if value <= today:
        raise ValidationError(message_past, code="past")
    if value > today + datetime.timedelta(days=max_days):
        raise ValidationError(message_far, code="too_far", params={"days": max_days})
    return value


class OfferForm(PublicFormMixin, forms.Form):
    """Post a cooperation offer or request.

    ``companies`` are the companies the logged-in user represents: with one or more, the
    offer is posted for one of them; with none, the poster gives the company's details and
    the offer waits for moderation.
    """

    direction = forms.ChoiceField(
        label=_("Offer or request"),
        choices=CooperationOffer.Direction.choices,
        widget=forms.RadioSelect,
        initial=CooperationOffer.Direction.OFFER,
    )
    category = forms.ChoiceField(label=_("Category"), choices=CooperationOffer.Category.choices)
    title = SingleLineField(label=_("Title"), max_length=200)
    description = MultiLineField(
        label=_("Description"),
        max_length=5000,
        help_text=_("What you offer or look for, volumes, schedule. At most 5,000 characters."),
    )
    capabilities = GroupedModelMultipleChoiceField(
        label=_("Capabilities"),
        queryset=Capability.objects.all(),
        group=group_tree,
        required=False,
    )
    materials = GroupedModelMultipleChoiceField(
        label=_("Materials"),
        queryset=Material.objects.all(),
        group=group_by("category"),
        required=False,
    )
    target_countries = forms.MultipleChoiceField(
        label=_("Target countries"),
        required=False,
        widget=ChecklistSelectMultiple,
        help_text=_("Leave empty for any country."),
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        widget=DateInput(),
        help_text=_("At most one year ahead. You can renew the offer before it ends."),
    )
    company = forms.ModelChoiceField(label=_("Company"), queryset=Company.objects.none())
    submitter_company = SingleLineField(label=_("Company name"), max_length=200)
    submitter_name = SingleLineField(label=_("Contact person"), max_length=120)
    submitter_email = forms.EmailField(
        label=_("Contact e-mail"),
        help_text=_("Not shown on the page: interested companies write through the portal."),
    )
    cluster = forms.ModelChoiceField(
        label=_("Cluster"),
        queryset=Cluster.objects.published(),
        help_text=_("The cluster whose coordinators review your offer."),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that the portal stores my contact details to pass on replies to this offer "
            "and deletes them with the offer."
        ),
    )

    REPRESENTATIVE_FIELDS = ("company",)
    VISITOR_FIELDS = (
        "submitter_company",
        "submitter_name",
        "submitter_email",
        "cluster",
        "consent",
    )

    def __init__(self, *args, companies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_countries"].choices = country_groups()
        self.fields["valid_until"].initial = timezone.localdate() + datetime.timedelta(days=90)
        self.is_representative = companies is not None and companies.exists()
        if self.is_representative:
            self.fields["company"].queryset = companies
            for name in self.VISITOR_FIELDS:
                del self.fields[name]
        else:
            for name in self.REPRESENTATIVE_FIELDS:
                del self.fields[name]

    def clean_valid_until(self):
        return _future_date(
            self.cleaned_data["valid_until"],
            OFFER_MAX_VALIDITY_DAYS,
            _("The offer must be valid at least until tomorrow."),
            ngettext_lazy(
                "An offer can be valid for at most %(days)s day; renew it later.",
                "An offer can be valid for at most %(days)s days; renew it later.",
                "days",
            ),
        )


class InterestForm(PublicFormMixin, forms.Form):
    name = SingleLineField(label=_("Your name"), max_length=120)
    organization_name = SingleLineField(
        label=_("Company or organisation"), max_length=200, required=False
    )
    email = forms.EmailField(label=_("Your e-mail"))
    message = MultiLineField(
        label=_("Message"),
        max_length=4000,
        help_text=_(
            "The portal passes your message, name and e-mail to the offering company and the cluster coordinator."
        ),
    )


class JobForm(PublicFormMixin, forms.Form):
    """Post a job offered (``kind="offer"``) or a job wanted (``kind="wanted"``)."""

    title = SingleLineField(label=_("Title"), max_length=200)
    profession = SingleLineField(label=_("Profession"), max_length=120)
    description = MultiLineField(label=_("Description"), max_length=5000)
    company = forms.ModelChoiceField(label=_("Company"), queryset=Company.objects.none())
    company_country = forms.ChoiceField(
        label=_("Country of the company"),
        choices=[(code, countries.name(code)) for code in BUSINESS_ID_SCHEMES],
    )
    company_business_id = SingleLineField(
        label=_("Business ID of the company"),
        max_length=30,
        help_text=_(
            "Y-tunnus, organisationsnummer, NIP or company code. The company must be in the directory."
        ),
    )
    municipality = forms.ModelChoiceField(
        label=_("Location"),
        queryset=Municipality.objects.select_related("region").order_by("slug"),
        required=False,
    )
    contract_type = forms.ChoiceField(
        label=_("Contract type"),
        choices=[("", _("Not specified")), *JobPosting.ContractType.choices],
        required=False,
    )
    languages = forms.ModelMultipleChoiceField(
        label=_("Languages"),
        queryset=SpokenLanguage.objects.all(),
        required=False,
        widget=ChecklistSelectMultiple,
    )
    expires_on = forms.DateField(label=_("Application deadline"), widget=DateInput())
    contact_name = SingleLineField(label=_("Contact person"), max_length=120)
    contact_email = forms.EmailField(
        label=_("Contact e-mail"),
        help_text=_("Never shown on the page: messages reach you through the portal."),
    )
    consent = forms.BooleanField(label="")

    def __init__(self, *args, kind=JobPosting.Kind.OFFER, companies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.is_representative = companies is not None and companies.exists()
        if kind == JobPosting.Kind.WANTED:
            for name in ("company", "company_country", "company_business_id", "contract_type"):
                del self.fields[name]
            self.fields["title"].help_text = _(
                "E.g. “Experienced TIG welder looking for work in Ostrobothnia”."
            )
            self.fields["municipality"].label = _("Where you want to work")
            # The town's region is what brings the post to a cluster's coordinators (moderation,
            # admin scope): without one, nobody would ever see it.
            self.fields["municipality"].required = True
            self.fields["expires_on"].label = _("Show the post until")
            self.fields["contact_name"].label = _("Your name")
            self.fields["contact_email"].label = _("Your e-mail")
        elif self.is_representative:
            self.fields["company"].queryset = companies
            del self.fields["company_country"]
            del self.fields["company_business_id"]
        else:
            del self.fields["company"]
        self.fields["expires_on"].initial = timezone.localdate() + datetime.timedelta(days=30)
        self.fields["consent"].label = ngettext_lazy(
            "I agree that the portal stores this post and my contact details until %(days)s day "
            "after it ends, and then deletes them. I can withdraw the post at any time through "
            "the private link I receive by e-mail.",
            "I agree that the portal stores this post and my contact details until %(days)s days "
            "after it ends, and then deletes them. I can withdraw the post at any time through "
            "the private link I receive by e-mail.",
            "days",
        ) % {"days": getattr(settings, "JOB_RETENTION_DAYS", 90)}

    def clean_expires_on(self):
        return _future_date(
            self.cleaned_data["expires_on"],
            JOB_MAX_VALIDITY_DAYS,
            _("The date must be in the future."),
            ngettext_lazy(
                "A post can stay on the board for at most %(days)s day.",
                "A post can stay on the board for at most %(days)s days.",
                "days",
            ),
        )

    def clean(self):
        data = super().clean()
        country, business_id = data.get("company_country"), data.get("company_business_id")
        if "company_business_id" in self.fields and country and business_id:
            try:
                normalized = normalize_business_id(country, business_id)
            except ValidationError as error:
                self.add_error("company_business_id", error)
                return data
            company = (
                Company.objects.published().filter(country=country, business_id=normalized).first()
            )
            if company is None:
                self.add_error(
                    "company_business_id",
                    _(
                        "No company with this business ID is in the directory. Ask your cluster coordinator to add it."
                    ),
                )
            else:
                data["company"] = company
        return data


class JobMessageForm(PublicFormMixin, forms.Form):
    name = SingleLineField(label=_("Your name"), max_length=120)
    email = forms.EmailField(label=_("Your e-mail"))
    message = MultiLineField(
        label=_("Message"),
        max_length=4000,
        help_text=_(
            "The portal passes your message, name and e-mail to the poster, whose address stays private."
        ),
    )
