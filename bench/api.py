#!/usr/bin/env python
"""Single-request times of the open data API beside the directory page and a floor view.

Runs against the database the settings choose (``DATABASE_URL``; SQLite ``db.sqlite3`` by
default, e.g. after ``make setup``) through Django's test client in this process: no network,
no server, so the figures are the portal's own work per request. Each URL is requested
``--repeat`` times after one warm-up (``--cold``: with the cache cleared before each request, so
every answer is computed); the report gives the median and p95 in milliseconds, the
SQL queries of one request, and the ratio of the median to the floor view's (``/healthz``)
median measured in the same run, with the load average beside each.

    .venv/bin/python bench/api.py                 # the development database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_run .venv/bin/python bench/api.py
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

URLS = [
    ("floor: /healthz", "/healthz"),
    ("directory page", "/en/companies/"),
    ("directory page, text + country", "/en/companies/?q=laser&country=FI"),
    ("API companies", "/api/v1/companies/"),
    ("API companies, text + country", "/api/v1/companies/?q=laser&country=FI"),
    ("API companies, page_size=100", "/api/v1/companies/?page_size=100"),
    ("API company facets", "/api/v1/company-facets/"),
    ("API clusters", "/api/v1/clusters/"),
    ("API projects", "/api/v1/projects/"),
    ("API events (all)", "/api/v1/events/?when=all"),
    ("API offers", "/api/v1/offers/"),
    ("API schema", "/api/v1/schema/?format=json"),
]


def measure(client, url, repeat, cold):
    client.get(url)  # warm-up (first imports, the directory engine's tables)
    if cold:
        cache.clear()
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        status = client.get(url).status_code
    times = []
    for _ in range(repeat):
        if cold:
            cache.clear()  # every request computes its answer: no cached page or count
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "status": status,
        "queries": len(queries),
        "median": statistics.median(times),
        "p95": times[max(0, int(len(times) * 0.95) - 1)],
        "load": os.getloadavg()[0],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--cold", action="store_true", help="clear the cache before every request")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    settings.API_RATELIMIT = "1000000/h"
    client = Client()
    rows = [(name, measure(client, url, args.repeat, args.cold)) for name, url in URLS]
    floor = rows[0][1]["median"] or 1e-9
    engine = connection.vendor
    state = "cache cleared before each request" if args.cold else "warm cache"
    print(f"Database: {engine}; {args.repeat} requests each after one warm-up; {state}.\n")
    print("| request | status | SQL queries | median ms | p95 ms | ×floor | load avg (1 min) |")
    print("|---|---|---|---|---|---|---|")
    for name, row in rows:
        print(
            f"| {name} | {row['status']} | {row['queries']} | {row['median']:.1f} | "
            f"{row['p95']:.1f} | {row['median'] / floor:.0f}× | {row['load']:.2f} |"
        )


if __name__ == "__main__":
    main()
