from django.contrib import admin

from portal.admin_base import TranslatedHistoryAdmin, all_languages

from .models import Event, Registration, VisitParticipant, VisitRequest


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    fields = ["name", "organization_name", "email", "status", "dietary_needs", "access_needs"]


@admin.register(Event)
class EventAdmin(TranslatedHistoryAdmin):
    list_display = ["title", "kind", "starts_at", "time_zone", "municipality", "organizer", "is_published"]
    list_filter = ["kind", "is_published", "cluster", "time_zone"]
    list_select_related = ["municipality", "organizer"]
    search_fields = all_languages("title")
    autocomplete_fields = ["organizer", "cluster", "project", "municipality"]
    date_hierarchy = "starts_at"
    inlines = [RegistrationInline]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "organization_name", "event", "status", "created_at"]
    list_filter = ["status", "event"]
    list_select_related = ["event"]
    search_fields = ["name", "email", "organization_name"]
    autocomplete_fields = ["event"]
    readonly_fields = ["created_at", "updated_at"]


class VisitParticipantInline(admin.TabularInline):
    model = VisitParticipant
    extra = 0


@admin.register(VisitRequest)
class VisitRequestAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "cluster", "main_goal", "expected_participants", "status", "created_at"]
    list_filter = ["status", "main_goal", "cluster"]
    list_select_related = ["cluster"]
    search_fields = ["name", "email", "purpose"]
    autocomplete_fields = ["cluster"]
    readonly_fields = ["created_at", "updated_at", "language"]
    inlines = [VisitParticipantInline]
