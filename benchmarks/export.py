"""Benchmark: write the roster workbook for a 300-agent month with intraday rows.

    python benchmarks/export.py [--agents 300] [--seed 2026] [--warm-seconds 10] [--repeat 1] [--keep DIR]

The scenario is ``wfm demo``'s generator at the given size (December 2026,
30-minute intervals, three queues).  To time export and nothing else, the
inputs are made fast: the forecast is the generator's own expected volume (a
perfect forecast, no prophet fit), and the roster is the greedy + local-search
warm start of ``wfm.roster.warmstart`` stopped after ``--warm-seconds`` (it keeps
every hard rule; CP-SAT is not run).  When the roster has no intraday rows of
its own, two 15-minute BREAK rows per shift and a 60-minute TRAINING row per new
hire and week are added, so the HR_Import and Intraday sheets have the size a
roster with breaks has.

Printed: the size of each sheet, then the time to write the workbook alone and
the whole run folder without plots (workbook, CSVs, summary.json) beside the
goal of 20 s on 2 cores, and the baseline from the same run: the same table
sheets written the plain openpyxl way (a write-only workbook, one cell object
per value, as ``wfm.export`` did before it rendered rows itself); skip it with
``--no-baseline``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from wfm import demo
from wfm import schema as S
from wfm.evaluate import evaluate
from wfm.export import RunFolder, hr_import_frame, intraday_frame, write_run, write_workbook
from wfm.io import load_scenario
from wfm.pipeline import RunResult, run_staffing
from wfm.roster.output import ACTIVITY_ORDER, roster_frames
from wfm.roster.penalties import ledger_frame
from wfm.roster.solve import add_hint, build_model
from wfm.roster.warmstart import starting_roster

GOAL_SECONDS = 20.0


def hinted_value(rm):
    """Evaluate a model expression at the warm start's hinted values (unhinted variables count 0)."""
    from ortools.sat.python import cp_model_helper

    def value(expr) -> int:
        if isinstance(expr, int):
            return expr
        flat = cp_model_helper.FlatIntExpr(expr)
        return flat.offset + sum(
            c * rm.hint_values.get(v.index, 0) for v, c in zip(flat.vars, flat.coeffs, strict=True)
        )

    return value


def perfect_forecast(scenario: S.Scenario) -> pd.DataFrame:
    """The generator's expected volume on every interval of the horizon (closed intervals 0)."""
    h = scenario.horizon
    truth = demo.expected_volume(h.start, h.end, interval_minutes=h.interval_minutes)
    index = h.interval_index()
    frames = []
    for q in scenario.queues:
        sub = truth[truth["queue"] == q.name].set_index("interval_start")
        grid = pd.DataFrame({S.QUEUE: q.name, S.DS: index})
        naive = index.tz_localize(None)
        grid[S.YHAT] = sub["offered"].reindex(naive).fillna(0.0).to_numpy()
        grid[S.AHT_SECONDS] = sub["aht_seconds"].reindex(naive).fillna(sub["aht_seconds"].mean()).to_numpy()
        frames.append(grid)
    fc = pd.concat(frames, ignore_index=True)
    fc[S.YHAT_LOWER] = fc[S.YHAT] * 0.9
    fc[S.YHAT_UPPER] = fc[S.YHAT] * 1.1
    return fc[list(S.FORECAST_COLUMNS)]


def with_intraday_rows(activities: pd.DataFrame, scenario: S.Scenario) -> pd.DataFrame:
    """Add BREAK rows (2 x 15 min per shift) and weekly TRAINING for new hires, if the roster has none."""
    if activities[S.ACTIVITY].isin(["BREAK", "TRAINING", "MENTORING", "WELLBEING"]).any():
        return activities
    new_hires = {a.employee_id for a in scenario.agents if a.role == "new_hire"}
    shifts = activities[activities[S.ACTIVITY] == "SHIFT"]
    lunches = activities[activities[S.ACTIVITY] == "LUNCH"].set_index([S.EMPLOYEE_ID, S.DATE])
    rows = []
    quarter = pd.Timedelta(minutes=15)
    for r in shifts.itertuples(index=False):
        eid, day, start, end = r.employee_id, r.date, r.start, r.end
        lunch = lunches.loc[(eid, day)] if (eid, day) in lunches.index else None
        first = start + pd.Timedelta(hours=2)
        second = (lunch[S.END] if lunch is not None else start + pd.Timedelta(hours=4)) + pd.Timedelta(
            hours=2
        )
        for b in (first, second):
            if b + quarter <= end:
                rows.append((eid, day, "BREAK", b, b + quarter, 15, True, None, r.shift_code))
        if eid in new_hires and day.weekday() == 1:
            t = start + pd.Timedelta(hours=1)
            rows.append((eid, day, "TRAINING", t, t + pd.Timedelta(hours=1), 60, True, None, r.shift_code))
    extra = pd.DataFrame(rows, columns=list(S.HR_IMPORT_COLUMNS))
    out = pd.concat([activities, extra], ignore_index=True)
    rank = out[S.ACTIVITY].map(ACTIVITY_ORDER)
    return (
        out.assign(_rank=rank)
        .sort_values([S.EMPLOYEE_ID, S.DATE, S.START, "_rank"], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )


def build_result(agents: int, seed: int, warm_seconds: float, work: Path) -> RunResult:
    demo.generate(work / "scenario", agents=agents, seed=seed, name=f"bench{agents}")
    scenario = load_scenario(work / "scenario")
    forecast = perfect_forecast(scenario)
    requirements = run_staffing(scenario, forecast)
    rm = build_model(scenario, requirements)
    placed = starting_roster(rm, deadline=time.perf_counter() + warm_seconds, seed=seed)
    add_hint(rm, placed)
    assignments, activities, queue_minutes = roster_frames(rm, placed)
    penalties = ledger_frame(rm.penalties, hinted_value(rm))
    info = S.SolveInfo(
        "WARM_START", float(penalties["cost"].sum()), float("-inf"), 1.0, warm_seconds, seed, 1, warm_seconds
    )
    roster = S.RosterSolution(
        assignments, with_intraday_rows(activities, scenario), queue_minutes, penalties, info
    )
    ev = evaluate(scenario, forecast, requirements, roster)
    return RunResult(
        scenario=scenario, forecast=forecast, requirements=requirements, roster=roster, evaluation=ev
    )


def openpyxl_baseline(result: RunResult, path: Path) -> None:
    """The big table sheets written cell by cell through openpyxl's write-only worksheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from wfm.export import fairness_frame

    frames = {
        "HR_Import": hr_import_frame(result.roster.activities),
        "Intraday": intraday_frame(result.scenario, result.roster.activities)[0],
        "Coverage": result.evaluation.coverage,
        "Fairness": fairness_frame(result.evaluation.agents),
        "Ledger": result.roster.penalties,
    }
    wb = Workbook(write_only=True)
    for title, frame in frames.items():
        ws = wb.create_sheet(title)
        ws.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            cells = []
            for v in row:
                if isinstance(v, pd.Timestamp):
                    c = WriteOnlyCell(ws, None if pd.isna(v) else v.tz_localize(None).to_pydatetime())
                    c.number_format = "yyyy-mm-dd hh:mm"
                    cells.append(c)
                elif isinstance(v, str):
                    c = WriteOnlyCell(ws, v)
                    c.data_type = "s"
                    cells.append(c)
                elif isinstance(v, float) and not np.isfinite(v):
                    cells.append(None)
                else:
                    cells.append(v.item() if isinstance(v, np.generic) else v)
            ws.append(cells)
    wb.save(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=300)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--warm-seconds", type=float, default=10.0, help="warm-start search time for the roster")
    ap.add_argument(
        "--repeat", type=int, default=1, help="write the workbook this many times; best time shown"
    )
    ap.add_argument("--keep", type=Path, help="also write the run folder here (must not exist)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the cell-by-cell openpyxl baseline")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        result = build_result(args.agents, args.seed, args.warm_seconds, work)
        prep = time.perf_counter() - t0
        sc = result.scenario
        acts = result.roster.activities
        intraday, slots = intraday_frame(sc, acts)
        print(
            f"scenario: {len(sc.agents)} agents x {len(sc.horizon.days)} days, {len(sc.queues)} queues, "
            f"{sc.horizon.interval_minutes}-minute intervals (inputs built in {prep:.1f} s)"
        )
        print(
            f"  HR_Import {len(hr_import_frame(acts)):,} rows "
            f"({', '.join(f'{k} {v:,}' for k, v in acts[S.ACTIVITY].value_counts().items())})"
        )
        print(f"  Intraday  {len(intraday):,} rows x {len(slots)} 15-minute slots")
        print(
            f"  Coverage  {len(result.evaluation.coverage):,} rows; Ledger {len(result.roster.penalties):,} rows"
        )
        run_info = {"scenario": sc.name, "seed": args.seed, "input_sha256": dict(sc.input_hashes)}

        times = []
        for i in range(max(1, args.repeat)):
            path = work / f"roster{i}.xlsx"
            t = time.perf_counter()
            write_workbook(path, result, run_info)
            times.append(time.perf_counter() - t)
            size = path.stat().st_size
        t = time.perf_counter()
        target = args.keep or work / "run"
        with RunFolder(target) as folder:
            write_run(folder, result, run_info, plots=False)
            folder.commit()
        folder_seconds = time.perf_counter() - t
        baseline = None
        if not args.no_baseline:
            t = time.perf_counter()
            openpyxl_baseline(result, work / "baseline.xlsx")
            baseline = time.perf_counter() - t

    best = min(times)
    verdict = "met" if best <= GOAL_SECONDS else "NOT met"
    print(
        f"workbook:   {best:6.2f} s  ({size / 1e6:.1f} MB; goal <= {GOAL_SECONDS:.0f} s on 2 cores: {verdict})"
        + (f"  all: {', '.join(f'{x:.2f}' for x in times)}" if len(times) > 1 else "")
    )
    print(
        f"run folder: {folder_seconds:6.2f} s  (workbook + roster/coverage/forecast/requirements CSVs + "
        f"summary.json, no plots)"
    )
    if baseline is not None:
        print(
            f"baseline:   {baseline:6.2f} s  (HR_Import, Intraday, Coverage, Fairness, Ledger only, written cell "
            f"by cell through openpyxl: {baseline / best:.1f}x the whole workbook's time)"
        )
    return 0 if best <= GOAL_SECONDS else 1


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
