"""The processes bench/run.py drives and what they share: where the portal runs from, the
production environment, management commands and bench/probe.py, PostgreSQL and Redis, the gunicorn
server with its access log, and the database of each size (seeded or reused)."""

import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH = BASE_DIR / "bench"
RESULTS = BENCH / "results"
REPORT = BENCH / "REPORT.md"
PYTHON = sys.executable
# Where the portal runs from: a snapshot of the working tree taken when the run starts (see
# snapshot()), or the working tree itself with --in-place. bench/run.py's main() sets it, so the
# other modules read it as harness.SOURCE.
SOURCE = BASE_DIR


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


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


# --- The database --------------------------------------------------------------------------------


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
