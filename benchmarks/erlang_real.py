"""Erlang A and Erlang C against a real bank call centre (Anonymous Bank, Israel, 1999).

Usage::

    python benchmarks/erlang_real.py --data /work/shared/data [--min-offered 10]

Reads ``anonymous_bank_1999/calls_1999_9months.csv.gz`` (one row per call) and
builds, per day and 30-minute interval:

* ``offered``: calls that reached the agent queue (queued, or went straight to
  an agent), PHANTOM calls excluded, binned by ``vru_exit`` (the moment the
  call asked for an agent), as in the data's own interval tables;
* ``answered``, ``abandoned`` (queued, then hung up) and answered within 20 s
  (wait = ``q_time`` for queued calls, 0 for calls that went straight
  through); observed service level = answered within 20 s / offered,
  abandonment = abandoned / offered;
* mean talk time of the interval's answered calls with 0 < ``ser_time`` <= 1 h
  (the 79 longer ones are outliers, see the data README);
* patience: the exponential maximum-likelihood estimate with censoring, pooled
  over all days for each hour of the day: total time waited in queue by all
  offered calls (abandoned calls' waits are complete patience times, answered
  calls' waits are censored ones) / number of abandonments;
* "staffed agents": the number of distinct agents (``server``, NO_SERVER
  excluded) whose service of some call overlaps the interval.

Erlang A (those agents, offered calls, mean talk time, hour patience) and Erlang
C (same, no abandonment) then predict each interval's service level and
abandonment, and the mean absolute errors against the observed figures are
printed overall and by offered load.  This is a test of the models *with a
proxy for staffing*: see the limits printed at the end.

Data: Guedj, I. & Mandelbaum, A. (2000). "Anonymous Bank" Call-Center Data,
Documentation. Technion - Israel Institute of Technology.  Free for use with
acknowledgement of the source.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from wfm import erlang

INTERVAL_SECONDS = 1800
ANSWER_SECONDS = 20.0
MAX_TALK_SECONDS = 3600
LOAD_BANDS = [0, 2, 4, 6, 8, 10, 1000]
GAP_SECONDS = 900  # second proxy: an agent idle longer than this between calls is taken as away
LIMITS = """\
Limits of this comparison (read before quoting the figures):
* "Staffed agents" is a proxy; the data have no log-in records.  The main proxy counts the distinct agents
  who served at least part of a call in the interval: an agent who served one call and then went on a break,
  or left, counts as present all interval (too many agents at shift changes and breaks), and agents logged in
  but idle all interval are missed (too few when the load is light).  The second proxy (busy spans joined
  across short gaps) removes most of the first error, keeps the second, and counts any idle gap of up to
  15 minutes as presence.  Neither counts agents busy with other work (outbound calls, back office).
* Talk time only: wrap-up (after-call work) is not recorded, so the handle time is understated and both
  models see a lighter load than the agents carried.
* Priority customers (priority 2) get 1.5 minutes of virtual waiting credit, so the queue is not FCFS.
* One pool: all service types (regular, English, stock exchange, prospects, internet, callbacks) are pooled
  into one queue, although some agents specialise (e.g. internet support).
* The VRU (IVR) filters calls before the queue; offered counts only calls that asked for an agent.
* Patience is pooled by hour of day over 9 months; Erlang A assumes exponential patience and exponential
  talk times, neither of which holds exactly here (Brown et al., JASA 2005).
* Intervals with fewer than --min-offered calls, no answered talk time or no agent are left out.
"""


def _seconds(clock: pd.Series) -> np.ndarray:
    parts = clock.str.split(":", expand=True).astype(int)
    return (parts[0] * 3600 + parts[1] * 60 + parts[2]).to_numpy()


def load_calls(data: Path) -> pd.DataFrame:
    path = data / "anonymous_bank_1999" / "calls_1999_9months.csv.gz"
    df = pd.read_csv(path, dtype={"server": str, "type": str, "outcome": str})
    df = df[df["outcome"] != "PHANTOM"].copy()
    df["queued"] = df["q_start"] != "00:00:00"
    df["served"] = df["outcome"] == "AGENT"
    df = df[df["queued"] | df["served"]].copy()  # offered: asked for an agent
    df["exit_s"] = _seconds(df["vru_exit"])
    df["interval"] = df["exit_s"] // INTERVAL_SECONDS
    df["wait_s"] = np.where(df["queued"], df["q_time_s"], 0)
    df["abandoned"] = df["queued"] & (df["outcome"] == "HANG")
    return df


def interval_table(df: pd.DataFrame) -> pd.DataFrame:
    key = ["date", "interval"]
    g = df.groupby(key)
    t = pd.DataFrame(
        {
            "offered": g.size(),
            "answered": g["served"].sum(),
            "abandoned": g["abandoned"].sum(),
            "within": g.apply(
                lambda x: int((x["served"] & (x["wait_s"] <= ANSWER_SECONDS)).sum()), include_groups=False
            ),
        }
    )
    talk = df[df["served"] & (df["ser_time_s"] > 0) & (df["ser_time_s"] <= MAX_TALK_SECONDS)]
    t["talk_s"] = talk.groupby(key)["ser_time_s"].mean()
    t = t.reset_index()
    t["hour"] = t["interval"] * INTERVAL_SECONDS // 3600

    # Patience per hour of day: exponential MLE with right-censoring, pooled over all days.
    df = df.assign(hour=df["exit_s"] // 3600)
    ph = df.groupby("hour").agg(wait=("wait_s", "sum"), aband=("abandoned", "sum"))
    ph["patience_s"] = ph["wait"] / ph["aband"].where(ph["aband"] > 0)
    t = t.merge(ph[["patience_s"]], left_on="hour", right_index=True, how="left")

    # Staffed agents: distinct servers whose service overlaps the interval.
    s = df[df["served"] & ~df["server"].str.startswith("NO_SERVER") & (df["ser_start"] != "00:00:00")].copy()
    start = _seconds(s["ser_start"])
    end = np.maximum(_seconds(s["ser_exit"]), start + 1)
    first, last = start // INTERVAL_SECONDS, (end - 1) // INTERVAL_SECONDS
    reps = (last - first + 1).clip(1, 48)
    busy = pd.DataFrame(
        {
            "date": np.repeat(s["date"].to_numpy(), reps),
            "interval": np.repeat(first, reps) + np.concatenate([np.arange(r) for r in reps]),
            "server": np.repeat(s["server"].to_numpy(), reps),
        }
    )
    agents = busy.groupby(["date", "interval"])["server"].nunique().rename("agents")
    t = t.merge(agents, left_on=key, right_index=True, how="left")
    t["agents"] = t["agents"].fillna(0).astype(int)
    t = t.merge(_presence(s, start, end), left_on=key, right_index=True, how="left")
    t["present"] = t["present"].fillna(0.0)
    return t, ph


def _presence(s: pd.DataFrame, start: np.ndarray, end: np.ndarray) -> pd.Series:
    """Second proxy: agents present per interval (fractional), from each agent's busy spans.

    An agent's services on a day are joined into one presence block wherever the gap between the end of a
    call and the start of the next is at most ``GAP_SECONDS``; presence is the time the blocks cover.
    """
    b = pd.DataFrame(
        {"date": s["date"].to_numpy(), "server": s["server"].to_numpy(), "start": start, "end": end}
    )
    b = b.sort_values(["date", "server", "start"], kind="stable")
    prev_end = b.groupby(["date", "server"])["end"].transform(lambda e: e.cummax().shift())
    block = (prev_end.isna() | (b["start"] - prev_end > GAP_SECONDS)).cumsum()
    spans = b.groupby(block).agg(date=("date", "first"), start=("start", "min"), end=("end", "max"))
    rows = []
    for date, t0, t1 in spans.itertuples(index=False):
        for k in range(t0 // INTERVAL_SECONDS, (t1 - 1) // INTERVAL_SECONDS + 1):
            lo, hi = max(t0, k * INTERVAL_SECONDS), min(t1, (k + 1) * INTERVAL_SECONDS)
            rows.append((date, k, (hi - lo) / INTERVAL_SECONDS))
    pres = pd.DataFrame(rows, columns=["date", "interval", "present"])
    return pres.groupby(["date", "interval"])["present"].sum()


def predict(t: pd.DataFrame, agents: str) -> pd.DataFrame:
    """Erlang A and C predictions with the ``agents`` column (fractional agents are interpolated)."""
    common = dict(
        aht_seconds=t["talk_s"].to_numpy(), interval_seconds=INTERVAL_SECONDS, answer_seconds=ANSWER_SECONDS
    )
    n, calls = t[agents].to_numpy(float), t["offered"].to_numpy(float)
    ka = erlang.interpolate_kpis(n, calls, patience_seconds=t["patience_s"].to_numpy(), **common)
    kc = erlang.interpolate_kpis(n, calls, **common)
    return t.assign(
        n=n,
        load=calls * t["talk_s"] / INTERVAL_SECONDS,
        obs_sl=t["within"] / t["offered"],
        obs_ab=t["abandoned"] / t["offered"],
        a_sl=ka.service_level,
        a_ab=ka.abandon_rate,
        c_sl=kc.service_level,
    )


def _mae(pred: pd.Series, obs: pd.Series, w: pd.Series | None = None) -> float:
    e = (pred - obs).abs()
    return float(100 * (np.average(e, weights=w) if w is not None else e.mean()))


def report(p: pd.DataFrame, label: str) -> None:
    print(f"\n-- staffed agents = {label} --")
    print(
        f"mean offered load {p['load'].mean():.1f} Erlangs on {p['n'].mean():.1f} agents; "
        f"intervals with load >= agents: {int((p['load'] >= p['n']).sum()):,}"
    )
    w = p["offered"]
    print("mean absolute error, percentage points (per interval; weighted by offered calls in brackets)")
    print(f"{'':26}{'Erlang A':>16}{'Erlang C':>16}")
    print(
        f"{'service level (20 s)':26}{_mae(p['a_sl'], p['obs_sl']):>9.1f} [{_mae(p['a_sl'], p['obs_sl'], w):4.1f}]"
        f"{_mae(p['c_sl'], p['obs_sl']):>9.1f} [{_mae(p['c_sl'], p['obs_sl'], w):4.1f}]"
    )
    print(
        f"{'abandonment':26}{_mae(p['a_ab'], p['obs_ab']):>9.1f} [{_mae(p['a_ab'], p['obs_ab'], w):4.1f}]"
        f"{_mae(0 * p['obs_ab'], p['obs_ab']):>9.1f} [{_mae(0 * p['obs_ab'], p['obs_ab'], w):4.1f}]"
        "   (Erlang C predicts none)"
    )
    bias_a, bias_c = 100 * (p["a_sl"] - p["obs_sl"]).mean(), 100 * (p["c_sl"] - p["obs_sl"]).mean()
    print(f"{'mean bias of SL (pred-obs)':26}{bias_a:>+16.1f}{bias_c:>+16.1f}")
    # Even a perfect model misses by the binomial noise of a few dozen calls: E|X/N - p| ~ sqrt(2 p (1-p) / (pi N)).
    floor_sl = 100 * np.sqrt(2 * p["obs_sl"] * (1 - p["obs_sl"]) / (np.pi * p["offered"])).mean()
    floor_ab = 100 * np.sqrt(2 * p["obs_ab"] * (1 - p["obs_ab"]) / (np.pi * p["offered"])).mean()
    print(
        f"{'noise floor (binomial)':26}{'SL ' + format(floor_sl, '.1f'):>16}{'abandon ' + format(floor_ab, '.1f'):>16}"
        "   (MAE of an exact model, from sampling alone)"
    )
    print("by offered load (Erlangs, talk time only); percent; MAE in points")
    print(
        f"{'load':>9}{'intervals':>10}{'agents':>8} | {'obs SL':>7}{'A SL':>7}{'C SL':>7}{'MAE A':>7}{'MAE C':>7} | "
        f"{'obs ab':>7}{'A ab':>7}{'MAE A':>7}"
    )
    p = p.assign(band=pd.cut(p["load"], LOAD_BANDS, right=False))
    for band, g in p.groupby("band", observed=True):
        lo, hi = band.left, band.right
        name = f"{lo:g}-{hi:g}" if hi < 1000 else f"{lo:g}+"
        print(
            f"{name:>9}{len(g):>10,}{g['n'].mean():>8.1f} | {100 * g['obs_sl'].mean():>7.1f}"
            f"{100 * g['a_sl'].mean():>7.1f}{100 * g['c_sl'].mean():>7.1f}{_mae(g['a_sl'], g['obs_sl']):>7.1f}"
            f"{_mae(g['c_sl'], g['obs_sl']):>7.1f} | {100 * g['obs_ab'].mean():>7.1f}{100 * g['a_ab'].mean():>7.1f}"
            f"{_mae(g['a_ab'], g['obs_ab']):>7.1f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="Folder holding anonymous_bank_1999/.")
    ap.add_argument(
        "--min-offered", type=int, default=10, help="Leave out intervals with fewer offered calls."
    )
    args = ap.parse_args()

    calls = load_calls(args.data)
    t, ph = interval_table(calls)
    print(f"== Erlang A vs Erlang C on the Anonymous Bank call log (1999, {t['date'].nunique()} days) ==")
    print(
        f"{len(calls):,} offered calls, {int(calls['served'].sum()):,} answered, {int(calls['abandoned'].sum()):,} "
        f"abandoned; {len(t):,} day-intervals of 30 min with calls"
    )
    pooled = calls["wait_s"].sum() / calls["abandoned"].sum()
    print(
        f"patience (exponential MLE with censoring: total queue wait / abandonments): {pooled:.0f} s overall; "
        f"by hour {ph['patience_s'].min():.0f}-{ph['patience_s'].max():.0f} s"
    )

    usable = (
        (t["offered"] >= args.min_offered) & t["talk_s"].notna() & (t["agents"] > 0) & t["patience_s"].notna()
    )
    print(
        f"intervals compared: {int(usable.sum()):,} (offered >= {args.min_offered}, with talk time, agents and "
        f"patience; {int((~usable).sum()):,} left out), {int(t.loc[usable, 'offered'].sum()):,} calls"
    )
    proxies = (
        ("agents", "distinct agents who served calls in the interval (the main proxy)"),
        ("present", f"agents present: busy spans joined across gaps <= {GAP_SECONDS // 60} min (fractional)"),
    )
    for col, label in proxies:
        report(predict(t[usable].copy(), col), label)
    print()
    print(LIMITS)


if __name__ == "__main__":
    main()
