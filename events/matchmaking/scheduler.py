"""Place accepted meeting requests into slots and tables.

The problem: each request is a meeting between two participants; a participant attends at most
one meeting per slot and only in the slots they are available; a slot holds at most ``tables``
meetings. ``greedy`` is the baseline: requests in order, each in the first slot that still fits.
``schedule`` starts from the greedy result and then, for every request left out, tries to make
room in some slot by moving the meetings that block it (at most one for each side) to another
slot where they fit, then by swapping two slots along an alternating chain of meetings (a Kempe
chain, as in edge colouring: A meets B in slot 1, B meets C in slot 2, … trade slots 1 and 2): an
augmenting step that never removes a placed meeting, so the result is never smaller than the
baseline. Requests are tried most-constrained first (fewest possible slots, busiest participants).

Pure Python over plain values (ids), so it is tested and measured without a database.
"""

import random
from dataclasses import dataclass, field


@dataclass
class Problem:
    slots: list  # slot ids in time order
    tables: dict  # slot id → number of tables
    requests: list  # (request id, participant a, participant b)
    unavailable: dict = field(default_factory=dict)  # participant → set of slot ids
    busy: dict = field(default_factory=dict)  # slot id → participants already seated there
    taken_tables: dict = field(default_factory=dict)  # slot id → tables already used


class Plan:
    """Slot of each placed request, with the occupancy needed to check moves quickly."""

    def __init__(self, problem):
        self.problem = problem
        self.slot_of = {}  # request id → slot id
        self.seated = {slot: set(problem.busy.get(slot, ())) for slot in problem.slots}
        self.used = {slot: problem.taken_tables.get(slot, 0) for slot in problem.slots}
        self.meeting_at = {}  # (slot, participant) → request id placed by this plan
        self.by_id = {request[0]: request for request in problem.requests}

    def fits(self, slot, a, b, ignore=()):
        problem = self.problem
        if (
            self.used[slot] - sum(1 for r in ignore if self.slot_of.get(r) == slot)
            >= (problem.tables[slot])
        ):
            return False
        for person in (a, b):
            if slot in problem.unavailable.get(person, ()):
                return False
            if person in self.seated[slot] and self.meeting_at.get((slot, person)) not in ignore:
                return False
        return True

    def place(self, request, slot):
        rid, a, b = request
        self.slot_of[rid] = slot
        self.used[slot] += 1
        self.seated[slot].update((a, b))
        self.meeting_at[(slot, a)] = rid
        self.meeting_at[(slot, b)] = rid

    def remove(self, request):
        rid, a, b = request
        slot = self.slot_of.pop(rid)
        self.used[slot] -= 1
        self.seated[slot].difference_update((a, b))
        del self.meeting_at[(slot, a)]
        del self.meeting_at[(slot, b)]
        return slot


def greedy(problem):
    """The baseline: each request, in the given order, in the first slot where it fits."""
    plan = Plan(problem)
    for request in problem.requests:
        _rid, a, b = request
        for slot in problem.slots:
            if plan.fits(slot, a, b):
                plan.place(request, slot)
                break
    return plan.slot_of


def _order(problem):
    """Most constrained first: fewest slots both sides can attend, then the busiest people."""
    degree = {}
    for _rid, a, b in problem.requests:
        degree[a] = degree.get(a, 0) + 1
        degree[b] = degree.get(b, 0) + 1

    def key(request):
        rid, a, b = request
        blocked = problem.unavailable.get(a, set()) | problem.unavailable.get(b, set())
        possible = sum(1 for slot in problem.slots if slot not in blocked)
        return (possible, -(degree[a] + degree[b]), rid)

    return sorted(problem.requests, key=key)


def _try_make_room(plan, request, by_id):
    """Place ``request`` by moving the (at most two) meetings that block it in some slot."""
    rid, a, b = request
    problem = plan.problem
    for slot in problem.slots:
        if slot in problem.unavailable.get(a, ()) or slot in problem.unavailable.get(b, ()):
            continue
        blockers = {plan.meeting_at.get((slot, a)), plan.meeting_at.get((slot, b))} - {None}
        if (a in plan.seated[slot] and plan.meeting_at.get((slot, a)) is None) or (
            b in plan.seated[slot] and plan.meeting_at.get((slot, b)) is None
        ):
            continue  # seated by an earlier, fixed meeting
        if not blockers and plan.used[slot] < problem.tables[slot]:
            plan.place(request, slot)
            return True
        if not blockers:
            continue  # the slot is full of meetings that do not involve a or b
        moved = []
        for blocker_id in blockers:
            blocker = by_id[blocker_id]
            plan.remove(blocker)
            target = next(
                (
                    other
                    for other in problem.slots
                    if other != slot and plan.fits(other, blocker[1], blocker[2])
                ),
                None,
            )
            if target is None:
                plan.place(blocker, slot)
                break
            plan.place(blocker, target)
            moved.append((blocker, slot))
        else:
            if plan.fits(slot, a, b):
                plan.place(request, slot)
                return True
        for blocker, original in moved:  # undo
            plan.remove(blocker)
            plan.place(blocker, original)
    return False


def _is_free(plan, slot, person):
    return slot not in plan.problem.unavailable.get(person, ()) and person not in plan.seated[slot]


def _chain(plan, start, first, second, avoid):
    """The meetings on the path that starts with ``start``'s meeting in slot ``first`` and
    alternates between slots ``first`` and ``second``: ``(request ids, last person, the slot
    the last person's meeting moves to)``, or None when the path reaches ``avoid`` or a fixed
    seat. Each person has at most one meeting per slot, so it is a path, not a tree."""
    rids, person, slot = [], start, first
    while True:
        rid = plan.meeting_at.get((slot, person))
        if rid is None:
            if person in plan.seated[slot]:
                return None  # a meeting booked before this plan: not moved
            return rids, person, slot
        rids.append(rid)
        _rid, a, b = plan.by_id[rid]
        person = b if person == a else a
        slot = second if slot == first else first
        if person == avoid:
            return None


def _swap_in(plan, request):
    """Place ``request`` in a slot ``alpha`` where one side (x) is free and the other (y) is not,
    by moving y's meeting of ``alpha`` to a slot ``beta`` where y is free, and so on along the
    chain of meetings alternating between ``alpha`` and ``beta``."""
    rid, a, b = request
    problem = plan.problem
    for x, y in ((a, b), (b, a)):
        for alpha in problem.slots:
            if not _is_free(plan, alpha, x) or alpha in problem.unavailable.get(y, ()):
                continue
            if _is_free(plan, alpha, y):
                if plan.used[alpha] < problem.tables[alpha]:
                    plan.place(request, alpha)
                    return True
                continue
            for beta in problem.slots:
                if beta == alpha or not _is_free(plan, beta, y):
                    continue
                found = _chain(plan, y, alpha, beta, x)
                if found is None:
                    continue
                rids, last, last_slot = found
                if last_slot in problem.unavailable.get(last, ()):
                    continue
                in_alpha = sum(1 for r in rids if plan.slot_of[r] == alpha)
                in_beta = len(rids) - in_alpha
                if plan.used[alpha] - in_alpha + in_beta + 1 > problem.tables[alpha]:
                    continue
                if plan.used[beta] - in_beta + in_alpha > problem.tables[beta]:
                    continue
                was = {r: plan.remove(plan.by_id[r]) for r in rids}
                for r in rids:
                    plan.place(plan.by_id[r], beta if was[r] == alpha else alpha)
                plan.place(request, alpha)
                return True
    return False


def schedule(problem, *, passes=3):
    """``{request id: slot id}`` with at least as many requests placed as ``greedy``."""
    baseline = greedy(problem)
    plan = Plan(problem)
    by_id = plan.by_id
    for rid, slot in baseline.items():
        plan.place(by_id[rid], slot)
    capacity = sum(problem.tables[slot] for slot in problem.slots)

    def open_requests(order):
        for request in order:
            if sum(plan.used.values()) >= capacity:
                return  # every table of every slot is taken: nothing more fits
            if request[0] not in plan.slot_of:
                yield request

    order = _order(problem)
    for request in open_requests(order):
        _try_make_room(plan, request, by_id)
    # A second, cheap pass in the other order helps when the first opened room late.
    for request in open_requests(problem.requests):
        _try_make_room(plan, request, by_id)
    for _pass in range(passes):
        if not [request for request in open_requests(order) if _swap_in(plan, request)]:
            break
    return dict(plan.slot_of)


def conflicts(problem, assignment):
    """Every rule the assignment breaks (empty when valid): for tests and the benchmark."""
    errors = []
    seated, used = {}, {}
    by_id = {request[0]: request for request in problem.requests}
    for rid, slot in assignment.items():
        _rid, a, b = by_id[rid]
        used[slot] = used.get(slot, 0) + 1
        for person in (a, b):
            if slot in problem.unavailable.get(person, ()):
                errors.append(f"{person} is not available in {slot}")
            if person in seated.setdefault(slot, set()) or person in problem.busy.get(slot, ()):
                errors.append(f"{person} twice in {slot}")
            seated[slot].add(person)
    for slot, count in used.items():
        if count + problem.taken_tables.get(slot, 0) > problem.tables[slot]:
            errors.append(f"{slot} has {count} meetings for {problem.tables[slot]} tables")
    return errors


def generated_problem(
    seed, *, participants=200, requests=600, slots=16, tables=40, unavailable_share=0.2
):
    """A realistic event for tests and the benchmark: popular participants get more requests
    (weights falling as 1/rank^0.8), no pair asks twice, and a share of the participants arrive
    late or leave early (unavailable in the first or last 2–6 slots)."""
    rng = random.Random(seed)
    people = list(range(1, participants + 1))
    weights = [1 / rank**0.8 for rank in people]
    rng.shuffle(weights)
    pairs, chosen = set(), []
    while len(chosen) < requests:
        a = rng.choice(people)
        b = rng.choices(people, weights)[0]
        if a == b or (a, b) in pairs or (b, a) in pairs:
            continue
        pairs.add((a, b))
        chosen.append((len(chosen) + 1, a, b))
    slot_ids = [1000 + number for number in range(slots)]
    unavailable = {}
    for person in people:
        if rng.random() < unavailable_share:
            count = rng.randint(2, min(6, slots - 1))
            unavailable[person] = set(slot_ids[:count] if rng.random() < 0.5 else slot_ids[-count:])
    return Problem(
        slots=slot_ids,
        tables=dict.fromkeys(slot_ids, tables),
        requests=chosen,
        unavailable=unavailable,
    )
