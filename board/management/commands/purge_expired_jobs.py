from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from board.services import purge_expired_jobs


class Command(BaseCommand):
    help = (
        "Delete job posts (with their change history and the contact details in them) that "
        "expired more than the retention period ago (JOB_RETENTION_DAYS, default 90). Run daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Retention period in days (default: the JOB_RETENTION_DAYS setting, 90).",
        )

    def handle(self, *args, days, **options):
        days = getattr(settings, "JOB_RETENTION_DAYS", 90) if days is None else days
        if days < 0:
            raise CommandError("--days must not be negative.")
        deleted = purge_expired_jobs(days)
        self.stdout.write(f"Deleted {deleted} job post(s) expired more than {days} days ago.")
