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
