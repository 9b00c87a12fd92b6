"""Tiny models for the stage-1 rules of issue 6: wellbeing between shifts, mentoring, session days, ramp-up.

For each hard rule: it binds (the solved roster keeps it and the independent
checker agrees), the checker names it in a roster solved without it, and a
conflict is explained in the scheduler's words.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from conftest import MONDAY, make_agent, make_requirements, make_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model
from test_roster import scenarios as roster_scenarios
from test_rules import demand, pin, solve

from wfm import schema as S
from wfm.activities import meetings
from wfm.check import check_roster, check_sessions
from wfm.roster import solve_roster
from wfm.roster.bound import pooled_lower_bound
from wfm.roster.output import roster_frames
from wfm.roster.penalties import ledger_frame
from wfm.roster.rules import sessions as sessions_rule
from wfm.roster.sessions_plan import chosen_session_days
from wfm.roster.solve import _chosen_shifts, build_model
from wfm.roster.warmstart import starting_roster
from wfm.schema import (
    Course,
    InfeasibleRosterError,
    Mentoring,
    Onboarding,
    Rules,
    ShiftTemplate,
    TimeOff,
    Weights,
    Wellbeing,
)

LOOSE = Rules(min_rest_hours=8, max_consecutive_days=7, min_days_off_per_week=0, max_weekly_minutes=10_000)
EARLY = ShiftTemplate("E07", dt.time(7), 480, 60)  # 07:00-16:00, early
DAY = ShiftTemplate("D09", dt.time(9), 480, 60)  # 09:00-18:00, day
LATE = ShiftTemplate("L14", dt.time(14), 480, 60)  # 14:00-23:00, late
SHIFTS = (EARLY, DAY, LATE)


def day(i: int) -> dt.date:
    return MONDAY + dt.timedelta(days=i)


def scenario(agents=None, *, days: int = 7, time_off=(), **fields) -> S.Scenario:
    """A one-queue week; ``fields`` replace Scenario fields (wellbeing, mentoring, courses, ...)."""
    agents = agents or [make_agent("E001", ("retail",), contract=10_000)]
    sc = make_scenario(
        agents=agents, queues=("retail",), days=days, shifts=SHIFTS, rules=LOOSE, time_off=time_off
    )
    return dataclasses.replace(sc, **fields)


def grid(sol, eid: str = "E001") -> dict[dt.date, str]:
    a = sol.assignments[sol.assignments[S.EMPLOYEE_ID] == eid]
    return dict(zip(a[S.DATE], a[S.SHIFT_CODE], strict=True))


def explain(sc, req, *units) -> str:
    with pytest.raises(InfeasibleRosterError) as err:
        solve_roster(sc, req, extra_rules=list(units), time_limit_seconds=10, workers=1)
    return " ".join(err.value.conflicts)


def rules_broken(sc_with, sc_without, req) -> set[str]:
    sol = solve(sc_without, req)
    return {v.rule for v in check_roster(sc_with, sol.activities, req).violations}


# ---------------------------------------------------------------------------
# Wellbeing between shifts
# ---------------------------------------------------------------------------
def test_no_late_then_early():
    on = scenario(wellbeing=Wellbeing(no_late_then_early=True))

    # late work on even days, early work on odd days: the rule forbids taking both
    def want(q, ds):
        d = (ds.date() - MONDAY).days
        return 1 if (d % 2 == 0 and 19 <= ds.hour < 23) or (d % 2 == 1 and 7 <= ds.hour < 9) else 0

    req = make_requirements(on, want)
    g = grid(solve(on, req))
    for i in range(6):
        assert not (g[day(i)] == "L14" and g[day(i + 1)] == "E07")
    assert "late_then_early" in rules_broken(on, scenario(), req)
    text = explain(on, req, pin((2, "L14"), (3, "E07"), eid="E001"))
    assert "no early shift the day after a late or night shift" in text


def test_max_consecutive_late():
    on = scenario(wellbeing=Wellbeing(max_consecutive_late=2))
    req = make_requirements(on, demand(range(19, 23)))
    g = grid(solve(on, req))
    run = best = 0
    for i in range(7):
        run = run + 1 if g[day(i)] == "L14" else 0
        best = max(best, run)
    assert 0 < best <= 2
    assert "consecutive_late" in rules_broken(on, scenario(), req)
    text = explain(on, req, pin((1, "L14"), (2, "L14"), (3, "L14"), eid="E001"))
    assert "at most 2 late or night shifts in a row" in text


# ---------------------------------------------------------------------------
# Mentoring
# ---------------------------------------------------------------------------
def pair_scenario(**kw) -> S.Scenario:
    mentor = make_agent("E002", ("retail",), name="李娜", role="mentor", contract=10_000)
    mentee = make_agent("E014", ("retail",), name="陈静", role="new_hire", contract=10_000)
    kw.setdefault("mentoring", Mentoring(coaching_minutes=0))
    return dataclasses.replace(scenario([mentor, mentee]), **kw)


def test_mentoring_same_shift():
    sc = pair_scenario()
    # demand early and late every day: without the rule the two would split the day
    req = make_requirements(sc, demand(range(7, 23)))
    sol = solve(sc, req)
    mentor, mentee = grid(sol, "E002"), grid(sol, "E014")
    worked = [d for d, code in mentee.items() if code not in ("OFF", "LEAVE")]
    same = sum(mentor[d] == mentee[d] for d in worked)
    assert worked and 100 * same >= 80 * len(worked)
    assert "mentoring" in rules_broken(sc, dataclasses.replace(sc, mentoring=None), req)


def test_mentoring_mentor_on_leave_is_explained():
    leave = tuple(TimeOff("E002", day(i), "leave") for i in range(5))
    sc = dataclasses.replace(pair_scenario(), time_off=leave)
    req = make_requirements(sc, demand(range(9, 17)))
    text = explain(sc, req, pin((0, "work"), (1, "work"), (2, "work"), eid="E014"))
    assert "works the same shift as mentor E002 on at least 80% of E014's working days" in text
    assert "days E002 cannot work still count: 2026-12-07 to 2026-12-11" in text


# ---------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------
COURSE = Course(
    "AML refresher", session_minutes=120, sessions=2, agents=("E001", "E002"), window=(9 * 60, 18 * 60)
)


def course_scenario(**kw) -> S.Scenario:
    agents = [
        make_agent("E001", ("retail",), contract=10_000),
        make_agent("E002", ("retail",), contract=10_000),
    ]
    return dataclasses.replace(scenario(agents), courses=(COURSE,), **kw)


def meetings_frame(sc, sol, days: dict[str, int]) -> pd.DataFrame:
    """Sessions placed at the earliest fitting start on the chosen days (a stand-in for stage 2)."""
    shift_of = {(r[S.EMPLOYEE_ID], r[S.DATE]): r[S.SHIFT_CODE] for _, r in sol.assignments.iterrows()}
    rows = []
    for m in meetings(sc):
        d = days[m.id]
        date = sc.horizon.days[d]
        lo = max(m.window[0], *(sc.shift(shift_of[e, date]).start_minute + 60 for e in m.members_on(d)))
        lo = -(-lo // 15) * 15
        start = pd.Timestamp(date, tz=sc.horizon.timezone) + pd.Timedelta(minutes=lo)
        end = start + pd.Timedelta(minutes=m.minutes)
        rows.append((m.id, m.activity, m.detail, date, start, end, m.minutes, ";".join(m.members), m.trainer))
    return pd.DataFrame(rows, columns=list(S.MEETING_COLUMNS))


def solve_model(sc, req, *units):
    """Stage 1 alone: (model, solver) solved to optimality or feasibility."""
    rm = build_model(sc, req, extra_rules=units)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 10
    solver.parameters.num_workers = 1
    assert solver.solve(rm.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return rm, solver


def test_course_sessions_on_increasing_days_and_checked():
    sc = course_scenario()
    req = make_requirements(sc, demand(range(9, 17)))
    rm, solver = solve_model(sc, req)
    days = chosen_session_days(rm, solver.value)
    assert set(days) == {m.id for m in meetings(sc)}
    first, second = days["T:AML refresher:1:1"], days["T:AML refresher:1:2"]
    assert first < second
    fit = set(sessions_rule.fitting_shifts(rm, meetings(sc)[0]))
    for d in (first, second):
        for eid in ("E001", "E002"):
            a = rm.agent_index[eid]
            assert any(solver.value(rm.y[a, d, s]) for s in fit)

    sol = solve(sc, req)
    frame = meetings_frame(sc, sol, days_from_roster(sc, sol))
    assert check_sessions(sc, sol.assignments, frame) == []
    report = check_roster(sc, sol.activities, req, meetings=frame)
    assert report.violations == []
    # the checker sees a session on a day a member is off, and parts out of order
    bad = frame.copy()
    bad.loc[0, S.DATE], bad.loc[1, S.DATE] = bad.loc[1, S.DATE], bad.loc[0, S.DATE]
    bad.loc[0, S.START], bad.loc[1, S.START] = bad.loc[1, S.START], bad.loc[0, S.START]
    bad.loc[0, S.END], bad.loc[1, S.END] = bad.loc[1, S.END], bad.loc[0, S.END]
    messages = " ".join(v.message for v in check_sessions(sc, sol.assignments, bad))
    assert "is not after session 1" in messages
    missing = frame.iloc[:1]
    messages = " ".join(v.message for v in check_sessions(sc, sol.assignments, missing))
    assert "is placed 0 times; exactly once expected" in messages


def days_from_roster(sc, sol) -> dict[str, int]:
    """Session days read off a solved roster: the first day (after the previous part) all members work."""
    worked = {
        (r[S.EMPLOYEE_ID], r[S.DATE])
        for _, r in sol.assignments.iterrows()
        if r[S.SHIFT_CODE] not in ("OFF", "LEAVE")
    }
    out, after = {}, {}
    for m in meetings(sc):
        floor = after.get(m.series, -1)
        d = next(
            d for d in m.days if d > floor and all((e, sc.horizon.days[d]) in worked for e in m.members_on(d))
        )
        out[m.id] = d
        after[m.series] = d
    return out


def test_session_without_a_day_stops_with_its_reason():
    late_start = make_agent("E002", ("retail",), contract=10_000, start_date=day(20))
    sc = dataclasses.replace(
        scenario([make_agent("E001", ("retail",), contract=10_000), late_start]), courses=(COURSE,)
    )
    req = make_requirements(sc, 0)
    with pytest.raises(InfeasibleRosterError) as err:
        solve_roster(sc, req, time_limit_seconds=5, workers=1)
    text = " ".join(err.value.conflicts)
    assert "Training 'AML refresher (cohort 1, session 1/2)': no allowed day in the horizon" in text
    assert "E002 starts 2026-12-27" in text


def test_session_conflict_is_explained():
    sc = course_scenario()
    sc = dataclasses.replace(sc, courses=(dataclasses.replace(COURSE, sessions=1, dates=(day(2), day(3))),))
    req = make_requirements(sc, demand(range(9, 17)))
    text = explain(sc, req, pin((2, "off"), (3, "off"), eid="E001"))
    assert "attends Training 'AML refresher (cohort 1, session 1/1)'" in text


def test_team_session_and_coaching_have_days():
    mentor = make_agent("E002", ("retail",), role="mentor", contract=10_000)
    mentee = make_agent("E014", ("retail",), role="new_hire", contract=10_000)
    other = make_agent("E003", ("retail",), contract=10_000)
    sc = dataclasses.replace(
        scenario([mentor, mentee, other]),
        mentoring=Mentoring(),
        wellbeing=Wellbeing(team_session_minutes=60, team_session_window=(10 * 60, 17 * 60)),
    )
    req = make_requirements(sc, demand(range(9, 20)))
    rm, solver = solve_model(sc, req)
    days = chosen_session_days(rm, solver.value)
    assert set(days) == {m.id for m in meetings(sc)}
    sol = solve(sc, req)
    assert sol.info.status in ("OPTIMAL", "FEASIBLE")


def test_one_session_a_day_is_explained():
    only_wednesday = dataclasses.replace(COURSE, sessions=1, dates=(day(2),))
    second = dataclasses.replace(only_wednesday, name="KYC basics")
    sc = dataclasses.replace(course_scenario(), courses=(only_wednesday, second))
    req = make_requirements(sc, demand(range(9, 17)))
    text = explain(sc, req)
    assert "at most one session (training, coaching or team session) a day" in text


def test_soft_course_session_missed_costs_its_weight():
    soft = dataclasses.replace(COURSE, sessions=1, dates=(day(2),), hard=False)
    sc = dataclasses.replace(course_scenario(), courses=(soft,))
    req = make_requirements(sc, demand(range(9, 17)))
    rm, solver = solve_model(sc, req, pin((2, "off"), eid="E001"))
    assert chosen_session_days(rm, solver.value) == {}
    ledger = ledger_frame(rm.penalties, solver.value)
    missed = ledger[ledger["rule"] == sessions_rule.MISSED]
    assert missed["cost"].tolist() == [sessions_rule.MISSED_WEIGHT]


# ---------------------------------------------------------------------------
# Ramp-up
# ---------------------------------------------------------------------------
def test_ramping_new_hire_counts_half():
    hire = make_agent("E001", ("retail", "card"), role="new_hire", contract=10_000, start_date=MONDAY)
    sc = make_scenario(
        agents=[hire],
        queues=("retail", "card"),
        days=2,
        shifts=(DAY,),
        rules=LOOSE,
        weights=Weights(short_agent_interval=10, over_agent_interval=0, contract_shortfall_hour=0),
    )
    sc = dataclasses.replace(
        sc, onboarding=Onboarding(days=0, share=0.0, ramp_up_days=42, ramp_up_fraction=0.5)
    )
    req = make_requirements(sc, demand(range(10, 11)))  # one agent on each queue 10:00-11:00

    def work(rm):
        rm.model.add(rm.works[0, 0] == 1)
        return []

    rm, solver = solve_model(sc, req, work)
    ledger = ledger_frame(rm.penalties, solver.value)
    short = ledger[(ledger["rule"] == "coverage_short") & (ledger["ds"].dt.date == MONDAY)]
    # the ramping hire serves only retail, their first skill, at half: retail half short, card fully short
    by_queue = short.groupby("queue")["amount"].sum().to_dict()
    assert by_queue == {"retail": 1.0, "card": 2.0}
    assert rm.queues_on(0)[0] == ("retail",)
    # the checker recomputes the same: half an agent on retail while the hire is on the phone
    _, activities, _ = roster_frames(rm, _chosen_shifts(rm, solver.value))
    report = check_roster(sc, activities, req)
    assert report.violations == []
    cov = report.coverage
    at_ten = cov[(cov[S.DS].dt.date == MONDAY) & (cov[S.DS].dt.hour == 10)]
    assert at_ten.groupby(S.QUEUE)[S.SCHEDULED].max().to_dict() == {"card": 0.0, "retail": 0.5}
    # the pooled bound counts the hire at half too, and stays below the roster's cost
    assert pooled_lower_bound(rm) <= ledger["cost"].sum() + 1e-6


# ---------------------------------------------------------------------------
# Property: the roster property test's scenarios with the wellbeing rules on
# ---------------------------------------------------------------------------
@st.composite
def wellbeing_scenarios(draw):
    sc, req = draw(roster_scenarios())
    wb = Wellbeing(
        no_late_then_early=draw(st.booleans()), max_consecutive_late=draw(st.sampled_from([None, 0, 1, 2]))
    )
    return dataclasses.replace(sc, wellbeing=wb), req


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wellbeing_scenarios())
def test_wellbeing_rosters_pass_the_checker(case):
    sc, req = case
    try:
        sol = solve_roster(sc, req, time_limit_seconds=2, workers=1)
    except InfeasibleRosterError as exc:
        assert exc.conflicts and all(line.strip() for line in exc.conflicts)
        return
    assert check_roster(sc, sol.activities, req).violations == []
    # the warm start keeps both rules on its own
    rm = build_model(sc, req)
    _, start, _ = roster_frames(rm, starting_roster(rm))
    broken = {v.rule for v in check_roster(sc, start, req).violations}
    assert not broken & {"late_then_early", "consecutive_late"}
