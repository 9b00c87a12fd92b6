"""One tiny model per rule of the contracts and sequence family: it binds, the checker sees it, conflicts are explained.

For every hard rule three things are shown:

* **binds** -- under demand that pulls the other way, the solved roster keeps
  the rule (``solve`` also runs the independent checker);
* **checked** -- the roster solved *without* the rule breaks it, and the
  checker, given the scenario *with* the rule, names that rule;
* **explained** -- pinned work that cannot coexist with the rule makes the
  solve fail with exit-code-3 wording naming the rule in the scheduler's words.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from conftest import MONDAY, make_agent, make_requirements, make_scenario

from wfm import schema as S
from wfm.check import check_roster, penalty_ledger, recompute_penalties
from wfm.roster import solve_roster
from wfm.schema import (
    Availability,
    Contract,
    InfeasibleRosterError,
    Rules,
    ShiftCover,
    ShiftTemplate,
    TimeOff,
    Weights,
)

LOOSE = Rules(min_rest_hours=8, max_consecutive_days=7, min_days_off_per_week=0, max_weekly_minutes=10_000)
NIGHT = ShiftTemplate("N22", dt.time(22), 480, 60)  # 22:00-07:00
SHIFTS = (*make_scenario().shifts, NIGHT)


def day(i: int) -> dt.date:
    return MONDAY + dt.timedelta(days=i)


def one_agent(days: int = 7, *, rules: Rules = LOOSE, contract: int = 10_000, **kw) -> S.Scenario:
    agent = make_agent("E001", ("retail",), name="王芳", contract=contract)
    return make_scenario(agents=[agent], queues=("retail",), days=days, rules=rules, shifts=SHIFTS, **kw)


def demand(hours: range, days: set[int] | None = None, level: float = 1.0):
    def f(q, ds):
        d = (ds.date() - MONDAY).days
        return level if ds.hour in hours and (days is None or d in days) else 0

    return f


def solve(sc, req, **kw):
    kw.setdefault("time_limit_seconds", 10)
    kw.setdefault("workers", 1)
    sol = solve_roster(sc, req, **kw)
    assert check_roster(sc, sol.activities, req).violations == []
    return sol


def grid(sol) -> dict[dt.date, str]:
    a = sol.assignments
    return dict(zip(a[S.DATE], a[S.SHIFT_CODE], strict=True))


def pin(*pins: tuple[int, str], eid: str = "E001"):
    """An extra rule unit pinning ``eid`` to ``code`` (or ``"work"`` / ``"off"``) on day offsets."""

    def unit(rm):
        a = rm.agent_index[eid]
        for d, code in pins:
            if code == "off":
                ct, what = rm.model.add(rm.works[a, d] == 0), f"is pinned off on {rm.days[d]}"
            elif code == "work":
                ct, what = rm.model.add(rm.works[a, d] == 1), f"is pinned to work on {rm.days[d]}"
            else:
                ct, what = rm.model.add(rm.y[a, d, rm.shift_index[code]] == 1), f"is pinned to {code} on {rm.days[d]}"
            rm.hard(ct, f"pin{d}", rm.agents[a], what)
        return []

    return unit


def explain(sc, req, *pins) -> str:
    with pytest.raises(InfeasibleRosterError) as err:
        solve_roster(sc, req, extra_rules=[pin(*pins)], time_limit_seconds=10, workers=1)
    return " ".join(err.value.conflicts)


def broken_without(sc_with, rule_off: dict, req) -> set[str]:
    """Rules the checker finds broken, under ``sc_with``, in the roster solved with ``rule_off`` applied."""
    sc_without = dataclasses.replace(sc_with, **rule_off)
    sol = solve(sc_without, req)
    return {v.rule for v in check_roster(sc_with, sol.activities, req).violations}


# ---------------------------------------------------------------------------
# Runs of work and of days off
# ---------------------------------------------------------------------------
def test_min_consecutive_days():
    rules = dataclasses.replace(LOOSE, min_consecutive_days=3)
    sc = one_agent(rules=rules, weights=Weights(over_agent_interval=200, contract_shortfall_hour=0))
    req = make_requirements(sc, demand(range(9, 17), {1, 3, 5}))
    g = grid(solve(sc, req))
    runs = "".join("W" if g[day(i)] != "OFF" else "." for i in range(7))
    inner = [r for r in runs[1:-1].split(".") if r]  # runs touching the horizon's edges are exempt
    assert "W" in runs and all(len(r) >= 3 for r in inner[1:-1] if r)
    for start in range(1, 6):
        if runs[start - 1] == "." and runs[start] == "W":
            assert runs[start:start + 3] == "WWW" or "." not in runs[start:]
    assert "min_consecutive_days" in broken_without(sc, {"rules": LOOSE}, req)
    text = explain(sc, req, (2, "off"), (3, "work"), (4, "off"))
    assert "at least 3 consecutive working days" in text


def test_min_consecutive_days_off():
    rules = dataclasses.replace(LOOSE, min_consecutive_days_off=2, min_days_off_per_week=1)
    sc = one_agent(rules=rules)
    req = make_requirements(sc, demand(range(8, 20), {0, 1, 2, 4, 5, 6}, level=2))
    g = grid(solve(sc, req))
    assert g[day(3)] != "OFF" or g[day(2)] == "OFF" or g[day(4)] == "OFF"
    assert "min_consecutive_days_off" in broken_without(sc, {"rules": dataclasses.replace(rules, min_consecutive_days_off=1)}, req)
    assert "at least 2 days off in a row" in explain(sc, req, (2, "work"), (3, "off"), (4, "work"))


def test_days_off_pair_per_week():
    rules = dataclasses.replace(LOOSE, days_off_pair_per_week=True, min_days_off_per_week=2)
    sc = one_agent(rules=rules)
    req = make_requirements(sc, demand(range(8, 20), {0, 2, 3, 5, 6}, level=2))
    g = grid(solve(sc, req))
    offs = [g[day(i)] == "OFF" for i in range(7)]
    assert any(a and b for a, b in zip(offs, offs[1:], strict=False))
    assert "days_off_pair" in broken_without(sc, {"rules": dataclasses.replace(rules, days_off_pair_per_week=False)}, req)
    text = explain(sc, req, *[(d, "work") for d in (1, 3, 5)])
    assert "two consecutive days off every week" in text


# ---------------------------------------------------------------------------
# Weekends, late and night shifts, successions
# ---------------------------------------------------------------------------
def test_max_working_weekends():
    rules = dataclasses.replace(LOOSE, max_working_weekends=1)
    sc = one_agent(days=14, rules=rules)
    req = make_requirements(sc, demand(range(8, 20), {5, 6, 12, 13}, level=2))
    g = grid(solve(sc, req))
    assert sum(any(g[day(d)] != "OFF" for d in wk) for wk in ((5, 6), (12, 13))) == 1
    assert "working_weekends" in broken_without(sc, {"rules": LOOSE}, req)
    assert "at most 1 working weekends" in explain(sc, req, (5, "work"), (13, "work"))


@pytest.mark.parametrize(("family", "code", "key", "hours"), [
    ("late", "L14", "max_late_shifts_per_week", range(20, 23)),
    ("night", "N22", "max_night_shifts_per_week", range(0, 6)),
])
def test_max_late_and_night_shifts_per_week(family, code, key, hours):
    rules = dataclasses.replace(LOOSE, **{key: 2})
    sc = one_agent(rules=rules)
    req = make_requirements(sc, demand(hours, level=2))
    g = grid(solve(sc, req))
    assert sum(c == code for c in g.values()) == 2
    assert f"{family}_shifts_per_week" in broken_without(sc, {"rules": LOOSE}, req)
    assert f"at most 2 {family} shifts a week" in explain(sc, req, (0, code), (2, code), (4, code))


def test_forbidden_succession():
    rules = dataclasses.replace(LOOSE, forbidden_successions=(("E07", "L14"),))
    sc = one_agent(rules=rules)
    req = make_requirements(sc, lambda q, ds: 2 if ((ds.date() - MONDAY).days % 2 == 0) == (ds.hour < 12) else 0)
    g = grid(solve(sc, req))
    assert not any(g[day(i)] == "E07" and g[day(i + 1)] == "L14" for i in range(6))
    assert "forbidden_succession" in broken_without(sc, {"rules": LOOSE}, req)
    assert "no L14 the day after E07" in explain(sc, req, (2, "E07"), (3, "L14"))


# ---------------------------------------------------------------------------
# Availability and unavailable days
# ---------------------------------------------------------------------------
def test_availability_windows():
    weekdays = tuple(Availability("E001", wd, None, 9 * 60, 18 * 60) for wd in range(5))
    sc = dataclasses.replace(one_agent(), availability=weekdays)
    req = make_requirements(sc, demand(range(7, 9), level=2))  # only the 07:00 shift covers this
    g = grid(solve(sc, req))
    assert all(g[day(i)] in ("D09", "P10", "OFF") for i in range(5)) and g[day(5)] == g[day(6)] == "OFF"
    assert "availability" in broken_without(sc, {"availability": ()}, req)
    assert "available only 09:00-18:00 on Mondays" in explain(sc, req, (0, "E07"))


def test_a_dated_window_replaces_the_weekday_window():
    rows = (Availability("E001", 0, None, 9 * 60, 18 * 60), Availability("E001", None, day(0), 0, 24 * 60))
    sc = dataclasses.replace(one_agent(), availability=rows)
    req = make_requirements(sc, demand(range(7, 9), level=2))
    g = grid(solve(sc, req))
    assert g[day(0)] == "E07"  # the date's own row allows the early shift that Monday


def test_unavailable_day():
    sc = one_agent(time_off=[TimeOff("E001", day(2), "unavailable")])
    req = make_requirements(sc, demand(range(8, 20), level=2))
    sol = solve(sc, req)
    assert grid(sol)[day(2)] == "OFF"  # shown as a day off, not paid leave
    assert "unavailable" in broken_without(sc, {"time_off": ()}, req)
    assert "unavailable on 2026-12-09" in explain(sc, req, (2, "work"))


# ---------------------------------------------------------------------------
# Contracts: per-agent overrides, minutes over the horizon and per week, shift caps
# ---------------------------------------------------------------------------
def with_contract(sc: S.Scenario, contract: Contract) -> S.Scenario:
    agents = tuple(dataclasses.replace(a, contract=contract.name) for a in sc.agents)
    return dataclasses.replace(sc, agents=agents, contracts={contract.name: contract})


def test_contract_overrides_the_rules_for_its_agents():
    sc = with_contract(one_agent(), Contract("part", max_consecutive_days=2))
    req = make_requirements(sc, demand(range(8, 20), level=2))
    g = grid(solve(sc, req))
    runs = "".join("W" if g[day(i)] != "OFF" else "." for i in range(7))
    assert max(len(r) for r in runs.split(".")) == 2
    assert "consecutive_days" in broken_without(sc, {"contracts": {}}, req)


def test_contract_minimum_and_maximum_minutes_over_the_horizon():
    idle = Weights(over_agent_interval=50, contract_shortfall_hour=0)
    sc = with_contract(one_agent(weights=idle), Contract("c", min_horizon_minutes=3 * 480, max_horizon_minutes=4 * 480))
    g = grid(solve(sc, make_requirements(sc, 0)))
    assert sum(c != "OFF" for c in g.values()) == 3  # works the minimum though nobody is needed
    busy = make_requirements(sc, demand(range(8, 20), level=2))
    assert sum(c != "OFF" for c in grid(solve(sc, busy)).values()) == 4  # and no more than the maximum
    assert "min_horizon_minutes" in broken_without(sc, {"contracts": {}}, make_requirements(sc, 0))
    assert "at least the contract's 24 paid hours" in explain(sc, busy, *[(d, "off") for d in range(5)])


def test_contract_caps_a_shift_code():
    sc = with_contract(one_agent(), Contract("c", max_shifts=(("L14", 1),)))
    req = make_requirements(sc, demand(range(18, 23), level=2))
    assert sum(c == "L14" for c in grid(solve(sc, req)).values()) == 1
    assert "max_shifts" in broken_without(sc, {"contracts": {}}, req)
    assert "at most 1 L14 shifts" in explain(sc, req, (0, "L14"), (3, "L14"))


def test_min_weekly_minutes():
    rules = dataclasses.replace(LOOSE, min_weekly_minutes=3 * 480)
    sc = one_agent(rules=rules, weights=Weights(over_agent_interval=50, contract_shortfall_hour=0))
    req = make_requirements(sc, 0)
    assert sum(c != "OFF" for c in grid(solve(sc, req)).values()) == 3
    assert "min_weekly_minutes" in broken_without(sc, {"rules": LOOSE}, req)
    assert "at least 24 paid hours a week" in explain(sc, req, *[(d, "off") for d in range(5)])


# ---------------------------------------------------------------------------
# Soft rules: shift-off requests with their own weight, cover by day and shift,
# fairness and stable start times -- priced identically by the model and the checker
# ---------------------------------------------------------------------------
def test_shift_off_request_with_its_own_weight():
    asks = [TimeOff("E001", day(1), "shift_off_request", "D09", weight=500.0)]
    sc = one_agent(time_off=asks)
    req = make_requirements(sc, demand(range(9, 18), level=1))
    sol = solve(sc, req)
    assert grid(sol)[day(1)] != "D09"  # 500 outweighs the coverage D09 would add that day
    cheap = one_agent(time_off=[dataclasses.replace(asks[0], weight=1.0)])
    sol = solve(cheap, req)
    assert grid(sol)[day(1)] == "D09"
    ledger = penalty_ledger(cheap, sol.activities, req)
    assert ledger.loc[ledger["rule"] == "shift_off_request", "cost"].tolist() == [1.0]


def test_cover_by_day_and_shift():
    agents = [make_agent(f"E00{i}", ("retail",)) for i in range(1, 5)]
    cover = (ShiftCover(day(0), "D09", 3, 100.0, 10.0), ShiftCover(day(1), "L14", 1, 100.0, 10.0))
    weights = Weights(short_agent_interval=0, over_agent_interval=0, contract_shortfall_hour=0, start_time_variety=0,
                      weekend_spread=0, late_spread=0, shortfall_spread_hour=0)
    sc = dataclasses.replace(
        make_scenario(agents=agents, queues=("retail",), days=2, rules=LOOSE, weights=weights), shift_cover=cover
    )
    req = make_requirements(sc, 0)
    sol = solve(sc, req)
    a = sol.assignments
    assert (a[(a[S.DATE] == day(0))][S.SHIFT_CODE] == "D09").sum() == 3
    assert (a[(a[S.DATE] == day(1))][S.SHIFT_CODE] == "L14").sum() == 1
    assert sol.info.objective == pytest.approx(0)
    assert recompute_penalties(sc, sol.activities, req) == pytest.approx(0)


def test_weekends_are_shared_evenly_between_comparable_agents():
    agents = [make_agent("E001", ("retail",)), make_agent("E002", ("retail",))]
    sc = make_scenario(agents=agents, queues=("retail",), days=14, rules=LOOSE,
                       weights=Weights(contract_shortfall_hour=0, over_agent_interval=1, weekend_spread=200))
    req = make_requirements(sc, demand(range(9, 18), {5, 6, 12, 13}, level=1))
    sol = solve(sc, req)
    ledger = penalty_ledger(sc, sol.activities, req)
    assert "weekend_spread" not in set(ledger["rule"])  # one weekend each
    assert sol.penalties["cost"].sum() == pytest.approx(ledger["cost"].sum())


def test_a_second_start_time_in_a_week_is_priced():
    sc = one_agent(days=7, weights=Weights(start_time_variety=7, contract_shortfall_hour=0, over_agent_interval=0))
    req = make_requirements(sc, lambda q, ds: 3 if ((ds.date() - MONDAY).days < 3) == (9 <= ds.hour < 17) else 0)
    sol = solve(sc, req)
    starts = {c for c in grid(sol).values() if c != "OFF"}
    ledger = penalty_ledger(sc, sol.activities, req)
    extra = ledger.loc[ledger["rule"] == "start_time_variety", "amount"].sum()
    assert extra == len(starts) - 1 >= 1  # coverage is worth more than stability here, and it is charged
    assert sol.penalties["cost"].sum() == pytest.approx(ledger["cost"].sum())
