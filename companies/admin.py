from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from clusters import roles
from clusters.admin_base import (
    RequireOneInScopeFormSet,
    ScopedClusterFilter,
    ScopedTabularInline,
    TranslatedAdmin,
    TranslatedHistoryAdmin,
    all_languages,
)

from .models import (
    Capability,
    Certification,
    Company,
    CompanyCertificate,
    Material,
    Membership,
    Sector,
    SpokenLanguage,
)
from .resources import CompanyResource

COMPANY_SCOPE = "memberships__cluster"


@admin.register(Sector)
class SectorAdmin(TranslatedAdmin):
    shared = True
    list_display = ["nace_code", "name", "slug"]
    search_fields = ["nace_code", *all_languages("name")]


@admin.register(Capability)
class CapabilityAdmin(TranslatedAdmin):
    shared = True
    list_display = ["indented_name", "parent", "slug"]
    list_select_related = ["parent"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = all_languages("name")
    autocomplete_fields = ["parent"]

    @admin.display(description=Capability._meta.get_field("name").verbose_name, ordering="path")
    def indented_name(self, obj):
        return f"{'— ' * obj.depth}{obj.name}"


@admin.register(Material)
class MaterialAdmin(TranslatedAdmin):
    shared = True
    list_display = ["name", "category", "slug"]
    list_filter = ["category"]
    search_fields = all_languages("name")


@admin.register(Certification)
class CertificationAdmin(TranslatedAdmin):
    shared = True
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", *all_languages("name")]


@admin.register(SpokenLanguage)
class SpokenLanguageAdmin(TranslatedAdmin):
    shared = True
    list_display = ["code", "name"]
    search_fields = ["code", *all_languages("name")]


class MembershipFormSet(RequireOneInScopeFormSet):
    required_message = _(
        "Keep the company in at least one of your clusters (untick “active” to end a membership)."
    )


class MembershipInline(ScopedTabularInline):
    model = Membership
    autocomplete_fields = ["cluster"]
    formset = MembershipFormSet

    def get_queryset(self, request):
        # A coordinator sees and edits the memberships in their own clusters only.
        queryset = super().get_queryset(request)
        ids = roles.cluster_ids_for(request.user)
        return queryset if ids is None else queryset.filter(cluster_id__in=ids)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.require_in_scope = not roles.is_administrator(request.user)
        return formset


class CompanyCertificateInline(ScopedTabularInline):
    model = CompanyCertificate
    autocomplete_fields = ["certification"]


class ConfirmationFilter(admin.SimpleListFilter):
    title = _("profile confirmation")
    parameter_name = "confirmation"

    def lookups(self, request, model_admin):
        return [
            ("stale", _("Not confirmed for 12 months")),
            ("fresh", _("Confirmed within 12 months")),
        ]

    def queryset(self, request, queryset):
        stale = Company.objects.stale()
        if self.value() == "stale":
            return queryset.filter(pk__in=stale.values("pk"))
        if self.value() == "fresh":
            return queryset.exclude(pk__in=stale.values("pk"))
        return queryset


@admin.register(Company)
class CompanyAdmin(ImportExportMixin, TranslatedHistoryAdmin):
    cluster_scope = (COMPANY_SCOPE,)
    resource_classes = [CompanyResource]
    import_formats = [CSV, XLSX]
    export_formats = [CSV, XLSX]
    list_display = [
        "name",
        "business_id",
        "country",
        "municipality",
        "size_class",
        "is_published",
        "confirmed_at",
    ]
    list_filter = [
        "country",
        "size_class",
        "is_published",
        ConfirmationFilter,
        ("clusters", ScopedClusterFilter),
        "sectors",
    ]
    list_select_related = ["municipality"]
    search_fields = ["name", "business_id", "email"]
    autocomplete_fields = ["municipality", "sectors", "capabilities", "materials", "languages"]
    readonly_fields = ["created_at", "updated_at", "confirmed_at"]
    inlines = [MembershipInline, CompanyCertificateInline]
    date_hierarchy = "updated_at"
    actions = ["mark_confirmed"]
    delete_refused_message = _(
        "Not deleted, because they also belong to another cluster: %(objects)s. End your "
        "cluster's membership on the company's page instead."
    )

    def delete_refused(self, request, queryset):
        # A company that is also another cluster's member is not the coordinator's to delete.
        ids = roles.cluster_ids_for(request.user)
        if ids is None:
            return queryset.none()
        shared = Membership.objects.exclude(cluster_id__in=ids).values("company_id")
        return queryset.filter(pk__in=shared)

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**super().get_resource_kwargs(request, *args, **kwargs), "user": request.user}

    @admin.action(description=_("Mark the selected profiles as confirmed"), permissions=["change"])
    def mark_confirmed(self, request, queryset):
        count = queryset.update(confirmed_at=timezone.now())
        self.message_user(
            request,
            ngettext(
                "%(count)d profile was marked as confirmed.",
                "%(count)d profiles were marked as confirmed.",
                count,
            )
            % {"count": count},
        )
