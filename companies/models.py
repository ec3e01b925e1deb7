"""Companies, their classification, cluster memberships, cooperation offers and job postings."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField

from clusters.models import Cluster, Municipality, TimeStampedModel
from clusters.slugs import SluggedMixin

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

    def represented_by(self, user):
        """The companies ``user`` represents on the public site (none for anonymous visitors)."""
        if not user or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(representatives__user=user)

    def in_cluster(self, cluster):
        return self.filter(memberships__cluster=cluster, memberships__is_active=True)

    def stale(self, months=12):
        """Profiles not confirmed by their owner for ``months`` months."""
        limit = timezone.now() - datetime.timedelta(days=30 * months)
        return self.filter(Q(confirmed_at__isnull=True) | Q(confirmed_at__lt=limit))


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


def offer_model():
    """The cooperation offers' model. It belongs to the board app, which builds on this one, so
    the directory reaches it through the company relation rather than an import."""
    return Company._meta.get_field("offers").related_model


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
