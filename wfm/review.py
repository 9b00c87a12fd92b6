"""Plan against actual: how good was the live plan's forecast, staffing and service level, per queue and day.

``wfm review --start DATE --end DATE --out DIR`` reads the live plan
(:func:`wfm.store.live_plan`) and the imported actuals
(:func:`wfm.store.load_actuals`) for those days and compares them per queue
and interval, then per queue and day (``review.csv``) and per queue over the
period.

Definitions (sums over the intervals of the queue and day, or period)
----------------------------------------------------------------------
A queue and day is reviewed when the actuals hold at least one row for it; an
interval of that day without an actuals row had no contacts (offered 0), the
convention of ``history.csv``.  Actuals on a finer grid than the plan (15
against 30 minutes) are summed onto the plan's intervals.

* volume: ``abs_error`` = Σ|actual − forecast|; ``wape`` = abs_error / Σ actual;
  ``bias`` = Σ(forecast − actual) / Σ actual (positive: over-forecast), as
  :mod:`wfm.backtest` defines them, so a review's WAPE is comparable with a
  backtest's.
* handle time, weighted by actual volume: ``aht_wape`` = Σ actual·|aht_f − aht_a| /
  Σ actual·aht_a and ``aht_bias`` = Σ actual·(aht_f − aht_a) / Σ actual·aht_a.
* staffing, in agent-hours: ``required`` is the plan's gross requirement,
  ``scheduled`` the roster's agents on the phone, ``needed`` the gross
  requirement of the actual volume and handle time
  (:func:`wfm.pipeline.run_staffing` on a forecast-shaped frame of the
  actuals).  ``short_hours`` = Σ max(0, needed − scheduled); ``short_intervals``
  counts the intervals where scheduled < needed.
* service level: ``predicted_service_level`` is the plan's (volume-weighted,
  at the scheduled agents and the forecast load);
  ``service_level_at_actual_load`` is the same queueing model at the scheduled
  agents and the *actual* load; ``achieved_service_level`` =
  Σ answered_within_threshold / Σ offered over the intervals whose actuals
  carry ``answered_within_threshold`` (contacts abandoned count as not
  answered in time, as Erlang C's prediction does).  The difference between
  predicted and at-actual-load is the forecast's share of a service-level
  miss; the rest is the queueing model's and the floor's (absence,
  adherence).

No I/O except :func:`write_review`, which writes a folder atomically.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from wfm import schema as S
from wfm import store

ACTUAL = "actual"
ABS_ERROR = "abs_error"
ALL_QUEUES = "(all queues)"
REVIEW_CSV = "review.csv"
REVIEW_XLSX = "review.xlsx"
REVIEW_PNG = "forecast_vs_actual.png"
INTERVAL_COLUMNS = (
    S.QUEUE,
    S.DS,
    S.DATE,
    "run_id",
    S.FORECAST,
    ACTUAL,
    ABS_ERROR,
    "aht_forecast",
    "aht_actual",
    "required",
    "scheduled",
    "needed",
    "predicted_service_level",
    "service_level_at_actual_load",
    store.ANSWERED_WITHIN_THRESHOLD,
)
DAILY_COLUMNS = (
    S.QUEUE,
    S.DATE,
    "run_id",
    "intervals",
    ACTUAL,
    S.FORECAST,
    ABS_ERROR,
    "wape",
    "bias",
    "aht_actual",
    "aht_forecast",
    "aht_wape",
    "aht_bias",
    "required_hours",
    "scheduled_hours",
    "needed_hours",
    "short_hours",
    "short_intervals",
    "predicted_service_level",
    "service_level_at_actual_load",
    "achieved_service_level",
    "service_level_gap",
)


@dataclass(frozen=True)
class Review:
    """A review of ``start .. end``.

    ``intervals``: per queue and interval (:data:`INTERVAL_COLUMNS`);
    ``daily``: per queue and day (:data:`DAILY_COLUMNS`), the rows of
    ``review.csv``; ``queues``: per queue over the period, then ``(all
    queues)``; ``largest``: the days and intervals with the largest forecast
    errors and staffing shortfalls; ``notes``: plain sentences (actuals
    without a plan, days without actuals).
    """

    start: dt.date
    end: dt.date
    run_ids: tuple[int, ...]
    intervals: pd.DataFrame = field(repr=False)
    daily: pd.DataFrame = field(repr=False)
    queues: pd.DataFrame = field(repr=False)
    largest: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()


def review(
    db: str | os.PathLike | Engine | None,
    start: dt.date,
    end: dt.date,
    *,
    scenario: str | None = None,
    top: int = 10,
) -> Review:
    """Compare the live plan for ``start .. end`` (local dates, inclusive) with the store's actuals.

    Raises :class:`wfm.store.StoreError` when no live plan covers the days and
    ``InputError`` when no actuals fall on a planned queue and day.
    """
    if end < start:
        raise S.InputError(f"--end {end} is before --start {start}")
    parts = store.live_plan(db, start, end, scenario)
    frames, notes = [], []
    planned = {d for p in parts for d in p.days}
    unplanned = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    unplanned = [d for d in unplanned if d not in planned]
    if unplanned:
        notes.append(f"no live plan for {len(unplanned)} day(s) of the period ({_days_text(unplanned)})")
    for part in parts:
        tz = part.scenario.horizon.timezone
        queues = [q.name for q in part.scenario.queues]
        actuals = store.load_actuals(db, tz, start=part.days[0], end=part.days[-1])
        actuals = actuals[actuals[S.INTERVAL_START].dt.date.isin(set(part.days))]
        stray = sorted(set(actuals[S.QUEUE]) - set(queues))
        if stray:
            notes.append(
                f"actuals of queue(s) {', '.join(stray)} have no plan in run {part.run_id} (queues: "
                f"{', '.join(queues)}); not reviewed"
            )
        actuals = actuals[actuals[S.QUEUE].isin(queues)]
        if actuals.empty:
            continue
        frames.append(_interval_frame(part, _on_plan_grid(actuals, part.scenario.horizon.interval_minutes)))
    if not frames:
        raise S.InputError(
            f"no actuals in the store for the planned queues on {start} .. {end}; "
            "import them first (wfm actuals import FILE)"
        )
    intervals = pd.concat(frames, ignore_index=True)
    reviewed = set(map(tuple, intervals[[S.QUEUE, S.DATE]].drop_duplicates().to_numpy().tolist()))
    for part in parts:
        for q in part.scenario.queues:
            missing = [d for d in part.days if (q.name, d) not in reviewed]
            if missing and len(missing) < len(part.days):
                notes.append(
                    f"{q.name}: no actuals on {len(missing)} planned day(s) ({_days_text(missing)}); "
                    "those days are not reviewed"
                )
            elif missing:
                notes.append(f"{q.name}: no actuals in {start} .. {end}; not reviewed")
    iv = {p.run_id: p.scenario.horizon.interval_minutes for p in parts}
    hours = intervals["run_id"].map(iv) / 60.0
    daily = summarise(intervals, [S.QUEUE, S.DATE], hours)
    daily.insert(2, "run_id", intervals.groupby([S.QUEUE, S.DATE])["run_id"].first().to_numpy())
    per_queue = summarise(intervals, [S.QUEUE], hours)
    overall = summarise(intervals.assign(**{S.QUEUE: ALL_QUEUES}), [S.QUEUE], hours)
    queues = pd.concat([per_queue, overall], ignore_index=True)
    return Review(
        start,
        end,
        tuple(p.run_id for p in parts),
        intervals,
        daily[list(DAILY_COLUMNS)],
        queues,
        largest_gaps(daily, intervals, top),
        tuple(notes),
    )


def _days_text(days: list[dt.date]) -> str:
    shown = ", ".join(str(d) for d in days[:5])
    return shown + (f" and {len(days) - 5} more" if len(days) > 5 else "")


def _on_plan_grid(actuals: pd.DataFrame, interval_minutes: int) -> pd.DataFrame:
    """Actuals summed onto the plan's intervals (handle time weighted by volume); coarser actuals are refused."""
    ts = actuals[S.INTERVAL_START]
    minute = ts.dt.hour * 60 + ts.dt.minute
    aligned = bool((minute % interval_minutes == 0).all() and (ts.dt.second == 0).all())
    if aligned:
        from wfm.forecast import infer_interval_minutes

        try:
            actual_iv = infer_interval_minutes(actuals)
        except S.InputError:
            actual_iv = interval_minutes
        if actual_iv > interval_minutes:
            raise S.InputError(
                f"the actuals are {actual_iv}-minute intervals and the plan {interval_minutes}-minute ones; "
                f"import actuals at {interval_minutes} minutes or finer"
            )
        ds = ts
    else:
        ds = ts.dt.floor(f"{interval_minutes}min", ambiguous="NaT", nonexistent="shift_backward")
    a = actuals.assign(
        **{
            S.DS: ds,
            "_work": actuals[S.OFFERED] * actuals[S.AHT_SECONDS].fillna(0.0),
            "_timed": actuals[S.OFFERED].where(actuals[S.AHT_SECONDS].notna(), 0.0),
        }
    )
    a = a[a[S.DS].notna()]
    g = a.groupby([S.QUEUE, S.DS], as_index=False).agg(
        **{
            ACTUAL: (S.OFFERED, "sum"),
            "_work": ("_work", "sum"),
            "_timed": ("_timed", "sum"),
            store.ANSWERED_WITHIN_THRESHOLD: (store.ANSWERED_WITHIN_THRESHOLD, lambda s: s.sum(min_count=1)),
        }
    )
    g["aht_actual"] = np.where(g["_timed"] > 0, g["_work"] / g["_timed"].where(g["_timed"] > 0, 1.0), np.nan)
    return g.drop(columns=["_work", "_timed"])


def _interval_frame(part: store.PlanPart, actual: pd.DataFrame) -> pd.DataFrame:
    """Plan and actual side by side for every interval of the reviewed queue-days of one live run."""
    from wfm.evaluate import coverage_frame
    from wfm.pipeline import run_staffing

    fc = part.forecast.rename(columns={S.YHAT: S.FORECAST, S.AHT_SECONDS: "aht_forecast"})
    fc = fc.assign(**{S.DATE: fc[S.DS].dt.date})
    days = set(
        map(
            tuple, actual.assign(d=actual[S.DS].dt.date)[[S.QUEUE, "d"]].drop_duplicates().to_numpy().tolist()
        )
    )
    fc = fc[[(q, d) in days for q, d in zip(fc[S.QUEUE], fc[S.DATE], strict=True)]]
    base = fc[[S.QUEUE, S.DS, S.DATE, S.FORECAST, "aht_forecast"]].merge(
        actual, on=[S.QUEUE, S.DS], how="left"
    )
    base[ACTUAL] = base[ACTUAL].fillna(0.0)
    base[ABS_ERROR] = (base[ACTUAL] - base[S.FORECAST]).abs()
    plan = part.coverage[[S.QUEUE, S.DS, S.REQUIRED, S.SCHEDULED, S.SERVICE_LEVEL]].rename(
        columns={S.SERVICE_LEVEL: "predicted_service_level"}
    )
    base = base.merge(plan, on=[S.QUEUE, S.DS], how="left")
    base[S.REQUIRED] = base[S.REQUIRED].fillna(0.0)
    base[S.SCHEDULED] = base[S.SCHEDULED].fillna(0.0)
    # the actuals as a forecast: what staffing the month would have needed had the forecast been exact
    aht = base["aht_actual"].where((base[ACTUAL] > 0) & (base["aht_actual"] > 0), base["aht_forecast"])
    aht = aht.where(aht > 0, 1.0).fillna(1.0)
    as_forecast = pd.DataFrame(
        {
            S.QUEUE: base[S.QUEUE],
            S.DS: base[S.DS],
            S.YHAT: base[ACTUAL],
            S.YHAT_LOWER: base[ACTUAL],
            S.YHAT_UPPER: base[ACTUAL],
            S.AHT_SECONDS: aht,
        }
    )
    needed = run_staffing(part.scenario, as_forecast)[[S.QUEUE, S.DS, S.AGENTS_REQUIRED_GROSS]]
    base = base.merge(
        needed.rename(columns={S.AGENTS_REQUIRED_GROSS: "needed"}), on=[S.QUEUE, S.DS], how="left"
    )
    base["needed"] = base["needed"].astype(float)
    requirements = base[[S.QUEUE, S.DS]].assign(**{S.AGENTS_REQUIRED_GROSS: base[S.REQUIRED]})
    at_actual = coverage_frame(part.scenario, as_forecast, requirements, base[[S.QUEUE, S.DS, S.SCHEDULED]])
    base = base.merge(
        at_actual[[S.QUEUE, S.DS, S.SERVICE_LEVEL]].rename(
            columns={S.SERVICE_LEVEL: "service_level_at_actual_load"}
        ),
        on=[S.QUEUE, S.DS],
        how="left",
    )
    base["run_id"] = part.run_id
    return base[list(INTERVAL_COLUMNS)].sort_values([S.QUEUE, S.DS], kind="stable").reset_index(drop=True)


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).astype(float)


def summarise(intervals: pd.DataFrame, by: list[str], hours: pd.Series) -> pd.DataFrame:
    """Sum an interval frame by ``by`` into the review's measures (see the module docstring).

    ``hours``: each interval's length in hours, aligned with ``intervals``.
    """
    a, f = intervals[ACTUAL], intervals[S.FORECAST]
    aht_a, aht_f = intervals["aht_actual"], intervals["aht_forecast"].fillna(0.0)
    timed = a.where(aht_a.notna(), 0.0)
    sl_pred = intervals["predicted_service_level"]
    sl_act = intervals["service_level_at_actual_load"]
    awt = intervals[store.ANSWERED_WITHIN_THRESHOLD]
    short = (intervals["needed"] - intervals["scheduled"]).clip(lower=0)
    parts = pd.DataFrame(
        {
            **{c: intervals[c] for c in by},
            "intervals": 1,
            ACTUAL: a,
            S.FORECAST: f,
            ABS_ERROR: intervals[ABS_ERROR],
            "_err": f - a,
            "_work_a": timed * aht_a.fillna(0.0),
            "_timed": timed,
            "_work_f": f * aht_f,
            "_aht_abs": timed * (aht_f - aht_a).abs().fillna(0.0),
            "_aht_err": timed * (aht_f - aht_a).fillna(0.0),
            "required_hours": intervals["required"] * hours,
            "scheduled_hours": intervals["scheduled"] * hours,
            "needed_hours": intervals["needed"] * hours,
            "short_hours": short * hours,
            "short_intervals": (short > 1e-9).astype(int),
            "_pw": f.where(sl_pred.notna(), 0.0),
            "_psl": (sl_pred * f).fillna(0.0),
            "_aw": a.where(sl_act.notna(), 0.0),
            "_asl": (sl_act * a).fillna(0.0),
            "_awt": awt.fillna(0.0),
            "_awt_offered": a.where(awt.notna(), 0.0),
            "_has_awt": awt.notna().astype(int),
        }
    )
    g = parts.groupby(by, as_index=False, sort=True).sum(numeric_only=True)
    g["wape"] = _ratio(g[ABS_ERROR], g[ACTUAL])
    g["bias"] = _ratio(g["_err"], g[ACTUAL])
    g["aht_actual"] = _ratio(g["_work_a"], g["_timed"])
    g["aht_forecast"] = _ratio(g["_work_f"], g[S.FORECAST])
    g["aht_wape"] = _ratio(g["_aht_abs"], g["_work_a"])
    g["aht_bias"] = _ratio(g["_aht_err"], g["_work_a"])
    g["predicted_service_level"] = _ratio(g["_psl"], g["_pw"])
    g["service_level_at_actual_load"] = _ratio(g["_asl"], g["_aw"])
    g["achieved_service_level"] = _ratio(g["_awt"], g["_awt_offered"]).where(g["_has_awt"] > 0)
    g["service_level_gap"] = g["achieved_service_level"] - g["predicted_service_level"]
    cols = [c for c in DAILY_COLUMNS if c in g.columns]
    return g[cols]


def largest_gaps(daily: pd.DataFrame, intervals: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """Where to look: the ``top`` days and intervals by forecast error and by staffing shortfall."""
    rows = []
    for what, frame, key, where in (
        ("day: forecast error", daily, ABS_ERROR, S.DATE),
        ("day: understaffed (agent-hours)", daily, "short_hours", S.DATE),
        ("interval: forecast error", intervals, ABS_ERROR, S.DS),
        (
            "interval: understaffed (agents)",
            intervals.assign(shortfall=intervals["needed"] - intervals["scheduled"]),
            "shortfall",
            S.DS,
        ),
    ):
        hits = frame[frame[key] > 1e-9].sort_values(key, ascending=False, kind="stable").head(top)
        for r in hits.itertuples(index=False):
            r = r._asdict()
            when = r[where]
            rows.append(
                {
                    "what": what,
                    S.QUEUE: r[S.QUEUE],
                    "when": when.strftime("%Y-%m-%d %H:%M") if isinstance(when, pd.Timestamp) else str(when),
                    "amount": float(r[key]),
                    ACTUAL: float(r[ACTUAL]),
                    S.FORECAST: float(r[S.FORECAST]),
                    "needed": float(r.get("needed", r.get("needed_hours", math.nan))),
                    "scheduled": float(r.get("scheduled", r.get("scheduled_hours", math.nan))),
                }
            )
    return pd.DataFrame(
        rows, columns=["what", S.QUEUE, "when", "amount", ACTUAL, S.FORECAST, "needed", "scheduled"]
    )


# ---------------------------------------------------------------------------
# Writing (the edge)
# ---------------------------------------------------------------------------
_PERCENT = (
    "wape",
    "bias",
    "aht_wape",
    "aht_bias",
    "predicted_service_level",
    "service_level_at_actual_load",
    "achieved_service_level",
    "service_level_gap",
)


def write_review(out: str | os.PathLike, result: Review) -> list[str]:
    """Write review.csv, review.xlsx and forecast_vs_actual.png into the new folder ``out``, atomically.

    ``out`` must not exist (or be empty); a failure leaves nothing.  Returns the file names written.
    """
    from wfm.export import RunFolder, csv_bytes

    with RunFolder(
        out
    ) as folder:  # a hidden folder renamed into place: the files appear together or not at all
        folder.path(REVIEW_CSV).write_bytes(csv_bytes(result.daily))
        folder.path(REVIEW_XLSX).write_bytes(review_workbook(result))
        plot_review(folder.path(REVIEW_PNG), result.intervals)
        folder.commit()
    return [REVIEW_CSV, REVIEW_XLSX, REVIEW_PNG]


def _cell(ws: Any, row: int, col: int, value: Any, number_format: str | None = None) -> Any:
    """A cell whose text is never a formula; NaN left empty; timestamps as local wall-clock time."""
    from wfm.export import is_formula_like, xlsx_text

    if isinstance(value, pd.Timestamp):
        value = value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    elif isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ws.cell(row=row, column=col, value=None)
    if isinstance(value, str):
        c = ws.cell(row=row, column=col, value=xlsx_text(value))
        c.data_type = "s"
        if is_formula_like(value):
            c.quotePrefix = True
        return c
    c = ws.cell(row=row, column=col, value=value)
    if number_format:
        c.number_format = number_format
    elif isinstance(value, dt.datetime):
        c.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, dt.date):
        c.number_format = "yyyy-mm-dd"
    return c


def _table(wb: Any, title: str, frame: pd.DataFrame, first_row: int = 1, ws: Any = None) -> Any:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = ws or wb.create_sheet(title)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE4EE")
    for j, col in enumerate(frame.columns, start=1):
        c = _cell(ws, first_row, j, str(col))
        c.font, c.fill = bold, fill
        width = max(len(str(col)), 10)
        ws.column_dimensions[get_column_letter(j)].width = max(
            ws.column_dimensions[get_column_letter(j)].width or 0, min(width + 2, 40)
        )
    formats = {c: ("0.0%" if c in _PERCENT else "#,##0.00") for c in frame.columns}
    for i, row in enumerate(frame.itertuples(index=False), start=first_row + 1):
        for j, (col, v) in enumerate(zip(frame.columns, row, strict=True), start=1):
            _cell(ws, i, j, v, formats[col] if isinstance(v, float | np.floating) else None)
    if first_row == 1 and len(frame.columns):
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"
    return ws


def review_workbook(result: Review) -> bytes:
    """``review.xlsx``: Summary (per queue, notes), Daily (with a chart per queue), Largest gaps, Intervals."""
    import io

    from openpyxl import Workbook
    from openpyxl.chart import LineChart, Reference, Series
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    _cell(ws, 1, 1, f"Plan against actual, {result.start} .. {result.end}").font = Font(bold=True, size=12)
    _cell(ws, 2, 1, "live run(s)")
    _cell(ws, 2, 2, ", ".join(str(r) for r in result.run_ids))
    _table(wb, "Summary", result.queues, first_row=4, ws=ws)
    row = len(result.queues) + 6
    for note in result.notes:
        _cell(ws, row, 1, note)
        row += 1
    daily = _table(wb, "Daily", result.daily)
    red = PatternFill(fill_type="solid", start_color="F4C7C3", end_color="F4C7C3")
    cols = list(result.daily.columns)
    from openpyxl.utils import get_column_letter

    for name in ("short_hours",):
        letter = get_column_letter(cols.index(name) + 1)
        daily.conditional_formatting.add(
            f"{letter}2:{letter}{len(result.daily) + 1}",
            CellIsRule(operator="greaterThan", formula=["0.0001"], fill=red),
        )
    anchor = get_column_letter(len(cols) + 2)
    n = 0
    for q in result.daily[S.QUEUE].unique():
        rows = np.flatnonzero((result.daily[S.QUEUE] == q).to_numpy())
        r0, r1 = int(rows[0]) + 2, int(rows[-1]) + 2
        chart = LineChart()
        chart.title = f"{q}: contacts per day, actual and forecast"
        chart.y_axis.title = "contacts"
        chart.x_axis.number_format = "yyyy-mm-dd"
        chart.height, chart.width = 8, 20
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        for col in (ACTUAL, S.FORECAST):
            chart.series.append(
                Series(Reference(daily, min_col=cols.index(col) + 1, min_row=r0, max_row=r1), title=col)
            )
        chart.set_categories(Reference(daily, min_col=cols.index(S.DATE) + 1, min_row=r0, max_row=r1))
        daily.add_chart(chart, f"{anchor}{2 + 17 * n}")
        n += 1
    _table(wb, "Largest gaps", result.largest)
    _table(wb, "Intervals", result.intervals)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def plot_review(path: str | os.PathLike, intervals: pd.DataFrame) -> None:
    """PNG: forecast against actual contacts per interval, one panel per queue."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    queues = list(dict.fromkeys(intervals[S.QUEUE]))
    fig = Figure(figsize=(14, 3.2 * max(1, len(queues))), dpi=90)
    FigureCanvasAgg(fig)
    axes = fig.subplots(max(1, len(queues)), 1, sharex=True, squeeze=False)
    for ax, q in zip(axes[:, 0], queues, strict=False):
        sub = intervals[intervals[S.QUEUE] == q]
        x = sub[S.DS].dt.tz_localize(None)
        ax.plot(x, sub[ACTUAL].to_numpy(), color="0.25", lw=0.8, label="actual offered")
        ax.plot(x, sub[S.FORECAST].to_numpy(), color="tab:blue", lw=0.9, label="forecast")
        wape = sub[ABS_ERROR].sum() / sub[ACTUAL].sum() if sub[ACTUAL].sum() > 0 else math.nan
        ax.set_title(f"{q}: WAPE {wape:.1%}")
        ax.set_ylabel("contacts per interval")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="upper right", fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, format="png")
