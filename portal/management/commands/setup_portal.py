from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from api.opendata import MANIFEST
from companies.models import Capability, Company

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
# Loaded in this order: each file only refers to rows of the files before it.
FIXTURE_FILES = ["geography.json", "taxonomy.json", "content.json"]


class Command(BaseCommand):
    help = (
        "Prepare a working portal: migrate, create the cache table, load the seed fixtures, "
        "generate demo companies (development installs only) and make sure an administrator "
        "exists. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--companies",
            type=int,
            default=300,
            help="Demo companies to generate (default 300; 0 where the demo app is not installed).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed of the demo data.")
        parser.add_argument(
            "--admin-password", default="portal-admin", help="Password of the 'admin' user."
        )

    def handle(self, *args, companies, seed, admin_password, **options):
        verbosity = options["verbosity"]
        if companies > 0 and not apps.is_installed("demo"):
            # Checked before anything is done: production installs neither the demo app nor Faker.
            raise CommandError(
                "Demo companies need the demo app, which only a development install has: install "
                "the development requirements (pip install -r requirements-dev.lock) or pass "
                "--companies 0."
            )
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        call_command("createcachetable", verbosity=0)
        call_command("setup_roles", verbosity=0)
        for name in FIXTURE_FILES:
            path = FIXTURES_DIR / name
            if path.exists():
                call_command("loaddata", str(path), verbosity=verbosity)
        # Files the fixtures refer to (project documents, logos) go to the media folder.
        # Through the storage API, so they reach S3 as well as a local folder.
        media_source = FIXTURES_DIR / "media"
        for path in sorted(media_source.rglob("*")) if media_source.is_dir() else []:
            name = path.relative_to(media_source).as_posix()
            if path.is_file() and not default_storage.exists(name):
                with path.open("rb") as content:
                    default_storage.save(name, File(content))
        # loaddata saves raw rows: give the capability tree its materialised paths.
        Capability.rebuild_paths()
        if companies and Company.objects.count() < companies:
            call_command("seed_demo", companies=companies, seed=seed, verbosity=verbosity)
        # loaddata bypasses the directory's signals: bring its tables up to date (cheap when
        # nothing changed).
        call_command("rebuild_directory", verbosity=verbosity)
        # The open data downloads exist from the first start; the daily job refreshes them.
        if not default_storage.exists(MANIFEST):
            call_command("export_open_data", verbosity=verbosity)
        User = get_user_model()
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.org"},
        )
        if created:
            admin.set_password(admin_password)
            admin.save()
            password_note = admin_password
        else:
            password_note = "(unchanged)"
        self.stdout.write(
            self.style.SUCCESS(
                f"Portal ready. Admin login: http://127.0.0.1:8000/en/admin/  user: admin  password: {password_note}"
            )
        )
