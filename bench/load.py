"""The load on a running benchmark server: wrk and single requests (Bench), and company edits
made by bench/editor.py in its own process, with a poller per edit (Editor)."""

import collections
import json
import signal
import statistics
import subprocess
import threading
import time
import urllib.parse

from bench import harness
from bench.harness import PYTHON, fetch, loadavg, log
from bench.report import POLL_INTERVAL_S, VISIBILITY_TIMEOUT_S

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
            [
                PYTHON,
                str(harness.SOURCE / "bench" / "editor.py"),
                "--rate",
                str(self.args.edit_rate),
            ],
            cwd=harness.SOURCE,
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
