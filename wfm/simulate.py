"""Discrete-event simulation of a contact-centre queue, to check the staffing math.

One queue, first come first served, over a run of consecutive intervals of
``interval_seconds`` each.  Replications are independent and seeded.

The model
---------
* **Arrivals**: Poisson with a piecewise-constant rate; ``calls[i]`` is the
  expected number of calls arriving in interval ``i`` (so the rate is
  ``calls[i] / interval_seconds`` per second).  Drawn with numpy: a Poisson
  count per interval, then uniform arrival times inside it.
* **Handle times**: exponential with mean ``aht_seconds`` of the interval the
  call arrived in, or lognormal with that mean and coefficient of variation
  ``handle_cv`` (``handle_distribution="lognormal"``).
* **Patience**: exponential with mean ``patience_seconds`` (of the arrival
  interval); ``None`` or ``inf`` means callers never hang up.  A caller who is
  still waiting when their patience runs out abandons and never occupies an
  agent.
* **Agents**: ``agents[i]`` servers are on duty in interval ``i`` (for chat,
  pass agents x concurrency session slots; see :mod:`wfm.staffing`).  Server
  ``j`` (0-based) is on duty for the fraction ``clip(agents[i] - j, 0, 1)`` of
  interval ``i``, from its start, so a fractional head count such as 12.5 is a
  13th agent present for the first half of the interval.  When staffing
  drops, the servers with the highest numbers leave; **a server whose duty
  ends while it is on a call finishes that call and then leaves** (at most
  one call of overtime), and a server who is idle when its duty ends leaves at
  once.  An idle server whose duty starts again later picks up from then.
* **End of the run**: no calls arrive after the last interval; the servers on
  duty in the last interval stay until the queue is empty.  Calls in progress
  and calls waiting carry over every interval boundary inside the run.  If
  nobody is on duty in the last interval, calls still waiting at its end are
  never answered (with infinite patience they count as offered but neither
  answered nor abandoned).
* **Routing**: FCFS; a call goes to the server that can take it first, and
  among servers idle at its arrival to the one idle longest.

Algorithm
---------
FCFS means a call's start time depends only on the calls ahead of it, so calls
are processed once, in arrival order, against a heap of the servers' next
possible start times (Kiefer & Wolfowitz's workload recursion for a
many-server queue).  A call arriving at ``t`` starts at
``max(t, earliest next-start)``; if that is later than ``t + patience`` the
caller abandons and no server is used.  Time-varying staffing is a list of
duty windows per server: a heap key is always a time at which its server is on
duty, and keys that went stale while a server sat idle past the end of its
window are refreshed lazily when they reach the top.  The loop is pure Python
(one to two million calls per second on one core); everything else is numpy.

KPIs and conventions
--------------------
Every call is counted in the interval in which it **arrived**, whenever it is
answered or abandons:

* ``offered``: calls arriving in the interval; ``answered``; ``abandoned``;
* ``service_level`` = calls answered within ``answer_seconds`` (wait <=
  threshold) / calls offered (abandoned and never-answered calls count against
  it, as in Erlang A);
* ``asa_seconds``: mean wait of answered calls (zero waits included);
* ``abandon_rate`` = abandoned / offered.

Across ``R`` replications a count is reported as its mean with the 95%
half-width ``1.96 * sd / sqrt(R)``.  A ratio (service level, ASA, abandon
rate) is the ratio of the totals over replications, ``sum X_r / sum Y_r``,
with the delta-method half-width ``1.96 * sd(X_r - ratio * Y_r) / (sqrt(R) *
mean(Y_r))``; when every replication has the same denominator this is exactly
mean ± 1.96·sd/√R of the per-replication ratios, and unlike the plain mean it
stays defined when some replications see no calls.  A ratio whose denominator
is zero in every replication (no calls) is NaN.
"""

from __future__ import annotations

import heapq
import logging
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from wfm import erlang
from wfm.schema import (
    ABANDON_RATE,
    ABANDONED,
    AHT_SECONDS,
    ANSWERED,
    ASA_SECONDS,
    DS,
    OFFERED,
    QUEUE,
    SCHEDULED,
    SERVICE_LEVEL,
    YHAT,
    InputError,
    Queue,
    Scenario,
)
from wfm.staffing import agents_on_phone, predicted_kpis, queues_by_name, slots_per_agent

logger = logging.getLogger(__name__)

HANDLE_DISTRIBUTIONS = ("exponential", "lognormal")
Z95 = 1.959963984540054

# Column names of the simulation frames (half-widths of 95% confidence intervals end in _ci95).
AGENTS = "agents"  # agents on the phone simulated in the interval (for chat: agents, not slots)
CI95 = "_ci95"
PREDICTED = "predicted_"
SIM_KPIS = (OFFERED, ANSWERED, ABANDONED, SERVICE_LEVEL, ASA_SECONDS, ABANDON_RATE)
SIMULATION_COLUMNS = (
    QUEUE,
    DS,
    AGENTS,
    YHAT,
    AHT_SECONDS,
    *(c + s for c in SIM_KPIS for s in ("", CI95)),
    PREDICTED + SERVICE_LEVEL,
    PREDICTED + ASA_SECONDS,
    PREDICTED + ABANDON_RATE,
)


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Estimate:
    """A simulated figure: ``mean`` and the half-width ``ci95`` of its 95% confidence interval."""

    mean: float
    ci95: float

    def __str__(self) -> str:
        return f"{self.mean:.4g} ± {self.ci95:.2g}"


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """Counts per replication (rows) and interval (columns) of one simulated queue.

    ``offered``, ``answered``, ``abandoned`` and ``answered_in_threshold`` are
    integer arrays of shape ``(replications, intervals)``; ``wait_answered_seconds``
    is the total wait of the answered calls.  Calls are counted in the interval
    they arrived in.  ``offered - answered - abandoned`` are calls never
    answered because nobody was on duty at the end of the run.
    """

    offered: NDArray[np.int64]
    answered: NDArray[np.int64]
    abandoned: NDArray[np.int64]
    answered_in_threshold: NDArray[np.int64]
    wait_answered_seconds: NDArray[np.float64]

    @property
    def replications(self) -> int:
        return int(self.offered.shape[0])

    def per_interval(self) -> pd.DataFrame:
        """One row per interval: each KPI of the module docstring and its ``_ci95`` half-width."""
        out: dict[str, NDArray[np.float64]] = {}
        for name, values in ((OFFERED, self.offered), (ANSWERED, self.answered), (ABANDONED, self.abandoned)):
            out[name], out[name + CI95] = _mean_ci(values.astype(float))
        for name, num, den in self._ratios():
            out[name], out[name + CI95] = _ratio_ci(num, den)
        return pd.DataFrame(out)[[c + s for c in SIM_KPIS for s in ("", CI95)]]

    def pooled(self, first: int = 0, stop: int | None = None) -> dict[str, Estimate]:
        """KPIs over intervals ``first .. stop - 1`` pooled (calls summed) in each replication.

        Keys: ``offered``, ``answered``, ``abandoned`` (totals over the
        intervals), ``service_level``, ``asa_seconds``, ``abandon_rate``.
        """
        sl = slice(first, stop)
        out: dict[str, Estimate] = {}
        for name, values in ((OFFERED, self.offered), (ANSWERED, self.answered), (ABANDONED, self.abandoned)):
            m, h = _mean_ci(values[:, sl].sum(axis=1, keepdims=True).astype(float))
            out[name] = Estimate(float(m[0]), float(h[0]))
        for name, num, den in self._ratios():
            m, h = _ratio_ci(num[:, sl].sum(axis=1, keepdims=True), den[:, sl].sum(axis=1, keepdims=True))
            out[name] = Estimate(float(m[0]), float(h[0]))
        return out

    def _ratios(self):
        off, ans = self.offered.astype(float), self.answered.astype(float)
        return (
            (SERVICE_LEVEL, self.answered_in_threshold.astype(float), off),
            (ASA_SECONDS, self.wait_answered_seconds, ans),
            (ABANDON_RATE, self.abandoned.astype(float), off),
        )


def _mean_ci(x: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mean over axis 0 and the 95% half-width 1.96 sd / sqrt(R) (NaN for R < 2)."""
    r = x.shape[0]
    mean = x.mean(axis=0)
    half = Z95 * x.std(axis=0, ddof=1) / math.sqrt(r) if r > 1 else np.full(mean.shape, np.nan)
    return mean, half


def _ratio_ci(num: NDArray[np.float64], den: NDArray[np.float64]):
    """Ratio of totals over axis 0 and its delta-method 95% half-width (NaN where den sums to 0)."""
    r = num.shape[0]
    total = den.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(total > 0, num.sum(axis=0) / total, np.nan)
        if r < 2:
            return ratio, np.full(ratio.shape, np.nan)
        resid = num - np.nan_to_num(ratio) * den
        half = Z95 * resid.std(axis=0, ddof=1) / (math.sqrt(r) * (total / r))
    return ratio, np.where(total > 0, half, np.nan)


# ---------------------------------------------------------------------------
# The queue
# ---------------------------------------------------------------------------
def _duty_windows(
    agents: NDArray[np.float64], interval_seconds: float
) -> list[tuple[list[float], list[float]]]:
    """Duty windows ``(starts, ends)`` of each server; the last interval's servers never leave."""
    windows = []
    n_servers = int(math.ceil(float(agents.max(initial=0.0)) - 1e-9))
    idx = np.arange(agents.size)
    for j in range(n_servers):
        frac = np.clip(agents - j, 0.0, 1.0)
        on = frac > 1e-12
        full = frac >= 1.0 - 1e-12
        # A window runs on into the next interval only if the server is on duty to its very end.
        joined_before = np.r_[False, full[:-1] & on[1:]]
        joins_after = np.r_[full[:-1] & on[1:], False]
        starts = (idx[on & ~joined_before] * interval_seconds).tolist()
        last = idx[on & ~joins_after]
        ends = ((last + np.where(full[last], 1.0, frac[last])) * interval_seconds).tolist()
        if on[-1]:
            ends[-1] = math.inf
        windows.append((starts, ends))
    return windows


def _start_times(
    arrivals: list[float],
    handles: list[float],
    deadlines: list[float] | None,
    windows: list[tuple[list[float], list[float]]],
) -> list[float]:
    """Start of service of each call (FCFS); NaN if the caller abandons, inf if never answered.

    ``deadlines`` are arrival + patience (None: nobody abandons).  See the
    module docstring for the algorithm.
    """
    nan, inf = math.nan, math.inf
    if windows and all(len(w[1]) == 1 and w[1][0] == inf for w in windows):
        return _start_times_fixed([w[0][0] for w in windows], arrivals, handles, deadlines)
    if deadlines is None:
        deadlines = [inf] * len(arrivals)
    heap = [(w[0][0], s) for s, w in enumerate(windows) if w[0]]
    heapq.heapify(heap)
    w_starts = [w[0] for w in windows]
    w_ends = [w[1] for w in windows]
    pos = [0] * len(windows)
    cur_end = [w[1][0] if w[1] else -inf for w in windows]
    heapreplace, heappop = heapq.heapreplace, heapq.heappop
    out = []
    append = out.append
    for t, h, d in zip(arrivals, handles, deadlines, strict=True):
        while heap:
            e, s = heap[0]
            if e > t:
                start = e
                break
            if t < cur_end[s]:
                start = t
                break
            # The server sat idle past the end of its duty: move it to its next window.
            ends = w_ends[s]
            j = pos[s] + 1
            while j < len(ends) and ends[j] <= t:
                j += 1
            if j == len(ends):
                heappop(heap)
                continue
            # On duty again since its window opened (after it went idle): that is its idle-since key.
            pos[s], cur_end[s] = j, ends[j]
            heapreplace(heap, (w_starts[s][j], s))
        else:
            append(nan if d < inf else inf)
            continue
        if start > d:
            append(nan)
            continue
        append(start)
        f = start + h
        if f < cur_end[s]:
            heapreplace(heap, (f, s))
            continue
        # The call ends after the server's duty: it finishes the call, then waits for its next window.
        ends = w_ends[s]
        j = pos[s] + 1
        while j < len(ends) and ends[j] <= f:
            j += 1
        if j == len(ends):
            heappop(heap)
        else:
            pos[s], cur_end[s] = j, ends[j]
            st = w_starts[s][j]
            heapreplace(heap, (st if st > f else f, s))
    return out


def _start_times_fixed(
    first: list[float], arrivals: list[float], handles: list[float], deadlines: list[float] | None
) -> list[float]:
    """:func:`_start_times` when every server, once on duty (at ``first``), stays to the end.

    Server identities do not matter then: the heap holds bare next-free times
    (the Kiefer-Wolfowitz recursion), which is several times faster.
    """
    heap = sorted(first)
    heapreplace = heapq.heapreplace
    nan = math.nan
    out: list[float] = []
    append = out.append
    if deadlines is None:
        for t, h in zip(arrivals, handles, strict=True):
            e = heap[0]
            start = e if e > t else t
            append(start)
            heapreplace(heap, start + h)
        return out
    for t, h, d in zip(arrivals, handles, deadlines, strict=True):
        e = heap[0]
        start = e if e > t else t
        if start > d:
            append(nan)
        else:
            append(start)
            heapreplace(heap, start + h)
    return out


def _one_run(
    calls: NDArray[np.float64],
    aht: NDArray[np.float64],
    patience: NDArray[np.float64],
    windows: list[tuple[list[float], list[float]]],
    interval_seconds: float,
    answer_seconds: float,
    lognormal_sigma: float | None,
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], ...]:
    """One replication of one run: per-interval offered, answered, abandoned, in threshold, wait sum."""
    size = calls.size
    counts = rng.poisson(calls)
    k = np.repeat(np.arange(size), counts)
    n = k.size
    # Each interval's arrivals lie inside it, so one global sort keeps k aligned.
    t = np.sort((k + rng.random(n)) * interval_seconds)
    mean_h = aht[k]
    if lognormal_sigma is None:
        h = mean_h * rng.standard_exponential(n)
    else:
        h = mean_h * np.exp(lognormal_sigma * rng.standard_normal(n) - 0.5 * lognormal_sigma**2)
    pat = patience[k]
    finite = np.isfinite(pat)
    deadlines = None
    if finite.any():
        deadline = np.full(n, np.inf)
        deadline[finite] = t[finite] + pat[finite] * rng.standard_exponential(int(finite.sum()))
        deadlines = deadline.tolist()
    start = np.asarray(_start_times(t.tolist(), h.tolist(), deadlines, windows), dtype=float)
    answered = np.isfinite(start)
    wait = np.where(answered, start - t, 0.0)
    within = answered & (wait <= answer_seconds)
    return (
        counts.astype(np.int64),
        np.bincount(k[answered], minlength=size),
        np.bincount(k[np.isnan(start)], minlength=size),
        np.bincount(k[within], minlength=size),
        np.bincount(k, weights=wait, minlength=size),
    )


def _per_interval(name: str, value: ArrayLike | None, size: int, *, default: float | None = None) -> NDArray:
    if value is None:
        return np.full(size, default, dtype=float)
    v = np.asarray(value, dtype=float)
    if v.ndim > 1 or (v.ndim == 1 and v.size not in (1, size)):
        raise ValueError(f"{name} must be a scalar or one value per interval ({size})")
    return np.broadcast_to(v, (size,)).astype(float)


def _check_handle(handle_distribution: str, handle_cv: float) -> float | None:
    """The lognormal sigma for ``handle_cv``, or None for exponential handle times."""
    if handle_distribution not in HANDLE_DISTRIBUTIONS:
        raise ValueError(
            f"handle_distribution must be one of {HANDLE_DISTRIBUTIONS}, got {handle_distribution!r}"
        )
    if handle_distribution == "exponential":
        if handle_cv != 1.0:
            raise ValueError("exponential handle times have a CV of 1; use handle_distribution='lognormal'")
        return None
    if not handle_cv > 0:
        raise ValueError(f"handle_cv must be positive, got {handle_cv}")
    return math.sqrt(math.log1p(handle_cv**2))


def _run_rngs(seed: int, replications: int, *key: int) -> list[np.random.Generator]:
    """One generator per replication; replication r's stream does not depend on how many run."""
    return [
        np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(*key, r))) for r in range(replications)
    ]


def simulate_queue(
    calls: ArrayLike,
    aht_seconds: ArrayLike,
    agents: ArrayLike,
    *,
    interval_seconds: float,
    answer_seconds: float,
    patience_seconds: ArrayLike | None = None,
    handle_distribution: str = "exponential",
    handle_cv: float = 1.0,
    replications: int = 10,
    seed: int = 0,
) -> SimulationResult:
    """Simulate one FCFS queue over consecutive intervals, ``replications`` times.

    ``calls`` (expected calls per interval), ``agents`` (servers on duty, may be
    fractional), ``aht_seconds`` and ``patience_seconds`` (mean, exponential;
    None or inf = no abandonment) are per interval or scalars.  The model and
    the conventions are in the module docstring.  Same ``seed``, same result.

    >>> r = simulate_queue([100.0] * 4, 180.0, 14, interval_seconds=1800, answer_seconds=20,
    ...                    replications=2, seed=1)
    >>> r.offered.shape
    (2, 4)
    """
    c = np.atleast_1d(np.asarray(calls, dtype=float))
    if c.ndim != 1 or c.size == 0:
        raise ValueError("calls must be a non-empty 1-D sequence (one value per interval)")
    size = c.size
    aht = _per_interval("aht_seconds", aht_seconds, size)
    n = _per_interval("agents", agents, size)
    pat = _per_interval("patience_seconds", patience_seconds, size, default=math.inf)
    if np.any(~np.isfinite(c)) or np.any(c < 0):
        raise ValueError("calls must be finite and non-negative")
    if np.any(~((aht > 0) & np.isfinite(aht))[c > 0]):
        raise ValueError("aht_seconds must be positive and finite wherever calls > 0")
    if np.any(np.isnan(n)) or np.any(n < 0) or np.any(~np.isfinite(n)):
        raise ValueError("agents must be finite and non-negative")
    if np.any(np.isnan(pat)) or np.any(pat <= 0):
        raise ValueError("patience_seconds must be positive (None or inf for no abandonment)")
    if not interval_seconds > 0:
        raise ValueError("interval_seconds must be positive")
    if not answer_seconds >= 0:
        raise ValueError("answer_seconds must be non-negative")
    if replications < 1:
        raise ValueError("replications must be at least 1")
    sigma = _check_handle(handle_distribution, handle_cv)
    aht = np.where(c > 0, aht, 1.0)
    windows = _duty_windows(n, float(interval_seconds))
    runs = [
        _one_run(c, aht, pat, windows, float(interval_seconds), float(answer_seconds), sigma, rng)
        for rng in _run_rngs(seed, replications)
    ]
    return SimulationResult(*(np.stack(x) for x in zip(*runs, strict=True)))


def simulate_steady_state(
    load_erlangs: float,
    agents: int,
    *,
    aht_seconds: float = 180.0,
    answer_seconds: float = 20.0,
    patience_seconds: float | None = None,
    hours: float = 200.0,
    warmup_hours: float = 2.0,
    replications: int = 10,
    seed: int = 0,
    interval_seconds: float = 1800.0,
) -> dict[str, Estimate]:
    """Long-run KPIs of M/M/n (or M/M/n+M with ``patience_seconds``) at a constant load.

    Each replication starts empty, runs ``warmup_hours + hours`` of intervals
    at the constant rate ``load_erlangs / aht_seconds`` with ``agents`` on duty,
    and pools the calls that arrive after the warm-up (see
    :meth:`SimulationResult.pooled`).  This is what Erlang C / Erlang A predict.
    """
    warm = int(math.ceil(warmup_hours * 3600.0 / interval_seconds))
    body = int(math.ceil(hours * 3600.0 / interval_seconds))
    calls = load_erlangs * interval_seconds / aht_seconds
    res = simulate_queue(
        np.full(warm + body, calls),
        aht_seconds,
        agents,
        interval_seconds=interval_seconds,
        answer_seconds=answer_seconds,
        patience_seconds=patience_seconds,
        replications=replications,
        seed=seed,
    )
    return res.pooled(first=warm)


# ---------------------------------------------------------------------------
# Frames: forecast + agents on the phone, per queue
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class FrameSimulation:
    """Simulated KPIs of a plan.

    ``intervals``: one row per queue and interval (``SIMULATION_COLUMNS``):
    the agents simulated, the forecast volume, every simulated KPI with its
    ``_ci95`` half-width, and the queueing model's prediction at the same
    agents (``predicted_*``, Erlang A for queues with ``patience_seconds``,
    else Erlang C).  Closed intervals have NaN KPIs.
    ``queues``: one row per queue, calls pooled over the horizon in each
    replication: ``offered``, ``service_level``, ``asa_seconds``,
    ``abandon_rate`` with ``_ci95``, and the volume-weighted ``predicted_*``.
    """

    intervals: pd.DataFrame
    queues: pd.DataFrame
    replications: int
    seed: int


def _runs(ds: pd.Series, is_open: NDArray[np.bool_], interval_seconds: float) -> list[NDArray[np.intp]]:
    """Row indices of the maximal runs of open intervals that follow each other without a gap."""
    t = (ds - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds().to_numpy()
    runs, current = [], []
    for i in range(len(t)):
        if not is_open[i]:
            if current:
                runs.append(np.array(current))
            current = []
            continue
        if current and abs(t[i] - t[current[-1]] - interval_seconds) > 1e-6:
            runs.append(np.array(current))
            current = []
        current.append(i)
    if current:
        runs.append(np.array(current))
    return runs


def simulate_agents(
    forecast: pd.DataFrame,
    on_phone: pd.DataFrame,
    queues: Sequence[Queue],
    interval_minutes: int,
    *,
    quantile_column: str = YHAT,
    replications: int = 10,
    seed: int = 0,
    handle_distribution: str = "exponential",
    handle_cv: float = 1.0,
) -> FrameSimulation:
    """Simulate every queue of ``forecast`` with the agents of ``on_phone``.

    ``forecast``: ``queue, ds, <quantile_column>, aht_seconds`` (calls per
    interval, seconds).  ``on_phone``: ``queue, ds, agents``: agents on the
    phone for the queue in each interval (may be fractional; intervals missing
    from it have none).  Callers abandon with the queue's ``patience_seconds``
    (never if it is None).  Chat queues are simulated as agents x concurrency
    session slots with the forecast's session duration (the model of
    :mod:`wfm.staffing`).

    Each queue is simulated over maximal runs of consecutive open intervals
    (``Queue.is_open``); a run's last agents stay until its queue is empty, and
    nothing carries over a closed gap.  As in staffing, forecast calls in
    closed intervals are dropped.  Queue ``q``'s replication ``r`` uses the
    random stream ``(seed, crc32(q), r)``, so adding a queue does not change
    another queue's results.
    """
    missing = [c for c in (QUEUE, DS, quantile_column, AHT_SECONDS) if c not in forecast.columns]
    missing += [f"on_phone.{c}" for c in (QUEUE, DS, AGENTS) if c not in on_phone.columns]
    if missing:
        raise InputError(f"simulate: missing column(s) {', '.join(missing)}")
    if replications < 1:
        raise InputError(f"simulate: replications must be at least 1, got {replications}")
    by_name = queues_by_name(forecast, queues)
    if forecast.duplicated([QUEUE, DS]).any():
        raise InputError("forecast: a queue has more than one row for the same ds")
    agents_by = on_phone.groupby([QUEUE, DS], sort=False)[AGENTS].sum()
    interval_seconds = 60.0 * interval_minutes
    _check_handle(handle_distribution, handle_cv)  # fail before any work

    frames, totals = [], []
    data = forecast[[QUEUE, DS, quantile_column, AHT_SECONDS]].sort_values([QUEUE, DS], kind="stable")
    for name, group in data.groupby(QUEUE, sort=True):
        queue = by_name[str(name)]
        group = group.reset_index(drop=True)
        ds = group[DS]
        minute = (ds.dt.hour * 60 + ds.dt.minute).to_numpy()
        is_open = np.fromiter((queue.is_open(int(m)) for m in minute), dtype=bool, count=minute.size)
        calls = np.clip(np.nan_to_num(group[quantile_column].to_numpy(dtype=float), nan=0.0), 0.0, None)
        calls = np.where(is_open, calls, 0.0)
        aht = group[AHT_SECONDS].to_numpy(dtype=float)
        bad = np.flatnonzero((calls > 0) & ~(np.isfinite(aht) & (aht > 0)))
        if bad.size:
            raise InputError(
                [
                    f"forecast: queue '{name}' at {ds.iloc[i]}: aht_seconds is {aht[i]} with calls"
                    for i in bad[:20]
                ]
            )
        keys = pd.MultiIndex.from_arrays([group[QUEUE].astype(str), ds])
        agents = agents_by.reindex(keys).fillna(0.0).to_numpy(dtype=float)
        agents = np.where(is_open, agents, 0.0)
        if np.any(agents < 0):
            raise InputError(f"on_phone: queue '{name}' has a negative number of agents")
        k = slots_per_agent(queue)
        result = _simulate_queue_runs(
            queue,
            calls,
            aht,
            agents * k,
            ds,
            is_open,
            interval_seconds,
            replications,
            seed,
            handle_distribution,
            handle_cv,
        )
        per = result.per_interval()
        pred = predicted_kpis(
            queue, calls, np.where(calls > 0, aht, 1.0), agents, interval_minutes, model="erlang_a"
        )
        frame = pd.DataFrame({QUEUE: str(name), DS: ds, AGENTS: agents, YHAT: calls, AHT_SECONDS: aht})
        frame = pd.concat([frame, per], axis=1)
        for col in (SERVICE_LEVEL, ASA_SECONDS, ABANDON_RATE):
            frame[PREDICTED + col] = np.where(is_open, pred[col], np.nan)
        frames.append(frame)
        totals.append(_queue_totals(str(name), result, frame))
        logger.debug("simulated queue %s: %d intervals, %d replications", name, len(group), replications)
    cols = list(SIMULATION_COLUMNS)
    if frames:
        intervals = pd.concat(frames, ignore_index=True)[cols]
        queue_table = pd.DataFrame(totals)
    else:
        intervals = pd.DataFrame(columns=cols)
        queue_table = pd.DataFrame()
    if quantile_column != YHAT:
        intervals = intervals.rename(columns={YHAT: quantile_column})
    return FrameSimulation(intervals=intervals, queues=queue_table, replications=replications, seed=seed)


def _simulate_queue_runs(
    queue, calls, aht, servers, ds, is_open, interval_seconds, replications, seed, dist, cv
) -> SimulationResult:
    """Simulate a queue's open runs one after another; closed intervals stay at zero."""
    size = calls.size
    arrays = [np.zeros((replications, size), dtype=np.int64) for _ in range(4)] + [
        np.zeros((replications, size))
    ]
    pat = math.inf if queue.patience_seconds is None else float(queue.patience_seconds)
    rngs = _run_rngs(seed, replications, zlib.crc32(queue.name.encode()))
    sigma = _check_handle(dist, cv)
    safe_aht = np.where(calls > 0, aht, 1.0)
    for rows in _runs(ds, is_open, interval_seconds):
        windows = _duty_windows(servers[rows], interval_seconds)
        patience = np.full(rows.size, pat)
        for r, rng in enumerate(rngs):
            out = _one_run(
                calls[rows],
                safe_aht[rows],
                patience,
                windows,
                interval_seconds,
                float(queue.answer_seconds),
                sigma,
                rng,
            )
            for a, v in zip(arrays, out, strict=True):
                a[r, rows] = v
    return SimulationResult(*arrays)


def _queue_totals(name: str, result: SimulationResult, frame: pd.DataFrame) -> dict:
    pooled = result.pooled()
    row: dict = {QUEUE: name}
    for col in (OFFERED, SERVICE_LEVEL, ASA_SECONDS, ABANDON_RATE):
        row[col], row[col + CI95] = pooled[col].mean, pooled[col].ci95
    w = frame[YHAT].to_numpy(float)
    for col in (SERVICE_LEVEL, ASA_SECONDS, ABANDON_RATE):
        v = frame[PREDICTED + col].to_numpy(float)
        ok = np.isfinite(v) & (w > 0)
        row[PREDICTED + col] = float((v[ok] * w[ok]).sum() / w[ok].sum()) if ok.any() else math.nan
    return row


def simulate_requirements(
    scenario: Scenario,
    forecast: pd.DataFrame,
    requirements: pd.DataFrame,
    *,
    replications: int = 10,
    seed: int = 0,
    quantile_column: str = YHAT,
    handle_distribution: str = "exponential",
    handle_cv: float = 1.0,
) -> FrameSimulation:
    """Simulate a requirements frame against a forecast (see :func:`simulate_agents`).

    Agents on the phone are ``agents_required`` where the frame has it, else
    ``agents_required_gross x (1 - shrinkage.unplanned)`` (expected agents left
    after unplanned absence; fractional).
    """
    req = requirements
    on = agents_on_phone(req, scenario.shrinkage.unplanned)
    on_phone = pd.DataFrame({QUEUE: req[QUEUE].astype(str), DS: req[DS], AGENTS: on.to_numpy()})
    return simulate_agents(
        forecast,
        on_phone,
        scenario.queues,
        scenario.horizon.interval_minutes,
        quantile_column=quantile_column,
        replications=replications,
        seed=seed,
        handle_distribution=handle_distribution,
        handle_cv=handle_cv,
    )


def simulate_roster(
    scenario: Scenario,
    forecast: pd.DataFrame,
    activities: pd.DataFrame,
    *,
    replications: int = 10,
    seed: int = 0,
    quantile_column: str = YHAT,
    handle_distribution: str = "exponential",
    handle_cv: float = 1.0,
) -> FrameSimulation:
    """Simulate a roster (HR_Import ``activities``) against a forecast (see :func:`simulate_agents`).

    On-phone agents per queue and interval are recomputed from the activities
    by the independent checker (:func:`wfm.check.check_roster`: shift time
    minus breaks, lunch, training, ..., as fractional agents), then scaled by
    ``1 - shrinkage.unplanned`` for the expected unplanned absence, as
    :mod:`wfm.evaluate` does.
    """
    from wfm.check import check_roster

    coverage = check_roster(scenario, activities).coverage
    if coverage is None or coverage.empty:
        raise InputError("roster: no shifts on any queue")
    on_phone = pd.DataFrame(
        {
            QUEUE: coverage[QUEUE].astype(str),
            DS: coverage[DS],
            AGENTS: coverage[SCHEDULED].to_numpy(float) * (1.0 - scenario.shrinkage.unplanned),
        }
    )
    # simulate_agents matches these rows to the forecast's by queue and instant (tz-aware ds).
    return simulate_agents(
        forecast,
        on_phone,
        scenario.queues,
        scenario.horizon.interval_minutes,
        quantile_column=quantile_column,
        replications=replications,
        seed=seed,
        handle_distribution=handle_distribution,
        handle_cv=handle_cv,
    )


def erlang_agreement(
    loads: Sequence[float],
    *,
    aht_seconds: float = 180.0,
    answer_seconds: float = 20.0,
    service_level: float = 0.8,
    patience_seconds: float = 300.0,
    calls_per_replication: float = 40_000.0,
    replications: int = 10,
    seed: int = 0,
) -> pd.DataFrame:
    """Simulation against Erlang C and Erlang A at each offered load (Erlangs).

    Agents are Erlang C's requirement for ``service_level`` within
    ``answer_seconds``.  Each replication simulates about
    ``calls_per_replication`` calls after a warm-up of 20 handle times
    (at least 1 h).  Returns one row per load: ``load``, ``agents``,
    ``erlang_c_sl``, ``sim_c_sl``, ``sim_c_sl_ci95``, ``erlang_a_sl``,
    ``sim_a_sl``, ``sim_a_sl_ci95``, ``erlang_a_abandon``, ``sim_a_abandon``,
    ``sim_a_abandon_ci95`` (fractions) and ``sim_calls`` (calls per replication).
    """
    rows = []
    for i, load in enumerate(loads):
        interval = 1800.0
        calls = load * interval / aht_seconds
        n = int(
            erlang.required_agents(
                calls,
                aht_seconds=aht_seconds,
                interval_seconds=interval,
                answer_seconds=answer_seconds,
                service_level=service_level,
            )
        )
        common = dict(aht_seconds=aht_seconds, interval_seconds=interval, answer_seconds=answer_seconds)
        kc = erlang.erlang_c_kpis(n, calls, **common)
        ka = erlang.erlang_a_kpis(n, calls, patience_seconds=patience_seconds, **common)
        hours = calls_per_replication * aht_seconds / load / 3600.0
        warm = max(1.0, 20 * aht_seconds / 3600.0)
        kw = dict(
            aht_seconds=aht_seconds,
            answer_seconds=answer_seconds,
            hours=hours,
            warmup_hours=warm,
            replications=replications,
            interval_seconds=interval,
        )
        sc = simulate_steady_state(load, n, seed=seed + 2 * i, **kw)
        sa = simulate_steady_state(load, n, patience_seconds=patience_seconds, seed=seed + 2 * i + 1, **kw)
        rows.append(
            dict(
                load=load,
                agents=n,
                erlang_c_sl=float(kc.service_level),
                sim_c_sl=sc[SERVICE_LEVEL].mean,
                sim_c_sl_ci95=sc[SERVICE_LEVEL].ci95,
                erlang_a_sl=float(ka.service_level),
                sim_a_sl=sa[SERVICE_LEVEL].mean,
                sim_a_sl_ci95=sa[SERVICE_LEVEL].ci95,
                erlang_a_abandon=float(ka.abandon_rate),
                sim_a_abandon=sa[ABANDON_RATE].mean,
                sim_a_abandon_ci95=sa[ABANDON_RATE].ci95,
                sim_calls=sc[OFFERED].mean,
            )
        )
    return pd.DataFrame(rows)
