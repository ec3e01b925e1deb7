"""Companies, their classification, cluster memberships, cooperation offers and job postings."""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField

from portal.models import Cluster, Municipality, TimeStampedModel
from portal.slugs import SluggedMixin

from .validators import normalize_business_id, normalize_vat_number

# --- Classification --------------------------------------------------------------------------


class Sector(SluggedMixin, models.Model):
    """An industry on NACE Rev. 2: a section letter (C) or a division code (25)."""

    nace_code = models.CharField(_("NACE Rev. 2 code"), max_length=5, unique=True)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["nace_code"]

    def __str__(self):
        return f"{self.nace_code} {self.name}"

    def slug_source(self):
        return f"{self.nace_code}-{self.name_en or self.name}"


class CapabilityQuerySet(models.QuerySet):
    def with_descendants(self, capabilities):
        """The given capabilities and every capability below them in the tree."""
        query = Q()
        for capability in capabilities:
            query |= Q(path__startswith=capability.path)
        return self.filter(query) if query else self.none()


class Capability(SluggedMixin, models.Model):
    """A process a company masters, as a tree: machining → CNC turning, welding → TIG welding."""

    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # Materialised path of ids ("/3/17/"), so that "a parent includes its children" is one
    # indexed prefix lookup instead of a recursive query.
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")

    objects = CapabilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("capability")
        verbose_name_plural = _("capabilities")
        ordering = ["path"]

    def __str__(self):
        return self.name

    def slug_source(self):
        return self.name_en or self.name

    def clean(self):
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("A capability cannot be its own ancestor.")})
            ancestor = ancestor.parent

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        new_path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
        if new_path != self.path:
            old_path = self.path
            self.path = new_path
            type(self).objects.filter(pk=self.pk).update(path=new_path)
            if old_path:
                # Move the subtree along with its root.
                for child in (
                    type(self).objects.filter(path__startswith=old_path).exclude(pk=self.pk)
                ):
                    child.path = new_path + child.path[len(old_path) :]
                    type(self).objects.filter(pk=child.pk).update(path=child.path)

    @classmethod
    def rebuild_paths(cls):
        """Recompute every materialised path (after loaddata, which bypasses save())."""
        nodes = {node.pk: node for node in cls.objects.only("pk", "parent_id", "path")}

        def path_of(node, seen=()):
            if node.parent_id is None or node.parent_id not in nodes or node.pk in seen:
                return f"/{node.pk}/"
            return f"{path_of(nodes[node.parent_id], (*seen, node.pk))}{node.pk}/"

        changed = []
        for node in nodes.values():
            new_path = path_of(node)
            if node.path != new_path:
                node.path = new_path
                changed.append(node)
        cls.objects.bulk_update(changed, ["path"], batch_size=500)
        return len(changed)

    @property
    def depth(self):
        return max(self.path.count("/") - 2, 0)


class Material(SluggedMixin, models.Model):
    class Category(models.TextChoices):
        METAL = "metal", _("Metals")
        POLYMER = "polymer", _("Plastics and rubber")
        COMPOSITE = "composite", _("Composites")
        WOOD = "wood", _("Wood and fibre")
        CERAMIC = "ceramic", _("Ceramics and glass")
        OTHER = "other", _("Other materials")

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.METAL
    )

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["category", "slug"]

    def __str__(self):
        return self.name

    def slug_source(self):
        return self.name_en or self.name


class Certification(SluggedMixin, models.Model):
    """A standard a company can be certified to (ISO 9001, ISO 3834, EN 1090, FSC…)."""

    class Kind(models.TextChoices):
        QUALITY = "quality", _("Quality management")
        ENVIRONMENT = "environment", _("Environmental management")
        SAFETY = "safety", _("Occupational health and safety")
        ENERGY = "energy", _("Energy management")
        WELDING = "welding", _("Welding quality")
        STRUCTURAL = "structural", _("Structural components")
        FOREST = "forest", _("Forest and chain of custody")
        SECTOR = "sector", _("Sector-specific")

    code = models.CharField(_("code"), max_length=40, unique=True, help_text=_("E.g. ISO 9001"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["code"]

    def __str__(self):
        return self.code

    def slug_source(self):
        return self.code


class SpokenLanguage(models.Model):
    """A language a company can do business in (ISO 639-1 code)."""

    code = models.CharField(_("code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        ordering = ["code"]

    def __str__(self):
        return self.name


# --- Companies -------------------------------------------------------------------------------


class CompanyQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def in_cluster(self, cluster):
        return self.filter(memberships__cluster=cluster, memberships__is_active=True)

    def with_capability(self, capability):
        """Companies with the capability or any capability below it in the tree."""
        return self.filter(capabilities__path__startswith=capability.path)

    def with_valid_certification(self, certification, on=None):
        on = on or timezone.localdate()
        return self.filter(
            certificates__certification=certification,
            certificates__valid_from__lte=on,
        ).filter(Q(certificates__valid_until__isnull=True) | Q(certificates__valid_until__gte=on))

    def in_country(self, country):
        return self.filter(country=country)

    def stale(self, months=12):
        """Profiles not confirmed by their owner for ``months`` months."""
        limit = timezone.now() - datetime.timedelta(days=30 * months)
        return self.filter(Q(confirmed_at__isnull=True) | Q(confirmed_at__lt=limit))

    # The directory's facets. Each takes several values and keeps the companies matching ANY of
    # them; relations are semi-joins (``pk IN (SELECT company_id …)``) so rows never repeat.

    def in_any_cluster(self, clusters):
        """Active members of any of the clusters."""
        members = Membership.objects.active().filter(cluster__in=clusters)
        return self.filter(pk__in=members.values("company_id"))

    def in_any_sector(self, sectors):
        through = Company.sectors.through.objects.filter(sector__in=sectors)
        return self.filter(pk__in=through.values("company_id"))

    def with_any_capability(self, capabilities):
        """Companies with any of the capabilities or a capability below one of them."""
        query = Q()
        for capability in capabilities:
            query |= Q(capability__path__startswith=capability.path)
        if not query:
            return self.none()
        through = Company.capabilities.through.objects.filter(query)
        return self.filter(pk__in=through.values("company_id"))

    def with_any_material(self, materials):
        through = Company.materials.through.objects.filter(material__in=materials)
        return self.filter(pk__in=through.values("company_id"))

    def with_any_valid_certification(self, certifications, on=None):
        """Companies holding any of the certifications with a certificate valid on ``on``."""
        certificates = CompanyCertificate.objects.valid(on).filter(certification__in=certifications)
        return self.filter(pk__in=certificates.values("company_id"))

    def in_any_region(self, regions):
        return self.filter(municipality__region__in=regions)

    def in_any_municipality(self, municipalities):
        return self.filter(municipality__in=municipalities)

    def of_size(self, size_classes):
        return self.filter(size_class__in=size_classes)

    def speaking_any(self, languages):
        through = Company.languages.through.objects.filter(spokenlanguage__in=languages)
        return self.filter(pk__in=through.values("company_id"))

    def with_open_offers(self, on=None):
        offers = CooperationOffer.objects.open(on).filter(company__isnull=False)
        return self.filter(pk__in=offers.values("company_id"))


class Company(SluggedMixin, TimeStampedModel):
    """A company profile in the directory."""

    class SizeClass(models.TextChoices):
        # The EU SME definition (Recommendation 2003/361/EC), by headcount.
        MICRO = "micro", _("Micro (fewer than 10 employees)")
        SMALL = "small", _("Small (10–49 employees)")
        MEDIUM = "medium", _("Medium-sized (50–249 employees)")
        LARGE = "large", _("Large (250 or more employees)")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    country = CountryField(_("country"), db_index=True)
    business_id = models.CharField(
        _("business ID"),
        max_length=30,
        help_text=_("Y-tunnus (FI), organisationsnummer (SE), NIP (PL) or company code (LT)."),
    )
    vat_number = models.CharField(_("EU VAT number"), max_length=20, blank=True)
    description = models.TextField(_("description"), blank=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="companies",
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="companies/", blank=True)
    founded = models.PositiveSmallIntegerField(_("founded (year)"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    size_class = models.CharField(
        _("size class"), max_length=10, choices=SizeClass.choices, db_index=True
    )
    languages = models.ManyToManyField(
        SpokenLanguage, verbose_name=_("languages spoken"), blank=True
    )
    export_markets = CountryField(_("export markets"), multiple=True, blank=True)
    sectors = models.ManyToManyField(
        Sector, verbose_name=_("sectors"), blank=True, related_name="companies"
    )
    capabilities = models.ManyToManyField(
        Capability, verbose_name=_("capabilities"), blank=True, related_name="companies"
    )
    materials = models.ManyToManyField(
        Material, verbose_name=_("materials"), blank=True, related_name="companies"
    )
    clusters = models.ManyToManyField(
        Cluster,
        through="Membership",
        verbose_name=_("clusters"),
        blank=True,
        related_name="companies",
    )
    is_published = models.BooleanField(_("published"), default=True)
    confirmed_at = models.DateTimeField(
        _("last confirmed"),
        null=True,
        blank=True,
        help_text=_("When the company last confirmed its profile."),
    )

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "business_id"], name="unique_company_business_id"
            ),
            models.CheckConstraint(
                name="company_founded_plausible",
                condition=Q(founded__isnull=True) | Q(founded__gte=1500, founded__lte=2100),
            ),
        ]
        indexes = [
            # the directory's default listing: published companies by name
            models.Index(fields=["is_published", "name"], name="company_published_name_idx"),
            # "recently updated" sorting
            models.Index(fields=["is_published", "-updated_at"], name="company_published_upd_idx"),
            # the coordinator's "not confirmed for 12 months" list
            models.Index(fields=["confirmed_at"], name="company_confirmed_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("companies:detail", kwargs={"slug": self.slug})

    def clean(self):
        errors = {}
        if self.business_id and self.country:
            try:
                self.business_id = normalize_business_id(self.country, self.business_id)
            except ValidationError as error:
                errors["business_id"] = error
        if self.vat_number:
            try:
                self.vat_number = normalize_vat_number(self.vat_number)
            except ValidationError as error:
                errors["vat_number"] = error
        if (
            self.municipality_id
            and self.country
            and self.municipality.region.country != self.country
        ):
            errors["municipality"] = _("The municipality is not in the company's country.")
        if self.founded and self.founded > timezone.localdate().year:
            errors["founded"] = _("The founding year cannot be in the future.")
        if errors:
            raise ValidationError(errors)

    def confirm(self):
        self.confirmed_at = timezone.now()
        self.save(update_fields=["confirmed_at", "updated_at"])


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Membership(models.Model):
    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="memberships"
    )
    cluster = models.ForeignKey(
        Cluster, verbose_name=_("cluster"), on_delete=models.CASCADE, related_name="memberships"
    )
    joined_on = models.DateField(_("member since"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("cluster membership")
        verbose_name_plural = _("cluster memberships")
        constraints = [
            models.UniqueConstraint(fields=["company", "cluster"], name="unique_membership"),
        ]
        indexes = [
            # the directory's cluster filter and the cluster page's member list
            models.Index(fields=["cluster", "is_active", "company"], name="membership_cluster_idx"),
        ]

    def __str__(self):
        return f"{self.company} ∈ {self.cluster}"


class CompanyCertificateQuerySet(models.QuerySet):
    def valid(self, on=None):
        """Certificates valid on ``on`` (today by default)."""
        on = on or timezone.localdate()
        return self.filter(valid_from__lte=on).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )


class CompanyCertificate(models.Model):
    """A certification a company holds, with its validity."""

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="certificates"
    )
    certification = models.ForeignKey(
        Certification,
        verbose_name=_("certification"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=60, blank=True)
    issued_by = models.CharField(_("certification body"), max_length=120, blank=True)

    objects = CompanyCertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("company certificate")
        verbose_name_plural = _("company certificates")
        ordering = ["certification__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "certification"], name="unique_company_certification"
            ),
            models.CheckConstraint(
                name="certificate_validity_order",
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
            ),
        ]
        indexes = [
            # the directory's "valid certification" filter
            models.Index(
                fields=["certification", "valid_until", "company"], name="certificate_valid_idx"
            ),
        ]

    def __str__(self):
        return f"{self.company}: {self.certification}"

    def is_valid(self, on=None):
        on = on or timezone.localdate()
        return self.valid_from <= on and (self.valid_until is None or self.valid_until >= on)


# --- Cooperation offers and jobs -------------------------------------------------------------


class ModerationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for moderation")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class CooperationOfferQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ModerationStatus.PUBLISHED)

    def open(self, on=None):
        on = on or timezone.localdate()
        return self.published().filter(valid_from__lte=on, valid_until__gte=on)

    def pending(self):
        return self.filter(status=ModerationStatus.PENDING)

    def due_for_reminder(self, within_days=7, on=None):
        """Open offers ending within ``within_days`` days whose owner has not been reminded yet."""
        on = on or timezone.localdate()
        return self.open(on).filter(
            valid_until__lte=on + datetime.timedelta(days=within_days),
            reminder_sent_at__isnull=True,
        )


class CooperationOffer(SluggedMixin, TimeStampedModel):
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
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ModerationStatus.choices,
        default=ModerationStatus.PENDING,
        db_index=True,
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
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
        return (
            self.status == ModerationStatus.PUBLISHED and self.valid_from <= on <= self.valid_until
        )

    def renew(self, days=None, on=None):
        """Extend the validity by ``days`` (OFFER_RENEWAL_DAYS) from today or the current end."""
        on = on or timezone.localdate()
        days = days or getattr(settings, "OFFER_RENEWAL_DAYS", 90)
        self.valid_until = max(on, self.valid_until) + datetime.timedelta(days=days)
        self.reminder_sent_at = None
        self.save(update_fields=["valid_until", "reminder_sent_at", "updated_at"])

    @property
    def contact_email(self):
        """Where expressions of interest go; never shown on a page."""
        if self.company_id and self.company.email:
            return self.company.email
        return self.submitter_email


class JobPostingQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ModerationStatus.PUBLISHED)

    def open(self, on=None):
        on = on or timezone.localdate()
        return self.published().filter(expires_on__gte=on)

    def expired(self, on=None):
        on = on or timezone.localdate()
        return self.filter(expires_on__lt=on)

    def retention_over(self, days, on=None):
        """Posts that expired more than ``days`` days ago (the retention period is over)."""
        on = on or timezone.localdate()
        return self.filter(expires_on__lt=on - datetime.timedelta(days=days))


class JobPosting(SluggedMixin, TimeStampedModel):
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
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ModerationStatus.choices,
        default=ModerationStatus.PENDING,
        db_index=True,
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    # The poster's private link to withdraw the post (no account needed).
    manage_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    objects = JobPostingQuerySet.as_manager()

    class Meta:
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
        verbose_name = _("expression of interest")
        verbose_name_plural = _("expressions of interest")
        ordering = ["-created_at"]
        indexes = [
            # the owner's "n expressed interest" count
            models.Index(fields=["offer", "created_at"], name="offer_interest_offer_idx"),
        ]

    def __str__(self):
        return f"{self.name} → {self.offer}"


# --- Representatives, profile changes and reminders ------------------------------------------


class CompanyRepresentative(models.Model):
    """A person (not staff) who keeps a company's profile current on the public site."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="company_roles",
    )
    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="representatives"
    )
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("The language of the e-mails the representative receives."),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("company representative")
        verbose_name_plural = _("company representatives")
        ordering = ["company", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "company"], name="unique_company_representative"
            ),
        ]

    def __str__(self):
        return f"{self.user.get_username()} – {self.company}"


class CompanyChangeRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=ModerationStatus.PENDING)


class CompanyChangeRequest(TimeStampedModel):
    """A representative's profile change waiting for review (clusters that want to review them).

    ``data`` holds the submitted form data ({field: [values]}); it is validated again and applied
    when a coordinator approves it.
    """

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="change_requests"
    )
    data = models.JSONField(_("proposed data"), default=dict)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="en"
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ModerationStatus.choices,
        default=ModerationStatus.PENDING,
        db_index=True,
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)

    objects = CompanyChangeRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("profile change request")
        verbose_name_plural = _("profile change requests")
        ordering = ["-created_at"]

    def __str__(self):
        return (
            f"{self.company} ({self.created_at:%Y-%m-%d})" if self.created_at else str(self.company)
        )


class ProfileReminder(models.Model):
    """One yearly reminder sent to a company's representatives to confirm the profile."""

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="reminders"
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)
    recipients = models.PositiveSmallIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("profile reminder")
        verbose_name_plural = _("profile reminders")
        ordering = ["-sent_at"]
        indexes = [
            # "was this company reminded within the last year?"
            models.Index(fields=["company", "-sent_at"], name="reminder_company_idx"),
        ]

    def __str__(self):
        return f"{self.company} ({self.sent_at:%Y-%m-%d})"


# --- The directory's engine (companies/indexing.py writes these, companies/engine.py reads them) --


class DirectoryEntry(models.Model):
    """One row per published company: what the directory searches, sorts and counts on.

    Written in the same transaction as the edit that changes it (companies/indexing.py). Not a
    foreign key: a deleted company's row must outlive the company until its bitmaps are cleared.
    """

    company_id = models.BigIntegerField(primary_key=True)
    # The name, lower-case and accent-free, words separated by one space (name order, relevance).
    name_key = models.TextField()
    updated_at = models.DateTimeField()
    # Every word a visitor may type to find the company, in every language, accent-free.
    document = models.TextField()
    # The facet values the company has (companies/indexing.py: one int per value).
    keys = models.JSONField(default=list)

    class Meta:
        verbose_name = "directory entry"
        verbose_name_plural = "directory entries"

    def __str__(self):
        return self.name_key


class DirectoryBitmap(models.Model):
    """The published companies that have one facet value (or fall in one slice of a sort order),
    as a serialised Roaring bitmap of company ids, updated in place by each edit."""

    key = models.BigIntegerField(primary_key=True)
    bits = models.BinaryField()
    # The DirectoryState.seq of the edit that last wrote the row: workers fetch what changed.
    seq = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name = "directory bitmap"
        verbose_name_plural = "directory bitmaps"

    def __str__(self):
        return str(self.key)


class DirectoryWord(models.Model):
    """The published companies whose text holds one word: the directory's inverted index.

    ``word`` is a folded word of the documents; ``=word`` a word of a company's name and
    ``^word`` the first word of its name (relevance). A prefix query reads the range of words
    that start with it, and never the companies' rows.
    """

    word = models.TextField(primary_key=True)
    bits = models.BinaryField()

    class Meta:
        verbose_name = "directory word"
        verbose_name_plural = "directory words"

    def __str__(self):
        return self.word


class DirectoryState(models.Model):
    """The directory's single clock row. Every edit locks it and bumps ``seq``, so edits commit
    in ``seq`` order and a worker that saw ``seq`` n has seen every bitmap written up to n."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    # Random, new at every write: a worker that holds the same (seq, token) is up to date, and a
    # seq it already saw under another token means that history was rolled back.
    token = models.BigIntegerField(default=0)
    # Bumped by a full rebuild: workers drop every bitmap they hold.
    generation = models.BigIntegerField(default=0)
    # Changed (to a random value) when labels or the capability tree change: workers reload the
    # facet vocabulary, writers the names the documents quote.
    vocabulary_seq = models.BigIntegerField(default=0)
    # The day the date-dependent facets (valid certificates, open offers) were computed for.
    valid_on = models.DateField(null=True, blank=True)
    # Slice boundaries of the name and the "recently updated" orders (set by a full rebuild).
    name_bounds = models.JSONField(default=list)
    updated_bounds = models.JSONField(default=list)

    class Meta:
        verbose_name = "directory state"
        verbose_name_plural = "directory state"

    def __str__(self):
        return f"directory state {self.seq}"
