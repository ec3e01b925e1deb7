"""The organiser's side of matchmaking in the admin, scoped like every admin page: the event's
cluster coordinators see and change their clusters' matchmaking only (404 for another cluster's,
whatever URL is typed); administrators see all.

- On the event (``admin_event.MatchmakingEventAdminMixin``, mixed into
  ``events.admin.EventAdmin``): slots and tables, bulk scheduling, table plan, exports, figures.
- Participants' profiles: hide one, or send a new private link (the old one stops working).
- Requests: read them all; cancel one.
- Meetings: move one to another slot or table; the database's constraints have the last word.
"""

from django import forms
from django.contrib import admin, messages
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from clusters.admin_base import ScopedAdmin, ScopedTabularInline
from clusters.emails import send_templated_email

from . import services
from .admin_event import MatchmakingEventAdminMixin
from .models import (
    MatchmakingProfile,
    Meeting,
    MeetingFeedback,
    MeetingRequest,
    MeetingSeat,
    MeetingSlot,
)

__all__ = [
    "MatchmakingEventAdminMixin",
    "MatchmakingProfileAdmin",
    "MeetingAdmin",
    "MeetingRequestAdmin",
]


def _count(model, field, **filters):
    """A subquery counting ``model`` rows whose ``field`` is the outer profile (no join
    multiplication in the change list)."""
    rows = (
        model.objects.filter(**{field: OuterRef("pk")}, **filters)
        .order_by()
        .values(field)
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(rows), 0)


# --- Participants' profiles ------------------------------------------------------------------


class MatchmakingProfileAdmin(ScopedAdmin):
    cluster_scope = ("event__cluster",)
    coordinators_may_delete = False  # hide it instead (is_visible)
    list_display = [
        "name",
        "organisation_name",
        "company",
        "event",
        "is_visible",
        "request_count",
        "meeting_count",
    ]
    list_filter = [("event", admin.RelatedOnlyFieldListFilter), "is_visible"]
    list_select_related = ["registration", "company", "event"]
    search_fields = [
        "registration__name",
        "registration__organization_name",
        "registration__email",
        "company__name",
        "offers",
        "needs",
    ]
    fields = [
        "registration",
        "event",
        "company",
        "is_visible",
        "presentation",
        "offers",
        "needs",
        "offered_capabilities_list",
        "sought_capabilities_list",
        "sought_materials_list",
        "sought_certifications_list",
        "languages_list",
        "unavailable_slots_list",
        "created_at",
        "updated_at",
    ]
    # The access token is never shown: it is the participant's password.
    readonly_fields = [
        "registration",
        "event",
        "company",
        "offered_capabilities_list",
        "sought_capabilities_list",
        "sought_materials_list",
        "sought_certifications_list",
        "languages_list",
        "unavailable_slots_list",
        "created_at",
        "updated_at",
    ]
    actions = ["send_new_link"]

    def has_add_permission(self, request):
        return False  # a profile comes with a registration to a matchmaking event

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                sent=_count(MeetingRequest, "sender"),
                received=_count(MeetingRequest, "receiver"),
                seated=_count(MeetingSeat, "profile"),
            )
        )

    @admin.display(description=_("name"), ordering="registration__name")
    def name(self, obj):
        return obj.registration.name

    @admin.display(description=_("organisation"), ordering="registration__organization_name")
    def organisation_name(self, obj):
        return obj.organisation

    @admin.display(description=_("requests (sent/received)"))
    def request_count(self, obj):
        return f"{obj.sent}/{obj.received}"

    @admin.display(description=_("meetings"), ordering="seated")
    def meeting_count(self, obj):
        return obj.seated

    def _listed(self, objects):
        return ", ".join(str(obj) for obj in objects) or "–"

    @admin.display(description=_("capabilities offered"))
    def offered_capabilities_list(self, obj):
        return self._listed(obj.offered_capabilities.all())

    @admin.display(description=_("capabilities sought"))
    def sought_capabilities_list(self, obj):
        return self._listed(obj.sought_capabilities.all())

    @admin.display(description=_("materials sought"))
    def sought_materials_list(self, obj):
        return self._listed(obj.sought_materials.all())

    @admin.display(description=_("certifications sought"))
    def sought_certifications_list(self, obj):
        return self._listed(obj.sought_certifications.all())

    @admin.display(description=_("languages spoken"))
    def languages_list(self, obj):
        return self._listed(obj.languages.all())

    @admin.display(description=_("not available in these slots"))
    def unavailable_slots_list(self, obj):
        return self._listed(obj.unavailable_slots.select_related("event"))

    @admin.action(description=_("Send a new private link"), permissions=["change"])
    def send_new_link(self, request, queryset):
        sent = 0
        for profile in queryset.select_related("registration", "event"):
            with transaction.atomic():
                profile.renew_token()
                sent += send_templated_email(
                    "matchmaking/new_link",
                    {
                        "profile": profile,
                        "event": profile.event,
                        "access_url": services.access_url(profile),
                    },
                    [profile.email],
                    language=profile.language,
                )
        self.message_user(
            request,
            ngettext(
                "A new private link was sent to %(count)d participant; the old link no longer "
                "works.",
                "A new private link was sent to %(count)d participants; their old links no "
                "longer work.",
                sent,
            )
            % {"count": sent},
            messages.SUCCESS,
        )


# --- Requests --------------------------------------------------------------------------------


class MeetingRequestAdmin(ScopedAdmin):
    cluster_scope = ("event__cluster",)
    coordinators_may_delete = False  # cancel instead
    list_display = [
        "sender",
        "receiver",
        "event",
        "status",
        "created_at",
        "expires_at",
        "meeting_place",
    ]
    list_filter = ["status", ("event", admin.RelatedOnlyFieldListFilter)]
    list_select_related = [
        "event",
        "sender__registration",
        "sender__company",
        "receiver__registration",
        "receiver__company",
        "meeting__slot__event",
    ]
    search_fields = [
        "sender__registration__name",
        "sender__registration__organization_name",
        "receiver__registration__name",
        "receiver__registration__organization_name",
    ]
    fields = [
        "event",
        "sender",
        "receiver",
        "message",
        "status",
        "created_at",
        "expires_at",
        "answered_at",
        "reminders_sent",
        "reminded_at",
        "cancelled_by",
        "meeting_place",
    ]
    readonly_fields = fields
    actions = ["cancel_selected"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("meeting"))
    def meeting_place(self, obj):
        meeting = getattr(obj, "meeting", None)
        if meeting is None:
            return "–"
        return _("%(slot)s, table %(table)d") % {"slot": meeting.slot, "table": meeting.table}

    @admin.action(description=_("Cancel the selected requests"), permissions=["change"])
    def cancel_selected(self, request, queryset):
        selected = list(queryset)
        cancelled = sum(1 for item in selected if services.cancel_by_organiser(item))
        self.message_user(
            request,
            ngettext(
                "%(count)d request was cancelled (its meeting, if any, is freed); both "
                "participants are told by e-mail.",
                "%(count)d requests were cancelled (their meetings, if any, are freed); both "
                "participants are told by e-mail.",
                cancelled,
            )
            % {"count": cancelled},
            messages.SUCCESS,
        )
        skipped = len(selected) - cancelled
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d request was left as it was: declined, expired or cancelled "
                    "already, or its meeting has begun.",
                    "%(count)d requests were left as they were: declined, expired or "
                    "cancelled already, or their meetings have begun.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


# --- Meetings --------------------------------------------------------------------------------


class MeetingMoveRefused(Exception):
    """The database refused a move (a booking meanwhile): the form is shown again with this."""


class MeetingMoveForm(forms.ModelForm):
    """Move a meeting: another slot of its event, or another table; checked here for a clear
    message, and by the database's constraints when it is saved."""

    class Meta:
        model = Meeting
        fields = ["slot", "table"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slot" in self.fields:
            self.fields["slot"].queryset = MeetingSlot.objects.filter(
                event_id=self.instance.event_id
            ).select_related("event")
            self.fields["slot"].widget.can_add_related = False
            self.fields["slot"].widget.can_change_related = False
            self.fields["slot"].widget.can_view_related = False
        if "table" in self.fields:
            self.fields["table"].min_value = 1
            self.fields["table"].widget.attrs["min"] = 1

    def clean(self):
        cleaned = super().clean()
        slot, table = cleaned.get("slot"), cleaned.get("table")
        if slot is None or table is None:
            return cleaned
        meeting = self.instance
        if table > slot.tables:
            self.add_error(
                "table",
                ngettext(
                    "This slot has %(count)d table.", "This slot has %(count)d tables.", slot.tables
                )
                % {"count": slot.tables},
            )
        elif self.check_free(slot, table):
            taken = Meeting.objects.filter(slot=slot, table=table).exclude(pk=meeting.pk).first()
            if taken is not None:
                self.add_error(
                    "table",
                    _("Table %(table)d is taken in this slot: %(meeting)s.")
                    % {"table": table, "meeting": taken.request},
                )
        if self.check_free(slot, table):
            people = [meeting.request.sender, meeting.request.receiver]
            busy = (
                MeetingSeat.objects.filter(slot=slot, profile__in=people)
                .exclude(meeting=meeting)
                .select_related("meeting", "profile__registration", "profile__company")
            )
            for seat in busy:
                self.add_error(
                    "slot",
                    _("%(person)s has another meeting in this slot (table %(table)d).")
                    % {"person": seat.profile, "table": seat.meeting.table},
                )
        return cleaned

    def check_free(self, slot, table):
        """Whether to look for clashes before saving (the database checks them anyway)."""
        return True


class MeetingFeedbackInline(ScopedTabularInline):
    model = MeetingFeedback
    fields = ["profile", "round", "held", "outcome", "note", "answered_at"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = _("survey answers")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MeetingAdmin(ScopedAdmin):
    cluster_scope = ("event__cluster",)
    coordinators_may_delete = False  # cancel the request instead
    form = MeetingMoveForm
    list_display = ["slot", "table", "participant_a", "participant_b", "event"]
    list_display_links = ["slot", "table"]
    list_filter = [("event", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "slot__starts_at"
    list_select_related = [
        "event",
        "slot__event",
        "request__sender__registration",
        "request__sender__company",
        "request__receiver__registration",
        "request__receiver__company",
    ]
    ordering = ["slot__starts_at", "table"]
    search_fields = [
        "request__sender__registration__name",
        "request__sender__registration__organization_name",
        "request__receiver__registration__name",
        "request__receiver__registration__organization_name",
    ]
    fields = ["event", "participant_a", "participant_b", "request_status", "slot", "table"]
    readonly_fields = ["event", "participant_a", "participant_b", "request_status"]
    inlines = [MeetingFeedbackInline]

    def has_add_permission(self, request):
        return False  # meetings come from accepted requests

    @admin.display(description=_("participant A"))
    def participant_a(self, obj):
        return obj.request.sender

    @admin.display(description=_("participant B"))
    def participant_b(self, obj):
        return obj.request.receiver

    @admin.display(description=_("request status"))
    def request_status(self, obj):
        return obj.request.get_status_display()

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        refused = getattr(request, "_matchmaking_move_refused", None)
        if refused:
            form = type(form.__name__, (_RefusedMoveMixin, form), {"refused_message": refused})
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A move the database refuses (IntegrityError: a booking meanwhile) is rolled back and
        the form shown again with the reason, never a server error."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except MeetingMoveRefused as refused:
            request._matchmaking_move_refused = str(refused)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if not {"slot", "table"} & set(form.changed_data):
            return None
        try:
            services.move_meeting(obj, form.cleaned_data["slot"], form.cleaned_data["table"])
        except IntegrityError as error:
            raise MeetingMoveRefused(
                _("Somebody booked this table or one of the participants in this slot meanwhile.")
            ) from error
        except services.MatchmakingError as error:
            raise MeetingMoveRefused(_("There is no such table in this slot.")) from error
        unavailable = obj.slot.unavailable_profiles.filter(
            pk__in=[obj.request.sender_id, obj.request.receiver_id]
        )
        for profile in unavailable:
            self.message_user(
                request,
                _("%(person)s said they are not available in this slot.") % {"person": profile},
                messages.WARNING,
            )
        return None


class _RefusedMoveMixin:
    refused_message = ""

    def clean(self):
        super().clean()
        raise forms.ValidationError(self.refused_message, code="move_refused")


admin.site.register(MatchmakingProfile, MatchmakingProfileAdmin)
admin.site.register(MeetingRequest, MeetingRequestAdmin)
admin.site.register(Meeting, MeetingAdmin)
