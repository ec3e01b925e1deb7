"""Site-wide domain: clusters, organisations, people, geography, news and static pages."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField

from .slugs import SluggedMixin


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


def split_lines(text: str) -> list[str]:
    """A translated text field kept as one item per line, as a list (bullets on the pages)."""
    return [line.strip(" •-\t") for line in (text or "").splitlines() if line.strip(" •-\t")]


# --- Geography -------------------------------------------------------------------------------


class Region(SluggedMixin, models.Model):
    """A region (maakunta / landskap / województwo / apskritis / län) inside one country."""

    country = CountryField(_("country"))
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["country", "slug"]

    def __str__(self):
        return self.name

    def slug_source(self):
        return self.name_en or self.name


class Municipality(SluggedMixin, models.Model):
    """A town or municipality; names differ by language (Vaasa / Vasa, Kokkola / Karleby)."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="municipalities"
    )
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                name="municipality_latitude_range",
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
            ),
            models.CheckConstraint(
                name="municipality_longitude_range",
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
            ),
        ]

    def __str__(self):
        return self.name

    def slug_source(self):
        return self.name_en or self.name

    @property
    def country(self):
        return self.region.country


# --- Organisations and people ----------------------------------------------------------------


class Organization(SluggedMixin, TimeStampedModel):
    """A development agency, business centre, university, municipality, funder or association."""

    class Kind(models.TextChoices):
        DEVELOPMENT_AGENCY = "development_agency", _("Regional development agency")
        BUSINESS_CENTRE = "business_centre", _("Business centre")
        UNIVERSITY = "university", _("University or college")
        RESEARCH = "research", _("Research institute")
        MUNICIPALITY = "municipality", _("Municipality or city")
        REGIONAL_AUTHORITY = "regional_authority", _("Regional authority")
        FUNDER = "funder", _("Funding body")
        CLUSTER_ORGANISATION = "cluster_organisation", _("Cluster organisation")
        COMPANY = "company", _("Company")
        ASSOCIATION = "association", _("Association")

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(
        _("short name"), max_length=40, blank=True, help_text=_("Acronym such as VASEK or JAMK.")
    )
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, db_index=True)
    description = models.TextField(_("description"), blank=True)
    country = CountryField(_("country"))
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    website = models.URLField(_("website"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="organizations/", blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["slug"]

    def __str__(self):
        return self.short_name or self.name

    def slug_source(self):
        return self.short_name or self.name_en or self.name

    @property
    def display_name(self):
        if self.short_name and self.short_name != self.name:
            return f"{self.name} ({self.short_name})"
        return self.name


class Person(TimeStampedModel):
    """A contact person. Demo and fixture data use invented people at example.org only."""

    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    title = models.CharField(_("title or role"), max_length=150, blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name"]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self):
        return str(self)


# --- Clusters --------------------------------------------------------------------------------


class ClusterQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Cluster(SluggedMixin, TimeStampedModel):
    """A cluster initiative: the metal cluster of Ostrobothnia, The Paper Province, …"""

    class Sector(models.TextChoices):
        METAL = "metal", _("Metal and engineering")
        PAPER = "paper", _("Pulp and paper")
        WOOD = "wood", _("Wood and furniture")
        CLEANTECH = "cleantech", _("Cleantech and energy")
        OTHER = "other", _("Other industries")

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, db_index=True)
    country = CountryField(_("country"), db_index=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clusters",
    )
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    goals = models.TextField(_("goals"), blank=True, help_text=_("One goal per line."))
    member_benefits = models.TextField(
        _("benefits for members"), blank=True, help_text=_("One benefit per line.")
    )
    coordinator = models.ForeignKey(
        Organization,
        verbose_name=_("coordinating organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coordinated_clusters",
    )
    reported_member_count = models.PositiveIntegerField(
        _("companies in the cluster's sector"),
        null=True,
        blank=True,
        help_text=_(
            "The figure the cluster reports, e.g. about 300 metal companies in the region."
        ),
    )
    founded_year = models.PositiveSmallIntegerField(_("founded"), null=True, blank=True)
    logo = models.ImageField(_("logo"), upload_to="clusters/", blank=True)
    website = models.URLField(_("website"), blank=True)
    is_published = models.BooleanField(_("published"), default=True, db_index=True)
    review_profile_changes = models.BooleanField(
        _("review profile changes"),
        default=False,
        help_text=_(
            "Changes that member companies make to their profiles wait for a coordinator's approval."
        ),
    )
    contacts = models.ManyToManyField(
        Person, through="ClusterContact", verbose_name=_("contacts"), blank=True
    )

    objects = ClusterQuerySet.as_manager()

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                name="cluster_founded_year_plausible",
                condition=Q(founded_year__isnull=True)
                | Q(founded_year__gte=1900, founded_year__lte=2100),
            ),
        ]

    def __str__(self):
        return self.name

    def slug_source(self):
        return self.name_en or self.name

    def get_absolute_url(self):
        return reverse("portal:cluster", kwargs={"slug": self.slug})

    def goal_list(self):
        return split_lines(self.goals)

    def benefit_list(self):
        return split_lines(self.member_benefits)


class ClusterContact(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="contact_roles")
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="cluster_roles"
    )
    role = models.CharField(_("role"), max_length=150, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("cluster contact")
        verbose_name_plural = _("cluster contacts")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "person"], name="unique_cluster_contact"),
        ]

    def __str__(self):
        return f"{self.person} – {self.role}" if self.role else str(self.person)


# --- News and static pages -------------------------------------------------------------------


class NewsItemQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True, published_at__lte=timezone.now())


class NewsItem(SluggedMixin, TimeStampedModel):
    """A news item or a press release of a cluster or a project."""

    class Kind(models.TextChoices):
        NEWS = "news", _("News")
        PRESS_RELEASE = "press_release", _("Press release")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NEWS)
    title = models.CharField(_("title"), max_length=250)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    summary = models.TextField(_("summary"), blank=True)
    body = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    is_published = models.BooleanField(_("published"), default=True)
    cluster = models.ForeignKey(
        Cluster,
        verbose_name=_("cluster"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="news",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="news",
    )
    contact = models.ForeignKey(
        Person,
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = NewsItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news")
        ordering = ["-published_at"]
        indexes = [
            # the news list: published items, newest first
            models.Index(fields=["is_published", "-published_at"], name="news_published_idx"),
        ]

    def __str__(self):
        return self.title

    def slug_source(self):
        return self.title_en or self.title

    def get_absolute_url(self):
        return reverse("portal:news-detail", kwargs={"slug": self.slug})


class Page(SluggedMixin, TimeStampedModel):
    """A static page: about, privacy, accessibility statement."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    body = models.TextField(_("text"))
    is_published = models.BooleanField(_("published"), default=True)

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        ordering = ["slug"]

    def __str__(self):
        return self.title

    def slug_source(self):
        return self.title_en or self.title

    def get_absolute_url(self):
        return reverse("portal:page", kwargs={"slug": self.slug})


# --- Roles and moderation --------------------------------------------------------------------


class ClusterCoordinator(models.Model):
    """A staff user who runs one cluster in the admin (a user may coordinate several)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="coordinator_roles",
    )
    cluster = models.ForeignKey(
        Cluster,
        verbose_name=_("cluster"),
        on_delete=models.CASCADE,
        related_name="coordinator_roles",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("cluster coordinator")
        verbose_name_plural = _("cluster coordinators")
        ordering = ["cluster", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "cluster"], name="unique_cluster_coordinator"),
        ]

    def __str__(self):
        return f"{self.user.get_username()} – {self.cluster}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        from .roles import grant_coordinator_access  # roles reads these models: import late

        grant_coordinator_access(self.user)


class ModerationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for moderation")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ModeratedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ModerationStatus.PUBLISHED)

    def pending(self):
        return self.filter(status=ModerationStatus.PENDING)


class Moderated(models.Model):
    """What the public submits and a coordinator approves or rejects (clusters.moderation):
    cooperation offers, job posts, representatives' profile changes."""

    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ModerationStatus.choices,
        default=ModerationStatus.PENDING,
        db_index=True,
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)

    objects = ModeratedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_published(self):
        return self.status == ModerationStatus.PUBLISHED

    @property
    def is_withdrawn(self):
        return self.status == ModerationStatus.WITHDRAWN


class ModerationDecision(models.Model):
    """The log of moderation: who approved or rejected what, when, and why."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(_("object"), max_length=200)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    notified = models.BooleanField(_("submitter notified"), default=False)

    class Meta:
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation decisions")
        ordering = ["-decided_at"]
        indexes = [
            # the decisions on one object, newest first
            models.Index(
                fields=["content_type", "object_id", "-decided_at"], name="moderation_object_idx"
            ),
        ]

    def __str__(self):
        return f"{self.object_repr}: {self.get_decision_display()}"


# --- Outgoing e-mail -------------------------------------------------------------------------


class OutgoingEmail(models.Model):
    """One rendered e-mail, kept until the mail server has taken it ("accepted means kept").

    ``clusters.emails.send_templated_email`` stores it in the caller's transaction and tries to
    deliver it once the transaction commits; ``manage.py send_outbox`` (cron) retries the ones
    that failed, with growing pauses, until they are sent or given up (status "failed").
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("template"), max_length=200)
    language = models.CharField(_("language"), max_length=10)
    to = models.JSONField(_("recipients"), default=list)
    cc = models.JSONField(_("copy to"), default=list, blank=True)
    reply_to = models.JSONField(_("reply to"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("message"))
    # [{"filename": …, "content": base64, "mimetype": …}]
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # what `send_outbox` reads: the pending ones that are due
            models.Index(fields=["status", "next_attempt_at"], name="outgoing_email_due_idx"),
        ]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"


# --- Rate limits -----------------------------------------------------------------------------


class RateLimitCount(models.Model):
    """How many requests one client made in one window of one rate limit, when the rate limits
    count on the database (no CACHE_URL; ``clusters.abuse.is_limited``). One row per client,
    limit and window, increased in a single SQL statement; rows of past windows are deleted."""

    key = models.CharField(max_length=64, primary_key=True)  # a SHA-256, in hexadecimal
    count = models.PositiveIntegerField(default=0)
    expires = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("rate-limit count")
        verbose_name_plural = _("rate-limit counts")

    def __str__(self):
        return f"{self.key[:12]}…: {self.count}"


# --- Translations that may be outdated -------------------------------------------------------


class TranslationFlag(models.Model):
    """A translated field's text in one language that may be outdated: another language of the
    field was edited after it (set and cleared by ``clusters.translation_flags``)."""

    content_type = models.ForeignKey("contenttypes.ContentType", models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    field = models.CharField(_("field"), max_length=60)  # the base name: "description"
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    changed_language = models.CharField(_("changed language"), max_length=10)
    flagged_at = models.DateTimeField(_("flagged at"), default=timezone.now)

    class Meta:
        verbose_name = _("translation that may be outdated")
        verbose_name_plural = _("translations that may be outdated")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "field", "language"],
                name="translation_flag_unique",
            )
        ]
        # the admin filter and the dashboard: one model's flagged rows in one language
        indexes = [
            models.Index(fields=["content_type", "language", "object_id"], name="flag_lang_idx")
        ]

    def __str__(self):
        return f"{self.field} ({self.language}) ← {self.changed_language}"
