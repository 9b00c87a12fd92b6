"""History → interval forecast of offered contacts and AHT, per queue.

The method is top-down (it measured best on real bank data for the effort):

1. **Daily totals.**  Each queue's history is summed per local date and prophet
   is fitted to ``log1p(daily total)`` with additive terms, so every effect is
   multiplicative on volume and the back-transformed forecast never goes
   negative.  Terms: linear trend; weekly seasonality; yearly seasonality
   (Fourier order 10 with two years of history, a damped order 3 with one to
   two years, none below a year); and calendar events:

   * public holidays from the ``holidays`` package for ``country``, grouped
     into *holiday blocks*: a maximal run of non-working days (holidays,
     substituted days off, and the weekend days between them) named after the
     holiday that occurs most often in it.  Each block is one prophet holiday
     anchored on the first day of that holiday with a window covering the
     whole block, so every Spring Festival of the history teaches the model the
     effect of "day 0, day 1, ... of Spring Festival";
   * ``makeup_workday``: weekend days that are official working days (China's
     调休), which behave like weekdays;
   * ``pre_holiday`` (the working day before a block of three days or more)
     and ``post_holiday`` (the first two days after it), shared by all blocks;
   * ``month_end``: the last two business days of each month;
   * ``payday``: the 10th and the 25th, moved back to the previous business
     day when they are not working days (how Chinese employers pay).

   The model's point forecast is the median of the daily total.  Its band is
   prophet's predictive interval (trend and noise), ``uncertainty_samples=300``
   with numpy seeded by ``seed``, so the output is reproducible.

2. **Intraday profile** per day type (Mon–Fri, Saturday, Sunday, public
   holiday; make-up workdays count as Mon–Fri): the volume-weighted share of
   the day's volume in each local time of day over the last ``profile_weeks``
   weeks, lightly smoothed (kernel 1-4-1 inside opening hours).  Holidays use
   the most recent holiday days of the whole history and fall back to the
   Sunday profile when there are fewer than three of them.

3. **Interval forecast** = daily forecast × profile share, with the shares of a
   day renormalised over the queue's open intervals.  The band of an interval
   combines two independent deviations in quadrature: the daily band times the
   share, and the within-day noise ``z·sqrt(φ·μ)`` where ``μ`` is the interval
   forecast and ``φ ≥ 1`` is the queue's dispersion of interval volumes around
   ``day total × share`` measured on the profile window (φ = 1 is pure Poisson
   noise).  This is a normal approximation; it is wider than the daily band
   times the share, which would be too narrow for staffing.

4. **AHT** per kind of day and time of day: the volume-weighted mean of
   ``aht_seconds`` for each calendar weekday (ordinary days of the profile
   window), for public holidays (the last holiday days of the history) and
   for each named special-day type (its past days), shrunk towards a parent
   with a prior weight of 20 calls: a weekday towards its day type under the
   *calendar's* weekend (working day, first or last weekend day), a holiday
   towards the last weekend day, a special type towards its dates' weekdays;
   the day types towards the queue's mean at that time of day, and that
   towards the queue's overall mean.  Where a level has no data the value is
   exactly its fallback.  A day that behaves like another weekday takes its AHT.

Other models (``MODELS``; ``wfm.backtest`` scores them by rolling origin and
records the best per queue, which ``forecast(models=...)`` then uses):
``seasonal_naive`` (last ordinary same weekday), ``hist_avg_4w`` /
``hist_avg_8w`` (mean of the same weekday and slot over the last 4 / 8 weeks,
holidays and outage days left out), ``weekday_level`` (the 8-week weekday
mean daily total), ``recent_level`` (an 8-week weekday index × the level of
the last 3 weeks) and ``calendar_level`` (robust: 8-week weekday *medians* ×
the last 3 weeks' median level, shrunk towards the index by its standard
error, × calendar effects learned from the whole history: the first three
working days of a month, the day before and the day after public holidays,
the latter starting from a Monday's volume; see ``_DayModel``), each spread by
a profile that averages the day-type profile above with the date's own
weekday profile, ``ensemble`` (the mean of top-down's and
``recent_level``'s daily totals, same profile) and ``prophet_day_type``
(prophet on the interval series with one conditional daily seasonality per day
type; slow, so left out of the backtest by default).  Holidays and closed days
keep the top-down forecast in every model but the baselines.  An *outage* (a
day outside holidays with under 20% of its weekday's median volume) is left out
of every fit.  The weekend comes from the ``holidays`` calendar: in Israel
Friday is the "Saturday" day type and Saturday the "Sunday" one.

**Special days** (``special_days``, from the scenario's ``special_days.csv``;
see ``wfm.special_days``): past ones are left out of every fit and profile;
in the horizon a ``closed`` day is zero, a day that behaves like a weekday
gets that weekday's level and shape, and a named type (``holiday_eve``,
``half_day``, ...) gets the model's forecast of the date times the type's
effect, learned from its past days as their median ratio to the ordinary
same-weekday days around them, with their pooled intraday shape (or the
row's ``effect``).  This works the same for every model and in the backtest.

Everything is keyed on local wall-clock (date, minute of day), never on row
position, so 23 h and 25 h days at DST changes work: a repeated local hour gets
the profile share of its label and the day is renormalised.  Different history
and horizon interval lengths work too: shares are spread uniformly over the
minutes of a history interval and summed over the minutes of a horizon one.

Missing data: a date with no rows for a queue is missing and is left out of the
fit and the profiles; inside a present date, intervals without rows have zero
volume.  Two systematic gaps are read as closures instead: a weekday with no
volume in any of its occurrences in the profile window (a queue closed on
Sundays) and a holiday day (day *k* of Spring Festival) with no volume in any
past year both get a zero forecast.  A partial first or last date (an export
cut mid-day) is dropped.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from wfm.schema import (
    AHT_SECONDS,
    DS,
    FORECAST_COLUMNS,
    HISTORY_REQUIRED,
    INTERVAL_START,
    OFFERED,
    QUEUE,
    YHAT,
    YHAT_LOWER,
    YHAT_UPPER,
    Horizon,
    InputError,
    Queue,
)
from wfm.special_days import HALF_DAY, HALF_DAY_DEFAULT_EFFECT, SpecialDays

logger = logging.getLogger(__name__)

MIN_HISTORY_DAYS = 14
#: Point-forecast models, each a unit in "Alternative models" below; the backtest compares them.
MODELS = (
    "top_down",
    "seasonal_naive",
    "hist_avg_4w",
    "hist_avg_8w",
    "weekday_level",
    "recent_level",
    "calendar_level",
    "ensemble",
    "prophet_day_type",
)
#: What ``wfm.backtest`` compares unless told otherwise: all but the slow interval-level prophet.
BACKTEST_MODELS = tuple(m for m in MODELS if m != "prophet_day_type")
DEFAULT_MODEL = "top_down"
UNCERTAINTY_SAMPLES = 300
INTERVAL_MINUTES_INFERABLE = (60, 30, 15, 5)

_MINUTES_PER_DAY = 24 * 60
_SMOOTHING_KERNEL = np.array([1.0, 4.0, 1.0])
_AHT_PRIOR_CALLS = 20.0
_MIN_HOLIDAY_PROFILE_DAYS = 3
_HOLIDAY_PROFILE_DAYS = 12
_MIN_PROFILE_DAYS = 2
_PARTIAL_DAY_MARGIN_MINUTES = 60
_MAX_DISPERSION = 100.0
_OUTAGE_SHARE = 0.2
_INDEX_WEEKS = 8
_LEVEL_WEEKS = 3
_PROPHET_DAILY_ORDER = 10
_MONTH_START_DAYS = 3
_EFFECT_PRIOR_DAYS = 2.0
_LOCAL_DAYS = 28
_MEDIAN_SE = 1.2533  # standard error of a median over that of a mean (normal data)

# Day types of the intraday profile.
_WEEKDAY, _SATURDAY, _SUNDAY, _HOLIDAY = 0, 1, 2, 3
_WEEKDAY_NAMES = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
_PROFILE_FALLBACK = {
    _WEEKDAY: (_WEEKDAY, _SATURDAY, _SUNDAY),
    _SATURDAY: (_SATURDAY, _SUNDAY, _WEEKDAY),
    _SUNDAY: (_SUNDAY, _SATURDAY, _WEEKDAY),
    _HOLIDAY: (_HOLIDAY, _SUNDAY, _SATURDAY, _WEEKDAY),
}


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------
def forecast(
    history: pd.DataFrame,
    horizon: Horizon,
    queues: Sequence[Queue],
    *,
    country: str | None = None,
    interval_minutes: int | None = None,
    interval_width: float = 0.8,
    profile_weeks: int = 8,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    models: Mapping[str, str] | None = None,
    special_days: SpecialDays | None = None,
    quantiles: tuple[float, float] | None = None,
    aht: bool = True,
) -> pd.DataFrame:
    """Forecast offered contacts and AHT for every queue and interval of ``horizon``.

    ``history`` has the columns ``queue, interval_start, offered[, aht_seconds]``;
    ``interval_start`` is a timezone-aware timestamp (converted to
    ``horizon.timezone``; a naive one is read as local wall-clock time),
    ``offered`` is contacts per interval and ``aht_seconds`` their mean handle
    time in seconds.  ``aht=False`` forecasts volume only: ``aht_seconds``
    is then not needed and the output has no ``aht_seconds`` column.
    ``interval_minutes`` is the length of the *history's* intervals (inferred
    when ``None``); the output uses the horizon's.
    ``country`` is an ISO code for the ``holidays`` package (``"CN"``), or
    ``None`` for no public holidays.  ``interval_width`` is the probability
    mass of the band (0.8 → 10% and 90% quantiles); ``quantiles=(lo, hi)``
    sets the band's quantiles instead, ``0 < lo < 0.5 < hi < 1`` (they need
    not be symmetric, e.g. ``(0.2, 0.95)``).  ``profile_weeks`` is the
    number of recent weeks the intraday profiles and AHT are taken from.
    ``seed`` seeds numpy (prophet's uncertainty sampling) and cmdstan, so the
    same inputs give the same output.  ``progress`` receives one message per
    queue, e.g. ``"forecast phone_retail: fitted 730 days in 0.4 s"``.
    ``models`` maps a queue name to one of ``MODELS`` (what ``wfm.backtest``
    selected); a queue not in it uses ``DEFAULT_MODEL`` (top-down).  Another
    model replaces ``yhat`` only: the band is scaled by the same ratio, and
    AHT, opening hours and closed days stay the top-down ones (a special day
    declared open on a closed weekday gets the Poisson band).
    ``special_days`` (:func:`wfm.special_days.parse_special_days`, from the
    scenario's ``special_days.csv``) lists days that do not behave like their
    weekday: past ones are kept out of the fits, and those in the horizon are
    closed, take another weekday's volume and shape, or take the effect their
    type had on its past days (see ``wfm.special_days``).

    Returns one row per queue and interval with the columns
    ``schema.FORECAST_COLUMNS``: ``ds`` (timezone-aware interval start),
    ``yhat``/``yhat_lower``/``yhat_upper`` in contacts per interval (0 outside
    the queue's opening hours) and ``aht_seconds``.  The method is described
    in the module docstring.

    Raises ``InputError`` when a column is missing or a queue has no history
    or fewer than 14 days of it with volume (every such queue is listed).
    """
    if not 0.0 < interval_width < 1.0:
        raise InputError(f"forecast: interval_width must be between 0 and 1, got {interval_width}")
    band: float | tuple[float, float] = interval_width
    if quantiles is not None:
        lo, hi = quantiles
        if not 0.0 < lo < 0.5 < hi < 1.0:
            raise InputError(f"forecast: quantiles must satisfy 0 < lo < 0.5 < hi < 1, got {lo}, {hi}")
        # A symmetric pair is a width: the same path (and the same numbers) as interval_width.
        band = hi - lo if math.isclose(lo + hi, 1.0) else (lo, hi)
    if aht and AHT_SECONDS not in history.columns:
        raise InputError(f"history: column '{AHT_SECONDS}' is missing")
    if not aht:
        history = history.drop(columns=[AHT_SECONDS], errors="ignore")  # a placeholder, see _prepare_history
    columns = [c for c in FORECAST_COLUMNS if aht or c != AHT_SECONDS]
    if profile_weeks < 1:
        raise InputError(f"forecast: profile_weeks must be at least 1, got {profile_weeks}")
    models = dict(models or {})
    unknown = sorted(f"{q}={m}" for q, m in models.items() if m not in MODELS)
    if unknown:
        raise InputError(f"forecast: unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}")
    frame = _prepare_history(history, horizon.timezone)
    if interval_minutes is None:
        interval_minutes = infer_interval_minutes(history)
    elif interval_minutes <= 0 or _MINUTES_PER_DAY % interval_minutes:
        raise InputError(f"forecast: interval_minutes must divide a day, got {interval_minutes}")

    series: dict[str, _QueueSeries] = {}
    problems = []
    for q in queues:
        rows = frame[frame[QUEUE] == q.name]
        if rows.empty:
            problems.append(f"history: queue '{q.name}' has no rows; add its history or remove the queue")
            continue
        s = _QueueSeries.from_rows(rows, interval_minutes)
        with_volume = int((s.volume.sum(axis=1) > 0).sum())
        if with_volume < MIN_HISTORY_DAYS:
            problems.append(
                f"history: queue '{q.name}' has {with_volume} days of history with volume; "
                f"at least {MIN_HISTORY_DAYS} are needed to forecast it"
            )
            continue
        if s.aht_volume.sum() <= 0:
            problems.append(f"history: queue '{q.name}' has no positive aht_seconds on any row with volume")
            continue
        series[q.name] = s
    if problems:
        raise InputError(problems)
    if not series:
        return pd.DataFrame({c: [] for c in columns})

    first_day = min(s.days[0] for s in series.values()).astype(dt.date)
    calendar = _Calendar.build(country, first_day, horizon.end)
    z: float | tuple[float, float]
    if isinstance(band, tuple):
        z = (-NormalDist().inv_cdf(band[0]), NormalDist().inv_cdf(band[1]))
    else:
        z = NormalDist().inv_cdf(0.5 + band / 2)
    in_horizon = bool(special_days) and any(special_days.get(d) is not None for d in horizon.days)

    parts = []
    for q in queues:
        t0 = time.perf_counter()
        s = series[q.name]
        part, n_fit = _forecast_queue(
            s, q, horizon, calendar, band, z, profile_weeks, seed, special_days
        )
        model = models.get(q.name, DEFAULT_MODEL)
        if model != DEFAULT_MODEL or in_horizon:
            part = _replace_point_forecast(
                part, s, q, horizon, calendar, model, seed, profile_weeks, special_days, z
            )
        parts.append(part)
        message = f"forecast {q.name}: fitted {n_fit} days in {time.perf_counter() - t0:.1f} s ({model})"
        logger.info(message)
        if progress is not None:
            progress(message)
    return pd.concat(parts, ignore_index=True)[columns]


def forecast_history(
    history: pd.DataFrame,
    start: dt.date,
    end: dt.date,
    *,
    timezone: str,
    interval_minutes: int | None = None,
    country: str | None = None,
    models: Mapping[str, str] | None = None,
    seed: int = 0,
    special_days: SpecialDays | None = None,
    quantiles: tuple[float, float] | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """:func:`forecast` of every queue in ``history`` from ``start`` to ``end`` (inclusive local dates).

    For a history without a scenario: each queue's opening hours are taken from
    the history (:func:`queues_from_history`), and the horizon uses the
    history's interval length unless ``interval_minutes`` is given.  Without an
    ``aht_seconds`` column only volume is forecast.
    """
    if end < start:
        raise InputError(f"forecast: end {end} is before start {start}")
    queues = queues_from_history(history, timezone)
    horizon = Horizon(start, end, interval_minutes or infer_interval_minutes(history), timezone)
    return forecast(
        history, horizon, queues, country=country, seed=seed, models=models, special_days=special_days,
        quantiles=quantiles, progress=progress, aht=AHT_SECONDS in history.columns,
    )


def queues_from_history(history: pd.DataFrame, timezone: str) -> list[Queue]:
    """One :class:`Queue` per queue of ``history`` with volume, sorted by name, for a forecast without a scenario.

    The forecast uses only a queue's name and opening hours.  The hours are
    inferred: from the start of the earliest to the end of the latest interval
    of the day (local wall clock) that ever had volume, so hours that never
    had a contact are forecast as closed, as a scenario's ``open``/``close``
    would make them.  The service targets are placeholders the forecast never reads.
    """
    frame = _prepare_history(history, timezone)
    minutes = infer_interval_minutes(history)
    queues = []
    for name, rows in frame[frame[OFFERED] > 0].groupby(QUEUE, sort=True):
        first = int(rows["minute"].min()) // minutes * minutes
        last = min(int(rows["minute"].max()) // minutes * minutes + minutes, _MINUTES_PER_DAY)
        opens = dt.time(first // 60, first % 60)
        closes = dt.time(0) if last == _MINUTES_PER_DAY else dt.time(last // 60, last % 60)
        queues.append(Queue(str(name), "voice", 0.8, 20.0, 1.0, opens, closes))
    if not queues:
        raise InputError("history: no queue has any volume")
    return queues


def infer_interval_minutes(history: pd.DataFrame) -> int:
    """The history's interval length in minutes: 60, 30, 15 or 5.

    Takes the modal spacing between consecutive interval starts of a queue
    (gaps over three hours, such as nights, are ignored) and returns the
    largest allowed length that divides it and on whose grid at least 99% of
    the interval starts lie, so sparse rows of a quiet queue do not pass
    30-minute data off as hourly.

    >>> import pandas as pd
    >>> ts = pd.date_range("2026-01-05 08:00", periods=6, freq="30min", tz="Asia/Shanghai")
    >>> infer_interval_minutes(pd.DataFrame({"queue": "q", "interval_start": ts}))
    30
    """
    for column in (QUEUE, INTERVAL_START):
        if column not in history.columns:
            raise InputError(f"history: column '{column}' is missing")
    idx = pd.DatetimeIndex(history[INTERVAL_START])
    epoch_minutes = (idx.tz_convert("UTC").tz_localize(None) if idx.tz is not None else idx).values
    epoch_minutes = epoch_minutes.astype("datetime64[m]").astype(np.int64)
    frame = pd.DataFrame({QUEUE: history[QUEUE].to_numpy(), "m": epoch_minutes}).drop_duplicates()
    frame = frame.sort_values([QUEUE, "m"])
    gaps = frame.groupby(QUEUE, sort=False)["m"].diff().dropna()
    gaps = gaps[(gaps > 0) & (gaps <= 180)].astype(np.int64)
    if gaps.empty:
        raise InputError("history: cannot infer the interval length (no two interval starts within 3 hours)")
    mode = int(gaps.mode().min())
    wall = idx.tz_localize(None) if idx.tz is not None else idx
    minute_of_day = wall.hour * 60 + wall.minute
    for candidate in INTERVAL_MINUTES_INFERABLE:
        if mode % candidate == 0 and np.mean(minute_of_day % candidate == 0) >= 0.99:
            return candidate
    raise InputError(
        f"history: interval starts are {mode} minutes apart, not a multiple of 5 on a 5-minute grid; "
        "resample the history to 15 or 30 minutes"
    )


def plot_forecast(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    queue: str,
    path: str | Path,
    weeks: int = 4,
) -> Path:
    """Write a PNG of ``queue``'s last ``weeks`` weeks of actuals and its forecast with band.

    Volumes are contacts per interval, plotted against local wall-clock time.
    Days missing from the history are gaps in the actuals line.  Returns the
    path written.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fc = forecast[forecast[QUEUE] == queue].sort_values(DS)
    hist = history[history[QUEUE] == queue]
    if fc.empty and hist.empty:
        raise InputError(f"plot_forecast: queue '{queue}' is in neither the history nor the forecast")
    fc_ds = pd.DatetimeIndex(fc[DS])
    timezone = str(fc_ds.tz) if fc_ds.tz is not None else None

    fig = Figure(figsize=(14, 5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    if not hist.empty:
        actual = _actuals_on_grid(hist, timezone, weeks)
        ax.plot(actual.index, actual.to_numpy(), color="0.25", lw=0.8, label="actual offered")
    if not fc.empty:
        x = fc_ds.tz_localize(None) if fc_ds.tz is not None else fc_ds
        ax.fill_between(
            x,
            fc[YHAT_LOWER].to_numpy(),
            fc[YHAT_UPPER].to_numpy(),
            color="tab:blue",
            alpha=0.25,
            lw=0,
            label="forecast band",
        )
        ax.plot(x, fc[YHAT].to_numpy(), color="tab:blue", lw=1.0, label="forecast")
    ax.set_title(f"{queue}: last {weeks} weeks of actuals and the forecast")
    ax.set_ylabel("contacts offered per interval")
    ax.set_xlabel(f"local time ({timezone})" if timezone else "local time")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    fig.autofmt_xdate()
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, format="png")
    return path


# ---------------------------------------------------------------------------
# History preparation
# ---------------------------------------------------------------------------
def _prepare_history(history: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """queue, day (datetime64[D]), minute (of day), offered, aht_seconds on local wall clock.

    ``aht_seconds`` may be absent (volume only): a placeholder of 1 s then keeps
    the AHT tables defined, and :func:`forecast` drops the column from its output.
    """
    missing = [c for c in HISTORY_REQUIRED if c not in history.columns and c != AHT_SECONDS]
    if missing:
        raise InputError([f"history: column '{c}' is missing" for c in missing])
    try:
        idx = pd.DatetimeIndex(history[INTERVAL_START])
    except (TypeError, ValueError) as exc:
        raise InputError(f"history: interval_start is not a timestamp column ({exc})") from exc
    wall = (idx.tz_convert(timezone).tz_localize(None) if idx.tz is not None else idx).values
    day = wall.astype("datetime64[D]")
    minute = ((wall - day) // np.timedelta64(1, "m")).astype(np.int64)
    offered = pd.to_numeric(history[OFFERED], errors="coerce").fillna(0.0).clip(lower=0.0)
    if AHT_SECONDS in history.columns:
        aht = pd.to_numeric(history[AHT_SECONDS], errors="coerce")
    else:
        aht = pd.Series(1.0, index=history.index)
    return pd.DataFrame(
        {
            QUEUE: history[QUEUE].astype(str).to_numpy(),
            "day": day,
            "minute": minute,
            OFFERED: offered.to_numpy(dtype=float),
            AHT_SECONDS: aht.to_numpy(dtype=float),
        }
    )


@dataclass
class _QueueSeries:
    """One queue's history as (present day × history slot) matrices."""

    days: np.ndarray  # datetime64[D], sorted, every date with at least one row
    interval_minutes: int
    volume: np.ndarray  # contacts offered
    aht_volume: np.ndarray  # contacts offered on rows with a usable aht_seconds
    aht_weighted: np.ndarray  # sum of offered × aht_seconds, seconds

    @classmethod
    def from_rows(cls, rows: pd.DataFrame, interval_minutes: int) -> _QueueSeries:
        # pandas stores days as datetime64[s]; the matrices are keyed on datetime64[D].
        days, day_code = np.unique(rows["day"].to_numpy().astype("datetime64[D]"), return_inverse=True)
        slot = rows["minute"].to_numpy() // interval_minutes
        shape = (len(days), _MINUTES_PER_DAY // interval_minutes)
        offered = rows[OFFERED].to_numpy()
        aht = rows[AHT_SECONDS].to_numpy()
        usable = np.isfinite(aht) & (aht > 0)
        volume = np.zeros(shape)
        np.add.at(volume, (day_code, slot), offered)
        aht_volume = np.zeros(shape)
        np.add.at(aht_volume, (day_code[usable], slot[usable]), offered[usable])
        aht_weighted = np.zeros(shape)
        np.add.at(aht_weighted, (day_code[usable], slot[usable]), offered[usable] * aht[usable])
        return cls(days, interval_minutes, volume, aht_volume, aht_weighted)

    def subset(self, keep: np.ndarray) -> _QueueSeries:
        return _QueueSeries(
            self.days[keep],
            self.interval_minutes,
            self.volume[keep],
            self.aht_volume[keep],
            self.aht_weighted[keep],
        )

    def without_partial_ends(self, name: str) -> _QueueSeries:
        """Drop a first or last day whose rows start or end an hour beyond every other same weekday.

        An export cut mid-day would otherwise pull the trend and profiles down.
        """
        totals = self.volume.sum(axis=1)
        active = self.volume > 0
        first_slot = np.where(active.any(axis=1), active.argmax(axis=1), -1)
        last_slot = np.where(active.any(axis=1), active.shape[1] - 1 - active[:, ::-1].argmax(axis=1), -1)
        weekday = _weekday(self.days)
        margin = max(1, _PARTIAL_DAY_MARGIN_MINUTES // self.interval_minutes)
        keep = np.ones(len(self.days), dtype=bool)
        for i, is_last in ((0, False), (len(self.days) - 1, True)):
            peers = (weekday == weekday[i]) & (totals > 0)
            peers[i] = False
            if totals[i] <= 0 or peers.sum() < 3:
                continue
            if is_last and last_slot[i] < last_slot[peers].min() - margin + 1:
                keep[i] = False
            if not is_last and first_slot[i] > first_slot[peers].max() + margin - 1:
                keep[i] = False
        if not keep.all():
            dropped = ", ".join(str(d) for d in self.days[~keep])
            logger.info("forecast %s: dropping partial day(s) %s at the edge of the history", name, dropped)
        return self.subset(keep)


def _weekday(days: np.ndarray) -> np.ndarray:
    """Monday=0 … Sunday=6 of datetime64[D] values (1970-01-01 was a Thursday)."""
    return (days.astype(np.int64) + 3) % 7


# ---------------------------------------------------------------------------
# Calendar: holidays, make-up workdays, business days
# ---------------------------------------------------------------------------
_OBSERVED = re.compile(r"\s*\((?:[^)]*observed[^)]*|[^)]*\d[^)]*)\)", re.IGNORECASE)
_GENERIC_NAMES = {"day off", "holiday", "bridge holiday"}


@dataclass(frozen=True)
class _Block:
    """A run of non-working days around public holidays, prophet's unit of holiday effect."""

    name: str
    start: dt.date
    end: dt.date
    anchor: dt.date  # first day of the holiday the block is named after


@dataclass(frozen=True)
class _Calendar:
    blocks: tuple[_Block, ...]
    block_of: dict[dt.date, _Block]
    makeup_workdays: frozenset[dt.date]
    weekend: frozenset[int]
    first: dt.date
    last: dt.date

    @classmethod
    def build(cls, country: str | None, first: dt.date, last: dt.date) -> _Calendar:
        # Pad so blocks and month ends at the edges are complete.
        first = first - dt.timedelta(days=40)
        last = last + dt.timedelta(days=40)
        if country is None:
            return cls((), {}, frozenset(), frozenset({5, 6}), first, last)
        import holidays

        years = range(first.year, last.year + 1)
        try:
            probe = holidays.country_holidays(country, years=years)
        except NotImplementedError as exc:
            raise InputError(
                f"scenario: country '{country}' is not known to the holidays package; use an ISO code like 'CN'"
            ) from exc
        if "en_US" in (getattr(probe, "supported_languages", ()) or ()):
            probe = holidays.country_holidays(country, years=years, language="en_US")
        weekend = frozenset(getattr(probe, "weekend", {5, 6}))
        makeup = frozenset(d for d in getattr(probe, "weekend_workdays", ()) if first <= d <= last)
        names = {d: _normalise_holiday_name(n) for d, n in probe.items() if first <= d <= last}

        def off(d: dt.date) -> bool:
            return d in names or (d.weekday() in weekend and d not in makeup)

        blocks = []
        block_of: dict[dt.date, _Block] = {}
        for day in sorted(names):
            if day in block_of:
                continue
            start = end = day
            while off(start - dt.timedelta(days=1)) and start - dt.timedelta(days=1) >= first:
                start -= dt.timedelta(days=1)
            while off(end + dt.timedelta(days=1)) and end + dt.timedelta(days=1) <= last:
                end += dt.timedelta(days=1)
            members = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
            named = [names[d] for d in members if d in names]
            specific = [n for n in named if n.lower() not in _GENERIC_NAMES] or named
            counts = Counter(specific)
            best = max(counts.values())
            name = next(n for n in specific if counts[n] == best)
            anchor = next(d for d in members if names.get(d) == name)
            block = _Block(name, start, end, anchor)
            blocks.append(block)
            for d in members:
                block_of[d] = block
        return cls(tuple(blocks), block_of, makeup, weekend, first, last)

    def is_working(self, day: dt.date) -> bool:
        if day in self.block_of:
            return False
        return day.weekday() not in self.weekend or day in self.makeup_workdays

    def day_type(self, day: dt.date) -> int:
        if day in self.block_of:
            return _HOLIDAY
        if day in self.makeup_workdays or day.weekday() not in self.weekend:
            return _WEEKDAY
        # The first weekend day is the "Saturday" type and the last the "Sunday" type, so an
        # Israeli Friday (short day) and Saturday (quiet) get their own profiles.
        return _SUNDAY if day.weekday() == max(self.weekend) else _SATURDAY

    def day_types(self, days: np.ndarray) -> np.ndarray:
        return np.array([self.day_type(d) for d in days.astype(dt.date)], dtype=np.int64)

    def prophet_holidays(self) -> pd.DataFrame:
        """Holiday blocks and the other calendar events as prophet's holidays frame."""
        rows = []

        def add(name: str, day: dt.date, lower: int = 0, upper: int = 0) -> None:
            rows.append((name, pd.Timestamp(day), lower, upper))

        for b in self.blocks:
            add(b.name, b.anchor, (b.start - b.anchor).days, (b.end - b.anchor).days)
            if (b.end - b.start).days >= 2:
                add("pre_holiday", self._working_day_from(b.start - dt.timedelta(days=1), -1))
                add("post_holiday", self._working_day_from(b.end + dt.timedelta(days=1), +1), 0, 1)
        for day in sorted(self.makeup_workdays):
            add("makeup_workday", day)
        month = dt.date(self.first.year, self.first.month, 1)
        while month <= self.last:
            next_month = (month + dt.timedelta(days=32)).replace(day=1)
            last_business = self._working_day_from(next_month - dt.timedelta(days=1), -1)
            add("month_end", self._working_day_from(last_business - dt.timedelta(days=1), -1))
            add("month_end", last_business)
            for pay in (10, 25):
                add("payday", self._working_day_from(month.replace(day=pay), -1))
            month = next_month
        frame = pd.DataFrame(rows, columns=["holiday", "ds", "lower_window", "upper_window"])
        return frame.drop_duplicates(ignore_index=True)

    def _working_day_from(self, day: dt.date, step: int) -> dt.date:
        while not self.is_working(day):
            day += dt.timedelta(days=step)
        return day


def _normalise_holiday_name(name: str) -> str:
    """'Chinese New Year (Spring Festival) (observed)' → 'Chinese New Year (Spring Festival)'."""
    name = name.split(";")[0]
    return _OBSERVED.sub("", name).strip()


# ---------------------------------------------------------------------------
# One queue
# ---------------------------------------------------------------------------
def _forecast_queue(
    series: _QueueSeries,
    queue: Queue,
    horizon: Horizon,
    calendar: _Calendar,
    interval_width: float | tuple[float, float],
    z: float | tuple[float, float],
    profile_weeks: int,
    seed: int,
    special: SpecialDays | None = None,
) -> tuple[pd.DataFrame, int]:
    """One queue's top-down forecast.  ``interval_width`` is the band's mass, or its (lo, hi) quantiles;
    ``z`` the normal deviate of the band, or (below, above) the mean for asymmetric quantiles."""
    series = series.without_partial_ends(queue.name)
    with_special = series
    if special:
        # Special days teach nothing about ordinary days: out of the fit and the profiles.
        series = series.subset(~_special_mask(series.days, special))
    h = series.interval_minutes
    totals = series.volume.sum(axis=1)
    day_types = calendar.day_types(series.days)
    weekdays = _weekday(series.days)
    window = series.days >= series.days[-1] - np.timedelta64(7 * profile_weeks - 1, "D")

    closed_weekdays = _closed_weekdays(series, calendar, profile_weeks)
    closed_holidays = _closed_holidays(series, calendar, closed_weekdays)
    _warn_unseen_holidays(series, calendar, horizon, queue.name)
    closed = [_WEEKDAY_NAMES[w] for w in sorted(closed_weekdays)]
    closed += [f"{name} day {offset:+d}" for name, offset in sorted(closed_holidays)]
    if closed:
        logger.info(
            "forecast %s: taken as closed on %s (no volume on any past one)", queue.name, ", ".join(closed)
        )

    # Daily totals → prophet.  Zero days that are not holidays are outages or
    # closures; in log space they would swamp the fit.  Zero holidays stay in:
    # they teach the holiday effect (unless their weekday is closed anyway).
    # Outages (a working day with a sliver of its usual volume) would drag the weekday down: out too.
    outage = _outage_days(series, calendar)
    fit = ((totals > 0) & ~outage) | ((day_types == _HOLIDAY) & ~np.isin(weekdays, list(closed_weekdays)))
    if fit.sum() < MIN_HISTORY_DAYS:
        raise InputError(
            f"history: queue '{queue.name}' has {int(fit.sum())} days with volume; "
            f"at least {MIN_HISTORY_DAYS} are needed to forecast it"
        )
    horizon_days = np.array(horizon.days, dtype="datetime64[D]")
    daily = _fit_daily(series.days[fit], totals[fit], horizon_days, calendar, interval_width, seed)
    for i, day in enumerate(horizon.days):
        block = calendar.block_of.get(day)
        shut_weekday = day.weekday() in closed_weekdays and day not in calendar.makeup_workdays
        if shut_weekday or (block is not None and _holiday_key(day, block) in closed_holidays):
            daily[i] = 0.0

    # Intraday profiles at the history's resolution, then per minute.
    open_slots = np.array(
        [
            queue.open_minute < (k + 1) * h and k * h < queue.close_minute
            for k in range(series.volume.shape[1])
        ]
    )
    profiles = _profiles(series, day_types, totals, window, open_slots, profile_weeks)
    dispersion = _dispersion(series, day_types, totals, window, open_slots, profiles)
    aht_rows, aht_weight, aht_row_of_day = _aht_table(
        with_special, calendar, profile_weeks, horizon_days, special
    )

    # Horizon intervals on the local wall clock.
    ds = horizon.interval_index()
    wall = ds.tz_localize(None).values
    day = wall.astype("datetime64[D]")
    minute = ((wall - day) // np.timedelta64(1, "m")).astype(np.int64)
    end_minute = np.minimum(minute + horizon.interval_minutes, _MINUTES_PER_DAY)
    day_index = (day - horizon_days[0]).astype(np.int64)
    horizon_types = calendar.day_types(horizon_days)[day_index]

    share_cum = np.stack([_minute_cumsum(profiles[t], h) for t in range(4)])
    share = share_cum[horizon_types, end_minute] - share_cum[horizon_types, minute]
    is_open = (minute >= queue.open_minute) & (minute < queue.close_minute)
    share = np.where(is_open, np.maximum(share, 0.0), 0.0)
    share = _renormalise_per_day(share, is_open, day_index, queue.name)

    mean = daily[day_index, 0] * share
    day_low = (daily[day_index, 0] - daily[day_index, 1]) * share
    day_high = (daily[day_index, 2] - daily[day_index, 0]) * share
    z_low, z_high = z if isinstance(z, tuple) else (z, z)
    noise = np.sqrt(dispersion * mean)
    lower = np.maximum(mean - np.hypot(day_low, z_low * noise), 0.0)
    upper = mean + np.hypot(day_high, z_high * noise)

    row = aht_row_of_day[day_index]
    num = np.stack([_minute_cumsum(r * w, h) for r, w in zip(aht_rows, aht_weight, strict=True)])
    den = np.stack([_minute_cumsum(w, h) for w in aht_weight])
    aht = (num[row, end_minute] - num[row, minute]) / (den[row, end_minute] - den[row, minute])

    out = pd.DataFrame(
        {
            QUEUE: queue.name,
            DS: ds,
            YHAT: mean,
            YHAT_LOWER: np.minimum(lower, mean),
            YHAT_UPPER: np.maximum(upper, mean),
            AHT_SECONDS: aht,
        }
    )
    return out, int(fit.sum())


def _outage_days(series: _QueueSeries, calendar: _Calendar) -> np.ndarray:
    """Days outside holiday blocks with volume below ``_OUTAGE_SHARE`` of their weekday's median day.

    Such a day is an outage or a broken export, not demand.
    """
    totals = series.volume.sum(axis=1)
    weekdays = _weekday(series.days)
    holiday = np.array([d in calendar.block_of for d in series.days.astype(dt.date)], dtype=bool)
    outage = np.zeros(len(totals), dtype=bool)
    for w in range(7):
        peers = (weekdays == w) & ~holiday & (totals > 0)
        if peers.sum() >= 3:
            outage |= peers & (totals < _OUTAGE_SHARE * np.median(totals[peers]))
    return outage


def _closed_weekdays(series: _QueueSeries, calendar: _Calendar, profile_weeks: int) -> set[int]:
    """Weekdays with no volume on any ordinary occurrence in the last ``profile_weeks`` (≥ 4) weeks."""
    recent = series.days >= series.days[-1] - np.timedelta64(7 * max(profile_weeks, 4) - 1, "D")
    ordinary = np.array(
        [
            d not in calendar.block_of and d not in calendar.makeup_workdays
            for d in series.days.astype(dt.date)
        ]
    )
    first = series.days[recent][0]
    weekdays = _weekday(series.days)
    totals = series.volume.sum(axis=1)
    closed = set()
    for w in range(7):
        with_volume = recent & ordinary & (weekdays == w) & (totals > 0)
        if not with_volume.any():
            # The weekday must have occurred in the window at all.
            offset = (w - int(_weekday(np.array([first]))[0])) % 7
            if first + np.timedelta64(offset, "D") <= series.days[-1]:
                closed.add(w)
    return closed


def _closed_holidays(
    series: _QueueSeries, calendar: _Calendar, closed_weekdays: set[int]
) -> set[tuple[str, int]]:
    """(holiday, day offset from its anchor) never with volume in the past; closed weekdays do not count.

    Keyed by offset so a centre that closes on the three statutory Spring
    Festival days but opens on the substituted days off is read right.
    """
    present = dict(zip(series.days.astype(dt.date), series.volume.sum(axis=1), strict=True))
    first, last = series.days[0].astype(dt.date), series.days[-1].astype(dt.date)
    seen: dict[tuple[str, int], bool] = {}
    for day, block in calendar.block_of.items():
        if first <= day <= last and day.weekday() not in closed_weekdays:
            key = _holiday_key(day, block)
            seen[key] = seen.get(key, False) or present.get(day, 0.0) > 0
    return {key for key, had_volume in seen.items() if not had_volume}


def _holiday_key(day: dt.date, block: _Block) -> tuple[str, int]:
    return block.name, (day - block.anchor).days


def _warn_unseen_holidays(series: _QueueSeries, calendar: _Calendar, horizon: Horizon, name: str) -> None:
    """Prophet can only learn a holiday it has seen; say so when the horizon has one the history lacks."""
    first, last = series.days[0].astype(dt.date), series.days[-1].astype(dt.date)
    seen = {b.name for b in calendar.blocks if b.start <= last and b.end >= first}
    unseen = sorted({calendar.block_of[d].name for d in horizon.days if d in calendar.block_of} - seen)
    if unseen:
        logger.warning(
            "forecast %s: the history has no past %s, so the forecast treats it as an ordinary day "
            "(with the holiday intraday profile)",
            name,
            ", ".join(unseen),
        )


def _fit_daily(
    days: np.ndarray,
    totals: np.ndarray,
    horizon_days: np.ndarray,
    calendar: _Calendar,
    interval_width: float | tuple[float, float],
    seed: int,
) -> np.ndarray:
    """Prophet on log1p(daily totals) → (n_horizon_days, 3) array of yhat, lower, upper in contacts/day.

    ``interval_width`` is the band's probability mass, or its (lo, hi) quantiles.
    """
    Prophet = _import_prophet()
    widths = (
        (1.0 - 2.0 * interval_width[0], 2.0 * interval_width[1] - 1.0)
        if isinstance(interval_width, tuple)
        else (interval_width, interval_width)
    )
    span_days = int((days[-1] - days[0]).astype(np.int64)) + 1
    model = Prophet(
        growth="linear",
        yearly_seasonality=10 if span_days >= 2 * 365 - 14 else False,
        weekly_seasonality=3,
        daily_seasonality=False,
        holidays=calendar.prophet_holidays(),
        seasonality_mode="additive",
        interval_width=widths[0],
        uncertainty_samples=UNCERTAINTY_SAMPLES,
    )
    if 365 - 14 <= span_days < 2 * 365 - 14:
        # One year cannot separate yearly seasonality from trend; a damped low order is the compromise.
        model.add_seasonality("yearly", period=365.25, fourier_order=3, prior_scale=1.0)
    train = pd.DataFrame({"ds": pd.DatetimeIndex(days), "y": np.log1p(totals)})
    future = pd.DataFrame({"ds": pd.DatetimeIndex(horizon_days)})
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        model.fit(train, seed=seed)
        predicted = model.predict(future)
        if widths[1] != widths[0]:
            # Asymmetric quantiles: the upper one from the same (re-seeded) samples at its own width.
            model.interval_width = widths[1]
            np.random.seed(seed)
            predicted["yhat_upper"] = model.predict(future)["yhat_upper"].to_numpy()
    finally:
        np.random.set_state(state)
    values = predicted[["yhat", "yhat_lower", "yhat_upper"]].to_numpy()
    values = np.clip(np.expm1(values), 0.0, None)
    values[:, 1] = np.minimum(values[:, 1], values[:, 0])
    values[:, 2] = np.maximum(values[:, 2], values[:, 0])
    return values


def _import_prophet():
    """Import prophet lazily (it is slow to import) and keep it and cmdstanpy quiet."""
    logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)
    import cmdstanpy
    from prophet import Prophet

    cmdstanpy.disable_logging()
    logging.getLogger("cmdstanpy").setLevel(logging.ERROR)
    # wfm chooses the yearly-seasonality order itself from the history's span, so prophet's own
    # "yearly seasonality with less than 730 days" heuristic warning does not apply
    logging.getLogger("prophet").setLevel(logging.ERROR)
    return Prophet


def _profiles(
    series: _QueueSeries,
    day_types: np.ndarray,
    totals: np.ndarray,
    window: np.ndarray,
    open_slots: np.ndarray,
    profile_weeks: int,
) -> list[np.ndarray]:
    """Share of the day's volume per history slot for each day type, summing to 1 over open slots."""
    raw: dict[int, np.ndarray] = {}
    has_volume = totals > 0
    for t in (_WEEKDAY, _SATURDAY, _SUNDAY):
        days = np.flatnonzero(has_volume & window & (day_types == t))
        if len(days) < _MIN_PROFILE_DAYS:
            # Too few in the window: take the most recent ones of the whole history.
            per_week = 5 if t == _WEEKDAY else 1
            days = np.flatnonzero(has_volume & (day_types == t))[-per_week * profile_weeks :]
        if len(days):
            raw[t] = series.volume[days].sum(axis=0)
    holiday_days = np.flatnonzero(has_volume & (day_types == _HOLIDAY))[-_HOLIDAY_PROFILE_DAYS:]
    if len(holiday_days) >= _MIN_HOLIDAY_PROFILE_DAYS:
        raw[_HOLIDAY] = series.volume[holiday_days].sum(axis=0)

    smoothed: dict[int, np.ndarray] = {}
    for t, volume in raw.items():
        share = _smooth(volume, open_slots)
        if share.sum() > 0:
            smoothed[t] = share / share.sum()
    if not smoothed:
        # No volume inside opening hours at all: spread evenly over them.
        uniform = open_slots / max(open_slots.sum(), 1)
        return [uniform] * 4
    return [smoothed[next(f for f in _PROFILE_FALLBACK[t] if f in smoothed)] for t in range(4)]


def _smooth(volume: np.ndarray, open_slots: np.ndarray) -> np.ndarray:
    """Normalised convolution with the 1-4-1 kernel over open slots only, so no share leaks past closing."""
    masked = np.where(open_slots, volume, 0.0)
    weight = np.convolve(open_slots.astype(float), _SMOOTHING_KERNEL, mode="same")
    smoothed = np.convolve(masked, _SMOOTHING_KERNEL, mode="same")
    return np.where(open_slots, smoothed / np.maximum(weight, 1e-12), 0.0)


def _dispersion(
    series: _QueueSeries,
    day_types: np.ndarray,
    totals: np.ndarray,
    window: np.ndarray,
    open_slots: np.ndarray,
    profiles: list[np.ndarray],
) -> float:
    """Pearson dispersion φ of interval volumes around day total × profile share (≥ 1; 1 = Poisson)."""
    days = np.flatnonzero(window & (totals > 0))
    if not len(days):
        return 1.0
    observed = series.volume[days][:, open_slots]
    expected = observed.sum(axis=1, keepdims=True) * np.stack(
        [profiles[t][open_slots] for t in day_types[days]]
    )
    cells = expected >= 1.0
    if cells.sum() < 10:
        return 1.0
    phi = float(np.mean((observed[cells] - expected[cells]) ** 2 / expected[cells]))
    return min(max(phi, 1.0), _MAX_DISPERSION)


def _aht_table(
    series: _QueueSeries,
    calendar: _Calendar,
    profile_weeks: int,
    horizon_days: np.ndarray,
    special: SpecialDays | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """AHT in seconds per slot for every kind of day, and which kind each horizon date is.

    Rows 0–6 are the calendar weekdays (ordinary days of the last
    ``profile_weeks`` weeks), row 7 public holidays (the most recent holiday
    days of the whole history), and one row per named special-day type (its
    past days).  Each row is the volume-weighted mean shrunk, with a prior of
    20 calls, towards its parent: a weekday towards its day type (working
    day, or the first or last weekend day of the *calendar's* weekend, so an
    Israeli Friday is a weekend day), a holiday towards the last weekend day,
    a special type towards the weekday of each of its dates; the day types
    towards the queue's mean at that time of day, and that towards the
    queue's overall mean.  A day that behaves like a weekday takes that
    weekday's row.  Returns ``(rows, weights, row_of_day)``: (R, slots) AHT,
    (R, slots) volume weights for averaging into coarser horizon intervals,
    and the row of each horizon date.
    """
    k = _AHT_PRIOR_CALLS
    days = series.days
    types = calendar.day_types(days)
    weekdays = _weekday(days)
    specials = _special_mask(days, special)
    window = days >= days[-1] - np.timedelta64(7 * profile_weeks - 1, "D")
    ordinary = window & (types != _HOLIDAY) & ~specials
    if series.aht_volume[ordinary].sum() <= 0:
        ordinary = (types != _HOLIDAY) & ~specials
    if series.aht_volume[ordinary].sum() <= 0:
        ordinary = np.ones(len(days), dtype=bool)
    vol, wsum = series.aht_volume, series.aht_weighted

    def shrunk(rows: np.ndarray, parent: np.ndarray) -> np.ndarray:
        return (wsum[rows].sum(axis=0) + k * parent) / (vol[rows].sum(axis=0) + k)

    overall = wsum[ordinary].sum() / vol[ordinary].sum()
    by_slot = shrunk(ordinary, np.full(vol.shape[1], overall))
    weekday_type = np.array([_weekday_type(w, calendar) for w in range(7)])
    by_type = {t: shrunk(ordinary & (weekday_type[weekdays] == t), by_slot) for t in set(weekday_type)}
    rows = [shrunk(ordinary & (weekdays == w), by_type[weekday_type[w]]) for w in range(7)]
    weight = [series.volume[ordinary & (weekdays == w)].sum(axis=0) + 1e-6 for w in range(7)]
    holidays = np.zeros(len(days), dtype=bool)
    holidays[np.flatnonzero((types == _HOLIDAY) & ~specials)[-_HOLIDAY_PROFILE_DAYS:]] = True
    sunday = max(calendar.weekend) if calendar.weekend else 6
    rows.append(shrunk(holidays, rows[sunday]))
    weight.append(series.volume[holidays].sum(axis=0) + 1e-6)

    horizon_weekdays = _weekday(horizon_days)
    row_of_day = np.where(calendar.day_types(horizon_days) == _HOLIDAY, 7, horizon_weekdays)
    type_row: dict[str, int] = {}
    for i, d in enumerate(horizon_days.astype(dt.date)):
        day = special.get(d) if special else None
        if day is None or day.is_closed:
            continue
        if day.weekday is not None:
            row_of_day[i] = day.weekday
            continue
        if day.behaves_like not in type_row:
            past = np.isin(
                days, np.array([x.date for x in special.of_type(day.behaves_like)], dtype="datetime64[D]")
            )
            # The parent of a type is the mean of its past dates' weekday rows.
            parent = (
                np.mean([rows[w] for w in weekdays[past]], axis=0)
                if past.any()
                else rows[horizon_weekdays[i]]
            )
            type_row[day.behaves_like] = len(rows)
            rows.append(shrunk(past, parent))
            weight.append(series.volume[past].sum(axis=0) + 1e-6)
        row_of_day[i] = type_row[day.behaves_like]
    return np.array(rows), np.array(weight), row_of_day


def _weekday_type(weekday: int, calendar: _Calendar) -> int:
    """Day type of an ordinary ``weekday`` under the calendar's weekend (see ``_Calendar.day_type``)."""
    if weekday not in calendar.weekend:
        return _WEEKDAY
    return _SUNDAY if weekday == max(calendar.weekend) else _SATURDAY


def _minute_cumsum(per_slot: np.ndarray, interval_minutes: int) -> np.ndarray:
    """Cumulative sum over the minutes of the day (length 1441) of a per-slot quantity spread evenly."""
    per_minute = np.repeat(per_slot / interval_minutes, interval_minutes)
    return np.concatenate([[0.0], np.cumsum(per_minute)])


def _renormalise_per_day(
    share: np.ndarray, is_open: np.ndarray, day_index: np.ndarray, name: str
) -> np.ndarray:
    """Make each day's shares sum to 1 over its open intervals (also fixes 23 h / 25 h days)."""
    n_days = int(day_index.max()) + 1 if len(day_index) else 0
    day_sum = np.bincount(day_index, weights=share, minlength=n_days)
    open_count = np.bincount(day_index, weights=is_open.astype(float), minlength=n_days)
    empty = (day_sum <= 0) & (open_count > 0)
    if empty.any():
        logger.warning("forecast %s: no historical volume in opening hours; spreading days evenly", name)
        share = np.where(empty[day_index] & is_open, 1.0, share)
        day_sum = np.bincount(day_index, weights=share, minlength=n_days)
    return share / np.where(day_sum > 0, day_sum, 1.0)[day_index]


def _actuals_on_grid(hist: pd.DataFrame, timezone: str | None, weeks: int) -> pd.Series:
    """The last ``weeks`` weeks of offered on a full interval grid: zero in empty intervals, NaN on missing days."""
    idx = pd.DatetimeIndex(hist[INTERVAL_START])
    if idx.tz is not None:
        idx = idx.tz_convert(timezone) if timezone else idx
        idx = idx.tz_localize(None)
    values = pd.Series(pd.to_numeric(hist[OFFERED], errors="coerce").fillna(0.0).to_numpy(), index=idx)
    values = values.groupby(level=0).sum().sort_index()
    start = values.index.max().normalize() - pd.Timedelta(days=7 * weeks - 1)
    values = values[values.index >= start]
    try:
        minutes = infer_interval_minutes(hist)
    except InputError:
        return values
    grid = pd.date_range(
        start, values.index.max().normalize() + pd.Timedelta(days=1), freq=f"{minutes}min", inclusive="left"
    )
    on_grid = values.reindex(grid.union(values.index), fill_value=0.0)
    present = set(values.index.normalize())
    on_grid[~on_grid.index.normalize().isin(list(present))] = math.nan
    return on_grid


# ---------------------------------------------------------------------------
# Alternative models.  Each unit maps one queue's history to a point forecast
# of contacts per history slot for consecutive dates after it, as a
# (days × slots) matrix on the local wall clock, keyed on the calendar date
# and weekday, never on row position.  ``wfm.backtest`` compares them.
# ---------------------------------------------------------------------------
@dataclass
class _ModelInput:
    series: _QueueSeries
    queue: Queue
    days: np.ndarray  # datetime64[D], consecutive, after the history
    calendar: _Calendar
    seed: int
    profile_weeks: int
    cache: dict[str, np.ndarray]
    special: SpecialDays | None = None
    #: False in backtests: a type not yet seen before an origin is forecast as an ordinary day.
    strict: bool = True
    #: Fitted parts shared by several models (the day model, ordinary days, special-day types).
    memo: dict[str, Any] = field(default_factory=dict)

    def raw(self, name: str) -> np.ndarray:
        """Model ``name``'s own prediction, computed once (ensembles share their members' fits)."""
        if name not in self.cache:
            self.cache[name] = _MODEL_UNITS[name](self)
        return self.cache[name]

    def get(self, name: str) -> np.ndarray:
        """Model ``name``'s prediction with the special days of the horizon applied."""
        key = f"{name}+special"
        if key not in self.cache:
            self.cache[key] = _apply_special_days(self, self.raw(name))
        return self.cache[key]

    @property
    def day_model(self) -> _DayModel:
        if "day_model" not in self.memo:
            self.memo["day_model"] = _DayModel.fit(self)
        return self.memo["day_model"]


def _predict_models(
    series: _QueueSeries,
    queue: Queue,
    days: np.ndarray,
    calendar: _Calendar,
    names: Sequence[str],
    *,
    seed: int = 0,
    profile_weeks: int = 8,
    special: SpecialDays | None = None,
    strict: bool = True,
) -> dict[str, np.ndarray]:
    """Point forecasts of the models ``names`` for ``days``: contacts per history slot, (len(days), slots).

    The special days of ``special`` that fall in ``days`` are applied to every
    model; with ``strict=False`` (backtests) a named type with no past day
    before ``days`` and no effect is forecast as an ordinary day instead of
    raising ``InputError``.
    """
    inp = _ModelInput(series, queue, days, calendar, seed, profile_weeks, {}, special, strict)
    return {name: inp.get(name) for name in names}


def _top_down(inp: _ModelInput) -> np.ndarray:
    """The top-down forecast of this module (prophet daily totals × day-type profile)."""
    h = inp.series.interval_minutes
    first, last = inp.days[0].astype(dt.date), inp.days[-1].astype(dt.date)
    # The series is already on the local wall clock: a zone without DST keeps it as it is.
    horizon = Horizon(first, last, h, "UTC")
    part, _ = _forecast_queue(
        inp.series, inp.queue, horizon, inp.calendar, 0.8, 1.28, inp.profile_weeks, inp.seed, inp.special
    )
    return part[YHAT].to_numpy().reshape(len(inp.days), _MINUTES_PER_DAY // h)


def _ordinary_days(inp: _ModelInput) -> np.ndarray:
    """History days that teach a weekday's pattern: with volume, outside holiday blocks, not special."""
    if "ordinary" not in inp.memo:
        s = inp.series
        not_holiday = np.array([d not in inp.calendar.block_of for d in s.days.astype(dt.date)], dtype=bool)
        special = _special_mask(s.days, inp.special)
        inp.memo["ordinary"] = (
            (s.volume.sum(axis=1) > 0) & not_holiday & ~special & ~_outage_days(s, inp.calendar)
        )
    return inp.memo["ordinary"]


def _seasonal_naive(inp: _ModelInput) -> np.ndarray:
    """Each date gets the last ordinary same weekday of the history (zero for a weekday never open)."""
    s = inp.series
    ordinary = _ordinary_days(inp)
    weekdays = _weekday(s.days)
    out = np.zeros((len(inp.days), s.volume.shape[1]))
    for i, w in enumerate(_weekday(inp.days)):
        rows = np.flatnonzero(ordinary & (weekdays == w))
        if len(rows):
            out[i] = s.volume[rows[-1]]
    return out


def _historical_average(inp: _ModelInput, weeks: int) -> np.ndarray:
    """Mean of the same weekday and slot over the last ``weeks`` weeks (ordinary days only).

    Holidays and days without volume (outages, missing exports) are left out; a
    weekday with no ordinary day in the window takes its last ``weeks``
    ordinary occurrences, and one never open gets zero.
    """
    s = inp.series
    ordinary = _ordinary_days(inp)
    weekdays = _weekday(s.days)
    window = s.days > s.days[-1] - np.timedelta64(7 * weeks, "D")
    out = np.zeros((len(inp.days), s.volume.shape[1]))
    for w in range(7):
        rows = np.flatnonzero(ordinary & window & (weekdays == w))
        if not len(rows):
            rows = np.flatnonzero(ordinary & (weekdays == w))[-weeks:]
        if len(rows):
            out[_weekday(inp.days) == w] = s.volume[rows].mean(axis=0)
    return out


def _weekday_index(inp: _ModelInput) -> np.ndarray:
    """Daily totals of each calendar weekday relative to the mean day, over the last 8 weeks (ordinary days)."""
    s = inp.series
    totals = s.volume.sum(axis=1)
    ordinary = _ordinary_days(inp)
    weekdays = _weekday(s.days)
    window = s.days > s.days[-1] - np.timedelta64(7 * _INDEX_WEEKS, "D")
    index = np.zeros(7)
    for w in range(7):
        rows = ordinary & (weekdays == w)
        rows = rows & window if (rows & window).any() else rows
        index[w] = totals[rows].mean() if rows.any() else 0.0
    open_days = index > 0
    return index / index[open_days].mean() if open_days.any() else index


def _recent_level_daily(inp: _ModelInput) -> np.ndarray:
    """Daily totals: the 8-week weekday index × the mean deseasonalised day of the last 3 weeks.

    The index uses many weeks (stable); the level only recent ones, so it
    follows a drift that an 8-week average lags behind.
    """
    s = inp.series
    index = _weekday_index(inp)
    weekdays = _weekday(s.days)
    recent = s.days > s.days[-1] - np.timedelta64(7 * _LEVEL_WEEKS, "D")
    rows = _ordinary_days(inp) & (index[weekdays] > 0)
    rows = rows & recent if (rows & recent).any() else rows
    level = float(np.mean(s.volume[rows].sum(axis=1) / index[weekdays[rows]])) if rows.any() else 0.0
    return level * index[_weekday(inp.days)]


def _profile(inp: _ModelInput) -> np.ndarray:
    """Intraday shares per date: half the top-down day-type profile, half the date's weekday profile.

    The weekday profile is the 8-week average of that weekday, smoothed 1-4-1;
    the day-type one pools weekdays (less noise), so the mean trades bias for
    variance.  A date the weekday profile cannot cover takes the day-type one.
    """
    top = _shares(inp.raw("top_down"))
    own = _shares(_smooth_rows(inp.raw("hist_avg_8w")))
    has_own = own.sum(axis=1, keepdims=True) > 0
    return np.where(has_own, 0.5 * (top + own), top)


def _level_times_profile(inp: _ModelInput, daily: np.ndarray) -> np.ndarray:
    """``daily`` totals spread by ``_profile``; holidays and top-down's closed days keep top-down."""
    top = inp.raw("top_down")
    holiday = np.array([d in inp.calendar.block_of for d in inp.days.astype(dt.date)], dtype=bool)
    use = ~holiday & (daily > 0) & (top.sum(axis=1) > 0)
    return np.where(use[:, None], daily[:, None] * _profile(inp), top)


def _shares(matrix: np.ndarray) -> np.ndarray:
    totals = matrix.sum(axis=1, keepdims=True)
    return matrix / np.where(totals > 0, totals, 1.0)


def _smooth_rows(matrix: np.ndarray) -> np.ndarray:
    """1-4-1 smoothing of each row over its non-zero slots only (no share leaks into closed slots)."""
    open_slots = matrix > 0
    kernel = _SMOOTHING_KERNEL
    num = np.array([np.convolve(r, kernel, mode="same") for r in matrix])
    den = np.array([np.convolve(r.astype(float), kernel, mode="same") for r in open_slots])
    return np.where(open_slots, num / np.maximum(den, 1e-12), 0.0)


def _ensemble(inp: _ModelInput) -> np.ndarray:
    """Equal-weight mean of ``top_down`` and ``recent_level`` daily totals, spread by ``_profile``."""
    daily = 0.5 * (inp.raw("top_down").sum(axis=1) + _recent_level_daily(inp))
    return _level_times_profile(inp, daily)


def _prophet_day_type(inp: _ModelInput) -> np.ndarray:
    """Prophet on the interval series with one intraday shape per day type (conditional seasonalities).

    Multiplicative: trend × weekly × (daily shape of the date's day type) ×
    holidays, fitted on the open slots of present days only (closed hours and
    missing days are absent rows, not zeros).  Slow on long fine-grained
    histories, so the backtest leaves it out unless asked.
    """
    s = inp.series
    h = s.interval_minutes
    open_slots = np.array(
        [
            inp.queue.open_minute < (k + 1) * h and k * h < inp.queue.close_minute
            for k in range(s.volume.shape[1])
        ]
    )
    keep = (s.volume.sum(axis=1) > 0) & ~_outage_days(s, inp.calendar)
    days = s.days[keep]
    slot_minutes = np.flatnonzero(open_slots) * h

    def frame(day_values: np.ndarray) -> pd.DataFrame:
        ds = (
            day_values[:, None].astype("datetime64[m]") + slot_minutes[None, :].astype("timedelta64[m]")
        ).ravel()
        types = np.repeat(inp.calendar.day_types(day_values), len(slot_minutes))
        out = pd.DataFrame({"ds": pd.DatetimeIndex(ds)})
        for t in range(4):
            out[f"type_{t}"] = types == t
        return out

    train = frame(days)
    train["y"] = s.volume[keep][:, open_slots].ravel()
    Prophet = _import_prophet()
    # A flat trend: on the interval series prophet's changepoints chase the last weeks' noise
    # (+15% bias on fpp2 calls with a linear trend, measured).
    model = Prophet(
        growth="flat",
        yearly_seasonality=False,
        weekly_seasonality=3,
        daily_seasonality=False,
        holidays=inp.calendar.prophet_holidays(),
        seasonality_mode="multiplicative",
        uncertainty_samples=0,
    )
    present_types = [t for t in range(4) if train[f"type_{t}"].any()]
    for t in present_types:
        model.add_seasonality(
            f"day_{t}", period=1, fourier_order=_PROPHET_DAILY_ORDER, condition_name=f"type_{t}"
        )
    future = frame(inp.days)
    missing = [t for t in range(4) if t not in present_types]
    if missing:
        # A day type never seen (a holiday) takes the shape of the nearest seen one.
        fallback = {t: next(f for f in _PROFILE_FALLBACK[t] if f in present_types) for t in missing}
        for t, f in fallback.items():
            future[f"type_{f}"] |= future[f"type_{t}"]
            future[f"type_{t}"] = False
    state = np.random.get_state()
    np.random.seed(inp.seed)
    try:
        model.fit(train, seed=inp.seed)
        yhat = model.predict(future)["yhat"].to_numpy()
    finally:
        np.random.set_state(state)
    out = np.zeros((len(inp.days), s.volume.shape[1]))
    out[:, open_slots] = np.clip(yhat, 0.0, None).reshape(len(inp.days), -1)
    # Closed weekdays and holidays follow top-down's decision.
    closed = inp.raw("top_down").sum(axis=1) == 0
    out[closed] = 0.0
    return out


# ---------------------------------------------------------------------------
# Day level with calendar effects (``calendar_level``) and special days.
# ---------------------------------------------------------------------------
def _day_tags(days: np.ndarray, calendar: _Calendar) -> np.ndarray:
    """The calendar event of each date that moves its volume, or ``""``.

    ``month_start_k``: the k-th working day of the month, k ≤ 3 (salaries and
    statements arrive).  ``pre_holiday``: the last working day before days off
    that hold a public holiday.  ``post_holiday``: the first working day after
    them; it takes the calls of the days off, as a Monday takes the weekend's.
    """
    tags = np.full(len(days), "", dtype=object)
    for i, d in enumerate(days.astype(dt.date)):
        if not calendar.is_working(d):
            continue
        k = sum(calendar.is_working(d.replace(day=x)) for x in range(1, d.day + 1))
        if k <= _MONTH_START_DAYS:
            tags[i] = f"month_start_{k}"
        if _days_off_hold_holiday(d, calendar, +1):
            tags[i] = "pre_holiday"
        if _days_off_hold_holiday(d, calendar, -1):
            tags[i] = "post_holiday"
    return tags


def _days_off_hold_holiday(day: dt.date, calendar: _Calendar, step: int) -> bool:
    """Whether the run of days off just after (step +1) or before (−1) ``day`` holds a public holiday."""
    d = day + dt.timedelta(days=step)
    while not calendar.is_working(d):
        if d in calendar.block_of:
            return True
        d += dt.timedelta(days=step)
    return False


def _local_baseline(
    totals: np.ndarray, days: np.ndarray, clean: np.ndarray, targets: np.ndarray
) -> np.ndarray:
    """Median daily total of the clean same-weekday days within 4 weeks of each target date (NaN if < 2)."""
    weekdays = _weekday(days)
    out = np.full(len(targets), math.nan)
    for i, (d, w) in enumerate(zip(targets, _weekday(targets), strict=True)):
        gap = np.abs((days - d).astype(np.int64))
        peers = clean & (weekdays == w) & (gap <= _LOCAL_DAYS) & (gap > 0)
        if peers.sum() < 2:
            peers = clean & (weekdays == w) & (gap > 0)
        if peers.sum() >= 2:
            out[i] = float(np.median(totals[peers]))
    return out


@dataclass(frozen=True)
class _DayModel:
    """Daily totals = level × weekday index × calendar effect, every part estimated robustly.

    * ``index``: per weekday, the median daily total over the last 8 weeks of
      ordinary days (holidays, outages and special days left out), each day
      first divided by its calendar effect;
    * ``level``: the median ratio of the last 3 weeks' ordinary days to their
      index, shrunk towards 1 by its own standard error (a shift the noise
      cannot tell from zero is mostly ignored, a clear one is followed);
    * ``effects``: each calendar tag's median ratio to the local same-weekday
      median over the history, shrunk towards 1 with a prior of 2 days.  A
      post-holiday day is first given the first working weekday's index (a
      Monday), and its effect is what past post-holiday days add to that.
    """

    index: np.ndarray
    level: float
    effects: dict[str, float]
    first_weekday: int

    @classmethod
    def fit(cls, inp: _ModelInput) -> _DayModel:
        s = inp.series
        totals = s.volume.sum(axis=1)
        weekdays = _weekday(s.days)
        ordinary = _ordinary_days(inp)
        tags = _day_tags(s.days, inp.calendar)
        clean = ordinary & (tags == "")
        window = s.days > s.days[-1] - np.timedelta64(7 * _INDEX_WEEKS, "D")
        first = (max(inp.calendar.weekend) + 1) % 7 if inp.calendar.weekend else 0
        plain = _weekday_medians(totals, weekdays, clean, window)
        post_prior = _post_holiday_prior(plain, first)
        baseline = _local_baseline(totals, s.days, clean, s.days)
        ratio = totals / baseline / np.where(tags == "post_holiday", post_prior[weekdays], 1.0)
        effects = {}
        for tag in sorted(set(tags) - {""}):
            r = ratio[ordinary & (tags == tag) & np.isfinite(ratio)]
            if len(r):
                effects[tag] = 1.0 + len(r) / (len(r) + _EFFECT_PRIOR_DAYS) * (float(np.median(r)) - 1.0)
        model = cls(np.zeros(7), 1.0, effects, first)
        adjusted = totals / model.effect(tags, weekdays, post_prior)
        index = _weekday_medians(adjusted, weekdays, ordinary, window)
        recent = (
            ordinary & (index[weekdays] > 0) & (s.days > s.days[-1] - np.timedelta64(7 * _LEVEL_WEEKS, "D"))
        )
        level = 1.0
        if recent.sum() >= 2:
            r = adjusted[recent] / index[weekdays[recent]]
            median = float(np.median(r))
            se = _MEDIAN_SE * float(np.std(r, ddof=1)) / math.sqrt(len(r))
            shift = median - 1.0
            level = 1.0 + shift * shift**2 / (shift**2 + se**2) if shift or se else 1.0
        return cls(index, level, effects, first)

    def effect(self, tags: np.ndarray, weekdays: np.ndarray, post_prior: np.ndarray) -> np.ndarray:
        """Calendar multiplier of each date (1 for an ordinary one)."""
        out = np.array([self.effects.get(t, 1.0) for t in tags])
        return out * np.where(tags == "post_holiday", post_prior[weekdays], 1.0)

    def predict(self, days: np.ndarray, calendar: _Calendar) -> np.ndarray:
        """Daily totals of ``days``, contacts per day (0 on a weekday the queue never opens)."""
        weekdays = _weekday(days)
        effect = self.effect(
            _day_tags(days, calendar), weekdays, _post_holiday_prior(self.index, self.first_weekday)
        )
        return self.level * self.index[weekdays] * effect


def _weekday_medians(
    totals: np.ndarray, weekdays: np.ndarray, use: np.ndarray, window: np.ndarray
) -> np.ndarray:
    """Median of ``totals`` per weekday over ``use & window`` (else its last 8 ``use`` days; 0 if none)."""
    out = np.zeros(7)
    for w in range(7):
        rows = use & window & (weekdays == w)
        if not rows.any():
            rows = np.zeros_like(use)
            rows[np.flatnonzero(use & (weekdays == w))[-_INDEX_WEEKS:]] = True
        if rows.any():
            out[w] = float(np.median(totals[rows]))
    return out


def _post_holiday_prior(index: np.ndarray, first: int) -> np.ndarray:
    """Per weekday, how much busier the first working weekday is (≥ 1): a post-holiday day's prior."""
    return np.where(index > 0, np.maximum(index[first] / np.where(index > 0, index, 1.0), 1.0), 1.0)


def _calendar_level(inp: _ModelInput) -> np.ndarray:
    """``_DayModel`` daily totals spread by ``_profile``; holidays keep top-down."""
    return _level_times_profile(inp, inp.day_model.predict(inp.days, inp.calendar))


def _special_mask(days: np.ndarray, special: SpecialDays | None) -> np.ndarray:
    if not special:
        return np.zeros(len(days), dtype=bool)
    return np.array([special.get(d) is not None for d in days.astype(dt.date)], dtype=bool)


def _weekday_shares(inp: _ModelInput) -> np.ndarray:
    """(7, slots) intraday shares of each calendar weekday: its ordinary days of the last weeks, smoothed."""
    s = inp.series
    ordinary = _ordinary_days(inp)
    weekdays = _weekday(s.days)
    window = s.days > s.days[-1] - np.timedelta64(7 * inp.profile_weeks, "D")
    out = np.zeros((7, s.volume.shape[1]))
    for w in range(7):
        rows = ordinary & window & (weekdays == w)
        if not rows.any():
            rows = ordinary & (weekdays == w)
        if rows.any():
            out[w] = s.volume[rows].sum(axis=0)
    return _shares(_smooth_rows(out))


def _special_type(inp: _ModelInput, kind: str) -> tuple[float | None, np.ndarray | None]:
    """Effect and intraday shares of the named special-day type ``kind``, learned from its past days.

    The effect is the median ratio of a past day's total to the median of the
    ordinary same-weekday days within 4 weeks of it; the shares pool the past
    days' volume.  ``(None, None)`` when no past day of the type is in the history.
    """
    key = f"type:{kind}"
    if key in inp.memo:
        return inp.memo[key]
    s = inp.series
    assert inp.special is not None
    row_of = {d: i for i, d in enumerate(s.days.astype(dt.date))}
    past = [row_of[d.date] for d in inp.special.of_type(kind) if d.date in row_of]
    result: tuple[float | None, np.ndarray | None] = (None, None)
    if past:
        totals = s.volume.sum(axis=1)
        rows = np.array(past)
        baseline = _local_baseline(totals, s.days, _ordinary_days(inp), s.days[rows])
        ratio = totals[rows] / baseline
        ratio = ratio[np.isfinite(ratio)]
        pooled = s.volume[rows].sum(axis=0)
        shares = _shares(_smooth_rows(pooled[None, :]))[0] if pooled.sum() > 0 else None
        result = (float(np.median(ratio)) if len(ratio) else None, shares)
    inp.memo[key] = result
    return result


def _apply_special_days(inp: _ModelInput, matrix: np.ndarray) -> np.ndarray:
    """``matrix`` with the horizon's special days (``inp.special``) replaced.

    ``closed``: zero.  A weekday name: the day model's level × that weekday's
    index × ``effect``, with that weekday's intraday shares.  A named type: the
    model's own forecast of the date × the type's effect (the row's ``effect``,
    else learned from past days of the type), with the type's intraday shares
    (past days pooled; a half day without past ones keeps the first half of the
    date's usual opening).  Raises ``InputError`` for a named type that has
    neither an effect nor a past day in the queue's history.
    """
    special = inp.special
    if not special:
        return matrix
    hits = [(i, special.get(d)) for i, d in enumerate(inp.days.astype(dt.date))]
    hits = [(i, day) for i, day in hits if day is not None]
    if not hits:
        return matrix
    out = matrix.copy()
    weekday_shares = _weekday_shares(inp)
    weekdays = _weekday(inp.days)
    problems = []
    for i, day in hits:
        if day.is_closed:
            out[i] = 0.0
            continue
        if day.weekday is not None:
            dm = inp.day_model
            total = dm.level * dm.index[day.weekday] * (day.effect or 1.0)
            out[i] = total * weekday_shares[day.weekday]
            continue
        effect, shares = _special_type(inp, day.behaves_like)
        own = _shares(matrix[i][None, :])[0] if matrix[i].sum() > 0 else weekday_shares[weekdays[i]]
        if shares is None:
            shares = own
            if day.behaves_like == HALF_DAY:
                open_slots = np.flatnonzero(own > 0)
                if len(open_slots):
                    shares = np.where(np.arange(len(own)) < open_slots[len(open_slots) // 2], own, 0.0)
                    shares = _shares(shares[None, :])[0]
        if day.effect is not None:
            effect = day.effect
        elif effect is None and day.behaves_like == HALF_DAY:
            effect = HALF_DAY_DEFAULT_EFFECT
        if effect is None and not inp.strict:
            out[i] = matrix[i]
            continue
        if effect is None:
            problems.append(
                f"{special.source} row {day.row}: no past '{day.behaves_like}' day is in the history of queue "
                f"'{inp.queue.name}' to learn its effect from; list past {day.behaves_like} days (dates inside "
                "the history) or give an effect, e.g. 0.7"
            )
            continue
        out[i] = matrix[i].sum() * effect * shares
    if problems:
        raise InputError(problems)
    return out


_MODEL_UNITS: dict[str, Callable[[_ModelInput], np.ndarray]] = {
    "top_down": _top_down,
    "seasonal_naive": _seasonal_naive,
    "hist_avg_4w": lambda inp: _historical_average(inp, 4),
    "hist_avg_8w": lambda inp: _historical_average(inp, 8),
    "weekday_level": lambda inp: _level_times_profile(inp, inp.raw("hist_avg_8w").sum(axis=1)),
    "recent_level": lambda inp: _level_times_profile(inp, _recent_level_daily(inp)),
    "calendar_level": _calendar_level,
    "ensemble": _ensemble,
    "prophet_day_type": _prophet_day_type,
}


def _replace_point_forecast(
    part: pd.DataFrame,
    series: _QueueSeries,
    queue: Queue,
    horizon: Horizon,
    calendar: _Calendar,
    model: str,
    seed: int,
    profile_weeks: int,
    special: SpecialDays | None = None,
    z: float | tuple[float, float] = 1.28,
) -> pd.DataFrame:
    """``part`` (a top-down forecast) with ``yhat`` from ``model`` and its band scaled alike.

    Special days of the horizon are applied; where top-down had nothing to
    scale (a special day on a weekday top-down keeps closed), the band is the
    Poisson one, ``yhat ± z·sqrt(yhat)``.
    """
    series = series.without_partial_ends(queue.name)
    h = series.interval_minutes
    days = np.arange(np.datetime64(horizon.start, "D"), np.datetime64(horizon.end, "D") + 1)
    inp = _ModelInput(series, queue, days, calendar, seed, profile_weeks, {}, special)
    slots = _MINUTES_PER_DAY // h
    if horizon.interval_minutes == h and len(part) == len(days) * slots:
        # Same grid and no DST change: reuse the top-down fit instead of fitting prophet again.
        inp.cache["top_down"] = part[YHAT].to_numpy().reshape(len(days), slots)
    matrix = inp.get(model)
    cum = np.concatenate(
        [np.zeros((len(days), 1)), np.cumsum(np.repeat(matrix / h, h, axis=1), axis=1)], axis=1
    )
    wall = pd.DatetimeIndex(part[DS]).tz_localize(None).values
    day = wall.astype("datetime64[D]")
    minute = ((wall - day) // np.timedelta64(1, "m")).astype(np.int64)
    end_minute = np.minimum(minute + horizon.interval_minutes, _MINUTES_PER_DAY)
    day_index = (day - days[0]).astype(np.int64)
    old = part[YHAT].to_numpy()
    # Top-down's zeros are decisions (closed hours, closed weekdays and holidays): keep them,
    # except inside opening hours on a special day the user declared open.
    is_open = (minute >= queue.open_minute) & (minute < queue.close_minute)
    declared = [special.get(d) if special else None for d in days.astype(dt.date)]
    declared_open = np.array([d is not None and not d.is_closed for d in declared], dtype=bool)
    keep = (old > 0) | (is_open & declared_open[day_index])
    new = np.where(keep, np.maximum(cum[day_index, end_minute] - cum[day_index, minute], 0.0), 0.0)
    ratio = np.where(old > 0, new / np.where(old > 0, old, 1.0), 0.0)
    z_low, z_high = z if isinstance(z, tuple) else (z, z)
    out = part.copy()
    out[YHAT] = new
    out[YHAT_LOWER] = np.where(
        old > 0, part[YHAT_LOWER].to_numpy() * ratio, np.maximum(new - z_low * np.sqrt(new), 0.0)
    )
    out[YHAT_UPPER] = np.where(old > 0, part[YHAT_UPPER].to_numpy() * ratio, new + z_high * np.sqrt(new))
    return out
