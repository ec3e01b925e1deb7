#!/usr/bin/env python
"""In-process timing of the directory engine alone (no template, no HTTP): the clock read, the
text match, the facet counts and a page of ids, against an already seeded database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_run .venv/bin/python bench/engine.py

Prints the median and p95 of each question over --repeat runs, the machine's load average, and
the cold load of a worker's bitmaps. Complements bench/run.py, which measures whole pages.
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

from companies import engine, indexing  # noqa: E402
from companies.filters import FACET_NAMES  # noqa: E402
from companies.models import DirectoryBitmap, DirectoryWord  # noqa: E402


def timed(function, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    started = time.perf_counter()
    engine.forget()
    index = engine.current()
    cold = (time.perf_counter() - started) * 1000
    bitmap_bytes = sum(len(bits) for bits in DirectoryBitmap.objects.values_list("bits", flat=True))
    print(
        f"companies {index.size:,}; bitmaps {len(index.bitmaps):,} ({bitmap_bytes / 2**20:.1f} MiB)"
    )
    print(f"words in the inverted index: {DirectoryWord.objects.count():,}")
    print(f"cold load of a worker's bitmaps: {cold:.0f} ms; load average {os.getloadavg()[0]:.2f}")

    country = next(iter(index.values("country")))
    capability = max(index.values("capability").items(), key=lambda item: len(item[1]))[0]
    certification = max(index.values("certification").items(), key=lambda item: len(item[1]))[0]
    filters = {"country": [country], "capability": [capability], "certification": [certification]}
    words = ["stal", "konepaja", "laser", "vaasa", "county", "bialystok", "welding ab"]
    prefixes = [f"{a}{b}{c}" for a in "bkmps" for b in "aeiou" for c in "lnrst"]
    fresh = iter(prefixes * 10)

    def ask(selected=None, text="", sort=engine.SORT_NAME, start=0):
        def run():
            query = engine.current().query(selected or {}, text, sort)
            query.counts(FACET_NAMES)
            query.ids(start, start + 20)

        return run

    questions = {
        "plain": ask(),
        "3 filters": ask(filters),
        "page 200": ask(start=3980),
        "sort=updated": ask(sort=engine.SORT_UPDATED),
        **{f"text {w!r}": ask(text=w, sort=engine.SORT_RELEVANCE) for w in words},
        "text + 3 filters": ask(filters, "ab", engine.SORT_RELEVANCE),
        "uncached 3-letter prefixes": lambda: ask(text=next(fresh), sort="relevance")(),
    }
    print(f"{'question':<32} {'median ms':>10} {'p95 ms':>8}")
    for name, function in questions.items():
        median, p95 = timed(function, args.repeat)
        print(f"{name:<32} {median:>10.1f} {p95:>8.1f}")
    started = time.perf_counter()
    indexing.refresh([next(iter(index.everything))])
    print(
        f"one refresh (an edit's directory work): {(time.perf_counter() - started) * 1000:.0f} ms"
    )
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
