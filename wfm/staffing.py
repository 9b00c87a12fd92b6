"""Forecast + service targets -> required agents per queue and interval.

Voice
-----
Erlang C by default.  With ``model="erlang_a"``, queues that state
``patience_seconds`` use Erlang A (abandoning callers, service level counted
over offered calls); the others stay on Erlang C.  Whatever the model, a queue
with ``patience_seconds`` gets an ``abandon_rate`` column filled with Erlang A's
prediction at the staffing chosen (under Erlang C that is the abandonment the
same head count would see with impatient callers); other queues get NaN.  Its
``asa_seconds`` is Erlang A's too: the mean wait of the calls answered, as
Genesys and NICE report ASA.  It is finite wherever an agent is on the
phone, whereas Erlang C's is unbounded once agents <= offered load.  The
service level stays the staffing model's, the figure the queue was sized on.

Chat (``channel == "chat"``, ``concurrency = k``)
-------------------------------------------------
An agent works up to k sessions at once.  The forecast's ``aht_seconds`` for a
chat queue is the session duration as observed, which already includes the
slow-down of handling several chats at once.  Each agent is treated as k
independent session slots, so the queue is M/M/(n*k) at the session level with
that duration: Erlang C (or A) gives the number of slots s meeting the target,
and agents = ceil(s / k).  KPIs are those of the n*k slots; ``occupancy`` is
slot utilisation.

Limits of this model: it assumes a session's duration does not depend on how
many other sessions the agent has open at that moment (the observed duration
is an average over the concurrency actually worked), and that any free slot
can take the next chat (no per-agent balancing).  It is exact for k = 1 and
optimistic when agents rarely run k chats at once in practice.

Common rules
------------
* Intervals are labelled by their start; an interval is open when the queue is
  open at its starting minute (``Queue.is_open``).  Closed intervals need 0
  agents and have NaN KPIs; forecast volume there is dropped with a warning.
* Open intervals get at least ``queue.min_agents`` (this covers zero volume).
* Occupancy cap: ``agents >= ceil(A / max_occupancy)`` on offered load A.
* ``agents_required`` is on the phone, before unplanned shrinkage;
  ``agents_required_gross = ceil(agents_required / (1 - shrinkage.unplanned))``.
* Negative forecasts (prophet can produce them) count as zero calls.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from wfm import erlang
from wfm.schema import (
    ABANDON_RATE,
    AGENTS_REQUIRED,
    AGENTS_REQUIRED_GROSS,
    AHT_SECONDS,
    ASA_SECONDS,
    DS,
    OCCUPANCY,
    QUEUE,
    REQUIREMENTS_COLUMNS,
    SERVICE_LEVEL,
    UNBOUNDED_WAIT_CALL_SHARE,
    UNBOUNDED_WAIT_INTERVALS,
    YHAT,
    YHAT_LOWER,
    YHAT_UPPER,
    InputError,
    Queue,
    Shrinkage,
)

logger = logging.getLogger(__name__)

MODELS = ("erlang_c", "erlang_a")
OUTPUT_COLUMNS = (*REQUIREMENTS_COLUMNS, ABANDON_RATE)
KPI_COLUMNS = (SERVICE_LEVEL, ASA_SECONDS, OCCUPANCY, ABANDON_RATE)
# At most this many lines of problems are listed in one InputError.
_MAX_PROBLEMS = 20


def gross_agents(agents: ArrayLike, unplanned: float) -> NDArray[np.int64]:
    """Agents to schedule so that ``agents`` remain after unplanned shrinkage.

    ``ceil(agents / (1 - unplanned))``, robust to floating-point noise.

    >>> int(gross_agents(21, 0.3))
    30
    """
    if not 0.0 <= unplanned < 1.0:
        raise ValueError(f"unplanned shrinkage must be in [0, 1), got {unplanned}")
    a = np.asarray(agents, dtype=float)
    # 21 / 0.7 is 30.000000000000004 in floating point; it must give 30, not 31.
    return np.ceil(a / (1.0 - unplanned) - 1e-9).astype(np.int64)[()]


def slots_per_agent(queue: Queue) -> int:
    """Servers one agent provides: ``concurrency`` session slots for chat, 1 for voice."""
    return max(int(queue.concurrency), 1) if queue.channel == "chat" else 1


def _check_model(model: str) -> None:
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")


def _patience(queue: Queue, model: str) -> float | None:
    """Patience used for the queue's service level: None means Erlang C."""
    return queue.patience_seconds if model == "erlang_a" else None


def _kpis(
    queue: Queue,
    servers: NDArray[np.float64],
    calls: NDArray[np.float64],
    aht_seconds: NDArray[np.float64],
    interval_seconds: float,
    model: str,
) -> dict[str, NDArray[np.float64]]:
    """KPIs of a queue with ``servers`` (possibly fractional) session slots or agents."""
    common = dict(
        aht_seconds=aht_seconds, interval_seconds=interval_seconds, answer_seconds=queue.answer_seconds
    )
    k = erlang.interpolate_kpis(servers, calls, patience_seconds=_patience(queue, model), **common)
    out = {SERVICE_LEVEL: k.service_level, ASA_SECONDS: k.asa_seconds, OCCUPANCY: k.occupancy}
    if queue.patience_seconds is None:
        out[ABANDON_RATE] = np.full(np.shape(servers), np.nan)
    else:
        # Callers with a patience abandon, so their wait is Erlang A's whatever the staffing model.
        ka = k
        if _patience(queue, model) is None:
            ka = erlang.interpolate_kpis(servers, calls, patience_seconds=queue.patience_seconds, **common)
        out[ASA_SECONDS], out[ABANDON_RATE] = ka.asa_seconds, ka.abandon_rate
    return {c: np.atleast_1d(np.asarray(v, dtype=float)) for c, v in out.items()}


def _limited(problems: list[str]) -> list[str]:
    if len(problems) <= _MAX_PROBLEMS:
        return problems
    return [*problems[:_MAX_PROBLEMS], f"... and {len(problems) - _MAX_PROBLEMS} more"]



def queues_by_name(forecast: pd.DataFrame, queues: Sequence[Queue]) -> dict[str, Queue]:
    """Queue objects by name; :class:`InputError` for any forecast queue the scenario does not define."""
    by_name = {q.name: q for q in queues}
    unknown = sorted(set(forecast[QUEUE].astype(str)) - set(by_name))
    if unknown:
        raise InputError(
            [
                f"forecast: queue '{u}' is not a queue in the scenario (queues: {', '.join(by_name)})"
                for u in unknown
            ]
        )
    return by_name

def required_staff(
    forecast: pd.DataFrame,
    queues: Sequence[Queue],
    shrinkage: Shrinkage,
    interval_minutes: int,
    quantile_column: str = YHAT,
    *,
    model: str = "erlang_c",
) -> pd.DataFrame:
    """Agents required per queue and interval to meet each queue's service target.

    ``forecast`` has columns ``queue, ds, <quantile_column>, aht_seconds``
    (calls offered per interval of ``interval_minutes``, AHT in seconds; ``ds``
    timezone-aware interval starts).  ``quantile_column`` picks the volume to
    staff for (``yhat``, ``yhat_upper``, ...).  ``model`` is ``"erlang_c"`` or
    ``"erlang_a"`` (see the module docstring).

    Returns one row per forecast row with the columns ``schema.REQUIREMENTS_COLUMNS``
    and ``abandon_rate``, sorted by queue and ds.  ``agents_required`` (on the
    phone) and ``agents_required_gross`` are integers; ``service_level``,
    ``asa_seconds`` (seconds) and ``occupancy`` are predicted at
    ``agents_required`` and NaN where the queue is closed.

    Raises ``InputError`` for queues not in ``queues``, duplicate rows, and open
    intervals with calls but no usable AHT or volume.
    """
    _check_model(model)
    if interval_minutes <= 0:
        raise InputError(f"interval_minutes must be positive, got {interval_minutes}")
    if not 0.0 <= shrinkage.unplanned < 1.0:
        raise InputError(f"shrinkage.unplanned must be in [0, 1), got {shrinkage.unplanned}")
    missing = [c for c in (QUEUE, DS, quantile_column, AHT_SECONDS) if c not in forecast.columns]
    if missing:
        raise InputError(
            f"forecast: missing column(s) {', '.join(missing)} (has: {', '.join(map(str, forecast.columns))})"
        )

    by_name = queues_by_name(forecast, queues)
    duplicated = forecast.duplicated([QUEUE, DS])
    if duplicated.any():
        rows = forecast.loc[duplicated, [QUEUE, DS]].itertuples(index=False)
        raise InputError(_limited([f"forecast: queue '{q}' has more than one row at {ds}" for q, ds in rows]))

    interval_seconds = 60.0 * interval_minutes
    frames, problems = [], []
    data = forecast[[QUEUE, DS, quantile_column, AHT_SECONDS]].sort_values([QUEUE, DS], kind="stable")
    for name, group in data.groupby(QUEUE, sort=True):
        queue = by_name[str(name)]
        ds = group[DS]
        minute = (ds.dt.hour * 60 + ds.dt.minute).to_numpy()
        is_open = np.fromiter((queue.is_open(int(m)) for m in minute), dtype=bool, count=minute.size)
        raw = group[quantile_column].to_numpy(dtype=float)
        aht = group[AHT_SECONDS].to_numpy(dtype=float)
        calls = np.clip(np.nan_to_num(raw, nan=0.0), 0.0, None)
        for i in np.flatnonzero(is_open & np.isnan(raw)):
            problems.append(
                f"forecast: queue '{name}' at {ds.iloc[i]}: {quantile_column} is missing; forecast this interval"
            )
        bad_aht = is_open & (calls > 0) & ~(np.isfinite(aht) & (aht > 0))
        for i in np.flatnonzero(bad_aht):
            problems.append(
                f"forecast: queue '{name}' at {ds.iloc[i]}: aht_seconds is {aht[i]} (no handle-time history); "
                "give the queue an AHT for this interval"
            )
        if problems:
            continue
        dropped = ~is_open & (calls > 0)
        if dropped.any():
            logger.warning(
                "queue %s: %.1f forecast calls fall in %d closed interval(s) and are not staffed",
                name,
                calls[dropped].sum(),
                int(dropped.sum()),
            )
        frames.append(_queue_requirements(queue, group, is_open, calls, aht, interval_seconds, model))
    if problems:
        raise InputError(_limited(problems))

    if frames:
        out = pd.concat(frames, ignore_index=True)
    else:
        out = pd.DataFrame({c: pd.Series(dtype=float) for c in OUTPUT_COLUMNS})
        out[QUEUE] = out[QUEUE].astype(str)
        out[DS] = forecast[DS].iloc[:0].reset_index(drop=True)
    out[AGENTS_REQUIRED] = out[AGENTS_REQUIRED].astype(np.int64)
    out[AGENTS_REQUIRED_GROSS] = gross_agents(out[AGENTS_REQUIRED].to_numpy(), shrinkage.unplanned)
    out[AGENTS_REQUIRED_GROSS] = out[AGENTS_REQUIRED_GROSS].astype(np.int64)
    return out[list(OUTPUT_COLUMNS)].reset_index(drop=True)


def _queue_requirements(
    queue: Queue,
    group: pd.DataFrame,
    is_open: NDArray[np.bool_],
    calls: NDArray[np.float64],
    aht: NDArray[np.float64],
    interval_seconds: float,
    model: str,
) -> pd.DataFrame:
    """Requirements of one queue; ``group`` is its slice of the forecast, sorted by ds."""
    k = slots_per_agent(queue)
    agents = np.zeros(calls.size, dtype=np.int64)
    kpis = {c: np.full(calls.size, np.nan) for c in KPI_COLUMNS}
    if is_open.any():
        c, h = calls[is_open], np.where(calls[is_open] > 0, aht[is_open], 1.0)
        servers = erlang.required_agents(
            c,
            aht_seconds=h,
            interval_seconds=interval_seconds,
            answer_seconds=queue.answer_seconds,
            service_level=queue.service_level,
            patience_seconds=_patience(queue, model),
            max_occupancy=queue.max_occupancy,
        )
        n = np.maximum(-(-np.atleast_1d(servers) // k), queue.min_agents)
        agents[is_open] = n
        at_n = _kpis(queue, (n * k).astype(float), c, h, interval_seconds, model)
        for col in KPI_COLUMNS:
            kpis[col][is_open] = at_n[col]
    logger.debug("queue %s: %d intervals, peak %d agents", queue.name, calls.size, agents.max(initial=0))
    return pd.DataFrame(
        {
            QUEUE: group[QUEUE].to_numpy(),
            DS: group[DS].reset_index(drop=True),
            AGENTS_REQUIRED: agents,
            **kpis,
        }
    )


def predicted_kpis(
    queue: Queue,
    calls: ArrayLike,
    aht_seconds: ArrayLike,
    agents_on_phone: ArrayLike,
    interval_minutes: int,
    *,
    model: str = "erlang_c",
) -> dict[str, NDArray[np.float64]]:
    """Predicted KPIs of ``queue`` given the agents actually on the phone per interval.

    ``calls`` per interval of ``interval_minutes``, ``aht_seconds`` in seconds,
    ``agents_on_phone`` may be fractional (scheduled x (1 - unplanned
    shrinkage)); KPIs are interpolated linearly between the whole numbers
    around it.  Chat queues use the concurrency model of the module docstring
    (agents x concurrency session slots).  Returns a dict of float arrays,
    aligned with the inputs, keyed ``service_level``, ``asa_seconds`` (seconds;
    Erlang A's wait of answered calls for queues with ``patience_seconds``, see
    the module docstring; ``inf`` where the wait is unbounded), ``occupancy``
    and ``abandon_rate`` (NaN for queues without ``patience_seconds``);
    ``pd.DataFrame(result, index=...)`` aligns it with a frame.  With no
    agents and no calls every KPI is NaN.

    Raises ``InputError`` where an interval has calls but no usable AHT.
    """
    _check_model(model)
    c = np.atleast_1d(np.asarray(calls, dtype=float))
    aht = np.atleast_1d(np.asarray(aht_seconds, dtype=float))
    n = np.atleast_1d(np.asarray(agents_on_phone, dtype=float))
    c, aht, n = np.broadcast_arrays(c, aht, n)
    if np.any(np.isnan(n)) or np.any(n < 0):
        raise InputError(f"queue '{queue.name}': agents on the phone must be non-negative numbers")
    c = np.clip(np.nan_to_num(c, nan=0.0), 0.0, None)
    bad = np.flatnonzero((c > 0) & ~(np.isfinite(aht) & (aht > 0)))
    if bad.size:
        raise InputError(
            _limited(
                [
                    f"queue '{queue.name}' interval #{i}: aht_seconds is {aht[i]} with {c[i]:g} calls"
                    for i in bad
                ]
            )
        )
    aht = np.where(c > 0, aht, 1.0)
    k = slots_per_agent(queue)
    out = _kpis(queue, n * k, c, aht, 60.0 * interval_minutes, model)
    return {col: out[col] for col in KPI_COLUMNS}


def wait_summary(asa_seconds: ArrayLike, abandon_rate: ArrayLike, calls: ArrayLike) -> dict[str, float]:
    """Predicted ASA over many intervals, and the calls it cannot speak for.

    ``asa_seconds``: the mean wait of the calls answered, i.e. the intervals'
    ASAs weighted by their answered calls (``calls x (1 - abandon_rate)``;
    NaN abandonment counts as none), over the intervals where the wait is
    finite.  ``unbounded_wait_intervals``: the intervals with calls whose wait
    is unbounded (Erlang C with agents <= offered load, or no agent on the
    phone), which that mean leaves out; ``unbounded_wait_call_share``: their
    share of the calls.  Like an ACD's ASA it speaks only for answered calls,
    so read it beside the abandonment and these two figures: taking agents
    away can shorten it only by moving calls out of it, into abandonment or
    into unbounded intervals.

    >>> wait_summary([20.0, 40.0, np.inf], [0.0, 0.5, np.nan], [100.0, 100.0, 50.0])
    {'asa_seconds': 26.666666666666668, 'unbounded_wait_intervals': 1, 'unbounded_wait_call_share': 0.2}
    """
    asa, abandon, c = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (asa_seconds, abandon_rate, calls))
    c = np.nan_to_num(c, nan=0.0)
    answered = c * (1.0 - np.nan_to_num(abandon, nan=0.0))
    finite = np.isfinite(asa) & (answered > 0)
    unbounded = np.isinf(asa) & (c > 0)
    weight = answered[finite].sum()
    return {
        ASA_SECONDS: float((asa[finite] * answered[finite]).sum() / weight) if weight > 0 else float("nan"),
        UNBOUNDED_WAIT_INTERVALS: int(unbounded.sum()),
        UNBOUNDED_WAIT_CALL_SHARE: float(c[unbounded].sum() / c.sum()) if c.sum() > 0 else float("nan"),
    }


# ---------------------------------------------------------------------------
# Forecast uncertainty
# ---------------------------------------------------------------------------
def quantile_column_name(q: float) -> str:
    """Name of the forecast column holding quantile ``q``: ``yhat_q80`` for 0.8, ``yhat_q97.5`` for 0.975.

    >>> quantile_column_name(0.8)
    'yhat_q80'
    """
    return f"{YHAT}_q{round(100.0 * q, 6):g}"


def forecast_quantile(forecast: pd.DataFrame, q: float, *, band_coverage: float = 0.8) -> pd.Series:
    """Calls per interval at quantile ``q`` of the forecast's predictive distribution.

    The forecast gives a point ``yhat`` (its median) and a central band
    ``yhat_lower .. yhat_upper`` holding ``band_coverage`` of the probability
    (0.8 by default, as :func:`wfm.forecast.forecast` makes it: the 10% and
    90% quantiles).  Assumption: a split normal around ``yhat``, whose upper
    half has the sd ``(yhat_upper - yhat) / z`` and lower half
    ``(yhat - yhat_lower) / z`` with ``z = Phi^-1(0.5 + band_coverage / 2)``
    (1.2816 for 0.8), so that an asymmetric band keeps its asymmetry.  Then
    ``q = 0.5`` gives ``yhat``, ``q = 0.9`` gives ``yhat_upper`` and ``q = 0.1``
    ``yhat_lower`` for an 80% band; other quantiles are interpolated or
    extrapolated with the normal's ``Phi^-1(q)``.  Negative results are clipped
    to 0.  Returns a Series aligned with ``forecast``, named
    :func:`quantile_column_name`.

    >>> fc = pd.DataFrame({"yhat": [100.0], "yhat_lower": [80.0], "yhat_upper": [130.0]})
    >>> round(float(forecast_quantile(fc, 0.9).iloc[0]), 6), round(float(forecast_quantile(fc, 0.95).iloc[0]), 1)
    (130.0, 138.5)
    """
    from statistics import NormalDist

    if not 0.0 < q < 1.0:
        raise InputError(f"quantile must be between 0 and 1 (exclusive), got {q}")
    if not 0.0 < band_coverage < 1.0:
        raise InputError(f"band_coverage must be between 0 and 1 (exclusive), got {band_coverage}")
    missing = [c for c in (YHAT, YHAT_LOWER, YHAT_UPPER) if c not in forecast.columns]
    if missing:
        raise InputError(f"forecast: missing column(s) {', '.join(missing)} needed for quantile {q:g}")
    normal = NormalDist()
    scale = normal.inv_cdf(q) / normal.inv_cdf(0.5 + band_coverage / 2.0)
    yhat = forecast[YHAT].astype(float)
    half = (
        (forecast[YHAT_UPPER].astype(float) - yhat)
        if q >= 0.5
        else (yhat - forecast[YHAT_LOWER].astype(float))
    )
    out = (yhat + scale * half.clip(lower=0.0)).clip(lower=0.0)
    return out.rename(quantile_column_name(q))


def staffing_quantile_column(forecast: pd.DataFrame, q: float, *, band_coverage: float = 0.8) -> pd.DataFrame:
    """A copy of ``forecast`` with the column :func:`quantile_column_name` ``(q)`` added.

    See :func:`forecast_quantile` for the interpolation.  Pass the column name
    to :func:`required_staff` as ``quantile_column`` to staff for that
    quantile (e.g. 0.8: enough agents for the volume four days in five stay
    below, interval by interval).
    """
    out = forecast.copy()
    out[quantile_column_name(q)] = forecast_quantile(forecast, q, band_coverage=band_coverage)
    return out


def required_staff_quantile(
    forecast: pd.DataFrame,
    queues: Sequence[Queue],
    shrinkage: Shrinkage,
    interval_minutes: int,
    q: float,
    *,
    band_coverage: float = 0.8,
    model: str = "erlang_c",
) -> pd.DataFrame:
    """:func:`required_staff` for the volume at forecast quantile ``q`` (see :func:`forecast_quantile`).

    ``q = 0.5`` is the same as staffing ``yhat``.
    """
    fc = staffing_quantile_column(forecast, q, band_coverage=band_coverage)
    return required_staff(fc, queues, shrinkage, interval_minutes, quantile_column_name(q), model=model)


def agents_on_phone(requirements: pd.DataFrame, unplanned_shrinkage: float) -> pd.Series:
    """Agents on the phone per row of a requirements frame (float).

    ``agents_required`` where the frame has it on every row, else
    ``agents_required_gross x (1 - unplanned_shrinkage)``: the agents expected
    to remain after unplanned absence (fractional).
    """
    if AGENTS_REQUIRED in requirements.columns and requirements[AGENTS_REQUIRED].notna().all():
        return requirements[AGENTS_REQUIRED].astype(float)
    if AGENTS_REQUIRED_GROSS in requirements.columns:
        return requirements[AGENTS_REQUIRED_GROSS].astype(float) * (1.0 - unplanned_shrinkage)
    raise InputError(f"requirements: needs a column {AGENTS_REQUIRED} or {AGENTS_REQUIRED_GROSS}")


def service_level_spread(
    forecast: pd.DataFrame,
    requirements: pd.DataFrame,
    queues: Sequence[Queue],
    interval_minutes: int,
    *,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    band_coverage: float = 0.8,
    model: str = "erlang_c",
    unplanned_shrinkage: float = 0.0,
) -> pd.DataFrame:
    """Predicted service level per queue if the actual volume lands at each forecast quantile.

    The agents on the phone are the requirements' ``agents_required`` (or,
    when absent, ``agents_required_gross x (1 - unplanned_shrinkage)``); the
    volume of every open interval is set to its quantile ``q``
    (:func:`forecast_quantile`) and the KPIs are predicted with ``model``.
    Every interval is put at the same quantile at once, i.e. the forecast
    errors of a queue's intervals are taken as perfectly correlated (a busy
    day is busy all day); that is the spread of the queue's total, not of
    single intervals.  The default quantiles are the ends of an 80% band and
    the median.

    Returns one row per queue and quantile: ``queue``, ``quantile``,
    ``calls`` (total over the open intervals), ``service_level`` and
    ``abandon_rate`` (weighted by the calls of each interval; abandonment is
    NaN for queues without ``patience_seconds``), ``asa_seconds``,
    ``unbounded_wait_intervals`` and ``unbounded_wait_call_share``
    (:func:`wait_summary`),
    ``target`` (the queue's service level target), ``intervals_below_target``
    and ``open_intervals`` (open intervals with calls).
    """
    _check_model(model)
    for c in (QUEUE, DS):
        if c not in requirements.columns:
            raise InputError(f"requirements: missing column {c}")
    agents = agents_on_phone(requirements, unplanned_shrinkage)
    staffed = pd.DataFrame({QUEUE: requirements[QUEUE].astype(str), DS: requirements[DS], "_agents": agents})
    fc = forecast.assign(**{QUEUE: forecast[QUEUE].astype(str)})
    volumes = {q: forecast_quantile(fc, q, band_coverage=band_coverage).to_numpy() for q in quantiles}
    fc = fc.assign(**{f"_q{i}": v for i, v in enumerate(volumes.values())})
    data = fc.merge(staffed, on=[QUEUE, DS], how="left")
    data["_agents"] = data["_agents"].fillna(0.0)
    by_name = {q.name: q for q in queues}
    rows = []
    for name, g in data.sort_values([QUEUE, DS]).groupby(QUEUE, sort=True):
        if name not in by_name:
            raise InputError(
                f"forecast: queue '{name}' is not a queue in the scenario (queues: {', '.join(by_name)})"
            )
        queue = by_name[str(name)]
        minute = (g[DS].dt.hour * 60 + g[DS].dt.minute).to_numpy()
        is_open = np.fromiter((queue.is_open(int(m)) for m in minute), dtype=bool, count=minute.size)
        aht = g[AHT_SECONDS].to_numpy(dtype=float)
        for i, q in enumerate(quantiles):
            calls = np.where(is_open, np.nan_to_num(g[f"_q{i}"].to_numpy(dtype=float)), 0.0)
            busy = calls > 0
            k = predicted_kpis(
                queue,
                calls[busy],
                aht[busy],
                g["_agents"].to_numpy(float)[busy],
                interval_minutes,
                model=model,
            )
            w = calls[busy]

            def weighted(v, w=w):
                ok = np.isfinite(v)
                return float((v[ok] * w[ok]).sum() / w[ok].sum()) if ok.any() and w[ok].sum() > 0 else np.nan

            rows.append(
                {
                    QUEUE: str(name),
                    "quantile": float(q),
                    "calls": float(w.sum()),
                    SERVICE_LEVEL: weighted(k[SERVICE_LEVEL]),
                    **wait_summary(k[ASA_SECONDS], k[ABANDON_RATE], w),
                    ABANDON_RATE: weighted(k[ABANDON_RATE]),
                    "target": queue.service_level,
                    "intervals_below_target": int((k[SERVICE_LEVEL] < queue.service_level - 1e-9).sum()),
                    "open_intervals": int(busy.sum()),
                }
            )
    return pd.DataFrame(rows)
