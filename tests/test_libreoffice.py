"""The workbook opened in a real spreadsheet application: LibreOffice converts every sheet to CSV.

LibreOffice (``soffice --headless``) loads the written workbook and exports
each sheet with the CSV filter's options ``44,34,76,1,,0,false,true,false,
false,false,-1``: comma, double quote, UTF-8, ..., token 9 ``false`` saves
cell *values* rather than their display (full precision), token 10 ``false``
exports no formulas, and token 12 ``-1`` writes every sheet to its own
``<file>-<sheet>.csv``.  The CSVs are compared with the frames written:
dates, times and numbers intact, text literal (a formula-like name would show
its computed value if LibreOffice had run it), and every sheet present.

Without ``soffice`` the module is skipped, except under CI (``CI=true``), where
a missing LibreOffice fails: ``.ci/run`` installs it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import shutil
import subprocess

import pandas as pd
import pytest
from conftest import make_agent, make_requirements, make_scenario

from wfm import schema as S
from wfm.evaluate import evaluate
from wfm.export import SHEETS, first_full_week, hr_import_frame, intraday_frame, write_workbook
from wfm.pipeline import RunResult
from wfm.roster import solve_roster
from wfm.roster.output import ACTIVITY_ORDER

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
HOSTILE = ("=1+1", "+cmd|' /C calc'!A0", "@SUM(A1)", '=HYPERLINK("http://x","click")')
RAW_TOML = '# a scenario as read\nname = "tiny"\n\n[horizon]\nstart = "2026-12-07"  # =not a formula\n'


@pytest.fixture(scope="module")
def soffice() -> str:
    if SOFFICE is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is not installed; .ci/run installs libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
    return SOFFICE


def _with_breaks(activities: pd.DataFrame) -> pd.DataFrame:
    """A BREAK in every shift and one TRAINING hour, so the Intraday sheet shows more than lunch."""
    shifts = activities[activities[S.ACTIVITY] == "SHIFT"]
    rows = []
    for i, r in enumerate(shifts.itertuples(index=False)):
        b = r.start + pd.Timedelta(hours=2)
        rows.append(
            (r.employee_id, r.date, "BREAK", b, b + pd.Timedelta(minutes=15), 15, True, None, r.shift_code)
        )
        if i == 0:
            t = r.start + pd.Timedelta(minutes=30)
            rows.append(
                (
                    r.employee_id,
                    r.date,
                    "TRAINING",
                    t,
                    t + pd.Timedelta(hours=1),
                    60,
                    True,
                    None,
                    r.shift_code,
                )
            )
    out = pd.concat([activities, pd.DataFrame(rows, columns=list(S.HR_IMPORT_REQUIRED)).assign(detail="")], ignore_index=True)
    rank = out[S.ACTIVITY].map(ACTIVITY_ORDER)
    return (
        out.assign(_rank=rank)
        .sort_values([S.EMPLOYEE_ID, S.DATE, S.START, "_rank"], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    agents = [make_agent(f"E00{i + 1}", ("retail", "card"), name=n) for i, n in enumerate(HOSTILE)]
    agents += [make_agent("E005", ("retail",), name="王芳"), make_agent("=2+3", ("card",), name="-2+3")]
    sc = dataclasses.replace(
        make_scenario(agents=agents, days=9, start=dt.date(2026, 12, 5)), raw_toml=RAW_TOML
    )
    req = make_requirements(sc, {"retail": 2, "card": 1})
    fc = req[[S.QUEUE, S.DS]].copy()
    fc[S.YHAT] = req[S.AGENTS_REQUIRED_GROSS] * 5.0
    fc[S.YHAT_LOWER], fc[S.YHAT_UPPER], fc[S.AHT_SECONDS] = fc[S.YHAT] * 0.8, fc[S.YHAT] * 1.2, 300.0
    sol = solve_roster(sc, req, time_limit_seconds=5, workers=1)
    sol = dataclasses.replace(sol, activities=_with_breaks(sol.activities))
    result = RunResult(sc, fc, req, sol, evaluate(sc, fc, req, sol))
    folder = tmp_path_factory.mktemp("lo")
    path = folder / "roster.xlsx"
    write_workbook(
        path, result, {"scenario": sc.name, "seed": 3, "gap": 0.125, "horizon_start": sc.horizon.start}
    )
    return result, path


@pytest.fixture(scope="module")
def sheets(soffice, written, tmp_path_factory) -> dict[str, pd.DataFrame]:
    """Every sheet as LibreOffice exports it: all cells as text, header row included as row 0."""
    _, path = written
    out = tmp_path_factory.mktemp("lo-csv")
    profile = out / "profile"  # a private profile: never clash with another soffice running
    env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")  # a fixed locale: dates export as m/d/yyyy
    proc = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            CSV_FILTER,
            "--outdir",
            str(out),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert "error" not in proc.stderr.lower().replace("javaldx", ""), proc.stderr
    frames = {}
    for name in SHEETS:
        csv = out / f"{path.stem}-{name}.csv"
        assert csv.exists(), (
            f"LibreOffice wrote no CSV for sheet {name}: {sorted(p.name for p in out.iterdir())}"
        )
        frames[name] = pd.read_csv(csv, dtype=str, keep_default_na=False, header=None, skip_blank_lines=False)
    return frames


def _table(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.iloc[1:].reset_index(drop=True)
    out.columns = list(frame.iloc[0])
    return out


def _stamp(ts: pd.Series) -> list[str]:
    naive = ts.dt.tz_localize(None) if isinstance(ts.dtype, pd.DatetimeTZDtype) else ts
    return [t.strftime("%Y-%m-%d %H:%M:%S") for t in naive]


def _number(text: str) -> float | None:
    if text == "":
        return None
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def _clock(text: str) -> int:
    """Minutes after midnight from LibreOffice's export of a time value (``08:15:00 AM`` or ``24:15:00``)."""
    for fmt in ("%I:%M:%S %p", "%H:%M:%S"):
        try:
            t = dt.datetime.strptime(text, fmt)
            return t.hour * 60 + t.minute
        except ValueError:
            pass
    h, m, _ = text.split(":")  # past midnight, [h]:mm
    return int(h) * 60 + int(m)


def test_every_sheet_loads_and_exports(sheets):
    assert list(sheets) == list(SHEETS)
    for name, frame in sheets.items():
        assert len(frame) >= 2, name


def test_hr_import_survives_exactly(sheets, written):
    result, _ = written
    back = _table(sheets["HR_Import"])
    want = hr_import_frame(result.roster.activities)
    assert list(back.columns) == list(S.HR_IMPORT_COLUMNS)
    assert len(back) == len(want)
    assert list(back[S.EMPLOYEE_ID]) == list(want[S.EMPLOYEE_ID])
    assert list(back[S.DATE]) == [d.isoformat() for d in want[S.DATE]]
    assert list(back[S.START]) == _stamp(want[S.START]) and list(back[S.END]) == _stamp(want[S.END])
    assert list(back[S.MINUTES]) == [str(m) for m in want[S.MINUTES]]
    assert list(back[S.PAID]) == ["TRUE" if p else "FALSE" for p in want[S.PAID]]
    assert list(back[S.QUEUE]) == [q or "" for q in want[S.QUEUE]]
    assert list(back[S.ACTIVITY]) == list(want[S.ACTIVITY])
    assert list(back[S.SHIFT_CODE]) == list(want[S.SHIFT_CODE])


def test_roster_names_stay_literal_text_and_days_are_dates(sheets, written):
    result, _ = written
    grid = sheets["Roster"]
    header = list(grid.iloc[0])
    days = result.scenario.horizon.days
    assert [dt.datetime.strptime(h, "%m/%d/%Y").date() for h in header[6 : 6 + len(days)]] == days
    back = _table(grid).set_index("employee_id")
    assert "=2+3" in back.index  # an id is text too: had LibreOffice run it, the cell would read 5
    # LibreOffice shows =1+1 as the text it is; had it run the formula, the cell would read 2
    assert [back.at[a.employee_id, "name"] for a in result.scenario.agents] == [
        a.name for a in result.scenario.agents
    ]
    codes = result.roster.assignments.pivot(index=S.EMPLOYEE_ID, columns=S.DATE, values=S.SHIFT_CODE)
    for a in result.scenario.agents:
        assert list(back.loc[a.employee_id, header[6 : 6 + len(days)]]) == list(
            codes.loc[a.employee_id, days]
        )
    totals = result.evaluation.agents.set_index(S.EMPLOYEE_ID)
    assert [float(back.at[e, "paid_hours"]) for e in totals.index] == pytest.approx(
        list(totals["paid_minutes"] / 60)
    )


def test_coverage_numbers_dates_and_percentages_intact(sheets, written):
    result, _ = written
    back = _table(sheets["Coverage"])
    cov = result.evaluation.coverage
    assert list(back[S.DS]) == _stamp(cov[S.DS])
    for col in (S.FORECAST, S.REQUIRED, S.SCHEDULED, S.GAP, S.SERVICE_LEVEL, S.OCCUPANCY, S.ASA_SECONDS):
        got = [_number(v) for v in back[col]]
        # Excel has no NaN or infinity (an unreachable ASA): those cells are left empty
        want = [float(v) if math.isfinite(v) else None for v in cov[col].astype(float)]
        assert [g is None for g in got] == [w is None for w in want], col
        assert [g for g in got if g is not None] == pytest.approx(
            [w for w in want if w is not None], abs=1e-6
        ), col


def test_intraday_times_and_codes_intact(sheets, written):
    result, _ = written
    frame, slots = intraday_frame(result.scenario, result.roster.activities)
    back = sheets["Intraday"]
    header = list(back.iloc[0])
    lead = header.index("on_phone_minutes") + 1
    assert [_clock(h) for h in header[lead:]] == slots
    body = _table(back)
    assert list(body[S.START]) == _stamp(frame[S.START])
    want = frame.iloc[:, lead:].fillna("").to_numpy().tolist()
    assert body.iloc[:, lead:].to_numpy().tolist() == want
    assert {"P", "L", "B", "T"} <= {c for row in want for c in row}


def test_summary_fairness_ledger_and_settings(sheets, written):
    result, _ = written
    summary = sheets["Summary"]
    facts = dict(zip(summary[0], summary[1], strict=True))
    assert facts["seed"] == "3" and _number(facts["gap"]) == pytest.approx(0.125)
    assert facts["horizon_start"] == result.scenario.horizon.start.isoformat()
    fair = _table(sheets["Fairness"]).set_index(S.EMPLOYEE_ID)
    agents = result.evaluation.agents.set_index(S.EMPLOYEE_ID)
    assert [int(v) for v in fair["late_shifts"]] == list(agents["late_shifts"])
    assert [float(v) for v in fair["paid_hours"]] == pytest.approx(list(agents["paid_minutes"] / 60))
    assert list(fair["name"]) == [a.name for a in result.scenario.agents]
    ledger = _table(sheets["Ledger"])
    assert len(ledger) == len(result.roster.penalties)
    assert [float(v) for v in ledger["cost"]] == pytest.approx(
        list(result.roster.penalties["cost"]), abs=1e-6
    )
    settings = list(sheets["Settings"][0])
    assert settings[1:] == RAW_TOML.rstrip("\n").split("\n")


def test_first_full_week_is_what_the_charts_show(written):
    result, _ = written
    assert first_full_week(result.scenario.horizon.days) == dt.date(2026, 12, 7)
