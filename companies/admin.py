from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from portal import roles
from portal.admin_base import (
    ModerationAdminMixin,
    RequireOneInScopeFormSet,
    ScopedAdmin,
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
    CompanyChangeRequest,
    CompanyRepresentative,
    CooperationOffer,
    JobPosting,
    Material,
    Membership,
    OfferInterest,
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


class CompanyRepresentativeInline(ScopedTabularInline):
    model = CompanyRepresentative
    fields = ["user", "language", "invited_by", "created_at"]
    readonly_fields = ["user", "invited_by", "created_at"]
    verbose_name_plural = _("representatives (invite new ones with “Invite a representative”)")

    def has_add_permission(self, request, obj=None):
        return False


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
    inlines = [MembershipInline, CompanyCertificateInline, CompanyRepresentativeInline]
    date_hierarchy = "updated_at"
    actions = ["mark_confirmed"]

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**super().get_resource_kwargs(request, *args, **kwargs), "user": request.user}

    def get_urls(self):
        return [
            path(
                "<path:object_id>/invite/",
                self.admin_site.admin_view(self.invite_view),
                name="companies_company_invite",
            ),
            *super().get_urls(),
        ]

    def invite_view(self, request, object_id):
        from portal.accounts import InvitationForm, invite_representative

        company = self._get_in_scope_or_404(request, object_id)
        if not self.has_change_permission(request, company):
            raise PermissionDenied
        form = InvitationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            invite_representative(company, invited_by=request.user, **form.cleaned_data)
            self.message_user(
                request,
                _("An invitation was sent to %(email)s.") % {"email": form.cleaned_data["email"]},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse("admin:companies_company_change", args=[company.pk])
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": company,
            "title": _("Invite a representative of %(company)s") % {"company": company},
            "form": form,
        }
        return TemplateResponse(request, "admin/companies/company/invite.html", context)

    @admin.action(description=_("Mark the selected profiles as confirmed"), permissions=["change"])
    def mark_confirmed(self, request, queryset):
        count = queryset.update(confirmed_at=timezone.now())
        self.message_user(
            request, _("%(count)d profiles were marked as confirmed.") % {"count": count}
        )


class ModeratedAdmin(ModerationAdminMixin, TranslatedHistoryAdmin):
    pass


@admin.register(CooperationOffer)
class CooperationOfferAdmin(ModeratedAdmin):
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


@admin.register(JobPosting)
class JobPostingAdmin(ModeratedAdmin):
    # Jobs of member companies; "job wanted" posts (no company) in the clusters' regions.
    cluster_scope = (f"company__{COMPANY_SCOPE}",)
    list_display = ["title", "kind", "company", "municipality", "expires_on", "status"]
    list_filter = ["status", "kind", "contract_type"]
    list_select_related = ["company", "municipality"]
    search_fields = [*all_languages("title"), "profession", "company__name"]
    autocomplete_fields = ["company", "municipality", "languages"]
    readonly_fields = ["consent_at", "created_at", "updated_at", "rejection_reason"]

    def extra_scope(self, request, cluster_ids):
        return Q(company__isnull=True, municipality__region__clusters__in=cluster_ids)


@admin.register(CompanyChangeRequest)
class CompanyChangeRequestAdmin(ModerationAdminMixin, ScopedAdmin):
    cluster_scope = (f"company__{COMPANY_SCOPE}",)
    list_display = ["company", "submitted_by", "language", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["company", "submitted_by"]
    search_fields = ["company__name", "company__business_id"]
    fields = [
        "company",
        "submitted_by",
        "language",
        "status",
        "rejection_reason",
        "changes",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("changes"))
    def changes(self, obj):
        from .profiles import describe_changes

        rows = describe_changes(obj)
        if not rows:
            return _("No changes.")
        return format_html_join(
            "",
            "<p><strong>{}</strong>: {} → {}</p>",
            ((label, old, new) for label, old, new in rows),
        )


@admin.register(CompanyRepresentative)
class CompanyRepresentativeAdmin(ScopedAdmin):
    cluster_scope = (f"company__{COMPANY_SCOPE}",)
    list_display = ["user", "company", "language", "invited_by", "created_at"]
    list_select_related = ["user", "company", "invited_by"]
    search_fields = ["user__email", "user__username", "company__name"]
    autocomplete_fields = ["company"]
    readonly_fields = ["user", "invited_by", "created_at"]

    def has_add_permission(self, request):
        # Representatives are invited from the company's page (one-time link by e-mail).
        return False


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
