"""Short agent-intervals side by side: wfm's named roster against pyworkforce's ``MinAbsDifference`` shift counts.

Usage::

    python benchmarks/roster_pyworkforce.py --pyworkforce-python /tmp/pwf-venv/bin/python \\
        [--agents 120] [--time-limit 120] [--workers 2] [--pyworkforce-time-limit 40]

pyworkforce lives in its own virtual environment (it pins its own numpy and OR-tools), e.g.::

    python3 -m venv /tmp/pwf-venv && /tmp/pwf-venv/bin/pip install pyworkforce

One demand for both.  ``wfm.demo.generate`` writes the demo scenario (``--agents``, December 2026, 30-minute
intervals, three queues) into a temporary folder; wfm's own pipeline forecasts it and staffs it
(``run_forecast`` + ``run_staffing``), giving ``agents_required_gross`` per queue and interval.

* **wfm**: :func:`wfm.roster.solve_roster` rosters the named agents under every rule of the scenario (time limit
  ``--time-limit``, ``--workers`` workers).  The independent checker (:func:`wfm.check.check_roster`) recomputes
  the agents on the phone per queue and interval from the roster's HR_Import rows alone.
* **pyworkforce 0.5.1**: one ``MinAbsDifference`` per queue (``num_days`` = days of the horizon, ``periods`` =
  intervals of a day, ``required_resources`` = that queue's requirement as a days x periods list), run by the other
  Python in a subprocess.  ``shifts_coverage`` holds the scenario's shift templates: a period counts 1 when the
  template is on the phone in it and 0 in its lunch, from :func:`wfm.roster.shifts.on_phone_minutes`.  wfm counts
  a partly worked interval fractionally (15 of 30 minutes = 0.5); pyworkforce needs integers, so a period counts 1
  when at least half of it is on the phone (round half up), and pyworkforce's shortfall is then *evaluated* with
  wfm's fractional on-phone minutes.  ``max_shift_concurrency`` and ``max_period_concurrency`` are the queue's
  skilled headcount.  pyworkforce sets ``solver.num_search_workers``, an attribute OR-tools ignores (CP-SAT then
  uses all cores); the subprocess sets ``solver.parameters.num_workers`` to ``--workers`` so that both get the
  same workers.  Templates crossing midnight cannot be expressed in pyworkforce's one-day periods and are left out
  of its runs (the demo has none).

Per queue, not pooled: the measure is per queue and interval, and pooling the queues would let a surplus on chat
cancel a shortage on phone_retail.  The price: a multi-skilled agent may be counted in each queue of their skills
at once (pyworkforce's runs know nothing of each other), one more way in which its answer is a relaxation.

The measure, for both: short agent-intervals = sum over queues and intervals of max(0, required - scheduled);
over agent-intervals = sum of max(0, scheduled - required); paid hours = paid minutes of all shifts / 60; wall time
of the solve (pyworkforce: its ``solve()`` calls only, not its interpreter start).

What is compared: pyworkforce answers with anonymous shift counts per day.  There are no named agents and no
rest, days-off, weekly-hours, contract, skill-exclusivity or leave rules, and no cap on the agents of a day, so
its feasible set is a relaxation of wfm's.  Its counts cannot always be turned into a roster of the real agents.
Its objective charges an agent over as much as an agent short (wfm's charges shortage more, and convexly), so its
shortfall alone is not a lower bound for wfm's.  Its best bound on short + over is one, for rosters that put
each shift on one queue (wfm does) and have no off-phone activity in a shift but the template's lunch (the
script prints the count), when no template period is partly on the phone (else the rounding above intervenes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from wfm import demo
from wfm.check import check_roster
from wfm.io import load_scenario
from wfm.pipeline import run_forecast, run_staffing
from wfm.roster import solve_roster
from wfm.roster.shifts import MINUTES_PER_DAY, on_phone_minutes
from wfm.schema import ACTIVITY, AGENTS_REQUIRED_GROSS, DS, QUEUE, REQUIRED, SCHEDULED

# Runs inside pyworkforce's own virtual environment: one MinAbsDifference per queue.
PYWORKFORCE_SCRIPT = r"""
import json, sys, time
from pyworkforce.scheduling import MinAbsDifference

job = json.load(open(sys.argv[1]))
out = []
for q in job["queues"]:
    t0 = time.perf_counter()
    scheduler = MinAbsDifference(
        num_days=job["num_days"],
        periods=job["periods"],
        shifts_coverage=job["shifts_coverage"],
        required_resources=q["required_resources"],
        max_period_concurrency=q["cap"],
        max_shift_concurrency=q["cap"],
        max_search_time=float(job["time_limit"]),
        num_search_workers=job["workers"],
    )
    # pyworkforce assigns solver.num_search_workers, which OR-tools ignores; set the real parameter
    scheduler.solver.parameters.num_workers = job["workers"]
    solution = scheduler.solve()
    seconds = time.perf_counter() - t0
    out.append({"queue": q["queue"], "status": solution["status"], "cost": solution["cost"],
                "bound": scheduler.solver.BestObjectiveBound(), "seconds": seconds,
                "resources_shifts": solution["resources_shifts"]})
    print(f"  pyworkforce {q['queue']}: {solution['status']}, cost {solution['cost']:g} "
          f"(bound {scheduler.solver.BestObjectiveBound():g}) in {seconds:.1f} s", file=sys.stderr, flush=True)
json.dump(out, open(sys.argv[2], "w"))
"""


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%H:%M:%S")


def say(message: str) -> None:
    print(f"[{_stamp()}] {message}", flush=True)


def requirement_grid(scenario, requirements: pd.DataFrame) -> dict[str, np.ndarray]:
    """Queue -> days x periods array of ``agents_required_gross`` (wall-clock grid, zero where no row)."""
    h = scenario.horizon
    size = h.interval_minutes
    per_day = MINUTES_PER_DAY // size
    out = {}
    for q in scenario.queues:
        grid = np.zeros((len(h.days), per_day))
        rows = requirements[requirements[QUEUE] == q.name]
        local = rows[DS].dt.tz_convert(h.timezone)
        day = (local.dt.tz_localize(None).dt.normalize() - pd.Timestamp(h.start)).dt.days.to_numpy()
        period = ((local.dt.hour * 60 + local.dt.minute) // size).to_numpy()
        ok = (day >= 0) & (day < len(h.days))
        grid[day[ok], period[ok]] = rows[AGENTS_REQUIRED_GROSS].to_numpy(dtype=float)[ok]
        out[q.name] = grid
    return out


def template_coverage(scenario) -> tuple[dict[str, np.ndarray], list[str], int]:
    """Code -> fractional on-phone share per period of the day (wfm's convention); templates left out; the
    number of (template, period) cells that are only partly on the phone."""
    size = scenario.horizon.interval_minutes
    per_day = MINUTES_PER_DAY // size
    cover, skipped, partial = {}, [], 0
    for s in scenario.shifts:
        minutes = on_phone_minutes(s, size)
        if max(minutes, default=0) >= per_day:
            skipped.append(s.code)  # crosses midnight: not expressible in pyworkforce's one-day periods
            continue
        row = np.zeros(per_day)
        for t, m in minutes.items():
            row[t] = m / size
        partial += int(((row > 0) & (row < 1)).sum())
        cover[s.code] = row
    return cover, skipped, partial


def run_pyworkforce(python: str, scenario, grids, cover, caps, time_limit: float, workers: int) -> list[dict]:
    h = scenario.horizon
    job = {
        "num_days": len(h.days),
        "periods": MINUTES_PER_DAY // h.interval_minutes,
        # a period counts when at least half of it is on the phone (round half up)
        "shifts_coverage": {code: [int(2 * v >= 1) for v in row] for code, row in cover.items()},
        "time_limit": time_limit,
        "workers": workers,
        "queues": [
            # pyworkforce needs whole agents: a fractional requirement is rounded up
            {"queue": q, "cap": int(caps[q]), "required_resources": np.ceil(g - 1e-9).astype(int).tolist()}
            for q, g in grids.items()
        ],
    }
    with tempfile.TemporaryDirectory() as tmp:
        src, dst, script = Path(tmp) / "job.json", Path(tmp) / "out.json", Path(tmp) / "run_pyworkforce.py"
        src.write_text(json.dumps(job))
        script.write_text(PYWORKFORCE_SCRIPT)
        proc = subprocess.run([python, str(script), str(src), str(dst)], stderr=subprocess.PIPE, text=True)
        sys.stdout.write(proc.stderr if proc.returncode == 0 else "")
        if proc.returncode != 0:
            sys.exit(f"pyworkforce run failed:\n{proc.stderr}")
        return json.loads(dst.read_text())


def pyworkforce_measures(scenario, grids, cover, results) -> dict:
    paid = {s.code: s.paid_minutes for s in scenario.shifts}
    n_days = len(scenario.horizon.days)
    short = over = minutes = 0.0
    statuses, seconds, shifts_total, per_queue = [], 0.0, 0, {}
    for r in results:
        counts = {code: np.zeros(n_days) for code in cover}
        for row in r["resources_shifts"]:
            if row["day"] < 0:
                sys.exit(f"pyworkforce found no solution for {r['queue']} ({r['status']})")
            counts[row["shift"]][row["day"]] += row["resources"]
        # agents on the phone, evaluated with wfm's fractional on-phone minutes
        scheduled = sum(np.outer(counts[code], cover[code]) for code in cover)
        gap = scheduled - grids[r["queue"]]
        per_queue[r["queue"]] = float(np.clip(-gap, 0, None).sum())
        short += per_queue[r["queue"]]
        over += float(np.clip(gap, 0, None).sum())
        minutes += sum(float(counts[code].sum()) * paid[code] for code in cover)
        shifts_total += int(sum(c.sum() for c in counts.values()))
        statuses.append(f"{r['queue']} {r['status']}")
        seconds += r["seconds"]
    return {
        "short": short,
        "over": over,
        "paid_hours": minutes / 60,
        "shifts": shifts_total,
        "seconds": seconds,
        "status": ", ".join(statuses),
        "per_queue": per_queue,
        "cost": sum(float(r["cost"]) for r in results),
        "bound": sum(float(r["bound"]) for r in results),
    }


def wfm_measures(scenario, requirements, args) -> dict:
    last = [0.0]

    def progress(info: dict) -> None:
        seconds = float(info.get("seconds", 0.0))
        if seconds - last[0] >= 10 or last[0] == 0.0:
            last[0] = max(seconds, 1e-9)
            say(
                f"  wfm: objective {info['objective']:,.0f}, bound {info['bound']:,.0f}, "
                f"gap {100 * info['gap']:.1f}% at {seconds:.0f} s"
            )

    t0 = time.perf_counter()
    sol = solve_roster(
        scenario,
        requirements,
        progress=progress,
        time_limit_seconds=args.time_limit,
        workers=args.workers,
        seed=args.seed,
    )
    wall = time.perf_counter() - t0
    report = check_roster(scenario, sol.activities, requirements)
    cov = report.coverage
    gap = cov[SCHEDULED] - cov[REQUIRED]
    i = sol.info
    return {
        "short": float((-gap).clip(lower=0).sum()),
        "over": float(gap.clip(lower=0).sum()),
        "paid_hours": float(report.agent_totals["paid_minutes"].sum()) / 60,
        "shifts": int(report.agent_totals["shifts"].sum()),
        "seconds": wall,
        "status": f"{i.status}, objective {i.objective:,.0f}, bound {i.bound:,.0f}, gap {100 * i.gap:.1f}%",
        "violations": len(report.violations),
        # off-phone minutes inside shifts other than the templates' lunches (breaks, training, ...)
        "inner_off_phone": int((~sol.activities[ACTIVITY].isin(("SHIFT", "OFF", "LEAVE", "LUNCH"))).sum()),
        "per_queue": cov.assign(short=(-gap).clip(lower=0)).groupby(QUEUE)["short"].sum().to_dict(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--pyworkforce-python", required=True, help="Python of a virtual environment with pyworkforce."
    )
    ap.add_argument("--agents", type=int, default=120, help="Demo workforce (the demand scales with it).")
    ap.add_argument("--time-limit", type=float, default=120.0, help="wfm's solver limit, seconds.")
    ap.add_argument(
        "--pyworkforce-time-limit",
        type=float,
        default=0.0,
        help="pyworkforce's limit per queue, seconds (default: wfm's limit shared by the queues).",
    )
    ap.add_argument("--workers", type=int, default=2, help="CP-SAT workers for both.")
    ap.add_argument("--seed", type=int, default=7, help="wfm's solver seed.")
    ap.add_argument("--demo-seed", type=int, default=2026, help="The demo generator's seed.")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        say(f"generating the demo scenario: {args.agents} agents, December 2026")
        demo.generate(Path(tmp) / "demo", agents=args.agents, seed=args.demo_seed)
        scenario = load_scenario(Path(tmp) / "demo")
        say("forecasting and staffing with wfm's pipeline")
        requirements = run_staffing(scenario, run_forecast(scenario))
    h = scenario.horizon
    grids = requirement_grid(scenario, requirements)
    cover, skipped, partial = template_coverage(scenario)
    caps = {q.name: sum(q.name in a.skills for a in scenario.agents) for q in scenario.queues}
    contract_hours = sum(a.contract_minutes_per_week for a in scenario.agents) * len(h.days) / 7 / 60
    required_total = sum(float(g.sum()) for g in grids.values())
    say(
        f"demand: {len(scenario.queues)} queues x {len(h.days)} days x {MINUTES_PER_DAY // h.interval_minutes} "
        f"intervals of {h.interval_minutes} min; {required_total:,.0f} required agent-intervals "
        f"({required_total * h.interval_minutes / 60:,.0f} agent-hours on the phone); "
        f"skilled headcount {', '.join(f'{q} {n}' for q, n in caps.items())}"
    )
    say(
        f"templates: {len(scenario.shifts)} ({', '.join(s.code for s in scenario.shifts)}); "
        f"partly on-phone template periods: {partial}"
        + (f"; left out of pyworkforce (cross midnight): {', '.join(skipped)}" if skipped else "")
    )

    pwf_limit = args.pyworkforce_time_limit or args.time_limit / len(scenario.queues)
    say(f"pyworkforce MinAbsDifference per queue ({pwf_limit:g} s each, {args.workers} workers)")
    results = run_pyworkforce(args.pyworkforce_python, scenario, grids, cover, caps, pwf_limit, args.workers)
    pwf = pyworkforce_measures(scenario, grids, cover, results)

    say(f"wfm solve_roster ({args.time_limit:g} s, {args.workers} workers, seed {args.seed})")
    wfm = wfm_measures(scenario, requirements, args)
    say(f"wfm done: {wfm['status']}; checker violations {wfm['violations']}")

    rows = [
        ("short agent-intervals", "short", "{:,.1f}"),
        ("over agent-intervals", "over", "{:,.1f}"),
        ("short + over (pyworkforce's objective)", None, "{:,.1f}"),
        ("paid hours scheduled", "paid_hours", "{:,.1f}"),
        ("shifts", "shifts", "{:,}"),
        ("wall time, s", "seconds", "{:,.1f}"),
    ]
    print()
    print(
        f"Same demand: demo {args.agents} agents, {h.start} to {h.end}, {required_total:,.0f} required "
        f"agent-intervals; the workforce's contract hours {contract_hours:,.0f} (before leave)"
    )
    width = 40
    print(f"{'':{width}}{'wfm (named roster)':>22}{'pyworkforce (counts)':>24}")
    for label, key, fmt in rows:
        if key is None:
            a, b = wfm["short"] + wfm["over"], pwf["short"] + pwf["over"]
        else:
            a, b = wfm[key], pwf[key]
        print(f"{label:{width}}{fmt.format(a):>22}{fmt.format(b):>24}")
    print(f"{'short agent-intervals per queue':{width}}")
    for q in caps:
        print(
            f"{'  ' + q:{width}}{wfm['per_queue'].get(q, 0.0):>22,.1f}{pwf['per_queue'].get(q, 0.0):>24,.1f}"
        )
    print(
        f"wfm: {wfm['status']}; {wfm['violations']} checker violations; "
        f"{wfm['inner_off_phone']} off-phone rows other than lunch"
    )
    print(
        f"pyworkforce: {pwf['status']}; its own objective {pwf['cost']:,.0f}, best bound {pwf['bound']:,.0f} "
        "(short + over with its whole-period coverage)"
    )
    print(
        "pyworkforce's answer is anonymous shift counts per queue and day: no named agents, no rest, days-off,\n"
        "weekly-hours, contract or leave rules, no cap on the agents of a day, and a multi-skilled agent counted in\n"
        "every queue of their skills.  It is a relaxation: a real roster cannot always reach its figures.  Its\n"
        "objective weighs an agent over like an agent short, so its shortfall alone is not a floor for wfm's;\n"
        "its best bound is a floor for wfm's short + over (wfm puts each shift on one queue)."
    )


if __name__ == "__main__":
    main()
