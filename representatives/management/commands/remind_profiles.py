"""Remind companies' representatives, once a year, to confirm their profile (run daily by cron)."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from clusters.emails import send_templated_email
from companies.models import Company
from representatives.models import CompanyRepresentative, ProfileReminder

REMIND_EVERY = datetime.timedelta(days=365)


def companies_due(now=None):
    """Published companies not confirmed for 12 months, with a representative, and not reminded
    within the last year."""
    now = now or timezone.now()
    recently_reminded = ProfileReminder.objects.filter(sent_at__gt=now - REMIND_EVERY).values(
        "company_id"
    )
    return (
        Company.objects.published()
        .stale()
        .filter(
            pk__in=CompanyRepresentative.objects.filter(user__is_active=True).values("company_id")
        )
        .exclude(pk__in=recently_reminded)
        .order_by("pk")
    )


def remind(company, now=None) -> int:
    """E-mail each active representative of ``company`` in their language; log the reminder."""
    representatives = (
        company.representatives.filter(user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
    )
    sent = 0
    for representative in representatives:
        with translation.override(representative.language):
            url = settings.SITE_URL + reverse("my_company:company", kwargs={"slug": company.slug})
        sent += send_templated_email(
            "reminders/confirm_profile",
            {"company": company, "my_company_url": url},
            [representative.user.email],
            language=representative.language,
        )
    ProfileReminder.objects.create(company=company, sent_at=now or timezone.now(), recipients=sent)
    return sent


class Command(BaseCommand):
    help = (
        "E-mail the representatives of companies whose profile has not been confirmed for 12 months, "
        "at most once a year per company. Safe to run daily from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the companies; send nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        due = companies_due()
        total = due.count()
        messages = 0
        for number, company in enumerate(due.iterator(), start=1):
            if dry_run:
                self.stdout.write(f"{company.name} ({company.business_id})")
                continue
            with transaction.atomic():
                messages += remind(company)
            if options["verbosity"] > 1 and number % 100 == 0:
                self.stdout.write(f"{number}/{total}")
        if dry_run:
            self.stdout.write(f"{total} companies would be reminded.")
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Reminded {total} companies ({messages} e-mails).")
            )
