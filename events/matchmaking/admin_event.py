"""The organiser's matchmaking tools on the event's admin page (``MatchmakingEventAdminMixin``,
mixed into ``events.admin.EventAdmin``): the meeting slots and their tables (the request deadline
is the event's own field), "Schedule accepted meeting requests" (an action of the change list and
a button of the change page), the printable table plan, the exports of participants and meetings
(CSV, XLSX) and the matchmaking figures. Every page takes the event through the scoped
``get_object``: another cluster's event is not found.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from clusters.admin_base import ScopedTabularInline

from . import exports, services
from .models import Meeting, MeetingSlot

EXPORT_KINDS = ("participants", "meetings")


# --- The event: slots, bulk scheduling, table plan, exports, figures ----------------------------


class MeetingSlotForm(forms.ModelForm):
    class Meta:
        model = MeetingSlot
        fields = ["starts_at", "ends_at", "tables"]

    def clean(self):
        cleaned = super().clean()
        tables = cleaned.get("tables")
        if self.instance.pk and tables:
            highest = self.instance.meetings.order_by("-table").values_list("table", flat=True)
            highest = highest.first()
            if highest and tables < highest:
                self.add_error(
                    "tables",
                    _(
                        "A meeting is at table %(table)d in this slot: move it before removing "
                        "tables."
                    )
                    % {"table": highest},
                )
        return cleaned


class MeetingSlotInline(ScopedTabularInline):
    model = MeetingSlot
    form = MeetingSlotForm
    fields = ["starts_at", "ends_at", "tables"]
    verbose_name_plural = _("matchmaking: meeting slots and tables")


def schedule_and_report(model_admin, request, event):
    """Bulk-schedule ``event``'s accepted requests; say how many meetings were made and how many
    accepted requests are still without a slot."""
    if not event.meeting_slots.exists():
        model_admin.message_user(
            request,
            _("%(event)s has no meeting slots: add them first.") % {"event": event},
            messages.WARNING,
        )
        return
    try:
        created = services.schedule_event(event)
    except IntegrityError:
        model_admin.message_user(
            request,
            _("%(event)s: a participant booked meanwhile. Nothing was changed; try again.")
            % {"event": event},
            messages.ERROR,
        )
        return
    model_admin.message_user(
        request,
        ngettext(
            "%(event)s: %(count)d meeting was scheduled.",
            "%(event)s: %(count)d meetings were scheduled.",
            len(created),
        )
        % {"event": event, "count": len(created)},
        messages.SUCCESS,
    )
    left = exports.unscheduled_count(event)
    if left:
        model_admin.message_user(
            request,
            ngettext(
                "%(event)s: %(count)d accepted request has no slot yet (add slots or tables, "
                "or move meetings).",
                "%(event)s: %(count)d accepted requests have no slot yet (add slots or tables, "
                "or move meetings).",
                left,
            )
            % {"event": event, "count": left},
            messages.WARNING,
        )


def matchmaking_summary(event):
    """The figures shown on the event's page and its table plan (services.results: requested,
    scheduled, held, led to cooperation), with the counts the organiser acts on."""
    return {
        "figures": services.results([event.pk]),
        "requests": exports.request_counts(event),
        "unscheduled": exports.unscheduled_count(event),
        "profiles": event.matchmaking_profiles.count(),
        "slots": event.meeting_slots.count(),
        "formats": list(exports.FORMATS),
    }


class MatchmakingEventAdminMixin:
    """Mixed into EventAdmin (before its base): the organiser's matchmaking tools on the event."""

    actions = ["schedule_accepted_requests"]

    def get_inline_instances(self, request, obj=None):
        instances = super().get_inline_instances(request, obj)
        for inline in instances:
            if isinstance(inline, MeetingSlotInline) and not (obj and obj.has_matchmaking):
                inline.classes = ["collapse"]  # other kinds of event rarely need slots
        return instances

    def get_inlines(self, request, obj):
        return [*super().get_inlines(request, obj), MeetingSlotInline]

    @admin.action(description=_("Schedule accepted meeting requests"), permissions=["change"])
    def schedule_accepted_requests(self, request, queryset):
        for event in queryset:
            schedule_and_report(self, request, event)

    # -- pages of one event

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/table-plan/",
                view(self.table_plan_view),
                name="{}_{}_table_plan".format(*info),
            ),
            path(
                "<path:object_id>/matchmaking/schedule/",
                view(self.schedule_view),
                name="{}_{}_schedule".format(*info),
            ),
            path(
                "<path:object_id>/matchmaking/<str:kind>.<str:file_format>",
                view(self.export_view),
                name="{}_{}_matchmaking_export".format(*info),
            ),
            *super().get_urls(),
        ]

    def _event_or_404(self, request, object_id, *, change=False):
        event = self.get_object(request, unquote(str(object_id)))
        if event is None:
            raise Http404(_("No such object, or not one of yours."))
        allowed = (
            self.has_change_permission(request, event)
            if change
            else self.has_view_permission(request, event)
        )
        if not allowed:
            raise PermissionDenied
        return event

    def _change_url(self, event):
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[event.pk]
        )

    def schedule_view(self, request, object_id):
        event = self._event_or_404(request, object_id, change=True)
        if request.method == "POST":
            schedule_and_report(self, request, event)
        return HttpResponseRedirect(self._change_url(event))

    def export_view(self, request, object_id, kind, file_format):
        event = self._event_or_404(request, object_id)
        if kind not in EXPORT_KINDS or file_format not in exports.FORMATS:
            raise Http404(_("No such export."))
        content, content_type, filename = exports.export(kind, event, file_format)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def table_plan_view(self, request, object_id):
        event = self._event_or_404(request, object_id)
        slots = list(event.meeting_slots.select_related("event").order_by("starts_at", "pk"))
        meetings = Meeting.objects.filter(event=event).select_related(
            "request__sender__registration",
            "request__sender__company",
            "request__receiver__registration",
            "request__receiver__company",
        )
        by_place = {(m.slot_id, m.table): m for m in meetings}
        width = max((slot.tables for slot in slots), default=0)
        rows = [
            {
                "slot": slot,
                "cells": [
                    {
                        "table": table,
                        "exists": table <= slot.tables,
                        "meeting": by_place.get((slot.pk, table)),
                    }
                    for table in range(1, width + 1)
                ],
            }
            for slot in slots
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": event,
            "event": event,
            "title": _("Table plan: %(event)s") % {"event": event},
            "tables": range(1, width + 1),
            "rows": rows,
            "matchmaking": matchmaking_summary(event),
            "has_change_permission": self.has_change_permission(request, event),
        }
        return TemplateResponse(request, "admin/events/event/table_plan.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        event = self.get_object(request, unquote(str(object_id)))
        if event is not None and (event.has_matchmaking or event.meeting_slots.exists()):
            extra_context["matchmaking"] = matchmaking_summary(event)
        return super().change_view(request, object_id, form_url, extra_context)
