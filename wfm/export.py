"""Write a run's outputs: the Excel workbook, the stage CSVs, summary.json and plots.

No business logic lives here.  A run folder is built in a hidden temporary
folder beside its final place and renamed into place at the very end, so a
failed run leaves nothing behind, and an existing run is never overwritten.

Timestamps in the workbook are real Excel date-times in the scenario's local
wall-clock time (Excel has no time zones; the zone is stated on the Summary
sheet).  CSV files carry ISO 8601 local times with their UTC offset.

Text that came from users (names, teams, queue and shift names) is always
stored as a text cell, never as a formula, whatever character it starts with.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from wfm import schema as S
from wfm.io import frame_to_csv_bytes

DATE_FMT = "yyyy-mm-dd"
DATETIME_FMT = "yyyy-mm-dd hh:mm"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
SHORT_FILL = PatternFill("solid", fgColor="F4C7C3")
OVER_FILL = PatternFill("solid", fgColor="D9EAD3")
OFF_FILL = PatternFill("solid", fgColor="EEEEEE")
LEAVE_FILL = PatternFill("solid", fgColor="FCE5CD")
# shift families, keyed by the first letter of the shift code
FAMILY_COLOURS = ("CFE2F3", "D9D2E9", "D9EAD3", "FFF2CC", "D0E0E3", "EAD1DC", "C9DAF8", "F9CB9C")

WORKBOOK_NAME = "roster.xlsx"
SHEETS = ("Summary", "Roster", "HR_Import", "Coverage", "Fairness", "Ledger", "Settings")


# ---------------------------------------------------------------------------
# Run folders
# ---------------------------------------------------------------------------
def default_run_dir(scenario_name: str, root: str | os.PathLike = "outputs", now: dt.datetime | None = None) -> Path:
    """``outputs/<scenario>-<YYYYmmdd-HHMMSS>``."""
    now = now or dt.datetime.now()
    return Path(root) / f"{scenario_name}-{now:%Y%m%d-%H%M%S}"


def check_run_dir(out: str | os.PathLike) -> Path:
    """Refuse an output folder that exists (and is not empty) or is a file."""
    p = Path(out)
    if p.is_symlink():
        raise S.OutputError(f"{p}: is a symbolic link; give a real folder path for --out")
    if p.exists():
        if p.is_file():
            raise S.OutputError(f"{p}: is an existing file; give a new folder path for --out")
        if any(p.iterdir()):
            raise S.OutputError(f"{p}: folder exists and is not empty; wfm never overwrites a run, choose a new --out")
    return p


class RunFolder:
    """A run folder written atomically: files go to a hidden temp folder renamed on ``commit``."""

    def __init__(self, final: str | os.PathLike):
        self.final = check_run_dir(final)
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.final.name}.", suffix=".tmp", dir=self.final.parent))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp, 0o777 & ~umask)  # mkdtemp makes it private; a run folder is shared like any other

    def path(self, name: str) -> Path:
        return self.tmp / name

    def commit(self) -> Path:
        check_run_dir(self.final)
        if self.final.exists():
            self.final.rmdir()  # empty folder, checked above
        os.rename(self.tmp, self.final)
        return self.final

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()


# ---------------------------------------------------------------------------
# Cell helpers
# ---------------------------------------------------------------------------
def _excel_value(v: Any) -> Any:
    """Convert pandas/numpy values to what openpyxl stores natively."""
    if v is None:
        return None
    if isinstance(v, pd.Timestamp):
        if pd.isna(v):
            return None
        return v.tz_localize(None).to_pydatetime() if v.tzinfo is not None else v.to_pydatetime()
    if isinstance(v, dt.datetime) and v.tzinfo is not None:
        return v.replace(tzinfo=None)
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return f if np.isfinite(f) else None  # Excel has no NaN or infinity: leave the cell empty
    return v


def _set(ws: Worksheet, row: int, col: int, value: Any, number_format: str | None = None) -> Cell:
    cell = ws.cell(row=row, column=col)
    v = _excel_value(value)
    cell.value = v
    if isinstance(v, str):
        cell.data_type = "s"  # text is data, never a formula (OWASP CSV/formula injection)
    if number_format:
        cell.number_format = number_format
    elif isinstance(v, dt.datetime):
        cell.number_format = DATETIME_FMT
    elif isinstance(v, dt.date):
        cell.number_format = DATE_FMT
    return cell


def _header(ws: Worksheet, row: int, names: Sequence[str], col: int = 1) -> None:
    for j, n in enumerate(names):
        c = _set(ws, row, col + j, n)
        c.font = HEADER_FONT
        c.fill = HEADER_FILL


def _fit_columns(ws: Worksheet, min_width: int = 6, max_width: int = 60) -> None:
    widths: dict[int, int] = {}
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 300)):
        for c in row:
            if c.value is None:
                continue
            if isinstance(c.value, dt.datetime):
                n = 16
            elif isinstance(c.value, dt.date):
                n = 10
            elif isinstance(c.value, float):
                n = len(f"{c.value:.2f}")
            else:
                n = max(len(s) for s in str(c.value).split("\n"))
                n += sum(1 for ch in str(c.value) if ord(ch) > 0x2E80)  # CJK characters are double width
            widths[c.column] = max(widths.get(c.column, 0), n)
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = max(min_width, min(max_width, w + 2))


def write_table(
    ws: Worksheet,
    frame: pd.DataFrame,
    *,
    start_row: int = 1,
    formats: dict[str, str] | None = None,
    freeze: bool = True,
    autofilter: bool = True,
) -> int:
    """Write a frame as a header row plus data rows; returns the next free row."""
    formats = formats or {}
    cols = list(frame.columns)
    _header(ws, start_row, cols)
    fmts = [formats.get(c) for c in cols]
    values = frame.itertuples(index=False, name=None)
    r = start_row
    for r, row in enumerate(values, start=start_row + 1):
        for j, v in enumerate(row, start=1):
            _set(ws, r, j, v, fmts[j - 1])
    if freeze and start_row == 1:
        ws.freeze_panes = "A2"
    if autofilter and len(frame):
        ws.auto_filter.ref = f"A{start_row}:{get_column_letter(len(cols))}{r}"
    return r + 1


# ---------------------------------------------------------------------------
# Sheets
# ---------------------------------------------------------------------------
def _summary_sheet(ws: Worksheet, run_info: dict[str, Any], evaluation: Any) -> None:
    r = 1
    _header(ws, r, ["item", "value"])
    for key, value in run_info.items():
        if isinstance(value, dict):
            continue
        r += 1
        _set(ws, r, 1, key)
        _set(ws, r, 2, value)
    for fname, digest in run_info.get("input_sha256", {}).items():
        r += 1
        _set(ws, r, 1, f"sha256 {fname}")
        _set(ws, r, 2, digest)
    r += 2
    _set(ws, r, 1, "Per queue, whole horizon").font = HEADER_FONT
    r = write_table(ws, _rounded(evaluation.queue_totals), start_row=r + 1, freeze=False, autofilter=False)
    r += 1
    _set(ws, r, 1, "Soft penalties by rule").font = HEADER_FONT
    r = write_table(ws, _rounded(evaluation.ledger), start_row=r + 1, freeze=False, autofilter=False)
    r += 1
    _set(ws, r, 1, "Per queue and day").font = HEADER_FONT
    write_table(
        ws, _rounded(evaluation.daily), start_row=r + 1, formats={S.DATE: DATE_FMT}, freeze=False, autofilter=False
    )
    _fit_columns(ws)
    ws.column_dimensions["B"].width = max(ws.column_dimensions["B"].width or 10, 24)


def _rounded(frame: pd.DataFrame, digits: int = 4) -> pd.DataFrame:
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(digits)
    return out


def _roster_sheet(ws: Worksheet, scenario: S.Scenario, assignments: pd.DataFrame, agents: pd.DataFrame) -> None:
    days = scenario.horizon.days
    lead = ["employee_id", "name", "team", "role", "skills", "contract_hours_per_week"]
    tail = ["days_worked", "paid_hours", "contract_target_hours", "paid_minus_target_hours"]
    _header(ws, 1, lead)
    for j, d in enumerate(days, start=len(lead) + 1):
        c = _set(ws, 1, j, d, "ddd dd mmm")
        c.font = HEADER_FONT
        c.fill = HEADER_FILL
        c.alignment = Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(j)].width = 9
    _header(ws, 1, tail, col=len(lead) + len(days) + 1)
    grid = assignments.pivot(index=S.EMPLOYEE_ID, columns=S.DATE, values=S.SHIFT_CODE)
    totals = agents.set_index(S.EMPLOYEE_ID)
    families = sorted({s.code[0] for s in scenario.shifts})
    fills = {f: PatternFill("solid", fgColor=FAMILY_COLOURS[i % len(FAMILY_COLOURS)]) for i, f in enumerate(families)}
    for i, a in enumerate(scenario.agents, start=2):
        for j, v in enumerate(
            [a.employee_id, a.name, a.team, a.role, ";".join(a.skills), a.contract_minutes_per_week / 60], start=1
        ):
            _set(ws, i, j, v, "0.0" if j == 6 else None)
        for j, d in enumerate(days, start=len(lead) + 1):
            code = grid.at[a.employee_id, d] if a.employee_id in grid.index and d in grid.columns else None
            c = _set(ws, i, j, code)
            c.alignment = Alignment(horizontal="center")
            if code == S.WORK_CODE_OFF:
                c.fill = OFF_FILL
            elif code == S.WORK_CODE_LEAVE:
                c.fill = LEAVE_FILL
            elif isinstance(code, str) and code:
                c.fill = fills.get(code[0], OFF_FILL)
        t = totals.loc[a.employee_id]
        col = len(lead) + len(days) + 1
        _set(ws, i, col, int(t["days_worked"]))
        _set(ws, i, col + 1, t["paid_minutes"] / 60, "0.0")
        _set(ws, i, col + 2, t["contract_target_minutes"] / 60, "0.0")
        _set(ws, i, col + 3, t["paid_minus_target_minutes"] / 60, "0.0")
    last_col = get_column_letter(len(lead) + len(days) + len(tail))
    ws.freeze_panes = ws.cell(row=2, column=len(lead) + 1)
    ws.auto_filter.ref = f"A1:{last_col}{len(scenario.agents) + 1}"
    for j in range(1, len(lead) + 1):
        ws.column_dimensions[get_column_letter(j)].width = (12, 10, 12, 10, 30, 12)[j - 1]
    for j in range(len(lead) + len(days) + 1, len(lead) + len(days) + len(tail) + 1):
        ws.column_dimensions[get_column_letter(j)].width = 14
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def hr_import_frame(activities: pd.DataFrame) -> pd.DataFrame:
    """The HR_Import rows in their fixed column order, sorted by agent, date and start."""
    out = activities[list(S.HR_IMPORT_COLUMNS)].copy()
    out = out.sort_values([S.EMPLOYEE_ID, S.DATE, S.START, S.ACTIVITY], kind="stable").reset_index(drop=True)
    out[S.QUEUE] = out[S.QUEUE].where(out[S.QUEUE].notna(), None)
    return out


def _hr_import_sheet(ws: Worksheet, activities: pd.DataFrame) -> None:
    frame = hr_import_frame(activities)
    write_table(ws, frame, formats={S.DATE: DATE_FMT, S.START: DATETIME_FMT, S.END: DATETIME_FMT, S.MINUTES: "0"})
    _fit_columns(ws)


def _coverage_sheet(ws: Worksheet, coverage: pd.DataFrame) -> None:
    frame = _rounded(coverage, 4)
    last = write_table(ws, frame, formats={S.DS: DATETIME_FMT, S.SERVICE_LEVEL: "0.0%", S.OCCUPANCY: "0.0%"})
    gap_col = get_column_letter(list(frame.columns).index(S.GAP) + 1)
    ref = f"{gap_col}2:{gap_col}{max(2, last - 1)}"
    ws.conditional_formatting.add(ref, CellIsRule(operator="lessThan", formula=["-0.0001"], fill=SHORT_FILL))
    ws.conditional_formatting.add(ref, CellIsRule(operator="greaterThan", formula=["1.9999"], fill=OVER_FILL))
    _fit_columns(ws)


def _settings_sheet(ws: Worksheet, scenario: S.Scenario) -> None:
    _header(ws, 1, ["scenario.toml (as read)"])
    for i, line in enumerate(scenario.raw_toml.splitlines(), start=2):
        _set(ws, i, 1, line)
    ws.column_dimensions["A"].width = 90


def write_workbook(path: str | os.PathLike, result: Any, run_info: dict[str, Any]) -> None:
    """Write the roster workbook for a pipeline :class:`~wfm.pipeline.RunResult`."""
    scenario: S.Scenario = result.scenario
    ev = result.evaluation
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    _summary_sheet(ws, run_info, ev)
    _roster_sheet(wb.create_sheet("Roster"), scenario, result.roster.assignments, ev.agents)
    _hr_import_sheet(wb.create_sheet("HR_Import"), result.roster.activities)
    _coverage_sheet(wb.create_sheet("Coverage"), ev.coverage)
    fair = wb.create_sheet("Fairness")
    write_table(fair, ev.agents)
    _fit_columns(fair)
    ledger = wb.create_sheet("Ledger")
    write_table(ledger, _rounded(result.roster.penalties), formats={S.DS: DATETIME_FMT, S.DATE: DATE_FMT})
    _fit_columns(ledger)
    _settings_sheet(wb.create_sheet("Settings"), scenario)
    wb.save(path)


# ---------------------------------------------------------------------------
# Plots
# ---------------------------------------------------------------------------
def plot_coverage(path: str | os.PathLike, coverage: pd.DataFrame, queues: Iterable[str]) -> None:
    """PNG: required against scheduled agents per queue over the horizon."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    queues = list(queues)
    fig, axes = plt.subplots(len(queues), 1, figsize=(14, 3.2 * len(queues)), sharex=True, squeeze=False)
    for ax, q in zip(axes[:, 0], queues, strict=True):
        sub = coverage[coverage[S.QUEUE] == q]
        x = sub[S.DS].dt.tz_localize(None)
        ax.step(x, sub[S.REQUIRED], where="post", color="#c0392b", lw=1.0, label="required (gross)")
        ax.step(x, sub[S.SCHEDULED], where="post", color="#2471a3", lw=1.0, label="scheduled on phone")
        short = sub[S.GAP] < 0
        ax.fill_between(x, sub[S.SCHEDULED], sub[S.REQUIRED], where=short, step="post", color="#e6b0aa", alpha=0.8,
                        label="short")
        ax.set_title(q)
        ax.set_ylabel("agents")
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="upper right", ncol=3, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


# ---------------------------------------------------------------------------
# A whole run
# ---------------------------------------------------------------------------
def _json_default(o: Any) -> Any:
    if isinstance(o, (dt.date, dt.datetime, pd.Timestamp)):
        return o.isoformat()
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return None if np.isnan(o) else float(o)
    return str(o)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def write_run(folder: RunFolder, result: Any, run_info: dict[str, Any], *, plots: bool = True) -> None:
    """Write every output of a run into ``folder`` (not yet committed)."""
    scenario: S.Scenario = result.scenario
    ev = result.evaluation
    folder.path("forecast.csv").write_bytes(frame_to_csv_bytes(result.forecast))
    folder.path("requirements.csv").write_bytes(frame_to_csv_bytes(result.requirements))
    folder.path("roster.csv").write_bytes(frame_to_csv_bytes(hr_import_frame(result.roster.activities)))
    folder.path("coverage.csv").write_bytes(frame_to_csv_bytes(ev.coverage))
    summary = dict(run_info)
    summary["queues"] = _records(ev.queue_totals)
    summary["ledger"] = _records(ev.ledger)
    folder.path("summary.json").write_text(json.dumps(summary, indent=2, default=_json_default, ensure_ascii=False))
    write_workbook(folder.path(WORKBOOK_NAME), result, run_info)
    if plots:
        plot_coverage(folder.path("coverage.png"), ev.coverage, [q.name for q in scenario.queues])
        from wfm.forecast import plot_forecast

        for q in scenario.queues:
            plot_forecast(scenario.history, result.forecast, q.name, folder.path(f"forecast_{q.name}.png"))
