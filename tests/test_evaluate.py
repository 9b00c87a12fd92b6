"""Per-agent totals shown on the Roster and Fairness sheets."""

from __future__ import annotations

import dataclasses
import datetime as dt

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
    empty = pd.DataFrame(columns=[S.EMPLOYEE_ID, S.QUEUE, S.DS, S.MINUTES])
    roster = S.RosterSolution(
        pd.DataFrame(columns=list(S.ASSIGNMENT_COLUMNS)),
        pd.DataFrame(columns=list(S.HR_IMPORT_COLUMNS)),
        empty,
        pd.DataFrame(columns=["rule", "employee_id", "queue", "ds", "date", "amount", "unit", "cost"]),
        S.SolveInfo("OPTIMAL", 0, 0, 0, 0, 0, 1, 1),
    )
    ev = evaluate(sc, fc, req, roster)
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
