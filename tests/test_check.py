"""The independent checker on hand-built rosters: each broken rule is named, a clean roster passes."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from conftest import MONDAY, TZ, make_agent, make_requirements, make_scenario

from wfm import schema as S
from wfm.check import check_roster, penalty_ledger, recompute_penalties
from wfm.roster import shift_segments, wall_clock
from wfm.schema import Rules, ShiftTemplate, TimeOff

AGENTS = (make_agent("E001", ("retail",), name="王芳"), make_agent("E002", ("retail", "card"), name="李娜"))


def day(i: int) -> dt.date:
    return MONDAY + dt.timedelta(days=i)


def scenario(**kw):
    kw.setdefault("agents", AGENTS)
    kw.setdefault("time_off", [TimeOff("E002", day(4), "leave")])
    return make_scenario(**kw)


def shift_rows(sc, eid, d, code, queue="retail"):
    shift = sc.shift(code)
    t = shift_segments(shift, d, TZ)
    rows = [(eid, d, "SHIFT", t.start, t.end, shift.length_minutes, True, queue, code)]
    if shift.unpaid_minutes:
        rows.append((eid, d, "LUNCH", t.lunch_start, t.lunch_end, shift.unpaid_minutes, False, None, code))
    return rows


def day_row(eid, d, kind, minutes=0):
    return [
        (eid, d, kind, wall_clock(d, 0, TZ), wall_clock(d, 1440, TZ), minutes, kind == "LEAVE", None, kind)
    ]


def frame(rows):
    return pd.DataFrame(rows, columns=list(S.HR_IMPORT_REQUIRED)).assign(detail="")


def base_rows(sc, *, e001=("D09",) * 5 + ("OFF", "OFF")):
    """E001 works D09 Mon-Fri on retail; E002 works E07 Mon-Thu on card, approved leave Fri."""
    rows = []
    for i, code in enumerate(e001):
        rows += day_row("E001", day(i), code) if code == "OFF" else shift_rows(sc, "E001", day(i), code)
    for i in range(4):
        rows += shift_rows(sc, "E002", day(i), "E07", "card")
    rows += day_row("E002", day(4), "LEAVE", 480)
    rows += day_row("E002", day(5), "OFF") + day_row("E002", day(6), "OFF")
    return rows


def broken(sc, rows) -> set[str]:
    return check_roster(sc, frame(rows)).rules_broken()


def find(rows, eid, d, activity):
    return next(i for i, r in enumerate(rows) if r[0] == eid and r[1] == d and r[2] == activity)


def replace(rows, i, **changes):
    names = list(S.HR_IMPORT_COLUMNS)
    row = list(rows[i])
    for key, value in changes.items():
        row[names.index(key)] = value
    rows[i] = tuple(row)


# ---------------------------------------------------------------------------
def test_clean_roster_has_no_violations_and_totals():
    sc = scenario()
    report = check_roster(sc, frame(base_rows(sc)))
    assert report.violations == [] and report.ok
    totals = report.agent_totals.set_index(S.EMPLOYEE_ID)
    assert totals.at["E001", "paid_minutes"] == 2400 and totals.at["E001", "target_minutes"] == 2400
    assert totals.at["E002", "paid_minutes"] == 1920 and totals.at["E002", "leave_minutes"] == 480
    assert totals.at["E002", "target_minutes"] == 1920
    weekly = report.weekly.set_index(S.EMPLOYEE_ID)
    assert weekly.at["E002", "cap_minutes"] == 1920 and weekly.at["E002", "week"] == "2026-W50"


def test_missing_columns():
    sc = scenario()
    report = check_roster(sc, frame(base_rows(sc)).drop(columns=[S.PAID]))
    assert [v.rule for v in report.violations] == ["columns"]


def test_unknown_employee_activity_and_dates_outside_the_horizon():
    sc = scenario()
    rows = base_rows(sc)
    assert broken(sc, rows + day_row("E999", day(0), "OFF")) == {"unknown_employee"}
    assert broken(sc, rows + day_row("E001", day(7), "OFF")) == {"date_outside_horizon"}
    nap = [("E001", day(5), "NAP", *rows[-1][3:])]
    assert broken(sc, rows + nap) == {"unknown_activity"}


def test_each_agent_has_exactly_one_day_row_per_day():
    sc = scenario()
    rows = base_rows(sc)
    missing = [r for r in rows if not (r[0] == "E001" and r[1] == day(5))]
    report = check_roster(sc, frame(missing))
    assert report.rules_broken() == {"day_rows"}
    assert report.violations[0].message == "E001 王芳: 2026-12-12 has no SHIFT, OFF or LEAVE row"
    assert broken(sc, rows + day_row("E001", day(0), "OFF")) == {"day_rows"}


def test_shift_code_and_times_must_match_the_template():
    sc = scenario()
    rows = base_rows(sc)
    i = find(rows, "E001", day(0), "SHIFT")
    replace(rows, i, shift_code="X99")
    assert "unknown_shift" in broken(sc, rows)

    rows = base_rows(sc)
    i = find(rows, "E001", day(0), "SHIFT")
    replace(rows, i, start=rows[i][3] + pd.Timedelta(minutes=30), end=rows[i][4] + pd.Timedelta(minutes=30))
    report = check_roster(sc, frame(rows))
    assert report.rules_broken() == {"shift_times"}
    assert "runs 09:30-18:30" in report.violations[0].message

    rows = base_rows(sc)
    replace(rows, find(rows, "E001", day(0), "SHIFT"), minutes=480)
    assert broken(sc, rows) == {"shift_times"}


def test_lunch_must_be_there_with_the_unpaid_length_inside_the_shift():
    sc = scenario()
    rows = base_rows(sc)
    del rows[find(rows, "E001", day(0), "LUNCH")]
    report = check_roster(sc, frame(rows))
    # the missing unpaid hour also makes the week 60 paid minutes too long
    assert report.rules_broken() == {"lunch", "weekly_minutes", "contract"}
    assert "E001 王芳: D09 on 2026-12-07 needs one 60-minute LUNCH (13:00-14:00); found 0" in [
        v.message for v in report.violations
    ]

    rows = base_rows(sc)
    i = find(rows, "E001", day(0), "LUNCH")
    replace(rows, i, end=rows[i][3] + pd.Timedelta(minutes=30), minutes=30)
    assert "lunch" in broken(sc, rows)

    rows = base_rows(sc)
    i = find(rows, "E001", day(0), "LUNCH")
    late = pd.Timestamp("2026-12-07 18:30", tz=TZ)
    replace(rows, i, start=late, end=late + pd.Timedelta(minutes=60))
    assert broken(sc, rows) == {"overlap"}


def test_activities_must_not_overlap():
    sc = scenario()
    rows = base_rows(sc)
    start = pd.Timestamp("2026-12-07 13:30", tz=TZ)
    rows.append(("E001", day(0), "TRAINING", start, start + pd.Timedelta(minutes=60), 60, True, None, "D09"))
    report = check_roster(sc, frame(rows))
    assert report.rules_broken() == {"overlap"}
    assert "LUNCH 13:00-14:00 and TRAINING 13:30-14:30 overlap" in report.violations[0].message


def test_no_work_on_leave_and_leave_only_when_approved():
    sc = scenario()
    rows = [r for r in base_rows(sc) if not (r[0] == "E002" and r[1] == day(4))]
    worked = rows + shift_rows(sc, "E002", day(4), "E07", "card")
    report = check_roster(sc, frame(worked))
    assert "leave" in report.rules_broken()
    assert "E002 李娜: works E07 on 2026-12-11, a day of approved leave" in [
        v.message for v in report.violations
    ]
    assert broken(sc, rows + day_row("E002", day(4), "OFF")) == {"leave"}

    rows = base_rows(sc)
    rows[find(rows, "E001", day(5), "OFF")] = day_row("E001", day(5), "LEAVE", 480)[0]
    assert "leave" in broken(sc, rows)


def test_skills():
    sc = scenario()
    rows = base_rows(sc)
    replace(rows, find(rows, "E001", day(0), "SHIFT"), queue="card")
    report = check_roster(sc, frame(rows))
    assert report.rules_broken() == {"skills"}
    assert (
        report.violations[0].message
        == "E001 王芳: serves queue 'card' on 2026-12-07 but is skilled for retail"
    )


def test_start_date():
    agents = (dataclasses.replace(AGENTS[0], start_date=day(2)), AGENTS[1])
    sc = scenario(agents=agents)
    rows = base_rows(sc, e001=("OFF", "OFF", "D09", "D09", "D09", "OFF", "OFF"))
    assert "start_date" not in broken(sc, rows)
    rows = base_rows(sc, e001=("OFF", "D09", "D09", "D09", "OFF", "OFF", "OFF"))
    assert broken(sc, rows) == {"start_date"}


def test_rest_between_shifts():
    sc = scenario()
    rows = base_rows(sc, e001=("L14", "E07", "OFF", "D09", "D09", "OFF", "OFF"))
    report = check_roster(sc, frame(rows))
    assert report.rules_broken() == {"rest"}
    assert report.violations[0].message == (
        "E001 王芳: rest between 2026-12-07 (ends 23:00) and 2026-12-08 (starts 07:00) is 8.0 h, minimum 11 h"
    )


def test_rest_after_a_shift_crossing_midnight():
    night = ShiftTemplate("N20", dt.time(20), 480, 60)
    sc = scenario(shifts=(*make_scenario().shifts, night))
    rows = base_rows(sc, e001=("N20", "D09", "OFF", "D09", "D09", "OFF", "OFF"))
    report = check_roster(sc, frame(rows))
    assert report.rules_broken() == {"rest"}
    assert "(ends 05:00)" in report.violations[0].message and "is 4.0 h" in report.violations[0].message


def test_max_consecutive_days():
    sc = scenario(rules=Rules(max_consecutive_days=4))
    report = check_roster(sc, frame(base_rows(sc)))
    assert report.rules_broken() == {"consecutive_days"}
    assert report.violations[0].message == (
        "E001 王芳: works 5 days in a row from 2026-12-07 to 2026-12-11, maximum 4"
    )


def test_min_days_off_per_week_with_partial_weeks():
    sc = scenario(rules=Rules(max_weekly_minutes=2880), agents=(make_agent("E001", contract=2880), AGENTS[1]))
    rows = base_rows(sc, e001=("D09",) * 6 + ("OFF",))
    assert broken(sc, rows) == {"days_off_per_week"}
    # Thu-Sun is a 4-day partial week: max(0, 2 - 3) = 0 days off needed
    sc = make_scenario(agents=(make_agent("E001"),), start=day(3), days=4)
    rows = [r for i in range(3, 7) for r in shift_rows(sc, "E001", day(i), "P10")]
    assert broken(sc, rows) == set()


def test_weekly_minutes_cap():
    sc = scenario(rules=Rules(max_weekly_minutes=1920))
    report = check_roster(sc, frame(base_rows(sc)))
    assert report.rules_broken() == {"weekly_minutes"}
    assert report.violations[0].message == "E001 王芳: works 2400 paid minutes in week 2026-W50, maximum 1920"


def test_contract_caps_the_horizon():
    # 10 days: target 2400 * 10 // 7 = 3428; Mon-Fri + Mon-Wed = 3840 paid minutes
    sc = scenario(days=10, agents=AGENTS[:1], time_off=())
    rows = base_rows(sc)[:12]
    rows = [r for r in rows if r[0] == "E001"]
    rows += [r for i in range(7, 10) for r in shift_rows(sc, "E001", day(i), "D09")]
    report = check_roster(sc, frame(rows))
    assert report.rules_broken() == {"contract"}
    assert report.agent_totals.at[0, "target_minutes"] == 3428


def test_coverage_counts_half_intervals_at_lunch():
    shift = ShiftTemplate("S08", dt.time(8), 450, 30)  # lunch 11:45-12:15
    sc = scenario(shifts=(shift,), agents=AGENTS[:1], time_off=(), days=1)
    req = make_requirements(sc, {"retail": 1})
    cov = check_roster(sc, frame(shift_rows(sc, "E001", day(0), "S08")), req).coverage
    cov = cov[cov[S.QUEUE] == "retail"].set_index(S.DS)
    at = lambda hhmm: cov.loc[pd.Timestamp(f"2026-12-07 {hhmm}", tz=TZ)]  # noqa: E731
    assert at("08:00")[S.SCHEDULED] == 1.0
    assert at("11:30")[S.SCHEDULED] == 0.5 and at("12:00")[S.SCHEDULED] == 0.5
    assert at("16:00")[S.SCHEDULED] == 0.0
    assert at("07:30")[S.GAP] == 0.0 and at("08:00")[S.GAP] == 0.0 and at("19:30")[S.GAP] == -1.0


def test_penalty_ledger_by_hand():
    time_off = [TimeOff("E001", day(1), "day_off_request"), TimeOff("E001", day(2), "shift_request", "L14")]
    sc = scenario(agents=AGENTS[:1], time_off=time_off, queues=("retail",))
    req = make_requirements(sc, lambda q, ds: 3 if ds == pd.Timestamp("2026-12-07 10:00", tz=TZ) else 0)
    rows = [r for r in base_rows(sc) if r[0] == "E001"]
    ledger = penalty_ledger(sc, frame(rows), req).groupby("rule")["cost"].sum()
    assert ledger["coverage_short"] == 100 * (1 + 1.5)  # 2 agents short at Mon 10:00
    assert ledger["coverage_over"] == 5 * (5 * 16 - 1)  # every other on-phone interval
    assert ledger["day_off_request"] == 50 and ledger["shift_request"] == 30
    assert "contract_shortfall" not in ledger
    assert recompute_penalties(sc, frame(rows), req) == 250 + 395 + 50 + 30

    off_friday = rows[: find(rows, "E001", day(4), "SHIFT")] + day_row("E001", day(4), "OFF") + rows[-2:]
    ledger = penalty_ledger(sc, frame(off_friday), req).set_index("rule")
    assert ledger.at["contract_shortfall", "amount"] == 8.0
    assert ledger.at["contract_shortfall", "cost"] == 160.0


def test_accepts_csv_style_values():
    sc = scenario()
    f = frame(base_rows(sc))
    f[S.PAID] = f[S.PAID].map({True: "TRUE", False: "FALSE"})
    f[S.DATE] = f[S.DATE].astype(str)
    f[S.START] = f[S.START].astype(str)
    f[S.END] = f[S.END].astype(str)
    assert check_roster(sc, f).violations == []


@pytest.mark.parametrize("rule", ["rest", "skills"])
def test_violation_carries_rule_employee_and_dates(rule):
    sc = scenario()
    rows = base_rows(sc, e001=("L14", "E07", "OFF", "D09", "D09", "OFF", "OFF"))
    replace(rows, find(rows, "E001", day(3), "SHIFT"), queue="card")
    by_rule = {v.rule: v for v in check_roster(sc, frame(rows)).violations}
    v = by_rule[rule]
    assert v.employee_id == "E001"
    assert v.dates == ((day(0), day(1)) if rule == "rest" else (day(3),))


def test_the_checker_does_not_load_the_solver():
    import subprocess
    import sys

    code = "import sys, wfm.check; assert not any(m.startswith('ortools') for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)
