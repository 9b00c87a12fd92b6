"""Queueing formulas for contact-centre staffing: Erlang B, Erlang C and Erlang A.

Pure and vectorised: every argument may be a scalar or an array and they
broadcast against each other, so one call evaluates every interval of a horizon.
Scalar inputs give numpy scalars back.

Units
-----
Times are seconds (``aht_seconds``, ``answer_seconds``, ``patience_seconds``).
Volumes are calls offered per interval of ``interval_seconds``; the offered load
in Erlangs is ``A = calls * aht_seconds / interval_seconds``.  ``agents`` counts
servers (agents on the phone; for chat, session slots).

Models and conventions
----------------------
* **Erlang C** (M/M/n, nobody abandons).  ``service_level`` is
  ``P(W <= answer_seconds) = 1 - C * exp(-(n - A) * t / aht)`` over all offered
  calls, ``asa_seconds`` the mean wait over all calls (zero waits included),
  ``prob_wait`` the Erlang C probability ``C``.  With ``n <= A`` the queue is
  unstable: service level 0, ASA ``inf``, probability of waiting 1.
* **Erlang A** (M/M/n+M, exponential patience with mean ``patience_seconds``).
  ``service_level`` = calls *answered* within ``answer_seconds`` / calls
  *offered*: abandoned calls count against it, whatever their wait.
  ``asa_seconds`` is the mean wait of answered calls (zero waits included);
  ``abandon_rate`` is abandoned / offered.  The system is stable for every n.
* ``occupancy`` is carried load / agents: ``A / n`` for Erlang C (1 when
  unstable), ``A * (1 - abandon_rate) / n`` for Erlang A.
* No load (``calls == 0``): service level 1, ASA 0, occupancy 0 when agents > 0;
  everything NaN when there are no agents either.
* Zero agents with load: service level 0, ASA ``inf``, occupancy 1, probability
  of waiting 1 (abandon rate 1 under Erlang A, 0 under Erlang C).

Numerical method
----------------
No factorials and no powers are formed.  The series below are summed in linear
space where a bound on their largest term keeps every term between about e^-700
and e^600 (always near the staffing a search looks at), else in log space.

* Erlang B: ``1/B(n, A) = sum_{i=0..n} prod_{m=1..i} (n - m + 1) / A``.  The terms
  rise while ``n - i + 1 > A`` and then fall faster than a geometric series, so
  the sum stops once a geometric bound on the rest is below 1e-16 of the total
  (in linear space the number of terms is fixed beforehand from such a bound,
  and the intervals are sorted by it so that each step updates a contiguous
  tail of the arrays).  Cost: ``O(max(n - A, 0) + sqrt(A))`` vectorised steps,
  independent of the other intervals' sizes once they have finished.  Accurate
  for A in the thousands.
* Erlang A: the birth-death chain with states ``n + k`` (k callers waiting)
  and death rate ``n*mu + k*theta`` (``mu = 1/aht``, ``theta = 1/patience``).
  With ``x = n*mu/theta``, ``y = lambda/theta`` and
  ``t_k = prod_{i=1..k} y / (x + i)`` (so ``pi_{n+k} = pi_n * t_k``),
  ``S(x, y) = sum_{k>=0} t_k`` (the queue is truncated where the rest is below
  1e-16 of the sum) and ``1/pi_n = 1/B(n, A) - 1 + S(x, y)``:

  - ``P(wait) = pi_n * S(x, y)``;
  - ``P(abandon) = theta * E[queue] / lambda = pi_n * sum_k k t_k / y``;
  - a caller who waits is answered within t with probability mass
    ``(pi_n / rho) * [(S(x, y) - 1) - exp(y (1 - e^{-theta t}) - n mu t) * (S(x, y e^{-theta t}) - 1)]``
    (``rho = A / n``): the transient solution of the queue ahead of the caller
    keeps the shape of ``t_k`` with ``y`` decaying as ``y e^{-theta t}``; this is
    the incomplete-gamma formula of Mandelbaum & Zeltyn (2007, "The M/M/n+G
    queue: summary of performance measures"), written as series;
  - a caller arriving behind k others is answered with probability
    ``x / (x + k + 1)`` after an expected ``sum_{j=0..k} 1 / (theta (x + j + 1))``
    seconds given that outcome, which gives the answered callers' mean wait.

Searching for the smallest staffing runs on all intervals at once in numpy (see
:func:`required_agents`): for Erlang C one Erlang B series and then one agent at a
time with the recursion ``1/B(n) = 1 + (n / A) / B(n - 1)``; for Erlang A a galloping
search around the Erlang C staffing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

logger = logging.getLogger(__name__)

# A series stops when a bound on its remaining terms is below e^-37 (~1e-16) of its sum.
_LOG_TAIL = -37.0
# Once 1/B(n, A) exceeds e^800, B is below the smallest positive double: it is 0.
_LOG_INV_B_ZERO = 800.0
# The Erlang B series is summed in linear space when its largest term is below e^600.
_LOG_LINEAR_MAX = 600.0
# Comparisons against targets forgive this much floating-point noise.
_TARGET_SLACK = 1e-12
# Doublings of the search bracket before a target is declared unreachable.
_MAX_DOUBLINGS = 40
# Agents added one at a time by the Erlang C search before it switches to bisection.
_MARCH_STEPS = 64


@dataclass(frozen=True, eq=False)
class Kpis:
    """Predicted queue KPIs, one value per interval (arrays, or numpy scalars).

    ``service_level`` fraction of offered calls answered within the threshold,
    ``asa_seconds`` mean wait in seconds (see the module docstring for which
    calls it averages over), ``occupancy`` fraction of agent time busy,
    ``prob_wait`` probability that a call waits at all, ``abandon_rate``
    fraction of offered calls that abandon (0 under Erlang C).
    """

    service_level: NDArray[np.float64]
    asa_seconds: NDArray[np.float64]
    occupancy: NDArray[np.float64]
    prob_wait: NDArray[np.float64]
    abandon_rate: NDArray[np.float64]

    def as_dict(self) -> dict[str, NDArray[np.float64]]:
        return {
            "service_level": self.service_level,
            "asa_seconds": self.asa_seconds,
            "occupancy": self.occupancy,
            "prob_wait": self.prob_wait,
            "abandon_rate": self.abandon_rate,
        }


# ---------------------------------------------------------------------------
# Series
# ---------------------------------------------------------------------------
def _log_inv_erlang_b(n: NDArray[np.float64], a: NDArray[np.float64]) -> NDArray[np.float64]:
    """log(1 / B(n, a)) for 1-D arrays with integer-valued ``n >= 1`` and ``a > 0``.

    ``inf`` where B is below the smallest double.  The series is summed in linear
    space wherever its largest term is below e^600 (every n up to a little above
    the load, where staffing searches look), else in log space.
    """
    out = np.empty(n.shape)
    with np.errstate(divide="ignore", over="ignore"):
        # Index p of the largest term and a bound on its log: the mean of the logs of its
        # factors (n - m + 1) / a, m = 1..p, is at most the log of their mean.
        peak = np.maximum(np.ceil(n - a), 0.0)
        linear = peak * np.log((n - 0.5 * (peak - 1.0)) / a) < _LOG_LINEAR_MAX
    if linear.all():
        out[:] = _log_inv_erlang_b_linear(n, a)
    else:
        out[linear] = _log_inv_erlang_b_linear(n[linear], a[linear])
        out[~linear] = _log_inv_erlang_b_log(n[~linear], a[~linear])
    return out


def _series_length(n: NDArray[np.float64], a: NDArray[np.float64]) -> NDArray[np.int64]:
    """How many terms of the Erlang B series bring the rest below e^-37 of the sum.

    After the largest term (index ``p = max(ceil(n - a), 0)``) the ratio of term
    ``p + j + 1`` to term ``p + j`` is ``r = (n - p - j) / a <= min(1 - j / a, r_0)``, so
    term ``p + j`` is at most ``exp(-j (j - 1) / (2 a))`` and at most ``r_0^j`` times the
    largest, and the rest after it at most ``r / (1 - r)`` times it.  The length is
    the smaller of the two bounds (and at most n, the whole series).
    """
    peak = np.maximum(np.ceil(n - a), 0.0)
    gauss = 1.0 + np.ceil(np.sqrt(2.0 * a * (-_LOG_TAIL + np.log(np.maximum(a, 1.0)))))
    r0 = (n - peak) / a
    with np.errstate(divide="ignore", invalid="ignore"):
        geometric = np.ceil((-_LOG_TAIL + np.log(r0 / (1.0 - r0))) / -np.log(r0)) + 1.0
    # r_0 == 0 (a < 1, the largest term is the last) gives NaN here; fmax turns it into 1.
    length = peak + np.where(r0 < 1.0, np.minimum(gauss, np.fmax(geometric, 1.0)), gauss)
    return np.minimum(length, n).astype(np.int64)


def _argsort_lengths(length: NDArray[np.int64]) -> NDArray[np.intp]:
    """Stable argsort of series lengths (numpy radix-sorts 16-bit integers)."""
    if length.size and int(length.max()) <= np.iinfo(np.int16).max:
        return np.argsort(length.astype(np.int16), kind="stable")
    return np.argsort(length, kind="stable")


def _log_inv_erlang_b_linear(n: NDArray[np.float64], a: NDArray[np.float64]) -> NDArray[np.float64]:
    """log(1 / B(n, a)) by the series summed in linear space: its largest term must be below e^600.

    ``1/B = sum_{i=0..n} t_i`` with ``t_0 = 1`` and ``t_i = t_{i-1} (n - i + 1) / a``.  The
    intervals are sorted by the number of terms they need (:func:`_series_length`),
    so that step i updates a contiguous tail of the arrays.
    """
    if n.size == 0:
        return np.empty(0)
    length = _series_length(n, a)
    order = _argsort_lengths(length)
    length = length[order]
    factor = n[order]  # n - i + 1 at step i
    a_s = a[order]
    term = np.ones(n.size)
    total = np.ones(n.size)
    ratio = np.empty(n.size)
    starts = np.searchsorted(length, np.arange(1, int(length[-1]) + 1), side="left")
    for k in starts:
        f, r, t = factor[k:], ratio[k:], term[k:]
        np.divide(f, a_s[k:], out=r)
        np.multiply(t, r, out=t)
        np.add(total[k:], t, out=total[k:])
        np.subtract(f, 1.0, out=f)
    out = np.empty(n.size)
    out[order] = np.log(total)
    out[out > _LOG_INV_B_ZERO] = np.inf
    return out


def _log_inv_erlang_b_log(n: NDArray[np.float64], a: NDArray[np.float64]) -> NDArray[np.float64]:
    """log(1 / B(n, a)) by the series summed in log space (any n >= 1, a > 0)."""
    out = np.empty(n.shape)
    idx = np.arange(n.size)
    n, la, a = n.copy(), np.log(a), a.copy()
    log_t = np.zeros(n.size)  # log of the current term
    log_s = np.zeros(n.size)  # log of the running sum
    i = 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        while idx.size:
            i += 1
            log_t = log_t + np.log(n - (i - 1)) - la
            log_s = np.logaddexp(log_s, log_t)
            r = (n - i) / a  # ratio of the next term to this one
            tail = log_t + np.log(r) - np.log1p(-r)
            done = (i >= n) | ((r < 1) & (tail < log_s + _LOG_TAIL)) | (log_s > _LOG_INV_B_ZERO)
            if done.any():
                out[idx[done]] = np.where(log_s[done] > _LOG_INV_B_ZERO, np.inf, log_s[done])
                keep = ~done
                idx, n, a, la, log_t, log_s = idx[keep], n[keep], a[keep], la[keep], log_t[keep], log_s[keep]
    return out


def _erlang_a_series(
    x: NDArray[np.float64], y: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Logs of three sums over the queue states of M/M/n+M, for 1-D ``x > 0``, ``y > 0``.

    With ``t_k = prod_{i=1..k} y / (x + i)`` and ``H_k = sum_{j=0..k} 1 / (x + j + 1)``:
    ``log sum_{k>=1} t_k``, ``log sum_k k t_k`` and ``log sum_{k>=0} t_k x H_k / (x + k + 1)``.
    Summed in linear space, scaled down by up to e^-700, where that keeps the largest
    term (``t_p``, ``p = floor(y - x)``; see :func:`_erlang_a_log_peak`) below e^600
    and ``t_1 = y / (x + 1)`` above e^-500; else in log space.
    """
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_peak = _erlang_a_log_peak(x, y)
        scale = np.maximum(log_peak - _LOG_LINEAR_MAX, 0.0)
        linear = (np.log(y) - np.log1p(x) > -500.0) & (scale < 700.0)
    if linear.all():
        return _erlang_a_series_linear(x, y, scale)
    out = tuple(np.empty(x.shape) for _ in range(3))
    if linear.any():
        for o, v in zip(out, _erlang_a_series_linear(x[linear], y[linear], scale[linear]), strict=True):
            o[linear] = v
    for o, v in zip(out, _erlang_a_series_log(x[~linear], y[~linear]), strict=True):
        o[~linear] = v
    return out


def _erlang_a_log_peak(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """An upper bound on the log of the largest term ``t_p``, ``p = max(floor(y - x), 0)``.

    ``log t_p = p log y - sum_{i=1..p} log(x + i)``, and the sum is at least
    ``int_0^p log(x + u) du = (x + p) log(x + p) - x log x - p``.
    """
    p = np.maximum(np.floor(y - x), 0.0)
    x_log_x = np.where(x > 0, x * np.log(x), 0.0)
    return np.where(p > 0, p * np.log(y) - (x + p) * np.log(x + p) + x_log_x + p, 0.0)


def _erlang_a_series_linear(
    x: NDArray[np.float64], y: NDArray[np.float64], scale: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """:func:`_erlang_a_series` in linear space, every term times ``exp(-scale)``.

    ``scale`` (0 to 700) brings the largest term below e^600; the first terms
    must stay above e^-500 (``y / (x + 1) > e^-500``) before scaling.

    The intervals are sorted by an estimate of the terms they need (after the
    largest term ``t_p`` they fall at least like ``exp(-j^2 / (2 (y + j)))`` and like
    ``r^j``, ``r = y / (x + p + 1)``), so that step k updates a contiguous tail of the
    arrays.  Afterwards the stopping rule of the log-space sum is checked on every
    interval and the few that fail it take more terms.
    """
    size = x.size
    if size == 0:
        return np.empty(0), np.empty(0), np.empty(0)
    base = np.maximum(np.floor(y - x), 1.0)
    r_base = y / (x + base + 1.0)
    with np.errstate(divide="ignore"):
        c = -_LOG_TAIL + np.log((base + 2.0) * (y + 2.0))
        gauss = c + np.sqrt(c * c + 2.0 * c * y)
        geometric = (c - np.log1p(-r_base) * 2.0) / -np.log(r_base)
    length = np.ceil(base + np.minimum(gauss, geometric)).astype(np.int64)
    order = _argsort_lengths(length)
    length = length[order]
    xs, ys, scale = x[order], y[order], scale[order]
    term = np.exp(-scale)  # t_k
    denom = xs.copy()  # x + k
    h = 1.0 / (xs + 1.0)  # H_k
    s1 = np.zeros(size)
    sq = np.zeros(size)
    sw = term * xs * h * h  # k = 0: x H_0 / (x + 1)
    inv = np.empty(size)
    scratch = np.empty(size)
    starts = np.searchsorted(length, np.arange(1, int(length[-1]) + 1), side="left")
    for k, j in enumerate(starts, start=1):
        t, d, iv, w = term[j:], denom[j:], inv[j:], scratch[j:]
        np.add(d, 1.0, out=d)
        np.divide(ys[j:], d, out=w)
        np.multiply(t, w, out=t)  # t_k = t_{k-1} y / (x + k)
        np.add(s1[j:], t, out=s1[j:])
        np.multiply(t, float(k), out=w)
        np.add(sq[j:], w, out=sq[j:])
        np.add(d, 1.0, out=iv)
        np.divide(1.0, iv, out=iv)  # 1 / (x + k + 1)
        np.add(h[j:], iv, out=h[j:])
        np.multiply(t, xs[j:], out=w)
        np.multiply(w, iv, out=w)
        np.multiply(w, h[j:], out=w)
        np.add(sw[j:], w, out=sw[j:])
    # The log-space stopping rule; intervals that fail it continue term by term.
    k = length.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        idx = np.arange(size)
        while True:
            r = ys[idx] / (xs[idx] + k[idx] + 1.0)
            tail = term[idx] * ((k[idx] + 1.0) * r / (1.0 - r) + r / (1.0 - r) ** 2)
            idx = idx[~((r < 1) & (tail < s1[idx] * np.exp(_LOG_TAIL)))]
            if not idx.size:
                break
            k[idx] += 1.0
            denom[idx] += 1.0
            term[idx] *= ys[idx] / denom[idx]
            s1[idx] += term[idx]
            sq[idx] += k[idx] * term[idx]
            iv = 1.0 / (denom[idx] + 1.0)
            h[idx] += iv
            sw[idx] += term[idx] * xs[idx] * iv * h[idx]
    out = []
    for v in (s1, sq, sw):
        o = np.empty(size)
        with np.errstate(divide="ignore"):
            o[order] = np.log(v) + scale
        out.append(o)
    return out[0], out[1], out[2]


def _erlang_a_series_log(
    x: NDArray[np.float64], y: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """:func:`_erlang_a_series` in log space (any ``x > 0``, ``y > 0``)."""
    s1 = np.full(x.shape, -np.inf)
    sq = np.full(x.shape, -np.inf)
    # k = 0 term of the answered-wait sum: t_0 = 1, H_0 = 1 / (x + 1).
    sw = np.log(x) - 2.0 * np.log1p(x)
    out_s1, out_sq, out_sw = s1.copy(), sq.copy(), sw.copy()
    idx = np.arange(x.size)
    ly = np.log(y)
    log_t = np.zeros(x.size)
    h = 1.0 / (x + 1.0)
    lx = np.log(x)
    k = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        while idx.size:
            k += 1
            log_t = log_t + ly - np.log(x + k)
            h = h + 1.0 / (x + k + 1.0)
            s1 = np.logaddexp(s1, log_t)
            sq = np.logaddexp(sq, log_t + np.log(k))
            sw = np.logaddexp(sw, log_t + lx - np.log(x + k + 1.0) + np.log(h))
            r = y / (x + k + 1.0)  # ratio of the next term to this one
            # Weights k and x H_k / (x + k + 1) are both below k + 1; bound the weighted tail.
            tail = log_t + np.log((k + 1.0) * r / (1.0 - r) + r / (1.0 - r) ** 2)
            done = (r < 1) & (tail < s1 + _LOG_TAIL)
            if done.any():
                out_s1[idx[done]], out_sq[idx[done]], out_sw[idx[done]] = s1[done], sq[done], sw[done]
                keep = ~done
                idx, x, y, lx, ly = idx[keep], x[keep], y[keep], lx[keep], ly[keep]
                log_t, h, s1, sq, sw = log_t[keep], h[keep], s1[keep], sq[keep], sw[keep]
    return out_s1, out_sq, out_sw


def _log_expm1(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """log(exp(v) - 1) for v > 0 without overflow."""
    with np.errstate(over="ignore", divide="ignore"):
        return np.where(v > 30.0, v + np.log1p(-np.exp(-v)), np.log(np.expm1(v)))


# ---------------------------------------------------------------------------
# Model kernels on flat arrays: n >= 1 integer-valued, a > 0
# ---------------------------------------------------------------------------
def _wait_probability(n, a, b):
    """Erlang C from Erlang B: ``n B / (n - A + A B)``, written so that n - A keeps its precision."""
    stable = n > a
    gap = np.where(stable, n - a, 1.0)
    return stable, gap, np.where(stable, n * b / (gap + a * b), 1.0)


def _erlang_c_kernel(n, a, aht, t):
    stable, gap, c = _wait_probability(n, a, np.exp(-_log_inv_erlang_b(n, a)))
    sl = np.where(stable, 1.0 - c * np.exp(-gap * t / aht), 0.0)
    asa = np.where(stable, c * aht / gap, np.inf)
    occ = np.minimum(a / n, 1.0)
    return sl, asa, occ, c, np.zeros_like(a)


def _erlang_a_kernel(n, a, aht, t, patience):
    x = n * patience / aht
    y = a * patience / aht
    log_inv_b = _log_inv_erlang_b(n, a)
    s1, sq, sw = _erlang_a_series(x, y)
    log_s = np.logaddexp(0.0, s1)  # log S(x, y), the k = 0 term is 1
    log_lower = _log_expm1(log_inv_b)  # sum_{j<n} pi_j / pi_n = 1/B - 1
    log_pi = -np.logaddexp(log_lower, log_s)  # pi_n, 0 when B underflows
    # Written as ratios so that B == 0 (log_lower == inf) gives 1 and 0, not inf - inf.
    no_wait = np.exp(-np.logaddexp(0.0, log_s - log_lower))
    prob_wait = np.exp(-np.logaddexp(0.0, log_lower - log_s))
    abandon = np.exp(log_pi + sq - np.log(y))
    log_inv_rho = np.log(n) - np.log(a)
    answered_after_wait = np.exp(log_pi + log_inv_rho + s1)
    theta_t = t / patience
    s1_later, _, _ = _erlang_a_series(x, y * np.exp(-theta_t))
    shift = -y * np.expm1(-theta_t) - n * t / aht
    late = np.exp(log_pi + log_inv_rho + shift + s1_later)  # waiters answered after t
    sl = no_wait + np.clip(answered_after_wait - late, 0.0, None)
    # Summing the positive parts keeps relative precision when few calls are answered.
    answered = no_wait + answered_after_wait
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = np.where(answered > 0, np.exp(log_pi + sw) * patience / answered, np.inf)
    occ = np.minimum(a * answered / n, 1.0)
    return np.clip(sl, 0.0, 1.0), asa, occ, prob_wait, abandon


def _kernel(n, a, aht, t, patience):
    """KPIs for flat float arrays; ``patience`` inf means Erlang C.  Handles n == 0 and a == 0."""
    size = n.size
    sl, asa, occ, pw, ab = (np.full(size, np.nan) for _ in range(5))
    no_load = a <= 0
    has_agents = n > 0
    idle = no_load & has_agents
    sl[idle], asa[idle], occ[idle], pw[idle], ab[idle] = 1.0, 0.0, 0.0, 0.0, 0.0
    unstaffed = ~no_load & ~has_agents
    impatient = np.isfinite(patience)
    sl[unstaffed], asa[unstaffed], occ[unstaffed], pw[unstaffed] = 0.0, np.inf, 1.0, 1.0
    ab[unstaffed] = np.where(impatient[unstaffed], 1.0, 0.0)
    regular = ~no_load & has_agents
    m = regular & ~impatient
    if m.any():
        sl[m], asa[m], occ[m], pw[m], ab[m] = _erlang_c_kernel(n[m], a[m], aht[m], t[m])
    m = regular & impatient
    if m.any():
        sl[m], asa[m], occ[m], pw[m], ab[m] = _erlang_a_kernel(n[m], a[m], aht[m], t[m], patience[m])
    return sl, asa, occ, pw, ab


# ---------------------------------------------------------------------------
# Argument handling
# ---------------------------------------------------------------------------
def _out(values: NDArray, shape: tuple[int, ...]):
    """Reshape a flat result; 0-d results become numpy scalars."""
    return values.reshape(shape)[()]


def _patience_array(patience_seconds: ArrayLike | None) -> NDArray[np.float64]:
    if patience_seconds is None:
        return np.asarray(np.inf)
    p = np.asarray(patience_seconds, dtype=float)
    if np.any(np.isnan(p)) or np.any(p <= 0):
        raise ValueError("patience_seconds must be positive (inf or None for no abandonment)")
    return p


def _load_arrays(calls, aht_seconds, interval_seconds, answer_seconds, patience_seconds, *extra):
    """Broadcast and check the common arguments; return flat arrays and the shape.

    Returns ``(shape, load, aht, answer, patience, *extra)``.
    """
    arrays = np.broadcast_arrays(
        np.asarray(calls, dtype=float),
        np.asarray(aht_seconds, dtype=float),
        np.asarray(interval_seconds, dtype=float),
        np.asarray(answer_seconds, dtype=float),
        _patience_array(patience_seconds),
        *(np.asarray(e, dtype=float) for e in extra),
    )
    shape = arrays[0].shape
    calls_, aht, interval, answer, patience, *rest = (np.ravel(x).copy() for x in arrays)
    if np.any(np.isnan(calls_)) or np.any(calls_ < 0):
        raise ValueError("calls must be non-negative numbers")
    if np.any(~(interval > 0)):
        raise ValueError("interval_seconds must be positive")
    if np.any(np.isnan(answer)) or np.any(answer < 0):
        raise ValueError("answer_seconds must be non-negative")
    busy = calls_ > 0
    if np.any(~(aht[busy] > 0)) or np.any(~np.isfinite(aht[busy])):
        raise ValueError("aht_seconds must be positive and finite wherever calls > 0")
    # aht does not matter without calls; keep the kernels free of NaN.
    aht = np.where(busy, aht, 1.0)
    load = np.where(busy, calls_ * aht / interval, 0.0)
    return (shape, load, aht, answer, patience, *rest)


def _check_agents(n: NDArray[np.float64], integer: bool) -> None:
    if np.any(np.isnan(n)) or np.any(n < 0):
        raise ValueError("agents must be non-negative")
    if integer and np.any(n != np.floor(n)):
        raise ValueError("agents must be whole numbers here; use interpolate_kpis for fractional agents")


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------
def offered_load(
    calls: ArrayLike, aht_seconds: ArrayLike, interval_seconds: ArrayLike
) -> NDArray[np.float64]:
    """Offered load in Erlangs: ``calls * aht_seconds / interval_seconds``.

    >>> float(offered_load(100, 180, 1800))
    10.0
    """
    return (
        np.asarray(calls, dtype=float)
        * np.asarray(aht_seconds, dtype=float)
        / np.asarray(interval_seconds, dtype=float)
    )


def erlang_b(agents: ArrayLike, load: ArrayLike) -> NDArray[np.float64]:
    """Erlang B blocking probability for ``agents`` whole servers and ``load`` Erlangs.

    >>> round(float(erlang_b(10, 10.0)), 4)
    0.2146
    """
    n, a = (np.asarray(v, dtype=float) for v in (agents, load))
    n, a = np.broadcast_arrays(n, a)
    shape = n.shape
    n, a = np.ravel(n).copy(), np.ravel(a).copy()
    _check_agents(n, integer=True)
    if np.any(np.isnan(a)) or np.any(a < 0):
        raise ValueError("load must be non-negative")
    out = np.where(n == 0, 1.0, 0.0)
    regular = (n > 0) & (a > 0)
    out[regular] = np.exp(-_log_inv_erlang_b(n[regular], a[regular]))
    return _out(out, shape)


def erlang_c(agents: ArrayLike, load: ArrayLike) -> NDArray[np.float64]:
    """Erlang C probability that a call waits, for whole ``agents`` and ``load`` Erlangs.

    1 when ``agents <= load`` (unstable queue), 0 when ``load == 0 < agents``.

    >>> round(float(erlang_c(14, 10.0)), 4)
    0.1741
    """
    n, a = (np.asarray(v, dtype=float) for v in (agents, load))
    n, a = np.broadcast_arrays(n, a)
    shape = n.shape
    n, a = np.ravel(n).copy(), np.ravel(a).copy()
    b = np.ravel(np.asarray(erlang_b(n, a), dtype=float))
    return _out(_wait_probability(n, a, b)[2], shape)


def erlang_c_kpis(
    agents: ArrayLike,
    calls: ArrayLike,
    *,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    answer_seconds: ArrayLike,
) -> Kpis:
    """Erlang C (M/M/n) KPIs for whole ``agents`` and ``calls`` per interval.

    ``service_level`` is P(wait <= ``answer_seconds``) over all calls.

    >>> k = erlang_c_kpis(14, 100, aht_seconds=180, interval_seconds=1800, answer_seconds=20)
    >>> round(float(k.service_level), 3), round(float(k.asa_seconds), 1)
    (0.888, 7.8)
    """
    return queue_kpis(
        agents,
        calls,
        aht_seconds=aht_seconds,
        interval_seconds=interval_seconds,
        answer_seconds=answer_seconds,
    )


def erlang_a_kpis(
    agents: ArrayLike,
    calls: ArrayLike,
    *,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    answer_seconds: ArrayLike,
    patience_seconds: ArrayLike,
) -> Kpis:
    """Erlang A (M/M/n+M) KPIs for whole ``agents`` and ``calls`` per interval.

    Callers abandon after an exponential patience of mean ``patience_seconds``.
    ``service_level`` = calls answered within ``answer_seconds`` / calls offered
    (abandoned calls count against it); ``asa_seconds`` is the mean wait of
    answered calls.

    >>> k = erlang_a_kpis(13, 100, aht_seconds=180, interval_seconds=1800, answer_seconds=20,
    ...                   patience_seconds=300)
    >>> round(float(k.service_level), 3), round(float(k.abandon_rate), 3)
    (0.858, 0.025)
    """
    if patience_seconds is None:
        raise ValueError("erlang_a_kpis needs patience_seconds")
    return queue_kpis(
        agents,
        calls,
        aht_seconds=aht_seconds,
        interval_seconds=interval_seconds,
        answer_seconds=answer_seconds,
        patience_seconds=patience_seconds,
    )


def queue_kpis(
    agents: ArrayLike,
    calls: ArrayLike,
    *,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    answer_seconds: ArrayLike,
    patience_seconds: ArrayLike | None = None,
) -> Kpis:
    """KPIs for whole ``agents``: Erlang A where ``patience_seconds`` is finite, else Erlang C.

    ``patience_seconds`` may be None (Erlang C everywhere) or an array with
    ``inf`` for the intervals without abandonment.
    """
    shape, load, aht, answer, patience, n = _load_arrays(
        calls, aht_seconds, interval_seconds, answer_seconds, patience_seconds, agents
    )
    _check_agents(n, integer=True)
    return Kpis(*(_out(v, shape) for v in _kernel(n, load, aht, answer, patience)))


def interpolate_kpis(
    agents: ArrayLike,
    calls: ArrayLike,
    *,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    answer_seconds: ArrayLike,
    patience_seconds: ArrayLike | None = None,
) -> Kpis:
    """KPIs at fractional ``agents`` by linear interpolation between floor and ceil.

    For whole ``agents`` this equals :func:`queue_kpis`.  A fractional head count
    arises from scheduled agents times (1 - unplanned shrinkage).  ASA is the
    mean wait of the calls answered, so it is mixed weighted by the calls each
    end answers (linearly under Erlang C, where every call is answered): an end
    that answers nobody (no agents, every caller abandons) adds no wait, and
    an end whose wait is unbounded (Erlang C with ``n <= A``) makes it ``inf``.

    >>> k = interpolate_kpis(13.5, 100, aht_seconds=180, interval_seconds=1800, answer_seconds=20)
    >>> round(float(k.service_level), 3)
    0.842
    """
    shape, load, aht, answer, patience, n = _load_arrays(
        calls, aht_seconds, interval_seconds, answer_seconds, patience_seconds, agents
    )
    _check_agents(n, integer=False)
    lo_n = np.floor(n)
    w = n - lo_n
    lo = _kernel(lo_n, load, aht, answer, patience)
    frac = w > 0
    results = []
    if frac.any():
        hi_f = _kernel(lo_n[frac] + 1.0, load[frac], aht[frac], answer[frac], patience[frac])
        answered = (1.0 - _staffed_end(lo[_ABANDON][frac], hi_f[_ABANDON]), 1.0 - hi_f[_ABANDON])
    for j, lo_v in enumerate(lo):
        v = lo_v.copy()
        if frac.any():
            a_v, b_v, wf = _staffed_end(lo_v[frac], hi_f[j]), hi_f[j], w[frac]
            if j == _ASA:
                mixed = _mixed_wait(a_v, b_v, *answered, wf)
            else:
                with np.errstate(invalid="ignore"):
                    mixed = a_v + wf * (b_v - a_v)
                mixed = np.where(np.isinf(a_v) | np.isinf(b_v), np.inf, mixed)
            v[frac] = mixed
        results.append(_out(v, shape))
    return Kpis(*results)


_ASA, _ABANDON = 1, 4  # positions of asa_seconds and abandon_rate in Kpis and _kernel's results


def _staffed_end(lo: NDArray[np.float64], hi: NDArray[np.float64]) -> NDArray[np.float64]:
    """The lower end's values, the upper end's where the lower is NaN (no agents and no load)."""
    return np.where(np.isnan(lo), hi, lo)


def _mixed_wait(asa_lo, asa_hi, answered_lo, answered_hi, w):
    """Mean wait of answered calls when a share ``w`` of the time has the upper staffing.

    ``answered_*`` are the answered shares of offered calls at each end; an
    end answering nobody has an infinite ASA that must not count.
    """
    lo, hi = (1.0 - w) * answered_lo, w * answered_hi
    with np.errstate(invalid="ignore", divide="ignore"):
        waited = np.where(lo > 0, lo * asa_lo, 0.0) + np.where(hi > 0, hi * asa_hi, 0.0)
        return np.where(lo + hi > 0, waited / (lo + hi), np.inf)


def required_agents(
    calls: ArrayLike,
    *,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    answer_seconds: ArrayLike,
    service_level: ArrayLike,
    patience_seconds: ArrayLike | None = None,
    max_asa_seconds: ArrayLike | None = None,
    max_abandon_rate: ArrayLike | None = None,
    max_occupancy: ArrayLike | None = None,
) -> NDArray[np.int64]:
    """Smallest whole number of agents meeting every target, per interval.

    Targets: ``service_level`` (fraction answered within ``answer_seconds``),
    optionally ``max_asa_seconds`` and ``max_abandon_rate`` (Erlang A only; Erlang
    C has no abandonment), then the occupancy cap ``n >= A / max_occupancy``
    (on offered load).  Erlang A is used where ``patience_seconds`` is finite.
    Zero calls need zero agents (floors such as a queue's minimum staffing are
    the caller's business).

    The answer is the smallest feasible n above a lower bound that cannot meet
    the target (``floor(A)`` for Erlang C, which is unstable there;
    ``ceil(service_level * A) - 1`` for Erlang A, since no more than ``n / A`` of
    the calls can be answered), and at least the occupancy cap; feasibility is
    monotone in n.  Every interval is searched at once.  Erlang C climbs from
    that bound (or the occupancy cap) one agent at a time, each step O(1) by the
    Erlang B recursion (:func:`_erlang_c_search`); Erlang A gallops from the
    Erlang C staffing, usually within a few agents, and bisects
    (:func:`_gallop`).  Raises ValueError when a target cannot be met (e.g.
    ``service_level >= 1``).

    >>> int(required_agents(100, aht_seconds=180, interval_seconds=1800, answer_seconds=20,
    ...                     service_level=0.8))
    14
    """
    shape, load, aht, answer, patience, sl_target = _load_arrays(
        calls, aht_seconds, interval_seconds, answer_seconds, patience_seconds, service_level
    )
    if np.any(np.isnan(sl_target)) or np.any(sl_target < 0) or np.any(sl_target >= 1):
        raise ValueError("service_level target must be in [0, 1)")

    def _optional(v):
        return None if v is None else np.ravel(np.broadcast_to(np.asarray(v, dtype=float), shape)).copy()

    max_asa, max_ab, max_occ = (_optional(v) for v in (max_asa_seconds, max_abandon_rate, max_occupancy))
    if max_occ is not None and (np.any(~(max_occ > 0)) or np.any(max_occ > 1)):
        raise ValueError("max_occupancy must be in (0, 1]")

    result = np.zeros(load.size, dtype=np.int64)
    cap = None if max_occ is None else np.ceil(load / max_occ - 1e-9)
    busy = np.flatnonzero(load > 0)
    if busy.size:
        a, aht_b, t_b, pat_b, target = load[busy], aht[busy], answer[busy], patience[busy], sl_target[busy]
        asa_b = None if max_asa is None else max_asa[busy]
        ab_b = None if max_ab is None else max_ab[busy]
        impatient = np.isfinite(pat_b)

        def feasible(n: NDArray[np.float64], sel: NDArray[np.intp]) -> NDArray[np.bool_]:
            sl, asa, _, _, ab = _kernel(n, a[sel], aht_b[sel], t_b[sel], pat_b[sel])
            ok = (n > 0) & (sl >= target[sel] - _TARGET_SLACK)
            if asa_b is not None:
                ok &= asa <= asa_b[sel] + _TARGET_SLACK
            if ab_b is not None:
                ok &= ~impatient[sel] | (ab <= ab_b[sel] + _TARGET_SLACK)
            return ok

        # Infeasible bounds.  Below the occupancy cap the answer is the cap, so the
        # search may treat cap - 1 as infeasible too.
        lo = np.where(impatient, np.maximum(np.ceil(target * a) - 1.0, 0.0), np.floor(a))
        if cap is not None:
            lo = np.maximum(lo, cap[busy] - 1.0)
        n_b = np.empty(busy.size)
        patient = np.flatnonzero(~impatient)
        if patient.size:
            n_b[patient] = _erlang_c_search(lo[patient], patient, a, aht_b, t_b, target, asa_b, feasible)
        erl_a = np.flatnonzero(impatient)
        if erl_a.size:
            # Erlang C's staffing is usually within a few agents of Erlang A's.
            guess = _erlang_c_search(np.floor(a[erl_a]), erl_a, a, aht_b, t_b, target, asa_b, None)
            n_b[erl_a] = _gallop(lo[erl_a], np.maximum(guess, lo[erl_a] + 1.0), erl_a, feasible)
        result[busy] = n_b.astype(np.int64)
        logger.debug(
            "required_agents: %d intervals with load, %d on Erlang A", busy.size, int(impatient.sum())
        )
    if cap is not None:
        result = np.maximum(result, cap.astype(np.int64))
    return _out(result, shape)


def _erlang_c_search(lo, sel, a, aht, t, target, max_asa, feasible):
    """Smallest n > lo meeting the Erlang C targets of the intervals ``sel`` (lo >= floor(A)).

    ``lo`` has one value per entry of ``sel``, which indexes the arrays ``a``, ``aht``,
    ``t``, ``target`` and ``max_asa`` (or None).  ``feasible(n, sel)`` is the full
    check, used past ``_MARCH_STEPS`` (when None, as for a first guess, those
    intervals get the last n tried plus one).

    ``1/B`` at ``lo + 1`` comes from the series; then ``n`` climbs one agent at a
    time with the recursion ``1/B(n) = 1 + (n / A) / B(n-1)`` (O(1) a step; a sum of
    positive terms, so it keeps the relative precision) until the service level,
    ``1 - C exp(-(n - A) t / aht)`` with ``C = n / ((n - A) / B + A)``, and the ASA,
    ``C aht / (n - A)``, meet their targets.  Intervals still short after
    ``_MARCH_STEPS`` agents finish with :func:`_bracket` and :func:`_bisect` on the
    full kernel.
    """
    out = np.empty(sel.size)
    n = lo + 1.0
    a_s = a[sel]
    tau = t[sel] / aht[sel]
    with np.errstate(over="ignore"):  # 1/B and 1/A overflow to inf far above the load: C = 0
        # One row per quantity, so that dropping the finished intervals is one indexing.
        rows = [np.arange(sel.size, dtype=float), n, n - a_s, np.exp(_log_inv_erlang_b(n, a_s)),
                np.exp(-(n - a_s) * tau), np.exp(-tau), a_s, 1.0 / a_s, target[sel] - _TARGET_SLACK]
    if max_asa is not None:
        rows.append((max_asa[sel] + _TARGET_SLACK) / aht[sel])
    state = np.stack(rows)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(_MARCH_STEPS + 1):
            idx, n, gap, inv_b, decay, q, a_s, inv_a, target_s = state[:9]
            if step:
                n += 1.0
                gap += 1.0
                inv_b *= n * inv_a
                inv_b += 1.0
                decay *= q
            c = n / (gap * inv_b + a_s)
            ok = 1.0 - c * decay >= target_s
            if max_asa is not None:
                ok &= c / gap <= state[9]
            if ok.any():
                out[idx[ok].astype(np.intp)] = n[ok]
                state = state[:, ~ok]
                if not state.shape[1]:
                    return out
    # Far from the start (e.g. a tight ASA cap): bracket and bisect from the last n tried.
    idx, n = state[0].astype(np.intp), state[1]
    if feasible is None:
        out[idx] = n + 1.0
        return out
    rest = sel[idx]
    lo_r = n.copy()
    hi = _bracket(lo_r, np.ceil(2.0 * np.sqrt(a[rest])) + 1.0, lambda m, s: feasible(m, rest[s]))
    out[idx] = _bisect(lo_r, hi, lambda m, s: feasible(m, rest[s]))
    return out


def _gallop(lo, start, sel, feasible):
    """Smallest feasible n > lo for the intervals ``sel``, searching from ``start > lo``.

    Feasibility must be monotone in n and ``lo`` counts as infeasible.  From
    ``start`` the search steps 1, 2, 4, ... agents up while infeasible, or down
    while feasible (not below ``lo + 1``), then bisects the bracket; every round
    is one kernel call on all unfinished intervals.  Two evaluations suffice when
    ``start`` is the answer or the one below it.
    """
    lo, hi = lo.copy(), np.full(lo.shape, np.inf)
    ok = feasible(start, sel)
    hi[ok], lo[~ok] = start[ok], start[~ok]
    step = np.ones(lo.shape)
    galloping = np.ones(lo.shape, dtype=bool)  # still stepping away from start; then bisecting
    for _ in range(_MAX_DOUBLINGS + 64):
        pending = np.flatnonzero(hi - lo > 1)
        if not pending.size:
            return hi
        lo_p, hi_p, step_p, gal = lo[pending], hi[pending], step[pending], galloping[pending]
        up = ~np.isfinite(hi_p)
        bisect = np.floor((lo_p + np.where(up, lo_p, hi_p)) / 2.0)  # (up rows are galloping)
        probe = np.where(gal, np.where(up, lo_p + step_p, np.maximum(hi_p - step_p, lo_p + 1.0)), bisect)
        ok = feasible(probe, sel[pending])
        hi[pending[ok]] = probe[ok]
        lo[pending[~ok]] = probe[~ok]
        # Going up, the first feasible probe brackets; going down, the first infeasible one.
        galloping[pending] = gal & np.where(up, ~ok, ok)
        step[pending] = 2.0 * step_p
        if np.any(up & ~ok & (step_p >= 2.0**_MAX_DOUBLINGS)):
            break
    unmet = int(np.sum(hi - lo > 1))
    raise ValueError(f"staffing target cannot be met for {unmet} interval(s) (check the targets)")


def _bracket(lo, step, feasible):
    """Raise ``hi`` from ``lo + step`` (doubling the step) until feasible everywhere.

    Moves ``lo`` up (in place) to the last infeasible value tried.
    """
    hi = lo + step
    pending = np.arange(lo.size)
    for _ in range(_MAX_DOUBLINGS):
        ok = feasible(hi[pending], pending)
        pending = pending[~ok]
        if not pending.size:
            return hi
        lo[pending] = hi[pending]
        step[pending] *= 2.0
        hi[pending] = lo[pending] + step[pending]
    raise ValueError(f"staffing target cannot be met for {pending.size} interval(s) (check the targets)")


def _bisect(lo, hi, feasible):
    """Smallest feasible n in (lo, hi] given lo infeasible, hi feasible and feasibility monotone."""
    lo, hi = lo.copy(), hi.copy()
    while True:
        pending = np.flatnonzero(hi - lo > 1)
        if not pending.size:
            return hi
        mid = np.floor((lo[pending] + hi[pending]) / 2.0)
        ok = feasible(mid, pending)
        hi[pending[ok]] = mid[ok]
        lo[pending[~ok]] = mid[~ok]
