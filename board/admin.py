from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modeltranslation.translator import translator

from clusters.admin_base import (
    ModerationAdminMixin,
    ScopedAdmin,
    ScopedClusterFilter,
    TranslatedHistoryAdmin,
    all_languages,
)
from companies.admin import COMPANY_SCOPE

from .models import CooperationOffer, JobPosting, OfferInterest

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def required_texts(model):
    """The model's translated fields that may not be left empty."""
    options = translator.get_options_for_model(model)
    return [name for name in options.fields if not model._meta.get_field(name).blank]


class PostedTextForm(forms.ModelForm):
    """A post's texts are stored in the language they were written in (a Polish offer has no
    English title): any one language of each text is enough, the poster's own by default."""

    language_field = "poster_language"

    def clean(self):
        data = super().clean()
        language = data.get(self.language_field) or getattr(self.instance, self.language_field)
        for name in required_texts(self._meta.model):
            if not any(data.get(f"{name}_{code}") for code in LANGUAGE_CODES):
                target = f"{name}_{language}" if f"{name}_{language}" in self.fields else None
                self.add_error(target, _("Fill this in, in at least one language."))
        return data


class OfferTextForm(PostedTextForm):
    language_field = "submitter_language"


class ModeratedAdmin(ModerationAdminMixin, TranslatedHistoryAdmin):
    form = PostedTextForm

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        # modeltranslation requires the default language (English); PostedTextForm asks instead
        # for any one language.
        original = getattr(db_field, "translated_field", None)
        if field and original and original.name in required_texts(self.model):
            field.required = False
        return field


@admin.register(CooperationOffer)
class CooperationOfferAdmin(ModeratedAdmin):
    form = OfferTextForm
    cluster_scope = ("cluster", f"company__{COMPANY_SCOPE}")
    list_display = [
        "title",
        "direction",
        "category",
        "offered_by",
        "cluster",
        "valid_until",
        "status",
    ]
    list_filter = ["status", "direction", "category", ("cluster", ScopedClusterFilter)]
    list_select_related = ["company", "cluster"]
    search_fields = [*all_languages("title"), "company__name", "submitter_company"]
    autocomplete_fields = ["company", "cluster", "capabilities", "materials"]
    readonly_fields = ["created_by", "created_at", "updated_at", "rejection_reason"]

    @admin.display(description=_("offered by"), ordering="company__name")
    def offered_by(self, obj):
        return obj.offered_by


@admin.register(JobPosting)
class JobPostingAdmin(ModeratedAdmin):
    # Jobs of member companies; "job wanted" posts (no company) in the clusters' regions.
    cluster_scope = (f"company__{COMPANY_SCOPE}",)
    list_display = ["title", "kind", "company", "municipality", "expires_on", "status"]
    list_filter = ["status", "kind", "contract_type"]
    list_select_related = ["company", "municipality"]
    search_fields = [*all_languages("title"), *all_languages("profession"), "company__name"]
    autocomplete_fields = ["company", "municipality", "languages"]
    readonly_fields = ["consent_at", "created_at", "updated_at", "rejection_reason"]

    def extra_scope(self, request, cluster_ids):
        return Q(company__isnull=True, municipality__region__clusters__in=cluster_ids)


@admin.register(OfferInterest)
class OfferInterestAdmin(ScopedAdmin):
    """Expressions of interest relayed by the portal: read-only, so the record stays what was sent."""

    cluster_scope = ("offer__cluster", f"offer__company__{COMPANY_SCOPE}")
    list_display = ["offer", "name", "organization_name", "language", "created_at"]
    list_filter = ["language"]
    list_select_related = ["offer"]
    search_fields = ["name", "organization_name", "email", "offer__title"]
    readonly_fields = [
        "offer",
        "name",
        "organization_name",
        "email",
        "message",
        "language",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
