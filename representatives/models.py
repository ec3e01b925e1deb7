"""Company representatives, the profile changes they propose and the reminders they get.

The models keep the app label "companies" they were created under (tables, migrations,
permissions and admin URLs stay)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clusters.models import Moderated, TimeStampedModel
from companies.models import Company


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
        app_label = "companies"
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


class CompanyChangeRequest(TimeStampedModel, Moderated):
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

    class Meta:
        app_label = "companies"
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
        app_label = "companies"
        verbose_name = _("profile reminder")
        verbose_name_plural = _("profile reminders")
        ordering = ["-sent_at"]
        indexes = [
            # "was this company reminded within the last year?"
            models.Index(fields=["company", "-sent_at"], name="reminder_company_idx"),
        ]

    def __str__(self):
        return f"{self.company} ({self.sent_at:%Y-%m-%d})"
