"""Findings of the attack in production mode: absolute URLs built from a request path that starts
with //, vCard harvesting, password-reset flooding, and caching of the "My company" pages."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from clusters.models import OutgoingEmail
from clusters.templatetags.portal_tags import local_path
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def ratelimited(settings):
    """Rate limiting on, on the real (database) cache, emptied."""
    call_command("createcachetable", verbosity=0)
    cache.clear()
    settings.RATELIMIT_ENABLE = True
    yield settings
    cache.clear()


# --- 4. A path starting with // -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("//evil.example/en/", "/evil.example/en/"),
        ("///evil.example", "/evil.example"),
        ("/\\evil.example/", "/evil.example/"),
        ("/en/companies/?q=1", "/en/companies/?q=1"),
        ("https://cdn.example/static/x.png", "https://cdn.example/static/x.png"),
    ],
)
def test_local_path(path, expected):
    assert local_path(path) == expected


@pytest.mark.parametrize("path", ["//evil.example/en/", "//evil.example/en/companies/?x=1"])
def test_no_link_to_another_host_from_a_double_slash_path(client, path):
    # The test client would read "//host" as a host: give the server the raw path.
    response = client.get("/", PATH_INFO=path.split("?")[0], QUERY_STRING="x=1")
    assert response.status_code == 404
    page = response.content.decode()
    assert "//evil.example" not in page
    assert 'rel="canonical" href="http://testserver/' in page


# --- 5. vCards ---------------------------------------------------------------------------------


def test_vcards_are_rate_limited_per_client(client, ratelimited):
    ratelimited.VCARD_RATELIMIT = "2/m"
    company = factories.company(email="sales@example.org")
    url = reverse("companies:vcard", kwargs={"slug": company.slug})
    statuses = [client.get(url).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert "sales@example.org" not in client.get(url).content.decode()
    # Another client is not locked out.
    assert client.get(url, REMOTE_ADDR="192.0.2.7").status_code == 200


# --- 6. Password reset -------------------------------------------------------------------------


def reset(client, email, ip="127.0.0.1"):
    return client.post(reverse("my_company:password-reset"), {"email": email}, REMOTE_ADDR=ip)


def test_password_reset_is_rate_limited_per_ip(client, ratelimited):
    ratelimited.PASSWORD_RESET_RATELIMIT = "2/m"
    statuses = [reset(client, f"nobody{n}@example.org").status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    assert reset(client, "other@example.org", ip="192.0.2.8").status_code == 302


def test_password_reset_is_rate_limited_per_address(client, ratelimited):
    ratelimited.PASSWORD_RESET_EMAIL_RATELIMIT = "2/m"
    factories.user(email="victim@example.org")
    ips = ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
    statuses = [reset(client, "Victim@Example.org ", ip=ip).status_code for ip in ips]
    assert statuses == [302, 302, 429]
    assert len(mail.outbox) == 2
    assert reset(client, "someone@example.org", ip="192.0.2.4").status_code == 302


def test_unknown_address_is_answered_as_a_known_one_without_mail(client):
    factories.user(email="known@example.org")
    known = reset(client, "known@example.org")
    unknown = reset(client, "unknown@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [message.to for message in mail.outbox] == [["known@example.org"]]


def reset_until_the_response(rf, email, ip):
    """The reset view's response to a POST of ``email`` and the queries made until the response
    was ready (a WSGI server then sends it, and only then calls ``response.close()``)."""
    url = reverse("my_company:password-reset")
    request = rf.post(url, {"email": email}, REMOTE_ADDR=ip)
    request._dont_enforce_csrf_checks = True  # as the test client
    with CaptureQueriesContext(connection) as queries:
        response = resolve(url).func(request)
    return response, [query["sql"].split()[0].upper() for query in queries.captured_queries]


def test_a_known_and_an_unknown_address_cost_the_same_queries(rf, ratelimited):
    """The review timed 21 ms for a known address and 14 ms for an unknown one: only the known
    one kept its e-mail in the outbox and handed it to the mail server before answering."""
    factories.user(email="known@example.org")
    reset_until_the_response(rf, "warm-up@example.org", "192.0.2.20")
    known, known_queries = reset_until_the_response(rf, "known@example.org", "192.0.2.21")
    unknown, unknown_queries = reset_until_the_response(rf, "unknown@example.org", "192.0.2.22")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(known_queries) == len(unknown_queries)
    assert known_queries == unknown_queries
    # The known address's e-mail is kept and sent once the response has gone out.
    assert not mail.outbox and not OutgoingEmail.objects.exists()
    # As the test client does: request_finished would close the test's database connection.
    request_finished.disconnect(close_old_connections)
    try:
        known.close()
        unknown.close()
    finally:
        request_finished.connect(close_old_connections)
    assert [message.to for message in mail.outbox] == [["known@example.org"]]
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT


# --- 9. "My company" is never kept by a shared cache ---------------------------------------------


def cache_control(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


def test_my_company_pages_are_private(client):
    company = factories.company()
    user = factories.representative(company)
    public = [
        reverse("my_company:login"),
        reverse("my_company:password-reset"),
        reverse("my_company:password-reset-done"),
        reverse("my_company:password-set-done"),
        reverse("my_company:password-set", kwargs={"uidb64": "MQ", "token": "x-y"}),
    ]
    for url in public:
        assert "private" in cache_control(client.get(url)), url
    # Anonymous on a personal page: the redirect to the login page is private too.
    assert {"private", "no-store"} <= cache_control(client.get(reverse("my_company:dashboard")))

    client.force_login(user)
    personal = [
        reverse("my_company:dashboard"),
        reverse("my_company:company", kwargs={"slug": company.slug}),
        reverse("my_company:edit", kwargs={"slug": company.slug}),
    ]
    for url in personal:
        response = client.get(url)
        assert response.status_code in {200, 302}, url
        assert {"private", "no-store"} <= cache_control(response), url
    confirm = client.post(reverse("my_company:confirm", kwargs={"slug": company.slug}))
    assert {"private", "no-store"} <= cache_control(confirm)
