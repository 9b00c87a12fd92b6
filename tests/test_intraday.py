"""Inside the shift: onboarding, recovery breaks, sessions and the continuous-phone limit (wfm.roster.intraday)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from conftest import MONDAY, make_agent, make_requirements, make_scenario

from wfm import activities as A
from wfm import schema as S
from wfm.check import check_roster
from wfm.roster import solve_roster
from wfm.roster.breaks import Grid, Work, longest_phone_run, phone_minutes, place_breaks
from wfm.roster.intraday import with_activities
from wfm.schema import BreakRule, Onboarding, ShiftTemplate, Wellbeing

NINE_HOURS = BreakRule(480, (15, 15), 60, None, 60, 60, 60)
D09 = ShiftTemplate("D09", dt.time(9), 480, 60)
D08 = ShiftTemplate("D08", dt.time(8), 480, 60)


def scenario(**changes) -> S.Scenario:
    agents = (
        make_agent("E001", ("retail",), role="mentor"),
        make_agent("E002", ("retail",)),
        make_agent("E003", ("card",)),
        make_agent("E004", ("retail",), role="new_hire", start_date=MONDAY),
    )
    base = make_scenario(agents=agents, shifts=(D08, D09), days=7)
    return dataclasses.replace(base, break_rules=(NINE_HOURS,), **changes)


def place(sc: S.Scenario, works: list[Work], requirements: pd.DataFrame, session_days=None):
    grid = Grid.of_scenario(sc, requirements)
    works, sessions = with_activities(sc, grid, works, session_days)
    placed = place_breaks(sc, grid, works, time_limit_seconds=5, workers=1, seed=1, deterministic=True)
    return works, sessions, placed


def spans(blocks) -> list[tuple[int, int]]:
    return [(b.offset_minutes, b.minutes) for b in blocks]


def overlapping(blocks) -> bool:
    ordered = sorted(blocks, key=lambda b: b.offset_minutes)
    return any(b.offset_minutes < a.end_offset for a, b in zip(ordered, ordered[1:], strict=False))


def test_a_new_hire_spends_half_of_each_onboarding_day_in_training():
    sc = scenario(onboarding=Onboarding(days=14, share=0.5, ramp_up_days=0))
    works = [Work("E004", d, D09, "retail") for d in range(5)] + [Work("E002", 0, D09, "retail")]
    _, _, placed = place(sc, works, make_requirements(sc, {"retail": 2}))
    for d in range(5):
        blocks = placed.blocks[("E004", MONDAY + dt.timedelta(days=d))]
        training = [b for b in blocks if b.activity == "TRAINING"]
        assert [(b.minutes, b.detail) for b in training] == [(240, A.ONBOARDING_DETAIL)]
        assert sorted(b.activity for b in blocks) == ["BREAK", "BREAK", "LUNCH", "TRAINING"]
        assert not overlapping(blocks)
    veteran = placed.blocks[("E002", MONDAY)]
    assert not any(b.activity == "TRAINING" for b in veteran)


def test_onboarding_ends_after_its_days():
    sc = scenario(onboarding=Onboarding(days=2, share=0.5, ramp_up_days=0))
    works = [Work("E004", d, D09, "retail") for d in range(3)]
    _, _, placed = place(sc, works, make_requirements(sc, {"retail": 2}))
    trained = [
        d
        for d in range(3)
        if any(b.activity == "TRAINING" for b in placed.blocks[("E004", MONDAY + dt.timedelta(days=d))])
    ]
    assert trained == [0, 1]


def test_no_one_is_on_the_phone_longer_than_the_wellbeing_limit():
    # demand only in the morning pulls every break into the afternoon without the limit
    def demand(queue, ds):
        return 3 if 9 <= ds.hour < 13 else 0

    works = [Work(e, 0, D09, "retail") for e in ("E001", "E002")]
    free = scenario()
    _, _, loose = place(free, works, make_requirements(free, demand))
    longest_free = max(longest_phone_run(D09.length_minutes, spans(b)) for b in loose.blocks.values())
    assert longest_free > 150
    capped = scenario(wellbeing=Wellbeing(max_continuous_phone_minutes=150))
    _, _, tight = place(capped, works, make_requirements(capped, demand))
    for blocks in tight.blocks.values():
        assert longest_phone_run(D09.length_minutes, spans(blocks)) <= 150


def test_an_impossible_continuous_limit_is_explained():
    sc = scenario(wellbeing=Wellbeing(max_continuous_phone_minutes=60))
    with pytest.raises(S.InfeasibleRosterError, match="60-minute limit on continuous phone time"):
        place(sc, [Work("E002", 0, D09, "retail")], make_requirements(sc, {"retail": 1}))


def test_a_recovery_break_falls_early_in_a_high_occupancy_stretch():
    sc = scenario(
        wellbeing=Wellbeing(recovery_minutes=10, recovery_after_minutes=120, recovery_occupancy=0.85)
    )
    req = make_requirements(sc, {"retail": 2, "card": 2})
    busy = (req[S.QUEUE] == "retail") & req[S.DS].map(lambda ds: 10 <= ds.hour < 14)
    req[S.OCCUPANCY] = busy.map({True: 0.9, False: 0.6})
    works = [Work("E002", 0, D09, "retail"), Work("E003", 0, D09, "card")]
    _, _, placed = place(sc, works, req)
    recovery = [b for b in placed.blocks[("E002", MONDAY)] if b.detail == A.RECOVERY_DETAIL]
    assert len(recovery) == 1 and recovery[0].activity == "WELLBEING" and recovery[0].minutes == 10
    start = 9 * 60 + recovery[0].offset_minutes
    assert 10 * 60 <= start and start + 10 <= 12 * 60  # inside the first 120 min of the 10:00 stretch
    assert not any(b.detail == A.RECOVERY_DETAIL for b in placed.blocks[("E003", MONDAY)])


def test_the_checker_reports_every_missing_recovery_break():
    # a checker that stops at the first missing break (or crashes on the agent-day after it) would hide the rest
    sc = scenario(
        wellbeing=Wellbeing(recovery_minutes=10, recovery_after_minutes=120, recovery_occupancy=0.85)
    )
    req = make_requirements(sc, {"retail": 2, "card": 1})
    req[S.OCCUPANCY] = 0.9
    sol = solve_roster(sc, req, time_limit_seconds=5, workers=1, seed=1, deterministic=True)
    acts = sol.activities
    recovery = (acts[S.ACTIVITY] == "WELLBEING") & (acts[S.DETAIL] == A.RECOVERY_DETAIL)
    due = sorted(zip(acts.loc[recovery, S.EMPLOYEE_ID], acts.loc[recovery, S.DATE], strict=True))
    assert len(due) >= 3
    assert check_roster(sc, acts, req).violations == []
    missing = check_roster(sc, acts[~recovery], req).violations
    assert sorted((v.employee_id, v.dates[0]) for v in missing if v.rule == "recovery") == due
    assert {v.rule for v in missing} == {"recovery"}


def test_the_team_session_goes_where_the_team_is_missed_least():
    sc = scenario(wellbeing=Wellbeing(team_session_minutes=60, team_session_window=(10 * 60, 17 * 60)))

    def demand(queue, ds):
        return 4 if ds.hour < 14 else 1  # busy mornings, quiet afternoons

    works = [
        Work(e, d, D09, q)
        for d in range(7)
        for e, q in (("E001", "retail"), ("E002", "retail"), ("E003", "card"), ("E004", "retail"))
    ]
    works, sessions, placed = place(sc, works, make_requirements(sc, demand))
    assert len(sessions) == 1
    session = sessions[0]
    assert session.meeting.activity == "WELLBEING"
    assert session.start_minute >= 14 * 60  # the afternoon
    day = MONDAY + dt.timedelta(days=session.day)
    starts = set()
    for e in ("E001", "E002", "E003", "E004"):
        blocks = [b for b in placed.blocks[(e, day)] if b.activity == "WELLBEING"]
        assert len(blocks) == 1
        starts.add(9 * 60 + blocks[0].offset_minutes)
        assert not overlapping(placed.blocks[(e, day)])
    assert starts == {session.start_minute}


def test_a_ramping_new_hire_counts_for_half():
    blocks = ()
    full = phone_minutes(D09, blocks, 30)
    half = phone_minutes(D09, blocks, 30, fraction=0.5)
    assert sum(half.values()) * 2 == sum(full.values())
    sc = scenario(onboarding=Onboarding(days=0, share=0.0, ramp_up_days=30, ramp_up_fraction=0.5))
    grid = Grid.of_scenario(sc, make_requirements(sc, {"retail": 1}))
    works, _ = with_activities(sc, grid, [Work("E004", 0, D09, "retail"), Work("E002", 0, D09, "retail")])
    assert [w.fraction for w in works] == [0.5, 1.0]


def test_onboarding_that_cannot_fit_beside_the_breaks_is_explained():
    # a whole shift of training leaves no room for the rule's breaks and lunch
    sc = scenario(onboarding=Onboarding(days=14, share=1.0, ramp_up_days=0))
    with pytest.raises(S.InfeasibleRosterError, match=r"E004 on 2026-12-07 \(D09\).*onboarding 480 min"):
        place(sc, [Work("E004", 0, D09, "retail")], make_requirements(sc, {"retail": 1}))
