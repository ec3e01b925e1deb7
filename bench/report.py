"""The targets, the verdicts of a size's results against them, and bench/REPORT.md rendered from
the results in bench/results/."""

import json
import statistics
import time

from bench.harness import RESULTS

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


def render_report(runs):
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
