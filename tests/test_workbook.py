"""Reading a wfm workbook back: round trip, Roster/HR_Import edits, unreadable cells, hostile files."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import make_requirements
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from scenario_files import write_scenario

from wfm import schema as S
from wfm.check import check_roster
from wfm.cli import main, run_info_for
from wfm.export import write_workbook
from wfm.io import load_scenario
from wfm.pipeline import RunResult, run_roster
from wfm.workbook import Limits, read_roster_workbook, recorded_scenario_dir

# Roster grid layout written by wfm.export: 6 lead columns, then one column per day
FIRST_DAY_COLUMN = 7


def make_workbook(tmp: Path, *, time_limit: float = 5.0) -> tuple[Path, Path, S.Scenario, RunResult]:
    """Write the mini scenario and a solved workbook for it (no prophet: a flat synthetic forecast)."""
    from wfm.evaluate import evaluate

    folder = write_scenario(tmp / "sc")
    scenario = load_scenario(folder)
    req = make_requirements(scenario, {"phone_retail": 1, "chat": 1})
    fc = req[[S.QUEUE, S.DS]].copy()
    fc[S.YHAT] = [10.0 if 8 <= t.hour < 20 else 0.0 for t in fc[S.DS]]
    fc[S.YHAT_LOWER] = fc[S.YHAT]
    fc[S.YHAT_UPPER] = fc[S.YHAT]
    fc[S.AHT_SECONDS] = 240.0
    roster = run_roster(scenario, req, time_limit_seconds=time_limit, workers=1, seed=0)
    result = RunResult(scenario, fc, req, roster, evaluate(scenario, fc, req, roster))
    path = tmp / "roster.xlsx"
    write_workbook(path, result, run_info_for(scenario, roster.info, dt.datetime(2026, 12, 1), 1.0))
    return folder, path, scenario, result


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    return make_workbook(tmp_path_factory.mktemp("wb"))


def _grid_cell(ws, eid: str, day: dt.date) -> str:
    """The Roster cell of agent ``eid`` on ``day``, e.g. 'H3'."""
    from openpyxl.utils import get_column_letter

    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == eid)
    col = next(
        c
        for c in range(FIRST_DAY_COLUMN, ws.max_column + 1)
        if isinstance(ws.cell(1, c).value, dt.datetime) and ws.cell(1, c).value.date() == day
    )
    return f"{get_column_letter(col)}{row}"


def _edit(src: Path, dst: Path, edits: dict[tuple[str, str], object], *, as_text: bool = False) -> Path:
    wb = load_workbook(src)
    for (sheet, ref), value in edits.items():
        wb[sheet][ref] = value
        if as_text:
            wb[sheet][ref].data_type = "s"
    wb.save(dst)
    return dst


def _worked_day(result: RunResult, eid: str | None = None) -> tuple[str, dt.date, str]:
    a = result.roster.assignments
    worked = a[~a[S.SHIFT_CODE].isin([S.WORK_CODE_OFF, S.WORK_CODE_LEAVE])]
    if eid is not None:
        worked = worked[worked[S.EMPLOYEE_ID] == eid]
    r = worked.iloc[0]
    return r[S.EMPLOYEE_ID], r[S.DATE], r[S.SHIFT_CODE]


# ---------------------------------------------------------------------------
# Round trip
# ---------------------------------------------------------------------------
def test_hr_import_round_trips_exactly(solved):
    folder, path, scenario, result = solved
    back = read_roster_workbook(path, scenario)
    assert back.disagreements == ()
    want = result.roster.activities.sort_values([S.EMPLOYEE_ID, S.DATE, S.START, S.ACTIVITY]).reset_index(
        drop=True
    )
    got = back.activities.sort_values([S.EMPLOYEE_ID, S.DATE, S.START, S.ACTIVITY]).reset_index(drop=True)
    for col in S.HR_IMPORT_COLUMNS:
        if col in (S.START, S.END):
            assert (
                got[col].dt.tz_convert("UTC").to_numpy() == want[col].dt.tz_convert("UTC").to_numpy()
            ).all(), col
        else:
            assert [None if pd.isna(v) else v for v in got[col]] == [
                None if pd.isna(v) else v for v in want[col]
            ], col
    assert check_roster(scenario, back.activities).ok
    assert (
        back.requirements[S.AGENTS_REQUIRED_GROSS].sum() == result.requirements[S.AGENTS_REQUIRED_GROSS].sum()
    )
    assert recorded_scenario_dir(path) == str(folder)


def test_check_cli_on_the_workbook_recomputes_coverage_and_service_level(solved):
    _, path, _, _ = solved
    r = CliRunner().invoke(main, ["check", str(path)])
    assert r.exit_code == 0, r.output
    assert "0 hard-rule violations" in r.output
    assert "short queue-intervals" in r.output
    assert r.output.count("predicted service level") == 2  # one line per queue


# ---------------------------------------------------------------------------
# Edits
# ---------------------------------------------------------------------------
def test_roster_edit_wins_and_is_reported_by_agent_and_date(solved, tmp_path):
    _, path, scenario, result = solved
    eid, day, code = _worked_day(result)
    other = next(s.code for s in scenario.shifts if s.code != code)
    ref = _grid_cell(load_workbook(path)["Roster"], eid, day)
    edited = _edit(path, tmp_path / "edited.xlsx", {("Roster", ref): other})
    back = read_roster_workbook(edited, scenario)
    assert [(d.employee_id, d.date, d.roster, d.hr_import) for d in back.disagreements] == [
        (eid, day, other, code)
    ]
    assert (
        f"on {day}: Roster says {other}, HR_Import says {code}; the Roster wins"
        in back.disagreements[0].message
    )
    rows = back.activities[(back.activities[S.EMPLOYEE_ID] == eid) & (back.activities[S.DATE] == day)]
    shift = rows[rows[S.ACTIVITY] == "SHIFT"].iloc[0]
    template = scenario.shift(other)
    assert shift[S.SHIFT_CODE] == other
    assert shift[S.START].hour == template.start.hour
    assert (shift[S.END] - shift[S.START]) == pd.Timedelta(minutes=template.length_minutes)
    assert list(rows[S.ACTIVITY]) == (["SHIFT", "LUNCH"] if template.unpaid_minutes else ["SHIFT"])
    # every other agent-day is untouched
    rest = back.activities[~((back.activities[S.EMPLOYEE_ID] == eid) & (back.activities[S.DATE] == day))]
    assert len(rest) == len(result.roster.activities) - len(
        result.roster.activities[
            (result.roster.activities[S.EMPLOYEE_ID] == eid) & (result.roster.activities[S.DATE] == day)
        ]
    )


def test_hr_import_edit_of_times_is_kept_when_the_codes_agree(solved, tmp_path):
    _, path, scenario, result = solved
    wb = load_workbook(path)
    ws = wb["HR_Import"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 3).value == "LUNCH")
    start = ws.cell(r := row, 4).value
    ws.cell(r, 4).value = start + dt.timedelta(minutes=30)
    ws.cell(r, 5).value = ws.cell(r, 5).value + dt.timedelta(minutes=30)
    wb.save(tmp_path / "lunch.xlsx")
    back = read_roster_workbook(tmp_path / "lunch.xlsx", scenario)
    assert back.disagreements == ()
    lunch = back.activities[
        (back.activities[S.EMPLOYEE_ID] == ws.cell(r, 1).value) & (back.activities[S.ACTIVITY] == "LUNCH")
    ]
    assert (lunch[S.START].dt.tz_localize(None) == pd.Timestamp(start + dt.timedelta(minutes=30))).any()


def test_edit_onto_leave_is_a_violation_naming_agent_and_date(solved, tmp_path):
    folder, path, scenario, _ = solved
    leave_day = dt.date(2026, 12, 9)  # E002's approved leave in the mini scenario
    ref = _grid_cell(load_workbook(path)["Roster"], "E002", leave_day)
    edited = _edit(path, tmp_path / "edited.xlsx", {("Roster", ref): "D08"})
    r = CliRunner().invoke(main, ["check", str(edited), "--scenario", str(folder)])
    assert r.exit_code == 1, r.output
    assert "edited.xlsx: Roster and HR_Import disagree on 1 agent-day (the Roster wins):" in r.output
    assert "E002 李娜: works D08 on 2026-12-09, a day of approved leave" in r.output
    assert "predicted service level" in r.output


def test_unreadable_edits_name_sheet_cell_and_value(solved, tmp_path):
    folder, path, scenario, result = solved
    eid, day, _ = _worked_day(result)
    ref = _grid_cell(load_workbook(path)["Roster"], eid, day)
    edited = _edit(
        path,
        tmp_path / "bad.xlsx",
        {
            ("Roster", ref): "D99",
            ("HR_Import", "B3"): "12/9",
            ("HR_Import", "D4"): "tomorrow",
            ("HR_Import", "F5"): "lots",
        },
    )
    r = CliRunner().invoke(main, ["check", str(edited), "--scenario", str(folder)])
    assert r.exit_code == 2
    assert r.output.splitlines() == [
        "error: bad.xlsx HR_Import!B3: date '12/9' is not a date; write YYYY-MM-DD",
        "error: bad.xlsx HR_Import!D4: start 'tomorrow' is not a date and time; write e.g. 2026-12-07 08:00",
        "error: bad.xlsx HR_Import!F5: minutes 'lots' is not a number of minutes from 0 to 10080",
        f"error: bad.xlsx Roster!{ref} ({eid}, {day}): 'D99' is not a shift code (shifts: D08, D12; or OFF, LEAVE)",
    ]


def test_a_formula_is_refused_but_text_starting_with_equals_is_text(solved, tmp_path):
    folder, path, scenario, _ = solved
    formula = _edit(path, tmp_path / "f.xlsx", {("HR_Import", "F2"): "=SUM(1,2)"})
    r = CliRunner().invoke(main, ["check", str(formula), "--scenario", str(folder)])
    assert r.exit_code == 2
    assert r.output.strip() == (
        "error: f.xlsx HR_Import!F2: holds a formula (=SUM(1,2)); wfm reads values only, type the value instead"
    )
    text = _edit(path, tmp_path / "t.xlsx", {("HR_Import", "H2"): "=1+1"}, as_text=True)
    with pytest.raises(S.InputError) as err:
        read_roster_workbook(text, scenario)
    assert err.value.problems == [
        "t.xlsx HR_Import!H2: queue '=1+1' is not a queue in scenario.toml (queues: phone_retail, chat)"
    ]


# ---------------------------------------------------------------------------
# Hostile and broken files
# ---------------------------------------------------------------------------
def _refused(path: Path, scenario, limits: Limits | None = None) -> str:
    t0 = time.perf_counter()
    with pytest.raises(S.InputError) as err:
        read_roster_workbook(path, scenario, **({"limits": limits} if limits else {}))
    assert time.perf_counter() - t0 < 5
    return err.value.problems[0]


def test_encrypted_truncated_and_foreign_files_are_refused(solved, tmp_path):
    _, path, scenario, _ = solved
    ole = tmp_path / "secret.xlsx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)
    assert _refused(ole, scenario) == (
        "secret.xlsx: is password-protected (encrypted) or an old .xls workbook; "
        "save it as an Excel workbook (.xlsx) without a password"
    )
    data = path.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    assert _refused(cut, scenario) == (
        "cut.xlsx: is truncated or damaged (its zip directory cannot be read); save the workbook again"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    other = tmp_path / "other.xlsx"
    other.write_bytes(buf.getvalue())
    assert _refused(other, scenario) == "other.xlsx: is a zip file but not an Excel workbook (.xlsx)"
    assert _refused(tmp_path / "missing.xlsx", scenario) == f"{tmp_path / 'missing.xlsx'}: file not found"


def test_50_mb_junk_and_a_zip_bomb_are_refused_quickly(solved, tmp_path):
    _, _, scenario, _ = solved
    junk = tmp_path / "junk.xlsx"
    with open(junk, "wb") as fh:
        fh.write(b"PK\x03\x04")
        for _ in range(50):
            fh.write(b"\x5a" * 2**20)
    assert _refused(junk, scenario).startswith("junk.xlsx: is truncated or damaged")
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 * 2**20))
    msg = _refused(bomb, scenario)
    assert msg.startswith("bomb.xlsx: part xl/worksheets/sheet1.xml is compressed ")
    assert msg.endswith(" times (a zip bomb?); refused")


def test_limits_on_size_sheets_and_rows(solved, tmp_path):
    _, path, scenario, _ = solved
    size = _refused(path, scenario, Limits(max_file_bytes=2000))
    assert size.startswith("roster.xlsx: is ") and size.endswith(
        " KB, more than the 2 KB a wfm workbook may have"
    )
    sheets = _refused(path, scenario, Limits(max_sheets=3))
    assert sheets.startswith("roster.xlsx: has ") and sheets.endswith(" sheets, more than 3")
    assert (
        _refused(path, scenario, Limits(max_rows=5))
        == "roster.xlsx sheet HR_Import: has more than 5 rows; refused"
    )


def test_a_damaged_sheet_is_an_input_error(solved, tmp_path):
    _, path, scenario, _ = solved
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if (
                item.filename.startswith("xl/worksheets/sheet")
                and item.filename != "xl/worksheets/sheet1.xml"
            ):
                data = data[: len(data) // 2]  # cut mid-element: not well-formed XML
            dst.writestr(item, data)
    msg = _refused(damaged, scenario)
    assert msg.startswith("damaged.xlsx: cannot be read as an Excel workbook (ParseError: ")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_flipped_bytes_never_crash(solved, tmp_path, data):
    """Any byte damage either still reads or is an InputError: never another exception."""
    _, path, scenario, _ = solved
    raw = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    bad = tmp_path / "flipped.xlsx"
    bad.write_bytes(bytes(raw))
    try:
        read_roster_workbook(bad, scenario)
    except S.InputError as err:
        assert err.problems and all(
            p.startswith("flipped.xlsx") or p.startswith(str(bad)) for p in err.problems
        )


CELL_VALUES = [
    None,
    "",
    "OFF",
    "LEAVE",
    "D08",
    "d12",
    "nap",
    0,
    -5,
    1e308,
    10**20,
    True,
    "2026-12-08",
    "2026-12-08T08:00:00-05:00",
    "2026-13-45",
    "王芳",
    "chat",
    "E999",
    dt.datetime(1900, 1, 1),
    dt.datetime(9999, 12, 31),
    dt.time(8, 0),
]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_cell_edit_reads_or_is_an_input_error(solved, tmp_path, data):
    """Hand edits of any cell: the roster is read and checked, or the edit is named; never a crash."""
    from wfm.pipeline import check

    _, path, scenario, _ = solved
    wb = load_workbook(path)
    for _ in range(data.draw(st.integers(1, 4))):
        ws = wb[data.draw(st.sampled_from(["Roster", "HR_Import", "Coverage"]))]
        cell = ws.cell(data.draw(st.integers(1, 40)), data.draw(st.integers(1, ws.max_column)))
        cell.value = data.draw(st.sampled_from(CELL_VALUES))
    wb.save(tmp_path / "e.xlsx")
    try:
        back = read_roster_workbook(tmp_path / "e.xlsx", scenario)
    except S.InputError as err:
        assert all(p.startswith("e.xlsx ") for p in err.problems), err.problems
        return
    check(scenario, back.activities, back.requirements, back.forecast)
