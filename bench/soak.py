"""Soak: many clients for minutes against two app servers, with PostgreSQL restarted in the middle.

    .venv/bin/python bench/soak.py [--clients 50] [--minutes 10] [--restart-at 0.5]

Starts the multi-node deployment of bench/nodes.py (two gunicorn servers on 127.0.0.1 and
127.0.0.2 sharing a fresh PostgreSQL database, Redis and a moto S3 bucket), then runs ``--clients``
threads for ``--minutes`` (at most 10): each reads pages (home, directory with and without
filters and text, profiles, projects, events, the visit form) and now and then posts a visit
request or an expression of interest in an offer, each marked with a unique address. Halfway
through, PostgreSQL is restarted (``--restart-command``). At the end it reports the answers by
status, the errors, how long the portal took to answer pages and posts again after the restart,
and checks that every post the portal accepted (a redirect to its thank-you page) is in the
database with its e-mail in the outbox. The result goes to bench/results/soak.json and a section
of bench/REPORT.md.
"""

import argparse
import collections
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.nodes import Deployment, Visitor, postgres  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
REPORT = Path(__file__).resolve().parent / "REPORT.md"
MAX_MINUTES = 10
POST_SHARE = 0.15


def default_restart_command():
    clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
    for line in clusters.splitlines():
        version, name, port = line.split()[:3]
        if port == "5432":
            return f"pg_ctlcluster --skip-systemctl-redirect {version} {name} restart"
    return "service postgresql restart"


def loadavg():
    return os.getloadavg()[0]


class Soak:
    def __init__(self, deployment, clients, seconds):
        self.deployment, self.clients, self.seconds = deployment, clients, seconds
        self.lock = threading.Lock()
        self.answers = collections.Counter()  # (kind, status) → count
        self.timeline = []  # (t, kind, ok)
        self.accepted = []  # (kind, marker)
        self.errors = collections.Counter()
        self.stop = threading.Event()
        self.started = None
        self.targets = self._targets()

    def _targets(self):
        db = self.deployment.database
        companies = [
            r[0]
            for r in postgres(
                db, "SELECT slug FROM companies_company WHERE is_published LIMIT 200"
            )[0]
        ]
        offers = [
            r[0]
            for r in postgres(
                db,
                "SELECT slug FROM companies_cooperationoffer WHERE status = 'published' "
                "AND valid_from <= CURRENT_DATE AND valid_until >= CURRENT_DATE LIMIT 50",
            )[0]
        ]
        # Only offers whose page has the form (an offer without a contact address has none).
        offers = [
            slug
            for slug in offers
            if "/interest/"
            in Visitor().get(f"{self.deployment.nodes[0].base}/en/offers/{slug}/").text
        ]
        pages = ["/en/", "/fi/", "/en/companies/", "/sv/foretag/?q=laser", "/en/projects/"]
        pages += ["/en/events/", "/en/visit/", "/pl/firmy/?country=PL", "/en/offers/"]
        return {"companies": companies, "offers": offers, "pages": pages}

    def note(self, kind, status, ok):
        ok = ok and status < 500
        with self.lock:
            self.answers[(kind, status)] += 1
            self.timeline.append((time.monotonic() - self.started, kind, ok))

    def client(self, number):
        rng = random.Random(number)
        nodes = self.deployment.nodes
        while not self.stop.is_set():
            node = nodes[rng.randrange(len(nodes))]
            visitor = Visitor()
            try:
                if rng.random() < POST_SHARE:
                    self.post(rng, node, visitor)
                else:
                    self.read(rng, node, visitor)
            except requests.ConnectionError as error:  # a refused connection: the server's fault
                with self.lock:
                    self.errors[type(error).__name__] += 1
                self.note("connection", 0, False)
                time.sleep(0.5)
            except Exception as error:  # a timeout, a page without its form: the client's side
                with self.lock:
                    self.errors[type(error).__name__] += 1
                self.note("client", 0, False)
                time.sleep(0.5)

    def read(self, rng, node, visitor):
        if rng.random() < 0.4 and self.targets["companies"]:
            path = f"/en/companies/{rng.choice(self.targets['companies'])}/"
        else:
            path = rng.choice(self.targets["pages"])
        response = visitor.get(node.base + path)
        self.note("page", response.status_code, response.status_code == 200)

    def post(self, rng, node, visitor):
        marker = f"soak-{uuid.uuid4().hex[:12]}"
        address = f"{marker}@example.org"
        if self.targets["offers"] and rng.random() < 0.4:
            kind = "interest"
            url = f"{node.base}/en/offers/{rng.choice(self.targets['offers'])}/"
            values = {
                "name": f"Soak {marker}",
                "email": address,
                "message": "We would like to discuss this offer.",
                "consent": "on",
            }
            response = visitor.submit(url, values=values, selector='form[action*="/interest/"]')
        else:
            kind = "visit"
            url = f"{node.base}/en/visit/"
            page = visitor.get(url)
            if page.status_code != 200:
                self.note(kind, page.status_code, False)
                return
            clusters = re.findall(r'<option value="(\d+)"', page.text.split('name="cluster"')[1])
            values = {
                "cluster": rng.choice(clusters[:5]),
                "main_goal": "business",
                "purpose": "A delegation of ten wants to see laser cutting and welding lines.",
                "wants_to_meet_companies": "yes",
                "preferred_dates": "Spring, weeks 14 to 16",
                "expected_participants": "10",
                "name": f"Soak {marker}",
                "email": address,
                "participants-0-name": f"Soak {marker}",
                "company_types": "Subcontractors in sheet metal work",
                "consent": "on",
            }
            response = visitor.submit(url, values=values, selector='form[action="/en/visit/"]')
        accepted = response.status_code == 302
        self.note(kind, response.status_code, accepted)
        if accepted:
            with self.lock:
                self.accepted.append((kind, marker))

    def run(self, restart_at, restart_command):
        threads = [
            threading.Thread(target=self.client, args=(n,), daemon=True)
            for n in range(self.clients)
        ]
        self.started = time.monotonic()
        for thread in threads:
            thread.start()
        restart = {}
        time.sleep(self.seconds * restart_at)
        restart["load_before"] = loadavg()
        restart["at"] = time.monotonic() - self.started
        result = subprocess.run(restart_command, shell=True, capture_output=True, text=True)
        restart["done"] = time.monotonic() - self.started
        restart["command"] = restart_command
        restart["returncode"] = result.returncode
        time.sleep(max(0.0, self.seconds - (time.monotonic() - self.started)))
        self.stop.set()
        for thread in threads:
            thread.join(timeout=60)
        restart["load_after"] = loadavg()
        return restart

    def recovery(self, restart):
        """Seconds from the start of the restart until pages, and posts, were answered again
        after the last failure the restart caused (a 5xx answer or a refused connection)."""
        found = {}
        for kinds, label in ((("page",), "pages"), (("visit", "interest"), "posts")):
            after = [e for e in self.timeline if e[0] >= restart["at"]]
            failures = [e[0] for e in after if e[1] in kinds + ("connection",) and not e[2]]
            if not failures:
                found[label] = 0.0
                continue
            last_failure = max(failures)
            ok = [e[0] for e in after if e[1] in kinds and e[2] and e[0] > last_failure]
            found[label] = round(min(ok) - restart["at"], 2) if ok else None
        return found

    def failure_window(self, restart):
        """First and last second (from the start of the run) of 5xx answers and refused
        connections."""
        bad = [e[0] for e in self.timeline if not e[2] and e[1] != "client"]
        return (round(min(bad), 1), round(max(bad), 1)) if bad else None

    def check_stored(self):
        db = self.deployment.database
        markers = {marker for _kind, marker in self.accepted}
        stored = set()
        for table, column in (
            ("events_visitrequest", "email"),
            ("companies_offerinterest", "email"),
        ):
            rows = postgres(db, f"SELECT {column} FROM {table} WHERE {column} LIKE 'soak-%%'")[0]
            stored |= {row[0].split("@")[0] for row in rows}
        mails = postgres(db, 'SELECT status, body, "to"::text FROM portal_outgoingemail')[0]
        mailed = set()
        statuses = collections.Counter()
        for status, body, to in mails:
            statuses[status] += 1
            for marker in re.findall(r"soak-[0-9a-f]{12}", body + to):
                mailed.add(marker)
        return {
            "accepted": len(markers),
            "stored": len(markers & stored),
            "missing": sorted(markers - stored)[:20],
            "stored_but_not_accepted": len({m for m in stored if m.startswith("soak-")} - markers),
            "with_outbox_mail": len(markers & mailed),
            "without_mail": sorted(markers - mailed)[:20],
            "outbox_by_status": dict(statuses),
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers per node")
    parser.add_argument("--restart-at", type=float, default=0.5, help="share of the run")
    parser.add_argument("--restart-command", default=None)
    parser.add_argument("--companies", type=int, default=300)
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    minutes = min(args.minutes, MAX_MINUTES)
    restart_command = args.restart_command or default_restart_command()
    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    env = {"PUBLIC_POST_RATELIMIT": "100000/h"}
    print(f"[soak] starting two nodes in {workdir}", flush=True)
    with Deployment(
        workdir, workers=args.workers, database="portal_soak", companies=args.companies, env=env
    ) as deployment:
        soak = Soak(deployment, args.clients, minutes * 60)
        print(f"[soak] {args.clients} clients for {minutes} min; load {loadavg():.2f}", flush=True)
        restart = soak.run(args.restart_at, restart_command)
        time.sleep(2)  # let the last after-commit deliveries finish
        result = {
            "clients": args.clients,
            "minutes": minutes,
            "nodes": [node.base for node in deployment.nodes],
            "workers_per_node": args.workers,
            "answers": {f"{k} {s}": n for (k, s), n in sorted(soak.answers.items())},
            "errors": dict(soak.errors),
            "restart": restart,
            "recovery_seconds": soak.recovery(restart),
            "failures_between_seconds": soak.failure_window(restart),
            "stored": soak.check_stored(),
            "node_errors": {n.name: n.errors().count("Traceback") for n in deployment.nodes},
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "soak.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    if not args.no_report:
        write_report(result)
    ok = not result["stored"]["missing"] and not result["stored"]["without_mail"]
    sys.exit(0 if ok else 1)


def write_report(result):
    answers = result["answers"]
    total = sum(answers.values())
    lines = [
        "## Soak: two app servers, PostgreSQL restarted mid-run (bench/soak.py)",
        "",
        f"{result['clients']} clients for {result['minutes']} min against two gunicorn nodes "
        f"({result['workers_per_node']} workers each) sharing PostgreSQL, Redis and a moto S3 "
        f"bucket; PostgreSQL restarted at {result['restart']['at']:.0f} s "
        f"(load average {result['restart']['load_before']:.2f} before, "
        f"{result['restart']['load_after']:.2f} at the end).",
        "",
        "| answer | count | share |",
        "|---|---:|---:|",
    ]
    for key, count in answers.items():
        lines.append(f"| {key} | {count} | {count / total:.2%} |")
    stored = result["stored"]
    lines += [
        "",
        f"- Recovery after the restart: pages answered again {result['recovery_seconds']['pages']}"
        f" s after it began, posts accepted again after {result['recovery_seconds']['posts']} s; "
        f"5xx answers and refused connections between {result['failures_between_seconds']} s "
        "of the run.",
        f"- Errors on the client's side: {result['errors'] or 'none'} (`client 0`: a form page "
        "answered 503 during the restart, so the post was not tried; `connection 0`: a refused "
        "connection).",
        f"- Accepted posts: {stored['accepted']}; in the database: {stored['stored']}; "
        f"with their e-mail in the outbox: {stored['with_outbox_mail']}; "
        f"outbox by status: {stored['outbox_by_status']}.",
        f"- Tracebacks in the nodes' logs: {result['node_errors']} (the database errors the 503 "
        "page logs; no 500).",
        "- The machine has 2 cores and was shared with other test runs during this soak: the "
        "load average says how busy it was; the counts and the recovery matter, not the rate.",
        "",
    ]
    text = REPORT.read_text() if REPORT.exists() else ""
    marker = lines[0]
    if marker in text:
        before, _, rest = text.partition(marker)
        following = rest.find("\n## ")
        text = before + "\n".join(lines) + (rest[following:] if following >= 0 else "\n")
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(lines)
    REPORT.write_text(text)


if __name__ == "__main__":
    main()
