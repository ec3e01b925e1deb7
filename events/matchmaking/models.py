"""Matchmaking models (app label ``events``).

Double booking is made impossible by the database, not only by checks in Python: a meeting holds
one table of one slot (``meeting_unique_table``), and each participant's seat in a slot is a row of
``MeetingSeat``, unique per (slot, participant) (``seat_unique_participant``). A request between
two participants can be active (pending or accepted) only once per direction.
"""

import secrets

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clusters.models import TimeStampedModel
from companies.models import Capability, Certification, Company, Material, SpokenLanguage


def new_token():
    """An unguessable private link token (256 bits)."""
    return secrets.token_urlsafe(32)


class MeetingSlot(models.Model):
    """A time at which meetings are held, at ``tables`` tables (the organiser defines them)."""

    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="meeting_slots",
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    tables = models.PositiveSmallIntegerField(_("tables"), default=10)

    class Meta:
        verbose_name = _("meeting slot")
        verbose_name_plural = _("meeting slots")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="slot_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))
            ),
            models.CheckConstraint(name="slot_has_tables", condition=Q(tables__gte=1)),
            models.UniqueConstraint(fields=["event", "starts_at"], name="slot_unique_start"),
        ]

    def __str__(self):
        start = timezone.localtime(self.starts_at, self.event.tz)
        end = timezone.localtime(self.ends_at, self.event.tz)
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"

    @property
    def local_starts_at(self):
        return timezone.localtime(self.starts_at, self.event.tz)

    @property
    def local_ends_at(self):
        return timezone.localtime(self.ends_at, self.event.tz)


class MatchmakingProfileQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(is_visible=True, registration__status="confirmed")

    def with_details(self):
        return self.select_related(
            "registration", "company", "company__municipality"
        ).prefetch_related(
            "offered_capabilities",
            "sought_capabilities",
            "sought_materials",
            "sought_certifications",
            "languages",
            "company__capabilities",
            "company__materials",
        )


class MatchmakingProfile(TimeStampedModel):
    """A participant of a matchmaking event: one per registration."""

    registration = models.OneToOneField(
        "events.Registration",
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="matchmaking_profile",
    )
    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="matchmaking_profiles",
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="matchmaking_profiles",
        help_text=_("The participant's company in the directory, if it is there."),
    )
    presentation = models.TextField(
        _("short presentation"),
        max_length=1500,
        blank=True,
        help_text=_("Who you are and what you do, in your own language."),
    )
    offers = models.TextField(_("what we offer"), max_length=1000, blank=True)
    needs = models.TextField(_("what we are looking for"), max_length=1000, blank=True)
    offered_capabilities = models.ManyToManyField(
        Capability, verbose_name=_("capabilities offered"), blank=True, related_name="+"
    )
    sought_capabilities = models.ManyToManyField(
        Capability, verbose_name=_("capabilities sought"), blank=True, related_name="+"
    )
    sought_materials = models.ManyToManyField(
        Material, verbose_name=_("materials sought"), blank=True, related_name="+"
    )
    sought_certifications = models.ManyToManyField(
        Certification, verbose_name=_("certifications sought"), blank=True, related_name="+"
    )
    languages = models.ManyToManyField(
        SpokenLanguage, verbose_name=_("languages spoken"), blank=True, related_name="+"
    )
    unavailable_slots = models.ManyToManyField(
        MeetingSlot,
        verbose_name=_("not available in these slots"),
        blank=True,
        related_name="unavailable_profiles",
    )
    is_visible = models.BooleanField(
        _("shown to other participants"),
        default=True,
        help_text=_("Organisers hide a profile that breaks the event's rules."),
    )
    access_token = models.CharField(
        _("private link"), max_length=64, unique=True, default=new_token, editable=False
    )

    objects = MatchmakingProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("matchmaking profile")
        verbose_name_plural = _("matchmaking profiles")
        ordering = ["registration__organization_name", "registration__name", "pk"]
        indexes = [models.Index(fields=["event", "is_visible"], name="mm_profile_event_idx")]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        registration = self.registration
        organisation = self.company.name if self.company_id else registration.organization_name
        return f"{registration.name}, {organisation}" if organisation else registration.name

    @property
    def organisation(self):
        return self.company.name if self.company_id else self.registration.organization_name

    @property
    def language(self):
        return self.registration.language

    @property
    def email(self):
        return self.registration.email

    @property
    def country(self):
        return str(self.company.country) if self.company_id else ""

    def renew_token(self):
        """Revoke the private link: the old one stops working at once."""
        self.access_token = new_token()
        self.save(update_fields=["access_token", "updated_at"])


class MeetingRequestQuerySet(models.QuerySet):
    def active(self):
        return self.filter(
            status__in=[MeetingRequest.Status.PENDING, MeetingRequest.Status.ACCEPTED]
        )

    def involving(self, profile):
        return self.filter(Q(sender=profile) | Q(receiver=profile))


class MeetingRequest(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="meeting_requests",
    )
    sender = models.ForeignKey(
        MatchmakingProfile,
        verbose_name=_("from"),
        on_delete=models.CASCADE,
        related_name="sent_requests",
    )
    receiver = models.ForeignKey(
        MatchmakingProfile,
        verbose_name=_("to"),
        on_delete=models.CASCADE,
        related_name="received_requests",
    )
    message = models.TextField(_("message"), max_length=1000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    expires_at = models.DateTimeField(_("expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    cancelled_by = models.ForeignKey(
        MatchmakingProfile,
        verbose_name=_("cancelled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = MeetingRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting request")
        verbose_name_plural = _("meeting requests")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.CheckConstraint(name="request_not_to_self", condition=~Q(sender=F("receiver"))),
            models.UniqueConstraint(
                fields=["sender", "receiver"],
                condition=Q(status__in=["pending", "accepted"]),
                name="request_unique_active",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="mm_request_due_idx"),
        ]

    def __str__(self):
        return f"{self.sender} → {self.receiver}"

    def other_side(self, profile):
        return self.receiver if profile.pk == self.sender_id else self.sender


class Meeting(TimeStampedModel):
    """An accepted request's slot and table."""

    request = models.OneToOneField(
        MeetingRequest,
        verbose_name=_("meeting request"),
        on_delete=models.CASCADE,
        related_name="meeting",
    )
    event = models.ForeignKey(
        "events.Event", verbose_name=_("event"), on_delete=models.CASCADE, related_name="meetings"
    )
    slot = models.ForeignKey(
        MeetingSlot, verbose_name=_("slot"), on_delete=models.PROTECT, related_name="meetings"
    )
    table = models.PositiveSmallIntegerField(_("table"))

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["slot__starts_at", "table"]
        constraints = [
            models.UniqueConstraint(fields=["slot", "table"], name="meeting_unique_table"),
            models.CheckConstraint(name="meeting_table_positive", condition=Q(table__gte=1)),
        ]

    def __str__(self):
        return _("%(slot)s, table %(table)s: %(request)s") % {
            "slot": self.slot,
            "table": self.table,
            "request": self.request,
        }

    @property
    def participants(self):
        return [self.request.sender, self.request.receiver]


class MeetingSeat(models.Model):
    """A participant's place in a slot: unique per (slot, participant), so the database refuses
    a second meeting for anyone in the same slot."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="seats")
    slot = models.ForeignKey(MeetingSlot, on_delete=models.CASCADE, related_name="seats")
    profile = models.ForeignKey(MatchmakingProfile, on_delete=models.CASCADE, related_name="seats")

    class Meta:
        verbose_name = _("meeting seat")
        verbose_name_plural = _("meeting seats")
        constraints = [
            models.UniqueConstraint(fields=["slot", "profile"], name="seat_unique_participant"),
        ]

    def __str__(self):
        return f"{self.slot}: {self.profile}"


class MeetingFeedback(TimeStampedModel):
    """One participant's answer about one meeting: right after the event, and six months later."""

    class Round(models.TextChoices):
        AFTER_EVENT = "after_event", _("After the event")
        SIX_MONTHS = "six_months", _("Six months later")

    class Outcome(models.TextChoices):
        NONE = "none", _("No result")
        FOLLOW_UP = "follow_up", _("Follow-up agreed")
        NEGOTIATION = "negotiation", _("Negotiation started")
        AGREEMENT = "agreement", _("Agreement signed")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="feedback"
    )
    profile = models.ForeignKey(
        MatchmakingProfile,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="feedback",
    )
    round = models.CharField(_("survey"), max_length=12, choices=Round.choices)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    held = models.BooleanField(_("the meeting was held"), null=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    note = models.TextField(_("note"), max_length=1000, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting survey answer")
        verbose_name_plural = _("meeting survey answers")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "profile", "round"], name="feedback_unique_round"
            ),
        ]

    def __str__(self):
        return f"{self.profile} – {self.get_round_display()}"

    @property
    def led_to_cooperation(self):
        return self.outcome in {
            self.Outcome.FOLLOW_UP,
            self.Outcome.NEGOTIATION,
            self.Outcome.AGREEMENT,
        }


COOPERATION_OUTCOMES = [
    MeetingFeedback.Outcome.FOLLOW_UP,
    MeetingFeedback.Outcome.NEGOTIATION,
    MeetingFeedback.Outcome.AGREEMENT,
]

__all__ = [
    "COOPERATION_OUTCOMES",
    "MatchmakingProfile",
    "Meeting",
    "MeetingFeedback",
    "MeetingRequest",
    "MeetingSeat",
    "MeetingSlot",
]
