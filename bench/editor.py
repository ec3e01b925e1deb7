"""Edits companies through the ORM while bench/run.py loads the directory: about ``--rate`` edits
a second (default 1), each renaming a random published company to its name plus a fresh token
(``benchedit`` and ten random letters) and calling ``.save()``, as an editor in the admin would.

Prints one JSON line when Django is set up ({"ready": true}), one per edit ({"token", "pk",
"slug", "saved_at" (epoch seconds, after the save returned), "save_ms"}). On SIGTERM or SIGINT it
stops editing and prints {"stopped": n}; when its standard input then closes (bench/run.py has
seen every edit in the directory, or given up) it puts the original names back, saving again,
and prints {"restored": n}. Runs with bench/run.py's
environment (DATABASE_URL, CACHE_URL, DJANGO_SETTINGS_MODULE), so its saves reach the same
database and cache as the server's workers.
"""

import argparse
import json
import random
import re
import signal
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TOKEN_PREFIX = "benchedit"
EARLIER_TOKENS = re.compile(rf"(\s+{TOKEN_PREFIX}[a-z]+)+$")


def emit(**fields):
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=1.0, help="Edits per second (default 1).")
    parser.add_argument("--seed", type=int, default=None, help="Random seed (default: random).")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db.models import Max, Min

    from companies.models import Company

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))

    rng = random.Random(args.seed)
    published = Company.objects.filter(is_published=True)
    bounds = published.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        sys.exit("no published company to edit")
    originals = {}
    emit(ready=True)
    next_edit = time.monotonic()
    while not stopping:
        start = rng.randint(bounds["low"], bounds["high"])
        company = published.filter(pk__gte=start).order_by("pk").first() or published.first()
        original = originals.setdefault(company.pk, EARLIER_TOKENS.sub("", company.name))
        token = TOKEN_PREFIX + "".join(rng.choice(string.ascii_lowercase) for _ in range(10))
        company.name = f"{original[: 200 - len(token) - 1]} {token}"
        started = time.time()
        company.save()
        saved = time.time()
        emit(
            token=token,
            pk=company.pk,
            slug=company.slug,
            saved_at=saved,
            save_ms=(saved - started) * 1000,
        )
        next_edit += 1 / args.rate
        while not stopping and time.monotonic() < next_edit:
            time.sleep(min(0.05, max(0.0, next_edit - time.monotonic())))
    emit(stopped=len(originals))
    sys.stdin.read()  # until bench/run.py closes it
    restored = 0
    for pk, name in originals.items():
        company = Company.objects.filter(pk=pk).first()
        if company and company.name != name:
            company.name = name
            company.save()
            restored += 1
    emit(restored=restored)


if __name__ == "__main__":
    main()
