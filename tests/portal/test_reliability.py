"""What production must survive: the cache (Redis) or the database unreachable, addresses longer
than a column, concurrent writers on SQLite."""

import logging
import threading
import time
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError, connection, connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper
from django.urls import reverse

from board.forms import InterestForm, JobForm, JobMessageForm, OfferForm
from clusters import abuse
from events.forms import RegistrationForm, VisitRequestForm
from events.models import Registration
from tests import factories

pytestmark = pytest.mark.django_db

# Nothing listens there: what production saw with CACHE_URL=redis://127.0.0.1:6390/7.
DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6390/7",
    }
}
LONG_EMAIL = "a" * 243 + "@example.org"  # 255 characters: a valid address, one over the column


@pytest.fixture
def dead_cache(settings):
    settings.CACHES = DEAD_REDIS
    abuse._fallback_cache.clear()
    yield
    abuse._fallback_cache.clear()


# --- The cache unreachable -------------------------------------------------------------------


def test_public_posts_fall_back_to_a_per_process_limit_when_the_cache_is_down(
    client, settings, dead_cache, caplog
):
    settings.RATELIMIT_ENABLE = True
    settings.PUBLIC_POST_RATELIMIT = "2/m"
    event = factories.event(registration_open=True)
    url = reverse("events:register", kwargs={"slug": event.slug})
    with caplog.at_level(logging.WARNING, logger="clusters.abuse"):
        statuses = [
            client.post(url, {"name": "N", "email": f"n{number}@example.org"}).status_code
            for number in range(3)
        ]
    assert statuses == [302, 302, 429]
    assert Registration.objects.count() == 2
    assert any(
        record.name == "clusters.abuse" and record.levelno == logging.WARNING
        for record in caplog.records
    )
    # Reading is never limited, and pages still render.
    assert client.get(url).status_code == 200


def test_readyz_names_the_cache_when_it_is_down(client, dead_cache):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok" and body["storage"] == "ok"
    assert body["cache"].startswith("error")


def test_readyz_is_ok_when_everything_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "storage": "ok"}
    assert "no-cache" in response["Cache-Control"]


# --- The database unreachable ----------------------------------------------------------------


def test_a_database_error_in_a_view_answers_503_with_retry_after(client, django_assert_num_queries):
    with (
        mock.patch("portal.views.site_search", side_effect=OperationalError("connection refused")),
        django_assert_num_queries(0),
    ):
        response = client.get(reverse("portal:search"), {"q": "steel"})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "Temporarily unavailable" in html and '<html lang="en">' in html


def test_the_503_page_is_translated(client):
    with mock.patch("portal.views.site_search", side_effect=OperationalError("down")):
        response = client.get(factories.url_in("fi", "portal:search"), {"q": "x"})
    assert response.status_code == 503
    assert '<html lang="fi">' in response.content.decode()
    assert "Temporarily unavailable" not in response.content.decode()


def test_a_database_error_outside_a_view_answers_503_too(rf):
    from portal.middleware import server_error

    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(rf.get("/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(rf.get("/")).status_code == 500


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    with (
        mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")),
        django_assert_num_queries(0),
    ):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_readyz_names_the_database_when_it_is_down(client):
    with mock.patch.object(
        connection, "cursor", side_effect=OperationalError("connection refused")
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "error: OperationalError"


# --- E-mail addresses longer than the column -------------------------------------------------


def test_an_email_longer_than_the_column_is_a_form_error_not_a_500(client):
    """On PostgreSQL a 255-character address reached varchar(254) and failed with a 500."""
    event = factories.event(registration_open=True)
    url = reverse("events:register", kwargs={"slug": event.slug})
    response = client.post(url, {"name": "N", "email": LONG_EMAIL})
    assert response.status_code == 400  # the form again, with the error
    assert "at most 254 characters" in response.content.decode()
    assert not Registration.objects.exists()
    assert client.post(url, {"name": "N", "email": "a" * 242 + "@example.org"}).status_code == 302


@pytest.mark.parametrize(
    "form_class", [OfferForm, InterestForm, JobForm, JobMessageForm, RegistrationForm]
)
def test_every_public_email_field_holds_what_its_column_holds(form_class):
    form = form_class()
    emails = [field for field in form.fields.values() if field.__class__.__name__ == "EmailField"]
    assert emails
    for field in emails:
        assert field.max_length == 254
        assert field.widget.attrs["maxlength"] == "254"


def test_the_visit_form_email_holds_what_its_column_holds():
    form = VisitRequestForm(data={"email": LONG_EMAIL})
    assert form.fields["email"].max_length == 254
    assert "at most 254 characters" in str(form.errors["email"])


# --- SQLite under concurrent writers ----------------------------------------------------------


def test_sqlite_waits_for_the_write_lock_instead_of_failing():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    options = django_settings.DATABASES["default"]["OPTIONS"]
    assert options["timeout"] == 20
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["init_command"] == "PRAGMA journal_mode=WAL;"


def test_sqlite_options_let_concurrent_read_then_write_transactions_succeed(tmp_path):
    """20 threads that read then write in a transaction, as a registration does: with the
    default (deferred) transactions some fail at once with "database is locked"."""
    options = {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": ""}
    if connection.vendor == "sqlite":
        options = dict(django_settings.DATABASES["default"]["OPTIONS"])
    settings_dict = {
        **connection.settings_dict,
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "concurrent.sqlite3"),
        "OPTIONS": options,
        "TEST": {},
    }
    setup = SQLiteDatabaseWrapper(settings_dict, alias="concurrent")
    with setup.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("CREATE TABLE registration (id INTEGER PRIMARY KEY, n INTEGER)")
    setup.close()
    errors, barrier = [], threading.Barrier(20)

    def register(number):
        wrapper = SQLiteDatabaseWrapper(settings_dict, alias="concurrent")
        connections["concurrent"] = wrapper  # this thread's own connection, for atomic()
        try:
            barrier.wait()
            with transaction.atomic(using="concurrent"), wrapper.cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM registration")
                cursor.fetchone()
                time.sleep(0.001)
                cursor.execute("INSERT INTO registration (n) VALUES (%s)", [number])
        except Exception as error:
            errors.append(error)
        finally:
            wrapper.close()

    threads = [threading.Thread(target=register, args=(number,)) for number in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    check = SQLiteDatabaseWrapper(settings_dict, alias="concurrent")
    with check.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM registration")
        assert cursor.fetchone()[0] == 20
    check.close()
