"""Rolling-origin backtest of the forecast models and per-queue model selection.

For each queue the history is cut at several *origins*; every model of
``wfm.forecast.BACKTEST_MODELS`` (or those asked for) is fitted on the history up to an origin and predicts
the next ``horizon_days`` (one planning period), which is scored against what
happened.  The test windows end at the last day of the history and step back
``step_days`` per origin.  Days missing from the history are left out of the
scores (never counted as zero).

Scores, all on contacts per history interval:

* ``wape``: Σ|y − ŷ| / Σy over intervals, the headline;
* ``daily_wape``: the same on daily totals (what staffing a day needs);
* ``mase``: mean |y − ŷ| over the mean in-sample |y − y(same slot, 7 days
  earlier)|, the weekly seasonal-naive error on the training history
  (< 1 beats that naive forecast in-sample);
* ``rmse``: root mean squared interval error, contacts per interval;
* ``bias``: Σ(ŷ − y) / Σy (positive = over-forecast).

The selected model of a queue is the one with the lowest mean ``wape`` over
the origins (the backtest sees the training history only, so the choice never
peeks at what it will forecast).  Special days (``special_days.csv``) are
applied in every test window as :func:`wfm.forecast.forecast` applies them.
:func:`plot_backtest` draws the selected model's test windows against the
actuals, with a band calibrated on the backtest's own errors.  :func:`write_selection` records the choice as JSON that
:func:`read_selection` turns into the ``models`` argument of
``wfm.forecast.forecast``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.forecast import (
    BACKTEST_MODELS,
    MIN_HISTORY_DAYS,
    MODELS,
    _Calendar,
    _predict_models,
    _prepare_history,
    _QueueSeries,
    infer_interval_minutes,
)
from wfm.schema import DS, QUEUE, YHAT, InputError, Queue, Scenario
from wfm.special_days import SPECIAL_DAYS_FILE, SpecialDays, read_special_days

logger = logging.getLogger(__name__)

SELECTION_VERSION = 1
METRICS = ("wape", "daily_wape", "mase", "rmse", "bias")
ORIGIN = "origin"
MODEL = "model"
ACTUAL = "y"
#: Quantiles of the backtest band drawn by :func:`plot_backtest`.
BAND_QUANTILES = (0.1, 0.9)


@dataclass(frozen=True)
class BacktestResult:
    """``scores``: one row per queue, origin and model (``queue, origin, model`` + ``METRICS``).

    ``summary``: the mean over origins per queue and model, best first per
    queue.  ``selection``: queue → selected model.  ``origins``: the origin
    dates (last day of training) used.  ``forecasts``: the selected model's
    test-window forecasts, one row per queue, origin and history interval
    present in the actuals (``queue, origin, model, ds, y, yhat``; ``ds`` is the
    local wall-clock interval start, ``y`` the actual contacts).
    """

    scores: pd.DataFrame = field(repr=False)
    summary: pd.DataFrame = field(repr=False)
    selection: dict[str, str]
    horizon_days: int
    origins: tuple[dt.date, ...]
    forecasts: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)


def backtest(
    history: pd.DataFrame,
    queues: Sequence[Queue],
    *,
    horizon_days: int,
    timezone: str,
    origins: int = 4,
    step_days: int = 7,
    country: str | None = None,
    interval_minutes: int | None = None,
    models: Sequence[str] = BACKTEST_MODELS,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    special_days: SpecialDays | None = None,
) -> BacktestResult:
    """Rolling-origin backtest of ``models`` on every queue, and the best model per queue.

    ``models`` defaults to ``BACKTEST_MODELS`` (every model but the slow
    interval-level prophet, ``prophet_day_type``).
    ``history`` is the history frame of ``wfm.forecast.forecast``.  Each of the
    ``origins`` test windows is ``horizon_days`` long; the last ends on the
    last day of the history and each earlier one starts ``step_days`` before
    the next.  Raises ``InputError`` for an unknown model or a queue with too
    little history before the earliest origin (14 days with volume).
    """
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise InputError(f"backtest: unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}")
    if horizon_days < 1 or origins < 1 or step_days < 1:
        raise InputError("backtest: horizon_days, origins and step_days must be at least 1")
    frame = _prepare_history(history, timezone)
    if interval_minutes is None:
        interval_minutes = infer_interval_minutes(history)
    rows = []
    kept: list[pd.DataFrame] = []
    used_origins: set[dt.date] = set()
    for q in queues:
        part = frame[frame[QUEUE] == q.name]
        if part.empty:
            raise InputError(f"history: queue '{q.name}' has no rows; add its history or remove the queue")
        series = _QueueSeries.from_rows(part, interval_minutes)
        last = series.days[-1]
        calendar = _Calendar.build(country, series.days[0].astype(dt.date), last.astype(dt.date))
        # Check the earliest origin before fitting anything.
        earliest = last - np.timedelta64((origins - 1) * step_days + horizon_days, "D")
        with_volume = int(((series.days <= earliest) & (series.volume.sum(axis=1) > 0)).sum())
        if with_volume < MIN_HISTORY_DAYS:
            raise InputError(
                f"backtest: queue '{q.name}' has {with_volume} days with volume up to the earliest origin "
                f"{earliest}; need {MIN_HISTORY_DAYS}: use fewer origins (now {origins}), a shorter step "
                f"(now {step_days} days) or a shorter horizon (now {horizon_days} days)"
            )
        windows = []
        for k in range(origins):
            test_end = last - np.timedelta64(k * step_days, "D")
            origin = test_end - np.timedelta64(horizon_days, "D")
            train = series.subset(series.days <= origin)
            t0 = time.perf_counter()
            test_days = np.arange(origin + 1, test_end + 1)
            predictions = _predict_models(
                train, q, test_days, calendar, models, seed=seed, special=special_days, strict=False
            )
            scores = _score_predictions(predictions, train, series, test_days)
            windows.append((origin, test_days, predictions))
            for name, values in scores.items():
                rows.append({QUEUE: q.name, ORIGIN: origin.astype(dt.date), MODEL: name, **values})
            used_origins.add(origin.astype(dt.date))
            message = f"backtest {q.name}: origin {origin} scored {len(models)} models in {time.perf_counter() - t0:.1f} s"
            logger.info(message)
            if progress is not None:
                progress(message)
        queue_summary = summarise(
            pd.DataFrame([r for r in rows if r[QUEUE] == q.name], columns=[QUEUE, ORIGIN, MODEL, *METRICS])
        )
        chosen = str(queue_summary.iloc[0][MODEL])
        kept += [_window_frame(q.name, chosen, o, d, p[chosen], series) for o, d, p in windows]
    scores_frame = pd.DataFrame(rows, columns=[QUEUE, ORIGIN, MODEL, *METRICS])
    summary = summarise(scores_frame)
    selection = {str(qn): str(g.iloc[0][MODEL]) for qn, g in summary.groupby(QUEUE, sort=False)}
    forecasts = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame()
    return BacktestResult(
        scores_frame, summary, selection, horizon_days, tuple(sorted(used_origins)), forecasts
    )


def _window_frame(
    queue: str, model: str, origin: np.datetime64, days: np.ndarray, yhat: np.ndarray, actual: _QueueSeries
) -> pd.DataFrame:
    """Long frame of one test window: the forecast beside the actuals, on the days the actuals have."""
    row_of = {d: i for i, d in enumerate(actual.days)}
    present = np.array([d in row_of for d in days], dtype=bool)
    y = actual.volume[[row_of[d] for d in days[present]]]
    h = actual.interval_minutes
    starts = days[present][:, None].astype("datetime64[m]") + (np.arange(y.shape[1]) * h).astype(
        "timedelta64[m]"
    )
    return pd.DataFrame(
        {
            QUEUE: queue,
            ORIGIN: origin.astype(dt.date),
            MODEL: model,
            DS: pd.DatetimeIndex(starts.ravel()),
            ACTUAL: y.ravel(),
            YHAT: yhat[present].ravel(),
        }
    )


def backtest_scenario(
    scenario: Scenario,
    *,
    origins: int = 4,
    step_days: int = 7,
    models: Sequence[str] = BACKTEST_MODELS,
    progress: Callable[[str], None] | None = None,
    special_days: SpecialDays | None = None,
) -> BacktestResult:
    """:func:`backtest` of a scenario's history; the horizon is its planning period's length in days.

    ``special_days`` defaults to the scenario folder's ``special_days.csv`` when there is one.
    """
    if special_days is None and scenario.source_dir is not None:
        special_days = read_special_days(Path(scenario.source_dir) / SPECIAL_DAYS_FILE)
    return backtest(
        scenario.history,
        scenario.queues,
        horizon_days=len(scenario.horizon.days),
        timezone=scenario.horizon.timezone,
        origins=origins,
        step_days=step_days,
        country=scenario.country,
        models=models,
        seed=scenario.solver.seed,
        progress=progress,
        special_days=special_days,
    )


def evaluate_models(
    train: _QueueSeries,
    actual: _QueueSeries,
    queue: Queue,
    test_days: np.ndarray,
    calendar: _Calendar,
    models: Sequence[str],
    *,
    seed: int = 0,
    special_days: SpecialDays | None = None,
) -> dict[str, dict[str, float]]:
    """Fit ``models`` on ``train``, predict ``test_days`` and score them on the days ``actual`` has."""
    predictions = _predict_models(train, queue, test_days, calendar, models, seed=seed, special=special_days)
    return _score_predictions(predictions, train, actual, test_days)


def _score_predictions(
    predictions: dict[str, np.ndarray], train: _QueueSeries, actual: _QueueSeries, test_days: np.ndarray
) -> dict[str, dict[str, float]]:
    row_of = {d: i for i, d in enumerate(actual.days)}
    present = np.array([d in row_of for d in test_days], dtype=bool)
    y = actual.volume[[row_of[d] for d in test_days[present]]]
    scale = seasonal_naive_scale(train)
    return {name: score(y, yhat[present], scale) for name, yhat in predictions.items()}


def seasonal_naive_scale(series: _QueueSeries, season_days: int = 7) -> float:
    """Mean in-sample |y(day, slot) − y(day − 7, slot)| over days present with their week-earlier twin.

    MASE's denominator; days are matched by date, so missing days do not shift the season.
    """
    row_of = {d: i for i, d in enumerate(series.days)}
    pairs = [
        (i, row_of[d - np.timedelta64(season_days, "D")])
        for i, d in enumerate(series.days)
        if d - np.timedelta64(season_days, "D") in row_of
    ]
    if not pairs:
        return float("nan")
    now, before = (np.array(p) for p in zip(*pairs, strict=True))
    return float(np.mean(np.abs(series.volume[now] - series.volume[before])))


def score(y: np.ndarray, yhat: np.ndarray, mase_scale: float) -> dict[str, float]:
    """``METRICS`` of a (days × slots) forecast ``yhat`` against actuals ``y`` (contacts per slot).

    >>> y = np.array([[10.0, 30.0], [20.0, 40.0]])
    >>> s = score(y, y * 1.1, mase_scale=4.0)
    >>> round(s["wape"], 3), round(s["daily_wape"], 3), round(s["bias"], 3), round(s["mase"], 3)
    (0.1, 0.1, 0.1, 0.625)
    """
    total = float(y.sum())
    err = yhat - y
    daily = yhat.sum(axis=1) - y.sum(axis=1)
    nan = float("nan")
    return {
        "wape": float(np.abs(err).sum() / total) if total > 0 else nan,
        "daily_wape": float(np.abs(daily).sum() / total) if total > 0 else nan,
        "mase": float(np.abs(err).mean() / mase_scale) if mase_scale > 0 else nan,
        "rmse": float(np.sqrt(np.mean(err**2))) if err.size else nan,
        "bias": float(err.sum() / total) if total > 0 else nan,
    }


def summarise(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean of each metric over origins per queue and model, best ``wape`` first within a queue."""
    summary = scores.groupby([QUEUE, MODEL], sort=False)[list(METRICS)].mean().reset_index()
    order = {q: i for i, q in enumerate(dict.fromkeys(scores[QUEUE]))}
    summary["_q"] = summary[QUEUE].map(order)
    return summary.sort_values(["_q", "wape"], kind="stable").drop(columns="_q").reset_index(drop=True)


def selection_document(result: BacktestResult) -> dict:
    """The JSON document of ``result``'s choices (see :func:`write_selection`)."""
    queues = {}
    for qn, group in result.summary.groupby(QUEUE, sort=False):
        queues[str(qn)] = {
            MODEL: result.selection[str(qn)],
            "scores": {str(r[MODEL]): {m: _round(r[m]) for m in METRICS} for _, r in group.iterrows()},
        }
    return {
        "version": SELECTION_VERSION,
        "metric": "wape",
        "horizon_days": result.horizon_days,
        "origins": [d.isoformat() for d in result.origins],
        "queues": queues,
    }


def write_selection(result: BacktestResult, path: str | Path) -> Path:
    """Write ``forecast_models.json``: per queue the selected model and every model's mean scores.

    Format::

        {"version": 1, "metric": "wape", "horizon_days": 31, "origins": ["2026-10-01", ...],
         "queues": {"phone_retail": {"model": "ensemble",
                                     "scores": {"ensemble": {"wape": 0.071, ...}, ...}}}}
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(selection_document(result), indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def read_selection(path: str | Path) -> dict[str, str]:
    """queue → model from a file :func:`write_selection` wrote (the ``models`` of ``forecast``)."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        models = {str(q): str(v[MODEL]) for q, v in doc["queues"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(
            f"{path.name}: not a forecast model selection ({exc}); rerun 'wfm backtest'"
        ) from exc
    bad = sorted(f"{q}: '{m}'" for q, m in models.items() if m not in MODELS)
    if bad:
        raise InputError(f"{path.name}: unknown model {', '.join(bad)} (known: {', '.join(MODELS)})")
    return models


def _round(x: float) -> float | None:
    return None if not np.isfinite(x) else round(float(x), 5)


def backtest_band(
    forecasts: pd.DataFrame, quantiles: tuple[float, float] = BAND_QUANTILES
) -> tuple[float, float]:
    """Quantiles of the backtest's standardised interval errors ``(y − ŷ) / sqrt(max(ŷ, 1))``.

    The band of a forecast ``ŷ`` is then ``ŷ + q·sqrt(ŷ)``: calibrated on the
    backtest's own errors, so it is as wide as the model's misses were, not as
    a noise model says they should be.
    """
    open_ = forecasts[YHAT] > 0
    if not open_.any():
        return 0.0, 0.0
    yhat = forecasts.loc[open_, YHAT].to_numpy()
    z = (forecasts.loc[open_, ACTUAL].to_numpy() - yhat) / np.sqrt(np.maximum(yhat, 1.0))
    low, high = np.quantile(z, quantiles)
    return float(low), float(high)


def plot_backtest(result: BacktestResult, queue: str, path: str | Path) -> Path:
    """Write a PNG of ``queue``'s backtest: the selected model's forecasts against the actuals.

    Top: the latest test window per interval, forecast with the backtest band
    (:func:`backtest_band`, 10–90%) and actuals.  Bottom: daily totals of every
    test window, forecast against actuals.  Volumes are contacts per history
    interval / per day on the local wall clock.  Returns the path written.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = result.forecasts[result.forecasts[QUEUE] == queue] if len(result.forecasts) else result.forecasts
    if rows.empty:
        raise InputError(f"plot_backtest: queue '{queue}' has no backtest forecasts")
    model = str(rows[MODEL].iloc[0])
    low, high = backtest_band(rows)
    latest = rows[rows[ORIGIN] == rows[ORIGIN].max()].sort_values(DS)
    yhat = latest[YHAT].to_numpy()
    root = np.sqrt(np.maximum(yhat, 0.0))
    summary = result.summary[(result.summary[QUEUE] == queue) & (result.summary[MODEL] == model)].iloc[0]

    fig = Figure(figsize=(14, 8), dpi=100)
    FigureCanvasAgg(fig)
    top, bottom = fig.add_subplot(2, 1, 1), fig.add_subplot(2, 1, 2)
    top.fill_between(
        latest[DS],
        np.maximum(yhat + low * root, 0.0),
        yhat + high * root,
        color="tab:blue",
        alpha=0.25,
        lw=0,
        label="backtest band (10–90%)",
    )
    top.plot(latest[DS], latest[ACTUAL], color="0.25", lw=0.8, label="actual offered")
    top.plot(latest[DS], yhat, color="tab:blue", lw=1.0, label=f"forecast ({model})")
    top.set_title(
        f"{queue}: backtest from origin {latest[ORIGIN].iloc[0]} — mean over {len(result.origins)} origins: "
        f"WAPE {summary['wape']:.1%}, daily WAPE {summary['daily_wape']:.1%}, bias {summary['bias']:+.1%}"
    )
    top.set_ylabel("contacts per interval")
    top.set_ylim(bottom=0)
    top.legend(loc="upper left")
    daily = rows.assign(day=rows[DS].dt.normalize()).groupby([ORIGIN, "day"])[[ACTUAL, YHAT]].sum()
    for i, (origin, g) in enumerate(daily.groupby(level=0)):
        days = g.index.get_level_values("day")
        bottom.plot(days, g[YHAT], color=f"C{i % 10}", lw=1.0, ls="--", label=f"forecast from {origin}")
    actual_daily = rows.assign(day=rows[DS].dt.normalize()).drop_duplicates([DS]).groupby("day")[ACTUAL].sum()
    bottom.plot(actual_daily.index, actual_daily.to_numpy(), color="0.2", lw=1.5, marker=".", label="actual")
    bottom.set_ylabel("contacts per day")
    bottom.set_ylim(bottom=0)
    bottom.legend(loc="upper left", fontsize="small")
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
        ax.set_xlabel("local time")
    fig.autofmt_xdate()
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, format="png")
    return path
