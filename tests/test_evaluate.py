"""Per-agent totals shown on the Roster and Fairness sheets."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scenario_files import write_scenario

from wfm import schema as S
from wfm.evaluate import ALL_QUEUES, FTE_HOURS_PER_DAY, agent_totals, evaluate
from wfm.io import load_scenario


def test_contract_target_is_prorated_from_start_date_and_leave_like_the_roster_rule(tmp_path):
    sc = load_scenario(write_scenario(tmp_path / "sc"))
    agents = list(sc.agents)
    agents[3] = dataclasses.replace(agents[3], start_date=dt.date(2026, 12, 10))  # E004 starts on day 4 of 7
    sc = dataclasses.replace(sc, agents=tuple(agents))
    days = sc.horizon.days
    rows = []
    for a in sc.agents:
        for d in days:
            code = "OFF"
            if a.employee_id == "E002" and d == dt.date(2026, 12, 9):
                code = "LEAVE"
            elif a.employee_id == "E004" and d >= dt.date(2026, 12, 10) and d.weekday() < 5:
                code = "D08"
            rows.append({S.EMPLOYEE_ID: a.employee_id, S.DATE: d, S.SHIFT_CODE: code})
    totals = agent_totals(sc, pd.DataFrame(rows)).set_index(S.EMPLOYEE_ID)
    # E004: 2400 min/week for the 4 employed days -> 2400 * 4 // 7 = 1371; worked Thu+Fri = 960
    assert totals.at["E004", "contract_target_minutes"] == 1371
    assert totals.at["E004", "paid_minutes"] == 960
    assert totals.at["E004", "paid_minus_target_minutes"] == 960 - 1371
    # E002: a full week less one leave day credited at 2400 / 5 = 480 minutes
    assert totals.at["E002", "contract_target_minutes"] == 2400 - 480
    assert totals.at["E002", "leave_days"] == 1


def test_fairness_counts_shift_families_and_weekends(tmp_path):
    sc = load_scenario(write_scenario(tmp_path / "sc"))
    late = S.ShiftTemplate("L15", dt.time(15), 480, 60)  # ends 24:00: late by the family rule
    night = S.ShiftTemplate("N22", dt.time(22), 480, 60)  # runs past midnight: night
    early = S.ShiftTemplate("E06", dt.time(6, 30), 480, 60)
    sc = dataclasses.replace(sc, shifts=sc.shifts + (late, night, early))
    days = sc.horizon.days  # Monday 2026-12-07 .. Sunday 2026-12-13
    plan = {0: "L15", 1: "N22", 2: "E06", 5: "D08", 6: "L15"}  # Mon, Tue, Wed, Sat, Sun
    rows = [
        {
            S.EMPLOYEE_ID: a.employee_id,
            S.DATE: d,
            S.SHIFT_CODE: plan.get(i, "OFF") if a.employee_id == "E001" else "OFF",
        }
        for a in sc.agents
        for i, d in enumerate(days)
    ]
    totals = agent_totals(sc, pd.DataFrame(rows)).set_index(S.EMPLOYEE_ID)
    e1 = totals.loc["E001"]
    assert (e1["early_shifts"], e1["late_shifts"], e1["night_shifts"]) == (1, 2, 1)
    assert (e1["weekend_days"], e1["weekends_worked"], e1["days_worked"]) == (2, 1, 5)
    assert totals.loc["E002", ["late_shifts", "night_shifts", "weekends_worked"]].tolist() == [0, 0, 0]


def test_fte_and_all_queue_totals(tmp_path):
    sc = load_scenario(write_scenario(tmp_path / "sc"))
    iv = sc.horizon.interval_minutes
    index = sc.horizon.interval_index()
    frames = []
    for q, need in (("phone_retail", 4.0), ("chat", 2.0)):
        open_ = (index.hour >= 8) & (index.hour < 20)  # 12 open hours a day
        frames.append(pd.DataFrame({S.QUEUE: q, S.DS: index, S.AGENTS_REQUIRED_GROSS: need * open_}))
    req = pd.concat(frames, ignore_index=True)
    req[S.AGENTS_REQUIRED] = req[S.AGENTS_REQUIRED_GROSS]
    fc = req[[S.QUEUE, S.DS]].assign(
        **{S.YHAT: 10.0 * (req[S.AGENTS_REQUIRED_GROSS] > 0), S.AHT_SECONDS: 300.0}
    )
    ev = evaluate(sc, fc, req, _roster_of(pd.DataFrame(columns=[S.EMPLOYEE_ID, S.QUEUE, S.DS, S.MINUTES])))
    daily = ev.daily.set_index([S.QUEUE, S.DATE])
    # 4 agents x 12 h = 48 agent-hours a day = 6 full-time (8 h) equivalents
    assert daily.loc[("phone_retail", sc.horizon.start), "required_fte"] == pytest.approx(
        48 / FTE_HOURS_PER_DAY
    )
    month = ev.queue_totals.set_index(S.QUEUE)
    assert month.at["phone_retail", "required_fte"] == pytest.approx(6.0)  # per day, on average
    assert month.at["chat", "required_fte"] == pytest.approx(3.0)
    assert month.at["chat", "scheduled_fte"] == 0
    overall = ev.overall.iloc[0]
    assert overall[S.QUEUE] == ALL_QUEUES
    assert overall["required_fte"] == pytest.approx(9.0)
    assert overall["forecast_volume"] == pytest.approx(month["forecast_volume"].sum())
    assert iv == 30 and len(ev.daily) == 2 * len(sc.horizon.days)


def _evaluate_with_agents(sc, calls_per_interval, on_shift):
    """Evaluate a roster with ``on_shift`` agents on every queue in every open interval (no assignments)."""
    index = sc.horizon.interval_index()
    open_ = (index.hour >= 8) & (index.hour < 20)
    ds = index[open_]
    calls = [calls_per_interval[i % len(calls_per_interval)] for i in range(len(ds))]
    fc = pd.concat(
        [pd.DataFrame({S.QUEUE: q.name, S.DS: ds, S.YHAT: calls, S.AHT_SECONDS: 300.0}) for q in sc.queues],
        ignore_index=True,
    )
    req = fc[[S.QUEUE, S.DS]].assign(**{S.AGENTS_REQUIRED_GROSS: 30})
    minutes = fc[[S.QUEUE, S.DS]].assign(**{S.EMPLOYEE_ID: "E001", S.MINUTES: 30.0 * on_shift})
    return evaluate(sc, fc, req, _roster_of(minutes))


def _roster_of(queue_minutes: pd.DataFrame) -> S.RosterSolution:
    """A roster that is only its on-phone minutes per agent, queue and interval (no assignments, no ledger)."""
    return S.RosterSolution(
        pd.DataFrame(columns=list(S.ASSIGNMENT_COLUMNS)),
        pd.DataFrame(columns=list(S.HR_IMPORT_COLUMNS)),
        queue_minutes,
        pd.DataFrame(columns=["rule", "employee_id", "queue", "ds", "date", "amount", "unit", "cost"]),
        S.SolveInfo("OPTIMAL", 0, 0, 0, 0, 0, 1, 1),
    )


def test_fewer_agents_show_a_longer_asa_or_more_unbounded_intervals(tmp_path):
    """Intervals whose wait is unbounded are counted beside ASA, not silently left out of it."""
    sc = load_scenario(write_scenario(tmp_path / "sc"))
    # The same calls and agents on both queues: phone_retail's callers abandon (Erlang A), chat's do not
    # and an agent takes one chat at a time (Erlang C).
    patience = {"phone_retail": {"patience_seconds": 180}, "chat": {"concurrency": 1}}
    queues = [dataclasses.replace(q, **patience[q.name]) for q in sc.queues]
    sc = dataclasses.replace(sc, queues=tuple(queues))
    calls = [60, 80, 100, 120, 140, 150, 150, 140, 130, 120, 110, 100]  # 10 to 25 Erlangs at 300 s
    runs = [_evaluate_with_agents(sc, calls, n).queue_totals.set_index(S.QUEUE) for n in (29, 24, 21, 18)]
    phone = [r.loc["phone_retail"] for r in runs]
    asa = [p[S.ASA_SECONDS] for p in phone]
    # Erlang A: every staffed interval has a finite wait, and it grows as agents are taken away.
    # (Averaging Erlang C's finite waits only, as before, gave 39 s with 29 agents and 19 s with 18.)
    assert all(p[S.UNBOUNDED_WAIT_INTERVALS] == 0 for p in phone)
    assert asa == sorted(asa) and asa[0] < asa[-1]
    chat = [r.loc["chat"] for r in runs]
    unbounded = [c[S.UNBOUNDED_WAIT_INTERVALS] for c in chat]
    share = [c[S.UNBOUNDED_WAIT_CALL_SHARE] for c in chat]
    assert unbounded[0] == 0 and unbounded == sorted(unbounded) and unbounded[-1] > unbounded[1] > 0
    assert share == sorted(share) and 0 < share[-1] < 1


def test_unbounded_wait_share_is_the_calls_left_out_of_asa(tmp_path):
    sc = load_scenario(write_scenario(tmp_path / "sc"))
    ev = _evaluate_with_agents(sc, [60, 150], 18)  # chat: 16.2 agents hold 32.4 slots for 10 or 25 Erlangs...
    cov = ev.coverage[ev.coverage[S.QUEUE] == "phone_retail"]  # ...phone_retail (Erlang C): 16.2 for 10 or 25
    unbounded = np.isinf(cov[S.ASA_SECONDS])
    assert unbounded.any() and not unbounded.all()
    row = ev.queue_totals.set_index(S.QUEUE).loc["phone_retail"]
    assert row[S.UNBOUNDED_WAIT_INTERVALS] == unbounded.sum()
    assert row[S.UNBOUNDED_WAIT_CALL_SHARE] == pytest.approx(
        cov.loc[unbounded, S.FORECAST].sum() / cov[S.FORECAST].sum()
    )
    bounded = cov[~unbounded]
    assert row[S.ASA_SECONDS] == pytest.approx(
        (bounded[S.ASA_SECONDS] * bounded[S.FORECAST]).sum() / bounded[S.FORECAST].sum()
    )
    assert (
        list(ev.daily.columns).index(S.UNBOUNDED_WAIT_INTERVALS)
        == list(ev.daily.columns).index(S.ASA_SECONDS) + 1
    )
