"""The workbook and run folder: real cell types, exact HR_Import round trip, text never a formula, atomic writes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from wfm import schema as S
from wfm.cli import run_info_for
from wfm.evaluate import ALL_QUEUES
from wfm.export import (
    FAMILY_FILLS,
    SHEETS,
    WORKBOOK_NAME,
    RunFolder,
    csv_bytes,
    csv_escape,
    csv_unescape,
    first_full_week,
    hr_import_frame,
    intraday_frame,
    is_formula_like,
    write_run,
    write_workbook,
)
from wfm.io import load_scenario, read_workbook_sheet
from wfm.pipeline import run
from wfm.roster.shifts import shift_family
from wfm.validate import parse_activities

FIXTURE = Path(__file__).parent / "fixtures" / "small"
# names a spreadsheet would run as formulas if written carelessly (issue 11's list, and a live link)
HOSTILE = (
    "=1+1",
    "+cmd|' /C calc'!A0",
    "@SUM(A1)",
    "-2+3",
    '=HYPERLINK("http://x","click")',
    "\tTAB",
    "#N/A",
)
HOSTILE_ID = '=HYPERLINK("http://x","id")'  # E005 has no time off, so its id can change freely


@pytest.fixture(scope="module")
def result():
    scenario = load_scenario(FIXTURE)
    agents = list(scenario.agents)
    for i, name in enumerate(HOSTILE):
        agents[i] = dataclasses.replace(agents[i], name=name)
    agents[0] = dataclasses.replace(agents[0], team="=cmd|' /C notepad'!A0")
    e005 = next(i for i, a in enumerate(agents) if a.employee_id == "E005")
    agents[e005] = dataclasses.replace(agents[e005], employee_id=HOSTILE_ID)
    scenario = dataclasses.replace(scenario, agents=tuple(agents))
    return run(scenario, time_limit_seconds=8, workers=2)


@pytest.fixture(scope="module")
def run_dir(result, tmp_path_factory):
    target = tmp_path_factory.mktemp("runs") / "r1"
    info = run_info_for(result.scenario, result.roster.info, dt.datetime(2026, 11, 29, 7, 0, 0), 12.3)
    with RunFolder(target) as folder:
        write_run(folder, result, info)
        folder.commit()
    return target


@pytest.fixture(scope="module")
def wb(run_dir):
    return load_workbook(run_dir / WORKBOOK_NAME)


def _header(ws) -> list:
    return [c.value for c in ws[1]]


def _table(ws) -> pd.DataFrame:
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_run_folder_contents(run_dir, result):
    names = {p.name for p in run_dir.iterdir()}
    assert {
        WORKBOOK_NAME,
        "roster.csv",
        "forecast.csv",
        "requirements.csv",
        "coverage.csv",
        "summary.json",
        "coverage.png",
    } <= names
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["seed"] == result.roster.info.seed
    assert {q["queue"] for q in summary["queues"]} == {"phone_retail", "phone_card", "chat"}
    assert summary["all_queues"]["queue"] == ALL_QUEUES
    assert summary["all_queues"]["forecast_volume"] == pytest.approx(
        sum(q["forecast_volume"] for q in summary["queues"])
    )


def test_sheets_and_cell_types(wb):
    assert wb.sheetnames == list(SHEETS)
    hr = wb["HR_Import"]
    header = _header(hr)
    assert header == list(S.HR_IMPORT_COLUMNS)
    by = dict(zip(header, hr[2], strict=True))
    assert by["date"].is_date and by["start"].is_date and by["end"].is_date
    assert by["date"].number_format == "yyyy-mm-dd" and by["start"].number_format == "yyyy-mm-dd hh:mm"
    assert by["minutes"].data_type == "n"
    assert by["paid"].data_type == "b"
    cov = wb["Coverage"]
    r2 = dict(zip(_header(cov), cov[2], strict=True))
    assert r2["ds"].is_date
    assert r2["required"].data_type == "n" and r2["scheduled"].data_type == "n"
    roster = wb["Roster"]
    assert roster.freeze_panes == "G2"
    assert roster.auto_filter.ref == f"A1:{roster.cell(1, roster.max_column).column_letter}{roster.max_row}"
    assert roster.page_setup.orientation == "landscape"
    assert roster.page_setup.fitToWidth == 1 and roster.sheet_properties.pageSetUpPr.fitToPage
    assert isinstance(roster.cell(1, 7).value, dt.datetime)
    for ws in wb.worksheets:
        assert not ws.merged_cells.ranges, ws.title
    for name in ("HR_Import", "Intraday", "Coverage", "Fairness", "Ledger"):
        ws = wb[name]
        assert ws.freeze_panes is not None and ws.auto_filter.ref, name
        # every column sized to its contents, not Excel's default
        assert all(ws.column_dimensions[c.column_letter].width for c in ws[1]), name


def test_no_formula_anywhere_and_hostile_names_are_literal_text(wb, result):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type not in ("f", "e"), (
                    f"{ws.title}!{c.coordinate} holds {c.data_type}: {c.value!r}"
                )
    for sheet, col in (("Roster", "B"), ("Fairness", "B"), ("Intraday", "B")):
        cells = {c.value: c for c in wb[sheet][col]}
        assert set(HOSTILE) <= set(cells), sheet
        for name in HOSTILE:
            assert cells[name].data_type == "s"
            # Excel's quote prefix keeps a formula-like cell text even after the user edits it
            assert cells[name].quotePrefix == is_formula_like(name), (sheet, name)
    assert "=cmd|' /C notepad'!A0" in {c.value for c in wb["Roster"]["C"]}
    assert HOSTILE_ID in {c.value for c in wb["HR_Import"]["A"]}


def test_no_formula_in_the_xml_of_any_sheet(run_dir):
    with zipfile.ZipFile(run_dir / WORKBOOK_NAME) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode("utf-8") and "<f " not in z.read(name).decode("utf-8")


def test_hr_import_round_trip_is_exact(run_dir, result):
    written = hr_import_frame(result.roster.activities)
    raw = read_workbook_sheet(run_dir / WORKBOOK_NAME, "HR_Import", S.HR_IMPORT_COLUMNS)
    back = parse_activities(raw, result.scenario, "HR_Import")
    pd.testing.assert_frame_equal(
        back.reset_index(drop=True), written.reset_index(drop=True), check_dtype=False
    )
    text = pd.read_csv(run_dir / "roster.csv", dtype=str, keep_default_na=False)
    assert "'" + HOSTILE_ID in set(text[S.EMPLOYEE_ID])  # escaped in the CSV ...
    csv = parse_activities(text.map(csv_unescape), result.scenario, "roster.csv")  # ... and restored exactly
    pd.testing.assert_frame_equal(
        csv.reset_index(drop=True), written.reset_index(drop=True), check_dtype=False
    )


def test_csv_escaping_is_owasp_and_reversible():
    samples = [
        "=1+1",
        "+1",
        "-2+3",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "'=x",
        "''@x",
        "plain",
        "O'Brien",
        "'quoted'",
        "",
        "王芳",
        "1-2",
        "a=b",
    ]
    for s in samples:
        assert csv_unescape(csv_escape(s)) == s
        escaped = csv_escape(s)
        assert not is_formula_like(escaped), s
    assert csv_escape("=1+1") == "'=1+1" and csv_escape("plain") == "plain" and csv_escape("1-2") == "1-2"
    frame = pd.DataFrame({"name": ["=1+1", "ok", None], "n": [-3, 4, 5], "x": [-1.5, 2.0, float("nan")]})
    text = csv_bytes(frame).decode()
    assert text.splitlines() == ["name,n,x", "'=1+1,-3,-1.5", "ok,4,2.0", ",5,"]  # numbers stay numbers


def test_roster_grid_colours_by_shift_family_and_marks_off_and_leave(wb, result):
    ws = wb["Roster"]
    family = {s.code: shift_family(s) for s in result.scenario.shifts}
    seen = set()
    for row in ws.iter_rows(min_row=2, min_col=7, max_col=6 + len(result.scenario.horizon.days)):
        for c in row:
            colour = c.fill.fgColor.rgb[-6:]
            if c.value in family:
                assert colour == FAMILY_FILLS[family[c.value]].fgColor.rgb[-6:], c.coordinate
                seen.add(family[c.value])
            else:
                assert c.value in (S.WORK_CODE_OFF, S.WORK_CODE_LEAVE)
                seen.add(c.value)
    assert {S.WORK_CODE_OFF, S.WORK_CODE_LEAVE} <= seen and seen & set(FAMILY_FILLS)
    header = _header(ws)
    assert header[-4:] == ["days_worked", "paid_hours", "contract_target_hours", "paid_minus_target_hours"]
    totals = result.evaluation.agents.set_index(S.EMPLOYEE_ID)
    for row in ws.iter_rows(min_row=2, values_only=True):
        t = totals.loc[row[0]]
        assert row[-4] == t["days_worked"]
        assert row[-3] == pytest.approx(t["paid_minutes"] / 60)
        assert row[-1] == pytest.approx(t["paid_minus_target_minutes"] / 60)


def test_summary_has_run_facts_and_kpis_per_queue_per_day_and_month(wb, result):
    ws = wb["Summary"]
    rows = list(ws.iter_rows(values_only=True))
    facts = {r[0]: r[1] for r in rows if r[0] is not None and r[1] is not None}
    for key in (
        "solver_status",
        "objective",
        "bound",
        "gap",
        "seed",
        "wfm_version",
        "run_seconds",
        "timezone",
        "sha256 scenario.toml",
        "scenario_dir",
    ):
        assert key in facts, key
    assert isinstance(facts["run_started"], dt.datetime)
    assert isinstance(facts["horizon_start"], dt.datetime)  # a real date cell
    headers = [i for i, r in enumerate(rows) if r[0] == S.QUEUE]
    month = pd.DataFrame(rows[headers[0] + 1 : headers[0] + 5], columns=rows[headers[0]]).dropna(
        axis=1, how="all"
    )
    assert list(month[S.QUEUE]) == ["chat", "phone_card", "phone_retail", ALL_QUEUES]
    for col in (
        "forecast_volume",
        "required_fte",
        "scheduled_fte",
        "service_level",
        "asa_seconds",
        "abandon_rate",
        "occupancy",
    ):
        assert col in month.columns
    assert month["forecast_volume"].iloc[-1] == pytest.approx(
        month["forecast_volume"].iloc[:3].sum(), rel=1e-5
    )
    n_days = len(result.scenario.horizon.days)
    daily = pd.DataFrame(rows[headers[1] + 1 : headers[1] + 1 + 3 * n_days], columns=rows[headers[1]])
    assert daily[S.DATE].map(lambda v: isinstance(v, dt.datetime)).all() and len(daily) == 3 * n_days
    assert daily["required_fte"].map(lambda v: isinstance(v, (int, float))).all()


def test_intraday_sheet_is_a_15_minute_timeline_of_each_worked_day(wb, result):
    ws = wb["Intraday"]
    header = _header(ws)
    lead = header.index("on_phone_minutes") + 1
    slots = header[lead:]
    assert all(isinstance(s, dt.timedelta) for s in slots)  # real times of day
    assert [s - slots[0] for s in slots] == [dt.timedelta(minutes=15 * i) for i in range(len(slots))]
    acts = result.roster.activities
    shifts = acts[acts[S.ACTIVITY] == "SHIFT"]
    assert ws.max_row - 1 == len(shifts)
    lunches = acts[acts[S.ACTIVITY] == "LUNCH"].set_index([S.EMPLOYEE_ID, S.DATE])[S.MINUTES]
    for values in ws.iter_rows(min_row=2, values_only=True):
        r = dict(zip(header[:lead], values, strict=False))
        codes = list(values[lead:])
        day = r[S.DATE].date()
        shift = shifts[(shifts[S.EMPLOYEE_ID] == r[S.EMPLOYEE_ID]) & (shifts[S.DATE] == day)].iloc[0]
        assert sum(c is not None for c in codes) * 15 == shift[S.MINUTES]
        assert codes.count("L") * 15 == lunches.get((r[S.EMPLOYEE_ID], day), 0)
        assert r["on_phone_minutes"] == codes.count("P") * 15
        first = next(i for i, c in enumerate(codes) if c is not None)
        assert slots[first] == dt.timedelta(hours=shift[S.START].hour, minutes=shift[S.START].minute)


def test_intraday_frame_paints_breaks_training_and_night_shifts(tiny_scenario):
    sc = tiny_scenario()
    tz = sc.horizon.timezone
    day = sc.horizon.start

    def at(h, m=0, d=0):
        return pd.Timestamp(day + dt.timedelta(days=d)).tz_localize(tz) + pd.Timedelta(hours=h, minutes=m)

    rows = [
        ("E001", day, "SHIFT", at(9), at(18), 540, True, "retail", "D09"),
        ("E001", day, "TRAINING", at(10), at(11), 60, True, None, "D09"),
        ("E001", day, "LUNCH", at(13), at(14), 60, False, None, "D09"),
        (
            "E001",
            day,
            "BREAK",
            at(16),
            at(16, 10),
            10,
            True,
            None,
            "D09",
        ),  # 10 of 15 minutes: the slot is a break
        ("E002", day, "SHIFT", at(22), at(6, d=1), 480, True, "card", "N22"),  # crosses midnight
        ("E002", day, "WELLBEING", at(2, d=1), at(2, 15, d=1), 15, True, None, "N22"),
        ("E003", day, "OFF", at(0), at(0, d=1), 0, False, None, "OFF"),
    ]
    acts = pd.DataFrame(rows, columns=list(S.HR_IMPORT_REQUIRED)).assign(detail="")
    frame, slots = intraday_frame(sc, acts)
    assert slots[0] == 9 * 60 and slots[-1] == 30 * 60 - 15  # 09:00 to 05:45 the next morning
    assert list(frame[S.EMPLOYEE_ID]) == ["E001", "E002"]  # days off have no timeline
    e1 = frame.iloc[0, 9:].tolist()
    assert "".join(c or "." for c in e1[:36]) == "PPPPTTTTPPPPPPPPLLLLPPPPPPPPBPPPPPPP"
    assert frame.iloc[0]["on_phone_minutes"] == 540 - 60 - 60 - 10  # exact minutes, not slots
    e2 = dict(zip(slots, frame.iloc[1, 9:].tolist(), strict=True))
    assert e2[22 * 60] == "P" and e2[26 * 60] == "W" and e2[30 * 60 - 15] == "P" and e2[21 * 60 + 45] is None


def test_coverage_sheet_has_conditional_formats_and_a_line_chart_per_queue_for_the_first_full_week(
    run_dir, wb, result
):
    ws = wb["Coverage"]
    assert len(ws.conditional_formatting) >= 2
    cov = result.evaluation.coverage
    week = first_full_week(result.scenario.horizon.days)
    with zipfile.ZipFile(run_dir / WORKBOOK_NAME) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        xml = [z.read(n).decode() for n in charts]
    assert len(charts) == len(result.scenario.queues)
    assert all("<lineChart>" in x for x in xml)
    for q, x in zip(
        sorted(q.name for q in result.scenario.queues),
        sorted(xml, key=lambda t: t[t.find("<a:t>") :]),
        strict=True,
    ):
        rows = cov.index[
            (cov[S.QUEUE] == q)
            & (cov[S.DS].dt.tz_localize(None) >= pd.Timestamp(week))
            & (cov[S.DS].dt.tz_localize(None) < pd.Timestamp(week) + pd.Timedelta(days=7))
        ]
        first, last = rows.min() + 2, rows.max() + 2
        refs = set(re.findall(r"<f>'?Coverage'?!\$([A-Z]+)\$(\d+):\$[A-Z]+\$(\d+)</f>", x))
        assert {(int(a), int(b)) for _, a, b in refs} == {(first, last)}, q
        assert q in x


def test_settings_sheet_is_the_scenario_file_as_read(wb, result):
    lines = [c.value or "" for c in wb["Settings"]["A"]][1:]
    assert "\n".join(lines) == result.scenario.raw_toml.rstrip("\n")


def test_fairness_sheet_counts_weekends_late_and_night_shifts_and_hours(wb, result):
    frame = _table(wb["Fairness"]).set_index(S.EMPLOYEE_ID)
    for col in (
        "weekends_worked",
        "late_shifts",
        "night_shifts",
        "paid_hours",
        "contract_target_hours",
        "paid_minus_target_hours",
    ):
        assert col in frame.columns
    agents = result.evaluation.agents.set_index(S.EMPLOYEE_ID)
    assert (frame["paid_hours"] * 60).round().astype(int).to_dict() == agents["paid_minutes"].to_dict()
    assert frame["late_shifts"].to_dict() == agents["late_shifts"].to_dict()


def test_fairness_sheet_shows_carried_and_rolling_totals_with_a_history(wb, result, tmp_path):
    assert "rolling_weekends" not in _table(wb["Fairness"]).columns  # no history: this month alone
    ids = [a.employee_id for a in result.scenario.agents]
    history = pd.DataFrame(
        {
            S.EMPLOYEE_ID: ids,
            "months": 3,
            "weekends": [i % 4 for i in range(len(ids))],
            "holidays": [i % 2 for i in range(len(ids))],
            "late_shifts": [3 * i for i in range(len(ids))],
        }
    )
    carried = dataclasses.replace(
        result, scenario=dataclasses.replace(result.scenario, fairness_history=history)
    )
    path = tmp_path / WORKBOOK_NAME
    write_workbook(path, carried, {"scenario": "small"})
    frame = _table(load_workbook(path)["Fairness"]).set_index(S.EMPLOYEE_ID)
    h = history.set_index(S.EMPLOYEE_ID)
    assert frame["carried_weekends"].to_dict() == h["weekends"].to_dict()
    assert frame["carried_holidays"].to_dict() == h["holidays"].to_dict()
    assert frame["carried_late_shifts"].to_dict() == h["late_shifts"].to_dict()
    assert (frame["rolling_weekends"] == h["weekends"] + frame["weekends_worked"]).all()
    assert (
        frame["rolling_late_shifts"] == h["late_shifts"] + frame["late_shifts"] + frame["night_shifts"]
    ).all()
    assert (frame["holidays_worked"] == 0).all()  # December 2026 has no public holiday in China
    assert (frame["rolling_holidays"] == h["holidays"]).all()


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


def test_workbook_zip_is_valid_and_hr_import_has_every_row(run_dir):
    with zipfile.ZipFile(run_dir / WORKBOOK_NAME) as z:
        assert z.testzip() is None
        data = z.read("xl/worksheets/sheet3.xml").decode("utf-8")  # HR_Import, the third sheet
    assert data.count("<row ") == len(pd.read_csv(run_dir / "roster.csv")) + 1


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


def test_text_xml_cannot_hold_is_replaced_not_fatal(result, tmp_path):
    agents = list(result.scenario.agents)
    agents[5] = dataclasses.replace(agents[5], name="bad\x01name\x1f", team="  spaced  ")
    scenario = dataclasses.replace(result.scenario, agents=tuple(agents))
    path = tmp_path / "w.xlsx"
    write_workbook(path, dataclasses.replace(result, scenario=scenario), {"scenario": "x"})
    roster = load_workbook(path)["Roster"]
    row = [c.value for c in roster[7]]
    assert row[1] == "bad\ufffdname\ufffd" and row[2] == "  spaced  "
