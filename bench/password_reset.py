#!/usr/bin/env python
"""Time the password-reset form's answer for an address with an account and one without, in
process (Django's test client, a throw-away test database; the portal's own data is not touched):

    .venv/bin/python bench/password_reset.py [--repeat 30]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_ci .venv/bin/python bench/password_reset.py

Each POST is timed until its response is ready, when a WSGI server would send it and then call
``response.close()`` (the test client calls it before returning: the clock stops there). Known and
unknown addresses alternate, after a warm-up; the medians should be equal within the noise.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponseBase  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="POSTs of each kind (default 30)")
    args = parser.parse_args()

    setup_test_environment()  # the locmem mail backend
    settings.RATELIMIT_ENABLE = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    test = settings.DATABASES["default"].setdefault("TEST", {})
    if connection.vendor == "postgresql":
        test["NAME"] = f"test_password_reset_bench_{os.getpid()}"
    else:  # a file, as in production (WAL, real commits), not the test runner's memory
        test["NAME"] = f"/tmp/password_reset_bench_{os.getpid()}.sqlite3"
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("createcachetable", verbosity=0)
        known, unknown = measure(args.repeat)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
    print(
        f"{connection.vendor}: known address median {statistics.median(known):.2f} ms, "
        f"unknown address median {statistics.median(unknown):.2f} ms ({args.repeat} POSTs each)"
    )


def measure(repeat):
    from tests import factories  # test data, with the development requirements

    factories.user(email="known@example.org")
    for number in range(200):
        factories.user(email=f"other{number}@example.org")
    ready = []
    close = HttpResponseBase.close

    def timed_close(response):
        ready.append(time.perf_counter())
        return close(response)

    HttpResponseBase.close = timed_close
    client, url = Client(), reverse("my_company:password-reset")

    def post(email):
        ready.clear()
        started = time.perf_counter()
        assert client.post(url, {"email": email}).status_code == 302
        return (ready[0] - started) * 1000

    for number in range(10):
        post("known@example.org"), post(f"warm-up{number}@example.org")
    known, unknown = [], []
    for number in range(repeat):
        known.append(post("known@example.org"))
        unknown.append(post(f"nobody{number}@example.org"))
    return known, unknown


if __name__ == "__main__":
    main()
