import pytest
from django.db import connection, transaction
from django.utils import translation

from clusters import emails

from .shared import TEST_SETTINGS


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    """Fast password hashing, no rate limits unless a test asks, English unless a test switches."""
    for name, value in TEST_SETTINGS.items():
        setattr(settings, name, value)
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
