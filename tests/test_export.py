"""The workbook and run folder: real cell types, exact HR_Import round trip, text never a formula, atomic writes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from wfm import schema as S
from wfm.export import SHEETS, WORKBOOK_NAME, RunFolder, hr_import_frame, write_run
from wfm.io import load_scenario, read_workbook_sheet
from wfm.pipeline import run
from wfm.validate import parse_activities

FIXTURE = Path(__file__).parent / "fixtures" / "small"


@pytest.fixture(scope="module")
def result():
    scenario = load_scenario(FIXTURE)
    # names that a spreadsheet would run as formulas if written carelessly
    hostile = ("=1+1", "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3")
    agents = list(scenario.agents)
    for i, name in enumerate(hostile):
        agents[i] = dataclasses.replace(agents[i], name=name)
    scenario = dataclasses.replace(scenario, agents=tuple(agents))
    return run(scenario, time_limit_seconds=8, workers=2)


@pytest.fixture(scope="module")
def run_dir(result, tmp_path_factory):
    target = tmp_path_factory.mktemp("runs") / "r1"
    with RunFolder(target) as folder:
        write_run(folder, result, {"scenario": result.scenario.name, "seed": 7, "input_sha256": {"a": "b"}})
        folder.commit()
    return target


def test_run_folder_contents(run_dir):
    names = {p.name for p in run_dir.iterdir()}
    assert {WORKBOOK_NAME, "roster.csv", "forecast.csv", "requirements.csv", "coverage.csv", "summary.json",
            "coverage.png"} <= names
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["seed"] == 7
    assert {q["queue"] for q in summary["queues"]} == {"phone_retail", "phone_card", "chat"}


def test_sheets_and_cell_types(run_dir):
    wb = load_workbook(run_dir / WORKBOOK_NAME)
    assert wb.sheetnames == list(SHEETS)
    hr = wb["HR_Import"]
    header = [c.value for c in hr[1]]
    assert header == list(S.HR_IMPORT_COLUMNS)
    row = [c for c in hr[2]]
    by = dict(zip(header, row, strict=True))
    assert by["date"].is_date and by["start"].is_date and by["end"].is_date
    assert by["minutes"].data_type == "n"
    assert by["paid"].data_type == "b"
    cov = wb["Coverage"]
    cov_header = [c.value for c in cov[1]]
    r2 = dict(zip(cov_header, cov[2], strict=True))
    assert r2["ds"].is_date
    assert r2["required"].data_type == "n" and r2["scheduled"].data_type == "n"
    roster = wb["Roster"]
    assert roster.freeze_panes == "G2"
    assert roster.auto_filter.ref is not None
    assert roster.page_setup.orientation == "landscape"
    assert isinstance(roster.cell(1, 7).value, dt.datetime)
    for ws in wb.worksheets:
        assert not ws.merged_cells.ranges


def test_no_formula_anywhere_and_hostile_names_are_literal_text(run_dir, result):
    wb = load_workbook(run_dir / WORKBOOK_NAME)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} holds a formula: {c.value!r}"
    names = {c.value for c in wb["Roster"]["B"]}
    assert {"=1+1", "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3"} <= names


def test_hr_import_round_trip_is_exact(run_dir, result):
    written = hr_import_frame(result.roster.activities)
    raw = read_workbook_sheet(run_dir / WORKBOOK_NAME, "HR_Import", S.HR_IMPORT_COLUMNS)
    back = parse_activities(raw, result.scenario, "HR_Import")
    pd.testing.assert_frame_equal(back.reset_index(drop=True), written.reset_index(drop=True), check_dtype=False)
    csv = parse_activities(
        pd.read_csv(run_dir / "roster.csv", dtype=str, keep_default_na=False), result.scenario, "roster.csv"
    )
    pd.testing.assert_frame_equal(csv.reset_index(drop=True), written.reset_index(drop=True), check_dtype=False)


def test_every_working_day_has_one_shift_row_spanning_the_shift(result):
    acts = result.roster.activities
    shifts = {s.code: s for s in result.scenario.shifts}
    sh = acts[acts[S.ACTIVITY] == "SHIFT"]
    assert not sh.duplicated([S.EMPLOYEE_ID, S.DATE]).any()
    for _, r in sh.iterrows():
        tpl = shifts[r[S.SHIFT_CODE]]
        assert r[S.MINUTES] == tpl.length_minutes
        assert (r[S.END] - r[S.START]) == pd.Timedelta(minutes=tpl.length_minutes)
        assert r[S.START].hour * 60 + r[S.START].minute == tpl.start_minute
    per_day = acts[acts[S.ACTIVITY].isin(["SHIFT", "OFF", "LEAVE"])].groupby([S.EMPLOYEE_ID, S.DATE]).size()
    assert (per_day == 1).all()
    assert len(per_day) == len(result.scenario.agents) * len(result.scenario.horizon.days)


def test_failed_write_leaves_nothing(result, tmp_path):
    target = tmp_path / "r2"

    class Boom(Exception):
        pass

    with pytest.raises(Boom), RunFolder(target) as folder:
        (folder.path("forecast.csv")).write_text("partial")
        raise Boom
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_run_folder_refuses_existing_run(run_dir):
    with pytest.raises(S.OutputError, match="never overwrites"):
        RunFolder(run_dir)
