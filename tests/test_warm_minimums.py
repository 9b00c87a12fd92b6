"""The warm start keeps the minimum rules (wfm.roster.warmstart: _Roster.breaks and _fix_minimums).

The judge is wfm's independent checker (``wfm.check``), which knows nothing
of the warm start: on any roster, the warm start's measure of how far an
agent is from their minimums is zero exactly when the checker finds no
minimum-rule violation for that agent; and a warm start that says it keeps
the minimums produces a roster the checker passes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from conftest import MONDAY, make_agent, make_requirements, make_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wfm.check import check_roster
from wfm.roster import build_model
from wfm.roster import warmstart as W
from wfm.roster.output import roster_frames
from wfm.roster.solve import solve_roster
from wfm.schema import Contract, Mentoring, Rules, SolverSettings, TimeOff

RUNS = {"min_consecutive_days", "min_consecutive_days_off", "days_off_pair"}
MINUTES = {"min_weekly_minutes", "min_horizon_minutes"}
LOOSE = Rules(min_rest_hours=0, max_consecutive_days=14, min_days_off_per_week=0, max_weekly_minutes=7 * 24 * 60)


@st.composite
def rosters(draw):
    """A scenario with minimum rules and an arbitrary roster of it (upper limits need not hold)."""
    start = MONDAY + dt.timedelta(days=draw(st.integers(0, 6)))  # partial ISO weeks at either edge
    n_days = draw(st.integers(8, 17))
    rules = dataclasses.replace(
        LOOSE,
        min_consecutive_days=draw(st.integers(1, 3)),
        min_consecutive_days_off=draw(st.integers(1, 3)),
        days_off_pair_per_week=draw(st.booleans()),
        min_weekly_minutes=draw(st.sampled_from([0, 960, 1920])),
    )
    floor = draw(st.sampled_from([None, 2400, 4800]))
    contracts = {"floor": Contract("floor", min_horizon_minutes=floor)} if floor else {}
    agents = [
        make_agent("E001", start_date=start + dt.timedelta(days=draw(st.sampled_from([-30, 0, 3])))),
        make_agent("E002", contract=2400),
    ]
    if contracts:
        agents[1] = dataclasses.replace(agents[1], contract="floor")
    days = [start + dt.timedelta(days=d) for d in range(n_days)]
    leave = draw(st.lists(st.sampled_from(days), max_size=3, unique=True))
    time_off = [TimeOff("E002", d, draw(st.sampled_from(["leave", "unavailable"]))) for d in leave]
    sc = make_scenario(agents=agents, start=start, days=n_days, rules=rules, time_off=time_off)
    sc = dataclasses.replace(sc, contracts=contracts)
    rm = build_model(sc, make_requirements(sc, 1))
    placed = {}
    for a in range(len(agents)):
        for d in range(n_days):
            s = draw(st.integers(-2, len(rm.shifts) - 1))  # about a third of the days off
            if s >= 0 and not rm.cannot_work(a, d):
                placed[a, d] = (s, "retail")
    return sc, rm, placed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rosters())
def test_breaks_is_zero_exactly_when_the_checker_finds_no_minimum_broken(case):
    sc, rm, placed = case
    r = W._Roster(rm)
    for (a, d), (s, queue) in placed.items():
        r.place(a, d, s, r.queues.index(queue))
    activities = roster_frames(rm, placed)[1]
    found = check_roster(sc, activities, make_requirements(sc, 1)).violations
    for a, agent in enumerate(rm.agents):
        rules = {v.rule for v in found if v.employee_id == agent.employee_id}
        runs, minutes = r.breaks(a)
        assert (runs > 0) == bool(rules & RUNS), (agent.employee_id, r.breaks(a), rules)
        assert (minutes > 0) == bool(rules & MINUTES), (agent.employee_id, r.breaks(a), rules)


def _month(mentoring: bool = False):
    """Ten agents over four weeks with minimum rules; two of them a mentor and a new hire when ``mentoring``."""
    agents = [make_agent(f"E{i:03d}", ("retail", "card") if i % 3 else ("retail",)) for i in range(10)]
    if mentoring:
        agents[0] = dataclasses.replace(agents[0], role="mentor")
        agents[1] = dataclasses.replace(agents[1], role="new_hire", skills=("retail",))
    rules = Rules(
        min_consecutive_days=2,
        min_consecutive_days_off=2,
        days_off_pair_per_week=True,
        min_weekly_minutes=1440,
    )
    sc = make_scenario(agents=agents, days=28, rules=rules, solver=SolverSettings(20.0, 2, 0))
    if mentoring:
        sc = dataclasses.replace(sc, mentoring=Mentoring(coaching_minutes=0))
    # a peak in the morning and the evening, so shifts and days matter
    req = make_requirements(sc, lambda q, ds: (3 if q == "retail" else 2) if ds.hour in (9, 10, 18, 19) else 1)
    return sc, req


def test_the_warm_start_keeps_every_rule_on_a_month_with_minimums():
    sc, req = _month()
    rm = build_model(sc, req)
    placed = W.starting_roster(rm, seed=0, max_rounds=10)
    assert W.has_minimums(rm) and W.keeps_every_rule(rm)
    assert check_roster(sc, roster_frames(rm, placed)[1], req).violations == []


def test_a_mentor_and_mentee_keep_their_share_while_the_minimums_are_repaired():
    sc, req = _month(mentoring=True)
    rm = build_model(sc, req)
    assert W.mentor_pairs(rm) == [(0, 1)]
    placed = W.starting_roster(rm, seed=0, max_rounds=10)
    assert W.keeps_every_rule(rm)
    assert check_roster(sc, roster_frames(rm, placed)[1], req).violations == []
    worked = [d for (a, d) in placed if a == 1]
    same = sum(placed.get((0, d), (None,))[0] == placed[1, d][0] for d in worked)
    assert worked and 100 * same >= 80 * len(worked)


def test_the_repair_lowers_the_breaks_and_reports_the_roster_it_returns():
    sc, req = _month()
    rm = build_model(sc, req)
    # before the repair: the greedy and local search alone break the minimums of some agents
    r = W._Roster(rm)
    W._construct(r)
    W._improve(r, None)
    before = sum(any(r.breaks(a)) for a in range(r.n_agents))
    assert before > 0
    assert W._fix_minimums(r) == 0
    assert all(not any(r.breaks(a)) for a in range(r.n_agents))
    reported = []
    placed = W.starting_roster(rm, seed=0, max_rounds=10, on_improve=reported.append)
    r2 = W._Roster(rm)
    for (a, d), (s, queue) in placed.items():
        r2.place(a, d, s, r2.queues.index(queue))
    assert reported[-1] == r2.objective() / W.SCALE


def test_solve_roster_starts_from_the_warm_start_when_it_keeps_the_minimums():
    sc, req = _month()
    events = []
    sol = solve_roster(sc, req, progress=events.append, time_limit_seconds=20, workers=2, seed=0)
    assert check_roster(sc, sol.activities, req).violations == []
    # a roster is reported before CP-SAT's, and the search only improves on it
    assert events and events[0]["objective"] >= sol.info.objective - 1e-6
