"""Tests of wfm.erlang: pinned values, exact references and the staffing search."""

from __future__ import annotations

import time
from decimal import Decimal, getcontext
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfm import erlang

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

HALF_HOUR = 1800.0
PINNED = dict(aht_seconds=180.0, interval_seconds=HALF_HOUR, answer_seconds=20.0)  # 100 calls -> 10 Erlangs


# ---------------------------------------------------------------------------
# Independent references
# ---------------------------------------------------------------------------
def _erlang_b_exact(n: int, load: Fraction) -> Fraction:
    b = Fraction(1)
    for k in range(1, n + 1):
        b = load * b / (k + load * b)
    return b


def _erlang_c_sl_decimal(n: int, load: int, aht: int, t: int, digits: int = 50) -> float:
    """Erlang C service level in 50-digit decimal arithmetic."""
    getcontext().prec = digits
    a = Decimal(load)
    b = Decimal(1)
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    c = n * b / (n - a + a * b)
    return float(1 - c * (-(n - a) * t / Decimal(aht)).exp())


def _expm(m: np.ndarray) -> np.ndarray:
    """Matrix exponential by scaling and squaring of a Taylor series."""
    norm = np.abs(m).sum(axis=1).max()
    s = max(0, int(np.ceil(np.log2(norm))) + 1) if norm > 0 else 0
    x = m / 2.0**s
    out, term = np.eye(len(m)), np.eye(len(m))
    for k in range(1, 30):
        term = term @ x / k
        out = out + term
    for _ in range(s):
        out = out @ out
    return out


def _erlang_a_ctmc(n: int, calls: float, aht: float, patience: float, t: float) -> dict[str, float]:
    """Brute-force M/M/n+M: the truncated birth-death chain solved as a linear system.

    Waiting callers follow a phase-type chain (j callers ahead), integrated with a
    matrix exponential; nothing is shared with the series used by wfm.erlang.
    """
    lam, mu, theta = calls / HALF_HOUR, 1.0 / aht, 1.0 / patience
    depth = int(lam / theta + 20 * np.sqrt(lam / theta + 1) + 50)
    size = n + depth + 1
    q = np.zeros((size, size))
    for s in range(size):
        if s + 1 < size:
            q[s, s + 1] = lam
        if s > 0:
            q[s, s - 1] = min(s, n) * mu + max(s - n, 0) * theta
        q[s, s] = -q[s].sum()
    rhs = np.zeros(size + 1)
    rhs[-1] = 1.0
    pi = np.linalg.lstsq(np.vstack([q.T, np.ones(size)]), rhs, rcond=None)[0]
    abandon = sum((s - n) * theta * pi[s] for s in range(n, size)) / lam
    gen = np.zeros((depth, depth))
    for j in range(depth):
        gen[j, j] = -(n * mu + (j + 1) * theta)
        if j > 0:
            gen[j, j - 1] = n * mu + j * theta
    alpha, exit_rate = pi[n : n + depth], np.zeros(depth)
    exit_rate[0] = n * mu
    inv = np.linalg.inv(gen)
    answered_by_t = alpha @ inv @ (_expm(gen * t) - np.eye(depth)) @ exit_rate
    mean_wait_answered = alpha @ inv @ inv @ exit_rate
    return {
        "service_level": pi[:n].sum() + answered_by_t,
        "prob_wait": pi[n:].sum(),
        "abandon_rate": abandon,
        "asa_seconds": mean_wait_answered / (1 - abandon),
    }


# ---------------------------------------------------------------------------
# Erlang B
# ---------------------------------------------------------------------------
def test_erlang_b_published_value():
    assert float(erlang.erlang_b(10, 10.0)) == pytest.approx(0.2146, abs=5e-5)
    assert float(erlang.erlang_b(0, 3.0)) == 1.0
    assert float(erlang.erlang_b(5, 0.0)) == 0.0


@pytest.mark.parametrize("load", [Fraction(37, 4), Fraction(1, 3), Fraction(60)])
def test_erlang_b_matches_exact_fractions(load):
    n = np.arange(0, 80)
    got = erlang.erlang_b(n, float(load))
    want = np.array([float(_erlang_b_exact(int(k), load)) for k in n])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


def test_erlang_b_large_load_no_overflow():
    n = np.arange(0, 4001)
    b = erlang.erlang_b(n, 2000.0)
    assert np.all(np.isfinite(b)) and np.all((b >= 0) & (b <= 1))
    assert np.all(np.diff(b) <= 0)
    assert b[4000] == 0.0  # below the smallest double, not NaN
    getcontext().prec = 50
    ref = Decimal(1)
    for k in range(1, 2051):
        ref = 2000 * ref / (k + 2000 * ref)
    assert float(b[2050]) == pytest.approx(float(ref), rel=1e-11)


# ---------------------------------------------------------------------------
# Erlang C
# ---------------------------------------------------------------------------
def test_erlang_c_pinned_values():
    k14 = erlang.erlang_c_kpis(14, 100, **PINNED)
    k13 = erlang.erlang_c_kpis(13, 100, **PINNED)
    assert float(k14.service_level) == pytest.approx(0.888, abs=5e-4)
    assert float(k13.service_level) == pytest.approx(0.796, abs=5e-4)
    # C(14, 10) from exact fractions; ASA = C * aht / (n - A).
    b = _erlang_b_exact(14, Fraction(10))
    c = float(14 * b / (4 + 10 * b))
    assert float(k14.prob_wait) == pytest.approx(c, rel=1e-12)
    assert float(k14.asa_seconds) == pytest.approx(c * 180 / 4, rel=1e-12)
    assert float(k14.occupancy) == pytest.approx(10 / 14)
    assert int(erlang.required_agents(100, service_level=0.8, **PINNED)) == 14


def test_erlang_c_unstable_when_agents_at_or_below_load():
    k = erlang.erlang_c_kpis(np.array([5, 9, 10]), 100, **PINNED)
    np.testing.assert_array_equal(k.service_level, 0.0)
    np.testing.assert_array_equal(k.asa_seconds, np.inf)
    np.testing.assert_array_equal(k.prob_wait, 1.0)
    np.testing.assert_array_equal(k.occupancy, 1.0)


def test_edge_cases_without_load_or_agents():
    k = erlang.erlang_c_kpis(np.array([0, 3, 0]), np.array([0, 0, 50]), **PINNED)
    assert np.all(np.isnan([k.service_level[0], k.asa_seconds[0], k.occupancy[0]]))
    assert (k.service_level[1], k.asa_seconds[1], k.occupancy[1]) == (1.0, 0.0, 0.0)
    assert (k.service_level[2], k.asa_seconds[2], k.occupancy[2]) == (0.0, np.inf, 1.0)
    a = erlang.erlang_a_kpis(0, 50, patience_seconds=300, **PINNED)
    assert float(a.abandon_rate) == 1.0 and float(a.service_level) == 0.0


def test_erlang_c_stable_at_2000_erlangs():
    n = np.arange(1, 2301)
    k = erlang.erlang_c_kpis(n, 20_000, **PINNED)  # A = 2000
    for v in (k.service_level, k.prob_wait, k.occupancy):
        assert not np.any(np.isnan(v)) and np.all(np.isfinite(v))
    assert np.all(np.diff(k.service_level) >= 0)
    assert np.all(k.service_level[: 2000 - 1] == 0.0) and k.service_level[-1] > 0.999
    for agents in (2010, 2030, 2060):
        want = _erlang_c_sl_decimal(agents, 2000, 180, 20)
        assert float(k.service_level[agents - 1]) == pytest.approx(want, abs=1e-11)
    start = time.perf_counter()
    need = int(erlang.required_agents(20_000, service_level=0.8, **PINNED))
    assert time.perf_counter() - start < 2.0
    assert k.service_level[need - 1] >= 0.8 > k.service_level[need - 2]


# ---------------------------------------------------------------------------
# Erlang A
# ---------------------------------------------------------------------------
def test_erlang_a_pinned_values():
    k13 = erlang.erlang_a_kpis(13, 100, patience_seconds=300, **PINNED)
    k12 = erlang.erlang_a_kpis(12, 100, patience_seconds=300, **PINNED)
    assert float(k13.service_level) == pytest.approx(0.86, abs=0.005)
    assert float(k13.abandon_rate) == pytest.approx(0.025, abs=0.001)
    assert float(k12.service_level) < 0.8
    assert int(erlang.required_agents(100, service_level=0.8, patience_seconds=300, **PINNED)) == 13


@pytest.mark.parametrize(
    ("n", "calls", "aht", "patience", "t"),
    [
        (13, 100, 180, 300, 20),
        (8, 100, 180, 300, 20),
        (3, 100, 180, 60, 30),
        (1, 5, 300, 120, 10),
        (40, 300, 240, 90, 20),
    ],
)
def test_erlang_a_matches_brute_force_chain(n, calls, aht, patience, t):
    ref = _erlang_a_ctmc(n, calls, aht, patience, t)
    got = erlang.erlang_a_kpis(
        n, calls, aht_seconds=aht, interval_seconds=HALF_HOUR, answer_seconds=t, patience_seconds=patience
    )
    for name in ("service_level", "prob_wait", "abandon_rate"):
        assert float(getattr(got, name)) == pytest.approx(ref[name], abs=1e-9), name
    assert float(got.asa_seconds) == pytest.approx(ref["asa_seconds"], rel=1e-8)
    assert float(got.occupancy) == pytest.approx(
        calls * aht / HALF_HOUR * (1 - ref["abandon_rate"]) / n, rel=1e-9
    )


def test_erlang_a_tends_to_erlang_c_with_endless_patience():
    n = np.arange(11, 20)
    a = erlang.erlang_a_kpis(n, 100, patience_seconds=1e9, **PINNED)
    c = erlang.erlang_c_kpis(n, 100, **PINNED)
    np.testing.assert_allclose(a.service_level, c.service_level, atol=1e-6)
    np.testing.assert_allclose(a.asa_seconds, c.asa_seconds, rtol=1e-5)
    assert np.all(a.abandon_rate < 1e-6)


def test_erlang_a_large_load_is_finite_and_monotone():
    n = np.arange(1700, 2101)
    k = erlang.erlang_a_kpis(n, 20_000, patience_seconds=300, **PINNED)
    for v in k.as_dict().values():
        assert np.all(np.isfinite(v))
    assert np.all(np.diff(k.service_level) > -1e-12)
    assert np.all(np.diff(k.abandon_rate) <= 0)
    assert np.all(np.diff(k.asa_seconds) <= 0)


def test_erlang_a_heavily_overstaffed_has_no_nan():
    # B(300, 1) is below the smallest double: nobody waits.
    k = erlang.erlang_a_kpis(np.array([300, 3000]), 10, patience_seconds=300, **PINNED)
    np.testing.assert_array_equal(k.service_level, 1.0)
    np.testing.assert_array_equal(k.prob_wait, 0.0)
    np.testing.assert_array_equal(k.asa_seconds, 0.0)
    np.testing.assert_allclose(k.occupancy, [1 / 300, 1 / 3000])


def test_erlang_a_patience_inf_is_erlang_c():
    patience = np.array([np.inf, 300.0])
    k = erlang.queue_kpis(14, 100, patience_seconds=patience, **PINNED)
    assert k.service_level[0] == pytest.approx(0.88835, abs=1e-5) and k.abandon_rate[0] == 0.0
    assert k.abandon_rate[1] > 0


# ---------------------------------------------------------------------------
# Vectorisation and interpolation
# ---------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 40),
            st.floats(0, 300),
            st.floats(30, 900),
            st.one_of(st.none(), st.floats(20, 2000)),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_vectorised_equals_scalar(rows):
    n, calls, aht = (np.array([r[i] for r in rows], dtype=float) for i in range(3))
    patience = np.array([np.inf if r[3] is None else r[3] for r in rows])
    vec = erlang.queue_kpis(
        n, calls, aht_seconds=aht, interval_seconds=HALF_HOUR, answer_seconds=20, patience_seconds=patience
    )
    for i in range(len(rows)):
        one = erlang.queue_kpis(
            n[i],
            calls[i],
            aht_seconds=aht[i],
            interval_seconds=HALF_HOUR,
            answer_seconds=20,
            patience_seconds=patience[i],
        )
        for name, v in one.as_dict().items():
            assert np.ndim(v) == 0
            np.testing.assert_allclose(getattr(vec, name)[i], v, rtol=1e-12, atol=1e-15)


def test_interpolate_kpis_between_whole_agents():
    whole = erlang.interpolate_kpis(np.array([13.0, 14.0]), 100, **PINNED)
    exact = erlang.erlang_c_kpis(np.array([13, 14]), 100, **PINNED)
    np.testing.assert_array_equal(whole.service_level, exact.service_level)
    mid = erlang.interpolate_kpis(np.array([13.25, 13.5]), 100, **PINNED)
    lo, hi = exact.service_level
    np.testing.assert_allclose(mid.service_level, [lo + 0.25 * (hi - lo), lo + 0.5 * (hi - lo)])
    # One unstable end: ASA stays infinite, service level climbs from 0.
    edge = erlang.interpolate_kpis(10.5, 100, **PINNED)
    assert float(edge.asa_seconds) == np.inf
    assert float(edge.service_level) == pytest.approx(
        0.5 * float(erlang.erlang_c_kpis(11, 100, **PINNED).service_level)
    )
    # Fractional agents without load: the staffed end, not NaN.
    assert float(erlang.interpolate_kpis(0.5, 0, **PINNED).service_level) == 1.0


# ---------------------------------------------------------------------------
# Staffing search
# ---------------------------------------------------------------------------
def _brute_force(calls, aht, patience, target, max_asa=None, max_ab=None):
    """First n from 1 upward that meets every target (the slow way)."""
    n = np.arange(1, 400)
    k = erlang.queue_kpis(
        n, calls, aht_seconds=aht, interval_seconds=HALF_HOUR, answer_seconds=20, patience_seconds=patience
    )
    ok = k.service_level >= target
    if max_asa is not None:
        ok &= k.asa_seconds <= max_asa
    if max_ab is not None and np.isfinite(patience):
        ok &= k.abandon_rate <= max_ab
    return int(n[np.argmax(ok)])


def test_required_agents_matches_brute_force():
    rng = np.random.default_rng(7)
    calls = rng.uniform(1, 400, 40)
    aht = rng.uniform(60, 600, 40)
    patience = np.where(rng.random(40) < 0.5, np.inf, rng.uniform(30, 900, 40))
    target = rng.uniform(0.5, 0.95, 40)
    got = erlang.required_agents(
        calls,
        aht_seconds=aht,
        interval_seconds=HALF_HOUR,
        answer_seconds=20,
        service_level=target,
        patience_seconds=patience,
        max_asa_seconds=30,
        max_abandon_rate=0.05,
    )
    want = [_brute_force(calls[i], aht[i], patience[i], target[i], 30, 0.05) for i in range(40)]
    np.testing.assert_array_equal(got, want)


def test_required_agents_secondary_targets_bind():
    base = int(erlang.required_agents(100, service_level=0.8, **PINNED))
    by_asa = int(erlang.required_agents(100, service_level=0.8, max_asa_seconds=3, **PINNED))
    asa = erlang.erlang_c_kpis(np.array([by_asa - 1, by_asa]), 100, **PINNED).asa_seconds
    assert by_asa > base and asa[1] <= 3 < asa[0]
    by_ab = int(
        erlang.required_agents(100, service_level=0.8, patience_seconds=300, max_abandon_rate=0.005, **PINNED)
    )
    ab = erlang.erlang_a_kpis(np.array([by_ab - 1, by_ab]), 100, patience_seconds=300, **PINNED).abandon_rate
    assert by_ab > 13 and ab[1] <= 0.005 < ab[0]


def test_required_agents_occupancy_cap():
    assert (
        int(erlang.required_agents(100, service_level=0.8, max_occupancy=0.7, **PINNED)) == 15
    )  # ceil(10 / 0.7)
    assert (
        int(erlang.required_agents(100, service_level=0.8, max_occupancy=0.9, **PINNED)) == 14
    )  # not binding
    # 10.5 / 0.7 is 15.000000000000002 in floating point: the cap is 15, not 16.
    assert int(erlang.required_agents(105, service_level=0.0, max_occupancy=0.7, **PINNED)) == 15


def test_required_agents_zero_calls_and_bad_targets():
    got = erlang.required_agents(np.array([0.0, 100.0]), service_level=0.8, **PINNED)
    np.testing.assert_array_equal(got, [0, 14])
    with pytest.raises(ValueError, match="service_level"):
        erlang.required_agents(100, service_level=1.0, **PINNED)
    with pytest.raises(ValueError, match="aht_seconds"):
        erlang.required_agents(
            100, service_level=0.8, aht_seconds=np.nan, interval_seconds=HALF_HOUR, answer_seconds=20
        )


def test_required_agents_erlang_a_ten_thousand_intervals_fast():
    rng = np.random.default_rng(1)
    calls = rng.uniform(0, 400, 10_000)
    aht = rng.uniform(120, 600, 10_000)
    start = time.perf_counter()
    n = erlang.required_agents(
        calls,
        aht_seconds=aht,
        interval_seconds=HALF_HOUR,
        answer_seconds=20,
        service_level=0.8,
        patience_seconds=300,
    )
    assert time.perf_counter() - start < 5.0
    k = erlang.erlang_a_kpis(
        n, calls, aht_seconds=aht, interval_seconds=HALF_HOUR, answer_seconds=20, patience_seconds=300
    )
    busy = calls > 0
    assert np.all(k.service_level[busy] >= 0.8 - 1e-12)
    fewer = erlang.erlang_a_kpis(
        np.maximum(n - 1, 0),
        calls,
        aht_seconds=aht,
        interval_seconds=HALF_HOUR,
        answer_seconds=20,
        patience_seconds=300,
    )
    assert np.all(fewer.service_level[busy & (n > 1)] < 0.8)


# ---------------------------------------------------------------------------
# Fast paths against slow references
# ---------------------------------------------------------------------------
def _linear_search(load, aht, t, patience, target, max_asa, max_ab, max_occ):
    """Smallest n meeting every target, scanning n upward one agent at a time.

    The conventions of required_agents: targets are met within 1e-12; Erlang C
    needs a stable queue (n > A) even for a zero target; the occupancy cap applies last.
    """
    if load == 0:
        return 0
    calls = load * HALF_HOUR / aht
    n = max(int(np.ceil(target * load)) - 1, 1) if np.isfinite(patience) else int(np.floor(load)) + 1
    while True:
        block = np.arange(n, n + 128)
        k = erlang.queue_kpis(
            block,
            calls,
            aht_seconds=aht,
            interval_seconds=HALF_HOUR,
            answer_seconds=t,
            patience_seconds=patience,
        )
        ok = k.service_level >= target - 1e-12
        if max_asa is not None:
            ok &= k.asa_seconds <= max_asa + 1e-12
        if max_ab is not None and np.isfinite(patience):
            ok &= k.abandon_rate <= max_ab + 1e-12
        if ok.any():
            need = int(block[np.argmax(ok)])
            break
        n += 128
    if max_occ is not None:
        need = max(need, int(np.ceil(load / max_occ - 1e-9)))
    return need


def _random_cases(rng, size, erlang_a):
    load = np.exp(rng.uniform(np.log(1e-3), np.log(2500.0), size))
    load[: size // 10] = rng.uniform(1e-3, 1.0, size // 10)  # tiny loads
    load[size // 10 : size // 5] = rng.uniform(1900.0, 2100.0, size // 5 - size // 10)  # ~2,000 Erlangs
    load[size // 5 : size // 5 + 5] = [1.0, 2.0, 10.0, 100.0, 0.0]  # whole Erlangs, no load
    aht = rng.uniform(30.0, 900.0, size)
    t = np.where(rng.random(size) < 0.2, 0.0, rng.choice([5.0, 10.0, 20.0, 60.0, 180.0], size))
    round_targets = rng.choice([0.5, 0.8, 0.9, 0.99], size)
    target = np.where(rng.random(size) < 0.5, rng.uniform(0.5, 0.99, size), round_targets)
    # Patience from a twentieth of the AHT to five times it (the scan's cost grows with it).
    patience = aht * np.exp(rng.uniform(np.log(0.05), np.log(5.0), size))
    if not erlang_a:
        patience[:] = np.inf
    return load, aht, t, patience, target


@pytest.mark.parametrize("erlang_a", [False, True], ids=["erlang_c", "erlang_a"])
@pytest.mark.parametrize("caps", [False, True], ids=["service_level", "all_caps"])
def test_required_agents_equals_linear_search(erlang_a, caps):
    """The search (Erlang C: Erlang B recursion from floor(A) + 1; Erlang A: gallop from
    Erlang C's answer) returns exactly the n of a one-agent-at-a-time scan."""
    rng = np.random.default_rng(2026 + 2 * erlang_a + caps)
    size = 60 if erlang_a else 200
    load, aht, t, patience, target = _random_cases(rng, size, erlang_a)
    max_asa = np.exp(rng.uniform(np.log(0.5), np.log(300.0), size)) if caps else None
    max_ab = np.exp(rng.uniform(np.log(0.002), np.log(0.3), size)) if caps and erlang_a else None
    max_occ = rng.choice([0.7, 0.8, 0.85, 0.9, 1.0], size) if caps else None
    got = erlang.required_agents(
        load * HALF_HOUR / aht,
        aht_seconds=aht,
        interval_seconds=HALF_HOUR,
        answer_seconds=t,
        service_level=target,
        patience_seconds=patience if erlang_a else None,
        max_asa_seconds=max_asa,
        max_abandon_rate=max_ab,
        max_occupancy=max_occ,
    )
    pick = lambda v, i: None if v is None else float(v[i])  # noqa: E731
    want = [
        _linear_search(
            load[i], aht[i], t[i], patience[i], target[i], pick(max_asa, i), pick(max_ab, i), pick(max_occ, i)
        )
        for i in range(size)
    ]
    np.testing.assert_array_equal(got, want)


def test_required_agents_far_from_start():
    """A tight ASA cap puts the answer more than 64 agents above the load: the search
    finishes by bisection and still returns the smallest n."""
    common = dict(aht_seconds=180.0, interval_seconds=HALF_HOUR, answer_seconds=20.0)
    n = int(erlang.required_agents(20_000, service_level=0.8, max_asa_seconds=0.001, **common))
    asa = erlang.erlang_c_kpis(np.array([n - 1, n]), 20_000, **common).asa_seconds
    assert n > 2000 + 64 and asa[1] <= 0.001 < asa[0]


def test_erlang_b_linear_and_log_series_agree():
    rng = np.random.default_rng(11)
    a = np.exp(rng.uniform(np.log(1e-3), np.log(3000.0), 2000))
    spread = rng.normal(0.0, 3.0, a.size) * np.sqrt(a) + rng.integers(-3, 30, a.size)
    n = np.maximum(np.floor(a + spread), 1.0)
    np.testing.assert_allclose(
        erlang._log_inv_erlang_b_linear(n, a), erlang._log_inv_erlang_b_log(n, a), rtol=1e-12, atol=1e-12
    )


def test_erlang_b_far_above_load_matches_decimal():
    # 1/B(3000, 1500) is about e^580: summed in log space, B still a normal double.
    getcontext().prec = 50
    ref, want = Decimal(1), {}
    for k in range(1, 3001):
        ref = 1500 * ref / (k + 1500 * ref)
        if k in (2400, 2700, 3000):
            want[k] = float(ref)
    got = erlang.erlang_b(np.array(list(want)), 1500.0)
    np.testing.assert_allclose(got, list(want.values()), rtol=1e-11)
    assert 0.0 < got[-1] < 1e-200


def test_erlang_a_linear_and_log_series_agree():
    rng = np.random.default_rng(12)
    x = np.exp(rng.uniform(np.log(1e-3), np.log(3000.0), 2000))
    y = x * np.exp(rng.normal(0.0, 0.5, x.size))
    y[:5] = [1e-3, 2.0, 50.0, 3000.0, 1e-6]
    x[:5] = [1e-3, 1e-3, 1.0, 10.0, 5.0]
    for u, v in zip(erlang._erlang_a_series(x, y), erlang._erlang_a_series_log(x, y), strict=True):
        np.testing.assert_allclose(u, v, rtol=1e-12, atol=1e-11)
    # Largest terms below e^900 and e^1180: summed in linear space, scaled down by e^-300 and e^-580.
    x, y = np.array([1000.0, 1000.0]), np.array([3000.0, 3400.0])
    scale = np.maximum(erlang._erlang_a_log_peak(x, y) - 600.0, 0.0)
    assert np.all((scale > 300.0) & (scale < 700.0))
    for u, v in zip(erlang._erlang_a_series(x, y), erlang._erlang_a_series_log(x, y), strict=True):
        np.testing.assert_allclose(u, v, rtol=1e-12)
