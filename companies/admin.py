from django.contrib import admin

from portal.admin_base import (
    TranslatedAdmin,
    TranslatedHistoryAdmin,
    TranslatedTabularInline,
    all_languages,
)

from .models import (
    Capability,
    Certification,
    Company,
    CompanyCertificate,
    CooperationOffer,
    JobPosting,
    Material,
    Membership,
    Sector,
    SpokenLanguage,
)


@admin.register(Sector)
class SectorAdmin(TranslatedAdmin):
    list_display = ["nace_code", "name", "slug"]
    search_fields = ["nace_code", *all_languages("name")]


@admin.register(Capability)
class CapabilityAdmin(TranslatedAdmin):
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
    list_display = ["name", "category", "slug"]
    list_filter = ["category"]
    search_fields = all_languages("name")


@admin.register(Certification)
class CertificationAdmin(TranslatedAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", *all_languages("name")]


@admin.register(SpokenLanguage)
class SpokenLanguageAdmin(TranslatedAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", *all_languages("name")]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["cluster"]


class CompanyCertificateInline(admin.TabularInline):
    model = CompanyCertificate
    extra = 0
    autocomplete_fields = ["certification"]


@admin.register(Company)
class CompanyAdmin(TranslatedHistoryAdmin):
    list_display = ["name", "business_id", "country", "municipality", "size_class", "is_published", "confirmed_at"]
    list_filter = ["country", "size_class", "is_published", "clusters", "sectors"]
    list_select_related = ["municipality"]
    search_fields = ["name", "business_id", "email"]
    autocomplete_fields = ["municipality", "sectors", "capabilities", "materials", "languages"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [MembershipInline, CompanyCertificateInline]
    date_hierarchy = "updated_at"


@admin.register(CooperationOffer)
class CooperationOfferAdmin(TranslatedHistoryAdmin):
    list_display = ["title", "direction", "category", "offered_by", "valid_until", "status"]
    list_filter = ["status", "direction", "category", "cluster"]
    list_select_related = ["company"]
    search_fields = [*all_languages("title"), "company__name", "submitter_company"]
    autocomplete_fields = ["company", "cluster", "capabilities", "materials"]
    readonly_fields = ["created_by", "created_at", "updated_at"]


@admin.register(JobPosting)
class JobPostingAdmin(TranslatedHistoryAdmin):
    list_display = ["title", "kind", "company", "municipality", "expires_on", "status"]
    list_filter = ["status", "kind", "contract_type"]
    list_select_related = ["company", "municipality"]
    search_fields = [*all_languages("title"), "profession", "company__name"]
    autocomplete_fields = ["company", "municipality", "languages"]
    readonly_fields = ["consent_at", "created_at", "updated_at"]
