"""gunicorn hooks of the benchmark server (bench/run.py passes ``-c bench/gunicorn_conf.py``; the
other settings are on its command line).

``post_worker_init`` appends the worker's pid to ``$BENCH_READY_FILE`` once the worker has loaded
the application, so bench/run.py knows every worker is up without sending a request, and the first
directory request after a fresh start is really the first one each worker serves.
"""

import os


def post_worker_init(worker):
    path = os.environ.get("BENCH_READY_FILE")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{worker.pid}\n")
