import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from companies.indexing import rebuild_all
from demo.deletion import delete_demo_data
from demo.generator import DemoGenerator
from demo.rows import DEMO_SLUG_SUFFIX, DemoDataError


def reference_date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today must be a date such as 2026-11-30, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Generate demo companies in the towns and clusters of the database (Finland, Sweden, Poland, "
        "Lithuania): names, addresses, valid business IDs and phone numbers in each country's style, "
        "descriptions in the company's language and English, capabilities, materials, sectors and "
        "certificates from the taxonomy, cluster memberships, and some cooperation offers and job "
        "posts. Deterministic for a given --seed and --today. Running it again adds more companies; "
        f"every generated company, offer and job post has a slug ending in '{DEMO_SLUG_SUFFIX}', "
        "which --replace uses to delete the previous demo data first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--companies", type=int, default=300, help="How many companies to create (default 300)."
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="Random seed: the same seed gives the same data (default 1).",
        )
        parser.add_argument(
            "--today",
            type=reference_date,
            default=None,
            help="Reference date (YYYY-MM-DD) that validity periods and confirmations are counted from; default today.",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help=f"Delete earlier demo data (slugs ending in '{DEMO_SLUG_SUFFIX}') before generating.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            help="Companies per insert batch (default 1000).",
        )

    def handle(self, *args, companies, seed, today, replace, batch_size, **options):
        if companies < 0:
            raise CommandError("--companies cannot be negative.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if isinstance(today, str):  # call_command(today="2026-11-30") skips the parser's type
            today = reference_date(today)
        verbosity = options["verbosity"]
        started = time.monotonic()
        deleted = 0
        if replace:
            deleted = delete_demo_data()
            if verbosity:
                self.stdout.write(
                    f"Deleted {deleted} earlier demo companies in {time.monotonic() - started:.1f} s."
                )
        if companies:
            step = max(batch_size, companies // 10)

            def progress(done, total):
                if verbosity and (done == total or done % step < batch_size):
                    self.stdout.write(f"  {done}/{total} companies")

            generator = DemoGenerator(
                seed=seed,
                today=today or timezone.localdate(),
                batch_size=batch_size,
                progress=progress,
            )
            seeding = time.monotonic()
            try:
                totals = generator.generate(companies)
            except DemoDataError as error:
                raise CommandError(str(error)) from None
            if verbosity:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Created {totals['companies']} demo companies, {totals['memberships']} "
                        f"memberships, {totals['certificates']} certificates, {totals['offers']} "
                        f"cooperation offers and {totals['jobs']} job posts in "
                        f"{time.monotonic() - seeding:.1f} s."
                    )
                )
            if verbosity > 1:
                timings = generator.timings
                self.stdout.write(
                    f"  making rows {timings['generate']:.1f} s, writing them {timings['write']:.1f} s "
                    f"({'COPY, in parallel' if generator.use_copy else 'bulk_create'}), waiting "
                    f"for the writer {timings['wait']:.1f} s"
                )
        if companies or deleted:
            # The rows were written without signals: the directory is rebuilt from the database.
            rebuilding = time.monotonic()
            rebuild_all(log=self.stdout.write if verbosity > 1 else None)
            if verbosity:
                self.stdout.write(
                    f"Rebuilt the directory in {time.monotonic() - rebuilding:.1f} s "
                    f"(total {time.monotonic() - started:.1f} s)."
                )
