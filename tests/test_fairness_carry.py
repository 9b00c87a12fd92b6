"""Fairness across months: burden carried from earlier rosters evens out in this month's roster."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from conftest import MONDAY, make_agent, make_requirements, make_scenario

from wfm import schema as S
from wfm.check import penalty_ledger, recompute_penalties
from wfm.roster import solve_roster
from wfm.roster.rules.fairness import carried, public_holidays, rolling_totals
from wfm.schema import ShiftTemplate, SolverSettings

# one 8-hour shift without lunch (09:00-17:00) and one agent needed 09:00-17:00 every day: each day needs
# exactly one of the two agents, so who works the weekends is decided by the fairness terms alone
DAY = (ShiftTemplate("D09", dt.time(9), paid_minutes=480, unpaid_minutes=0),)
SOLVER = SolverSettings(time_limit_seconds=20.0, workers=1, seed=0)


def _scenario(history: dict[str, dict[str, int]] | None, *, start: dt.date = MONDAY, days: int = 14, **kw):
    sc = make_scenario(
        agents=(make_agent("E001"), make_agent("E002")),  # identical: same skills and contract
        shifts=DAY,
        queues=("retail",),
        start=start,
        days=days,
        solver=SOLVER,
    )
    if history is not None:
        frame = pd.DataFrame(
            [
                (e, 1, h.get("weekends", 0), h.get("holidays", 0), h.get("late_shifts", 0))
                for e, h in history.items()
            ],
            columns=list(S.FAIRNESS_HISTORY_COLUMNS),
        )
        sc = dataclasses.replace(sc, fairness_history=frame)
    return dataclasses.replace(sc, **kw)


def _demand(queue: str, ds: pd.Timestamp) -> float:
    return 1.0 if 9 <= ds.hour < 17 else 0.0


def _weekends_worked(sol: S.RosterSolution) -> dict[str, int]:
    a = sol.assignments
    worked = a[(a[S.SHIFT_CODE] == "D09") & a[S.DATE].map(lambda d: d.weekday() >= 5)]
    counts = worked.groupby(S.EMPLOYEE_ID)[S.DATE].agg(lambda days: len({d.isocalendar()[:2] for d in days}))
    return {e: int(counts.get(e, 0)) for e in ("E001", "E002")}


@pytest.mark.parametrize("busy", ["E001", "E002"])
def test_an_agent_who_worked_every_weekend_last_month_gets_fewer_weekends(busy):
    """Acceptance (issue 10): the agent who worked all 4 weekends of last month works fewer weekends now."""
    other = "E002" if busy == "E001" else "E001"
    sc = _scenario({busy: {"weekends": 4}, other: {"weekends": 0}})
    req = make_requirements(sc, _demand)
    sol = solve_roster(sc, req)
    assert sol.info.status == "OPTIMAL"
    weekends = _weekends_worked(sol)
    assert weekends[busy] < weekends[other]
    assert weekends == {busy: 0, other: 2}
    # the ledger prices the rolling spread: (4 + 0) - (0 + 2)
    spread = sol.penalties[sol.penalties["rule"] == "weekend_spread"]
    assert spread["amount"].tolist() == [2]
    # the independent checker recomputes the same figures, carried weekends included
    assert sol.penalties["cost"].sum() == pytest.approx(sol.info.objective, abs=1e-6)
    assert recompute_penalties(sc, sol.activities, req) == pytest.approx(sol.info.objective, abs=1e-6)
    checked = penalty_ledger(sc, sol.activities, req)
    assert checked.loc[checked["rule"] == "weekend_spread", "amount"].tolist() == [2]


def test_without_history_the_two_share_weekends_and_the_checker_prices_the_carry():
    """No history: the identical agents work as many weekends each; carried weekends then widen the spread."""
    sc = _scenario(None)
    req = make_requirements(sc, _demand)
    sol = solve_roster(sc, req)
    weekends = _weekends_worked(sol)
    assert weekends["E001"] == weekends["E002"]
    carry = _scenario({"E001": {"weekends": 4}})
    plain = recompute_penalties(sc, sol.activities, req)
    assert plain == pytest.approx(sol.info.objective, abs=1e-6)
    # the same roster, with 4 weekends carried by E001: the spread is 4 weekends wider
    assert recompute_penalties(carry, sol.activities, req) - plain == pytest.approx(
        4 * sc.weights.weekend_spread
    )


@pytest.mark.parametrize("busy", ["E001", "E002"])
def test_public_holidays_worked_carry_over_too(busy):
    """A week with New Year's Day (CN): the agent with holidays carried does not work it; the other does."""
    other = "E002" if busy == "E001" else "E001"
    start = dt.date(2026, 12, 28)  # Monday; 2027-01-01 is a Friday
    sc = _scenario({busy: {"holidays": 3}}, start=start, days=7, country="CN")
    assert dt.date(2027, 1, 1) in public_holidays(sc)
    req = make_requirements(sc, _demand)
    sol = solve_roster(sc, req)
    a = sol.assignments.set_index([S.EMPLOYEE_ID, S.DATE])[S.SHIFT_CODE]
    new_year = [d for d in public_holidays(sc) if d.weekday() < 5]
    assert new_year
    assert all(a[busy, d] != "D09" for d in new_year)
    assert all(a[other, d] == "D09" for d in new_year)
    assert recompute_penalties(sc, sol.activities, req) == pytest.approx(sol.info.objective, abs=1e-6)
    totals = rolling_totals(sc, sol.assignments).set_index(S.EMPLOYEE_ID)
    assert totals.loc[busy, "carried_holidays"] == 3
    assert (totals["rolling_holidays"] == totals["carried_holidays"] + totals["month_holidays"]).all()


def test_a_bad_history_row_is_named():
    sc = _scenario({"E001": {"weekends": 4}})
    bad = sc.fairness_history.assign(weekends=[-1])
    with pytest.raises(
        S.InputError, match=r"fairness_history row 1 \(E001\): weekends '-1' is not a whole number"
    ):
        carried(dataclasses.replace(sc, fairness_history=bad))
