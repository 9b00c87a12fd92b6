"""Forecast models on two real bank call series, beside the historical-average baselines.

    python benchmarks/forecast_real.py --data /work/shared/data [--models m1,m2] [--origins 3] [--sensitivity]

Split A: fpp2 ``calls`` (US bank, 5-minute, weekdays 07:00–21:05); train on
observations 1–7,605, test on 7,606–10,140 (3 weeks), the TBATS paper's split.
Split B-Jul: the Israeli "Anonymous Bank" 1999, 30-minute; train January–June,
test July.  Each model is fitted once (one shot over the horizon) and scored by
``wfm.backtest.score``: interval WAPE, daily WAPE, MASE (weekly seasonal naive
in-sample scale), RMSE, bias.  The data are read by path only (fpp2 is GPL-3:
nothing derived from it is written).

The ``SELECTED`` row is wfm's own choice: a rolling-origin backtest on the
training data only (horizon = the test span, origins a week apart), lowest
mean WAPE; the ``backtest WAPE`` column is each model's score there.
``--sensitivity`` also prints ``calendar_level`` with each of its settings
moved one step (window lengths, month-start days, effect prior, level
shrinkage), to show how much the figures depend on them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import wfm.forecast
from wfm import schema
from wfm.backtest import backtest, evaluate_models
from wfm.forecast import BACKTEST_MODELS, MODELS, _Calendar, _prepare_history, _QueueSeries
from wfm.schema import Queue


def _queue(name: str, open_: dt.time, close: dt.time) -> Queue:
    return Queue(name, "voice", 0.8, 20, 0.9, open_, close)


def split_a(data: Path) -> tuple[pd.DataFrame, pd.DataFrame, Queue, str | None, int]:
    raw = pd.read_csv(data / "fpp2_calls" / "calls_5min.csv")
    frame = pd.DataFrame(
        {
            schema.QUEUE: "calls",
            schema.INTERVAL_START: pd.to_datetime(raw["date"] + " " + raw["interval_start"]),
            schema.OFFERED: raw["calls"].astype(float),
            schema.AHT_SECONDS: 1.0,  # not in the data; the forecast needs a positive value
        }
    )
    train = frame[raw["t"] <= 7605]
    test = frame[(raw["t"] > 7605) & (raw["t"] <= 10140)]
    return train, test, _queue("calls", dt.time(7), dt.time(21, 5)), "US", 5


def split_b(data: Path) -> tuple[pd.DataFrame, pd.DataFrame, Queue, str | None, int]:
    raw = pd.read_csv(data / "anonymous_bank_1999" / "intervals_30min.csv")
    frame = pd.DataFrame(
        {
            schema.QUEUE: "bank",
            schema.INTERVAL_START: pd.to_datetime(raw["date"] + " " + raw["interval_start"]),
            schema.OFFERED: raw["offered"].astype(float),
            schema.AHT_SECONDS: raw["mean_ser_time_answered_s"],
        }
    )
    month = frame[schema.INTERVAL_START].dt.month
    return frame[month <= 6], frame[month == 7], _queue("bank", dt.time(0), dt.time(0)), "IL", 30


def run_split(name, train, test, queue, country, minutes, models, origins, seed=0):
    tr = _QueueSeries.from_rows(_prepare_history(train, "UTC"), minutes)
    te = _QueueSeries.from_rows(_prepare_history(test, "UTC"), minutes)
    days = np.arange(tr.days[-1] + 1, te.days[-1] + 1)
    calendar = _Calendar.build(country, tr.days[0].astype(dt.date), days[-1].astype(dt.date))
    t0 = time.perf_counter()
    scores = evaluate_models(tr, te, queue, days, calendar, models, seed=seed)
    seconds = time.perf_counter() - t0
    # wfm's own choice: a rolling-origin backtest on the training data only, horizon = the test span.
    t1 = time.perf_counter()
    candidates = [m for m in models if m in BACKTEST_MODELS] or models
    bt = backtest(
        train,
        [queue],
        horizon_days=len(days),
        timezone="UTC",
        origins=origins,
        step_days=7,
        country=country,
        interval_minutes=minutes,
        models=candidates,
        seed=seed,
    )
    chosen = bt.selection[queue.name]
    bt_seconds = time.perf_counter() - t1
    print(
        f"\nsplit {name}: train {tr.days[0]}..{tr.days[-1]} ({len(tr.days)} days), "
        f"test {te.days[0]}..{te.days[-1]} ({len(te.days)} days with data), {minutes}-min, "
        f"{seconds:.1f} s for all models"
    )
    train_wape = bt.summary.set_index("model")["wape"]
    print(f"{'model':<18}{'WAPE':>8}{'daily WAPE':>12}{'MASE':>8}{'RMSE':>9}{'bias':>8}{'backtest WAPE':>15}")
    for model, s in sorted(scores.items(), key=lambda kv: kv[1]["wape"]):
        tag = "  <- selected" if model == chosen else ("  (baseline)" if model.startswith("hist_avg") else "")
        in_bt = f"{train_wape[model]:>15.2%}" if model in train_wape else f"{'-':>15}"
        print(
            f"{model:<18}{s['wape']:>8.2%}{s['daily_wape']:>12.2%}{s['mase']:>8.3f}"
            f"{s['rmse']:>9.2f}{s['bias']:>+8.2%}{in_bt}{tag}"
        )
    s = scores[chosen]
    print(
        f"{'SELECTED':<18}{s['wape']:>8.2%}{s['daily_wape']:>12.2%}{s['mase']:>8.3f}{s['rmse']:>9.2f}{s['bias']:>+8.2%}  ({chosen})"
    )
    print(
        f"selected by a {origins}-origin backtest on the training data over {len(candidates)} models "
        f"({bt_seconds:.1f} s): {chosen} (backtest WAPE {train_wape[chosen]:.2%})"
    )
    return scores, chosen


#: calendar_level's settings and the values tried by --sensitivity (the default first).
SENSITIVITY = {
    "_LEVEL_WEEKS": (3, 2, 4),
    "_INDEX_WEEKS": (8, 6, 12),
    "_MONTH_START_DAYS": (3, 0, 2, 5),
    "_EFFECT_PRIOR_DAYS": (2.0, 0.0, 5.0),
    "_MEDIAN_SE": (1.2533, 0.0, 1e9),
}


def sensitivity(data: Path) -> None:
    """calendar_level on both splits with one setting changed at a time."""
    splits = []
    for loader in (split_a, split_b):
        train, test, queue, country, minutes = loader(data)
        tr = _QueueSeries.from_rows(_prepare_history(train, "UTC"), minutes)
        te = _QueueSeries.from_rows(_prepare_history(test, "UTC"), minutes)
        days = np.arange(tr.days[-1] + 1, te.days[-1] + 1)
        calendar = _Calendar.build(country, tr.days[0].astype(dt.date), days[-1].astype(dt.date))
        splits.append((tr, te, queue, days, calendar))
    print(
        "\ncalendar_level sensitivity (one setting changed at a time; _MEDIAN_SE 0 = follow the recent level"
    )
    print("fully, 1e9 = ignore it):")
    print(f"{'setting':<28}{'A WAPE':>9}{'A daily':>9}{'B WAPE':>9}{'B daily':>9}")
    for name, values in SENSITIVITY.items():
        for value in values if name == "_LEVEL_WEEKS" else values[1:]:
            old = getattr(wfm.forecast, name)
            setattr(wfm.forecast, name, value)
            try:
                cells = []
                for tr, te, queue, days, calendar in splits:
                    s = evaluate_models(tr, te, queue, days, calendar, ["calendar_level"])["calendar_level"]
                    cells += [s["wape"], s["daily_wape"]]
            finally:
                setattr(wfm.forecast, name, old)
            label = "default" if value == values[0] else f"{name} = {value:g}"
            print(f"{label:<28}" + "".join(f"{c:>9.2%}" for c in cells))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, required=True, help="folder holding fpp2_calls/ and anonymous_bank_1999/"
    )
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated models (default: all)")
    parser.add_argument("--origins", type=int, default=3, help="backtest origins for wfm's selection")
    parser.add_argument(
        "--sensitivity", action="store_true", help="also print calendar_level under changed settings"
    )
    args = parser.parse_args(argv)
    models = [m for m in args.models.split(",") if m]
    for name, loader in (("A (fpp2 calls)", split_a), ("B-Jul (Anonymous Bank)", split_b)):
        run_split(name, *loader(args.data), models, args.origins)
    print("\nbaselines: hist_avg_4w / hist_avg_8w are the historical averages of the same weekday & interval")
    print("goals for the selected model: A <= 7.5% / 4.0% daily, B-Jul <= 25.5% / 13.5% daily")
    if args.sensitivity:
        sensitivity(args.data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
