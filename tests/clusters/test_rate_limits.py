"""Rate limits counted on the database (no CACHE_URL): exact, whatever the cache does to its own
entries (the default 300 s timeout, culling past MAX_ENTRIES) and whatever runs at once."""

import logging
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.core.cache.backends import db as db_cache
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from clusters import abuse
from clusters.models import RateLimitCount, Region

# Ten minutes past an hour. Hourly windows are shifted per client; the test client's (127.0.0.1)
# ends 1832 s past the hour, so none ends during a test's minutes.
START = 1_800_000_000 - 1_800_000_000 % 3600 + 600


@pytest.fixture
def hourly(settings):
    """The production rate on the database cache (no CACHE_URL), emptied."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    }
    cache.clear()
    settings.RATELIMIT_ENABLE = True
    settings.PUBLIC_POST_RATELIMIT = "10/h"
    yield
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    """The time seen by the rate limit and by the database cache, moved by hand."""
    now = [float(START)]
    monkeypatch.setattr(time, "time", lambda: now[0])
    monkeypatch.setattr(db_cache, "tz_now", lambda: datetime.fromtimestamp(now[0], UTC))
    return now


def post(client):
    # An empty visit request: 400 (the form's errors) when counted and let through, 429 beyond.
    return client.post(reverse("visit:request"), {}).status_code


@pytest.mark.django_db
def test_the_eleventh_post_of_an_hour_is_refused_after_a_pause(client, hourly, clock):
    """The database cache's incr() is get() then set() with the cache's default timeout: every
    count after the first expired 5 minutes later, so a pause reset the hour's count."""
    assert [post(client) for _ in range(10)] == [400] * 10
    clock[0] += 6 * 60
    assert post(client) == 429


@pytest.mark.django_db
def test_the_eleventh_post_is_refused_when_the_cache_is_full(client, hourly, clock):
    """Past MAX_ENTRIES (300) the database cache deletes a third of its entries, the lowest keys
    first: the rate limits' ones ("rl:…") with them, so many clients (or one flooding the cache
    from many addresses) reset everybody's count."""
    assert [post(client) for _ in range(10)] == [400] * 10
    for number in range(310):
        cache.set(f"zz-entry-{number}", number, 3600)
    assert post(client) == 429


@pytest.mark.django_db
def test_a_new_window_counts_afresh_and_the_rows_of_ended_ones_go(hourly, clock):
    request = RequestFactory().post("/")
    assert [abuse.is_limited(request, "window", "2/h") for _ in range(3)] == [False, False, True]
    clock[0] += 3600
    assert abuse.is_limited(request, "window", "2/h") is False
    assert RateLimitCount.objects.get().count == 1  # the ended window's row is gone


@pytest.mark.django_db
def test_a_database_error_counts_in_the_process_and_spares_the_callers_transaction(
    hourly, monkeypatch, caplog
):
    monkeypatch.setattr(RateLimitCount._meta, "db_table", "portal_no_such_table")
    abuse._fallback_cache.clear()
    request = RequestFactory().post("/", REMOTE_ADDR="198.51.100.9")
    with caplog.at_level(logging.WARNING, logger="clusters.abuse"):
        results = [abuse.is_limited(request, "broken", "2/h") for _ in range(3)]
    abuse._fallback_cache.clear()
    assert results == [False, False, True]
    assert "counting in this process instead" in caplog.text
    Region.objects.exists()  # raises if the test's transaction was broken (PostgreSQL)


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_get_exactly_the_limit(hourly):
    """Thirty requests at once from one client: the database cache's add() and incr() (a read
    then a write) lost counts, and more than ten got through."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL (SQLite takes one writer at a time)")
    group = f"concurrency-{uuid.uuid4()}"
    barrier, results, errors = threading.Barrier(30), [], []

    def one_request():
        try:
            request = RequestFactory().post("/", REMOTE_ADDR="198.51.100.7")
            barrier.wait(10)
            results.append(abuse.is_limited(request, group, "10/h"))
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_request) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results.count(False) == 10
    assert results.count(True) == 20
