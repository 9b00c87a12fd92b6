"""Input validation: every defect is named by file, row or key, value and fix; all problems are listed."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from scenario_files import AGENTS_CSV, SCENARIO_TOML, TIME_OFF_CSV, history_csv, write_scenario

from wfm import schema as S
from wfm.io import load_scenario


def problems_of(tmp_path, **replace) -> list[str]:
    folder = write_scenario(tmp_path / "sc", **replace)
    with pytest.raises(S.InputError) as info:
        load_scenario(folder)
    return info.value.problems


def test_valid_scenario_loads_typed(tmp_path):
    sc = load_scenario(write_scenario(tmp_path / "sc"))
    assert sc.name == "mini"
    assert sc.country == "CN"
    assert sc.horizon == S.Horizon(dt.date(2026, 12, 7), dt.date(2026, 12, 13), 30, "Asia/Shanghai")
    assert [q.name for q in sc.queues] == ["phone_retail", "chat"]
    assert sc.queue("chat").concurrency == 2
    assert sc.queue("phone_retail").close_minute == 20 * 60
    assert sc.shift("D12").end_minute == 21 * 60
    assert sc.agents[0].skills == ("phone_retail", "chat")
    assert sc.agents[0].name == "王芳"
    assert sc.rules.min_rest_hours == 11
    assert sc.solver == S.SolverSettings(time_limit_seconds=10, workers=1, seed=3)
    assert sc.weights == S.Weights()  # defaults when [weights] is absent
    assert {t.kind for t in sc.time_off} == {"leave", "day_off_request", "shift_request"}
    ts = sc.history[S.INTERVAL_START]
    assert str(ts.dt.tz) == "Asia/Shanghai"
    assert ts.iloc[0] == pd.Timestamp("2026-11-16 08:00", tz="Asia/Shanghai")
    assert set(sc.input_hashes) == {"scenario.toml", "history.csv", "agents.csv", "time_off.csv"}
    assert all(len(h) == 64 for h in sc.input_hashes.values())


def test_missing_column(tmp_path):
    agents = AGENTS_CSV.replace("contract_minutes_per_week,", "").replace(",2400,", ",").replace(",1200,", ",")
    assert problems_of(tmp_path, agents_csv=agents) == [
        "agents.csv: missing column(s) contract_minutes_per_week "
        "(columns found: employee_id, name, team, skills, role, start_date)"
    ]


def test_unknown_queue_in_skills(tmp_path):
    agents = AGENTS_CSV.replace("E002,李娜,零售一组,phone_retail,", "E002,李娜,零售一组,phone_retial,")
    assert problems_of(tmp_path, agents_csv=agents) == [
        "agents.csv row 3: skills 'phone_retial' is not a queue in scenario.toml (queues: phone_retail, chat)"
    ]


def test_negative_offered(tmp_path):
    lines = history_csv().splitlines()
    parts = lines[5].split(",")
    parts[2] = "-4"
    lines[5] = ",".join(parts)
    assert problems_of(tmp_path, history_csv="\n".join(lines) + "\n") == ["history.csv row 6: offered -4 is negative"]


def test_duplicate_interval(tmp_path):
    lines = history_csv().splitlines()
    lines.append(lines[3])
    probs = problems_of(tmp_path, history_csv="\n".join(lines) + "\n")
    q, t = lines[3].split(",")[:2]
    assert probs == [
        f"history.csv row {len(lines)}: duplicate interval {q} {t} (first at row 4); keep one row per queue and interval"
    ]


def test_unparseable_date(tmp_path):
    lines = history_csv().splitlines()
    parts = lines[7].split(",")
    parts[1] = "2026-13-45T08:00:00"
    lines[7] = ",".join(parts)
    assert problems_of(tmp_path, history_csv="\n".join(lines) + "\n") == [
        "history.csv row 8: interval_start '2026-13-45T08:00:00' is not a date and time; write e.g. 2026-12-01T08:30:00"
    ]
    agents = AGENTS_CSV.replace("2021-05-10", "10/05/2021")
    assert problems_of(tmp_path / "b", agents_csv=agents) == [
        "agents.csv row 3: start_date '10/05/2021' is not a date; write YYYY-MM-DD"
    ]


def test_malformed_toml(tmp_path):
    probs = problems_of(tmp_path, scenario_toml=SCENARIO_TOML.replace('timezone = "Asia/Shanghai"', "timezone = "))
    assert len(probs) == 1
    assert probs[0].startswith("scenario.toml: malformed TOML: ")
    assert "line 8" in probs[0]


def test_undefined_shift_code(tmp_path):
    time_off = TIME_OFF_CSV.replace("shift_request,D12", "shift_request,N22")
    assert problems_of(tmp_path, time_off_csv=time_off) == [
        "time_off.csv row 4: shift_code 'N22' is not defined in scenario.toml (shifts: D08, D12)"
    ]


def test_every_problem_listed_not_just_first(tmp_path):
    agents = AGENTS_CSV.replace(",mentor,", ",boss,").replace("E003,张伟,零售一组,chat,1200", "E003,张伟,零售一组,chat,abc")
    toml = SCENARIO_TOML.replace("min_rest_hours = 11", "min_rest_hour = 11").replace("interval_minutes = 30",
                                                                                         "interval_minutes = 20")
    probs = problems_of(tmp_path, agents_csv=agents, scenario_toml=toml)
    assert "agents.csv row 2: role 'boss' must be one of agent, new_hire, mentor, lead" in probs
    assert any(p.startswith("agents.csv row 4: contract_minutes_per_week 'abc'") for p in probs)
    assert any("unknown key 'min_rest_hour' in" in p or "[rules]: unknown key 'min_rest_hour'" in p for p in probs)
    assert "scenario.toml [horizon]: 'interval_minutes' = 20 must be 15 or 30" in probs


def test_missing_file_and_empty_sections(tmp_path):
    folder = write_scenario(tmp_path / "sc")
    (folder / "agents.csv").unlink()
    with pytest.raises(S.InputError) as info:
        load_scenario(folder)
    assert info.value.problems == [f"agents.csv: missing from scenario folder {folder}"]


def test_time_off_is_optional(tmp_path):
    folder = write_scenario(tmp_path / "sc")
    (folder / "time_off.csv").unlink()
    assert load_scenario(folder).time_off == ()


def test_neither_utf8_nor_gbk(tmp_path):
    folder = write_scenario(tmp_path / "sc")
    data = AGENTS_CSV.encode("utf-8")
    (folder / "agents.csv").write_bytes(data[:60] + b"\xff" + data[60:])  # 0xFF starts no character in either
    with pytest.raises(S.InputError) as info:
        load_scenario(folder)
    assert info.value.problems[0].startswith("agents.csv: byte 60 ")
    assert "not valid UTF-8 (nor GBK)" in info.value.problems[0]


def test_bom_accepted(tmp_path):
    folder = write_scenario(tmp_path / "sc")
    (folder / "agents.csv").write_bytes(b"\xef\xbb\xbf" + AGENTS_CSV.encode("utf-8"))
    assert len(load_scenario(folder).agents) == 4


def test_history_with_offsets_and_dst_gap(tmp_path):
    toml = SCENARIO_TOML.replace("Asia/Shanghai", "Europe/London")
    hist = "queue,interval_start,offered,aht_seconds\nchat,2026-03-29T01:30:00,3,400\nchat,2026-03-29T02:00:00+01:00,3,400\n"
    probs = problems_of(tmp_path, scenario_toml=toml, history_csv=hist)
    assert probs[0].startswith("history.csv row 2: interval_start '2026-03-29T01:30:00' does not exist or is ambiguous")


def test_many_bad_rows_are_summarised(tmp_path):
    lines = history_csv().splitlines()
    for i in range(1, 40):
        parts = lines[i].split(",")
        parts[2] = "-1"
        lines[i] = ",".join(parts)
    probs = problems_of(tmp_path, history_csv="\n".join(lines) + "\n")
    assert len(probs) == 21
    assert probs[-1] == "history.csv offered (<0): ... and 19 more rows with the same problem"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('channel = "voice"', 'channel = "phone"', "'phone' must be one of voice, chat"),
        ("service_level = 0.8\nanswer_seconds = 20", "service_level = 80\nanswer_seconds = 20",
         "'service_level' = 80 must be between 0.01 and 0.999 (e.g. 0.8)"),
        ('close = "20:00"', 'close = "8pm"', "'close' = '8pm' must be HH:MM (24-hour)"),
        ("[rules]", '[[shifts]]\ncode = "D08"\nstart = "09:00"\npaid_minutes = 240\n\n[rules]',
         "shift code 'D08' is defined twice"),
        ('timezone = "Asia/Shanghai"', 'timezone = "China"', "'timezone' = 'China' is not an IANA time zone"),
        ('end = "2026-12-13"', 'end = "2026-12-01"', "end 2026-12-01 is before start 2026-12-07"),
        ("unplanned = 0.1", "unplanned = 1.5", "'unplanned' = 1.5 must be between 0 and 0.9"),
    ],
)
def test_toml_value_errors(tmp_path, old, new, expected):
    assert old in SCENARIO_TOML
    probs = problems_of(tmp_path, scenario_toml=SCENARIO_TOML.replace(old, new, 1))
    assert any(expected in p for p in probs), probs
    assert all(p.startswith("scenario.toml") for p in probs)


# ---------------------------------------------------------------------------
# Contracts, the new rules, availability.csv, shift_cover.csv and request kinds
# ---------------------------------------------------------------------------
WEIGHTED_TIME_OFF = "\n".join(
    line + (",weight" if i == 0 else ",") for i, line in enumerate(TIME_OFF_CSV.strip().splitlines())
) + "\n"
CONTRACTS = """
[[contracts]]
name = "part_time"
max_consecutive_days = 4
min_horizon_minutes = 1200
max_shifts = { D12 = 2 }
"""


def test_contracts_rules_availability_and_shift_cover_load_typed(tmp_path):
    toml = SCENARIO_TOML.replace("[rules]", CONTRACTS + "\n[rules]\nmax_working_weekends = 1\n"
                                 'forbidden_successions = [["D12", "D08"]]\ndays_off_pair_per_week = true', 1)
    agents = AGENTS_CSV.replace("start_date\n", "start_date,contract\n", 1).replace("2022-01-03", "2022-01-03,part_time")
    sc = load_scenario(write_scenario(
        tmp_path / "sc", scenario_toml=toml, agents_csv=agents,
        availability_csv="employee_id,day,start,end\nE003,Monday,09:00,00:00\nE003,2026-12-09,12:00,18:00\n",
        shift_cover_csv="date,shift_code,required,under_weight,over_weight\n2026-12-07,D08,2,100,5\n",
        time_off_csv=WEIGHTED_TIME_OFF + "E001,2026-12-11,shift_off_request,D08,75\nE004,2026-12-12,unavailable,,\n",
    ))
    e003 = next(a for a in sc.agents if a.employee_id == "E003")
    assert e003.contract == "part_time" and sc.agent_rules(e003).max_consecutive_days == 4
    assert sc.contracts["part_time"].max_shifts == (("D12", 2),)
    assert sc.rules.max_working_weekends == 1 and sc.rules.days_off_pair_per_week
    assert sc.rules.forbidden_successions == (("D12", "D08"),)
    assert sc.availability == (
        S.Availability("E003", 0, None, 9 * 60, 24 * 60),
        S.Availability("E003", None, dt.date(2026, 12, 9), 12 * 60, 18 * 60),
    )
    assert sc.shift_cover == (S.ShiftCover(dt.date(2026, 12, 7), "D08", 2, 100.0, 5.0),)
    kinds = {(t.kind, t.weight) for t in sc.time_off}
    assert ("shift_off_request", 75.0) in kinds and ("unavailable", None) in kinds
    assert {"availability.csv", "shift_cover.csv"} <= set(sc.input_hashes)


def test_new_inputs_report_every_defect_by_file_and_row(tmp_path):
    toml = SCENARIO_TOML.replace("[rules]", CONTRACTS.replace("D12 = 2", "X99 = 2") + "\n[rules]\n"
                                 'forbidden_successions = [["D12"]]\nmin_consecutive_days = 0', 1)
    agents = AGENTS_CSV.replace("start_date\n", "start_date,contract\n", 1).replace("2022-01-03", "2022-01-03,nightly")
    problems = problems_of(
        tmp_path, scenario_toml=toml, agents_csv=agents,
        availability_csv="employee_id,day,start,end\nE003,funday,09:00,15:00\nE009,monday,15:00,09:00\n",
        shift_cover_csv="date,shift_code,required,under_weight,over_weight\n2027-01-01,D08,1.5,-1,0\n",
        time_off_csv=WEIGHTED_TIME_OFF + "E001,2026-12-11,shift_off_request,,\nE001,2026-12-12,leave,,5\n",
    )
    expected = [
        "scenario.toml [rules]: 'min_consecutive_days' = 0 must be between 1 and 14",
        "scenario.toml [rules]: forbidden_successions entry ['D12'] must be a pair of shift codes",
        "scenario.toml [[contracts]] #1 'part_time': max_shifts names shift 'X99'",
        "agents.csv row 4: contract 'nightly' is not a [[contracts]] name in scenario.toml",
        "time_off.csv row 5: a shift_off_request needs a shift_code",
        "time_off.csv row 6: weight is only used by requests, not by leave",
        "availability.csv row 2: day 'funday' must be a weekday name (monday .. sunday) or a date YYYY-MM-DD",
        "availability.csv row 3: employee_id 'E009' is not in agents.csv",
        "availability.csv row 3: end 09:00 is not after start 15:00",
        "shift_cover.csv row 2: date 2027-01-01 is outside the horizon",
        "shift_cover.csv row 2: required '1.5' must be a whole number of agents >= 0",
        "shift_cover.csv row 2: under_weight '-1' must be a number >= 0",
    ]
    for line in expected:
        assert any(p.startswith(line) for p in problems), (line, problems)
