import time

from django.core.management.base import BaseCommand

from companies import indexing


class Command(BaseCommand):
    help = (
        "Recompute the directory's entries and bitmaps from the companies (after a bulk load that "
        "bypassed the signals, or nightly as a check). Only rows that differ are written; edits "
        "wait while it runs, visitors do not."
    )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        started = time.monotonic()
        log = self.stdout.write if verbosity > 1 else None
        published = indexing.rebuild_all(log=log)
        if verbosity:
            self.stdout.write(
                f"Directory rebuilt: {published} published companies in "
                f"{time.monotonic() - started:.1f} s."
            )
