"""``manage.py export_open_data``: write the bulk downloads (CSV and JSON Lines of companies,
clusters, projects, events and open offers, in every language) to the default storage under
open-data/ and replace the manifest the Open data page reads (api/opendata.py). Run it daily."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from api import opendata


class Command(BaseCommand):
    help = "Write the open data files (CSV, JSON Lines) to the default storage under open-data/."

    def add_arguments(self, parser):
        parser.add_argument(
            "--language",
            action="append",
            dest="languages",
            choices=settings.LANGUAGE_CODES,
            help="Only this language (repeatable); every language by default.",
        )

    def handle(self, *args, languages=None, **options):
        try:
            manifest = opendata.export(languages=languages)
        except OSError as error:
            raise CommandError(f"The open data files could not be written: {error}") from error
        total = sum(entry["size"] for entry in manifest["files"])
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Wrote {len(manifest['files'])} files ({filesizeformat(total)}) "
                f"under {opendata.PREFIX}/{manifest['run']}/ and {opendata.MANIFEST}."
            )
