from django.contrib import admin

from clusters.admin_base import (
    ModerationAdminMixin,
    ScopedAdmin,
    ScopedClusterFilter,
    ScopedTabularInline,
    TranslatedHistoryAdmin,
    all_languages,
)

from .matchmaking.admin import MatchmakingEventAdminMixin  # registers the matchmaking admins
from .models import Event, Registration, VisitParticipant, VisitRequest


class RegistrationInline(ScopedTabularInline):
    model = Registration
    fields = ["name", "organization_name", "email", "status", "dietary_needs", "access_needs"]


@admin.register(Event)
class EventAdmin(MatchmakingEventAdminMixin, TranslatedHistoryAdmin):
    cluster_scope = ("cluster",)
    scope_required_fields = ("cluster",)
    list_display = [
        "title",
        "kind",
        "starts_at",
        "time_zone",
        "municipality",
        "organizer",
        "cluster",
        "is_published",
    ]
    list_filter = ["kind", "is_published", ("cluster", ScopedClusterFilter), "time_zone"]
    list_select_related = ["municipality", "organizer", "cluster"]
    search_fields = all_languages("title")
    autocomplete_fields = ["organizer", "cluster", "project", "municipality"]
    date_hierarchy = "starts_at"
    inlines = [RegistrationInline]


@admin.register(Registration)
class RegistrationAdmin(ScopedAdmin):
    cluster_scope = ("event__cluster",)
    list_display = ["name", "email", "organization_name", "event", "status", "created_at"]
    # Only the events of the registrations the user sees (their clusters'), not every event.
    list_filter = ["status", ("event", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["event"]
    search_fields = ["name", "email", "organization_name"]
    autocomplete_fields = ["event"]
    readonly_fields = ["created_at", "updated_at"]


class VisitParticipantInline(ScopedTabularInline):
    model = VisitParticipant


@admin.register(VisitRequest)
class VisitRequestAdmin(ModerationAdminMixin, ScopedAdmin):
    cluster_scope = ("cluster",)
    list_display = [
        "name",
        "email",
        "cluster",
        "main_goal",
        "expected_participants",
        "status",
        "created_at",
    ]
    list_filter = ["status", "main_goal", ("cluster", ScopedClusterFilter)]
    list_select_related = ["cluster"]
    search_fields = ["name", "email", "purpose"]
    autocomplete_fields = ["cluster"]
    readonly_fields = ["created_at", "updated_at", "language"]
    inlines = [VisitParticipantInline]

    def has_add_permission(self, request):
        # Visit requests come from the public "Book a visit" form.
        return False
