"""Intraday placement: optimised (wfm.roster.breaks) beside naive fixed offsets, on the same roster; the rule-cost ledger.

Solves the demo's month (its [[breaks]] rules, wellbeing, onboarding, mentoring and training on) with a short
time limit, then prices two placements of the breaks, lunches and activities inside exactly the same shifts
(the sessions at the same times in both):

* naive: every block at a fixed offset from the shift start (the blocks evenly spread over the shift, the lunch
  in the middle: two breaks and a lunch in a 9-hour shift at about start + 2 h, mid-shift and end - 2.5 h; the
  earliest placement keeping the rule where that would break it, e.g. a lunch window);
* optimised: the placement stage of ``solve_roster`` (CP-SAT against per-interval coverage).

Onboarding and recovery blocks take their earliest allowed place in the naive placement.

It prints short agent-intervals (gross requirement minus agents on the phone, summed over queue-intervals where
positive, recomputed from the HR_Import rows by the independent checker), the coverage cost, the checker's
violations and the placement stage's time, then the demo's penalty ledger by rule, then the rule-cost
ledger: what each family (breaks, wellbeing, training, mentoring) costs in short agent-intervals and predicted
service level, measured on the same roster with the family's off-phone time given back to the phone
(``wfm.evaluate.family_costs``), and what the continuous-phone cap costs, measured by re-solving the
placement stage without it.

    python benchmarks/intraday.py [--scenario inputs/demo] [--time-limit 60] [--workers 2] [--seed 7]
        [--bound-seconds 120]

Then what any placement could reach inside the same shifts: the floor (every block given back to the phone) and
the placement that minimises short agent-intervals itself, whose CP-SAT bound is a proven lower bound for every
placement of the same blocks (``--bound-seconds``).

Goal (issue #6): at least 30% fewer short agent-intervals than the naive placement.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from wfm import schema as S
from wfm.check import check_roster
from wfm.io import load_scenario
from wfm.pipeline import run_forecast, run_staffing
from wfm.roster import solve_roster
from wfm.roster.breaks import Grid, place_breaks, works_of
from wfm.roster.intraday import with_activities
from wfm.roster.shifts import wall_clock

ROOT = Path(__file__).resolve().parents[1]
OFF_PHONE = ("BREAK", "LUNCH", "TRAINING", "MENTORING", "WELLBEING")


def short_agent_intervals(scenario, activities, requirements) -> float:
    cov = check_roster(scenario, activities, requirements).coverage
    return float((cov[S.REQUIRED] - cov[S.SCHEDULED]).clip(lower=0).sum())


def with_blocks(scenario: S.Scenario, activities: pd.DataFrame, blocks) -> pd.DataFrame:
    """``activities`` with every off-phone row replaced by ``blocks[(employee_id, date)]``."""
    tz = scenario.horizon.timezone
    keep = activities[~activities[S.ACTIVITY].isin(OFF_PHONE)]
    shifts = keep[keep[S.ACTIVITY] == "SHIFT"]
    templates = {s.code: s for s in scenario.shifts}
    rows = []
    for eid, day, code in zip(shifts[S.EMPLOYEE_ID], shifts[S.DATE], shifts[S.SHIFT_CODE], strict=True):
        start = templates[code].start_minute
        for b in blocks.get((eid, day), ()):
            at = start + b.offset_minutes
            rows.append(
                (eid, day, b.activity, wall_clock(day, at, tz), wall_clock(day, at + b.minutes, tz), b.minutes,
                 b.paid, None, code, b.detail)
            )  # fmt: skip
    added = pd.DataFrame(rows, columns=list(S.HR_IMPORT_COLUMNS))
    return pd.concat([keep, added], ignore_index=True).sort_values(
        [S.EMPLOYEE_ID, S.DATE, S.START], kind="stable"
    )


def session_days(scenario: S.Scenario, sol: S.RosterSolution) -> dict[str, int]:
    """The day index of every session the solved roster placed."""
    if sol.meetings is None or sol.meetings.empty:
        return {}
    index = {d: i for i, d in enumerate(scenario.horizon.days)}
    return {m: index[d] for m, d in zip(sol.meetings[S.MEETING_ID], sol.meetings[S.DATE], strict=True)}


def kpis(scenario, forecast, requirements, activities) -> tuple[float, dict[str, float]]:
    """Short agent-intervals and predicted service level per queue (and all) of HR_Import rows."""
    from wfm.evaluate import ALL_QUEUES, _aggregate, coverage_frame

    cov = check_roster(scenario, activities, requirements).coverage
    sched = cov[[S.QUEUE, S.DS, S.SCHEDULED]]
    frame = coverage_frame(scenario, forecast, requirements, sched)
    iv = scenario.horizon.interval_minutes
    per = pd.concat(
        [_aggregate(frame, [S.QUEUE], iv), _aggregate(frame.assign(**{S.QUEUE: ALL_QUEUES}), [S.QUEUE], iv)]
    )
    short = float((cov[S.REQUIRED] - cov[S.SCHEDULED]).clip(lower=0).sum())
    return short, dict(zip(per[S.QUEUE], per[S.SERVICE_LEVEL], strict=True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default=str(ROOT / "inputs" / "demo"))
    ap.add_argument("--time-limit", type=float, default=60.0, help="roster time limit, seconds (both stages)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--bound-seconds", type=float, default=120.0,
        help="time for the placement that minimises short agent-intervals itself (its bound is the floor of "
        "every placement)",
    )  # fmt: skip
    args = ap.parse_args()

    scenario = load_scenario(Path(args.scenario))
    if not scenario.break_rules:
        raise SystemExit(f"{args.scenario}: scenario.toml has no [[breaks]] rules")
    t0 = time.perf_counter()
    forecast = run_forecast(scenario)
    requirements = run_staffing(scenario, forecast)
    print(f"forecast and staffing: {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    sol = solve_roster(
        scenario, requirements, time_limit_seconds=args.time_limit, workers=args.workers, seed=args.seed
    )
    wall = time.perf_counter() - t0
    info, placed = sol.info, sol.placement
    print(
        f"roster: {wall:.1f} s in all; shifts {info.status}, objective {info.objective:,.0f} (lunch at its planned "
        f"place, no breaks), bound {info.bound:,.0f}, gap {100 * info.gap:.2f}%, {info.wall_seconds:.1f} s"
    )
    print(
        f"placement stage: {placed.status}, {placed.blocks:,} breaks and lunches in {placed.models} models, "
        f"{placed.wall_seconds:.1f} s; roster cost {placed.objective:,.0f}, bound {placed.bound:,.0f} "
        f"(gap {100 * placed.gap:.2f}%)"
    )

    # naive: the same shifts, every block at its fixed offset
    works = works_of(scenario, sol.assignments, sol.activities)
    grid = Grid.of_scenario(scenario, requirements)
    t0 = time.perf_counter()
    works, _ = with_activities(scenario, grid, works, session_days(scenario, sol))
    naive = place_breaks(scenario, grid, works, time_limit_seconds=1, optimise=False)
    naive_seconds = time.perf_counter() - t0
    naive_rows = with_blocks(scenario, sol.activities, naive.blocks)

    rows = []
    for name, acts, seconds in (
        ("naive fixed offsets", naive_rows, naive_seconds),
        ("optimised (CP-SAT)", sol.activities, placed.wall_seconds),
    ):
        report = check_roster(scenario, acts, requirements)
        cov = report.coverage
        short = float((cov[S.REQUIRED] - cov[S.SCHEDULED]).clip(lower=0).sum())
        short_intervals = int(((cov[S.REQUIRED] - cov[S.SCHEDULED]) > 1e-9).sum())
        rows.append((name, short, short_intervals, len(report.violations), seconds))
    cost = {"naive fixed offsets": naive.objective, "optimised (CP-SAT)": placed.objective - _others(sol)}

    print()
    print(f"{'placement':<22} {'short agent-int':>15} {'short intervals':>15} {'coverage cost':>13} "
          f"{'violations':>10} {'time s':>7}")  # fmt: skip
    for name, short, n_short, violations, seconds in rows:
        print(
            f"{name:<22} {short:>15,.1f} {n_short:>15,} {cost[name]:>13,.0f} {violations:>10} {seconds:>7.1f}"
        )
    base, best = rows[0][1], rows[1][1]
    change = (base - best) / base if base else 0.0
    verdict = "met" if change >= 0.30 else "NOT met"
    print(f"short agent-intervals: {100 * change:.1f}% fewer than naive (goal >= 30%: {verdict})")
    reachable(scenario, requirements, sol, grid, works, base, best, args)

    print()
    print("penalty ledger of the demo (optimised placement), by rule:")
    ledger = sol.penalties.groupby(["rule", "unit"], as_index=False).agg(
        amount=("amount", "sum"), cost=("cost", "sum")
    )
    for r in ledger.itertuples(index=False):
        print(f"  {r.rule:<22} {r.amount:>12,.1f} {r.unit:<12} {r.cost:>12,.0f}")
    print(f"  {'total':<22} {'':>12} {'':<12} {ledger['cost'].sum():>12,.0f}")

    from wfm.evaluate import ALL_QUEUES, FAMILY_METHOD, family_costs

    print()
    print(f"rule-cost ledger (method: {FAMILY_METHOD}):")
    fam = family_costs(scenario, forecast, requirements, sol)
    print(f"  {'family':<10} {'queue':<14} {'off-phone h':>11} {'short a-i':>10} {'SL pp':>7}")
    for r in fam.itertuples(index=False):
        print(
            f"  {r.family:<10} {r.queue:<14} {r.off_phone_hours:>11,.1f} {r.cost_short_agent_intervals:>10,.1f} "
            f"{r.cost_service_level_pp:>7.2f}"
        )
    cap = scenario.wellbeing.max_continuous_phone_minutes
    if cap:
        import dataclasses

        free = dataclasses.replace(
            scenario, wellbeing=dataclasses.replace(scenario.wellbeing, max_continuous_phone_minutes=None)
        )
        works_free, _ = with_activities(
            free, grid, works_of(free, sol.assignments, sol.activities), session_days(free, sol)
        )
        t0 = time.perf_counter()
        uncapped = place_breaks(
            free,
            grid,
            works_free,
            time_limit_seconds=placed.wall_seconds,
            workers=args.workers,
            seed=args.seed,
        )
        acts_free = with_blocks(free, sol.activities, uncapped.blocks)
        short_cap, sl_cap = kpis(scenario, forecast, requirements, sol.activities)
        short_free, sl_free = kpis(free, forecast, requirements, acts_free)
        print()
        print(
            f"the {cap}-minute continuous-phone cap (method: placement re-solved without it, same shifts, "
            f"{time.perf_counter() - t0:.1f} s):"
        )
        for q in sorted(sl_cap, key=lambda q: (q == ALL_QUEUES, q)):
            print(f"  {q:<14} predicted SL {100 * sl_cap[q]:.2f}% with the cap, {100 * sl_free[q]:.2f}% without: "
                  f"costs {100 * (sl_free[q] - sl_cap[q]):.2f} pp")  # fmt: skip
        print(f"  short agent-intervals {short_cap:,.1f} with the cap, {short_free:,.1f} without")


def reachable(scenario, requirements, sol, grid, works, naive: float, optimised: float, args) -> None:
    """What any placement could reach inside these shifts: the floor and a proven lower bound.

    * floor: every break, lunch and activity given back to the phone (the shifts alone); no placement can
      be short less than that;
    * best placement: the placement stage re-solved with short agent-intervals themselves as the objective
      (every agent short costs the same, over-staffing is free), for ``--bound-seconds``; its CP-SAT bound
      is a lower bound on the short agent-intervals of *every* placement of the same blocks in the same
      shifts, so ``1 - bound / naive`` is the most any placement could improve on the naive one.
    """
    import dataclasses

    import wfm.roster.rules.coverage as coverage

    shifts_only = sol.activities[~sol.activities[S.ACTIVITY].isin(OFF_PHONE)]
    floor = short_agent_intervals(scenario, shifts_only, requirements)
    flat = dataclasses.replace(
        scenario,
        weights=dataclasses.replace(scenario.weights, short_agent_interval=1.0, over_agent_interval=0.0),
    )
    saved = coverage.TIER_FACTORS
    coverage.TIER_FACTORS = (1.0, 1.0, 1.0)  # the benchmark's own measure: agent-intervals short, unweighted
    try:
        t0 = time.perf_counter()
        best = place_breaks(
            flat, grid, works, time_limit_seconds=args.bound_seconds, workers=args.workers, seed=args.seed
        )
        seconds = time.perf_counter() - t0
    finally:
        coverage.TIER_FACTORS = saved
    reached = short_agent_intervals(
        scenario, with_blocks(scenario, sol.activities, best.blocks), requirements
    )
    print()
    print("what any placement could reach inside the same shifts (same blocks, same sessions):")
    print(f"  floor, no break, lunch or activity at all:          {floor:>9,.1f} short agent-intervals")
    print(f"  placement minimising short agent-intervals itself:  {reached:>9,.1f} "
          f"({best.status}, {seconds:.0f} s; {100 * (naive - reached) / naive:.1f}% fewer than naive)")  # fmt: skip
    print(f"  proven lower bound for every placement:            {best.bound:>9,.1f} "
          f"(at most {100 * (naive - best.bound) / naive:.1f}% fewer than naive)")  # fmt: skip
    print(f"  what the blocks add over the floor: naive {naive - floor:,.1f}, optimised {optimised - floor:,.1f} "
          f"({100 * (1 - (optimised - floor) / (naive - floor)):.1f}% less)")  # fmt: skip


def _others(sol: S.RosterSolution) -> float:
    """The non-coverage part of the ledger (the same for both placements)."""
    p = sol.penalties
    return float(p.loc[~p["rule"].isin(("coverage_short", "coverage_over")), "cost"].sum())


if __name__ == "__main__":
    main()
