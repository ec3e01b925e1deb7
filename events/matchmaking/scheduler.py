"""Place accepted meeting requests into slots and tables.

The problem: each request is a meeting between two participants; a participant attends at most
one meeting per slot and only in the slots they are available; a slot holds at most ``tables``
meetings. ``greedy`` is the baseline: requests in order, each in the first slot that still fits.
``schedule`` starts from the greedy result and then, for every request left out, tries to make
room in some slot by moving the meetings that block it (at most one for each side) to another
slot where they fit: an augmenting step that never removes a placed meeting, so the result is
never smaller than the baseline. Requests are tried most-constrained first (fewest possible
slots, busiest participants).

Pure Python over plain values (ids), so it is tested and measured without a database.
"""

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


def schedule(problem):
    """``{request id: slot id}`` with at least as many requests placed as ``greedy``."""
    baseline = greedy(problem)
    by_id = {request[0]: request for request in problem.requests}
    plan = Plan(problem)
    for rid, slot in baseline.items():
        plan.place(by_id[rid], slot)
    for request in _order(problem):
        if request[0] not in plan.slot_of:
            _try_make_room(plan, request, by_id)
    # A second, cheap pass in the other order helps when the first opened room late.
    for request in problem.requests:
        if request[0] not in plan.slot_of:
            _try_make_room(plan, request, by_id)
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
