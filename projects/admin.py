from django.contrib import admin

from clusters.admin_base import (
    ScopedClusterFilter,
    TranslatedHistoryAdmin,
    TranslatedTabularInline,
    all_languages,
)

from .models import (
    FundingSource,
    Project,
    ProjectContact,
    ProjectDocument,
    ProjectListItem,
    ProjectPartner,
    ProjectResult,
)


class PartnerInline(TranslatedTabularInline):
    model = ProjectPartner
    autocomplete_fields = ["organization"]


class FundingInline(TranslatedTabularInline):
    model = FundingSource
    autocomplete_fields = ["funder"]


class ListItemInline(TranslatedTabularInline):
    model = ProjectListItem


class ResultInline(TranslatedTabularInline):
    model = ProjectResult


class DocumentInline(TranslatedTabularInline):
    model = ProjectDocument


class ContactInline(TranslatedTabularInline):
    model = ProjectContact
    autocomplete_fields = ["person"]


@admin.register(Project)
class ProjectAdmin(TranslatedHistoryAdmin):
    cluster_scope = ("clusters",)
    # A coordinator's project names at least one of their clusters (another cluster's stay).
    scope_required_fields = ("clusters",)
    list_display = [
        "name",
        "acronym",
        "status",
        "start_date",
        "end_date",
        "lead_organization",
        "reference_number",
    ]
    list_filter = ["status", ("clusters", ScopedClusterFilter), "currency"]
    list_select_related = ["lead_organization"]
    search_fields = [*all_languages("name"), "acronym", "reference_number"]
    autocomplete_fields = ["lead_organization", "clusters", "predecessor"]
    inlines = [
        PartnerInline,
        FundingInline,
        ListItemInline,
        ResultInline,
        DocumentInline,
        ContactInline,
    ]
    date_hierarchy = "start_date"
