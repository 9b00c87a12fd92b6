"""Tests of wfm.simulate: the queue algorithm against a plain event simulation, Erlang agreement, frames."""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import math
from collections import deque

import numpy as np
import pandas as pd
import pytest
from conftest import MONDAY, TZ, make_agent, make_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from wfm import erlang
from wfm import schema as S
from wfm.schema import Queue, Shrinkage
from wfm.simulate import (
    AGENTS,
    CI95,
    PREDICTED,
    SIMULATION_COLUMNS,
    _duty_windows,
    _start_times,
    erlang_agreement,
    simulate_agents,
    simulate_queue,
    simulate_requirements,
    simulate_roster,
    simulate_steady_state,
)
from wfm.staffing import required_staff

INF = math.inf


# ---------------------------------------------------------------------------
# A plain event-by-event simulation to hold the heap algorithm to
# ---------------------------------------------------------------------------
def _reference(arrivals, handles, deadlines, windows):
    """Event-driven FCFS queue with duty windows; same routing rule (idle longest, then lowest id)."""
    n_calls, n_servers = len(arrivals), len(windows)
    start = [INF] * n_calls
    waiting: deque[int] = deque()
    gone = [False] * n_calls
    busy = [False] * n_servers
    on = [False] * n_servers
    idle_since = [0.0] * n_servers
    events: list[tuple[float, int, int, int]] = []  # (time, kind, id, seq); kinds below
    END, DONE, START, ABANDON, ARRIVE = 0, 1, 2, 3, 4
    seq = 0
    for s, (starts, ends) in enumerate(windows):
        for a, b in zip(starts, ends, strict=True):
            events.append((a, START, s, seq))
            if b < INF:
                events.append((b, END, s, seq))
            seq += 1
    for i, t in enumerate(arrivals):
        events.append((t, ARRIVE, i, 0))
        if deadlines[i] < INF:
            events.append((deadlines[i], ABANDON, i, 0))
    heapq.heapify(events)

    def in_window(s, x):
        return any(a <= x < b for a, b in zip(*windows[s], strict=True))

    def take_next(s, now):
        while waiting and gone[waiting[0]]:
            waiting.popleft()
        if waiting:
            i = waiting.popleft()
            start[i] = now
            busy[s] = True
            heapq.heappush(events, (now + handles[i], DONE, s, 0))
            return True
        return False

    while events:
        now, kind, ident, _ = heapq.heappop(events)
        if kind == ARRIVE:
            idle = [s for s in range(n_servers) if on[s] and not busy[s]]
            if idle:
                s = min(idle, key=lambda s: (idle_since[s], s))
                start[ident] = now
                busy[s] = True
                heapq.heappush(events, (now + handles[ident], DONE, s, 0))
            else:
                waiting.append(ident)
        elif kind == ABANDON:
            if start[ident] == INF and not gone[ident]:
                gone[ident] = True
                start[ident] = math.nan
        elif kind == DONE:
            busy[ident] = False
            on[ident] = in_window(ident, now)
            if on[ident] and not take_next(ident, now):
                idle_since[ident] = now
        elif kind == START:
            on[ident] = True
            if not busy[ident] and not take_next(ident, now):
                idle_since[ident] = now
        elif kind == END:
            if not busy[ident]:
                on[ident] = False
    return start


@st.composite
def _instances(draw):
    n_int = draw(st.integers(1, 5))
    agents = draw(
        st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.25, 2.0, 2.75, 3.0]), min_size=n_int, max_size=n_int)
    )
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_calls = draw(st.integers(0, 40))
    interval = 100.0
    t = np.sort(rng.random(n_calls) * interval * n_int)
    h = rng.exponential(draw(st.sampled_from([20.0, 60.0, 150.0])), n_calls)
    patient = draw(st.booleans())
    d = t + (np.full(n_calls, INF) if patient else rng.exponential(50.0, n_calls))
    return np.array(agents), interval, t.tolist(), h.tolist(), d.tolist()


@settings(max_examples=300, deadline=None)
@given(_instances())
def test_heap_algorithm_equals_event_simulation(instance):
    agents, interval, t, h, d = instance
    windows = _duty_windows(agents, interval)
    got = _start_times(t, h, d, windows)
    want = _reference(t, h, d, windows)
    np.testing.assert_array_equal(np.array(got), np.array(want))


def test_duty_windows_merge_fractions_and_drain():
    w = _duty_windows(np.array([2.0, 1.0, 1.5, 0.0, 1.0]), 100.0)
    assert w[0] == ([0.0, 400.0], [300.0, INF])  # server 0: three intervals, a gap, then the last (stays on)
    assert w[1] == ([0.0, 200.0], [100.0, 250.0])  # server 1: first interval, first half of the third


def test_agent_finishes_the_call_when_duty_ends():
    # One server on duty [0, 100) then [300, inf).  A call taken at 90 for 50 s ends at 140, after the
    # duty: the server finishes it, leaves, and is back at 300 for the call that came at 95.
    windows = [([0.0, 300.0], [100.0, INF])]
    got = _start_times([90.0, 95.0], [50.0, 10.0], [INF, INF], windows)
    assert got == [90.0, 300.0]
    # A second call waiting only 100 s abandons; a third, patient one is answered at 300.
    got = _start_times([90.0, 95.0, 96.0], [50.0, 10.0, 10.0], [INF, 195.0, INF], windows)
    assert got[0] == 90.0 and math.isnan(got[1]) and got[2] == 300.0
    # Nobody on duty ever: patient callers are never answered, impatient ones abandon.
    got = _start_times([1.0, 2.0], [5.0, 5.0], [INF, 10.0], [])
    assert got[0] == INF and math.isnan(got[1])


# ---------------------------------------------------------------------------
# Agreement with Erlang C and Erlang A in steady state
# ---------------------------------------------------------------------------
# (load in Erlangs, calls simulated per replication after a 1-hour warm-up, replications).  The numbers of
# calls are chosen so that the 95% half-width is below 0.6 percentage points, well inside the 1.5-point
# tolerance.  Erlang C's 80/20 staffing of a big queue runs at 96-98% occupancy, where the queue length
# drifts slowly: 200 and 500 Erlangs need 10^8 calls or more, so they are marked slow.  With abandonment
# (Erlang A) the queue stays short and 10^6 calls are plenty.
ERLANG_C_CASES = [
    (2, 60_000, 10),
    (10, 120_000, 10),
    (50, 800_000, 10),
    pytest.param(200, 2_000_000, 40, marks=pytest.mark.slow),
    pytest.param(500, 5_000_000, 40, marks=pytest.mark.slow),
]
ERLANG_A_CASES = [
    (2, 60_000, 10),
    (10, 60_000, 10),
    (50, 100_000, 10),
    (200, 250_000, 10),
    (500, 300_000, 10),
]
TOLERANCE = 0.015
MAX_HALF_WIDTH = 0.006


def _requirement(load: float) -> int:
    return int(
        erlang.required_agents(
            load * 10, aht_seconds=180, interval_seconds=1800, answer_seconds=20, service_level=0.8
        )
    )


def _run(load, calls_per_rep, replications, patience=None, seed=0):
    n = _requirement(load)
    hours = calls_per_rep * 180 / load / 3600
    sim = simulate_steady_state(
        load,
        n,
        aht_seconds=180,
        answer_seconds=20,
        patience_seconds=patience,
        hours=hours,
        warmup_hours=1.0,
        replications=replications,
        seed=seed,
    )
    return n, sim


@pytest.mark.parametrize(("load", "calls", "reps"), ERLANG_C_CASES)
def test_simulation_agrees_with_erlang_c(load, calls, reps):
    n, sim = _run(load, calls, reps)
    k = erlang.erlang_c_kpis(n, load * 10, aht_seconds=180, interval_seconds=1800, answer_seconds=20)
    sl = sim[S.SERVICE_LEVEL]
    assert sl.ci95 < MAX_HALF_WIDTH, f"too few calls for an honest test: ±{sl.ci95:.4f}"
    assert abs(sl.mean - float(k.service_level)) < TOLERANCE, (load, n, sl, float(k.service_level))
    assert sim[S.ABANDON_RATE].mean == 0.0


@pytest.mark.parametrize(("load", "calls", "reps"), ERLANG_A_CASES)
def test_simulation_agrees_with_erlang_a(load, calls, reps):
    n, sim = _run(load, calls, reps, patience=300.0, seed=1)
    k = erlang.erlang_a_kpis(
        n, load * 10, aht_seconds=180, interval_seconds=1800, answer_seconds=20, patience_seconds=300
    )
    sl, ab = sim[S.SERVICE_LEVEL], sim[S.ABANDON_RATE]
    assert sl.ci95 < MAX_HALF_WIDTH and ab.ci95 < MAX_HALF_WIDTH
    assert abs(sl.mean - float(k.service_level)) < TOLERANCE, (load, n, sl, float(k.service_level))
    assert abs(ab.mean - float(k.abandon_rate)) < TOLERANCE, (load, n, ab, float(k.abandon_rate))


def test_lognormal_handle_times_keep_the_mean_and_change_the_service_level():
    calls = np.full(60, 100.0)
    common = dict(interval_seconds=1800, answer_seconds=20, replications=4, seed=3)
    exp_ = simulate_queue(calls, 180.0, 14, **common)
    low = simulate_queue(calls, 180.0, 14, handle_distribution="lognormal", handle_cv=0.5, **common)
    # Less variable handle times: shorter queues (Erlang C is pessimistic for CV < 1).
    assert low.pooled(4)[S.SERVICE_LEVEL].mean > exp_.pooled(4)[S.SERVICE_LEVEL].mean
    with pytest.raises(ValueError, match="lognormal"):
        simulate_queue(calls, 180.0, 14, handle_cv=0.5, **common)


def test_agreement_table_columns():
    t = erlang_agreement([5.0], calls_per_replication=2000, replications=2)
    assert list(t.columns[:3]) == ["load", "agents", "erlang_c_sl"]
    assert t["agents"].iloc[0] == _requirement(5.0)


# ---------------------------------------------------------------------------
# Behaviour over a day of intervals
# ---------------------------------------------------------------------------
COMMON = dict(interval_seconds=1800, answer_seconds=20)


def test_same_seed_same_result_and_replications_are_independent_streams():
    calls, agents = [50.0, 120.0, 80.0], [8, 15, 11]
    a = simulate_queue(calls, 200.0, agents, patience_seconds=240, replications=3, seed=7, **COMMON)
    b = simulate_queue(calls, 200.0, agents, patience_seconds=240, replications=3, seed=7, **COMMON)
    c = simulate_queue(calls, 200.0, agents, patience_seconds=240, replications=5, seed=7, **COMMON)
    d = simulate_queue(calls, 200.0, agents, patience_seconds=240, replications=3, seed=8, **COMMON)
    pd.testing.assert_frame_equal(a.per_interval(), b.per_interval())
    np.testing.assert_array_equal(a.wait_answered_seconds, c.wait_answered_seconds[:3])
    assert not np.array_equal(a.offered, d.offered)


def test_counts_and_ci_columns():
    r = simulate_queue([100.0, 100.0], 180.0, 14, patience_seconds=300, replications=6, seed=1, **COMMON)
    per = r.per_interval()
    assert list(per.columns) == [
        c + s
        for c in (S.OFFERED, S.ANSWERED, S.ABANDONED, S.SERVICE_LEVEL, S.ASA_SECONDS, S.ABANDON_RATE)
        for s in ("", CI95)
    ]
    np.testing.assert_array_equal(r.answered + r.abandoned, r.offered)  # someone on duty at the end
    assert (per[S.OFFERED] > 80).all() and (per[S.OFFERED + CI95] > 0).all()
    # With the same denominator in each replication, the ratio CI is mean ± 1.96 sd / sqrt(R).
    pooled = r.pooled()
    assert pooled[S.OFFERED].mean == r.offered.sum(axis=1).mean()


def test_burst_carries_over_into_the_next_interval():
    agents = [14, 14, 14]
    quiet = simulate_queue([100.0, 100.0, 100.0], 180.0, agents, replications=20, seed=2, **COMMON)
    burst = simulate_queue([200.0, 100.0, 100.0], 180.0, agents, replications=20, seed=2, **COMMON)
    q, b = quiet.per_interval(), burst.per_interval()
    # 200 calls of 180 s are 20 Erlangs for 14 agents: a queue builds and is still there after 30 minutes.
    gap = b[S.ASA_SECONDS].iloc[1] - q[S.ASA_SECONDS].iloc[1]
    assert gap > 3 * (b[S.ASA_SECONDS + CI95].iloc[1] + q[S.ASA_SECONDS + CI95].iloc[1])
    assert b[S.SERVICE_LEVEL].iloc[1] < q[S.SERVICE_LEVEL].iloc[1] - 0.3
    # Calls are counted in the interval they arrive in, even when answered in the next one.
    assert b[S.OFFERED].iloc[0] == pytest.approx(200, rel=0.05)
    assert b[S.ANSWERED].iloc[0] == b[S.OFFERED].iloc[0]


def test_staffing_gap_makes_callers_wait_for_the_next_agents():
    # Nobody on duty in the middle interval: patient callers wait for 60:00; nobody is answered before it.
    r = simulate_queue([40.0, 40.0, 40.0], 180.0, [8, 0, 8], replications=5, seed=4, **COMMON)
    per = r.per_interval()
    assert per[S.SERVICE_LEVEL].iloc[1] < 0.05
    assert per[S.ASA_SECONDS].iloc[1] > 600  # about 15 minutes on average
    assert per[S.SERVICE_LEVEL].iloc[0] > 0.9
    np.testing.assert_array_equal(r.answered, r.offered)  # all answered in the end
    # Impatient callers abandon instead.
    r = simulate_queue(
        [40.0, 40.0, 40.0], 180.0, [8, 0, 8], patience_seconds=120, replications=5, seed=4, **COMMON
    )
    assert r.per_interval()[S.ABANDON_RATE].iloc[1] > 0.8
    # Staffing cut in the last interval with nobody left: waiting callers are never answered.
    r = simulate_queue([40.0, 40.0], 180.0, [6, 0], replications=3, seed=4, **COMMON)
    assert (r.answered[:, 1] == 0).all() and (r.abandoned == 0).all()


def test_more_agents_never_hurt():
    calls = [80.0, 150.0, 60.0]
    lo = simulate_queue(calls, 180.0, [8, 14, 6], patience_seconds=200, replications=8, seed=5, **COMMON)
    hi = simulate_queue(calls, 180.0, [10, 17, 8], patience_seconds=200, replications=8, seed=5, **COMMON)
    # Common random numbers: same arrivals, handle times and patience; more agents, shorter waits.
    np.testing.assert_array_equal(lo.offered, hi.offered)
    assert (hi.answered_in_threshold >= lo.answered_in_threshold - 2).all()
    assert hi.wait_answered_seconds.sum() < lo.wait_answered_seconds.sum()


def test_zero_volume_intervals():
    r = simulate_queue(
        [0.0, 50.0, 0.0, 0.0], [np.nan, 180.0, np.nan, np.nan], 5, replications=4, seed=1, **COMMON
    )
    per = r.per_interval()
    assert (per[S.OFFERED].iloc[[0, 2, 3]] == 0).all()
    assert per[[S.SERVICE_LEVEL, S.ASA_SECONDS, S.ABANDON_RATE]].iloc[[0, 2, 3]].isna().all().all()
    assert per[S.SERVICE_LEVEL].iloc[1] > 0.5
    r = simulate_queue([0.0, 0.0], 180.0, 0, replications=2, seed=1, **COMMON)
    assert r.offered.sum() == 0


def test_argument_checks():
    with pytest.raises(ValueError, match="patience"):
        simulate_queue([1.0], 180.0, 1, patience_seconds=0, **COMMON)
    with pytest.raises(ValueError, match="aht"):
        simulate_queue([1.0], 0.0, 1, **COMMON)
    with pytest.raises(ValueError, match="one value per interval"):
        simulate_queue([1.0, 2.0], 180.0, [1, 2, 3], **COMMON)
    with pytest.raises(ValueError, match="handle_distribution"):
        simulate_queue([1.0], 180.0, 1, handle_distribution="gamma", **COMMON)


# ---------------------------------------------------------------------------
# Plans: requirements and rosters against a forecast
# ---------------------------------------------------------------------------
PHONE = Queue("retail", "voice", 0.8, 20, 0.95, dt.time(8), dt.time(20), patience_seconds=300)


def _forecast(queue: str, calls, aht=180.0, start="2026-12-07 07:00"):
    calls = np.asarray(calls, dtype=float)
    ds = pd.date_range(start, periods=calls.size, freq="30min", tz=TZ)
    return pd.DataFrame(
        {
            S.QUEUE: queue,
            S.DS: ds,
            S.YHAT: calls,
            S.YHAT_LOWER: calls * 0.8,
            S.YHAT_UPPER: calls * 1.2,
            S.AHT_SECONDS: aht,
        }
    )


def test_simulate_agents_frame_contract_and_closed_intervals():
    fc = _forecast("retail", [30.0, 60.0, 120.0, 90.0, 0.0], start="2026-12-07 07:30")  # before opening
    on = pd.DataFrame({S.QUEUE: "retail", S.DS: fc[S.DS], AGENTS: [3.0, 8, 16, 12, 2]})
    out = simulate_agents(fc, on, [PHONE], 30, replications=6, seed=1)
    iv = out.intervals
    assert tuple(iv.columns) == SIMULATION_COLUMNS
    assert iv[S.OFFERED].iloc[0] == 0 and np.isnan(iv[S.SERVICE_LEVEL].iloc[0])  # closed: calls dropped
    assert iv[AGENTS].iloc[0] == 0
    assert np.isnan(iv[PREDICTED + S.SERVICE_LEVEL].iloc[0])
    assert (iv[S.OFFERED].iloc[1:4] > 40).all()
    assert iv[PREDICTED + S.ABANDON_RATE].iloc[1:4].notna().all()  # the queue states patience: Erlang A
    assert list(out.queues[S.QUEUE]) == ["retail"]
    assert 0.5 < out.queues[S.SERVICE_LEVEL].iloc[0] <= 1.0


def test_chat_is_simulated_as_session_slots():
    chat = Queue("q", "chat", 0.8, 20, 0.95, dt.time(0), dt.time(0), concurrency=2)
    voice = Queue("q", "voice", 0.8, 20, 0.95, dt.time(0), dt.time(0))
    fc = _forecast("q", [100.0, 140.0], aht=360.0)
    a = simulate_agents(
        fc,
        pd.DataFrame({S.QUEUE: "q", S.DS: fc[S.DS], AGENTS: [12.0, 16.0]}),
        [chat],
        30,
        replications=3,
        seed=2,
    ).intervals
    b = simulate_agents(
        fc,
        pd.DataFrame({S.QUEUE: "q", S.DS: fc[S.DS], AGENTS: [24.0, 32.0]}),
        [voice],
        30,
        replications=3,
        seed=2,
    ).intervals
    cols = [S.OFFERED, S.ANSWERED, S.SERVICE_LEVEL, S.ASA_SECONDS, PREDICTED + S.SERVICE_LEVEL]
    pd.testing.assert_frame_equal(a[cols], b[cols])


def test_simulate_requirements_of_a_staffed_day():
    sc = make_scenario(queues=("retail",), days=1)
    sc = dataclasses.replace(sc, queues=(PHONE,), shrinkage=Shrinkage(0.2))
    hours = np.arange(48) / 2
    calls = np.where((hours >= 8) & (hours < 20), 60 + 60 * np.sin((hours - 8) / 12 * np.pi), 0.0)
    fc = _forecast("retail", calls, start="2026-12-07 00:00")
    req = required_staff(fc, sc.queues, sc.shrinkage, 30)
    sim = simulate_requirements(sc, fc, req, replications=8, seed=3)
    iv = sim.intervals
    np.testing.assert_array_equal(iv[AGENTS].to_numpy(), req["agents_required"].to_numpy())
    day = iv[iv[AGENTS] > 0]
    assert (day[S.OFFERED] > 0).all()
    # Staffed to 80/20 interval by interval, the day comes out near the Erlang prediction.
    assert abs(sim.queues[S.SERVICE_LEVEL].iloc[0] - sim.queues[PREDICTED + S.SERVICE_LEVEL].iloc[0]) < 0.05
    # Without agents_required the gross agents net of unplanned shrinkage are simulated.
    gross_only = simulate_requirements(sc, fc, req.drop(columns=["agents_required"]), replications=2, seed=3)
    np.testing.assert_allclose(gross_only.intervals[AGENTS], req["agents_required_gross"] * 0.8)


def test_simulate_roster_uses_checker_coverage():
    from wfm.roster import shift_segments

    shift = S.ShiftTemplate("S08", dt.time(8), 450, 30)  # lunch 11:45-12:15 (half of two intervals)
    sc = make_scenario(
        queues=("retail",), days=1, shifts=(shift,), agents=(make_agent("E001"), make_agent("E002"))
    )
    sc = dataclasses.replace(sc, queues=(PHONE,))
    rows = []
    for eid in ("E001", "E002"):
        t = shift_segments(shift, MONDAY, TZ)
        rows.append((eid, MONDAY, "SHIFT", t.start, t.end, 480, True, "retail", "S08"))
        rows.append((eid, MONDAY, "LUNCH", t.lunch_start, t.lunch_end, 30, False, None, "S08"))
    acts = pd.DataFrame(rows, columns=list(S.HR_IMPORT_REQUIRED)).assign(detail="")
    fc = _forecast("retail", np.full(48, 10.0), start="2026-12-07 00:00")
    sim = simulate_roster(sc, fc, acts, replications=2, seed=0)
    iv = sim.intervals.set_index(S.DS)
    at = lambda hhmm: iv.loc[pd.Timestamp(f"2026-12-07 {hhmm}", tz=TZ)]  # noqa: E731
    assert at("08:00")[AGENTS] == 2.0 and at("11:30")[AGENTS] == 1.0 and at("12:00")[AGENTS] == 1.0
    assert at("16:00")[AGENTS] == 0.0 and at("16:00")[S.OFFERED] > 0  # open, nobody on the phone
    assert at("07:30")[S.OFFERED] == 0  # the queue opens at 08:00


def test_unknown_queue_is_an_input_error():
    fc = _forecast("nope", [1.0])
    on = pd.DataFrame({S.QUEUE: "nope", S.DS: fc[S.DS], AGENTS: [1.0]})
    with pytest.raises(S.InputError, match="nope"):
        simulate_agents(fc, on, [PHONE], 30)
