"""Cooperation offers and job posts, moderated by the clusters' coordinators.

The models keep the app label "companies" they were created under, so their tables, migrations,
permissions and admin URLs (/admin/companies/cooperationoffer/…) stay as they were."""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from clusters.models import Cluster, Moderated, ModeratedQuerySet, Municipality, TimeStampedModel
from clusters.slugs import SluggedMixin
from companies.models import Capability, Company, Material, SpokenLanguage

# The longest an offer is valid from today: when posted (board/forms.py) and when renewed.
OFFER_MAX_VALIDITY_DAYS = 365


class CooperationOfferQuerySet(ModeratedQuerySet):
    def open(self, on=None):
        on = on or timezone.localdate()
        return self.published().filter(valid_from__lte=on, valid_until__gte=on)

    def due_for_reminder(self, within_days=7, on=None):
        """Open offers ending within ``within_days`` days whose owner has not been reminded yet."""
        on = on or timezone.localdate()
        return self.open(on).filter(
            valid_until__lte=on + datetime.timedelta(days=within_days),
            reminder_sent_at__isnull=True,
        )


class CooperationOffer(SluggedMixin, TimeStampedModel, Moderated):
    """An offer or a request for cooperation, with a validity (EEN partnering style)."""

    class Direction(models.TextChoices):
        OFFER = "offer", _("Offer")
        REQUEST = "request", _("Request")

    class Category(models.TextChoices):
        SUBCONTRACTING = "subcontracting", _("Subcontracting capacity")
        SUPPLY = "supply", _("Product or supply")
        PARTNER = "partner", _("Partner wanted")
        RESEARCH = "research", _("R&D cooperation")
        CAPACITY = "capacity", _("Free production capacity")

    direction = models.CharField(
        _("offer or request"), max_length=10, choices=Direction.choices, default=Direction.OFFER
    )
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, db_index=True
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"))
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="offers",
        help_text=_("Empty when a visitor posted the offer; then the submitter's details apply."),
    )
    cluster = models.ForeignKey(
        Cluster,
        verbose_name=_("cluster"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="offers",
    )
    capabilities = models.ManyToManyField(Capability, verbose_name=_("capabilities"), blank=True)
    materials = models.ManyToManyField(Material, verbose_name=_("materials"), blank=True)
    target_countries = CountryField(_("target countries"), multiple=True, blank=True)
    valid_from = models.DateField(_("valid from"), default=datetime.date.today)
    valid_until = models.DateField(_("valid until"))
    submitter_company = models.CharField(_("submitting company"), max_length=200, blank=True)
    submitter_name = models.CharField(_("contact name"), max_length=120, blank=True)
    submitter_email = models.EmailField(_("contact e-mail"), blank=True)
    submitter_language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="en"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The poster's private link to renew or withdraw the offer (no account needed).
    manage_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Set when the "expires in a week" reminder went out; cleared when the offer is renewed.
    reminder_sent_at = models.DateTimeField(
        _("renewal reminder sent"), null=True, blank=True, editable=False
    )

    objects = CooperationOfferQuerySet.as_manager()

    class Meta:
        app_label = "companies"
        verbose_name = _("cooperation offer")
        verbose_name_plural = _("cooperation offers")
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                name="offer_validity_order", condition=Q(valid_until__gte=models.F("valid_from"))
            ),
            models.CheckConstraint(
                name="offer_has_company_or_submitter",
                condition=Q(company__isnull=False) | ~Q(submitter_company=""),
            ),
        ]
        indexes = [
            # the public list and the directory's "has open offers" filter
            models.Index(fields=["status", "valid_until", "company"], name="offer_open_idx"),
        ]

    def __str__(self):
        return self.title

    def slug_source(self):
        return self.title_en or self.title

    def get_absolute_url(self):
        return reverse("offers:detail", kwargs={"slug": self.slug})

    @property
    def offered_by(self):
        return self.company.name if self.company_id else self.submitter_company

    def is_open(self, on=None):
        on = on or timezone.localdate()
        return self.is_published and self.valid_from <= on <= self.valid_until

    @property
    def ends_on(self):
        """The last day the offer is shown, as for a job post (the representative's list)."""
        return self.valid_until

    @staticmethod
    def renewal_ceiling(on=None):
        """The latest ``valid_until`` a renewal reaches: OFFER_MAX_VALIDITY_DAYS from ``on``."""
        on = on or timezone.localdate()
        return on + datetime.timedelta(days=OFFER_MAX_VALIDITY_DAYS)

    def renew(self, days=None, on=None):
        """Extend the validity by ``days`` (OFFER_RENEWAL_DAYS) from today or the current end,
        never past ``renewal_ceiling`` (repeated renewals do not pile up years ahead)."""
        on = on or timezone.localdate()
        days = days or getattr(settings, "OFFER_RENEWAL_DAYS", 90)
        extended = max(on, self.valid_until) + datetime.timedelta(days=days)
        self.valid_until = min(extended, self.renewal_ceiling(on))
        self.reminder_sent_at = None
        self.save(update_fields=["valid_until", "reminder_sent_at", "updated_at"])

    @property
    def contact_email(self):
        """Where expressions of interest go; never shown on a page."""
        if self.company_id and self.company.email:
            return self.company.email
        return self.submitter_email


class JobPostingQuerySet(ModeratedQuerySet):
    def open(self, on=None):
        on = on or timezone.localdate()
        return self.published().filter(expires_on__gte=on)

    def retention_over(self, days, on=None):
        """Posts that expired more than ``days`` days ago (the retention period is over)."""
        on = on or timezone.localdate()
        return self.filter(expires_on__lt=on - datetime.timedelta(days=days))


class JobPosting(SluggedMixin, TimeStampedModel, Moderated):
    """A job offered by a company, or a job wanted by a person (contact only through the portal)."""

    class Kind(models.TextChoices):
        OFFER = "offer", _("Job offered")
        WANTED = "wanted", _("Job wanted")

    class ContractType(models.TextChoices):
        PERMANENT = "permanent", _("Permanent")
        FIXED_TERM = "fixed_term", _("Fixed-term")
        PART_TIME = "part_time", _("Part-time")
        SEASONAL = "seasonal", _("Seasonal")
        TRAINEESHIP = "traineeship", _("Traineeship or apprenticeship")

    kind = models.CharField(
        _("kind"), max_length=10, choices=Kind.choices, default=Kind.OFFER, db_index=True
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"))
    profession = models.CharField(_("profession"), max_length=120)
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="jobs",
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("location"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
    )
    contract_type = models.CharField(
        _("contract type"), max_length=20, choices=ContractType.choices, blank=True
    )
    languages = models.ManyToManyField(SpokenLanguage, verbose_name=_("languages"), blank=True)
    expires_on = models.DateField(_("application deadline or expiry"))
    contact_name = models.CharField(_("contact name"), max_length=120)
    contact_email = models.EmailField(_("contact e-mail"))
    poster_language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="en"
    )
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    # The poster's private link to withdraw the post (no account needed).
    manage_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    objects = JobPostingQuerySet.as_manager()

    class Meta:
        app_label = "companies"
        verbose_name = _("job posting")
        verbose_name_plural = _("job postings")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="job_offer_has_company",
                condition=Q(kind="wanted") | Q(company__isnull=False),
            ),
        ]
        indexes = [
            # the job board: open posts of one kind
            models.Index(fields=["status", "kind", "expires_on"], name="job_open_idx"),
        ]

    def __str__(self):
        return self.title

    def slug_source(self):
        return self.title_en or self.title

    def get_absolute_url(self):
        return reverse("jobs:detail", kwargs={"slug": self.slug})

    @property
    def ends_on(self):
        """The last day the post is shown, as for an offer (the representative's list)."""
        return self.expires_on


class OfferInterest(models.Model):
    """An "express interest" message about a cooperation offer, relayed by the portal.

    Stored so that the owner sees how many expressed interest, and so that no message is lost
    when the mail server is down.
    """

    offer = models.ForeignKey(
        CooperationOffer,
        verbose_name=_("offer"),
        on_delete=models.CASCADE,
        related_name="interests",
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=120)
    organization_name = models.CharField(_("organisation"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"))
    message = models.TextField(_("message"), max_length=4000)
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="en"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        app_label = "companies"
        verbose_name = _("expression of interest")
        verbose_name_plural = _("expressions of interest")
        ordering = ["-created_at"]
        indexes = [
            # the owner's "n expressed interest" count
            models.Index(fields=["offer", "created_at"], name="offer_interest_offer_idx"),
        ]

    def __str__(self):
        return f"{self.name} → {self.offer}"
