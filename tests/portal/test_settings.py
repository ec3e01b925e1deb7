"""Security: `check --deploy` is clean under production settings, production refuses to start
half-configured, and every response carries the security headers (CSP without 'unsafe-inline',
HSTS in production, Referrer-Policy, nosniff, frame protection)."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests import factories

BASE_DIR = Path(__file__).resolve().parents[2]


def production_env(tmp_path, **overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        # nothing of the developer's or the test run's configuration leaks into the subprocess
        if key
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "CACHE_URL",
            "SECURE_SSL_REDIRECT",
            # set by tests/browser/conftest.py for Playwright; never in a deployment
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "example.org",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        }
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run(args, env):
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path)
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


@pytest.mark.parametrize("variable", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
@pytest.mark.parametrize("value", [None, "", "   "])
def test_production_refuses_to_start_without(tmp_path, variable, value):
    result = run(["manage.py", "check"], production_env(tmp_path, **{variable: value}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


PROBE = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client(HTTP_HOST="example.org")
secure = client.get("/", secure=True)
plain = client.get("/", secure=False)
print(json.dumps({
    "secure": dict(secure.headers),
    "plain_status": plain.status_code,
    "plain_location": plain.headers.get("Location", ""),
}))
"""


def test_production_sends_hsts_and_redirects_plain_http_to_https(tmp_path):
    result = run(["-c", PROBE], production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    hsts = answer["secure"]["Strict-Transport-Security"]
    max_age = int(hsts.split("max-age=")[1].split(";")[0])
    assert max_age >= 31536000
    assert "includeSubDomains" in hsts
    assert answer["plain_status"] == 301
    assert answer["plain_location"].startswith("https://example.org/")


def _directives(header):
    directives = {}
    for part in header.split(";"):
        tokens = part.split()
        if tokens:
            directives[tokens[0]] = tokens[1:]
    return directives


def assert_security_headers(response, admin=False):
    csp = response.headers.get("Content-Security-Policy")
    assert csp, f"{response.request['PATH_INFO']}: no Content-Security-Policy"
    assert "'unsafe-eval'" not in csp
    directives = _directives(csp)
    if admin:
        # Third-party admin templates use inline style attributes: styles only, admin only.
        assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
        assert "'unsafe-inline'" not in directives["script-src"]
    else:
        assert "'unsafe-inline'" not in csp
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    for directive in ("script-src", "style-src"):
        sources = directives.get(directive, directives["default-src"])
        assert "*" not in sources and "https:" not in sources and "data:" not in sources, (
            directive,
            sources,
        )
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    }


@pytest.fixture
def public_urls(db):
    cluster = factories.cluster()
    company = factories.company(clusters=[cluster])
    project = factories.project()
    event = factories.event(cluster=cluster)
    return [
        reverse("portal:home"),
        reverse("companies:list"),
        company.get_absolute_url(),
        cluster.get_absolute_url(),
        project.get_absolute_url(),
        event.get_absolute_url(),
        reverse("events:list"),
        reverse("healthz"),
        "/en/no-such-page/",
    ]


def test_public_responses_carry_the_security_headers(client, public_urls):
    for url in public_urls:
        response = client.get(url)
        assert response.status_code in {200, 404}, url
        assert_security_headers(response)


def test_admin_responses_carry_the_security_headers(admin_client, db):
    company = factories.company()
    for url in (
        reverse("admin:index"),
        reverse("admin:companies_company_changelist"),
        reverse("admin:companies_company_change", args=[company.pk]),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response, admin=True)


def test_the_admin_login_page_is_not_framable_and_keeps_the_csp(client, db):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    assert_security_headers(response, admin=True)


def test_the_admin_exception_does_not_leak_to_public_pages_under_admin_like_paths(client, db):
    """Only URLs the admin resolves get inline styles; a 404 under /admin/ or a public page
    whose slug says "admin" keeps the strict policy."""
    for url in ("/en/companies/admin/", "/en/pages/admin/"):
        response = client.get(url)
        assert response.status_code == 404
        assert_security_headers(response)


def test_session_and_csrf_cookies_are_http_only_or_same_site(client, db):
    response = client.get(reverse("admin:login"))
    csrf = response.cookies.get("csrftoken")
    assert csrf is not None
    assert csrf["samesite"].lower() in {"lax", "strict"}
