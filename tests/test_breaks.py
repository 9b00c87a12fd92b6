"""Breaks and lunches placed inside every shift against coverage ([[breaks]], wfm.roster.breaks)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from conftest import make_agent, make_requirements, make_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_files import SCENARIO_TOML, write_scenario

from wfm import schema as S
from wfm.check import check_roster, penalty_ledger
from wfm.io import load_scenario
from wfm.roster import solve_roster
from wfm.roster.breaks import (
    Block,
    Grid,
    default_blocks,
    feasible_blocks,
    place_breaks,
    rule_for,
    works_of,
)
from wfm.schema import BreakRule, ShiftTemplate

NINE_HOURS = BreakRule(480, (15, 15), 60, None, 60, 60, 60)
PART_TIME = BreakRule(240, (15,), 0, None, 60, 60, 60)
D09 = ShiftTemplate("D09", dt.time(9), 480, 60)


def with_rules(scenario: S.Scenario, *rules: BreakRule) -> S.Scenario:
    return dataclasses.replace(scenario, break_rules=tuple(rules))


def blocks_of(activities: pd.DataFrame) -> pd.DataFrame:
    return activities[activities[S.ACTIVITY].isin(("BREAK", "LUNCH"))]


# ---------------------------------------------------------------------------
# Geometry
# ---------------------------------------------------------------------------
def test_rule_naming_the_shift_wins_then_the_longest():
    general = BreakRule(480, (15, 15), 60)
    longer = BreakRule(500, (15, 15, 15), 60)
    named = BreakRule(240, (10,), 60, shifts=("D09",))
    assert rule_for(D09, [general]) is general
    assert rule_for(D09, [general, longer]) is longer  # 540-minute span: both apply, the longest wins
    assert rule_for(D09, [general, longer, named]) is named
    assert rule_for(ShiftTemplate("X", dt.time(9), 180), [general]) is None


def test_lunch_window_limits_the_lunch_starts():
    rule = BreakRule(480, (15, 15), 60, (11 * 60, 14 * 60), 60, 60, 60)
    placed = feasible_blocks(D09, rule)
    lunch = next(b for b in placed if b.activity == "LUNCH")
    assert 11 * 60 <= 9 * 60 + lunch.offset_minutes and 9 * 60 + lunch.end_offset <= 14 * 60
    assert [b.activity for b in default_blocks(D09, rule)].count("BREAK") == 2


def test_window_that_cannot_hold_the_lunch_is_none():
    late = ShiftTemplate("L15", dt.time(15), 480, 60)  # 15:00-24:00
    assert feasible_blocks(late, BreakRule(480, (15, 15), 60, (11 * 60, 14 * 60))) is None


# ---------------------------------------------------------------------------
# scenario.toml [[breaks]]
# ---------------------------------------------------------------------------
BREAKS_TOML = """
[[breaks]]
min_shift_minutes = 480
breaks = [15, 15]
lunch_minutes = 60
lunch_window = ["11:00", "15:00"]
min_offset_minutes = 60
min_before_end_minutes = 60
min_gap_minutes = 90
"""


def test_breaks_section_loads_typed(tmp_path):
    sc = load_scenario(write_scenario(tmp_path / "sc", scenario_toml=SCENARIO_TOML + BREAKS_TOML))
    assert sc.break_rules == (BreakRule(480, (15, 15), 60, (660, 900), 60, 60, 90),)


def _problems(tmp_path, toml: str) -> list[str]:
    with pytest.raises(S.InputError) as info:
        load_scenario(write_scenario(tmp_path / "sc", scenario_toml=SCENARIO_TOML + toml))
    return info.value.problems


def test_window_that_cannot_hold_a_lunch_is_an_input_error(tmp_path):
    # D12 runs 12:00-21:00: with 60 min from the start its lunch cannot end by 13:30
    problems = _problems(tmp_path, BREAKS_TOML.replace('["11:00", "15:00"]', '["11:00", "13:30"]'))
    assert len(problems) == 1
    assert problems[0].startswith(
        "scenario.toml [[shifts]] 'D12' (540 min): the [[breaks]] rule with min_shift_minutes = 480 cannot be kept"
    )
    assert "the lunch inside 11:00-13:30" in problems[0]


def test_lunch_minutes_must_equal_the_unpaid_minutes(tmp_path):
    problems = _problems(tmp_path, BREAKS_TOML.replace("lunch_minutes = 60", "lunch_minutes = 45"))
    assert problems == [
        "scenario.toml [[shifts]] 'D08' (540 min): the [[breaks]] rule with min_shift_minutes = 480 has "
        "lunch_minutes = 45, but the shift has unpaid_minutes = 60; they must be equal",
        "scenario.toml [[shifts]] 'D12' (540 min): the [[breaks]] rule with min_shift_minutes = 480 has "
        "lunch_minutes = 45, but the shift has unpaid_minutes = 60; they must be equal",
    ]


def test_shift_with_a_lunch_needs_a_rule(tmp_path):
    problems = _problems(tmp_path, BREAKS_TOML.replace("min_shift_minutes = 480", "min_shift_minutes = 600"))
    assert problems[0] == (
        "scenario.toml [[shifts]] 'D08' (540 min): has 60 unpaid minutes (its lunch) but no [[breaks]] rule "
        "applies; add a rule with min_shift_minutes <= 540 and lunch_minutes = 60"
    )


@pytest.mark.parametrize(
    "old, new, expected",
    [
        (
            "breaks = [15, 15]",
            "breaks = [15, 0]",
            "'breaks' = [15, 0] must list break lengths in whole minutes",
        ),
        ('["11:00", "15:00"]', '["11:00"]', "'lunch_window' = ['11:00'] must be two HH:MM times"),
        ('["11:00", "15:00"]', '["15:00", "11:00"]', "'lunch_window' end 11:00 is not after its start 15:00"),
        (
            "min_gap_minutes = 90",
            "min_gap_minutes = 90\nshifts = ['X99']",
            "'shifts' = ['X99'] must list shift",
        ),
        ("min_gap_minutes = 90", "min_gap = 90", "unknown key 'min_gap'"),
    ],
)
def test_breaks_key_errors_name_the_key(tmp_path, old, new, expected):
    problems = _problems(tmp_path, BREAKS_TOML.replace(old, new))
    assert any(p.startswith("scenario.toml [[breaks]] #1: ") and expected in p for p in problems), problems


# ---------------------------------------------------------------------------
# Solving
# ---------------------------------------------------------------------------
def _same_shift_scenario(n_agents: int, rules=(NINE_HOURS,), interval_minutes: int = 30) -> S.Scenario:
    # a one-day horizon: a weekly contract of 7 days' shifts lets every agent work it
    agents = [make_agent(f"E{i:03d}", ("retail",), contract=7 * 480) for i in range(n_agents)]
    sc = make_scenario(
        agents=agents, shifts=(D09,), queues=("retail",), days=1, interval_minutes=interval_minutes
    )
    return with_rules(sc, *rules)


def test_staggering_keeps_three_of_four_on_the_phone():
    """Four agents on one shift, three required all day: never more than one of them off the phone.

    (15-minute intervals: with 30-minute ones two 15-minute breaks in one interval cost the same whether
    they overlap or follow each other.)
    """
    sc = _same_shift_scenario(4, interval_minutes=15)
    req = make_requirements(sc, lambda q, ds: 3 if 9 <= ds.hour < 18 else 0)
    sol = solve_roster(sc, req, time_limit_seconds=20, workers=1)
    assert (sol.assignments[S.SHIFT_CODE] == "D09").all()  # everyone works: 3 are needed all day
    blocks = blocks_of(sol.activities)
    assert len(blocks) == 4 * 3
    marks = pd.date_range("2026-12-07 09:00", "2026-12-07 18:00", freq="15min", tz="Asia/Shanghai")
    off = [int(((blocks[S.START] <= m) & (m < blocks[S.END])).sum()) for m in marks]
    assert max(off) == 1
    assert sol.placement is not None and sol.placement.status == "OPTIMAL"
    report = check_roster(sc, sol.activities, req)
    assert report.ok, report.violations
    # nobody is short: 4 agents, one at a time away
    assert "coverage_short" not in set(sol.penalties["rule"])


def test_naive_placement_costs_more_than_the_optimised_one():
    sc = _same_shift_scenario(4)
    req = make_requirements(sc, lambda q, ds: 3 if 9 <= ds.hour < 18 else 0)
    grid = Grid.of_scenario(sc, req)
    works = [
        works_of(sc, pd.DataFrame({S.EMPLOYEE_ID: [f"E{i:03d}"], S.DATE: [sc.horizon.start],
                                   S.SHIFT_CODE: ["D09"], S.QUEUE: ["retail"]}))[0]
        for i in range(4)
    ]  # fmt: skip
    naive = place_breaks(sc, grid, works, time_limit_seconds=5, optimise=False)
    best = place_breaks(sc, grid, works, time_limit_seconds=5, workers=1)
    assert naive.status == "FIXED"
    assert best.objective < naive.objective
    assert best.bound == pytest.approx(best.objective)


def test_ledger_equals_the_one_recomputed_from_the_activities():
    agents = [make_agent(f"E{i:03d}", ("retail", "card")) for i in range(6)]
    sc = with_rules(make_scenario(agents=agents, days=3), NINE_HOURS, PART_TIME)
    req = make_requirements(sc, {"retail": 2, "card": 1})
    sol = solve_roster(sc, req, time_limit_seconds=10, workers=1)
    assert check_roster(sc, sol.activities, req).ok
    mine = sol.penalties.groupby("rule")["cost"].sum()
    recomputed = penalty_ledger(sc, sol.activities, req).groupby("rule")["cost"].sum()
    pd.testing.assert_series_equal(mine, recomputed, check_exact=False, atol=1e-6)
    assert sol.placement.objective == pytest.approx(float(sol.penalties["cost"].sum()))
    assert sol.placement.bound <= sol.placement.objective + 1e-6
    # the on-phone minutes agree with the activities (coverage from queue_minutes == the checker's)
    scheduled = sol.queue_minutes.groupby([S.QUEUE, S.DS])[S.MINUTES].sum() / 30
    cov = check_roster(sc, sol.activities, req).coverage.set_index([S.QUEUE, S.DS])[S.SCHEDULED]
    pd.testing.assert_series_equal(
        scheduled.reindex(cov.index, fill_value=0).astype(float), cov, check_names=False
    )
    # every BREAK paid, every LUNCH unpaid, and the paid minutes of a D09 day stay 480
    blocks = blocks_of(sol.activities)
    assert blocks.loc[blocks[S.ACTIVITY] == "BREAK", S.PAID].all()
    assert not blocks.loc[blocks[S.ACTIVITY] == "LUNCH", S.PAID].any()


def test_same_inputs_and_seed_give_the_same_placement():
    sc = _same_shift_scenario(5)
    req = make_requirements(sc, lambda q, ds: 3 if 10 <= ds.hour < 16 else 1)
    runs = [
        solve_roster(sc, req, time_limit_seconds=10, workers=1, seed=3, deterministic=True) for _ in range(2)
    ]
    pd.testing.assert_frame_equal(runs[0].activities, runs[1].activities)


def test_without_break_rules_nothing_changes():
    sc = make_scenario(days=2)
    req = make_requirements(sc, {"retail": 1, "card": 1})
    sol = solve_roster(sc, req, time_limit_seconds=5, workers=1)
    assert sol.placement is None
    assert set(sol.activities[S.ACTIVITY]) <= {"SHIFT", "LUNCH", "OFF", "LEAVE"}


# ---------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def solved():
    sc = _same_shift_scenario(2)
    req = make_requirements(sc, 1)
    sol = solve_roster(sc, req, time_limit_seconds=10, workers=1)
    assert check_roster(sc, sol.activities, req).ok
    return sc, req, sol


def _edit(activities: pd.DataFrame, activity: str, minutes: int, *, which: int = 0) -> pd.DataFrame:
    out = activities.copy()
    i = out.index[out[S.ACTIVITY] == activity][which]
    out.loc[i, S.START] += pd.Timedelta(minutes=minutes)
    out.loc[i, S.END] += pd.Timedelta(minutes=minutes)
    return out


def _rules_broken(sc, activities) -> list[str]:
    return [v.message for v in check_roster(sc, activities).violations if v.rule == "breaks"]


def test_checker_catches_a_break_too_early(solved):
    sc, _, sol = solved
    first = sol.activities[sol.activities[S.ACTIVITY] == "BREAK"].iloc[0]
    early = (first[S.START] - pd.Timestamp("2026-12-07 09:00", tz="Asia/Shanghai")) // pd.Timedelta(minutes=1)
    moved = _edit(sol.activities, "BREAK", -(early - 30))  # 30 min after the start
    assert any("starts less than 60 min after the shift start 09:00" in m for m in _rules_broken(sc, moved))


def test_checker_catches_a_break_off_the_grid_and_too_close(solved):
    sc, _, sol = solved
    rows = sol.activities
    day = rows[(rows[S.EMPLOYEE_ID] == rows[S.EMPLOYEE_ID].iloc[0])]
    lunch = day[day[S.ACTIVITY] == "LUNCH"].iloc[0]
    brk = day[day[S.ACTIVITY] == "BREAK"].iloc[0]
    # the break moved to right after the lunch: less than 60 min apart (and off the 15-minute grid)
    out = rows.copy()
    out.loc[brk.name, S.START] = lunch[S.END] + pd.Timedelta(minutes=5)
    out.loc[brk.name, S.END] = lunch[S.END] + pd.Timedelta(minutes=20)
    messages = _rules_broken(sc, out)
    assert any("does not start on the 15-minute grid" in m for m in messages)
    assert any("less than 60 min apart" in m for m in messages)


def test_checker_catches_a_missing_break_and_a_paid_lunch(solved):
    sc, _, sol = solved
    rows = sol.activities
    dropped = rows.drop(rows.index[rows[S.ACTIVITY] == "BREAK"][0])
    assert any("needs BREAK 15 min, BREAK 15 min, LUNCH 60 min; found BREAK 15 min, LUNCH 60 min" in m
               for m in _rules_broken(sc, dropped))  # fmt: skip
    paid = rows.copy()
    paid.loc[paid[S.ACTIVITY] == "LUNCH", S.PAID] = True
    assert any("a LUNCH of 60 min is unpaid" in m for m in _rules_broken(sc, paid))


def test_checker_catches_a_lunch_outside_its_window():
    rule = BreakRule(480, (15, 15), 60, (11 * 60, 14 * 60), 60, 60, 60)
    sc = _same_shift_scenario(1, rules=(rule,))
    req = make_requirements(sc, 1)
    sol = solve_roster(sc, req, time_limit_seconds=5, workers=1)
    assert check_roster(sc, sol.activities, req).ok
    lunch = sol.activities[sol.activities[S.ACTIVITY] == "LUNCH"].iloc[0]
    shift = 14 * 60 - (lunch[S.START].hour * 60 + lunch[S.START].minute)  # to start at 14:00
    moved = _edit(sol.activities, "LUNCH", shift)
    assert any("outside the lunch window 11:00-14:00" in m for m in _rules_broken(sc, moved))


def test_fixed_lunch_check_stays_without_rules(solved):
    sc, _, sol = solved
    plain = dataclasses.replace(sc, break_rules=())
    rows = sol.activities[sol.activities[S.ACTIVITY] != "BREAK"].copy()
    lunch = rows[S.ACTIVITY] == "LUNCH"
    rows.loc[lunch, S.START] = pd.Timestamp("2026-12-07 13:00", tz="Asia/Shanghai")  # the fixed window
    rows.loc[lunch, S.END] = pd.Timestamp("2026-12-07 14:00", tz="Asia/Shanghai")
    assert check_roster(plain, rows).ok
    assert "breaks" in {v.rule for v in check_roster(sc, rows).violations}  # with the rules: breaks missing
    two_lunches = pd.concat([rows, rows[lunch]])
    assert "lunch" in {v.rule for v in check_roster(plain, two_lunches).violations}


# ---------------------------------------------------------------------------
# Property: random small scenarios with break rules solve and pass the checker
# ---------------------------------------------------------------------------
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_agents=st.integers(2, 5),
    starts=st.lists(st.sampled_from([7, 8, 9, 10, 13, 15]), min_size=1, max_size=3, unique=True),
    n_breaks=st.integers(0, 2),
    gap=st.sampled_from([0, 30, 60]),
    offset=st.sampled_from([30, 60, 90]),
    window=st.booleans(),
    level=st.integers(1, 3),
    interval=st.sampled_from([15, 30]),
)
def test_random_scenarios_with_breaks_pass_the_checker(n_agents, starts, n_breaks, gap, offset, window, level,
                                                       interval):  # fmt: skip
    shifts = tuple(ShiftTemplate(f"S{h:02d}", dt.time(h), 480, 60) for h in starts) + (
        ShiftTemplate("P10", dt.time(10), 240, 0),
    )
    lunch_window = None
    if window:  # wide enough for every start: the lunch somewhere in the middle of the day
        lunch_window = (min(starts) * 60 + offset, max(starts) * 60 + 9 * 60 - offset)
    rules = (
        BreakRule(480, (15,) * n_breaks, 60, lunch_window, offset, offset, gap),
        BreakRule(240, (10,) if n_breaks else (), 0, None, 60, 60, gap),
    )
    agents = [make_agent(f"E{i:03d}", ("retail", "card") if i % 2 else ("retail",)) for i in range(n_agents)]
    sc = with_rules(make_scenario(agents=agents, shifts=shifts, days=2, interval_minutes=interval), *rules)
    if any(feasible_blocks(s, rule_for(s, rules)) is None for s in shifts):
        return  # validation would refuse the rules
    req = make_requirements(sc, {"retail": level, "card": 1})
    sol = solve_roster(sc, req, time_limit_seconds=4, workers=1)
    report = check_roster(sc, sol.activities, req)
    assert report.ok, [v.message for v in report.violations]
    total = penalty_ledger(sc, sol.activities, req)["cost"].sum()
    assert float(sol.penalties["cost"].sum()) == pytest.approx(total, abs=1e-6)
    # every shift got its blocks
    worked = (sol.assignments[S.SHIFT_CODE].isin([s.code for s in shifts])).sum()
    per_shift = {s.code: len(default_blocks(s, rule_for(s, rules))) for s in shifts}
    expected = sum(per_shift[c] for c in sol.assignments[S.SHIFT_CODE] if c in per_shift)
    assert len(blocks_of(sol.activities)) == expected
    assert worked >= 0


def test_block_paid_flags():
    assert Block("BREAK", 60, 15).paid and not Block("LUNCH", 120, 60).paid
