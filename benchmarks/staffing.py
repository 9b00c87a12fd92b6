"""Staffing speed and correctness against pyworkforce, and simulation agreement with Erlang C / A.

Usage::

    python benchmarks/staffing.py --pyworkforce-python /tmp/pwf-venv/bin/python [--intervals 100000]

pyworkforce lives in its own virtual environment (it pins its own numpy and
OR-tools), e.g.::

    python3 -m venv /tmp/pwf-venv && /tmp/pwf-venv/bin/pip install pyworkforce

Part 1 draws ``--intervals`` random intervals in realistic ranges (see
``draw_intervals``), computes the agents required with wfm
(:func:`wfm.erlang.required_agents` + :func:`wfm.staffing.gross_agents`) and
with pyworkforce's ``ErlangC(...).required_positions`` run by the other Python
in a subprocess on the same inputs (written to a temporary folder), and prints
both times and every difference, classified.  pyworkforce's unit is the
**minute** for ``aht``, ``asa`` (its name for the answer-time threshold) and
``interval``; the inputs are converted from seconds here.  Only the loop that
calls pyworkforce is timed (not the interpreter start or the import).  With
``--pyworkforce-limit N`` pyworkforce runs on the first N intervals only and
its time is extrapolated linearly (said so in the output).

Part 2 simulates the M/M/n and M/M/n+M queues (wfm.simulate) at loads of 2 to
500 Erlangs staffed at Erlang C's 80/20 requirement and prints the simulated
service level and abandonment with 95% confidence half-widths beside Erlang C
and Erlang A.  Erlang C's big loads run at 96-98% occupancy and converge
slowly: the printed half-widths say how far to trust each row (raise
``--sim-calls`` to narrow them; the slow tests use up to 2*10^8 calls).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from wfm import erlang
from wfm.simulate import erlang_agreement
from wfm.staffing import gross_agents

SERVICE_LEVELS = (0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
ANSWER_SECONDS = (10, 15, 20, 30, 45, 60, 120)
MAX_OCCUPANCY = (0.8, 0.85, 0.9, 0.95, 1.0)
SHRINKAGE = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35)
INTERVAL_MINUTES = (15, 30)

# Runs inside pyworkforce's own virtual environment.
PYWORKFORCE_SCRIPT = r"""
import json, sys, time
import numpy as np
from pyworkforce.queuing import ErlangC

folder = sys.argv[1]
limit = int(sys.argv[2])
x = np.load(folder + "/inputs.npz")
n = min(limit, x["calls"].size)
calls, aht_min, asa_min, interval_min = x["calls"][:n], x["aht_seconds"][:n] / 60.0, x["answer_seconds"][:n] / 60.0, x["interval_minutes"][:n]
sl, occ, shrink = x["service_level"][:n], x["max_occupancy"][:n], x["shrinkage"][:n]
raw = np.zeros(n, dtype=np.int64)
gross = np.zeros(n, dtype=np.int64)
t0 = time.perf_counter()
for i in range(n):
    r = ErlangC(transactions=float(calls[i]), aht=float(aht_min[i]), asa=float(asa_min[i]),
                interval=int(interval_min[i]), shrinkage=float(shrink[i])).required_positions(
        service_level=float(sl[i]), max_occupancy=float(occ[i]))
    raw[i], gross[i] = r["raw_positions"], r["positions"]
seconds = time.perf_counter() - t0
np.savez(folder + "/pyworkforce.npz", raw=raw, gross=gross)
print(json.dumps({"seconds": seconds, "n": int(n)}))
"""


def draw_intervals(n: int, seed: int) -> dict[str, np.ndarray]:
    """Random intervals: 1-2,000 calls (log-uniform, one decimal like a forecast), AHT 60-900 s (whole
    seconds), 15- or 30-minute intervals, and targets, occupancy caps and shrinkage from the round values
    planners use."""
    rng = np.random.default_rng(seed)
    return {
        "calls": np.round(np.exp(rng.uniform(0.0, math.log(2000.0), n)), 1).clip(0.1),
        "aht_seconds": rng.integers(60, 901, n).astype(float),
        "interval_minutes": rng.choice(INTERVAL_MINUTES, n),
        "service_level": rng.choice(SERVICE_LEVELS, n),
        "answer_seconds": rng.choice(ANSWER_SECONDS, n).astype(float),
        "max_occupancy": rng.choice(MAX_OCCUPANCY, n),
        "shrinkage": rng.choice(SHRINKAGE, n),
    }


def wfm_requirements(x: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    raw = erlang.required_agents(
        x["calls"],
        aht_seconds=x["aht_seconds"],
        interval_seconds=60.0 * x["interval_minutes"],
        answer_seconds=x["answer_seconds"],
        service_level=x["service_level"],
        max_occupancy=x["max_occupancy"],
    )
    gross = np.empty_like(raw)
    for s in np.unique(x["shrinkage"]):
        m = x["shrinkage"] == s
        gross[m] = gross_agents(raw[m], float(s))
    return raw, gross


def _exact_load(x, i) -> Fraction:
    return (
        Fraction(str(x["calls"][i]))
        * Fraction(int(x["aht_seconds"][i]))
        / (60 * int(x["interval_minutes"][i]))
    )


def classify(x, i, wfm_raw, wfm_gross, pwf_raw, pwf_gross) -> tuple[str, str]:
    """(reason, who is right) for one interval where the answers differ."""
    load = _exact_load(x, i)
    occ = Fraction(str(x["max_occupancy"][i]))
    if wfm_raw == pwf_raw:
        exact = math.ceil(Fraction(int(wfm_raw)) / (1 - Fraction(str(x["shrinkage"][i]))))
        who = "wfm" if exact == wfm_gross else ("pyworkforce" if exact == pwf_gross else "neither")
        return "gross-up for shrinkage: float noise in ceil(raw / (1 - shrinkage))", who
    cap = math.ceil(load / occ)
    if (load / occ).denominator == 1 and pwf_raw == cap + 1:
        who = "wfm" if wfm_raw == max(cap, pwf_raw - 1) or wfm_raw == cap else "neither"
        return "occupancy cap: load / max_occupancy is a whole number, float noise rounds it up", who
    first_try = round(
        float(x["calls"][i]) / float(x["interval_minutes"][i]) * float(x["aht_seconds"][i]) / 60 + 1
    )
    common = dict(
        aht_seconds=x["aht_seconds"][i],
        interval_seconds=60.0 * x["interval_minutes"][i],
        answer_seconds=x["answer_seconds"][i],
    )
    sl_at = float(erlang.erlang_c_kpis(int(wfm_raw), x["calls"][i], **common).service_level)
    if pwf_raw > wfm_raw and wfm_raw < first_try and sl_at >= x["service_level"][i]:
        return (
            "search start: pyworkforce starts at round(A + 1), above the smallest n that meets the target",
            "wfm",
        )
    return f"other (wfm {wfm_raw}: SL {sl_at:.6f}; pyworkforce {pwf_raw})", "?"


def run_pyworkforce(
    python: str, x: dict[str, np.ndarray], limit: int
) -> tuple[np.ndarray, np.ndarray, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        np.savez(Path(tmp) / "inputs.npz", **x)
        script = Path(tmp) / "run_pyworkforce.py"
        script.write_text(PYWORKFORCE_SCRIPT)
        out = subprocess.run(
            [python, str(script), tmp, str(limit)], capture_output=True, text=True, check=False
        )
        if out.returncode != 0:
            sys.exit(f"pyworkforce run failed:\n{out.stderr}")
        info = json.loads(out.stdout.strip().splitlines()[-1])
        res = np.load(Path(tmp) / "pyworkforce.npz")
        return res["raw"], res["gross"], float(info["seconds"]), int(info["n"])


def part1(args) -> None:
    x = draw_intervals(args.intervals, args.seed)
    n = args.intervals
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        raw, gross = wfm_requirements(x)
        times.append(time.perf_counter() - t0)
    wfm_seconds = float(np.median(times))
    limit = min(args.pyworkforce_limit or n, n)
    p_raw, p_gross, p_seconds, p_n = run_pyworkforce(args.pyworkforce_python, x, limit)
    p_total = p_seconds * n / p_n
    loads = x["calls"] * x["aht_seconds"] / (60.0 * x["interval_minutes"])

    print(f"== Part 1: agents required for {n:,} random intervals ==")
    print(
        f"inputs: calls 0.1-2,000 per interval (log-uniform), AHT 60-900 s, intervals {INTERVAL_MINUTES} min, "
        f"load {loads.min():.3f}-{loads.max():.0f} Erlangs (median {np.median(loads):.1f})"
    )
    print(
        f"        targets {SERVICE_LEVELS} within {ANSWER_SECONDS} s, max occupancy {MAX_OCCUPANCY}, "
        f"shrinkage {SHRINKAGE}"
    )
    print("timing on a 2-core machine shared with another CPU-heavy job: expect noise of tens of percent")
    print(f"{'':28}{'seconds':>10}{'per interval':>16}")
    print(
        f"{'wfm (numpy, all at once)':28}{wfm_seconds:>10.3f}{1e6 * wfm_seconds / n:>13.2f} us"
        f"   (median of {args.repeat} runs)"
    )
    label = f"pyworkforce ErlangC ({p_n:,})"
    print(f"{label:28}{p_seconds:>10.2f}{1e6 * p_seconds / p_n:>13.1f} us")
    if p_n < n:
        print(
            f"{'pyworkforce, extrapolated':28}{p_total:>10.1f}   (linear in intervals: ran {p_n:,} of {n:,})"
        )
    print(f"speed-up: {p_total / wfm_seconds:,.0f}x")

    m = p_n
    diff = np.flatnonzero((raw[:m] != p_raw) | (gross[:m] != p_gross))
    print(
        f"\nanswers compared on {m:,} intervals: {m - diff.size:,} identical (raw and gross), {diff.size:,} differ"
    )
    if diff.size:
        rows = [classify(x, i, int(raw[i]), int(gross[i]), int(p_raw[i]), int(p_gross[i])) for i in diff]
        table = pd.DataFrame(rows, columns=["reason", "right"]).value_counts().reset_index(name="intervals")
        for _, r in table.iterrows():
            print(f"  {r['intervals']:>6,}  {r['reason']}  [right: {r['right']}]")
        print("  examples:")
        for i in diff[:5]:
            print(
                f"    calls {x['calls'][i]:g}, aht {x['aht_seconds'][i]:g} s, {x['interval_minutes'][i]} min, "
                f"{x['service_level'][i]:g} in {x['answer_seconds'][i]:g} s, occ <= {x['max_occupancy'][i]:g}, "
                f"shrinkage {x['shrinkage'][i]:g}: wfm {raw[i]} / {gross[i]}, "
                f"pyworkforce {p_raw[i]} / {p_gross[i]}  (raw / gross)"
            )
        right_wfm = sum(1 for r in rows if r[1] == "wfm")
        print(f"  wfm is right in {right_wfm:,} of the {diff.size:,} differing intervals")


def part2(args) -> None:
    print(
        "\n== Part 2: simulation (wfm.simulate) against Erlang C and Erlang A, AHT 180 s, patience 300 s =="
    )
    print(
        f"agents = Erlang C requirement for 80% in 20 s; {args.sim_replications} replications of about "
        f"{args.sim_calls:,} calls each after a warm-up; ± is the 95% half-width"
    )
    t0 = time.perf_counter()
    t = erlang_agreement(
        args.sim_loads,
        calls_per_replication=args.sim_calls,
        replications=args.sim_replications,
        seed=args.seed,
    )
    seconds = time.perf_counter() - t0
    print(
        f"{'load':>6}{'agents':>7} | {'Erlang C SL':>11}{'simulated':>18}{'diff':>7} | "
        f"{'Erlang A SL':>11}{'simulated':>18}{'diff':>7} | {'Erl. A aband.':>13}{'simulated':>18}"
    )
    for _, r in t.iterrows():
        pp = lambda v: 100.0 * v  # noqa: E731
        print(
            f"{r['load']:>6g}{int(r['agents']):>7} | {pp(r['erlang_c_sl']):>10.2f}%"
            f"{pp(r['sim_c_sl']):>11.2f} ± {pp(r['sim_c_sl_ci95']):4.2f}{pp(r['sim_c_sl'] - r['erlang_c_sl']):>+7.2f} | "
            f"{pp(r['erlang_a_sl']):>10.2f}%{pp(r['sim_a_sl']):>11.2f} ± {pp(r['sim_a_sl_ci95']):4.2f}"
            f"{pp(r['sim_a_sl'] - r['erlang_a_sl']):>+7.2f} | {pp(r['erlang_a_abandon']):>12.2f}%"
            f"{pp(r['sim_a_abandon']):>11.2f} ± {pp(r['sim_a_abandon_ci95']):4.2f}"
        )
    total = 2 * t["sim_calls"].sum() * args.sim_replications
    print(
        f"(percent; diff = simulated - formula in points; {total:,.0f} calls simulated in {seconds:.1f} s, "
        f"{total / seconds:,.0f} calls/s with the other job running)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--pyworkforce-python", required=True, help="Python of a virtual environment with pyworkforce."
    )
    ap.add_argument("--intervals", type=int, default=100_000)
    ap.add_argument(
        "--pyworkforce-limit",
        type=int,
        default=0,
        help="Run pyworkforce on the first N intervals only and extrapolate its time (0: all).",
    )
    ap.add_argument("--repeat", type=int, default=3, help="wfm timing runs (the median is printed).")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--sim-loads", type=float, nargs="+", default=[2, 10, 50, 200, 500])
    ap.add_argument("--sim-calls", type=int, default=200_000, help="Calls per replication in part 2.")
    ap.add_argument("--sim-replications", type=int, default=10)
    ap.add_argument("--skip-simulation", action="store_true")
    args = ap.parse_args()
    part1(args)
    if not args.skip_simulation:
        part2(args)


if __name__ == "__main__":
    main()
