from django.core.management.base import BaseCommand, CommandError

from portal import backups


class Command(BaseCommand):
    help = (
        "Restore an archive of `manage.py backup` into the configured database and storages, "
        "then check every table's row count and every file's checksum against its manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The archive written by `manage.py backup`.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that already holds portal data.",
        )

    def handle(self, *args, archive, force, **options):
        manifest = backups.restore(archive, force=force)
        problems = backups.verify(manifest)
        if problems:
            shown = "\n  ".join(problems[:20])
            more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
            raise CommandError(
                f"The restore does not match the backup ({len(problems)} differences):\n"
                f"  {shown}{more}"
            )
        tables = manifest["database"]["tables"]
        size = sum(entry["size"] for entry in manifest["files"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest['created']}: {len(tables)} tables "
                f"({sum(tables.values())} rows) and {len(manifest['files'])} files "
                f"({size / 1e6:.1f} MB); every row count and checksum matches."
            )
        )
        if pending := backups.pending_migrations():
            # A backup of older code: its schema is behind this code's.
            self.stdout.write(
                self.style.WARNING(
                    f"This code has {len(pending)} migrations the backup lacks: run "
                    "`manage.py migrate`."
                )
            )
