"""Counts the SQL queries of every request the benchmark server answers (bench/settings.py only).

Each answer carries ``X-Bench-Queries`` (how many queries its request ran), which gunicorn's access
log records beside the status and the time, so bench/run.py knows the queries of every request
under load, not only of a sample. A request with ``X-Bench-Tag: count`` also gets
``X-Bench-Sql-Ms`` (time spent in SQL) and ``X-Bench-Slowest`` (the slowest query: milliseconds
and the start of its SQL); a streamed answer (the CSV export) is read to its end first, so its
queries are counted too. The cost is one Python call per query, the same for every page and for
the floor view.
"""

import time

from django.db import connection
from django.http import HttpResponse


def compact_sql(sql, limit=1000):
    """The SQL on one line, a long top-level select list shortened to "..." (the FROM and WHERE
    are what tell one query from another)."""
    sql = " ".join(str(sql).split())
    if sql.upper().startswith("SELECT "):
        depth = 0
        for index, char in enumerate(sql):
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
            elif depth == 0 and sql.startswith(" FROM ", index):
                if index > 80:
                    sql = f"SELECT ... {sql[index + 1 :]}"
                break
    return sql[:limit]


class _Counter:
    def __init__(self, detail):
        self.count = 0
        self.detail = detail
        self.total = 0.0
        self.slowest = (0.0, "")

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if not self.detail:
            return execute(sql, params, many, context)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.total += elapsed
            if elapsed >= self.slowest[0]:
                self.slowest = (elapsed, sql)


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        detail = request.headers.get("X-Bench-Tag") == "count"
        counter = _Counter(detail)
        with connection.execute_wrapper(counter):
            response = self.get_response(request)
            if detail and response.streaming:
                body = b"".join(response.streaming_content)
                materialised = HttpResponse(body, status=response.status_code)
                for header, value in response.items():
                    materialised[header] = value
                response = materialised
        if not response.streaming:
            response["X-Bench-Queries"] = str(counter.count)
        if detail:
            response["X-Bench-Sql-Ms"] = f"{counter.total * 1000:.2f}"
            seconds, sql = counter.slowest
            sql = compact_sql(sql)
            response["X-Bench-Slowest"] = f"{seconds * 1000:.2f} {sql}"
        return response
