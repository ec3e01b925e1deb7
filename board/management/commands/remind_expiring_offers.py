from django.core.management.base import BaseCommand

from board.services import send_offer_reminders


class Command(BaseCommand):
    help = (
        "E-mail the owner of every open cooperation offer that ends within a week a private link "
        "to renew it. Each offer is reminded once (again only after a renewal). Run daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=7, help="Remind offers ending within this many days (7)."
        )

    def handle(self, *args, days, **options):
        if days < 0:
            self.stderr.write("--days must not be negative.")
            return
        sent = send_offer_reminders(within_days=days)
        self.stdout.write(f"Sent {sent} renewal reminder(s).")
