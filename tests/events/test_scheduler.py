"""The bulk scheduler alone (pure Python, no database): no conflicts, the participants'
unavailability, meetings and tables already booked, and never fewer meetings than the greedy
baseline."""

import random

import pytest

from events.matchmaking import scheduler
from events.matchmaking.scheduler import Problem, conflicts, greedy, schedule


def random_problem(seed, *, people=30, requests=120, slots=8, tables=6):
    assert requests <= people * (people - 1) // 4, "too many requests for so few people"
    rng = random.Random(seed)
    slot_ids = [f"s{number}" for number in range(slots)]
    pairs = set()
    while len(pairs) < requests:
        a, b = rng.sample(range(people), 2)
        if (b, a) not in pairs:
            pairs.add((a, b))
    unavailable = {
        person: set(rng.sample(slot_ids, rng.randint(1, slots // 2)))
        for person in range(people)
        if rng.random() < 0.3
    }
    busy = {slot: set(rng.sample(range(people), 2)) for slot in rng.sample(slot_ids, 2)}
    return Problem(
        slots=slot_ids,
        tables={slot: rng.randint(1, tables) for slot in slot_ids},
        requests=[(number, a, b) for number, (a, b) in enumerate(sorted(pairs))],
        unavailable=unavailable,
        busy=busy,
        taken_tables={slot: len(people_) // 2 for slot, people_ in busy.items()},
    )


def test_a_small_problem_is_solved_completely():
    problem = Problem(
        slots=[1, 2],
        tables={1: 1, 2: 1},
        requests=[(10, "a", "b"), (11, "a", "c")],
    )
    assert greedy(problem) == {10: 1, 11: 2}
    assert schedule(problem) == {10: 1, 11: 2}


@pytest.mark.parametrize("seed", range(10))
def test_no_conflicts_on_random_problems(seed):
    problem = random_problem(seed)
    for assignment in (greedy(problem), schedule(problem)):
        assert conflicts(problem, assignment) == []
        assert set(assignment) <= {request[0] for request in problem.requests}
        assert set(assignment.values()) <= set(problem.slots)


def test_unavailability_is_respected():
    problem = Problem(
        slots=[1, 2, 3],
        tables={1: 5, 2: 5, 3: 5},
        requests=[(1, "a", "b"), (2, "a", "c"), (3, "b", "c")],
        unavailable={"a": {1}, "b": {2}, "c": {1, 3}},
    )
    assignment = schedule(problem)
    assert conflicts(problem, assignment) == []
    assert assignment[1] == 3  # a and b can only meet in slot 3
    assert assignment[2] == 2  # a and c only in slot 2
    assert 3 not in assignment  # b and c share no slot


def test_people_already_seated_and_tables_already_taken_are_respected():
    problem = Problem(
        slots=[1, 2, 3],
        tables={1: 2, 2: 1, 3: 1},
        requests=[(1, "a", "b"), (2, "c", "d")],
        busy={1: {"a", "x"}, 2: {"y", "z"}},
        taken_tables={1: 1, 2: 1},
    )
    assignment = schedule(problem)
    assert conflicts(problem, assignment) == []
    # a is already seated in slot 1, slot 2's only table is taken: a and b meet in slot 3;
    # c and d take slot 1's second table.
    assert assignment == {1: 3, 2: 1}


def test_the_checker_sees_every_kind_of_conflict():
    problem = Problem(
        slots=[1, 2],
        tables={1: 1, 2: 1},
        requests=[(1, "a", "b"), (2, "a", "c"), (3, "d", "e")],
        unavailable={"e": {2}},
        busy={2: {"b"}},
    )
    errors = conflicts(problem, {1: 1, 2: 1, 3: 2})
    assert "a twice in 1" in errors
    assert "1 has 2 meetings for 1 tables" in errors
    assert "e is not available in 2" in errors
    assert conflicts(problem, {1: 2}) == ["b twice in 2"]


def test_the_scheduler_moves_a_meeting_to_make_room():
    # Greedy puts a–b in slot 1; c–a then fits nowhere (a busy in 1, c unavailable in 2) unless
    # a–b moves to slot 2.
    problem = Problem(
        slots=[1, 2],
        tables={1: 2, 2: 2},
        requests=[(1, "a", "b"), (2, "c", "a")],
        unavailable={"c": {2}},
    )
    assert greedy(problem) == {1: 1}
    assignment = schedule(problem)
    assert assignment == {1: 2, 2: 1}
    assert conflicts(problem, assignment) == []


def test_the_scheduler_trades_slots_along_a_chain():
    # a can only come in slot 1, where b meets c; b–c cannot simply move to slot 2, where c
    # meets d. Trading slots 1 and 2 along the chain b–c–d makes room: b–c in 2, c–d in 1.
    problem = Problem(
        slots=[1, 2],
        tables={1: 2, 2: 2},
        requests=[(1, "b", "c"), (2, "c", "d"), (3, "a", "b")],
        unavailable={"a": {2}},
    )
    assert greedy(problem) == {1: 1, 2: 2}
    assignment = schedule(problem)
    assert assignment == {1: 2, 2: 1, 3: 1}
    assert conflicts(problem, assignment) == []


def test_a_chain_that_comes_back_to_the_other_side_is_not_traded():
    # Trading slots 1 and 2 along b–c–a would put a's meeting into slot 1 as well.
    problem = Problem(
        slots=[1, 2],
        tables={1: 2, 2: 2},
        requests=[(1, "b", "c"), (2, "c", "a"), (3, "a", "b")],
    )
    assignment = schedule(problem)
    assert len(assignment) == 2
    assert conflicts(problem, assignment) == []


@pytest.mark.parametrize("seed", range(50))
def test_never_fewer_meetings_than_greedy(seed):
    people = 30 + seed % 15  # 30–44 people, 90–188 requests, 4–9 slots
    problem = random_problem(
        seed, people=people, requests=90 + seed * 2, slots=4 + seed % 6, tables=20
    )
    baseline, assignment = greedy(problem), schedule(problem)
    assert len(assignment) >= len(baseline)
    assert conflicts(problem, assignment) == []


def test_more_meetings_than_greedy_where_people_not_tables_are_the_limit():
    gains = []
    for seed in range(20):
        problem = random_problem(seed, people=30, requests=150, slots=6, tables=40)
        gains.append(len(schedule(problem)) - len(greedy(problem)))
    assert min(gains) >= 0
    assert sum(gain > 0 for gain in gains) >= 15, gains


@pytest.mark.parametrize(("seed", "tables"), [(1, 40), (2, 40), (1, 12)])
def test_a_generated_event_of_200_participants_and_600_accepted_requests(seed, tables):
    problem = scheduler.generated_problem(seed, participants=200, requests=600, tables=tables)
    assert len(problem.requests) == 600
    assert len({p for request in problem.requests for p in request[1:]}) <= 200
    baseline, assignment = greedy(problem), schedule(problem)
    assert conflicts(problem, baseline) == []
    assert conflicts(problem, assignment) == []
    assert len(assignment) >= len(baseline)
    print(f"seed {seed}, {tables} tables: greedy {len(baseline)}, scheduler {len(assignment)}")


def test_the_generated_event_is_realistic():
    problem = scheduler.generated_problem(3)
    requests_per_person = {}
    for _rid, a, b in problem.requests:
        for person in (a, b):
            requests_per_person[person] = requests_per_person.get(person, 0) + 1
    counts = sorted(requests_per_person.values())
    assert counts[-1] >= 3 * counts[len(counts) // 2]  # popular participants get more
    pairs = {frozenset(request[1:]) for request in problem.requests}
    assert len(pairs) == 600  # nobody asks the same person twice
    assert 0.1 < len(problem.unavailable) / 200 < 0.3
    assert scheduler.generated_problem(3) == problem  # the same seed, the same event
