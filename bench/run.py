#!/usr/bin/env python
"""Load benchmark of the portal on PostgreSQL with 1k, 10k and 100k companies.

For each size the script grows one database (default ``portal_bench_run``) to that many demo
companies (``manage.py setup_portal`` once, then ``manage.py seed_demo``), serves it with gunicorn
(2 sync workers, production settings: DEBUG off, whitenoise, persistent connections), drives each
page with wrk at 20 concurrent connections and writes a Markdown report to
``bench/results/report.md`` (also printed), with the raw figures in ``bench/results/results.json``.

Per page it reports:

- latency p50/p95/p99 as the clients saw it (wrk; with 20 clients on 2 workers this includes the
  time a request waits for a free worker) and as the server spent it (gunicorn's access log:
  from reading the request to sending the response);
- requests per second and errors (socket errors and every answer that is not 2xx);
- SQL queries per page, counted in-process with ``CaptureQueriesContext`` on the same database;
- each beside ``/bench-floor`` (a Django view on the same server that answers "ok" without a
  query: the framework's floor) and ``/healthz`` (one ``SELECT 1``);
- how each grows from the smallest to the largest size, and the slowest SQL query of each page at
  the largest size, with the plan of the directory search's.

Targets checked at the end: the directory with text search under 100 ms server time at p95 at the
largest size, no page of the directory more than 2x slower at the largest size than at the
smallest, zero errors under 20 concurrent clients.

Usage (PostgreSQL on 127.0.0.1:5432 with user postgres, trust auth; Debian's wrk installed):

    make bench
    .venv/bin/python bench/run.py --sizes 1000,10000 --duration 5
    .venv/bin/python bench/run.py --reuse      # keep the database of an earlier run, no seeding
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
RESULTS = BASE_DIR / "bench" / "results"
PYTHON = sys.executable

TARGET_SEARCH_P95_MS = 100.0
TARGET_GROWTH = 2.0

# wrk prints one machine-readable line at the end of a run.
WRK_LUA = r"""
done = function(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50": %d, "p95": %d, "p99": %d, "mean": %f}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean))
end
"""


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="1000,10000,100000",
        help="Company counts, ascending (default 1000,10000,100000).",
    )
    parser.add_argument(
        "--duration", type=int, default=10, help="Seconds of load per page (default 10)."
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=2,
        help="Seconds of unmeasured load per page first (default 2).",
    )
    parser.add_argument(
        "--connections", type=int, default=20, help="Concurrent clients (default 20)."
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2).")
    parser.add_argument(
        "--port", type=int, default=8109, help="Port of the benchmark server (default 8109)."
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL without a database name (default postgres://postgres@127.0.0.1:5432).",
    )
    parser.add_argument(
        "--database",
        default="portal_bench_run",
        help="Database to (re)create (default portal_bench_run; bench/directory.py keeps portal_bench).",
    )
    parser.add_argument(
        "--search",
        default="teräs",
        help="Text query of the directory search, the one the target is checked on (default 'teräs', steel: a common word).",
    )
    parser.add_argument(
        "--search2",
        default="laserleikkaus vaasa",
        help="A second, more selective text query reported beside it (default 'laserleikkaus vaasa').",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="Keep the existing database and only top it up."
    )
    parser.add_argument(
        "--output", default=str(RESULTS / "report.md"), help="Where to write the Markdown report."
    )
    args = parser.parse_args()
    args.sizes = sorted({int(size) for size in args.sizes.split(",") if size.strip()})
    return args


# --- The environment ------------------------------------------------------------------------


def production_env(args, database_url, media_root):
    env = dict(os.environ)
    for key in ("CACHE_URL", "EMAIL_BACKEND"):
        env.pop(key, None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url,
            "SECURE_SSL_REDIRECT": "false",
            "MEDIA_ROOT": str(media_root),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(BASE_DIR),
        }
    )
    return env


def manage(env, *arguments):
    started = time.monotonic()
    result = subprocess.run(
        [PYTHON, "manage.py", *arguments], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}")
    return time.monotonic() - started


def recreate_database(server_url, name):
    import psycopg2

    connection = psycopg2.connect(f"{server_url}/postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


# --- The server -----------------------------------------------------------------------------


class Server:
    def __init__(self, args, env, access_log):
        self.args = args
        self.env = env
        self.access_log = access_log
        self.process = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.args.port}"

    def __enter__(self):
        self.access_log.write_text("")
        command = [
            str(Path(PYTHON).with_name("gunicorn")),
            "bench.wsgi:application",
            "--workers",
            str(self.args.workers),
            "--bind",
            f"127.0.0.1:{self.args.port}",
            "--access-logfile",
            str(self.access_log),
            "--access-logformat",
            "%(s)s %(L)s",
            "--error-logfile",
            str(self.access_log.with_suffix(".errors")),
            "--chdir",
            str(BASE_DIR),
        ]
        self.process = subprocess.Popen(
            command,
            env=self.env,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=10) as response:
                    if response.status == 200:
                        return self
            except OSError:  # refused while booting, or a slow first answer
                time.sleep(0.3)
        self.__exit__(None, None, None)
        sys.exit(
            f"gunicorn did not answer on {self.base}; see {self.access_log.with_suffix('.errors')}"
        )

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def log_offset(self):
        return self.access_log.stat().st_size

    def log_since(self, offset):
        with self.access_log.open() as handle:
            handle.seek(offset)
            lines = handle.read().splitlines()
        statuses, seconds = [], []
        for line in lines:
            parts = line.split()
            if len(parts) == 2:
                statuses.append(int(parts[0]))
                seconds.append(float(parts[1]))
        return statuses, seconds


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def drive(server, url, args, lua_path):
    """Warm up, then measure one URL with wrk; returns the figures of the measured run."""
    full = f"{server.base}{url}"
    base_command = ["wrk", "-t2", f"-c{args.connections}", "--timeout", "10s", "-s", str(lua_path)]
    if args.warmup:
        subprocess.run(
            [*base_command, f"-d{args.warmup}s", full], capture_output=True, text=True, check=True
        )
    offset = server.log_offset()
    result = subprocess.run(
        [*base_command, f"-d{args.duration}s", full], capture_output=True, text=True, check=True
    )
    time.sleep(0.3)  # let the workers flush the last log lines
    line = next(line for line in result.stdout.splitlines() if line.startswith("WRKJSON "))
    wrk = json.loads(line.removeprefix("WRKJSON "))
    statuses, seconds = server.log_since(offset)
    non_2xx = sum(1 for status in statuses if not 200 <= status < 300)
    socket_errors = wrk["connect"] + wrk["read"] + wrk["write"] + wrk["timeout"]
    if not wrk["requests"]:  # nothing finished within the run: no client-side figures
        wrk.update(p50=float("nan"), p95=float("nan"), p99=float("nan"))
    return {
        "requests": wrk["requests"],
        "rps": wrk["requests"] / (wrk["duration_us"] / 1e6),
        "client_p50": wrk["p50"] / 1000,
        "client_p95": wrk["p95"] / 1000,
        "client_p99": wrk["p99"] / 1000,
        "server_p50": percentile(seconds, 50) * 1000,
        "server_p95": percentile(seconds, 95) * 1000,
        "server_p99": percentile(seconds, 99) * 1000,
        "server_mean": statistics.fmean(seconds) * 1000 if seconds else float("nan"),
        "errors": non_2xx + socket_errors,
        "non_2xx": non_2xx,
        "socket_errors": socket_errors,
    }


# --- In-process: choosing the pages and counting their queries --------------------------------


def choose_pages(search, search2):
    """The benchmarked URLs, chosen from the data: the cluster, capability and country with the
    most companies for the three filters, a typical company, the first project and event."""
    from django.db.models import Count, Q
    from django.urls import reverse
    from django.utils import translation

    from companies.models import Capability, Company
    from events.models import Event
    from portal.models import Cluster
    from projects.models import Project

    with translation.override("en"):
        directory = reverse("companies:list")
        cluster = (
            Cluster.objects.published()
            .annotate(n=Count("memberships", filter=Q(memberships__is_active=True)))
            .order_by("-n")
            .first()
        )
        capability = (
            Capability.objects.filter(parent__isnull=False)
            .annotate(n=Count("companies"))
            .order_by("-n")
            .first()
        )
        country = cluster.country.code if cluster else "FI"
        filters = urllib.parse.urlencode(
            [
                ("cluster", cluster.pk if cluster else ""),
                ("capability", capability.pk if capability else ""),
                ("country", country),
            ]
        )
        published = Company.objects.published().order_by("pk")
        company = published[published.count() // 2]
        project = Project.objects.published().order_by("pk").first()
        event = Event.objects.published().order_by("-starts_at").first()
        pages = {
            "floor (Django, no query)": "/bench-floor",
            "healthz (SELECT 1)": reverse("healthz"),
            "home": reverse("portal:home"),
            "directory": directory,
            "directory, 3 filters": f"{directory}?{filters}",
            "directory, text search": f"{directory}?{urllib.parse.urlencode({'q': search})}",
            "directory, 2-word search": f"{directory}?{urllib.parse.urlencode({'q': search2})}",
            "company profile": company.get_absolute_url(),
        }
        if project:
            pages["project"] = project.get_absolute_url()
        if event:
            pages["event"] = event.get_absolute_url()
    description = {
        "filters": f"cluster={cluster} ({cluster.pk}), capability={capability} ({capability.pk}), country={country}"
        if cluster and capability
        else filters,
    }
    return pages, description


def count_queries(pages):
    """Queries per page and the slowest query of each, measured in-process (second request, so
    per-process caches are warm as they are on the server)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    figures = {}
    for label, url in pages.items():
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            sys.exit(
                f"{label} ({url}) answered {response.status_code}; fix it before benchmarking."
            )
        slowest = max(captured.captured_queries, key=lambda q: float(q["time"]), default=None)
        figures[label] = {
            "queries": len(captured),
            "slowest_sql": slowest["sql"] if slowest else "",
            "slowest_ms": float(slowest["time"]) * 1000 if slowest else 0.0,
            "bytes": len(response.content),
        }
    return figures


def explain(sql):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def company_count():
    from companies.models import Company

    return Company.objects.count()


def search_matches(search):
    from companies.models import Company

    queryset = Company.objects.published()
    return queryset.search(search).count() if hasattr(queryset, "search") else None


# --- The report -----------------------------------------------------------------------------


def ms(value):
    return "–" if value != value else f"{value:.1f}"  # NaN check


def render_report(args, runs, notes):
    sizes = [run["size"] for run in runs]
    smallest, largest = runs[0], runs[-1]
    lines = [
        "# Benchmark report",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M')} · PostgreSQL database `{args.database}` · gunicorn {args.workers} sync workers · "
        f"wrk, {args.connections} concurrent connections, {args.duration} s per page after {args.warmup} s of warm-up · "
        f"{os.cpu_count()} CPU cores shared by the server, PostgreSQL and wrk.",
        "",
        "Server time is what gunicorn logs from reading a request to sending the answer; client latency is what wrk "
        "measures and includes the wait for a free worker (20 clients, 2 workers). Queries are counted in-process on "
        "the same database. Errors are socket errors plus every answer that is not 2xx.",
        "",
    ]
    for note in notes:
        lines.append(f"- {note}")
    lines.append("")
    for run in runs:
        lines += [
            f"## {run['size']:,} companies".replace(",", " "),
            "",
            f"Seeded in {run['seed_seconds']:.0f} s. Three filters: {run['description']['filters']}. "
            f"Text search `{args.search}` matches {run['search_matches']} companies, "
            f"`{args.search2}` {run['search2_matches']}.",
            "",
            "| page | SQL queries | server p50 ms | server p95 ms | server p99 ms | client p50 ms | client p95 ms | client p99 ms | req/s | errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for label, figures in run["pages"].items():
            lines.append(
                f"| {label} | {figures['queries']} | {ms(figures['server_p50'])} | {ms(figures['server_p95'])} | "
                f"{ms(figures['server_p99'])} | {ms(figures['client_p50'])} | {ms(figures['client_p95'])} | "
                f"{ms(figures['client_p99'])} | {figures['rps']:.0f} | {figures['errors']} |"
            )
        lines.append("")
    header_sizes = " | ".join(f"p95 @ {size:,}".replace(",", " ") for size in sizes)
    lines += [
        "## Growth",
        "",
        "Server time p95 (ms) by size, the ratio of the largest to the smallest, and the SQL queries per page at each size.",
        "",
        f"| page | {header_sizes} | ×{largest['size'] // smallest['size']} data → time | queries |",
        "|---|" + "---:|" * len(sizes) + "---:|---|",
    ]
    for label in largest["pages"]:
        values = [run["pages"][label]["server_p95"] for run in runs]
        ratio = values[-1] / values[0] if values[0] else float("nan")
        queries = " → ".join(str(run["pages"][label]["queries"]) for run in runs)
        lines.append(
            f"| {label} | " + " | ".join(ms(v) for v in values) + f" | {ratio:.2f}× | {queries} |"
        )
    lines.append("")

    verdicts = []
    search = largest["pages"].get("directory, text search")
    if search:
        ok = search["server_p95"] < TARGET_SEARCH_P95_MS
        verdicts.append(
            (
                ok,
                f"directory with text search at {largest['size']:,} companies: server p95 {search['server_p95']:.1f} ms "
                f"(target < {TARGET_SEARCH_P95_MS:.0f} ms)".replace(",", " "),
            )
        )
    for label in largest["pages"]:
        if label.startswith("directory"):
            first, last = (
                smallest["pages"][label]["server_p95"],
                largest["pages"][label]["server_p95"],
            )
            ratio = last / first if first else float("inf")
            verdicts.append(
                (
                    ratio <= TARGET_GROWTH,
                    f"{label}: {ratio:.2f}× slower at the largest size (target ≤ {TARGET_GROWTH:.0f}×)",
                )
            )
            q_first, q_last = (
                smallest["pages"][label]["queries"],
                largest["pages"][label]["queries"],
            )
            verdicts.append(
                (
                    q_last <= q_first,
                    f"{label}: {q_first} → {q_last} SQL queries (must not grow with the data)",
                )
            )
    errors = sum(figures["errors"] for run in runs for figures in run["pages"].values())
    verdicts.append(
        (errors == 0, f"errors under {args.connections} concurrent clients: {errors} (target 0)")
    )
    lines += ["## Targets", ""]
    lines += [f"- {'PASS' if ok else '**MISS**'}: {text}" for ok, text in verdicts]
    lines += [
        "",
        f"## Slowest SQL query per page at {largest['size']:,} companies".replace(",", " "),
        "",
    ]
    lines += ["| page | ms (in-process) | query |", "|---|---:|---|"]
    for label, figures in largest["pages"].items():
        sql = " ".join(figures["slowest_sql"].split())
        sql = (sql[:220] + "…") if len(sql) > 220 else sql
        lines.append(f"| {label} | {figures['slowest_ms']:.1f} | `{sql.replace('|', '/')}` |")
    if largest.get("search_plan"):
        lines += [
            "",
            "Plan of the directory search's slowest query:",
            "",
            "```",
            largest["search_plan"],
            "```",
        ]
    lines.append("")
    return "\n".join(lines), all(ok for ok, _text in verdicts)


# --- Main -----------------------------------------------------------------------------------


def main():
    args = parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")
    RESULTS.mkdir(parents=True, exist_ok=True)
    database_url = f"{args.postgres.rstrip('/')}/{args.database}"
    workdir = Path(tempfile.mkdtemp(prefix="bench-", dir=RESULTS))
    env = production_env(args, database_url, workdir / "media")
    lua_path = workdir / "report.lua"
    lua_path.write_text(WRK_LUA)
    notes = []

    if not args.reuse:
        log(f"recreating database {args.database}")
        recreate_database(args.postgres.rstrip("/"), args.database)
    log("collectstatic + setup_portal (migrate, fixtures, cache table)")
    manage(env, "collectstatic", "--noinput", "-v0")
    manage(env, "setup_portal", "--companies", "0", "-v0")

    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    runs = []
    for size in args.sizes:
        existing = company_count()
        seed_seconds = 0.0
        if existing < size:
            log(f"seeding {size - existing} companies ({existing} → {size})")
            seed_seconds = manage(
                env, "seed_demo", "--companies", str(size - existing), "--seed", str(size), "-v0"
            )
            log(f"seeded in {seed_seconds:.0f} s")
        elif existing > size:
            notes.append(
                f"the database already held {existing} companies when {size} were asked for"
            )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        pages, description = choose_pages(args.search, args.search2)
        queries = count_queries(pages)
        run = {
            "size": company_count(),
            "seed_seconds": seed_seconds,
            "description": description,
            "search_matches": search_matches(args.search),
            "search2_matches": search_matches(args.search2),
            "pages": {},
        }
        log(
            f"serving {run['size']} companies; {len(pages)} pages × {args.warmup + args.duration} s"
        )
        connection.close()
        with Server(args, env, workdir / f"access-{size}.log") as server:
            for label, url in pages.items():
                figures = drive(server, url, args, lua_path)
                figures.update(queries[label])
                figures["url"] = url
                run["pages"][label] = figures
                log(
                    f"  {label:<26} server p95 {figures['server_p95']:7.1f} ms  client p95 {figures['client_p95']:7.1f} ms  "
                    f"{figures['rps']:6.0f} req/s  {figures['queries']:3d} queries  {figures['errors']} errors"
                )
        if size == args.sizes[-1] and "directory, text search" in queries:
            run["search_plan"] = explain(queries["directory, text search"]["slowest_sql"])
        runs.append(run)

    report, passed = render_report(args, runs, notes)
    Path(args.output).write_text(report, encoding="utf-8")
    (RESULTS / "results.json").write_text(json.dumps(runs, indent=2, default=str), encoding="utf-8")
    shutil.rmtree(workdir, ignore_errors=True)
    print(report)
    log(f"report written to {args.output}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
