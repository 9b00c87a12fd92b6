"""Repair (`wfm roster --from`): pins keep the past and named agents, leave wins, few shifts change."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import MONDAY, make_agent, make_requirements, make_scenario
from openpyxl import load_workbook
from test_workbook import _grid_cell, make_workbook

from wfm import schema as S
from wfm.check import check_roster
from wfm.cli import main
from wfm.pipeline import previous_roster
from wfm.roster.rules.pins import Pins, plan
from wfm.roster.solve import solve_roster
from wfm.schema import InfeasibleRosterError, TimeOff
from wfm.workbook import assignments_from, read_roster_workbook

DAY = dt.timedelta(days=1)


def _codes(assignments) -> dict[tuple[str, dt.date], tuple[str, str | None]]:
    return previous_roster(assignments)


@pytest.fixture(scope="module")
def base():
    """A solved week for the tiny scenario: (scenario, requirements, previous roster)."""
    sc = make_scenario()
    req = make_requirements(sc, {"retail": 1, "card": 1})
    sol = solve_roster(sc, req, time_limit_seconds=5, workers=1, seed=0)
    return sc, req, previous_roster(assignments_from(sol.activities))


def _worked(prev, eid: str, after: dt.date) -> dt.date:
    return min(
        d for (e, d), (code, _) in prev.items() if e == eid and d > after and code not in ("OFF", "LEAVE")
    )


def test_pins_keep_past_and_named_agents_and_leave_wins_afterwards(base):
    sc, req, prev = base
    until = MONDAY + DAY
    leave_day = _worked(prev, "E002", until)
    sc2 = make_scenario(time_off=(TimeOff("E002", leave_day, "leave"),))
    pins = Pins(prev, until=until, agents=frozenset({"E004"}), source="prev.xlsx")
    sol = solve_roster(sc2, req, time_limit_seconds=5, workers=1, seed=0, pins=pins)
    now = _codes(assignments_from(sol.activities))
    for (eid, day), (code, queue) in prev.items():
        if day <= until or eid == "E004":
            assert now[eid, day] == (code, queue), (eid, day)  # shift and queue kept exactly
    assert now["E002", leave_day][0] == "LEAVE"
    assert check_roster(sc2, sol.activities, req).ok
    assert plan(sc2, pins).notes == [
        f"E002 李娜 on {leave_day}: approved leave; shift {prev['E002', leave_day][0]} of prev.xlsx is dropped."
    ]
    changed = sol.penalties[sol.penalties["rule"] == "changed_shift"]
    assert set(changed["employee_id"]) <= {"E001", "E002", "E003"}  # pinned E004 never changes


def test_a_pinned_past_day_on_leave_is_reported_and_leave_wins(base):
    sc, req, prev = base
    day = _worked(prev, "E001", MONDAY - DAY)
    sc2 = make_scenario(time_off=(TimeOff("E001", day, "leave"),))
    pins = Pins(prev, until=MONDAY + 2 * DAY, source="prev.xlsx")
    notes = plan(sc2, pins).notes
    assert len(notes) == 1
    assert notes[0].startswith(f"E001 王芳 on {day}: pinned past day worked ")
    assert "approved leave wins (correct time_off.csv if the agent did work)" in notes[0]
    sol = solve_roster(sc2, req, time_limit_seconds=5, workers=1, seed=0, pins=pins)
    assert _codes(assignments_from(sol.activities))["E001", day][0] == "LEAVE"
    assert check_roster(sc2, sol.activities, req).ok


def test_the_starting_roster_replans_only_the_agents_the_previous_roster_no_longer_fits(base):
    from wfm.roster.solve import _nearest_feasible, _previous_placements, build_model

    sc, req, prev = base
    leave_day = _worked(prev, "E003", MONDAY)
    sc2 = make_scenario(time_off=(TimeOff("E003", leave_day, "leave"),))
    rm = build_model(sc2, req, pins=Pins(prev))
    previous = _previous_placements(rm)
    nearby = _nearest_feasible(rm, previous, 5.0, 1, 0)
    assert nearby is not None
    placed, _ = nearby
    e003 = rm.agent_index["E003"]
    others = {k: v[0] for k, v in placed.items() if k[0] != e003}
    assert others == {k: v[0] for k, v in previous.items() if k[0] != e003}
    assert (e003, rm.day_index[leave_day]) not in placed


def test_without_new_absences_a_high_change_weight_changes_nothing(base):
    sc, req, prev = base
    sol = solve_roster(
        sc, req, time_limit_seconds=5, workers=1, seed=0, pins=Pins(prev, change_weight=10_000)
    )
    now = _codes(assignments_from(sol.activities))
    assert {k: v[0] for k, v in now.items()} == {k: v[0] for k, v in prev.items()}
    assert "changed_shift" not in set(sol.penalties["rule"])


def test_change_weight_trades_changes_against_coverage(base):
    """Free changes re-solve from scratch; a prohibitive weight keeps a poor previous roster."""
    sc, req, _ = base
    poor = {(a.employee_id, d): ("OFF", None) for a in sc.agents for d in sc.horizon.days}
    kept = solve_roster(sc, req, time_limit_seconds=5, workers=1, seed=0, pins=Pins(poor, change_weight=1e5))
    free = solve_roster(sc, req, time_limit_seconds=5, workers=1, seed=0, pins=Pins(poor, change_weight=0))
    assert (kept.assignments[S.SHIFT_CODE] == "OFF").all()
    assert (free.assignments[S.SHIFT_CODE] != "OFF").sum() > 10


def test_pins_that_break_a_hard_rule_are_named_in_the_conflict():
    sc = make_scenario()
    req = make_requirements(sc, 1)
    seven = {("E001", d): ("D09", "retail") for d in sc.horizon.days}  # 7 days in a row, max 6
    with pytest.raises(InfeasibleRosterError) as err:
        solve_roster(
            sc,
            req,
            time_limit_seconds=10,
            workers=1,
            seed=0,
            pins=Pins(seven, agents=frozenset({"E001"}), source="prev.xlsx"),
        )
    text = " ".join(err.value.conflicts)
    assert "E001 王芳" in text
    assert f"the shifts kept from prev.xlsx on {sc.horizon.start} to {sc.horizon.end}" in text


@pytest.mark.parametrize(
    "pinned_queues, demand",
    [
        ({"E002": "card", "E004": "retail"}, {"retail": 1, "card": 1}),
        (
            {"E002": "retail", "E004": "card"},
            {"retail": 1, "card": 1},
        ),  # one of the two defies the default matching
        ({"E002": "card", "E004": "card"}, {"retail": 2, "card": 0}),  # against the demand
    ],
)
def test_queue_of_a_pinned_multi_skilled_agent_is_kept(pinned_queues, demand):
    agents = (make_agent("E002", ("retail", "card")), make_agent("E004", ("retail", "card")))
    sc = make_scenario(agents=agents)
    req = make_requirements(sc, demand)
    prev = {(eid, d): ("D09", q) for eid, q in pinned_queues.items() for d in sc.horizon.days[:3]}
    sol = solve_roster(
        sc, req, time_limit_seconds=5, workers=1, seed=0, pins=Pins(prev, until=sc.horizon.days[2])
    )
    now = _codes(assignments_from(sol.activities))
    for key, value in prev.items():
        assert now[key] == value, key
    assert check_roster(sc, sol.activities, req).ok


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    return make_workbook(tmp_path_factory.mktemp("repair"))


def test_roster_from_edited_workbook_keeps_the_edit_and_the_pins(workbook, tmp_path):
    folder, path, scenario, result = workbook
    a = result.roster.assignments
    row = a[(a[S.EMPLOYEE_ID] == "E001") & (a[S.SHIFT_CODE] != "OFF")].iloc[-1]
    day, code = row[S.DATE], row[S.SHIFT_CODE]
    other = "D12" if code == "D08" else "D08"
    wb = load_workbook(path)
    wb["Roster"][_grid_cell(wb["Roster"], "E001", day)] = other
    wb.save(tmp_path / "edited.xlsx")
    out = tmp_path / "repaired"
    r = CliRunner().invoke(
        main,
        [
            "roster",
            "--from",
            str(tmp_path / "edited.xlsx"),
            "--pin-agents",
            "E001",
            "--pin-until",
            "2026-12-08",
            "--out",
            str(out),
            "--time-limit",
            "5",
            "--workers",
            "1",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "edited.xlsx: Roster and HR_Import disagree on 1 agent-day (the Roster wins):" in r.output
    assert "check: 0 hard-rule violations" in r.output
    assert "repair: " in r.output and " agent-days pinned, " in r.output
    back = read_roster_workbook(out / "roster.xlsx", scenario)
    now = _codes(back.assignments)
    assert now["E001", day][0] == other  # the manual edit is kept
    before = _codes(result.roster.assignments)
    for (eid, d), (c, _) in before.items():
        if d <= dt.date(2026, 12, 8) or (eid == "E001" and d != day):
            assert now[eid, d][0] == c, (eid, d)
    assert CliRunner().invoke(main, ["check", str(out / "roster.xlsx")]).exit_code == 0


def test_roster_from_refuses_unknown_pins_and_pins_without_from(workbook, tmp_path):
    folder, path, _, _ = workbook
    r = CliRunner().invoke(
        main, ["roster", "--from", str(path), "--pin-agents", "E001,E999", "--out", str(tmp_path / "x")]
    )
    assert r.exit_code == 2
    assert r.output.strip() == "error: --pin-agents: E999 is not in agents.csv"
    assert not (tmp_path / "x").exists()
    r = CliRunner().invoke(main, ["roster", "--scenario", str(folder), "--pin-until", "2026-12-08"])
    assert r.exit_code == 2
    assert r.output.strip() == (
        "error: --pin-until, --pin-agents and --change-weight repair a previous roster: give it with --from"
    )


def test_roster_from_edited_workbook_keeps_an_unpinned_edit_when_changes_cost_more(workbook, tmp_path):
    """No pins, no new absences: the edited roster comes back unchanged, edit included."""
    _, path, scenario, result = workbook
    a = result.roster.assignments
    row = a[(a[S.EMPLOYEE_ID] == "E002") & (a[S.SHIFT_CODE] != "OFF") & (a[S.SHIFT_CODE] != "LEAVE")].iloc[0]
    day, code = row[S.DATE], row[S.SHIFT_CODE]
    other = "D12" if code == "D08" else "D08"
    wb = load_workbook(path)
    wb["Roster"][_grid_cell(wb["Roster"], "E002", day)] = other
    wb.save(tmp_path / "edited.xlsx")
    args = [
        "roster",
        "--from",
        str(tmp_path / "edited.xlsx"),
        "--change-weight",
        "100000",
        "--out",
        str(tmp_path / "kept.csv"),
        "--time-limit",
        "5",
        "--workers",
        "1",
    ]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert (
        "repair: 0 agent-days pinned, 0 shift(s) changed (0 forced by leave or a shift no longer possible)"
        in (r.output)
    )
    rows = pd.read_csv(tmp_path / "kept.csv", dtype=str, keep_default_na=False)
    shift = rows[(rows.employee_id == "E002") & (rows.date == str(day)) & (rows.activity == "SHIFT")]
    assert shift.shift_code.tolist() == [other]
