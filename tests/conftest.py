import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    """Fast password hashing, no rate limits unless a test asks, English unless a test switches."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.RATELIMIT_ENABLE = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
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
