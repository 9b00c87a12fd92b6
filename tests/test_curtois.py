"""benchmarks/curtois.py: the instance parser, the independent Curtois evaluator and the wfm adapter.

The benchmark script is loaded by path (``benchmarks/`` is not a package, and wfm itself
must not depend on benchmark code).  Instances come from ``tests/fixtures/curtois/``
(gzipped copies of Instance1-19 with their README); nothing here reads ``/work/shared``.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import importlib.util
import io
import math
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "curtois"


def _load_benchmark():
    name = "curtois_benchmark"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "curtois.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve their module while the file executes
    spec.loader.exec_module(module)
    return module


C = _load_benchmark()

with open(FIXTURES / "instances_summary.csv", newline="") as f:
    SUMMARY = {row["instance"]: row for row in csv.DictReader(f)}


def instance(n: int):
    return C.parse_instance(FIXTURES / f"Instance{n}.txt.gz")


# ---------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("n", range(1, 20))
def test_parser_header_counts_match_the_summary(n):
    inst = instance(n)
    row = SUMMARY[f"Instance{n}"]
    assert inst.name == f"Instance{n}"
    assert len(inst.staff) == int(row["staff"])
    assert inst.days == int(row["days"])
    assert len(inst.shifts) == int(row["shift_types"])
    assert "|".join(s.id for s in inst.shifts) == row["shift_ids"]
    assert "|".join(str(s.minutes) for s in inst.shifts) == row["shift_lengths_min"]
    assert inst.days_off_entries == int(row["days_off_entries"])
    assert len(inst.on_requests) == int(row["shift_on_requests"])
    assert len(inst.off_requests) == int(row["shift_off_requests"])
    assert len(inst.cover) == int(row["cover_rows"]) == inst.days * len(inst.shifts)
    for person in inst.staff:
        assert set(person.max_shifts) == {s.id for s in inst.shifts}


def test_parser_reads_instance3_fields():
    inst = instance(3)
    assert [(s.id, s.minutes, s.cannot_follow) for s in inst.shifts] == [
        ("E", 480, ()),
        ("D", 480, ("E",)),
        ("L", 480, ("E", "D")),
    ]
    a = inst.staff[0]
    assert (a.id, dict(a.max_shifts)) == ("A", {"E": 14, "D": 14, "L": 0})
    assert (a.max_total_minutes, a.min_total_minutes) == (4320, 3360)
    assert (
        a.max_consecutive_shifts,
        a.min_consecutive_shifts,
        a.min_consecutive_days_off,
        a.max_weekends,
    ) == (
        5,
        2,
        2,
        1,
    )
    p = next(s for s in inst.staff if s.id == "P")
    assert (p.max_total_minutes, p.min_total_minutes, p.min_consecutive_shifts) == (2160, 1200, 1)
    assert inst.days_off["B"] == (6,)
    assert inst.on_requests[0] == C.Request("B", 0, "D", 1)


GOOD = """\
# a comment
SECTION_HORIZON
14

SECTION_SHIFTS
D,480,
L,480,D

SECTION_STAFF
A,D=14|L=14,4320,3360,5,2,2,1

SECTION_DAYS_OFF
A,0

SECTION_SHIFT_ON_REQUESTS
A,2,D,2

SECTION_SHIFT_OFF_REQUESTS
A,3,L,1

SECTION_COVER
0,D,1,100,1
"""


def test_parser_accepts_a_minimal_file():
    inst = C.parse_text(GOOD, source="mini.txt")
    assert inst.days == 14 and [s.id for s in inst.shifts] == ["D", "L"]
    assert inst.shift("L").cannot_follow == ("D",)
    assert inst.days_off == {"A": (0,)}


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("14\n", "fourteen\n", 3, "SECTION_HORIZON: number of days 'fourteen' is not a whole number"),
        ("14\n", "14\n15\n", 4, "SECTION_HORIZON: expected exactly one line holding the number of days"),
        ("D,480,\n", "D,480,X\n", 6, "SECTION_SHIFTS: shift 'X' is not in SECTION_SHIFTS (D, L)"),
        ("L,480,D\n", "D,600,\n", 7, "SECTION_SHIFTS: shift 'D' is defined twice (first at line 6)"),
        ("D,480,\n", "D,-5,\n", 6, "SECTION_SHIFTS: length of shift 'D' -5 is below 1"),
        (
            "A,D=14|L=14,4320,3360,5,2,2,1",
            "A,D=14|L=14,4320,3360,5,2,2",
            10,
            "SECTION_STAFF: expected 8 comma-separated fields (ID, MaxShifts, MaxTotalMinutes, "
            "MinTotalMinutes, MaxConsecutiveShifts, MinConsecutiveShifts, MinConsecutiveDaysOff, "
            "MaxWeekends), found 7",
        ),
        ("D=14|L=14", "D=14|N=3", 10, "SECTION_STAFF: shift 'N' is not in SECTION_SHIFTS (D, L)"),
        ("D=14|L=14", "D=14", 10, "SECTION_STAFF: MaxShifts of A gives no limit for shift(s) L"),
        ("D=14|L=14", "D=14|L", 10, "SECTION_STAFF: MaxShifts entry 'L' of A is not ShiftID=count"),
        ("4320,3360", "4320,x", 10, "SECTION_STAFF: MinTotalMinutes of A 'x' is not a whole number"),
        (
            "4320,3360",
            "3000,3360",
            10,
            "SECTION_STAFF: MinTotalMinutes 3360 of A exceeds MaxTotalMinutes 3000",
        ),
        ("A,0\n", "Z,0\n", 13, "SECTION_DAYS_OFF: employee 'Z' is not in SECTION_STAFF"),
        ("A,0\n", "A,14\n", 13, "SECTION_DAYS_OFF: day 14 is outside the horizon (days 0 to 13)"),
        (
            "A,2,D,2\n",
            "A,2,D\n",
            16,
            "SECTION_SHIFT_ON_REQUESTS: expected 4 comma-separated fields (EmployeeID, Day, ShiftID, Weight), found 3",
        ),
        ("A,3,L,1\n", "A,3,L,-1\n", 19, "SECTION_SHIFT_OFF_REQUESTS: weight -1 is below 0"),
        (
            "0,D,1,100,1\n",
            "0,D,1,100,1\n0,D,2,100,1\n",
            23,
            "SECTION_COVER: day 0 shift 'D' has a second row (first at line 22)",
        ),
        ("SECTION_COVER\n", "SECTION_CUPBOARD\n", 21, "unknown section 'SECTION_CUPBOARD'"),
        ("# a comment\n", "14\n", 1, "data before the first SECTION_ header: '14'"),
    ],
)
def test_parser_errors_name_file_line_and_problem(old, new, line, message):
    assert old in GOOD
    with pytest.raises(C.InstanceFormatError) as err:
        C.parse_text(GOOD.replace(old, new, 1), source="bad.txt")
    assert err.value.line == line
    assert str(err.value).startswith(f"bad.txt line {line}: {message}")


def test_parser_reports_missing_sections_and_reads_gzip(tmp_path):
    with pytest.raises(C.InstanceFormatError, match=r"^bad\.txt: missing section\(s\) SECTION_COVER$"):
        C.parse_text(GOOD.split("SECTION_COVER")[0], source="bad.txt")
    path = tmp_path / "Instance99.txt"
    path.write_text(GOOD.replace("0,D,1,100,1", "0,D,1,100"))
    with pytest.raises(C.InstanceFormatError, match=r"^Instance99\.txt line 22: SECTION_COVER: expected 5"):
        C.parse_instance(path)


# ---------------------------------------------------------------------------
# Evaluator: a roster of Instance1 built and scored by hand
# ---------------------------------------------------------------------------
# Instance1: 8 staff A-H, 14 days (Mon 0 .. Sun 13), one shift D of 480 minutes.  Everyone:
# 7-9 shifts (3360-4320 min), runs of 2-5 shifts, days off in runs of >= 2, at most 1
# weekend (days 5-6, 12-13).  Fixed days off: A0 B5 C8 D2 E9 F5 G1 H7.
P1 = "..DDDDD..DDD.."  # 8 shifts; runs 2-6 and 9-11; weekend 1 only
P2 = "DDDD...DD..DDD"  # 9 shifts; runs 0-3, 7-8, 11-13; weekend 2 only
P3 = "...DDDD..DDD.."  # 7 shifts; runs 3-6 and 9-11; weekend 1 only
HAND = {"A": P1, "B": P2, "C": P1, "D": P3, "E": P2, "F": P2, "G": P1, "H": P1}
# Every fixed day off falls on a '.': A0 (P1), B5 (P2), C8 (P1), D2 (P3), E9 (P2), F5 (P2),
# G1 (P1), H7 (P1).
#
# Cover (under weight 100, over weight 1).  On duty per day: P1 x4 (A C G H), P2 x3 (B E F),
# P3 x1 (D):
#   day       0   1   2   3   4   5   6   7   8   9  10  11  12  13
#   on duty   3   3   7   8   5   5   5   3   3   5   5   8   3   3
#   required  5   7   6   4   5   5   5   6   7   4   2   5   6   4
#   under     2   4   .   .   .   .   .   3   4   .   .   .   3   1   -> 17 x 100 = 1700
#   over      .   .   1   4   .   .   .   .   .   1   3   3   .   .   -> 12 x 1   =   12
# On-requests not granted: B4 (3), C0 C1 (1+1), D8 (2), H12 H13 (1+1)     ->          9
#   (granted: A2 A3, B0-B3, C2-C4, D9, F0 F1, H9-H11)
# Off-requests not granted: F8 (3), H2 H3 (3+3); C12 C13 are granted      ->          9
# Objective: 1700 + 12 + 9 + 9 = 1730.
HAND_OBJECTIVE = 1730


def test_hand_built_instance1_roster_scores_as_computed_by_hand():
    inst = instance(1)
    result = C.evaluate_grid(inst, C.grid_from_strings(inst, HAND))
    assert result.violations == ()
    assert (result.under_cover, result.over_cover, result.on_requests, result.off_requests) == (
        1700,
        12,
        9,
        9,
    )
    assert result.objective == HAND_OBJECTIVE


def test_evaluator_reads_the_hr_import_rows():
    inst = instance(1)
    activities = C.activities_from_grid(inst, C.grid_from_strings(inst, HAND))
    assert len(activities) == 8 * 14
    assert C.evaluate(inst, activities).objective == HAND_OBJECTIVE


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"A": "D.DDDDD..DDD.."}, "A: works D on day 0, a day off (SECTION_DAYS_OFF)"),
        ({"G": ".DDDDDD..DDD.."}, "G: works D on day 1, a day off"),
        ({"A": ".DDDDDD...DD.."}, "A: 6 consecutive shifts, days 1-6, maximum 5"),
        ({"A": "..DDDDD.D.DD.."}, "A: 1 consecutive shift(s), days 8-8, minimum 2"),
        ({"A": "..DDDDD.DD.DD."}, "A: 1 consecutive day(s) off, days 7-7, minimum 2"),
        ({"A": "..DDDDD..DDDDD"}, "A: works 2 weekends, maximum 1"),
        ({"A": "..DDDDD.DDDDD."}, "A: 4800 minutes worked, allowed 3360 to 4320"),
        ({"A": "..DDDD...DD..."}, "A: 2880 minutes worked, allowed 3360 to 4320"),
    ],
)
def test_evaluator_flags_each_hard_constraint(changes, expected):
    inst = instance(1)
    result = C.evaluate_grid(inst, C.grid_from_strings(inst, {**HAND, **changes}))
    assert any(v.startswith(expected) for v in result.violations), result.violations


def test_edge_runs_are_exempt_from_the_minimums_but_not_the_maximum():
    inst = instance(1)
    # One day off on the first day, and one shift on the last day, touch the edges: allowed.
    result = C.evaluate_grid(inst, C.grid_from_strings(inst, {**HAND, "B": ".DDDD..DDDD..D"}))
    assert result.violations == ()
    # Five shifts from day 0 are allowed; six are not (days before the horizon count as off).
    result = C.evaluate_grid(inst, C.grid_from_strings(inst, {**HAND, "B": "DDDDDD..DD..DD"}))
    assert any(v.startswith("B: 6 consecutive shifts, days 0-5") for v in result.violations)


def test_evaluator_flags_successions_max_shifts_and_bad_rows():
    inst = instance(3)  # E never follows D; E and D never follow L; A may work no L
    grid = {("A", 3): "L", ("B", 3): "D", ("B", 4): "E", ("C", 5): "L", ("C", 6): "D"}
    messages = C.evaluate_grid(inst, grid).violations
    assert "A: 1 shifts L, maximum 0" in messages
    assert "B: E on day 4 cannot follow D on day 3" in messages
    assert "C: D on day 6 cannot follow L on day 5" in messages

    rows = C.activities_from_grid(inst, {("A", 0): "E"})
    shift = rows.iloc[[0]]  # A's E on day 0
    bad = pd.concat(
        [
            rows,
            shift.assign(shift_code="D"),  # a second shift the same day
            shift.assign(date=C.START + dt.timedelta(days=14)),  # after the horizon
            shift.assign(employee_id="Z9"),  # not an employee
            shift.assign(date=C.START + dt.timedelta(days=1), shift_code="X"),  # not a shift type
            shift.assign(date=C.START + dt.timedelta(days=2), minutes=600),  # wrong length
        ],
        ignore_index=True,
    )
    _, problems = C.roster_grid(inst, bad)
    assert problems == [
        "A: more than one shift on day 0 (E, D)",
        "A: shift on 2024-01-15, outside the 14-day horizon",
        "Z9: not an employee of Instance3",
        "A: shift code 'X' on day 1 is not a shift type",
        "A: E on day 2 lasts 600 minutes, not 480",
    ]


# ---------------------------------------------------------------------------
# Adapter
# ---------------------------------------------------------------------------
def test_adapter_maps_instance3_onto_the_wfm_contract():
    inst = instance(3)
    sc = C.to_scenario(inst, time_limit_seconds=5, workers=1, seed=3)
    assert sc.horizon.start == C.START and sc.horizon.start.weekday() == 0
    assert len(sc.horizon.days) == 14
    assert [(s.code, s.paid_minutes, s.unpaid_minutes, s.start) for s in sc.shifts] == [
        ("E", 480, 0, dt.time(6)),
        ("D", 480, 0, dt.time(6)),
        ("L", 480, 0, dt.time(6)),
    ]
    assert set(sc.rules.forbidden_successions) == {("D", "E"), ("L", "E"), ("L", "D")}
    assert sc.rules.min_rest_hours == 0 and sc.rules.min_days_off_per_week == 0
    weights = dataclasses.asdict(sc.weights)
    assert weights.pop("shift_request") > 0 and weights.pop("shift_off_request") > 0  # overridden per request
    assert set(weights.values()) == {0.0}  # interval coverage, contract shortfall, fairness, ...
    assert [q.name for q in sc.queues] == ["curtois"] and all(a.skills == ("curtois",) for a in sc.agents)
    p = sc.agent_contract(next(a for a in sc.agents if a.employee_id == "P"))
    assert (p.min_horizon_minutes, p.max_horizon_minutes) == (1200, 2160)
    assert (p.max_consecutive_days, p.min_consecutive_days, p.min_consecutive_days_off) == (5, 1, 2)
    assert p.max_working_weekends == 1 and dict(p.max_shifts) == {"E": 14, "D": 14, "L": 2}
    kinds = [t.kind for t in sc.time_off]
    assert kinds.count("unavailable") == 20
    assert kinds.count("shift_request") == 39 and kinds.count("shift_off_request") == 25
    request = next(t for t in sc.time_off if t.kind == "shift_request")
    assert (request.employee_id, request.date, request.shift_code, request.weight) == ("B", C.START, "D", 1.0)
    assert len(sc.shift_cover) == 42
    cover = sc.shift_cover[0]
    assert (cover.date, cover.shift_code, cover.under_weight, cover.over_weight) == (C.START, "E", 100.0, 1.0)
    assert (sc.solver.time_limit_seconds, sc.solver.workers, sc.solver.seed) == (5, 1, 3)


def test_adapter_builds_horizons_beyond_a_month():
    sc = C.to_scenario(instance(18))
    assert len(sc.horizon.days) == 84 and len(sc.agents) == 22


def test_wfm_checker_agrees_with_the_evaluator_on_the_hand_built_roster():
    from wfm.check import check_roster, recompute_penalties

    inst = instance(1)
    sc = C.to_scenario(inst)
    activities = C.activities_from_grid(inst, C.grid_from_strings(inst, HAND))
    requirements = C.empty_requirements()
    assert check_roster(sc, activities, requirements).violations == []
    assert recompute_penalties(sc, activities, requirements) == pytest.approx(HAND_OBJECTIVE)


@pytest.mark.slow
def test_wfm_solves_instance1_to_the_reported_optimum():
    from wfm.check import check_roster, recompute_penalties
    from wfm.roster import solve_roster

    inst = instance(1)
    sc = C.to_scenario(inst)
    requirements = C.empty_requirements()
    solution = solve_roster(sc, requirements, time_limit_seconds=30, workers=2, seed=0)
    result = C.evaluate(inst, solution.activities)
    assert result.violations == ()
    assert result.objective == int(SUMMARY["Instance1"]["best_reported_objective_in_these_sources"]) == 607
    assert solution.info.objective == pytest.approx(607)
    assert check_roster(sc, solution.activities, requirements).violations == []
    assert recompute_penalties(sc, solution.activities, requirements) == pytest.approx(607)


def test_spread_over_seeds_gives_best_median_worst_and_runs_within_one_percent():
    def row(name, seed, objective):
        return C.Row(name, 8, 14, 1, seed=seed, best_reported=1000.0, curtois_objective=objective)

    rows = [row("InstanceA", 0, 1005.0), row("InstanceA", 1, 1100.0), row("InstanceA", 2, 1020.0)]
    rows.append(row("InstanceB", 0, math.nan))  # no roster: no gap
    out = io.StringIO()
    C.print_spread(rows, out)
    lines = out.getvalue().splitlines()
    a = next(line for line in lines if line.startswith("InstanceA")).split()
    assert a[1:] == ["3", "0.50", "2.00", "10.00", "1", "of", "3"]
    b = next(line for line in lines if line.startswith("InstanceB")).split()
    assert b[1:] == ["1", "-", "-", "-", "-"]


def test_bad_seeds_are_refused_with_the_option_named(capsys):
    with pytest.raises(SystemExit) as exit_:
        C.main(["--data", str(FIXTURES), "--instances", "1", "--seeds", "zero"])
    assert exit_.value.code == 2
    assert "--seeds 'zero'" in capsys.readouterr().err
