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

This file is the command line and the order of the measurements; bench/harness.py holds the
processes (environment, management commands, PostgreSQL, Redis, gunicorn, seeding), bench/load.py
the load (wrk, single requests, edits) and bench/report.py the targets, verdicts and the report.

Usage (PostgreSQL on 127.0.0.1:5432, user postgres, trust auth; Redis on 127.0.0.1:6379; Debian's
wrk: ``apt-get install -y wrk``):

    make bench                                           # 100k then 1M, seeding each
    make bench BENCH_ARGS="--sizes 100000 --reuse"       # options through make
    .venv/bin/python bench/run.py --sizes 100000         # one size
    .venv/bin/python bench/run.py --sizes 1000000 --reuse   # keep a database of that size
    .venv/bin/python bench/run.py --sizes 2000 --duration 5 --warmup 1   # a quick check
"""

import argparse
import csv
import datetime
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness
from bench.harness import (
    REPORT,
    RESULTS,
    Server,
    earlier_seeding,
    flush_cache,
    git_state,
    loadavg,
    log,
    machine_facts,
    manage,
    prepare_database,
    probe,
    production_env,
    snapshot,
)
from bench.load import WRK_THREADS, Bench, Editor, percentile, with_params
from bench.report import load_runs, n, render_report, verdict_mark, verdicts


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


# --- Main -----------------------------------------------------------------------------------


def main():
    args = parse_args()
    if args.report_only:
        Path(args.report).write_text(render_report(load_runs()), encoding="utf-8")
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
        harness.SOURCE = snapshot(workroot)
        log(f"running the portal from a snapshot of the working tree: {harness.SOURCE}")
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
            Path(args.report).write_text(render_report(runs), encoding="utf-8")
            log(f"{n(size)} done in {run['elapsed_s'] / 60:.1f} min; report in {args.report}")
            for ok, text in verdicts(run):
                log(f"  {verdict_mark(ok):9} {text}")
    finally:
        shutil.rmtree(workroot, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
