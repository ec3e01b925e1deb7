"""Events (seminars, fairs, matchmaking, study visits), registrations and visit requests."""

import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clusters.models import Cluster, Municipality, Organization, TimeStampedModel
from clusters.slugs import SluggedMixin

from .matchmaking.models import (  # noqa: F401 (the matchmaking models belong to this app)
    COOPERATION_OUTCOMES,
    MatchmakingProfile,
    Meeting,
    MeetingFeedback,
    MeetingRequest,
    MeetingSeat,
    MeetingSlot,
)

# The zones of the countries the portal serves; an event's times are shown in its own zone.
EVENT_TIME_ZONES = [
    ("Europe/Helsinki", "Europe/Helsinki"),
    ("Europe/Stockholm", "Europe/Stockholm"),
    ("Europe/Warsaw", "Europe/Warsaw"),
    ("Europe/Vilnius", "Europe/Vilnius"),
    ("Europe/Oslo", "Europe/Oslo"),
    ("Europe/Tallinn", "Europe/Tallinn"),
    ("Europe/Riga", "Europe/Riga"),
    ("Europe/Berlin", "Europe/Berlin"),
    ("Europe/Brussels", "Europe/Brussels"),
    ("UTC", "UTC"),
]


class EventQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def upcoming(self, now=None):
        return self.filter(ends_at__gte=now or timezone.now()).order_by("starts_at")

    def past(self, now=None):
        return self.filter(ends_at__lt=now or timezone.now()).order_by("-starts_at")

    def in_cluster(self, cluster):
        return self.filter(cluster=cluster)

    def in_country(self, country):
        """Events held in a town of the country (online-only events have no town)."""
        return self.filter(municipality__region__country=country)

    def overlapping(self, start, end):
        """Events running at some moment of [start, end), e.g. a calendar month."""
        return self.filter(starts_at__lt=end, ends_at__gte=start)

    def with_registration_counts(self):
        """Annotate ``confirmed_count``: confirmed registrations (for "places left")."""
        return self.annotate(
            confirmed_count=models.Count(
                "registrations", filter=Q(registrations__status=Registration.Status.CONFIRMED)
            )
        )


class Event(SluggedMixin, TimeStampedModel):
    class Kind(models.TextChoices):
        SEMINAR = "seminar", _("Seminar")
        FAIR = "fair", _("Trade fair")
        MATCHMAKING = "matchmaking", _("Matchmaking")
        BUSINESS_MEETING = "business_meeting", _("Business meeting")
        STUDY_VISIT = "study_visit", _("Study visit")
        PROJECT_MEETING = "project_meeting", _("Project meeting")
        WORKSHOP = "workshop", _("Workshop")
        WEBINAR = "webinar", _("Webinar")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    programme = models.TextField(
        _("programme"), blank=True, help_text=_("One item per line, e.g. 09:00 Welcome.")
    )
    organizer = models.ForeignKey(
        Organization,
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="organized_events",
    )
    cluster = models.ForeignKey(
        Cluster,
        verbose_name=_("cluster"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    time_zone = models.CharField(
        _("time zone"), max_length=40, choices=EVENT_TIME_ZONES, default="Europe/Helsinki"
    )
    venue_name = models.CharField(_("venue"), max_length=200, blank=True)
    venue_address = models.CharField(_("venue address"), max_length=250, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("town"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
    )
    online_url = models.URLField(_("online meeting address"), blank=True)
    registration_open = models.BooleanField(_("registration open"), default=False)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    registration_deadline = models.DateTimeField(_("registration deadline"), null=True, blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    matchmaking_deadline = models.DateTimeField(
        _("meeting requests until"),
        null=True,
        blank=True,
        help_text=_(
            "Matchmaking events: pending meeting requests expire at this time (by default when "
            "the event starts)."
        ),
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                name="event_ends_after_start", condition=Q(ends_at__gte=models.F("starts_at"))
            ),
            models.CheckConstraint(
                name="event_capacity_positive",
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0),
            ),
        ]
        indexes = [
            # upcoming / past lists of published events
            models.Index(
                fields=["is_published", "ends_at", "starts_at"], name="event_published_time_idx"
            ),
        ]

    def __str__(self):
        return self.title

    def slug_source(self):
        year = self.starts_at.year if self.starts_at else ""
        return f"{self.title_en or self.title} {year}"

    def get_absolute_url(self):
        return reverse("events:detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": _("The event cannot end before it starts.")})
        if (
            self.registration_deadline
            and self.ends_at
            and self.registration_deadline > self.ends_at
        ):
            raise ValidationError(
                {"registration_deadline": _("The registration deadline is after the event.")}
            )

    @property
    def tz(self):
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    @property
    def local_starts_at(self):
        return timezone.localtime(self.starts_at, self.tz)

    @property
    def local_ends_at(self):
        return timezone.localtime(self.ends_at, self.tz)

    @property
    def has_matchmaking(self):
        return self.kind == self.Kind.MATCHMAKING

    def request_deadline(self):
        return self.matchmaking_deadline or self.starts_at

    def programme_lines(self):
        return [line.strip() for line in (self.programme or "").splitlines() if line.strip()]

    def accepts_registrations(self, now=None):
        now = now or timezone.now()
        if not self.registration_open or self.starts_at < now:
            return False
        return self.registration_deadline is None or now <= self.registration_deadline

    def places_left(self):
        """Free places, or None for an event without a capacity limit.

        Counts the confirmed registrations, or reads ``confirmed_count`` where the event comes
        from ``with_registration_counts()``.
        """
        if self.capacity is None:
            return None
        confirmed = getattr(self, "confirmed_count", None)
        if confirmed is None:
            confirmed = self.registrations.filter(status=Registration.Status.CONFIRMED).count()
        return max(self.capacity - confirmed, 0)


class Registration(TimeStampedModel):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITING = "waiting", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="registrations"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=120)
    organization_name = models.CharField(_("organisation"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"))
    dietary_needs = models.CharField(_("dietary needs"), max_length=300, blank=True)
    access_needs = models.CharField(_("accessibility needs"), max_length=300, blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="en"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED, db_index=True
    )
    cancel_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email"],
                condition=~Q(status="cancelled"),
                name="unique_active_registration",
            ),
        ]

    def __str__(self):
        return f"{self.name} – {self.event}"


class VisitRequest(TimeStampedModel):
    """The "Book a visit" form: a delegation asks to visit the region and meet companies."""

    class MainGoal(models.TextChoices):
        BUSINESS = "business", _("Finding business partners or suppliers")
        INVESTMENT = "investment", _("Investment or establishing a business")
        LEARNING = "learning", _("Learning about solutions and good practice")
        RESEARCH = "research", _("Research and innovation cooperation")
        POLICY = "policy", _("Public sector and regional development")
        OTHER = "other", _("Something else")

    class FocusArea(models.TextChoices):
        METAL = "metal", _("Metal and engineering")
        ENERGY = "energy", _("Energy and renewable energy")
        WATER = "water", _("Water and wastewater")
        WASTE = "waste", _("Waste management and recycling")
        BIOECONOMY = "bioeconomy", _("Bioeconomy, pulp, paper and wood")
        MOBILITY = "mobility", _("Transport and mobility")
        BUILDINGS = "buildings", _("Construction and buildings")
        DIGITAL = "digital", _("Automation and digitalisation")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")

    cluster = models.ForeignKey(
        Cluster,
        verbose_name=_("cluster or region to visit"),
        on_delete=models.PROTECT,
        related_name="visit_requests",
    )
    main_goal = models.CharField(
        _("main goal of the visit"), max_length=20, choices=MainGoal.choices
    )
    purpose = models.TextField(_("purpose of the visit"))
    focus_areas = models.JSONField(_("focus areas"), default=list, blank=True)
    focus_explanation = models.TextField(_("explanation of the focus areas"), blank=True)
    wants_to_meet_companies = models.BooleanField(_("wants to meet companies"), default=False)
    company_types = models.TextField(_("kinds of companies to meet"), blank=True)
    special_wishes = models.TextField(_("special wishes"), blank=True)
    preferred_dates = models.CharField(_("preferred dates"), max_length=250)
    expected_participants = models.PositiveSmallIntegerField(
        _("expected number of participants"),
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )
    organiser_contact = models.TextField(
        _("contact details of the organiser acting on your behalf"), blank=True
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=120)
    email = models.EmailField(_("e-mail"))
    message = models.TextField(_("message"), blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="en"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW, db_index=True
    )
    internal_notes = models.TextField(_("internal notes"), blank=True)

    class Meta:
        verbose_name = _("visit request")
        verbose_name_plural = _("visit requests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="visit_participants_range",
                condition=Q(expected_participants__gte=1, expected_participants__lte=500),
            ),
        ]

    def __str__(self):
        return (
            f"{self.name} → {self.cluster} ({self.created_at:%Y-%m-%d})"
            if self.created_at
            else self.name
        )

    def focus_area_labels(self):
        labels = dict(self.FocusArea.choices)
        return [labels.get(code, code) for code in self.focus_areas or []]


class VisitParticipant(models.Model):
    visit_request = models.ForeignKey(
        VisitRequest, on_delete=models.CASCADE, related_name="participants"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=120)
    organization_name = models.CharField(_("organisation"), max_length=200, blank=True)
    title = models.CharField(_("title or role"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name
