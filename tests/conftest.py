import json
import os
import sys
import time
import uuid

import pytest
from django.db import connection, connections, transaction
from django.utils import translation

from clusters import emails

from .shared import TEST_SETTINGS


@pytest.fixture(scope="session", autouse=True)
def no_stray_sessions_at_teardown(django_db_setup, django_db_blocker):
    """PostgreSQL refuses to drop the test database while another session uses it: a thread's
    or a subprocess's connection whose backend has not ended yet fails the whole run at its
    very end. End such sessions first, and say which they were (on stderr)."""
    yield
    with django_db_blocker.unblock():
        for alias in connections:
            if connections[alias].vendor != "postgresql":
                continue
            with connections[alias].cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid), left(query, 120) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                stray = [query for _ended, query in cursor.fetchall()]
                # Termination is a signal: wait (at most 5 s) until those backends are gone.
                for _attempt in range(50):
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                    if not cursor.fetchone()[0]:
                        break
                    time.sleep(0.1)
            if stray:  # a note, not a failure: the run's own result stands
                sys.stderr.write(f"\nended sessions still open on the test database: {stray}\n")


@pytest.fixture(scope="session")
def _private_files(tmp_path_factory):
    return tmp_path_factory.mktemp("private-media")


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, _private_files):
    """Fast password hashing, no rate limits unless a test asks, English unless a test switches;
    private files (internal documents, imports) in a temporary folder."""
    for name, value in TEST_SETTINGS.items():
        setattr(settings, name, value)
    if settings.STORAGES["private"]["BACKEND"].endswith("FileSystemStorage"):
        private = {**settings.STORAGES["private"], "OPTIONS": {"location": _private_files}}
        settings.STORAGES = {**settings.STORAGES, "private": private, "import_export": private}
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _mail_leaves_inside_the_test_transaction(monkeypatch):
    """Nothing commits inside a test case's transaction, so the outbox's on-commit delivery would
    never run: there a message goes out at once. Tests of the commit itself use
    ``transaction=True`` or ``django_capture_on_commit_callbacks``."""

    def deliver(callback):
        outermost = connection.atomic_blocks[0] if connection.in_atomic_block else None
        if getattr(outermost, "_from_testcase", False):
            callback()
        else:
            transaction.on_commit(callback, robust=True)

    monkeypatch.setattr(emails, "_on_commit", deliver)


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(user)
    return client


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The database cache's table, as `manage.py setup_portal` creates it in production (the
    directory's index version and the rate limits live there)."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)


@pytest.fixture(scope="session")
def s3_endpoint():
    """A local S3 server (moto): the one `.ci/run` started (S3_TEST_ENDPOINT), or our own."""
    if os.environ.get("S3_TEST_ENDPOINT"):
        yield os.environ["S3_TEST_ENDPOINT"]
        return
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


S3_KEYS = {"access_key": "portal-test", "secret_key": "portal-test", "region_name": "us-east-1"}


@pytest.fixture
def s3_bucket(s3_endpoint, settings):
    """A fresh bucket, with the portal's public and private storages in it."""
    import boto3

    from portal.settings import s3_storages

    name = f"portal-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, **_boto_keys())
    client.create_bucket(Bucket=name)
    # As a deployment sets it up: anyone may read public/, nobody private/ (compose.yaml).
    client.put_bucket_policy(Bucket=name, Policy=json.dumps(public_read_policy(name)))
    public, private = s3_storages(name, endpoint_url=s3_endpoint, **S3_KEYS)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": public,
        "private": private,
        "import_export": private,
    }
    return client, name


def _boto_keys():
    return {
        "aws_access_key_id": S3_KEYS["access_key"],
        "aws_secret_access_key": S3_KEYS["secret_key"],
        "region_name": S3_KEYS["region_name"],
    }


def public_read_policy(bucket):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:aws:s3:::{bucket}/public/*"],
            }
        ],
    }
