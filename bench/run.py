#!/usr/bin/env python
"""Load benchmark of the company directory on PostgreSQL, at 100,000 and 1,000,000 demo companies.

For each size the script seeds the database (default ``portal_bench_run``) with that many demo
companies (``manage.py setup_portal --companies 0``, then ``manage.py seed_demo``, then
``manage.py rebuild_directory`` when the portal has that command, then VACUUM ANALYZE), serves it
with gunicorn (2 sync workers, production settings: DEBUG off, the cache in Redis through
``CACHE_URL``, whitenoise, persistent connections) and loads it with wrk at 20 concurrent
connections. The portal is a black box: HTTP, management commands, and the ORM only to choose
test data (bench/probe.py) and to edit companies (bench/editor.py). It runs from a snapshot of the
working tree taken when the run starts (``--in-place``: from the tree itself), so edits made to
the tree during a long run do not change what is measured halfway.

Per size it measures (every load figure beside ``/bench-floor``, a Django view on the same server
that answers "ok" without a query, measured in the same run; each with the load average):

1. the directory under load: plain, three filters (country + capability + certification), a text
   that many companies contain and one few do, text + three filters, page 200, sort=name,
   sort=updated, and an uncached text search (every request a text no earlier request sent);
   server-side p50/p95/p99 from gunicorn's access log, client p95, req/s, errors and SQL queries
   per page (bench/middleware.py counts them on the server), the queries also at per_page=20 and
   per_page=100;
2. the CSV export of a filtered result of at most 5,000 companies;
3. a mix of the directory pages without edits, with one company edit a second through the ORM in
   another process, and without again: server p99 with and without edits, and for every edit the
   time until ``?q=<its token>`` shows the company (polled every 100 ms);
4. the resident memory of each gunicorn worker (``ps -o rss=``) after warm-up, and the time of the
   first directory request of each worker after a fresh start on an empty cache;
5. the seeding time.

Results go to ``bench/results/directory-<size>.json`` (one file per size, replaced by the next run
of that size) and ``bench/REPORT.md`` (every size found in bench/results/, with PASS/MISS against
the targets).

Usage (PostgreSQL on 127.0.0.1:5432, user postgres, trust auth; Redis on 127.0.0.1:6379; Debian's
wrk: ``apt-get install -y wrk``):

    make bench                                           # 100k then 1M, seeding each
    make bench BENCH_ARGS="--sizes 100000 --reuse"       # options through make
    .venv/bin/python bench/run.py --sizes 100000         # one size
    .venv/bin/python bench/run.py --sizes 1000000 --reuse   # keep a database of that size
    .venv/bin/python bench/run.py --sizes 2000 --duration 5 --warmup 1   # a quick check
"""

import argparse
import collections
import csv
import datetime
import hashlib
import io
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH = BASE_DIR / "bench"
RESULTS = BENCH / "results"
REPORT = BENCH / "REPORT.md"
PYTHON = sys.executable
# Where the portal runs from: a snapshot of the working tree taken when the run starts (see
# snapshot()), or the working tree itself with --in-place.
SOURCE = BASE_DIR

# --- Targets --------------------------------------------------------------------------------

CSV_ROWS = 5000
CSV_P95_TARGET_MS = 1000.0
EDIT_P99_RISE = 0.20
VISIBILITY_TARGET_S = 2.0
VISIBILITY_TIMEOUT_S = 30.0
POLL_INTERVAL_S = 0.1
RSS_TARGET_MB = 200.0
FIRST_REQUEST_TARGET_MS = 1000.0


def latency_target_ms(size):
    """Directory p95: < 50 ms up to 100k companies, < 100 ms up to (and, untargeted, beyond) 1M."""
    return 50.0 if size <= 100_000 else 100.0


def seed_target_s(size):
    """seed_demo: ≤ 2 min for 100k, ≤ 15 min for 1M (pro rata beyond)."""
    if size <= 100_000:
        return 120.0
    if size <= 1_000_000:
        return 900.0
    return 900.0 * size / 1_000_000


# --- wrk ------------------------------------------------------------------------------------

# Without script arguments wrk requests the URL on its command line. With ``-- FILE THREADS`` each
# thread walks its share of FILE's paths in order (thread i sends lines i, i+T, i+2T, …), so a
# list of distinct paths is sent without repeats until it runs out. At the end wrk prints one
# machine-readable line.
WRK_LUA = r"""
local thread_count = 0
local paths, position, stride = nil, 0, 1

function setup(thread)
  thread:set("thread_id", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  if args[1] then
    paths = {}
    for line in io.lines(args[1]) do
      if #line > 0 then paths[#paths + 1] = line end
    end
    stride = tonumber(args[2]) or 1
    position = thread_id or 0
  end
end

function request()
  if paths then
    local path = paths[(position % #paths) + 1]
    position = position + stride
    return wrk.format("GET", path)
  end
  return wrk.request()
end

done = function(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50": %d, "p95": %d, "p99": %d, "mean": %f}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean))
end
"""
WRK_THREADS = 2


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        default="100000,1000000",
        help="Company counts, ascending (default 100000,1000000).",
    )
    parser.add_argument(
        "--duration", type=int, default=15, help="Seconds of measured load per figure (default 15)."
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=3,
        help="Seconds of unmeasured load before each figure (default 3).",
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
        help="Database to (re)create and seed (default portal_bench_run). Never a database with real data.",
    )
    parser.add_argument(
        "--cache-url",
        default=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/13"),
        help="CACHE_URL of the server (default redis://127.0.0.1:6379/13). This Redis database is "
        "flushed before each size's server starts.",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Skip seeding when the database already holds that many companies (top it up when it "
        "holds fewer; recreate it when it holds more).",
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="Run rebuild_directory even when --reuse skipped seeding.",
    )
    parser.add_argument(
        "--keep-cache",
        action="store_true",
        help="Do not flush the Redis database before starting the server.",
    )
    parser.add_argument(
        "--edit-rate", type=float, default=1.0, help="Company edits per second (default 1)."
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="Measure nothing: write the report again from the results in bench/results/.",
    )
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="Run the portal from the working tree itself, not from a snapshot of it taken at the "
        "start (edits made during the run would then change what is measured).",
    )
    parser.add_argument(
        "--directory",
        default="/en/companies/",
        help="Path of the directory (default /en/companies/).",
    )
    parser.add_argument(
        "--report", default=str(REPORT), help=f"Markdown report (default {REPORT})."
    )
    args = parser.parse_args()
    args.sizes = sorted({int(size) for size in args.sizes.split(",") if size.strip()})
    return args


# --- The environment ------------------------------------------------------------------------


def production_env(args, database_url, media_root):
    env = dict(os.environ)
    for key in ("EMAIL_BACKEND", "DJANGO_SETTINGS_MODULE"):
        env.pop(key, None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url,
            "CACHE_URL": args.cache_url,
            "SECURE_SSL_REDIRECT": "false",
            "MEDIA_ROOT": str(media_root),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(SOURCE),
        }
    )
    return env


def manage(env, *arguments, check=True):
    """Run a management command; returns (seconds, CompletedProcess)."""
    started = time.monotonic()
    result = subprocess.run(
        [PYTHON, "manage.py", *arguments], cwd=SOURCE, env=env, capture_output=True, text=True
    )
    if check and result.returncode != 0:
        sys.exit(f"manage.py {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}")
    return time.monotonic() - started, result


def probe(env, command):
    result = subprocess.run(
        [PYTHON, str(SOURCE / "bench" / "probe.py"), command],
        cwd=SOURCE,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"bench/probe.py {command} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def postgres(server_url, database, statements, autocommit=True):
    import psycopg2

    connection = psycopg2.connect(f"{server_url}/{database}")
    connection.autocommit = autocommit
    rows = []
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                rows.append(cursor.fetchall() if cursor.description else None)
    finally:
        connection.close()
    return rows


def database_exists(args):
    rows = postgres(
        args.postgres,
        "postgres",
        [f"SELECT 1 FROM pg_database WHERE datname = '{args.database}'"],
    )
    return bool(rows[0])


def recreate_database(args):
    postgres(
        args.postgres,
        "postgres",
        [
            f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)',
            f'CREATE DATABASE "{args.database}"',
        ],
    )


def flush_cache(cache_url):
    import redis

    redis.Redis.from_url(cache_url).flushdb()


def machine_facts(args):
    import redis

    facts = {"cpus": os.cpu_count()}
    try:
        facts["postgresql"] = postgres(args.postgres, "postgres", ["SHOW server_version"])[0][0][0]
    except Exception as error:  # noqa: BLE001 - a fact for the report only
        facts["postgresql"] = f"? ({error})"
    try:
        facts["redis"] = redis.Redis.from_url(args.cache_url).info()["redis_version"]
    except Exception as error:  # noqa: BLE001
        facts["redis"] = f"? ({error})"
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    facts["wrk"] = (wrk.stdout or wrk.stderr).splitlines()[0] if (wrk.stdout or wrk.stderr) else ""
    gunicorn = subprocess.run(
        [str(Path(PYTHON).with_name("gunicorn")), "--version"], capture_output=True, text=True
    )
    facts["gunicorn"] = gunicorn.stdout.strip()
    return facts


def git_state():
    def git(*arguments):
        return subprocess.run(
            ["git", *arguments], cwd=BASE_DIR, capture_output=True, text=True
        ).stdout.strip()

    changed = [line for line in git("status", "--porcelain").splitlines() if line.strip()]
    diff = subprocess.run(
        ["git", "diff", "HEAD"], cwd=BASE_DIR, capture_output=True
    ).stdout  # tracked changes only
    return {
        "commit": git("rev-parse", "HEAD"),
        "subject": git("log", "-1", "--format=%s"),
        "uncommitted_files": len(changed),
        "uncommitted": changed[:40],
        "diff_sha1": hashlib.sha1(diff).hexdigest()[:12] if diff else "",
    }


def snapshot(workroot):
    """Copy the working tree (tracked and untracked files that git does not ignore, plus the
    compiled translations) to ``workroot/src``: the portal runs from there, so what is measured
    is the tree as it was when the run started, even while someone keeps editing it."""
    target = workroot / "src"
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=BASE_DIR,
        capture_output=True,
        check=True,
    ).stdout
    names = {name for name in listing.decode().split("\0") if name}
    for top in BASE_DIR.iterdir():
        if top.is_dir() and not top.name.startswith(".") and top.name != "node_modules":
            names.update(str(path.relative_to(BASE_DIR)) for path in top.rglob("*.mo"))
    for name in sorted(names):
        source = BASE_DIR / name
        if source.is_file() and not name.startswith("bench/results/"):
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    return target


def loadavg():
    return [round(value, 2) for value in os.getloadavg()]


# --- The server -----------------------------------------------------------------------------

LOG_FORMAT = "%(s)s %(L)s %(p)s %({x-bench-queries}o)s %(b)s %({x-bench-tag}i)s"


class Server:
    """gunicorn on the benchmark settings; its access log says, per request, the status, the
    seconds from reading the request to sending the end of the answer, the worker's pid, the
    SQL queries (bench/middleware.py), the body bytes sent and the request's X-Bench-Tag ("-"
    for wrk's load)."""

    def __init__(self, args, env, workdir):
        self.args = args
        self.env = dict(env)
        self.access_log = workdir / "access.log"
        self.error_log = workdir / "gunicorn.log"
        self.stderr_log = workdir / "gunicorn.stderr"  # Django's log (LOG_LEVEL=WARNING)
        self.ready_file = workdir / "ready"
        self.process = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.args.port}"

    def start(self):
        for path in (self.access_log, self.ready_file):
            path.write_text("")
        self.env["BENCH_READY_FILE"] = str(self.ready_file)
        command = [
            str(Path(PYTHON).with_name("gunicorn")),
            "bench.wsgi:application",
            "-c",
            str(SOURCE / "bench" / "gunicorn_conf.py"),
            "--workers",
            str(self.args.workers),
            "--bind",
            f"127.0.0.1:{self.args.port}",
            "--access-logfile",
            str(self.access_log),
            "--access-logformat",
            LOG_FORMAT,
            "--error-logfile",
            str(self.error_log),
            "--chdir",
            str(SOURCE),
        ]
        started = time.monotonic()
        self.process = subprocess.Popen(
            command,
            env=self.env,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.stderr_log.open("w"),
        )
        deadline = started + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            ready = self.ready_file.read_text().split()
            if len(ready) >= self.args.workers:
                return time.monotonic() - started
            time.sleep(0.1)
        self.stop()
        sys.exit(f"gunicorn did not start its workers; see {self.error_log}:\n{self.errors()}")

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def errors(self):
        """The end of gunicorn's error log and of the workers' standard error (Django logs
        there, tracebacks of 500s included)."""
        text = ""
        for path in (self.error_log, self.stderr_log):
            try:
                text += f"--- {path.name}\n{path.read_text()[-4000:]}\n"
            except OSError:
                pass
        return text

    def worker_pids(self):
        result = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True
        )
        return [int(pid) for pid in result.stdout.split()]

    def worker_rss_mb(self):
        """{pid: resident memory in MB} of each worker, read with ``ps -o rss= -p PID``."""
        memory = {}
        for pid in self.worker_pids():
            result = subprocess.run(
                ["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True
            )
            if result.stdout.strip():
                memory[pid] = int(result.stdout.strip()) / 1024
        return memory

    def log_offset(self):
        return self.access_log.stat().st_size

    def wait_quiet(self, offset, limit=60.0):
        """Wait until the requests wrk left queued in the workers' socket when it stopped have
        been answered and logged: a request of our own (tagged "drain") queues behind them, then
        no load request (tag "-") may be logged for 1.5× the longest request of the run (at least
        0.6 s) while the other worker finishes its last one. (The pollers' requests, tagged, do
        not count.)"""
        deadline = time.monotonic() + limit
        fetch(f"{self.base}/bench-floor", tag="drain", timeout=limit)
        entries = self.log_since(offset)
        logged, since = len(entries), time.monotonic()
        longest = max((entry[1] for entry in entries), default=0.0)
        while time.monotonic() < deadline:
            time.sleep(0.1)
            entries = self.log_since(offset)
            longest = max((entry[1] for entry in entries), default=0.0)
            if len(entries) != logged:
                logged, since = len(entries), time.monotonic()
            elif time.monotonic() - since >= max(0.6, 1.5 * longest):
                return

    def log_since(self, offset, tag="-"):
        """[(status, seconds, pid, queries or None, bytes)] of the requests logged after
        ``offset`` whose tag is ``tag`` (None: every request)."""
        with self.access_log.open() as handle:
            handle.seek(offset)
            lines = handle.read().splitlines()
        entries = []
        for line in lines:
            parts = line.split()
            if len(parts) != 6 or (tag is not None and parts[5] != tag):
                continue
            queries = int(parts[3]) if parts[3].isdigit() else None
            sent = int(parts[4]) if parts[4].isdigit() else 0
            entries.append((int(parts[0]), float(parts[1]), parts[2].strip("<>"), queries, sent))
        return entries


def fetch(url, tag=None, timeout=60):
    """GET ``url``; returns (status, headers, body bytes, client seconds)."""
    request = urllib.request.Request(url, headers={"X-Bench-Tag": tag} if tag else {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            return response.status, response.headers, body, time.perf_counter() - started
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read(), time.perf_counter() - started


def percentile(values, p):
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def with_params(path, *pairs):
    """``path`` with the query parameters ``pairs`` appended."""
    pairs = [(key, value) for key, value in pairs if value is not None]
    if not pairs:
        return path
    separator = "&" if "?" in path else "?"
    return f"{path}{separator}{urllib.parse.urlencode(pairs)}"


class Bench:
    """One size's measurements on a running server."""

    def __init__(self, args, server, workdir):
        self.args = args
        self.server = server
        self.workdir = workdir
        self.lua = workdir / "bench.lua"
        self.lua.write_text(WRK_LUA)
        self.memory_samples = []

    def url(self, path):
        return f"{self.server.base}{path}"

    def wrk(self, seconds, path, paths_file=None):
        command = [
            "wrk",
            f"-t{WRK_THREADS}",
            f"-c{self.args.connections}",
            "--timeout",
            "10s",
            "-s",
            str(self.lua),
            f"-d{seconds}s",
            self.url(path),
        ]
        if paths_file:
            command += ["--", str(paths_file), str(WRK_THREADS)]
        result = subprocess.run(command, capture_output=True, text=True, check=True)
        line = next(line for line in result.stdout.splitlines() if line.startswith("WRKJSON "))
        return json.loads(line.removeprefix("WRKJSON "))

    def measure(self, label, path, warm_paths=None, paths=None, during=None, full_bytes=None):
        """Warm up, then load ``path`` (or walk ``paths``, a list of paths) for --duration seconds
        with wrk; ``during(seconds)`` runs in a thread beside the measured load. With
        ``full_bytes`` (a streamed answer's size), answers that sent less are left out of the
        server times and counted as ``incomplete``: their client had gone (wrk's 10 s timeout)
        and the worker stopped at its first write."""
        if self.args.warmup:
            offset = self.server.log_offset()
            self.wrk(self.args.warmup, path, self._paths_file(f"{label}-warm", warm_paths or paths))
            # Drain what the warm-up left queued: measured requests must not wait behind it.
            self.server.wait_quiet(offset)
        paths_file = self._paths_file(label, paths)
        load_before = loadavg()
        offset = self.server.log_offset()
        helper = None
        if during:
            helper = threading.Thread(target=during, args=(self.args.duration,), daemon=True)
            helper.start()
        wrk = self.wrk(self.args.duration, path, paths_file)
        if helper:
            helper.join()
        self.server.wait_quiet(offset)
        load_after = loadavg()
        entries = self.server.log_since(offset)
        incomplete = 0
        if full_bytes:
            complete = [entry for entry in entries if entry[4] >= 0.99 * full_bytes]
            incomplete = len(entries) - len(complete)
            entries = complete
        seconds = [entry[1] for entry in entries]
        statuses = [entry[0] for entry in entries]
        queries = collections.Counter(entry[3] for entry in entries if entry[3] is not None)
        non_2xx = sum(1 for status in statuses if not 200 <= status < 300)
        socket_errors = wrk["connect"] + wrk["read"] + wrk["write"] + wrk["timeout"]
        memory = self.server.worker_rss_mb()
        self.memory_samples.append({"after": label, "rss_mb": memory})
        figures = {
            "label": label,
            "path": path if paths is None else f"{len(paths)} paths, e.g. {paths[0]}",
            "requests": wrk["requests"],
            "logged": len(entries),
            "rps": wrk["requests"] / (wrk["duration_us"] / 1e6) if wrk["duration_us"] else 0.0,
            "client_p50": wrk["p50"] / 1000 if wrk["requests"] else float("nan"),
            "client_p95": wrk["p95"] / 1000 if wrk["requests"] else float("nan"),
            "client_p99": wrk["p99"] / 1000 if wrk["requests"] else float("nan"),
            "server_p50": percentile(seconds, 50) * 1000,
            "server_p95": percentile(seconds, 95) * 1000,
            "server_p99": percentile(seconds, 99) * 1000,
            "server_max": max(seconds) * 1000 if seconds else float("nan"),
            "server_mean": statistics.fmean(seconds) * 1000 if seconds else float("nan"),
            "errors": non_2xx + socket_errors + incomplete,
            "incomplete": incomplete,
            "non_2xx": non_2xx,
            "socket_errors": socket_errors,
            "queries_under_load": {str(k): v for k, v in sorted(queries.items())},
            "per_worker": dict(collections.Counter(entry[2] for entry in entries)),
            "load_before": load_before,
            "load_after": load_after,
            "rss_mb_after": memory,
        }
        if paths is not None:
            figures["distinct_paths"] = len(paths)
            figures["repeated_paths"] = max(0, wrk["requests"] - len(paths))
        log(
            f"  {label:<22} server p50/p95/p99 {figures['server_p50']:6.1f}/{figures['server_p95']:6.1f}/"
            f"{figures['server_p99']:6.1f} ms  client p95 {figures['client_p95']:7.1f} ms  "
            f"{figures['rps']:6.0f} req/s  queries {figures['queries_under_load'] or '-'}  "
            f"{figures['errors']} errors  load {load_after[0]}"
        )
        return figures

    def _paths_file(self, label, paths):
        if not paths:
            return None
        path = self.workdir / f"paths-{''.join(c if c.isalnum() else '-' for c in label)}.txt"
        path.write_text("\n".join(paths) + "\n", encoding="utf-8")
        return path

    # --- Single requests ------------------------------------------------------------------

    def count(self, path, requests=4):
        """The SQL queries of ``path``: the first request, then ``requests - 1`` more (warm)."""
        runs = []
        for _attempt in range(requests):
            status, headers, body, seconds = fetch(self.url(path), tag="count")
            runs.append(
                {
                    "status": status,
                    "queries": int(headers.get("X-Bench-Queries", -1)),
                    "sql_ms": float(headers.get("X-Bench-Sql-Ms", "nan")),
                    "slowest": headers.get("X-Bench-Slowest", ""),
                    "client_ms": seconds * 1000,
                    "bytes": len(body),
                    "body": body,
                }
            )
        warm = [run["queries"] for run in runs[1:]] or [runs[0]["queries"]]
        slowest = max(runs[1:] or runs, key=lambda run: float(run["slowest"].split(" ", 1)[0] or 0))
        return {
            "path": path,
            "status": runs[0]["status"],
            "statuses": sorted({run["status"] for run in runs}),
            "first": runs[0]["queries"],
            "warm": warm,
            "first_ms": runs[0]["client_ms"],
            "warm_ms": min(run["client_ms"] for run in runs[1:] or runs),
            "sql_ms": slowest["sql_ms"],
            "slowest_sql": slowest["slowest"],
            "bytes": runs[-1]["bytes"],
            "body": runs[-1]["body"],
        }

    def cold_start(self, path):
        """The first request of each worker: ``workers`` concurrent requests right after the
        workers are ready, none before."""
        offset = self.server.log_offset()
        results = [None] * self.args.workers

        def one(index):
            status, _headers, _body, seconds = fetch(self.url(path), tag="cold")
            results[index] = {"status": status, "client_ms": seconds * 1000}

        threads = [
            threading.Thread(target=one, args=(index,)) for index in range(self.args.workers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        time.sleep(0.3)
        entries = self.server.log_since(offset, tag="cold")
        return {
            "requests": results,
            "server": [
                {"pid": pid, "server_ms": seconds * 1000, "queries": queries, "status": status}
                for status, seconds, pid, queries, _sent in entries
            ],
            "workers_reached": len({entry[2] for entry in entries}),
        }


# --- Edits ----------------------------------------------------------------------------------


class Editor:
    """bench/editor.py in its own process, and one poller thread per edit that requests
    ``?q=<token>`` every 100 ms until the edited company is in the answer."""

    def __init__(self, args, env, bench):
        self.args = args
        self.env = env
        self.bench = bench
        self.edits = []
        self.pollers = []
        self.restored = None
        self.process = None
        self.reader = None
        self.error = None
        self.stderr_path = bench.workdir / "editor.err"
        self.lock = threading.Lock()

    def start(self):
        self.process = subprocess.Popen(
            [PYTHON, str(SOURCE / "bench" / "editor.py"), "--rate", str(self.args.edit_rate)],
            cwd=SOURCE,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr_path.open("w"),
            text=True,
        )
        line = self.process.stdout.readline()
        if not line or not json.loads(line).get("ready"):
            self.process.kill()
            self.process.wait()
            self.error = self.stderr_path.read_text()[-3000:] or "bench/editor.py did not start"
            log(f"  bench/editor.py failed to start:\n{self.error}")
            return False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        return True

    def _read(self):
        for line in self.process.stdout:
            event = json.loads(line)
            if "token" in event:
                with self.lock:
                    self.edits.append(event)
                thread = threading.Thread(target=self._poll, args=(event,), daemon=True)
                thread.start()
                self.pollers.append(thread)
            elif "restored" in event:
                self.restored = event["restored"]

    def _poll(self, event):
        path = with_params(self.args.directory, ("q", event["token"]))
        marker = f"/{event['slug']}/".encode()
        polls = 0
        while time.time() - event["saved_at"] < VISIBILITY_TIMEOUT_S:
            started = time.time()
            status, _headers, body, _seconds = fetch(self.bench.url(path), tag="poll")
            polls += 1
            if status == 200 and marker in body:
                event["visible_after_s"] = time.time() - event["saved_at"]
                event["found_by_poll_sent_after_s"] = started - event["saved_at"]
                event["polls"] = polls
                return
            time.sleep(max(0.0, started + POLL_INTERVAL_S - time.time()))
        event["visible_after_s"] = None
        event["polls"] = polls

    def stop_editing(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def finish(self):
        """Wait for the pollers, then let the editor put the names back."""
        for thread in list(self.pollers):
            thread.join(VISIBILITY_TIMEOUT_S + 5)
        try:
            self.process.stdin.close()
        except OSError:  # the editor already exited (failed)
            pass
        self.process.wait(timeout=120)
        self.reader.join(10)
        if self.process.returncode:
            self.error = self.stderr_path.read_text()[-3000:]
            log(f"  bench/editor.py exited with {self.process.returncode}:\n{self.error}")


# --- One size -------------------------------------------------------------------------------


def prepare_database(args, env, size):
    """Seed (or reuse) the database for ``size`` companies; returns the seeding figures."""
    figures = {"reused": False, "seed_s": None, "rebuild_s": None, "analyze_s": None}
    existing = None
    if args.reuse and database_exists(args):
        manage(env, "setup_portal", "--companies", "0", "-v0")
        existing = probe(env, "count")["companies"]
        if existing > size:
            log(f"the database holds {existing} companies, more than {size}: recreating it")
            existing = None
    if existing is None:
        log(f"recreating database {args.database}")
        recreate_database(args)
        seconds, _result = manage(env, "setup_portal", "--companies", "0", "-v0")
        figures["setup_s"] = seconds
        existing = 0
    seeded = False
    if existing < size:
        log(f"seed_demo --companies {size - existing} ({existing} → {size})")
        seconds, result = manage(
            env, "seed_demo", "--companies", str(size - existing), "--seed", str(size), "-v1"
        )
        figures["seed_s"] = seconds
        figures["load_after_seed"] = loadavg()
        figures["seed_output"] = result.stdout[-1500:]
        figures["seeded"] = size - existing
        figures["top_up"] = existing > 0
        seeded = True
        log(f"seeded {size - existing} companies in {seconds:.0f} s")
    else:
        figures["reused"] = True
        log(f"reusing {existing} companies")
    # seed_demo rebuilds the directory itself; --rebuild times a separate full rebuild.
    if args.rebuild:
        _seconds, help_result = manage(env, "help", "rebuild_directory", check=False)
        if help_result.returncode == 0:
            log("rebuild_directory")
            seconds, result = manage(env, "rebuild_directory")
            figures["rebuild_s"] = seconds
            figures["rebuild_output"] = result.stdout[-1500:]
            log(f"rebuilt the directory in {seconds:.0f} s")
        else:
            figures["rebuild_s"] = None
            figures["rebuild_note"] = "the portal has no rebuild_directory command"
    if seeded:
        started = time.monotonic()
        postgres(args.postgres, args.database, ["VACUUM ANALYZE"])
        figures["analyze_s"] = time.monotonic() - started
    return figures


def earlier_seeding(args, size):
    """The seeding figures of the earlier run that seeded this database to this size, if its
    results are still in bench/results/."""
    path = RESULTS / f"directory-{size}.json"
    try:
        earlier = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if earlier.get("settings", {}).get("database") != args.database:
        return None
    seeding = earlier.get("seeding", {})
    if seeding.get("earlier"):
        return seeding["earlier"]
    if seeding.get("seed_s") is None or seeding.get("top_up"):
        return None
    keys = ("seed_s", "rebuild_s", "analyze_s", "seeded", "load_after_seed", "seed_output")
    return {
        **{key: seeding.get(key) for key in keys},
        "date": earlier["date"],
        "commit": earlier["git"]["commit"],
    }


def run_size(args, env, size, workdir):
    started = time.monotonic()
    run = {
        "size": size,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "git": args.git,
        "snapshot": not args.in_place,
        "settings": {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "connections": args.connections,
            "workers": args.workers,
            "wrk_threads": WRK_THREADS,
            "database": args.database,
            "cache_url": args.cache_url,
            "edit_rate": args.edit_rate,
        },
        "machine": machine_facts(args),
        "load_at_start": loadavg(),
    }
    run["seeding"] = prepare_database(args, env, size)
    if run["seeding"]["reused"]:
        earlier = earlier_seeding(args, size)
        if earlier:
            run["seeding"]["earlier"] = earlier
    log("choosing filters and words (bench/probe.py choose)")
    chosen = probe(env, "choose")
    run["data"] = {key: value for key, value in chosen.items() if key != "uncached"}
    run["data"]["uncached_texts"] = len(chosen["uncached"])
    directory = args.directory
    filters = [tuple(pair) for pair in chosen["filters"]["params"]] if chosen["filters"] else []
    many = chosen["words"]["many"]["word"]
    few = chosen["words"]["few"]["word"]
    with_filters = chosen["words"].get("with filters", {}).get("word", many)
    scenarios = {
        "plain": directory,
        "3 filters": with_params(directory, *filters),
        "text, many": with_params(directory, ("q", many)),
        "text, few": with_params(directory, ("q", few)),
        "text + 3 filters": with_params(directory, ("q", with_filters), *filters),
        "page 200": with_params(directory, ("page", 200)),
        "sort=name": with_params(directory, ("sort", "name")),
        "sort=updated": with_params(directory, ("sort", "updated")),
    }
    csv_path = (
        with_params(
            directory, ("format", "csv"), *[tuple(pair) for pair in chosen["csv"]["params"]]
        )
        if chosen["csv"]
        else None
    )
    singles = [text for text in chosen["uncached"] if " " not in text][:7]
    pairs = [text for text in chosen["uncached"] if " " in text][:7]
    count_texts = {
        "uncached text": singles,
        "uncached text, 2 words": pairs,
    }
    used = set(singles + pairs)
    uncached = [
        with_params(directory, ("q", text)) for text in chosen["uncached"] if text not in used
    ]
    warm_share = max(1, len(uncached) // 6)
    uncached_warm, uncached_measured = uncached[:warm_share], uncached[warm_share:]

    if not args.keep_cache:
        flush_cache(args.cache_url)
    server = Server(args, env, workdir)
    log(f"starting gunicorn ({args.workers} workers) on {size} companies, empty cache")
    boot_s = server.start()
    try:
        bench = Bench(args, server, workdir)
        run["server"] = {"boot_s": boot_s, "rss_mb_booted": server.worker_rss_mb()}
        run["cold_start"] = bench.cold_start(directory)
        run["server"]["rss_mb_after_first_request"] = server.worker_rss_mb()
        first_server = ", ".join(f"{r['server_ms']:.0f}" for r in run["cold_start"]["server"])
        first_client = ", ".join(f"{r['client_ms']:.0f}" for r in run["cold_start"]["requests"])
        log(
            f"first directory request per worker: server {first_server} ms, client {first_client} ms"
        )

        log("counting SQL queries per page (per_page=20 and 100)")
        counts = {}
        for label, path in scenarios.items():
            counts[label] = {
                "pp20": bench.count(with_params(path, ("per_page", 20))),
                "pp100": bench.count(with_params(path, ("per_page", 100))),
            }
        # Texts no request has sent before. Per page size: one text at per_page=20, then the
        # same at 100 (compared warm, as the other pages), and the first request of three more
        # new texts at each size (what an uncached search costs).
        for label, texts in count_texts.items():
            if len(texts) == 7:
                counts[label] = {
                    "uncached": True,
                    "pp20": bench.count(with_params(directory, ("q", texts[0]), ("per_page", 20))),
                    "pp100": bench.count(
                        with_params(directory, ("q", texts[0]), ("per_page", 100))
                    ),
                    "new20": [
                        bench.count(with_params(directory, ("q", text), ("per_page", 20)), 1)
                        for text in texts[1:4]
                    ],
                    "new100": [
                        bench.count(with_params(directory, ("q", text), ("per_page", 100)), 1)
                        for text in texts[4:7]
                    ],
                }
                for figures in counts[label]["new20"] + counts[label]["new100"]:
                    figures.pop("body")
        for label, pair in counts.items():
            for key in ("pp20", "pp100"):
                figures = pair[key]
                if figures["status"] != 200:
                    server.stop()
                    sys.exit(
                        f"{label} ({figures['path']}) answered {figures['status']}; fix it before "
                        f"benchmarking.\n{server.errors()}"
                    )
                figures.pop("body")
                if key == "pp20":
                    log(
                        f"  {label:<22} queries first {pair['pp20']['first']}, warm {pair['pp20']['warm']}"
                        f" (per_page=100: {pair['pp100']['first']}, {pair['pp100']['warm']})"
                    )
        if csv_path:
            csv_count = bench.count(csv_path)
            body = csv_count.pop("body")
            csv_count["rows"] = max(
                0, len(list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))) - 1
            )
        else:
            csv_count = None
        run["queries"] = counts

        log(f"load: {args.warmup} s warm-up + {args.duration} s measured per figure")
        run["floor"] = bench.measure("floor", "/bench-floor")
        run["pages"] = {}
        for label, path in scenarios.items():
            run["pages"][label] = bench.measure(label, path)
        run["pages"]["uncached text"] = bench.measure(
            "uncached text", directory, warm_paths=uncached_warm, paths=uncached_measured
        )
        run["memory_after_directory"] = server.worker_rss_mb()
        if csv_path:
            run["csv"] = bench.measure("csv export", csv_path, full_bytes=csv_count["bytes"])
            run["csv"].update(
                {
                    "rows": csv_count["rows"],
                    "alone_ms": csv_count["warm_ms"],
                    "queries": csv_count["warm"],
                    "bytes": csv_count["bytes"],
                    "filter": chosen["csv"],
                }
            )
        else:
            run["csv"] = None

        mix = list(scenarios.values())
        run["edits"] = {"without": bench.measure("mix, no edits", directory, paths=mix)}
        editor = Editor(args, env, bench)
        log("starting bench/editor.py")

        def stop_editor_before_the_end(seconds):
            time.sleep(max(0.0, seconds - 3))
            editor.stop_editing()

        started_editor = editor.start()
        try:
            run["edits"]["with"] = bench.measure(
                "mix, edits",
                directory,
                paths=mix,
                during=stop_editor_before_the_end if started_editor else None,
            )
            if started_editor:
                editor.finish()
        finally:
            if editor.process and editor.process.poll() is None:
                editor.process.kill()
        run["edits"]["without_again"] = bench.measure("mix, no edits (2)", directory, paths=mix)
        visible = [
            e["visible_after_s"] for e in editor.edits if e.get("visible_after_s") is not None
        ]
        run["edits"]["edits"] = editor.edits
        run["edits"]["restored"] = editor.restored
        run["edits"]["editor_error"] = editor.error
        run["edits"]["visibility"] = {
            "edits": len(editor.edits),
            "visible": len(visible),
            "never": len(editor.edits) - len(visible),
            "max_s": max(visible) if visible else None,
            "p95_s": percentile(visible, 95) if visible else None,
            "p50_s": percentile(visible, 50) if visible else None,
            "sent_max_s": max(
                (
                    e["found_by_poll_sent_after_s"]
                    for e in editor.edits
                    if "found_by_poll_sent_after_s" in e
                ),
                default=None,
            ),
            "save_ms_p95": percentile([e["save_ms"] for e in editor.edits], 95)
            if editor.edits
            else None,
        }
        log(f"  edits: {run['edits']['visibility']}")
        run["floor_end"] = bench.measure("floor (end)", "/bench-floor")
        run["memory_final"] = server.worker_rss_mb()
        run["memory_samples"] = bench.memory_samples
        run["server"]["worker_pids_seen"] = len(
            {entry[2] for entry in server.log_since(0, tag=None)}
        )
        run["server"]["errors_log_tail"] = server.errors()[-2000:]
    finally:
        server.stop()
    run["load_at_end"] = loadavg()
    run["elapsed_s"] = time.monotonic() - started
    return run


# --- Verdicts and the report ----------------------------------------------------------------


def fmt(value, digits=1):
    if value is None or value != value:  # None or NaN
        return "–"
    return f"{value:,.{digits}f}".replace(",", " ")


def n(value):
    return f"{value:,}".replace(",", " ")


def ratio(value, floor):
    if not floor or value != value or floor != floor:
        return "–"
    return f"{value / floor:.0f}×" if value / floor >= 10 else f"{value / floor:.1f}×"


def queries_text(counts):
    """'first → warm' queries at per_page 20 and 100 (an uncached text: its first request)."""

    def one(figures):
        warm = sorted(set(figures["warm"]))
        warm_text = str(warm[0]) if len(warm) == 1 else f"{warm[0]}–{warm[-1]}"
        return warm_text if figures["first"] in warm else f"{figures['first']} → {warm_text}"

    text = f"{one(counts['pp20'])} / {one(counts['pp100'])}"
    if counts.get("uncached"):
        new20 = ", ".join(str(figures["first"]) for figures in counts["new20"])
        new100 = ", ".join(str(figures["first"]) for figures in counts["new100"])
        text += f"; new texts: {new20} / {new100}"
    return text


def verdicts(run):
    """[(ok or None, text)] of one size's targets; None: not measured."""
    size = run["size"]
    target = latency_target_ms(size)
    result = []
    for label, figures in run["pages"].items():
        result.append(
            (
                figures["server_p95"] < target,
                f"directory, {label}: server p95 {fmt(figures['server_p95'])} ms (target < {target:.0f} ms)",
            )
        )
    differing, counted = [], []
    for label, counts in run["queries"].items():
        warm20, warm100 = max(counts["pp20"]["warm"]), max(counts["pp100"]["warm"])
        counted += [warm20, warm100]
        if warm20 != warm100:
            differing.append(f"{label} {warm20} vs {warm100}")
    result.append(
        (
            not differing,
            "SQL queries per page the same at per_page=20 and per_page=100: "
            + (
                "differ for " + ", ".join(differing)
                if differing
                else f"yes for all {len(run['queries'])} pages ({min(counted)}–{max(counted)} queries)"
            ),
        )
    )
    export = run.get("csv")
    if export:
        result.append(
            (
                export["server_p95"] < CSV_P95_TARGET_MS and export["rows"] <= CSV_ROWS,
                f"CSV export of {n(export['rows'])} rows: server p95 {fmt(export['server_p95'])} ms "
                + (
                    f"(no export completed under load in {run['settings']['duration_s']} s: "
                    f"{n(export.get('incomplete', 0))} cut short; one alone took "
                    f"{fmt(export.get('alone_ms'), 0)} ms) "
                    if not export["logged"]
                    else ""
                )
                + f"(target < {CSV_P95_TARGET_MS:.0f} ms, ≤ {n(CSV_ROWS)} rows)",
            )
        )
    else:
        result.append((None, f"CSV export: no filter with 1–{n(CSV_ROWS)} companies found"))
    edits = run["edits"]
    baseline = statistics.fmean(
        [edits["without"]["server_p99"], edits["without_again"]["server_p99"]]
    )
    rise = edits["with"]["server_p99"] / baseline - 1 if baseline else float("nan")
    made = edits["visibility"]["edits"]
    result.append(
        (
            rise <= EDIT_P99_RISE and made > 0,
            f"p99 with one edit a second: {fmt(edits['with']['server_p99'])} ms against "
            f"{fmt(baseline)} ms without ({rise:+.0%}; target ≤ +{EDIT_P99_RISE:.0%})"
            + ("" if made else "; NO EDIT WAS MADE: bench/editor.py failed, see the report"),
        )
    )
    visibility = edits["visibility"]
    result.append(
        (
            visibility["edits"] > 0
            and visibility["never"] == 0
            and visibility["max_s"] <= VISIBILITY_TARGET_S,
            f"edit visible in the text search: max {fmt(visibility['max_s'], 2)} s, "
            f"p95 {fmt(visibility['p95_s'], 2)} s over {visibility['edits']} edits"
            + (
                f", {visibility['never']} not within {VISIBILITY_TIMEOUT_S:.0f} s"
                if visibility["never"]
                else ""
            )
            + f" (target ≤ {VISIBILITY_TARGET_S:.0f} s)",
        )
    )
    rss = max_rss(run)
    result.append(
        (
            rss <= RSS_TARGET_MB,
            f"resident memory per worker after warm-up: max {fmt(rss)} MB (target ≤ {RSS_TARGET_MB:.0f} MB)",
        )
    )
    first = first_request_ms(run)
    result.append(
        (
            first <= FIRST_REQUEST_TARGET_MS,
            f"first directory request after a fresh start: {fmt(first, 0)} ms "
            f"(slowest worker, server time; target ≤ {FIRST_REQUEST_TARGET_MS:.0f} ms)",
        )
    )
    seeding = run["seeding"]
    measured, when = seeding, ""
    if seeding.get("seed_s") is None and seeding.get("earlier"):
        measured = seeding["earlier"]
        when = f", measured {measured['date'][:16]} when this database was seeded"
    if measured.get("seed_s") is not None and not measured.get("top_up"):
        load = measured.get("load_after_seed")
        result.append(
            (
                measured["seed_s"] <= seed_target_s(size),
                f"seed_demo --companies {n(size)}: {fmt(measured['seed_s'], 0)} s "
                f"(target ≤ {seed_target_s(size):.0f} s{when}"
                + (f"; load average {load[0]:.2f} at its end" if load else "")
                + ")",
            )
        )
    else:
        result.append((None, "seeding: not measured (database reused or topped up)"))
    errors = sum(errors_of(f) for f in all_loads(run))
    result.append((errors == 0, f"errors under {run['settings']['connections']} clients: {errors}"))
    return result


def errors_of(figures):
    """Socket errors (wrk's timeouts included), answers that were not 2xx, and streamed answers
    cut short because their client had given up."""
    return figures["non_2xx"] + figures["socket_errors"] + figures.get("incomplete", 0)


def all_loads(run):
    loads = [run["floor"], *run["pages"].values(), run["floor_end"]]
    if run.get("csv"):
        loads.append(run["csv"])
    loads += [run["edits"]["without"], run["edits"]["with"], run["edits"]["without_again"]]
    return loads


def max_rss(run):
    samples = [run["memory_after_directory"], run["memory_final"]]
    samples += [sample["rss_mb"] for sample in run["memory_samples"]]
    return max((value for sample in samples for value in sample.values()), default=float("nan"))


def first_request_ms(run):
    values = [entry["server_ms"] for entry in run["cold_start"]["server"]]
    return max(values) if values else float("nan")


def verdict_mark(ok):
    return "n/a" if ok is None else ("PASS" if ok else "**MISS**")


def load_text(figures):
    return f"{figures['load_after'][0]:.2f}"


def render_size(run):
    size = run["size"]
    floor = run["floor"]["server_p95"]
    data = run["data"]
    seeding = run["seeding"]
    git = run["git"]
    settings = run["settings"]
    lines = [
        f"## {n(size)} companies",
        "",
        f"Measured {run['date']} on commit `{git['commit'][:12]}` ({git['subject']})"
        + (
            f" plus {git['uncommitted_files']} uncommitted files (diff {git['diff_sha1']})"
            if git["uncommitted_files"]
            else ""
        )
        + f"; {run['machine']['cpus']} CPU cores shared by gunicorn, PostgreSQL "
        f"{run['machine']['postgresql']}, Redis {run['machine']['redis']} and wrk; load average at "
        f"the start {run['load_at_start'][0]:.2f}; the whole size took {run['elapsed_s'] / 60:.0f} min.",
        "",
    ]
    if run["load_at_start"][0] >= run["machine"]["cpus"]:
        lines += [
            f"**The machine was busy before this run started** (load average "
            f"{run['load_at_start'][0]:.2f} on {run['machine']['cpus']} cores): other work shared "
            "the CPUs with the server, PostgreSQL and wrk, so absolute times are inflated; the "
            "×floor ratios, the single-request times (alone) and the query counts are the more "
            "comparable figures.",
            "",
        ]
    seed_parts = []
    if seeding.get("seed_s") is not None:
        seed_parts.append(
            f"seed_demo {fmt(seeding['seed_s'], 0)} s for {n(seeding['seeded'])} companies"
            + (" (top-up)" if seeding.get("top_up") else "")
        )
    elif seeding.get("earlier"):
        earlier = seeding["earlier"]
        seed_parts.append(
            f"database reused, seeded by the run of {earlier['date'][:16]} (commit "
            f"`{earlier['commit'][:12]}`): seed_demo {fmt(earlier['seed_s'], 0)} s for "
            f"{n(earlier['seeded'])} companies, rebuild_directory {fmt(earlier['rebuild_s'], 0)} s"
        )
    else:
        seed_parts.append("database reused, not seeded")
    if seeding.get("rebuild_s") is not None:
        seed_parts.append(f"rebuild_directory {fmt(seeding['rebuild_s'], 0)} s")
    elif seeding.get("rebuild_note"):
        seed_parts.append(seeding["rebuild_note"])
    if seeding.get("analyze_s") is not None:
        seed_parts.append(f"VACUUM ANALYZE {fmt(seeding['analyze_s'], 0)} s")
    seed_output = seeding.get("seed_output") or (seeding.get("earlier") or {}).get("seed_output")
    summary = [
        line.strip()
        for line in (seed_output or "").splitlines()
        if line.strip().startswith(("Created", "Rebuilt"))
    ]
    if summary:
        seed_parts.append("seed_demo said: “" + " ".join(summary) + "”")
    filters = data.get("filters") or {}
    labels = filters.get("labels", {})
    words = data["words"]
    lines += [
        f"Data: {n(data['counts']['published'])} published of {n(data['counts']['companies'])} "
        f"companies; " + "; ".join(seed_parts) + ".",
        "",
        f"Three filters: country={labels.get('country')}, capability={labels.get('capability')} "
        f"({filters.get('params', [[None, None]] * 3)[1][1]}), certification="
        f"{labels.get('certification')} ({filters.get('params', [[None, None]] * 3)[2][1]}): "
        f"{n(filters.get('companies', 0))} companies. Text with many matches `{words['many']['word']}` "
        f"(a word starts with it in {words['many']['sample_share']:.0%} of a {n(data['sample'])}-company "
        f"sample; "
        f"{n(words['many']['substring_matches'])} companies contain it), with few `{words['few']['word']}` "
        f"({n(words['few']['substring_matches'])} companies contain it)"
        + (
            f"; with the three filters `{words['with filters']['word']}` (a word starts with it "
            f"in {words['with filters']['sample_share']:.0%} of the companies the filters keep)"
            if "with filters" in words
            else ""
        )
        + ". Uncached text: "
        f"{n(data['uncached_texts'])} distinct words, prefixes and word pairs from the sample, each "
        "sent once.",
        "",
        "### Directory",
        "",
        f"Server time from gunicorn's access log; client time from wrk ({settings['connections']} "
        f"clients on {settings['workers']} workers, so it includes the wait for a worker). "
        "×floor: server p95 over the floor view's server p95 in the same run. SQL queries per page: "
        "warm (the first request of that URL, when different, before the arrow) at per_page=20 "
        "/ per_page=100; for the uncached texts one new text at 20 then the same at 100, and the "
        "first requests of three more new texts at each size; under load: every request's count "
        "seen in the measured run. Alone: client time of one request with no other load (warm, "
        "per_page=20; for the uncached text the median of the new texts). Load: the 1-minute load "
        "average at the end of the figure.",
        "",
        "| page | SQL queries (20 / 100) | under load | alone | server p50 | server p95 | server p99 | ×floor | client p95 | req/s | errors | load |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def alone(counts):
        if counts is None:
            return float("nan")
        if counts.get("uncached"):
            return statistics.median(f["first_ms"] for f in counts["new20"] + counts["new100"])
        return counts["pp20"]["warm_ms"]

    def row(label, figures, queries="–", counts=None):
        under_load = ", ".join(figures["queries_under_load"]) or "–"
        return (
            f"| {label} | {queries} | {under_load} | {fmt(alone(counts))} | {fmt(figures['server_p50'])} | "
            f"{fmt(figures['server_p95'])} | {fmt(figures['server_p99'])} | "
            f"{ratio(figures['server_p95'], floor)} | {fmt(figures['client_p95'])} | "
            f"{fmt(figures['rps'], 0)} | {errors_of(figures)} | {load_text(figures)} |"
        )

    lines.append(row("floor `/bench-floor`", run["floor"]))
    for label, figures in run["pages"].items():
        counts = run["queries"][label]
        lines.append(row(label, figures, queries_text(counts), counts))
    for label, counts in run["queries"].items():
        if label not in run["pages"]:  # counted, not loaded
            lines.append(
                f"| {label} | {queries_text(counts)} | – | {fmt(alone(counts))} |" + " – |" * 8
            )
    lines.append(row("floor again, at the end", run["floor_end"]))
    uncached = run["pages"]["uncached text"]
    lines += [
        "",
        f"The uncached text run sent {n(uncached['requests'])} requests over "
        f"{n(uncached['distinct_paths'])} distinct texts ({n(uncached['repeated_paths'])} repeats).",
        "",
    ]
    export = run.get("csv")
    lines += ["### CSV export", ""]
    if export:
        params = "&".join(f"{k}={v}" for k, v in export["filter"]["params"])
        lines += [
            f"`?format=csv&{params}`: {n(export['rows'])} rows, {n(export['bytes'])} bytes, "
            f"{', '.join(map(str, sorted(set(export['queries']))))} SQL queries; one request "
            f"alone (no load) {fmt(export.get('alone_ms'), 0)} ms. Under load, server times of the "
            f"{n(export['logged'])} complete answers; {n(export.get('incomplete', 0))} more were "
            "cut short because wrk had given up on them (10 s timeout; counted as errors):",
            "",
            "| server p50 | server p95 | server p99 | ×floor | client p95 | req/s | errors | load |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {fmt(export['server_p50'])} | {fmt(export['server_p95'])} | "
            f"{fmt(export['server_p99'])} | {ratio(export['server_p95'], floor)} | "
            f"{fmt(export['client_p95'])} | {fmt(export['rps'], 1)} | {errors_of(export)} | "
            f"{load_text(export)} |",
            "",
        ]
    else:
        lines += [f"No filter with 1–{n(CSV_ROWS)} companies was found.", ""]
    edits = run["edits"]
    visibility = edits["visibility"]
    lines += [
        "### Edits during a directory run",
        "",
        f"wrk walks the eight directory pages above in turn. During the middle run bench/editor.py "
        f"renames a random published company and saves it through the ORM {settings['edit_rate']:g}× "
        f"a second (stopping 3 s before the end), and each edit's token is searched every "
        f"{POLL_INTERVAL_S * 1000:.0f} ms until the company shows.",
        "",
        "| run | server p50 | server p95 | server p99 | ×floor (p95) | client p99 | req/s | errors | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, key in (
        ("no edits", "without"),
        ("one edit a second", "with"),
        ("no edits, again", "without_again"),
    ):
        figures = edits[key]
        lines.append(
            f"| {label} | {fmt(figures['server_p50'])} | {fmt(figures['server_p95'])} | "
            f"{fmt(figures['server_p99'])} | {ratio(figures['server_p95'], floor)} | "
            f"{fmt(figures['client_p99'])} | {fmt(figures['rps'], 0)} | {errors_of(figures)} | "
            f"{load_text(figures)} |"
        )
    lines += [
        "",
        f"{visibility['edits']} edits (save p95 {fmt(visibility['save_ms_p95'])} ms); visible in "
        f"`?q=<token>` after p50 {fmt(visibility['p50_s'], 2)} s, p95 {fmt(visibility['p95_s'], 2)} s, "
        f"max {fmt(visibility['max_s'], 2)} s"
        + (
            f"; {visibility['never']} not within {VISIBILITY_TIMEOUT_S:.0f} s"
            if visibility["never"]
            else ""
        )
        + f" (from the save to the answer of the first poll that showed it; that poll was sent "
        f"at most {fmt(visibility.get('sent_max_s'), 2)} s after the save, the rest is its wait "
        f"behind the load). Names restored afterwards: {edits['restored']}."
        + (
            f" bench/editor.py failed: `{' '.join(edits['editor_error'].split())[-400:]}`"
            if edits.get("editor_error")
            else ""
        ),
        "",
        "### Memory and cold start",
        "",
    ]
    cold = run["cold_start"]
    rss_lines = [
        ("booted, no request yet", run["server"]["rss_mb_booted"]),
        ("after the first directory request", run["server"]["rss_mb_after_first_request"]),
        ("after the directory runs (warm)", run["memory_after_directory"]),
        ("at the end", run["memory_final"]),
    ]
    lines += [
        "Resident memory of each gunicorn worker (`ps -o rss= -p PID`), MB:",
        "",
        "| when | " + " | ".join(f"worker {i + 1}" for i in range(settings["workers"])) + " |",
        "|---|" + "---:|" * settings["workers"],
    ]
    for label, sample in rss_lines:
        values = list(sample.values()) + [float("nan")] * (settings["workers"] - len(sample))
        lines.append(
            f"| {label} | " + " | ".join(fmt(v) for v in values[: settings["workers"]]) + " |"
        )
    lines += [
        "",
        f"Highest of every sample taken after a figure: {fmt(max_rss(run))} MB.",
        "",
        f"First directory request after a fresh start (Redis database flushed, workers booted in "
        f"{run['server']['boot_s']:.1f} s, no request before): {settings['workers']} concurrent "
        f"requests reached {cold['workers_reached']} worker(s); server time "
        + ", ".join(
            f"{fmt(entry['server_ms'], 0)} ms ({entry['queries']} queries)"
            for entry in cold["server"]
        )
        + "; client time "
        + ", ".join(f"{fmt(entry['client_ms'], 0)} ms" for entry in cold["requests"])
        + f"; ×floor {ratio(first_request_ms(run), floor)}.",
        "",
        "### Targets",
        "",
    ]
    lines += [f"- {verdict_mark(ok)}: {text}" for ok, text in verdicts(run)]
    lines += ["", "Slowest SQL query of each page (warm, per_page=20, one request):", ""]
    lines += ["| page | SQL ms in the request | slowest query ms and SQL |", "|---|---:|---|"]
    for label, counts in run["queries"].items():
        slowest = " ".join(counts["pp20"]["slowest_sql"].split())
        slowest = (slowest[:400] + "…") if len(slowest) > 400 else slowest
        lines.append(
            f"| {label} | {fmt(counts['pp20']['sql_ms'])} | `{slowest.replace('|', '/')}` |"
        )
    lines.append("")
    return lines


def render_report(runs, args):
    lines = [
        "# Directory benchmark",
        "",
        f"Written {time.strftime('%Y-%m-%d %H:%M %Z')} by `bench/run.py` from the results in "
        "`bench/results/directory-<size>.json` (each size from its latest run; the date and commit "
        "of each are in its section).",
        "",
        "Set-up: PostgreSQL database seeded with `manage.py seed_demo`, gunicorn with "
        "production settings (DEBUG off, cache in Redis via CACHE_URL), wrk with a fixed number of "
        "concurrent connections, everything on the same machine. Every load figure is server time "
        "from gunicorn's access log unless it says client, beside the floor view `/bench-floor` "
        "(the middleware stack and no query) measured on the same server in the same run.",
        "",
        "## Summary",
        "",
        "| size | target | result | verdict |",
        "|---|---|---|---|",
    ]
    for run in runs:
        for ok, text in verdicts(run):
            head, _, rest = text.partition(": ")
            lines.append(f"| {n(run['size'])} | {head} | {rest} | {verdict_mark(ok)} |")
    lines.append("")
    for run in runs:
        lines += render_size(run)
    lines += [
        "## How to rerun",
        "",
        "PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth), Redis on 127.0.0.1:6379, "
        "`apt-get install -y wrk`. The database `portal_bench_run` is dropped and recreated "
        "(without `--reuse`); Redis database 13 is flushed.",
        "",
        "```sh",
        "make bench                                                # 100k then 1M",
        'make bench BENCH_ARGS="--sizes 1000000 --reuse"          # any options',
        ".venv/bin/python bench/run.py --sizes 100000              # 100k only",
        ".venv/bin/python bench/run.py --sizes 1000000             # 1M only",
        ".venv/bin/python bench/run.py --sizes 100000 --reuse      # measure again, no seeding",
        ".venv/bin/python bench/run.py --sizes 2000 --duration 5 --warmup 1   # quick check",
        "```",
        "",
        "Options: `--duration` (s of load per figure, default 15), `--warmup` (default 3), "
        "`--connections` (20), `--workers` (2), `--reuse`, `--rebuild` (run rebuild_directory "
        "on a reused database), `--edit-rate` (1/s), `--database`, `--cache-url`, "
        "`--keep-cache`, `--in-place` (run the working tree itself, not a snapshot of it), "
        "`--report-only` (rewrite this report from bench/results/); `bench/run.py --help`.",
        "",
    ]
    return "\n".join(lines)


def load_runs():
    runs = []
    for path in sorted(RESULTS.glob("directory-*.json")):
        try:
            runs.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return sorted(runs, key=lambda run: run["size"])


# --- Main -----------------------------------------------------------------------------------


def main():
    args = parse_args()
    if args.report_only:
        Path(args.report).write_text(render_report(load_runs(), args), encoding="utf-8")
        log(f"report written to {args.report}")
        return 0
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")
    RESULTS.mkdir(parents=True, exist_ok=True)
    database_url = f"{args.postgres.rstrip('/')}/{args.database}"
    args.postgres = args.postgres.rstrip("/")
    workroot = Path(tempfile.mkdtemp(prefix="bench-", dir=RESULTS))
    args.git = git_state()
    if not args.in_place:
        global SOURCE
        SOURCE = snapshot(workroot)
        log(f"running the portal from a snapshot of the working tree: {SOURCE}")
    env = production_env(args, database_url, workroot / "media")
    log("collectstatic")
    manage(env, "collectstatic", "--noinput", "-v0")
    try:
        for size in args.sizes:
            log(f"=== {n(size)} companies ===")
            workdir = workroot / str(size)
            workdir.mkdir()
            run = run_size(args, env, size, workdir)
            (RESULTS / f"directory-{size}.json").write_text(
                json.dumps(run, indent=2, default=str), encoding="utf-8"
            )
            runs = load_runs()
            Path(args.report).write_text(render_report(runs, args), encoding="utf-8")
            log(f"{n(size)} done in {run['elapsed_s'] / 60:.1f} min; report in {args.report}")
            for ok, text in verdicts(run):
                log(f"  {verdict_mark(ok):9} {text}")
    finally:
        shutil.rmtree(workroot, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
