"""The CLI, through click's CliRunner: exit codes, exact error text, no partial output."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from scenario_files import AGENTS_CSV, SCENARIO_TOML, TIME_OFF_CSV, history_csv, write_scenario

from wfm.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "small"


@pytest.fixture
def runner():
    return CliRunner()


def _broken_history(mutate) -> str:
    lines = history_csv().splitlines()
    mutate(lines)
    return "\n".join(lines) + "\n"


def _set_field(lines, row, col, value):
    parts = lines[row].split(",")
    parts[col] = value
    lines[row] = ",".join(parts)


BAD_INPUTS = {
    "missing column": (
        {"agents_csv": AGENTS_CSV.replace(",role,", ",").replace(",mentor,", ",").replace(",agent,", ",")
         .replace(",new_hire,", ",")},
        "error: agents.csv: missing column(s) role (columns found: employee_id, name, team, skills, "
        "contract_minutes_per_week, start_date)",
    ),
    "unknown queue in skills": (
        {"agents_csv": AGENTS_CSV.replace("E003,张伟,零售一组,chat,", "E003,张伟,零售一组,wechat,")},
        "error: agents.csv row 4: skills 'wechat' is not a queue in scenario.toml (queues: phone_retail, chat)",
    ),
    "negative offered": (
        {"history_csv": _broken_history(lambda ls: _set_field(ls, 10, 2, "-3"))},
        "error: history.csv row 11: offered -3 is negative",
    ),
    "duplicate interval": (
        {"history_csv": _broken_history(lambda ls: ls.insert(3, ls[2]))},
        "error: history.csv row 4: duplicate interval phone_retail 2026-11-16T08:30:00 (first at row 3); "
        "keep one row per queue and interval",
    ),
    "unparseable date": (
        {"history_csv": _broken_history(lambda ls: _set_field(ls, 2, 1, "yesterday"))},
        "error: history.csv row 3: interval_start 'yesterday' is not a date and time; write e.g. 2026-12-01T08:30:00",
    ),
    "malformed TOML": (
        {"scenario_toml": SCENARIO_TOML.replace("[rules]", "[rules")},
        None,  # checked by prefix below
    ),
    "undefined shift_code": (
        {"time_off_csv": TIME_OFF_CSV.replace("shift_request,D12", "shift_request,X99")},
        "error: time_off.csv row 4: shift_code 'X99' is not defined in scenario.toml (shifts: D08, D12)",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_run_bad_input_exits_2_with_one_line_and_writes_nothing(runner, tmp_path, monkeypatch, case):
    replace, expected = BAD_INPUTS[case]
    folder = write_scenario(tmp_path / "sc", **replace)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["run", str(folder), "--out", str(tmp_path / "run1")])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    if expected is None:
        assert lines[0].startswith("error: scenario.toml: malformed TOML: ")
        bad_line = SCENARIO_TOML.splitlines().index("[rules]") + 1
        assert f"line {bad_line}" in lines[0]
    else:
        assert lines[0] == expected
    assert "Traceback" not in result.output
    assert not (tmp_path / "run1").exists()
    assert not (tmp_path / "outputs").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sc"]


def test_validate_ok_and_lists_every_problem(runner, tmp_path):
    folder = write_scenario(tmp_path / "ok")
    result = runner.invoke(main, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    assert "OK: 2 queues, 2 shifts, 4 agents, 3 time-off rows" in result.output

    bad = write_scenario(
        tmp_path / "bad",
        agents_csv=AGENTS_CSV.replace("phone_retail;chat,2400,mentor", "phone_retail;chat,forty,mentor"),
        time_off_csv=TIME_OFF_CSV.replace("E003,2026-12-10", "E999,2026-12-10"),
    )
    result = runner.invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "error: agents.csv row 2: contract_minutes_per_week 'forty' must be a whole number of minutes above 0 "
        "(e.g. 2400 for 40 hours)",
        "error: time_off.csv row 3: employee_id 'E999' is not in agents.csv",
    ]


def test_validate_missing_folder(runner, tmp_path):
    result = runner.invoke(main, ["validate", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {tmp_path / 'nope'}: scenario folder does not exist"


def test_run_refuses_existing_output(runner, tmp_path):
    folder = write_scenario(tmp_path / "sc")
    out = tmp_path / "run"
    out.mkdir()
    (out / "roster.xlsx").write_text("an earlier run")
    result = runner.invoke(main, ["run", str(folder), "--out", str(out)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {out}: folder exists and is not empty; wfm never overwrites a run, choose a new --out"
    )
    assert (out / "roster.xlsx").read_text() == "an earlier run"
    f = tmp_path / "file.txt"
    f.write_text("x")
    result = runner.invoke(main, ["run", str(folder), "--out", str(f)])
    assert result.exit_code == 2
    assert "is an existing file" in result.output


def test_stage_commands_refuse_existing_file(runner, tmp_path):
    folder = write_scenario(tmp_path / "sc")
    out = tmp_path / "forecast.csv"
    out.write_text("keep me")
    result = runner.invoke(main, ["forecast", str(folder), "--out", str(out)])
    assert result.exit_code == 2
    assert "exists already" in result.output
    assert out.read_text() == "keep me"


def test_check_rejects_non_workbook(runner, tmp_path):
    folder = write_scenario(tmp_path / "sc")
    junk = tmp_path / "edited.xlsx"
    junk.write_bytes(b"this is not a zip file")
    result = runner.invoke(main, ["check", str(junk), "--scenario", str(folder)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: edited.xlsx: not an Excel workbook (.xlsx); it may be encrypted, truncated or another format"
    )


def test_check_bad_roster_csv_names_row(runner, tmp_path):
    folder = write_scenario(tmp_path / "sc")
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "employee_id,date,activity,start,end,minutes,paid,queue,shift_code\n"
        "E001,2026-12-07,SHIFT,2026-12-07T08:00:00,2026-12-07T17:00:00,540,TRUE,phone_retail,D08\n"
        "E001,2026-12-08,NAP,2026-12-08T08:00:00,2026-12-08T17:00:00,540,TRUE,phone_retail,D08\n"
    )
    result = runner.invoke(main, ["check", str(roster), "--scenario", str(folder)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: roster.csv row 3: activity 'NAP' must be one of SHIFT, BREAK, LUNCH, TRAINING, MENTORING, "
        "WELLBEING, OFF, LEAVE"
    )


def test_demo_refuses_non_empty_folder(runner, tmp_path):
    out = tmp_path / "demo"
    out.mkdir()
    (out / "x").write_text("x")
    result = runner.invoke(main, ["demo", "--out", str(out), "--agents", "20"])
    assert result.exit_code == 2
    assert "error:" in result.output


# ---------------------------------------------------------------------------
# End to end on the committed small fixture (12 agents, one week)
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    if not FIXTURE.exists():
        pytest.skip("tests/fixtures/small missing")
    tmp = tmp_path_factory.mktemp("e2e")
    out = tmp / "run"
    result = CliRunner().invoke(main, ["run", str(FIXTURE), "--out", str(out), "--time-limit", "20"])
    return result, out, tmp


def test_run_end_to_end_small(small_run):
    result, out, _ = small_run
    assert result.exit_code == 0, result.output
    assert "solver: status" in result.output
    assert "objective" in result.output and "bound" in result.output
    assert "check: 0 hard-rule violations" in result.output
    for name in ("roster.xlsx", "roster.csv", "forecast.csv", "requirements.csv", "coverage.csv", "summary.json",
                 "coverage.png"):
        assert (out / name).is_file(), name
    from openpyxl import load_workbook

    wb = load_workbook(out / "roster.xlsx", read_only=True)
    assert {"Summary", "Roster", "HR_Import", "Coverage"} <= set(wb.sheetnames)
    hidden = [p.name for p in out.parent.iterdir() if p.name.startswith(".")]
    assert hidden == []  # the temporary folder was renamed into place


def test_check_on_produced_workbook(small_run, runner):
    _, out, _ = small_run
    result = runner.invoke(main, ["check", str(out / "roster.xlsx")])
    assert result.exit_code == 0, result.output
    assert "0 hard-rule violations" in result.output
    assert "short queue-intervals" in result.output


def test_stage_chain_forecast_staff_roster_check(small_run, runner):
    _, _, tmp = small_run
    fc, req, ros = tmp / "fc.csv", tmp / "req.csv", tmp / "ros.csv"
    r = runner.invoke(main, ["forecast", str(FIXTURE), "--out", str(fc)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["staff", "--forecast", str(fc), "--scenario", str(FIXTURE), "--out", str(req)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["roster", "--requirements", str(req), "--scenario", str(FIXTURE), "--out", str(ros),
                             "--time-limit", "10"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["check", str(ros), "--scenario", str(FIXTURE), "--requirements", str(req)])
    assert r.exit_code == 0, r.output
    assert "0 hard-rule violations" in r.output


def test_check_catches_hand_edit_rest_violation(small_run, runner, tmp_path):
    """A scheduler moves a shift so it starts 8 h after the previous one ended: check names agent and dates."""
    import pandas as pd

    _, out, _ = small_run
    rows = pd.read_csv(out / "roster.csv", dtype=str, keep_default_na=False)
    shifts = rows[rows.activity == "SHIFT"]
    eid, d1, queue = None, None, None
    for e, g in shifts.groupby("employee_id"):
        days = sorted(pd.to_datetime(g.date).dt.date)
        for a, b in zip(days, days[1:], strict=False):
            if (b - a).days == 1:
                eid, d1, queue = e, a, g.iloc[0]["queue"]
                break
        if eid:
            break
    assert eid is not None, "the small roster has no agent working two days in a row"
    d2 = d1 + pd.Timedelta(days=1)
    d2 = d2.date() if hasattr(d2, "date") else d2
    keep = ~((rows.employee_id == eid) & rows.date.isin([str(d1), str(d2)]))
    edit = pd.DataFrame(
        [  # L15: 15:00-24:00 with lunch 19:00-20:00; D08: 08:00-17:00 with lunch 12:00-13:00
            [eid, str(d1), "SHIFT", f"{d1}T15:00:00+08:00", f"{d2}T00:00:00+08:00", "540", "TRUE", queue, "L15", ""],
            [eid, str(d1), "LUNCH", f"{d1}T19:00:00+08:00", f"{d1}T20:00:00+08:00", "60", "FALSE", "", "L15", ""],
            [eid, str(d2), "SHIFT", f"{d2}T08:00:00+08:00", f"{d2}T17:00:00+08:00", "540", "TRUE", queue, "D08", ""],
            [eid, str(d2), "LUNCH", f"{d2}T12:00:00+08:00", f"{d2}T13:00:00+08:00", "60", "FALSE", "", "D08", ""],
        ],
        columns=rows.columns,
    )
    edited = tmp_path / "edited.csv"
    pd.concat([rows[keep], edit]).to_csv(edited, index=False)
    result = runner.invoke(main, ["check", str(edited), "--scenario", str(FIXTURE)])
    assert result.exit_code == 1, result.output
    rest_lines = [line for line in result.output.splitlines() if "rest" in line.lower()]
    assert len(rest_lines) == 1, result.output
    assert eid in rest_lines[0] and str(d1) in rest_lines[0] and str(d2) in rest_lines[0]


def test_demo_generates_a_valid_scenario(runner, tmp_path):
    out = tmp_path / "big"
    result = runner.invoke(main, ["demo", "--out", str(out), "--agents", "30", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote scenario {out}/ (30 agents)"
    check = runner.invoke(main, ["validate", str(out)])
    assert check.exit_code == 0, check.output
    assert "30 agents" in check.output


def test_python_dash_m_wfm(tmp_path):
    import subprocess
    import sys

    folder = write_scenario(tmp_path / "sc")
    proc = subprocess.run([sys.executable, "-m", "wfm", "validate", str(folder)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "OK: 2 queues" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "wfm", "--version"], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "wfm, version 0.1.0"


def test_staff_quantile_needs_more_agents_than_median(small_run, runner, tmp_path):
    _, out, _ = small_run
    import pandas as pd

    med, hi = tmp_path / "req50.csv", tmp_path / "req90.csv"
    r = runner.invoke(main, ["staff", "--forecast", str(out / "forecast.csv"), "--scenario", str(FIXTURE),
                             "--out", str(med)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["staff", "--forecast", str(out / "forecast.csv"), "--scenario", str(FIXTURE),
                             "--out", str(hi), "--quantile", "0.9"])
    assert r.exit_code == 0, r.output
    assert "staffed for the 0.9 quantile of the forecast" in r.output
    assert "service level if the volume lands at its quantile" in r.output
    a = pd.read_csv(med).agents_required.sum()
    b = pd.read_csv(hi).agents_required.sum()
    assert b > a


def test_simulate_roster_and_requirements(small_run, runner, tmp_path):
    _, out, _ = small_run
    r = runner.invoke(main, ["simulate", "--roster", str(out / "roster.csv"), "--forecast", str(out / "forecast.csv"),
                             "--scenario", str(FIXTURE), "--out", str(tmp_path / "sim.csv"), "--replications", "3"])
    assert r.exit_code == 0, r.output
    assert "phone_retail" in r.output and "± is a 95% confidence half-width" in r.output
    assert (tmp_path / "sim.csv").is_file()
    r = runner.invoke(main, ["simulate", "--forecast", str(out / "forecast.csv"), "--scenario", str(FIXTURE),
                             "--out", str(tmp_path / "sim2.csv")])
    assert r.exit_code == 2
    assert r.output.strip() == "error: give exactly one of --requirements FILE or --roster FILE"


def test_staff_and_roster_name_the_bad_row_of_a_stage_file(runner, tmp_path):
    folder = write_scenario(tmp_path / "sc")
    fc = tmp_path / "fc.csv"
    fc.write_text(
        "queue,ds,yhat,yhat_lower,yhat_upper,aht_seconds\n"
        "phone_retail,2026-12-07T08:00:00+08:00,12.5,10,15,240\n"
        "phone_retail,2026-12-07T08:30:00+08:00,-3,0,1,240\n"
    )
    r = runner.invoke(main, ["staff", "--forecast", str(fc), "--scenario", str(folder), "--out", str(tmp_path / "r")])
    assert r.exit_code == 2
    assert r.output.strip() == "error: fc.csv row 3: yhat -3 is negative"
    assert not (tmp_path / "r").exists()

    req = tmp_path / "req.csv"
    req.write_text("queue,ds,agents_required\nchat,2026-12-07T08:00:00+08:00,2\n")
    r = runner.invoke(main, ["roster", "--requirements", str(req), "--scenario", str(folder),
                             "--out", str(tmp_path / "ros.csv")])
    assert r.exit_code == 2
    assert r.output.strip() == (
        "error: req.csv: missing column(s) agents_required_gross (columns found: queue, ds, agents_required)"
    )
    req.write_text("queue,ds,agents_required_gross\nwechat,2026-12-07T08:00:00+08:00,2\n")
    r = runner.invoke(main, ["roster", "--requirements", str(req), "--scenario", str(folder),
                             "--out", str(tmp_path / "ros.csv")])
    assert r.exit_code == 2
    assert r.output.strip() == (
        "error: req.csv row 2: queue 'wechat' is not a queue in scenario.toml (queues: chat, phone_retail)"
    )
    assert not (tmp_path / "ros.csv").exists()


def test_backtest_records_choice_that_forecast_and_run_use(runner, tmp_path):
    import json

    folder = tmp_path / "small"
    shutil.copytree(FIXTURE, folder)
    r = runner.invoke(main, ["backtest", str(folder), "--origins", "2"])
    assert r.exit_code == 0, r.output
    assert r.output.count("<- selected") == 3
    doc = json.loads((folder / "forecast_models.json").read_text())
    assert set(doc["queues"]) == {"phone_retail", "phone_card", "chat"}
    r = runner.invoke(main, ["forecast", str(folder), "--out", str(tmp_path / "fc.csv")])
    assert r.exit_code == 0, r.output
    from wfm.io import load_scenario

    assert "forecast_models.json" in load_scenario(folder).input_hashes
    (folder / "forecast_models.json").write_text('{"queues": {"chat": {"model": "crystal_ball"}}}')
    r = runner.invoke(main, ["forecast", str(folder), "--out", str(tmp_path / "fc2.csv")])
    assert r.exit_code == 2
    assert "forecast_models.json: unknown model chat: 'crystal_ball'" in r.output


# ---------------------------------------------------------------------------
# Paths: --out never overwrites a run, never follows a symlink, refuses a file
# ---------------------------------------------------------------------------
def test_run_refuses_a_symlinked_out_and_writes_nothing_through_it(runner, tmp_path):
    folder = write_scenario(tmp_path / "sc")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "run"
    link.symlink_to(elsewhere, target_is_directory=True)
    result = runner.invoke(main, ["run", str(folder), "--out", str(link)])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {link}: is a symbolic link; give a real folder path for --out"
    assert list(elsewhere.iterdir()) == []
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    result = runner.invoke(main, ["forecast", str(folder), "--out", str(dangling)])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {dangling}: is a symbolic link; give a new file path for --out"
    assert not (tmp_path / "nowhere").exists()


def test_out_below_an_existing_file_is_refused_without_a_traceback(runner, tmp_path):
    folder = write_scenario(tmp_path / "sc")
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    result = runner.invoke(main, ["run", str(folder), "--out", str(blocker / "run")])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {blocker / 'run'}: {blocker} is a file, not a folder; give a new folder path for --out"
    )
    result = runner.invoke(main, ["forecast", str(folder), "--out", str(blocker / "fc.csv")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert blocker.read_text() == "x"


def test_default_run_folder_stays_inside_outputs_and_never_reuses_a_run(tmp_path, monkeypatch):
    from wfm.cli import _run_target

    monkeypatch.chdir(tmp_path)
    target = _run_target(None, "../../evil/name")
    assert target.parent == Path("outputs")
    assert target.name.startswith("evil_name-")
    target.mkdir(parents=True)
    (target / "roster.xlsx").write_text("an earlier run")
    monkeypatch.setattr("wfm.export.default_run_dir", lambda name, root="outputs", now=None: target)
    again = _run_target(None, "../../evil/name")
    assert again == target.with_name(target.name + "-2")


def test_a_run_folder_taken_while_writing_is_an_output_error(tmp_path):
    from wfm.cli import _commit
    from wfm.schema import OutputError

    class Taken:
        final = tmp_path / "run"

        def commit(self):
            raise OSError(39, "Directory not empty")

    with pytest.raises(OutputError) as err:
        _commit(Taken())
    assert str(err.value) == (
        f"{tmp_path / 'run'}: cannot be created (Directory not empty); another run may have taken it, "
        "choose a new --out"
    )


def test_check_refuses_an_encrypted_workbook(runner, tmp_path):
    folder = write_scenario(tmp_path / "sc")
    secret = tmp_path / "secret.xlsx"
    secret.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    result = runner.invoke(main, ["check", str(secret), "--scenario", str(folder)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: secret.xlsx: is password-protected (encrypted) or an old .xls workbook; "
        "save it as an Excel workbook (.xlsx) without a password"
    )


def test_leave_against_a_contract_minimum_exits_3_naming_both_rules(tmp_path):
    """Issue 5's conflict test: approved leave and a contract's minimum hours cannot both hold."""
    import pandas as pd

    from wfm import schema as S
    from wfm.io import load_scenario

    toml = SCENARIO_TOML.replace(
        "[rules]", '[[contracts]]\nname = "full"\nmin_horizon_minutes = 2400\n\n[rules]', 1
    )
    agents = AGENTS_CSV.replace("start_date\n", "start_date,contract\n", 1)
    agents = agents.replace("2021-05-10", "2021-05-10,full")  # E002 李娜
    leave = TIME_OFF_CSV + "E002,2026-12-10,leave,\nE002,2026-12-11,leave,\n"  # with 12-09: three days
    folder = write_scenario(tmp_path / "sc", scenario_toml=toml, agents_csv=agents, time_off_csv=leave)
    sc = load_scenario(folder)
    index = sc.horizon.interval_index()
    req = pd.DataFrame(
        [(q.name, ds, 1.0, 1, 0.8, 20.0, 0.8) for q in sc.queues for ds in index], columns=S.REQUIREMENTS_COLUMNS
    )
    req[S.DS] = req[S.DS].map(lambda t: t.isoformat())
    req.to_csv(tmp_path / "req.csv", index=False)
    out = tmp_path / "roster.csv"
    r = CliRunner().invoke(
        main, ["roster", "--requirements", str(tmp_path / "req.csv"), "--scenario", str(folder), "--out", str(out)]
    )
    assert r.exit_code == 3, r.output
    assert "at least the contract's 40 paid hours" in r.output
    assert "approved leave on 2026-12-09 to 2026-12-11" in r.output
    assert "E002" in r.output and "Traceback" not in r.output
    assert not out.exists()
