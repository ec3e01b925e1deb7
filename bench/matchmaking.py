#!/usr/bin/env python
"""Matchmaking scheduler benchmark: the bulk scheduler against the greedy baseline on generated
events (200 participants, 600 accepted requests, a day of 16 slots of 20 minutes), then the
organiser's bulk scheduling (services.schedule_event) and one accept() with automatic booking
on a real database holding such an event.

    .venv/bin/python bench/matchmaking.py                       # SQLite (a temporary file)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_ci .venv/bin/python bench/matchmaking.py

The database part runs in a database of its own, created, migrated and dropped by the script
(``bench_matchmaking`` on the PostgreSQL server of DATABASE_URL; a temporary file for SQLite):
the database DATABASE_URL names is not touched. E-mail goes to memory (locmem backend).

Prints Markdown tables with the machine's load average (1 minute) beside each figure; the
counts do not depend on the machine, the times do. ``--report`` also writes them into the
"Matchmaking scheduler" section of bench/REPORT.md. Options: --seeds, --repeat, --no-database.
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from clusters.models import Organization, OutgoingEmail  # noqa: E402
from events.matchmaking import scheduler, services  # noqa: E402
from events.models import (  # noqa: E402
    Event,
    MatchmakingProfile,
    Meeting,
    MeetingRequest,
    MeetingSeat,
    MeetingSlot,
    Registration,
)

SLOTS, MINUTES = 16, 20
VARIANTS = [("roomy", 40), ("medium", 30), ("tight", 12)]  # tables per slot


def load():
    return f"{os.getloadavg()[0]:.2f}"


def timed(function, repeat):
    """(the last result, median ms, min ms)"""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return result, statistics.median(times), min(times)


# --- The scheduler alone ---------------------------------------------------------------------


def scheduler_rows(seeds, repeat):
    rows = []
    for name, tables in VARIANTS:
        for seed in seeds:
            problem = scheduler.generated_problem(seed, slots=SLOTS, tables=tables)
            baseline, greedy_ms, _ = timed(lambda p=problem: scheduler.greedy(p), repeat)
            assignment, schedule_ms, _ = timed(lambda p=problem: scheduler.schedule(p), repeat)
            errors = scheduler.conflicts(problem, baseline) + scheduler.conflicts(
                problem, assignment
            )
            rows.append(
                {
                    "variant": f"{name}: {tables} tables",
                    "seed": seed,
                    "greedy": len(baseline),
                    "scheduler": len(assignment),
                    "conflicts": len(errors),
                    "capacity": SLOTS * tables,
                    "bound": people_bound(problem),
                    "greedy_ms": greedy_ms,
                    "schedule_ms": schedule_ms,
                    "load": load(),
                }
            )
    return rows


def people_bound(problem):
    """An upper bound on the meetings: each participant meets at most once per slot they can
    attend, and a request left out for two overbooked participants counts for both."""
    requests_of = {}
    for _rid, a, b in problem.requests:
        for person in (a, b):
            requests_of[person] = requests_of.get(person, 0) + 1
    excess = {
        person: max(0, count - (len(problem.slots) - len(problem.unavailable.get(person, ()))))
        for person, count in requests_of.items()
    }
    both = sum(1 for _rid, a, b in problem.requests if excess[a] and excess[b])
    total = sum(excess.values())
    left_out = max((total + 1) // 2, total - both)
    return min(len(problem.requests) - left_out, sum(problem.tables.values()))


# --- On a database ---------------------------------------------------------------------------


def build_event(seed, tables):
    """The generated event in the database: slots, participants with their unavailability,
    the accepted requests (without meetings). Returns (event, problem)."""
    problem = scheduler.generated_problem(seed, slots=SLOTS, tables=tables)
    organiser, _ = Organization.objects.get_or_create(
        name_en="Benchmark organiser", defaults={"kind": "development_agency", "country": "FI"}
    )
    start = (timezone.now() + datetime.timedelta(days=30)).replace(
        hour=7, minute=0, second=0, microsecond=0
    )
    event = Event.objects.create(
        title_en=f"Matchmaking benchmark {seed} {tables}",
        kind=Event.Kind.MATCHMAKING,
        organizer=organiser,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=8),
        time_zone="Europe/Helsinki",
    )
    slots = MeetingSlot.objects.bulk_create(
        MeetingSlot(
            event=event,
            starts_at=start + datetime.timedelta(minutes=MINUTES * number),
            ends_at=start + datetime.timedelta(minutes=MINUTES * (number + 1)),
            tables=tables,
        )
        for number in range(SLOTS)
    )
    slot_of = dict(zip(problem.slots, slots, strict=True))
    people = sorted({person for request in problem.requests for person in request[1:]})
    languages = ["en", "fi", "sv", "pl", "lt"]
    registrations = Registration.objects.bulk_create(
        Registration(
            event=event,
            name=f"Participant {person}",
            organization_name=f"Company {person}",
            email=f"participant{person}.{event.pk}@example.org",
            language=languages[person % len(languages)],
        )
        for person in people
    )
    profiles = MatchmakingProfile.objects.bulk_create(
        MatchmakingProfile(registration=registration, event=event, offers="Welding.")
        for registration in registrations
    )
    profile_of = dict(zip(people, profiles, strict=True))
    through = MatchmakingProfile.unavailable_slots.through
    through.objects.bulk_create(
        through(matchmakingprofile=profile_of[person], meetingslot=slot_of[slot])
        for person, slots_off in problem.unavailable.items()
        if person in profile_of
        for slot in sorted(slots_off)
    )
    now = timezone.now()
    MeetingRequest.objects.bulk_create(
        MeetingRequest(
            event=event,
            sender=profile_of[a],
            receiver=profile_of[b],
            status=MeetingRequest.Status.ACCEPTED,
            expires_at=start,
            answered_at=now,
        )
        for _rid, a, b in problem.requests
    )
    return event, problem


def check_database(event):
    """Conflicts in the database (must be none): double seats, double tables, unavailability."""
    seats = list(MeetingSeat.objects.filter(slot__event=event).values_list("slot", "profile"))
    tables = list(Meeting.objects.filter(event=event).values_list("slot", "table"))
    through = MatchmakingProfile.unavailable_slots.through.objects
    off = set(
        through.filter(meetingslot__event=event).values_list("meetingslot", "matchmakingprofile")
    )
    return (
        (len(seats) - len(set(seats)))
        + (len(tables) - len(set(tables)))
        + sum(1 for seat in seats if seat in off)
    )


def database_rows(seed, repeat):
    rows = []
    for name, tables in VARIANTS:
        event, problem = build_event(seed, tables)
        expected = len(scheduler.schedule(problem))
        times, created = [], 0
        for _ in range(repeat):
            with transaction.atomic():  # rolled back: every run starts from the same state
                emails = OutgoingEmail.objects.count()
                started = time.perf_counter()
                created = len(services.schedule_event(event))
                times.append((time.perf_counter() - started) * 1000)
                conflicts = check_database(event)
                emails = OutgoingEmail.objects.count() - emails
                transaction.set_rollback(True)
        rows.append(
            {
                "what": f"schedule_event, {name}: {tables} tables",
                "result": f"{created} meetings (pure scheduler: {expected}), {conflicts} "
                f"conflicts, {emails} e-mails kept",
                "ms": statistics.median(times),
                "min_ms": min(times),
                "load": load(),
            }
        )
        if name == "roomy":
            with transaction.atomic():
                services.schedule_event(event)  # committed: accept() books around these
            rows.append(accept_row(event, repeat))
    return rows


def accept_row(event, repeat):
    """One accept() with automatic booking, in an event already scheduled: a new request
    between two of the least busy participants who still share a free slot with a free table,
    answered by its receiver."""
    profiles = {
        profile.pk: profile
        for profile in MatchmakingProfile.objects.filter(event=event).select_related(
            "registration", "event"
        )
    }
    slots = {slot.pk: slot.tables for slot in MeetingSlot.objects.filter(event=event)}
    used = dict.fromkeys(slots, 0)
    for slot_id in Meeting.objects.filter(event=event).values_list("slot", flat=True):
        used[slot_id] += 1
    free = {pk: {slot for slot in slots if used[slot] < slots[slot]} for pk in profiles}
    for slot_id, profile_id in MeetingSeat.objects.filter(slot__event=event).values_list(
        "slot", "profile"
    ):
        free[profile_id].discard(slot_id)
    through = MatchmakingProfile.unavailable_slots.through.objects
    for profile_id, slot_id in through.filter(meetingslot__event=event).values_list(
        "matchmakingprofile", "meetingslot"
    ):
        free[profile_id].discard(slot_id)
    quiet = sorted(profiles, key=lambda pk: (-len(free[pk]), pk))
    pairs, taken = [], set()
    for sender_id in quiet:
        for receiver_id in quiet:
            if len(pairs) == repeat:
                break
            if sender_id != receiver_id and not {sender_id, receiver_id} & taken:
                if free[sender_id] & free[receiver_id]:
                    pairs.append((sender_id, receiver_id))
                    taken |= {sender_id, receiver_id}
    times, booked = [], 0
    for sender_id, receiver_id in pairs:
        request = services.request_meeting(profiles[sender_id], profiles[receiver_id])
        started = time.perf_counter()
        meeting = services.accept(request, profiles[receiver_id])
        times.append((time.perf_counter() - started) * 1000)
        booked += meeting is not None
    return {
        "what": "accept() with automatic booking, after the roomy event's bulk scheduling",
        "result": f"{booked} of {len(pairs)} booked, {check_database(event)} conflicts",
        "ms": statistics.median(times),
        "min_ms": min(times),
        "load": load(),
    }


def with_database(seed, repeat):
    """Run the database part in a database of the script's own, dropped at the end."""
    vendor = connection.vendor
    test = connection.settings_dict.setdefault("TEST", {})
    folder = None
    if vendor == "sqlite":
        folder = tempfile.TemporaryDirectory()
        test["NAME"] = str(Path(folder.name) / "bench_matchmaking.sqlite3")
    else:
        test["NAME"] = "bench_matchmaking"
    original = connection.settings_dict["NAME"]
    started = time.perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    print(f"\n{vendor} database {test['NAME']} migrated in {time.perf_counter() - started:.0f} s")
    try:
        return vendor, database_rows(seed, repeat)
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)
        if folder:
            folder.cleanup()


REPORT = Path(__file__).resolve().parent / "REPORT.md"
SECTION = "## Matchmaking scheduler (bench/matchmaking.py)"
INTRO = f"""{SECTION}

Generated events of 200 participants and 600 accepted meeting requests
(`scheduler.generated_problem`: popular participants get more requests, weights falling as
1/rank^0.8; no pair asks twice; a fifth of the participants arrive late or leave early, away for
the first or last 2–6 slots), a day of {SLOTS} slots of {MINUTES} minutes at 40 tables (roomy:
the participants are the limit), 30 (both limits) or 12 (tight: {SLOTS * 12} tables for 600
requests). *greedy* is the baseline (each request in the first slot that fits); *scheduler* is
`events.matchmaking.scheduler.schedule`, the bulk scheduler the organiser runs. *upper bound*
is a bound no schedule can beat (the tables, and each participant once per slot they attend).
Conflicts are checked by `scheduler.conflicts` (the pure plans) and in the database (double
seats, double tables, meetings in a slot a participant cannot attend): they must be 0. The
counts are the same on every machine; the times depend on it, so the machine's load average
(1 minute, 2 cores shared with other test runs) stands beside each. The database figures time
`services.schedule_event` (in a transaction rolled back after each run; two e-mails per meeting
rendered and kept in the outbox, which sends them on its next run) and one `accept()` that books
the first free slot and table (e-mails to both sides delivered on commit, to memory).
"""
RERUN = """### How to rerun

```sh
.venv/bin/python bench/matchmaking.py --report        # SQLite, in a temporary file
DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_ci \\
    .venv/bin/python bench/matchmaking.py --report    # PostgreSQL, database bench_matchmaking
.venv/bin/python bench/matchmaking.py --no-database --seeds 1 2 3   # the scheduler alone
```

`--report` rewrites this section's tables (the scheduler's and the database's of the run's
vendor; the other vendor's and the notes written by hand stay); without it the tables are only
printed. `--repeat` (default 5) runs per figure, median shown.
"""


def update_report(parts):
    """Replace this section's subsections that ``parts`` has (by heading), keep the others."""
    text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else ""
    before, found, rest = text.partition(SECTION)
    following = rest.find("\n## ") if found else -1
    after = rest[following:] if following >= 0 else ""
    old = {}
    for chunk in rest[: following if following >= 0 else len(rest)].split("\n### ")[1:]:
        heading = chunk.split("\n", 1)[0]
        old[heading] = "### " + chunk.rstrip("\n") + "\n"
    old.update(parts)
    order = ["The scheduler alone", "On sqlite", "On postgresql", "Reading the figures (by hand)"]
    body = [old[heading] for heading in order if heading in old]
    section = "\n".join([INTRO, *body, RERUN]).rstrip("\n") + "\n"
    if not found:
        before = text.rstrip("\n") + "\n\n"
    REPORT.write_text(before + section + after, encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-database", action="store_true")
    parser.add_argument("--report", action="store_true", help="update bench/REPORT.md")
    args = parser.parse_args()
    settings.DEBUG = False  # no query log
    when = f"{timezone.now():%Y-%m-%d %H:%M} UTC"
    lines = [
        "### The scheduler alone",
        "",
        f"{when}, median of {args.repeat} runs, in-process.",
        "",
        "| event | seed | greedy | scheduler | gain | upper bound | conflicts "
        "| greedy ms | scheduler ms | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in scheduler_rows(args.seeds, args.repeat):
        lines.append(
            f"| {row['variant']} | {row['seed']} | {row['greedy']} | {row['scheduler']} "
            f"| +{row['scheduler'] - row['greedy']} | {row['bound']} | {row['conflicts']} "
            f"| {row['greedy_ms']:.1f} | {row['schedule_ms']:.1f} | {row['load']} |"
        )
    print("\n".join(lines))
    parts = {"The scheduler alone": "\n".join(lines) + "\n"}
    if not args.no_database:
        vendor, rows = with_database(args.seeds[0], args.repeat)
        lines = [
            f"### On {vendor}",
            "",
            f"{when}, seed {args.seeds[0]}, median of {args.repeat} runs.",
            "",
            "| what | result | median ms | min ms | load |",
            "|---|---|---:|---:|---:|",
        ]
        for row in rows:
            lines.append(
                f"| {row['what']} | {row['result']} | {row['ms']:.0f} | {row['min_ms']:.0f} "
                f"| {row['load']} |"
            )
        print("\n" + "\n".join(lines))
        parts[f"On {vendor}"] = "\n".join(lines) + "\n"
    if args.report:
        update_report(parts)
        print(f"\nUpdated {REPORT}")


if __name__ == "__main__":
    main()
