from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import emails, roles
from .admin_base import (
    ScopedAdmin,
    ScopedClusterFilter,
    ScopedTabularInline,
    TranslatedAdmin,
    TranslatedHistoryAdmin,
    TranslatedTabularInline,
    all_languages,
)
from .models import (
    Cluster,
    ClusterContact,
    ClusterCoordinator,
    ModerationDecision,
    Municipality,
    NewsItem,
    Organization,
    OutgoingEmail,
    Page,
    Person,
    Region,
)

admin.site.site_header = _("Cluster portal administration")
admin.site.site_title = _("Cluster portal")
admin.site.index_title = _("Clusters, companies, projects and events")
admin.site.index_template = "admin/portal_index.html"


@admin.register(Region)
class RegionAdmin(TranslatedAdmin):
    shared = True
    list_display = ["name", "country", "slug"]
    list_filter = ["country"]
    search_fields = [*all_languages("name"), "slug"]


@admin.register(Municipality)
class MunicipalityAdmin(TranslatedAdmin):
    shared = True
    list_display = ["name", "region", "slug"]
    list_filter = ["region__country", "region"]
    list_select_related = ["region"]
    search_fields = [*all_languages("name"), "slug"]
    autocomplete_fields = ["region"]


@admin.register(Organization)
class OrganizationAdmin(TranslatedHistoryAdmin):
    shared = True
    list_display = ["name", "short_name", "kind", "country", "municipality"]
    list_filter = ["kind", "country"]
    list_select_related = ["municipality"]
    search_fields = [*all_languages("name"), "short_name"]
    autocomplete_fields = ["municipality"]


@admin.register(Person)
class PersonAdmin(TranslatedHistoryAdmin):
    # A contact of the coordinator's clusters or of their clusters' projects — or one they added
    # themselves and have not linked yet (so it can be picked in the cluster's contacts).
    cluster_scope = ("cluster_roles__cluster", "project_roles__project__clusters")
    list_display = ["__str__", "title", "organization", "email", "phone"]
    list_filter = ["organization__kind"]
    list_select_related = ["organization"]
    search_fields = [
        "first_name",
        "last_name",
        "email",
        "organization__short_name",
        "organization__name_en",
    ]
    autocomplete_fields = ["organization"]

    def extra_scope(self, request, cluster_ids):
        created = Person.history.filter(history_user=request.user, history_type="+").values("id")
        return Q(pk__in=created)


class ClusterContactInline(TranslatedTabularInline):
    model = ClusterContact
    autocomplete_fields = ["person"]


class ClusterCoordinatorInline(ScopedTabularInline):
    model = ClusterCoordinator
    autocomplete_fields = ["user"]
    verbose_name_plural = _("coordinators (portal administrators only)")

    def has_view_permission(self, request, obj=None):
        return roles.is_administrator(request.user)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


@admin.register(Cluster)
class ClusterAdmin(TranslatedHistoryAdmin):
    cluster_scope = ("pk",)
    coordinators_may_add = False
    coordinators_may_delete = False
    list_display = [
        "name",
        "sector",
        "country",
        "region",
        "coordinator",
        "is_published",
        "review_profile_changes",
    ]
    list_filter = ["sector", "country", "is_published"]
    list_select_related = ["region", "coordinator"]
    search_fields = [*all_languages("name"), "short_name"]
    autocomplete_fields = ["region", "coordinator"]
    inlines = [ClusterContactInline, ClusterCoordinatorInline]


@admin.register(NewsItem)
class NewsItemAdmin(TranslatedHistoryAdmin):
    cluster_scope = ("cluster", "project__clusters")
    list_display = ["title", "kind", "published_at", "cluster", "project", "is_published"]
    list_filter = ["kind", "is_published", ("cluster", ScopedClusterFilter)]
    list_select_related = ["cluster", "project"]
    search_fields = all_languages("title")
    autocomplete_fields = ["cluster", "project", "contact"]
    date_hierarchy = "published_at"


@admin.register(Page)
class PageAdmin(TranslatedHistoryAdmin):
    # Site-wide pages: administrators only.
    list_display = ["title", "slug", "is_published", "updated_at"]
    search_fields = [*all_languages("title"), "slug"]


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(ScopedAdmin):
    """The moderation log, read-only, for administrators."""

    list_display = [
        "object_repr",
        "content_type",
        "decision",
        "decided_by",
        "decided_at",
        "notified",
    ]
    list_filter = ["decision", "content_type"]
    list_select_related = ["content_type", "decided_by"]
    search_fields = ["object_repr", "reason"]
    date_hierarchy = "decided_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ScopedAdmin):
    """The outbox, read-only, for administrators only (it holds every cluster's mail)."""

    list_display = [
        "subject",
        "status",
        "name",
        "language",
        "recipients",
        "attempts",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["to", "cc", "subject"]
    date_hierarchy = "created_at"
    actions = ["send_now"]
    readonly_fields = fields = [
        "status",
        "name",
        "language",
        "to",
        "cc",
        "reply_to",
        "subject",
        "body",
        "attachment_names",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    ]

    @admin.display(description=_("recipients"))
    def recipients(self, obj):
        return ", ".join(obj.to)

    @admin.display(description=_("attachments"))
    def attachment_names(self, obj):
        return ", ".join(attachment["filename"] for attachment in obj.attachments)

    def has_module_permission(self, request):
        return roles.is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return roles.is_administrator(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_send_permission(self, request):
        return roles.is_administrator(request.user)

    @admin.action(description=_("Send now"), permissions=["send"])
    def send_now(self, request, queryset):
        results = [
            emails.deliver_pending(pk, retry_failed=True)
            for pk in queryset.order_by("pk").values_list("pk", flat=True)
        ]
        self.message_user(
            request,
            _("Sent: %(sent)d. Failed again: %(failed)d. Skipped (already sent): %(skipped)d.")
            % {
                "sent": results.count(True),
                "failed": results.count(False),
                "skipped": results.count(None),
            },
        )
