"""Backups that restore (``manage.py backup`` and ``manage.py restore``).

An archive is one tar file, gzip-compressed when its name ends in ``.tar.gz`` or ``.tgz``:

- ``database.pgdump`` (pg_dump's custom format) or ``database.sqlite3`` (an online copy);
- ``media/default/<name>`` and ``media/private/<name>``: every file of the public and the private
  storage, read and written only through the Storage API, so a local folder and S3 work alike;
- ``manifest.json``: when, which database, its applied migrations, every table's row count and
  every file's size and sha256. A restore checks itself against it before it says "done".

Everything read from an archive is untrusted: member names, types and the manifest are checked
before the first write, and nothing is extracted by its own name.
"""

import contextlib
import hashlib
import io
import json
import os
import posixpath
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import storages
from django.core.management.base import CommandError
from django.db import DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

FORMAT = 1
STORAGES = ("default", "private")
MANIFEST = "manifest.json"
DUMPS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024
# About 150 bytes a file: a manifest far bigger than this is not one of ours.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
# What a damaged or foreign archive raises while it is read.
ARCHIVE_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error)
# Seconds a SQLite copy waits for a writer to finish before it gives up.
SQLITE_LOCK_WAIT = 60


# --- Writing ---------------------------------------------------------------------------------


def stored_files(storage, folder=""):
    """Every file name in ``storage``, through ``listdir`` alone (no paths, so S3 too)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a local storage whose folder was never created holds nothing
        return
    for name in sorted(files):
        if name:  # S3 lists a "folder/" placeholder key as an empty name
            yield posixpath.join(folder, name)
    for sub in sorted(folders):
        yield from stored_files(storage, posixpath.join(folder, sub))


class _Hashing:
    """Hashes what tarfile reads through it: the manifest describes the bytes in the archive."""

    def __init__(self, stream):
        self.stream, self.sha256, self.size = stream, hashlib.sha256(), 0

    def read(self, size=-1):
        data = self.stream.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


def file_digest(stream):
    """``(sha256, size)`` of a stream, read a chunk at a time."""
    sha256, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        sha256.update(chunk)
        size += len(chunk)
    return sha256.hexdigest(), size


def find_tool(name):
    path = shutil.which(name)
    if path is None:
        raise CommandError(
            f"{name} was not found on PATH. Install PostgreSQL's client tools of the server's "
            "major version (e.g. apt-get install postgresql-client-15)."
        )
    return path


def _pg_env(connection):
    # The password (and SSL or service options) go in the environment, never on a command line
    # that `ps` shows; Django's psql client knows which variable holds which option.
    _args, extra = connection.client.settings_to_cmd_args_env(connection.settings_dict, [])
    env = {**os.environ, **(extra or {})}
    for variable, key in [("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")]:
        if connection.settings_dict.get(key):
            env[variable] = str(connection.settings_dict[key])
    return env


def _run(command, env):
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, errors="replace")
    except OSError as error:
        raise CommandError(f"{command[0]} did not start: {error}") from None
    if result.returncode:
        output = (result.stderr or result.stdout).strip()[-3000:]
        raise CommandError(f"{Path(command[0]).name} failed (exit {result.returncode}):\n{output}")


def database_facts(connection, cursor):
    """The vendor, the applied migrations and every table's row count, read through ``cursor``."""
    quote = connection.ops.quote_name
    tables = {}
    for table in connection.introspection.table_names(cursor):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        tables[table] = cursor.fetchone()[0]
    migrations = []
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        migrations = [f"{app}.{name}" for app, name in cursor.fetchall()]
    return {"vendor": connection.vendor, "migrations": migrations, "tables": tables}


def _sqlite_copy(source, target, what):
    """SQLite's online backup, which Python retries for ever while a writer holds the lock:
    give up after a while with a message instead."""
    deadline = time.monotonic() + SQLITE_LOCK_WAIT

    def progress(status, remaining, total):
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
            raise CommandError(
                f"{what}: the SQLite database stayed locked by a writer for "
                f"{SQLITE_LOCK_WAIT} s; try again."
            )

    source.backup(target, progress=progress, sleep=0.1)


def dump_database(connection, folder):
    """Write the database into ``folder``: its file, and its facts counted in the same state."""
    pg_dump = find_tool("pg_dump") if connection.vendor == "postgresql" else None
    if connection.in_atomic_block:
        # pg_dump would miss the transaction's rows, and SQLite cannot copy a database its own
        # connection is writing to.
        raise CommandError("A backup runs outside a transaction.")
    path = Path(folder) / DUMPS[connection.vendor]
    if pg_dump:
        command = [pg_dump, "--format=custom", "--no-owner", "--no-privileges"]
        command += [f"--file={path}", f"--dbname={connection.settings_dict['NAME']}"]
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            # pg_dump takes the snapshot this transaction exports: the row counts below are
            # those of the dump, however busy the portal is meanwhile.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            command.append(f"--snapshot={cursor.fetchone()[0]}")
            _run(command, _pg_env(connection))
            return path, database_facts(connection, cursor)
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(path)) as copy:
        # The online copy is consistent while the portal writes; the counts are taken from the
        # copy itself. DELETE journal: one self-contained file, no -wal beside it.
        _sqlite_copy(connection.connection, copy, "Backup")
        copy.execute("PRAGMA journal_mode=DELETE")
        return path, database_facts(connection, copy.cursor())


def _member(name, size, mtime):
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o600
    return info


def _add_stored_file(tar, alias, storage, name, mtime):
    """Stream one stored file into the archive; its manifest entry, or None if it is gone."""
    try:
        info = _member(f"media/{alias}/{name}", storage.size(name), mtime)
        stream = storage.open(name, "rb")
    except FileNotFoundError:  # deleted since it was listed, with a change newer than the dump
        return None
    with stream:
        hashing = _Hashing(stream)
        try:
            tar.addfile(info, hashing)
        except OSError as error:
            if hashing.size >= info.size:
                raise
            raise CommandError(
                f"{alias}:{name} shrank while it was being saved ({error}); run the backup again."
            ) from None
    return {"storage": alias, "name": name, "size": info.size, "sha256": hashing.sha256.hexdigest()}


def create(output, using="default"):
    """Write the backup archive ``output`` and return its manifest."""
    output = Path(output)
    if output.name.endswith((".tar.gz", ".tgz")):
        mode = "w:gz"
    elif output.name.endswith(".tar"):
        mode = "w"
    else:
        raise CommandError(f"{output}: the archive's name must end in .tar or .tar.gz.")
    if not output.parent.is_dir():
        raise CommandError(f"{output.parent} is not a folder.")
    if output.is_dir():
        raise CommandError(f"{output} is a folder.")
    connection = connections[using]
    if connection.vendor not in DUMPS:
        raise CommandError(f"Backups know PostgreSQL and SQLite, not {connection.vendor}.")
    started = timezone.now()
    mtime = int(time.time())
    # Written beside the target and renamed at the end: a failed run never leaves a half archive
    # under the real name. Owner-only, as it holds password hashes and private documents.
    partial = output.with_name(f".{output.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with (
            tempfile.TemporaryDirectory(prefix=".backup-", dir=output.parent) as work,
            os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out,
        ):
            with tarfile.open(fileobj=out, mode=mode) as tar:
                dump, database = dump_database(connection, work)
                with dump.open("rb") as stream:
                    tar.addfile(_member(dump.name, dump.stat().st_size, mtime), stream)
                files = [
                    entry
                    for alias in STORAGES
                    for name in stored_files(storages[alias])
                    if (entry := _add_stored_file(tar, alias, storages[alias], name, mtime))
                ]
                manifest = {
                    "format": FORMAT,
                    "created": started.isoformat(),
                    "database": database,
                    "files": files,
                }
                body = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
                tar.addfile(_member(MANIFEST, len(body), mtime), io.BytesIO(body))
            out.flush()
            os.fsync(out.fileno())  # on disk before it takes the real name
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


# --- Reading ---------------------------------------------------------------------------------


def safe_name(name):
    """A relative name that stays inside its folder: no absolute path, no '..', no backslash."""
    return (
        isinstance(name, str)
        and bool(name)
        and not name.startswith("/")
        and "\\" not in name
        and "\0" not in name
        and all(part not in ("", ".", "..") for part in name.split("/"))
    )


def _check_manifest(data):
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not a manifest of this format")
    if not isinstance(data["created"], str):
        raise ValueError("no time of creation")
    database = data["database"]
    if database["vendor"] not in DUMPS:
        raise ValueError(f"unknown database {database['vendor']!r}")
    tables = database["tables"]
    if not all(isinstance(count, int) for count in tables.values()):
        raise ValueError("a row count is not a number")
    for entry in data["files"]:
        if not (
            entry["storage"] in STORAGES
            and safe_name(entry["name"])
            and isinstance(entry["size"], int)
            and isinstance(entry["sha256"], str)
        ):
            raise ValueError(f"bad file entry {entry!r}")
    return data


class Archive:
    """A backup archive, opened and checked whole before anything is restored from it."""

    def __init__(self, path):
        self.path = Path(path)
        if not self.path.is_file():
            raise CommandError(f"{self.path}: no such file.")
        try:
            self.tar = tarfile.open(self.path, "r:*")
        except ARCHIVE_ERRORS as error:
            raise CommandError(f"{self.path} is not a .tar or .tar.gz archive ({error}).") from None
        try:
            self._read()
        except ARCHIVE_ERRORS as error:
            self.close()
            raise CommandError(f"{self.path} is damaged ({error}).") from None
        except BaseException:
            self.close()
            raise

    def _refuse(self, reason):
        raise CommandError(f"Refusing {self.path}: {reason}")

    def _read(self):
        manifest, dumps, seen = None, {}, set()
        self.media = []  # (member, storage alias, name), in the archive's order
        for member in self.tar.getmembers():
            name = member.name
            if not safe_name(name):
                self._refuse(f"the member {name!r} points outside the archive.")
            if name in seen:
                self._refuse(f"the member {name!r} appears twice.")
            seen.add(name)
            parts = name.split("/", 2)
            if member.isdir():
                continue
            if not member.isreg():
                self._refuse(f"the member {name!r} is a link or a device, not a file.")
            if name == MANIFEST:
                manifest = member
            elif name in DUMPS.values():
                dumps[name] = member
            elif len(parts) == 3 and parts[0] == "media" and parts[1] in STORAGES:
                self.media.append((member, parts[1], parts[2]))
            else:
                self._refuse(f"unexpected member {name!r}.")
        if manifest is None:
            self._refuse("it has no manifest.json, so it is not an archive of manage.py backup.")
        if manifest.size > MAX_MANIFEST_BYTES:
            self._refuse("its manifest.json is far too large.")
        try:
            self.manifest = _check_manifest(json.loads(self.tar.extractfile(manifest).read()))
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            self._refuse(f"its manifest.json is malformed ({error}).")
        self.vendor = self.manifest["database"]["vendor"]
        self.dump = dumps.get(DUMPS[self.vendor])
        if self.dump is None or len(dumps) != 1:
            self._refuse(f"it should hold exactly one database file, {DUMPS[self.vendor]}.")
        listed = {(e["storage"], e["name"]): e["size"] for e in self.manifest["files"]}
        held = {(alias, name): member.size for member, alias, name in self.media}
        if listed != held:
            differ = sorted(listed.keys() ^ held.keys()) or sorted(
                key for key in listed if listed[key] != held[key]
            )
            shown = ", ".join(f"{alias}:{name}" for alias, name in differ[:5])
            self._refuse(f"its files and its manifest disagree ({shown}).")

    def extract_database(self, target):
        with self.tar.extractfile(self.dump) as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out, CHUNK)

    def close(self):
        self.tar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


# --- Restoring -------------------------------------------------------------------------------


def tables_holding_data(connection):
    """The tables of the portal's own apps (and the users) that have a row: what a restore
    would overwrite. Django's bookkeeping (migrations, content types, permissions) does not
    count, so a database just migrated on a new machine is accepted."""
    base = Path(settings.BASE_DIR).resolve()
    models = [get_user_model()]
    for config in apps.get_app_configs():
        if Path(config.path).resolve().parent == base:
            models.extend(config.get_models(include_auto_created=True))
    existing = set(connection.introspection.table_names())
    tables = sorted({model._meta.db_table for model in models} & existing)
    found = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
            if cursor.fetchone():
                found.append(table)
    return found


def _restore_database(connection, archive):
    name = connection.settings_dict["NAME"]
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as work:
        dump = Path(work) / DUMPS[connection.vendor]
        archive.extract_database(dump)
        connection.close()
        if connection.vendor == "postgresql":
            # One transaction: a dump that fails halfway leaves the database as it was.
            command = [find_tool("pg_restore"), "--no-owner", "--no-privileges", "--clean"]
            command += ["--if-exists", "--single-transaction", f"--dbname={name}", str(dump)]
            _run(command, _pg_env(connection))
            return
        try:
            # Through SQLite's backup API rather than a file copy: it takes the write lock and
            # leaves no stale -wal file of the old database behind.
            with (
                contextlib.closing(sqlite3.connect(dump)) as source,
                contextlib.closing(sqlite3.connect(name)) as target,
            ):
                _sqlite_copy(source, target, "Restore")
        except sqlite3.Error as error:
            raise CommandError(f"Could not restore the database into {name}: {error}") from None


def restore_files(archive):
    for member, alias, name in archive.media:
        storage = storages[alias]
        # Storages rename a file rather than overwrite it: the old one goes first.
        if storage.exists(name):
            storage.delete(name)
        try:
            with archive.tar.extractfile(member) as stream:
                content = File(stream, name=posixpath.basename(name))
                content.size = member.size
                saved = storage.save(name, content)
        except ARCHIVE_ERRORS as error:
            raise CommandError(f"{archive.path} is damaged at {member.name} ({error}).") from None
        except SuspiciousFileOperation as error:
            raise CommandError(f"The {alias} storage refused {name!r}: {error}") from None
        if saved != name:
            raise CommandError(
                f"The {alias} storage saved {name!r} as {saved!r}, but the database refers to "
                "the original name. Is something else writing to the storage?"
            )


def restore(path, force=False, using="default"):
    """Restore the archive at ``path`` into the database ``using`` and the storages; return the
    manifest. Every refusal comes before the first write."""
    connection = connections[using]
    with Archive(path) as archive:
        if archive.vendor != connection.vendor:
            raise CommandError(
                f"The archive holds a {archive.vendor} database and the configured database is "
                f"{connection.vendor}: restore into the same kind of database."
            )
        try:
            occupied = tables_holding_data(connection)
        except DatabaseError as error:
            raise CommandError(f"The configured database cannot be read: {error}") from None
        if occupied and not force:
            raise CommandError(
                f"The configured database already holds portal data (in {', '.join(occupied[:4])}"
                f"{', …' if len(occupied) > 4 else ''}). The restore would replace it: pass "
                "--force if that is what you want."
            )
        if connection.vendor == "sqlite" and (
            not connection.settings_dict["NAME"] or connection.is_in_memory_db()
        ):
            raise CommandError(
                "The configured SQLite database lives in memory and would vanish when this "
                "command ends: point DATABASE_URL at a file (sqlite:////path/to/db.sqlite3)."
            )
        if connection.in_atomic_block:  # it closes the connection and replaces the tables
            raise CommandError("A restore runs outside a transaction.")
        if connection.vendor == "postgresql":
            find_tool("pg_restore")
        _restore_database(connection, archive)
        restore_files(archive)
        return archive.manifest


def verify(manifest, using="default"):
    """What differs between the database and storages and the manifest: a list of lines."""
    connection = connections[using]
    problems = []
    # Only names the database itself reports reach the SQL: the manifest is untrusted input.
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table, expected in sorted(manifest["database"]["tables"].items()):
            if table not in existing:
                problems.append(f"table {table}: missing")
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            if (actual := cursor.fetchone()[0]) != expected:
                problems.append(f"table {table}: {actual} rows, the backup has {expected}")
    for entry in manifest["files"]:
        storage, label = storages[entry["storage"]], f"{entry['storage']}:{entry['name']}"
        if not storage.exists(entry["name"]):
            problems.append(f"{label}: missing")
            continue
        with storage.open(entry["name"], "rb") as stream:
            sha256, size = file_digest(stream)
        if (sha256, size) != (entry["sha256"], entry["size"]):
            problems.append(f"{label}: {size} bytes sha256 {sha256[:12]}…, not as in the backup")
    return problems


def pending_migrations(using="default"):
    """Migrations of this code that the restored database lacks (a backup of older code)."""
    executor = MigrationExecutor(connections[using])
    return executor.migration_plan(executor.loader.graph.leaf_nodes())
