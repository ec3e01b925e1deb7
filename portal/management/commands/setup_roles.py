from django.core.management.base import BaseCommand

from clusters.roles import COORDINATOR_GROUP, ensure_coordinator_group


class Command(BaseCommand):
    help = (
        "Create or update the 'Cluster coordinators' group with the model permissions coordinators "
        "need in the admin (their clusters' data is then scoped by the admin). Safe to run again."
    )

    def handle(self, *args, **options):
        group = ensure_coordinator_group()
        if options["verbosity"] > 0:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Group '{COORDINATOR_GROUP}': {group.permissions.count()} permissions."
                )
            )
