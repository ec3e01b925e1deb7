from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_base import TranslatedAdmin, TranslatedHistoryAdmin, TranslatedTabularInline, all_languages
from .models import Cluster, ClusterContact, Municipality, NewsItem, Organization, Page, Person, Region

admin.site.site_header = _("Cluster portal administration")
admin.site.site_title = _("Cluster portal")
admin.site.index_title = _("Clusters, companies, projects and events")


@admin.register(Region)
class RegionAdmin(TranslatedAdmin):
    list_display = ["name", "country", "slug"]
    list_filter = ["country"]
    search_fields = [*all_languages("name"), "slug"]


@admin.register(Municipality)
class MunicipalityAdmin(TranslatedAdmin):
    list_display = ["name", "region", "slug"]
    list_filter = ["region__country", "region"]
    list_select_related = ["region"]
    search_fields = [*all_languages("name"), "slug"]
    autocomplete_fields = ["region"]


@admin.register(Organization)
class OrganizationAdmin(TranslatedHistoryAdmin):
    list_display = ["name", "short_name", "kind", "country", "municipality"]
    list_filter = ["kind", "country"]
    list_select_related = ["municipality"]
    search_fields = [*all_languages("name"), "short_name"]
    autocomplete_fields = ["municipality"]


@admin.register(Person)
class PersonAdmin(TranslatedHistoryAdmin):
    list_display = ["__str__", "title", "organization", "email", "phone"]
    list_filter = ["organization__kind"]
    list_select_related = ["organization"]
    search_fields = ["first_name", "last_name", "email", "organization__short_name", "organization__name_en"]
    autocomplete_fields = ["organization"]


class ClusterContactInline(TranslatedTabularInline):
    model = ClusterContact
    autocomplete_fields = ["person"]


@admin.register(Cluster)
class ClusterAdmin(TranslatedHistoryAdmin):
    list_display = ["name", "sector", "country", "region", "coordinator", "is_published"]
    list_filter = ["sector", "country", "is_published"]
    list_select_related = ["region", "coordinator"]
    search_fields = [*all_languages("name"), "short_name"]
    autocomplete_fields = ["region", "coordinator"]
    inlines = [ClusterContactInline]


@admin.register(NewsItem)
class NewsItemAdmin(TranslatedHistoryAdmin):
    list_display = ["title", "kind", "published_at", "cluster", "project", "is_published"]
    list_filter = ["kind", "is_published", "cluster"]
    list_select_related = ["cluster", "project"]
    search_fields = all_languages("title")
    autocomplete_fields = ["cluster", "project", "contact"]
    date_hierarchy = "published_at"


@admin.register(Page)
class PageAdmin(TranslatedHistoryAdmin):
    list_display = ["title", "slug", "is_published", "updated_at"]
    search_fields = [*all_languages("title"), "slug"]
