"""``manage.py backup`` and ``manage.py restore``: a backup restores into a fresh database and
fresh storage folders with every row and every byte, and a restore refuses a foreign, damaged or
hostile archive (and a database that holds data) before it writes anything."""

import contextlib
import hashlib
import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from PIL import Image
from psycopg2 import sql

from portal import backups
from tests import factories

BASE_DIR = Path(__file__).resolve().parents[2]
# Names unique to this xdist worker and test: workers share the PostgreSQL server.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture
def media(settings, tmp_path):
    """Both storages in folders of this test alone (not created: a fresh install has none)."""
    folders = {"default": tmp_path / "media", "private": tmp_path / "private-media"}
    settings.MEDIA_ROOT = folders["default"]
    settings.PRIVATE_MEDIA_ROOT = folders["private"]
    settings.STORAGES = {
        **settings.STORAGES,
        **{
            alias: {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": folder},
            }
            for alias, folder in folders.items()
        },
    }
    return folders


def png():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "steelblue").save(buffer, "PNG")
    return buffer.getvalue()


def file_hashes(folders):
    """``{"<storage>/<name>": sha256}`` of every file in the folders of the storages."""
    return {
        f"{alias}/{path.relative_to(folder).as_posix()}": hashlib.sha256(
            path.read_bytes()
        ).hexdigest()
        for alias, folder in folders.items()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def row_counts(cursor, tables):
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


@pytest.fixture
def fresh_database(tmp_path):
    """An empty database of the run's kind: its DATABASE_URL and a function that connects."""
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        yield f"sqlite:///{path}", lambda: sqlite3.connect(path)
        return
    config = connection.settings_dict
    params = {
        key: config[setting]
        for key, setting in [("host", "HOST"), ("port", "PORT"), ("user", "USER")]
        if config[setting]
    }
    if config["PASSWORD"]:
        params["password"] = config["PASSWORD"]
    name = f"portal_restore_{WORKER}_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(dbname="postgres", **params)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        credentials = quote(config["USER"] or "", safe="")
        if config["PASSWORD"]:
            credentials += ":" + quote(config["PASSWORD"], safe="")
        port = f":{config['PORT']}" if config["PORT"] else ""
        url = f"postgres://{credentials}@{quote(config['HOST'] or '', safe='')}{port}/{name}"
        yield url, lambda: psycopg2.connect(dbname=name, **params)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()


def manage(*args, database_url, folders):
    """``manage.py`` in a fresh process, as on a new machine: only the environment configures it."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("S3_")
        and key not in {"DATABASE_URL", "DATABASE_REPLICA_URL", "CACHE_URL", "DEBUG"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="true",
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(folders["default"]),
        PRIVATE_MEDIA_ROOT=str(folders["private"]),
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.django_db(transaction=True)  # pg_dump sees committed rows only
def test_a_backup_restores_every_row_and_every_byte_into_a_fresh_portal(
    media, tmp_path, fresh_database
):
    company = factories.company(clusters=[factories.cluster()])
    company.logo.save("logo.png", ContentFile(png()))
    factories.registration(factories.event())
    factories.project()
    factories.user()
    private = storages["private"]
    private.save("internal/projects/documents/plan.pdf", ContentFile(b"%PDF-1.7 internal plan"))
    # Big enough to pass through the archive in several chunks; a name tar must carry in UTF-8.
    private.save("imports/łódź companies.csv", ContentFile(os.urandom(3 * 1024 * 1024)))

    archive = tmp_path / "nightly.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())

    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        originals = row_counts(cursor, tables)
    uploads = file_hashes(media)
    assert originals["companies_company"] == 1
    assert sorted(uploads) == [
        f"default/{company.logo.name}",
        "private/imports/łódź companies.csv",
        "private/internal/projects/documents/plan.pdf",
    ]
    with tarfile.open(archive) as tar:
        members = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))
    assert members == {
        "manifest.json",
        backups.DUMPS[connection.vendor],
        *(f"media/{key}" for key in uploads),
    }
    database = manifest["database"]
    assert database["vendor"] == connection.vendor
    assert database["tables"] == originals
    applied = MigrationRecorder(connection).applied_migrations()
    assert set(database["migrations"]) == {f"{app}.{name}" for app, name in applied}
    assert {f"{e['storage']}/{e['name']}": e["sha256"] for e in manifest["files"]} == uploads

    database_url, connect = fresh_database
    restored = {"default": tmp_path / "restored-media", "private": tmp_path / "restored-private"}

    def restore(*options):
        result = manage(
            "restore", str(archive), *options, database_url=database_url, folders=restored
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "every row count and checksum matches" in result.stdout
        with contextlib.closing(connect()) as fresh:
            cursor = fresh.cursor()
            assert row_counts(cursor, tables) == originals
            cursor.execute(f"SELECT logo FROM companies_company WHERE id = {company.pk}")
            assert cursor.fetchone() == (company.logo.name,)
        assert file_hashes(restored) == uploads

    restore()
    # The restored portal goes on: a restore over it is refused, then forced back to the backup.
    with contextlib.closing(connect()) as fresh:
        fresh.cursor().execute("DELETE FROM events_registration")
        fresh.commit()
    (restored["default"] / company.logo.name).write_bytes(b"a newer logo")
    refused = manage("restore", str(archive), database_url=database_url, folders=restored)
    assert refused.returncode == 1
    assert "already holds portal data" in refused.stderr
    restore("--force")


@pytest.mark.django_db(transaction=True)
def test_a_fresh_install_without_upload_folders_backs_up(media, tmp_path):
    archive = tmp_path / "empty.tar"
    call_command("backup", str(archive), stdout=io.StringIO())
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["files"] == []
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # password hashes, private documents
    assert "companies_company" in manifest["database"]["tables"]
    assert not media["default"].exists()
    # Nothing of the work is left beside the archive.
    assert [path.name for path in tmp_path.iterdir()] == ["empty.tar"]


@pytest.mark.django_db
def test_a_backup_runs_outside_a_transaction(media, tmp_path):
    # Inside one, pg_dump would miss its rows and SQLite could not copy what it is writing.
    with pytest.raises(CommandError, match="outside a transaction"):
        call_command("backup", str(tmp_path / "backup.tar"))
    assert list(tmp_path.iterdir()) == []


def test_a_sqlite_copy_gives_up_on_a_lock_that_stays(monkeypatch):
    monkeypatch.setattr(backups, "SQLITE_LOCK_WAIT", 0.2)
    name = f"file:locked_{WORKER}_{uuid.uuid4().hex}?mode=memory&cache=shared"
    with (
        contextlib.closing(sqlite3.connect(name, uri=True, isolation_level=None)) as writer,
        contextlib.closing(sqlite3.connect(":memory:")) as copy,
    ):
        writer.execute("CREATE TABLE t (x)")
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(CommandError, match="stayed locked by a writer"):
            backups._sqlite_copy(writer, copy, "Backup")


def test_a_backup_needs_a_tar_name_and_an_existing_folder(tmp_path):
    with pytest.raises(CommandError, match="must end in .tar or .tar.gz"):
        call_command("backup", str(tmp_path / "backup.zip"))
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("backup", str(tmp_path / "missing" / "backup.tar"))
    (tmp_path / "taken.tar").mkdir()
    with pytest.raises(CommandError, match="is a folder"):
        call_command("backup", str(tmp_path / "taken.tar"))


def test_a_missing_pg_dump_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CommandError, match="pg_dump was not found on PATH"):
        backups.find_tool("pg_dump")
    if connection.vendor == "postgresql":
        with pytest.raises(CommandError, match="pg_dump was not found on PATH"):
            call_command("backup", str(tmp_path / "backup.tar"))
        assert list(tmp_path.iterdir()) == []


# --- Archives that must be refused, before anything is written --------------------------------


def manifest_for(files=(), vendor=None):
    return {
        "format": backups.FORMAT,
        "created": "2026-01-01T00:00:00+00:00",
        "database": {"vendor": vendor or connection.vendor, "migrations": [], "tables": {}},
        "files": [
            {
                "storage": name.split("/")[1],
                "name": name.split("/", 2)[2],
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
            for name, data in files
        ],
    }


def write_archive(path, members, manifest=None):
    """A tar of ``members`` (name → bytes or TarInfo), with a manifest unless it is ``False``."""
    with tarfile.open(path, "w") as tar:
        if manifest is not False:
            body = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
            members = {"manifest.json": body, **members}
        for name, data in members.items():
            if isinstance(data, tarfile.TarInfo):
                tar.addfile(data)
                continue
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def a_valid_archive(path, files=()):
    members = {backups.DUMPS[connection.vendor]: b"dump", **dict(files)}
    return write_archive(path, members, manifest_for(files))


def restore_refuses(archive, match, **options):
    with pytest.raises(CommandError, match=match):
        call_command("restore", str(archive), **options)


@pytest.mark.parametrize(
    "name",
    [
        "../escape.txt",
        "/tmp/escape.txt",
        "media/default/../../escape.txt",
        "media/private/a/../../../escape.txt",
        "media\\default\\..\\escape.txt",
        "media/default//escape.txt",
    ],
)
def test_names_that_leave_the_archive_are_refused(media, tmp_path, name):
    archive = a_valid_archive(tmp_path / "backup.tar")
    with tarfile.open(archive, "a") as tar:
        info = tarfile.TarInfo(name)
        info.size = 6
        tar.addfile(info, io.BytesIO(b"pwned\n"))
    restore_refuses(archive, "points outside the archive")
    assert not Path("/tmp/escape.txt").exists()
    assert sorted(path.name for path in tmp_path.rglob("*")) == ["backup.tar"]


@pytest.mark.parametrize(
    "kind",
    [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.FIFOTYPE],
    ids=["symlink", "hardlink", "fifo"],
)
def test_links_and_devices_are_refused(media, tmp_path, kind):
    link = tarfile.TarInfo("media/default/passwd")
    link.type, link.linkname = kind, "/etc/passwd"
    archive = write_archive(tmp_path / "backup.tar", {"media/default/passwd": link})
    restore_refuses(archive, "is a link or a device")
    assert not media["default"].exists()


def test_what_is_not_a_backup_archive_is_refused(tmp_path):
    restore_refuses(tmp_path / "missing.tar.gz", "no such file")
    restore_refuses(tmp_path, "no such file")
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(os.urandom(4096))
    restore_refuses(garbage, r"is not a \.tar or \.tar\.gz archive")
    # A real archive cut short, as a full disk or an interrupted copy leaves it.
    whole = tmp_path / "whole.tar.gz"
    with tarfile.open(whole, "w:gz") as tar:
        for n in range(2):
            info = tarfile.TarInfo(f"media/default/{n}.bin")
            info.size = 200_000
            tar.addfile(info, io.BytesIO(os.urandom(info.size)))
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole.read_bytes()[:150_000])
    restore_refuses(cut, "is damaged")


@pytest.mark.parametrize(
    ("manifest", "match"),
    [
        (False, "has no manifest.json"),
        (b"{not json", "manifest.json is malformed"),
        (b"[]", "manifest.json is malformed"),
        ({"format": 99}, "manifest.json is malformed"),
        ({**manifest_for(), "created": None}, "manifest.json is malformed"),
        ({**manifest_for(), "files": [{"storage": "default"}]}, "manifest.json is malformed"),
        (
            {
                **manifest_for(),
                "files": [{"storage": "default", "name": "../x", "size": 1, "sha256": ""}],
            },
            "manifest.json is malformed",
        ),
    ],
    ids=[
        "missing",
        "not-json",
        "a-list",
        "other-format",
        "no-date",
        "file-entry",
        "traversal-entry",
    ],
)
def test_a_missing_or_malformed_manifest_is_refused(tmp_path, manifest, match):
    members = {backups.DUMPS[connection.vendor]: b"dump"}
    restore_refuses(write_archive(tmp_path / "backup.tar", members, manifest), match)


def test_an_archive_that_disagrees_with_its_manifest_is_refused(tmp_path):
    dump = backups.DUMPS[connection.vendor]
    logo = ("media/default/logo.png", b"png")
    listed_only = write_archive(tmp_path / "a.tar", {dump: b"dump"}, manifest_for([logo]))
    restore_refuses(listed_only, "its files and its manifest disagree")
    held_only = write_archive(tmp_path / "b.tar", {dump: b"dump", logo[0]: logo[1]}, manifest_for())
    restore_refuses(held_only, "its files and its manifest disagree")
    no_dump = write_archive(tmp_path / "c.tar", {}, manifest_for())
    restore_refuses(no_dump, "exactly one database file")
    stranger = write_archive(
        tmp_path / "d.tar", {dump: b"dump", "notes.txt": b"hi"}, manifest_for()
    )
    restore_refuses(stranger, "unexpected member 'notes.txt'")
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    foreign = write_archive(
        tmp_path / "e.tar", {backups.DUMPS[other]: b"dump"}, manifest_for(vendor=other)
    )
    restore_refuses(foreign, f"holds a {other} database")


@pytest.mark.django_db
def test_a_database_holding_portal_data_is_refused_without_force(media, tmp_path):
    archive = a_valid_archive(tmp_path / "backup.tar", [("media/default/logo.png", b"png")])
    factories.company()
    restore_refuses(archive, "already holds portal data .*companies_company.*--force")
    assert not media["default"].exists()
    if connection.vendor == "sqlite":  # the test database lives in memory: nowhere to restore
        restore_refuses(archive, "lives in memory", force=True)
        assert not media["default"].exists()


def test_a_damaged_database_file_or_an_unreadable_database_fails_without_a_traceback(
    tmp_path, fresh_database
):
    folders = {"default": tmp_path / "media", "private": tmp_path / "private"}
    database_url, _connect = fresh_database
    damaged = a_valid_archive(tmp_path / "damaged.tar")  # its database file holds b"dump"
    result = manage("restore", str(damaged), database_url=database_url, folders=folders)
    assert (result.returncode, "Traceback" in result.stderr) == (1, False), result.stderr
    assert "CommandError" in result.stderr
    sqlite_archive = write_archive(
        tmp_path / "sqlite.tar", {"database.sqlite3": b"dump"}, manifest_for(vendor="sqlite")
    )
    nowhere = f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}"
    result = manage("restore", str(sqlite_archive), database_url=nowhere, folders=folders)
    assert (result.returncode, "Traceback" in result.stderr) == (1, False), result.stderr
    assert "The configured database cannot be read" in result.stderr
    assert not folders["default"].exists() and not folders["private"].exists()


# --- Writing files back and checking the result -----------------------------------------------


def test_a_storage_that_renames_a_file_fails_the_restore(media, tmp_path, monkeypatch):
    archive = a_valid_archive(tmp_path / "backup.tar", [("media/default/logo.png", b"new")])
    storages["default"].save("logo.png", ContentFile(b"old"))
    # A storage that cannot delete keeps the old file, and saves the new one under another name.
    monkeypatch.setattr(FileSystemStorage, "delete", lambda self, name: None)
    with backups.Archive(archive) as opened, pytest.raises(CommandError, match="saved 'logo.png'"):
        backups.restore_files(opened)


def test_a_file_that_changes_during_the_backup_is_left_out_or_stops_it(
    media, tmp_path, monkeypatch
):
    storage = storages["default"]
    with tarfile.open(tmp_path / "backup.tar", "w") as tar:
        # Deleted after it was listed: the dump taken before still names it, as it was.
        assert backups._add_stored_file(tar, "default", storage, "gone.png", 0) is None
        storage.save("logo.png", ContentFile(b"png"))
        monkeypatch.setattr(FileSystemStorage, "size", lambda self, name: 10)
        with pytest.raises(CommandError, match="logo.png shrank while it was being saved"):
            backups._add_stored_file(tar, "default", storage, "logo.png", 0)


@pytest.mark.django_db
def test_verify_names_every_difference(media):
    storage = storages["private"]
    storage.save("same.txt", ContentFile(b"same"))
    storage.save("changed.txt", ContentFile(b"changed on disk"))
    factories.news()
    manifest = manifest_for(
        [
            ("media/private/same.txt", b"same"),
            ("media/private/changed.txt", b"as backed up"),
            ("media/default/gone.png", b"png"),
        ]
    )
    hostile = 'x"; DROP TABLE companies_company; --'
    manifest["database"]["tables"] = {"portal_newsitem": 1, "companies_company": 3, hostile: 1}
    assert backups.verify(manifest) == [
        "table companies_company: 0 rows, the backup has 3",
        f"table {hostile}: missing",
        "private:changed.txt: 15 bytes sha256 "
        f"{hashlib.sha256(b'changed on disk').hexdigest()[:12]}…, not as in the backup",
        "default:gone.png: missing",
    ]


def test_restore_reports_what_differs_and_what_is_left_to_do(monkeypatch):
    manifest = manifest_for([("media/default/logo.png", b"png")])
    monkeypatch.setattr(backups, "restore", lambda archive, force: manifest)
    monkeypatch.setattr(backups, "verify", lambda manifest: [f"line {n}" for n in range(25)])
    with pytest.raises(CommandError, match=r"(?s)25 differences\):\n  line 0\n.*… and 5 more"):
        call_command("restore", "backup.tar")
    monkeypatch.setattr(backups, "verify", lambda manifest: [])
    monkeypatch.setattr(backups, "pending_migrations", lambda: [("companies", "0099_new")])
    out = io.StringIO()
    call_command("restore", "backup.tar", stdout=out)
    assert "0 tables (0 rows) and 1 files" in out.getvalue()
    assert "1 migrations the backup lacks: run `manage.py migrate`" in out.getvalue()
