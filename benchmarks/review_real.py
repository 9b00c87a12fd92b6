"""Close the loop on real data: forecast July 1999, publish the plan, import the real July, review it.

    python benchmarks/review_real.py --data /work/shared/data [--models m1,m2] [--origins 3] [--agents 12]

The "Anonymous Bank" 1999 (Israel), 30-minute, split B-Jul of
``forecast_real.py``: train January–June, test July.  Steps:

1. ``forecast_real.run_split`` scores every model on the split and chooses
   one by a rolling-origin backtest on the training data (its printout is
   repeated here, from the same run);
2. a scenario for July 1999 (one 24-hour queue ``bank``, as forecast_real
   sets it up; time zone UTC, so the naive local timestamps are kept as they
   are, as forecast_real does) with January–June as ``history``, forecast by
   ``wfm.pipeline.run_forecast`` with the chosen model, staffed, rostered
   (``--agents`` agents, a short solve: the roster does not enter the WAPE)
   and written as a run folder;
3. ``wfm.store.publish`` records it in a temporary SQLite store;
4. the real July is written in the ``history.csv`` contract (with
   ``answered_within_threshold`` = calls answered within 20 s) and loaded by
   ``wfm.store.import_actuals``;
5. ``wfm.review.review`` compares plan and actual, and ``review.csv`` is
   written and read back.

The review's monthly WAPE (Σ|actual − forecast| over every interval / Σ
actual) is printed beside forecast_real's interval WAPE, and the daily WAPE
(Σ over days of |daily actual − daily forecast| / Σ actual, from review.csv's
per-day ``actual`` and ``forecast``) beside its daily WAPE, with the
differences.  They must agree: the same forecast scored two ways.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from forecast_real import run_split, split_b  # noqa: E402  (the split and the selection, not copied)

from wfm import pipeline, store  # noqa: E402
from wfm import schema as S  # noqa: E402
from wfm.cli import run_info_for  # noqa: E402
from wfm.evaluate import evaluate  # noqa: E402
from wfm.export import RunFolder, write_run  # noqa: E402
from wfm.forecast import MODELS  # noqa: E402
from wfm.review import REVIEW_CSV, review, write_review  # noqa: E402

JULY = (dt.date(1999, 7, 1), dt.date(1999, 7, 31))
TZ = "UTC"  # the data's timestamps are naive Israel local time; UTC keeps them as recorded (no DST shift)

SCENARIO_TOML = """\
name = "anonymous_bank_july_1999"
country = "IL"

[horizon]
start = "1999-07-01"
end = "1999-07-31"
interval_minutes = 30
timezone = "UTC"

[[queues]]
name = "bank"
channel = "voice"
service_level = 0.8
answer_seconds = 20
max_occupancy = 0.9
open = "00:00"
close = "00:00"

[[shifts]]
code = "E07"
start = "07:00"
paid_minutes = 480
unpaid_minutes = 60

[[shifts]]
code = "D10"
start = "10:00"
paid_minutes = 480
unpaid_minutes = 60

[[shifts]]
code = "L15"
start = "15:00"
paid_minutes = 480
unpaid_minutes = 60

[solver]
time_limit_seconds = 20
workers = 1
seed = 0
"""


def build_scenario(train: pd.DataFrame, agents: int) -> S.Scenario:
    """July 1999 with January–June as history and ``agents`` identical full-time agents."""
    import dataclasses

    scenario = store.scenario_from_toml(SCENARIO_TOML, "anonymous_bank_july_1999")
    history = train.assign(**{S.INTERVAL_START: train[S.INTERVAL_START].dt.tz_localize(TZ)})
    people = tuple(
        S.Agent(f"A{i:02d}", f"Agent {i}", "bank", ("bank",), 2400, "agent", dt.date(1999, 1, 1))
        for i in range(1, agents + 1)
    )
    return dataclasses.replace(scenario, agents=people, history=history.reset_index(drop=True))


def actuals_csv(test: pd.DataFrame, data: Path, path: Path) -> tuple[int, float]:
    """The real July in the history.csv contract, plus answered, abandoned and answered within 20 s.

    Returns the intervals whose handle time was filled in, and the value used (seconds).
    """
    raw = pd.read_csv(data / "anonymous_bank_1999" / "intervals_30min.csv")
    raw = raw[pd.to_datetime(raw["date"]).dt.month == 7].reset_index(drop=True)
    assert len(raw) == len(test)
    ts = pd.to_datetime(raw["date"] + " " + raw["interval_start"]).dt.tz_localize(TZ)
    # the contract needs a handle time above 0 wherever a call was offered; an interval where no call was
    # answered (or only with zero talk time) gets July's mean talk time (a proxy; it touches AHT figures only)
    aht = raw["mean_ser_time_answered_s"]
    filler = raw["sum_ser_time_answered_s"].sum() / raw["answered"].sum()
    gaps = (raw["offered"] > 0) & ~(aht > 0)
    aht = aht.where(~gaps, filler)
    frame = pd.DataFrame(
        {
            S.QUEUE: "bank",
            S.INTERVAL_START: ts.map(lambda t: t.isoformat()),
            S.OFFERED: raw["offered"].astype(int),
            # an interval without an answered call has no talk time: the contract's empty handle time
            S.AHT_SECONDS: aht.map(lambda v: "" if pd.isna(v) else f"{v:.3f}"),
            S.ANSWERED: raw["answered"].astype(int),
            S.ABANDONED: raw["abandoned"].astype(int),
            store.ANSWERED_WITHIN_THRESHOLD: raw["answered_wait_le_20s"].astype(int),
        }
    )
    frame.to_csv(path, index=False)
    return int(gaps.sum()), float(filler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="folder holding anonymous_bank_1999/")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated models (default: all)")
    parser.add_argument("--origins", type=int, default=3, help="backtest origins for wfm's selection")
    parser.add_argument("--agents", type=int, default=12, help="agents in the July roster (default 12)")
    args = parser.parse_args(argv)
    models = [m for m in args.models.split(",") if m]

    # 1. forecast_real's split B-Jul: every model scored, one chosen by a backtest on January-June
    train, test, queue, country, minutes = split_b(args.data)
    scores, chosen = run_split(
        "B-Jul (Anonymous Bank)", train, test, queue, country, minutes, models, args.origins
    )
    bench = scores[chosen]

    with tempfile.TemporaryDirectory(prefix="wfm-review-real-") as tmp:
        tmp_path = Path(tmp)
        db = f"sqlite:///{tmp_path / 'wfm.db'}"

        # 2. the July plan: forecast with the chosen model, staffing, a roster, a run folder
        t0 = time.perf_counter()
        scenario = build_scenario(train, args.agents)
        fc = pipeline.run_forecast(scenario, models={"bank": chosen})
        req = pipeline.run_staffing(scenario, fc)
        roster = pipeline.run_roster(scenario, req)
        result = pipeline.RunResult(scenario, fc, req, roster, evaluate(scenario, fc, req, roster))
        run_dir = tmp_path / "run"
        info = run_info_for(scenario, roster.info, dt.datetime.now(), time.perf_counter() - t0)
        with RunFolder(run_dir) as folder:
            write_run(folder, result, info, plots=False)
            folder.commit()
        plan_seconds = time.perf_counter() - t0

        # 3. publish; 4. import the real July; 5. review
        published = store.publish(run_dir, db)
        path = tmp_path / "july_1999_actuals.csv"
        filled, filler = actuals_csv(test, args.data, path)
        imported = store.import_actuals(path, db)
        rv = review(db, *JULY)
        out = tmp_path / "review"
        write_review(out, rv)
        daily = pd.read_csv(out / REVIEW_CSV)

    month = rv.queues.set_index(S.QUEUE).loc["bank"]
    wape_csv = daily["abs_error"].sum() / daily["actual"].sum()
    daily_wape = (daily["forecast"] - daily["actual"]).abs().sum() / daily["actual"].sum()
    bias = (daily["forecast"] - daily["actual"]).sum() / daily["actual"].sum()

    print(
        f"\nplan: {chosen} forecast of {fc[S.YHAT].sum():,.0f} calls for {JULY[0]} .. {JULY[1]}, "
        f"{args.agents} agents rostered (solver {roster.info.status}), {plan_seconds:.1f} s; published as run "
        f"#{published.run_id}; {imported.rows:,} actual intervals imported ({imported.first} .. {imported.last})"
    )
    print(
        f"review: {len(daily)} queue-days, {daily['actual'].sum():,.0f} actual calls, "
        f"{daily['forecast'].sum():,.0f} forecast"
    )
    print(
        f"  {filled} interval(s) with calls offered but no talk time recorded get July's mean talk time "
        f"({filler:.1f} s) as aht_seconds (the contract needs one; volume is untouched)"
    )
    for note in rv.notes:
        print(f"  note: {note}")
    print(f"\n{'figure':<44}{'review':>10}{'forecast_real':>15}{'difference':>13}")
    rows = [
        ("monthly interval WAPE (review.queues)", float(month["wape"]), bench["wape"]),
        ("monthly interval WAPE (review.csv)", wape_csv, bench["wape"]),
        ("daily WAPE (review.csv per-day totals)", daily_wape, bench["daily_wape"]),
        ("bias (forecast - actual) / actual", bias, bench["bias"]),
    ]
    for name, mine, theirs in rows:
        print(f"{name:<44}{mine:>10.3%}{theirs:>15.3%}{100 * (mine - theirs):>+12.5f}pp")
    print(
        f"\nservice level in July: predicted {month['predicted_service_level']:.1%} at the roster, "
        f"{month['service_level_at_actual_load']:.1%} at the actual load, achieved (answered within 20 s / "
        f"offered) {month['achieved_service_level']:.1%}"
    )
    agree = all(abs(mine - theirs) < 5e-4 for _, mine, theirs in rows)
    print(
        "review and forecast_real agree to 0.05 pp" if agree else "MISMATCH between review and forecast_real"
    )
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
