"""Development projects: partners, funding, objectives, results, documents, contacts."""

import os

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clusters import files
from clusters.models import Cluster, Organization, Person, TimeStampedModel
from clusters.roles import cluster_ids_for, is_coordinator
from clusters.slugs import SluggedMixin


class Currency(models.TextChoices):
    EUR = "EUR", _("euro")
    SEK = "SEK", _("Swedish krona")
    PLN = "PLN", _("Polish złoty")
    NOK = "NOK", _("Norwegian krone")


class ProjectQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def in_cluster(self, cluster):
        return self.filter(clusters=cluster)

    def in_country(self, country):
        """Projects led by, or with a partner from, an organisation of the country."""
        in_country = Q(lead_organization__country=country) | Q(
            partners__organization__country=country
        )
        return self.filter(pk__in=self.model.objects.filter(in_country).values("pk"))

    def running_in_year(self, year):
        """Projects running at some time of the year."""
        return self.filter(start_date__year__lte=year).filter(
            Q(end_date__isnull=True) | Q(end_date__year__gte=year)
        )


class Project(SluggedMixin, TimeStampedModel):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ACTIVE = "active", _("Running")
        COMPLETED = "completed", _("Completed")

    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, db_index=True)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"), null=True, blank=True)
    lead_organization = models.ForeignKey(
        Organization,
        verbose_name=_("lead organisation"),
        on_delete=models.PROTECT,
        related_name="led_projects",
    )
    clusters = models.ManyToManyField(
        Cluster, verbose_name=_("clusters"), blank=True, related_name="projects"
    )
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    target_group = models.TextField(_("target group"), blank=True)
    programme = models.CharField(_("funding programme"), max_length=200, blank=True)
    reference_number = models.CharField(
        _("reference number"), max_length=60, blank=True, help_text=_("E.g. SPF/PL/2009/13")
    )
    total_budget = models.DecimalField(
        _("total budget"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR
    )
    website = models.URLField(_("website"), blank=True)
    predecessor = models.ForeignKey(
        "self",
        verbose_name=_("predecessor project"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="successors",
    )
    last_updated = models.DateField(
        _("last updated"),
        default=timezone.localdate,
        help_text=_("Shown on the page as the content's date."),
    )
    is_published = models.BooleanField(_("published"), default=True, db_index=True)
    contacts = models.ManyToManyField(
        Person, through="ProjectContact", verbose_name=_("contacts"), blank=True
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-start_date", "slug"]
        constraints = [
            models.CheckConstraint(
                name="project_dates_order",
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
            ),
            models.CheckConstraint(
                name="project_budget_positive",
                condition=Q(total_budget__isnull=True) | Q(total_budget__gte=0),
            ),
        ]

    def __str__(self):
        return self.name

    def slug_source(self):
        return self.acronym or self.name_en or self.name

    def internal_documents_visible_to(self, user) -> bool:
        """Internal documents are for the coordinators of the project's clusters (and admins)."""
        if not is_coordinator(user):
            return False
        ids = cluster_ids_for(user)
        return ids is None or any(cluster.pk in ids for cluster in self.clusters.all())

    def get_absolute_url(self):
        return reverse("projects:detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.predecessor_id and self.pk and self.predecessor_id == self.pk:
            raise ValidationError({"predecessor": _("A project cannot be its own predecessor.")})

    def objectives(self):
        return [
            item for item in self.list_items.all() if item.kind == ProjectListItem.Kind.OBJECTIVE
        ]

    def benefits(self):
        return [item for item in self.list_items.all() if item.kind == ProjectListItem.Kind.BENEFIT]


class ProjectPartner(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead partner")
        PARTNER = "partner", _("Partner")
        ASSOCIATED = "associated", _("Associated partner")
        FUNDER = "funder", _("Co-funder")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="partners")
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="project_partnerships",
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.PARTNER)
    role_description = models.CharField(_("what the partner does"), max_length=250, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("project partner")
        verbose_name_plural = _("project partners")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organization"], name="unique_project_partner"
            ),
        ]

    def __str__(self):
        return f"{self.organization} ({self.get_role_display()})"


class FundingSource(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="funding")
    name = models.CharField(
        _("funding source"), max_length=200, help_text=_("E.g. European Regional Development Fund")
    )
    funder = models.ForeignKey(
        Organization,
        verbose_name=_("funder"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fundings",
    )
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR
    )
    share_percent = models.DecimalField(
        _("share (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                name="funding_share_range",
                condition=Q(share_percent__isnull=True)
                | Q(share_percent__gte=0, share_percent__lte=100),
            ),
            models.CheckConstraint(
                name="funding_amount_positive", condition=Q(amount__isnull=True) | Q(amount__gte=0)
            ),
        ]

    def __str__(self):
        return self.name


class ProjectListItem(models.Model):
    """One item of a project's ordered objectives or benefits."""

    class Kind(models.TextChoices):
        OBJECTIVE = "objective", _("Objective")
        BENEFIT = "benefit", _("Benefit")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="list_items")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.CharField(_("text"), max_length=300)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("objective or benefit")
        verbose_name_plural = _("objectives and benefits")
        ordering = ["kind", "position", "id"]

    def __str__(self):
        return self.text


class ProjectResult(models.Model):
    """An outcome as a figure: "200 companies took part", "97 % want to continue"."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="results")
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    unit = models.CharField(
        _("unit"),
        max_length=30,
        blank=True,
        # The % is a unit here, not a format directive: xgettext:no-python-format
        help_text=_("E.g. % or companies"),
    )
    label = models.CharField(_("what was measured"), max_length=250)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.value.normalize():f} {self.unit} {self.label}".strip()


def validate_document_size(upload):
    if upload.size > 20 * 1024 * 1024:
        raise ValidationError(_("The file is larger than 20 MB."))


DOCUMENT_EXTENSIONS = ["pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "txt", "csv"]


def document_path(document, filename):
    """Internal documents are named under ``internal/``, which keeps them in private storage."""
    folder = "projects/documents/"
    return (files.PRIVATE_PREFIX + folder if document.internal else folder) + filename


class ProjectDocument(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(
        _("file"),
        upload_to=document_path,
        storage=files.SplitStorage(),
        max_length=200,
        validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS), validate_document_size],
    )
    internal = models.BooleanField(
        _("internal"),
        default=False,
        help_text=_(
            "Only the project's coordinators see an internal document, through links that "
            "expire; it is never public."
        ),
    )
    language = models.CharField(_("language of the document"), max_length=5, blank=True)
    published_on = models.DateField(_("date"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["position", "id"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # A stored file whose mark changed moves to the other storage; a new upload is named by
        # document_path when the field saves it.
        old_name = None
        if self.file and getattr(self.file, "_committed", True):
            old_name = files.move(self.file, self.internal)
        super().save(*args, **kwargs)
        if old_name:
            storage = self.file.storage
            transaction.on_commit(lambda: storage.delete(old_name))

    @property
    def extension(self):
        return os.path.splitext(self.file.name)[1].lstrip(".").upper()


class ProjectContact(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="contact_roles")
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="project_roles"
    )
    role = models.CharField(_("role"), max_length=150, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("project contact")
        verbose_name_plural = _("project contacts")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "person"], name="unique_project_contact"),
        ]

    def __str__(self):
        return f"{self.person} – {self.role}" if self.role else str(self.person)
