"""Per-agent totals shown on the Roster and Fairness sheets."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
from scenario_files import write_scenario

from wfm import schema as S
from wfm.evaluate import agent_totals
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
