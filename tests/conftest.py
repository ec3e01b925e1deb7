import pytest
from django.utils import translation

from .shared import TEST_SETTINGS


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    """Fast password hashing, no rate limits unless a test asks, English unless a test switches."""
    for name, value in TEST_SETTINGS.items():
        setattr(settings, name, value)
    translation.activate("en")
    yield
    translation.deactivate()


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
