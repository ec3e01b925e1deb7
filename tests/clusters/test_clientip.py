"""Behind the proxy, rate limits and lock-outs count the visitor's address, not the proxy's."""

import pytest
from django.test import RequestFactory

from clusters.clientip import client_ip


def request(remote="10.0.0.2", **headers):
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_without_a_header_name_the_peer_address_counts(settings):
    settings.CLIENT_IP_HEADER = ""
    assert client_ip(request(HTTP_X_REAL_IP="203.0.113.9")) == "10.0.0.2"


@pytest.mark.parametrize(
    "sent, counted",
    [
        ("203.0.113.9", "203.0.113.9"),
        (" 2001:db8::1 ", "2001:db8::1"),
        ("", "10.0.0.2"),  # a request that did not pass the proxy (a health check)
        ("203.0.113.9, 10.0.0.1", "10.0.0.2"),  # not one address: not trusted
        ("'; DROP TABLE", "10.0.0.2"),
    ],
)
def test_the_proxys_header_names_the_visitor(settings, sent, counted):
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    assert client_ip(request(HTTP_X_REAL_IP=sent)) == counted


@pytest.mark.django_db
def test_two_visitors_behind_one_proxy_have_their_own_limits(settings, client):
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    settings.RATELIMIT_ENABLE = True
    settings.PASSWORD_RESET_RATELIMIT = "2/h"
    url = "/en/my-company/password/reset/"
    for n in range(2):
        data = {"email": f"someone{n}@example.org"}
        assert (
            client.post(url, data, REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="203.0.113.9").status_code
            == 302
        )
    data = {"email": "third@example.org"}
    assert (
        client.post(url, data, REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="203.0.113.9").status_code
        == 429
    )
    assert (
        client.post(url, data, REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="198.51.100.4").status_code
        == 302
    )
