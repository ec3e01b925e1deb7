from django.core.management.base import BaseCommand

from portal import backups


class Command(BaseCommand):
    help = (
        "Write the database and every uploaded file (public and private storage) to one archive "
        "(.tar or .tar.gz) with a manifest of row counts and checksums, which `restore` checks."
    )

    def add_arguments(self, parser):
        parser.add_argument("output", help="The archive to write, ending in .tar or .tar.gz.")

    def handle(self, *args, output, **options):
        manifest = backups.create(output)
        tables = manifest["database"]["tables"]
        size = sum(entry["size"] for entry in manifest["files"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {output}: {manifest['database']['vendor']} database "
                f"({len(tables)} tables, {sum(tables.values())} rows), "
                f"{len(manifest['files'])} files ({size / 1e6:.1f} MB)."
            )
        )
