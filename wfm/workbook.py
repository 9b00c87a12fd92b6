"""Read a wfm workbook back, safely and strictly: the Roster grid, HR_Import and Coverage sheets.

A workbook comes back from schedulers, team leads and e-mail, so it is treated
as hostile input:

* **Limits.**  A file larger than ``Limits.max_file_bytes``, a zip that would
  unpack to more than ``Limits.max_unpacked_bytes`` (or compresses one member
  more than ``Limits.max_ratio`` times: a zip bomb; or holds more shared
  strings than ``Limits.max_shared_strings_bytes``), more than
  ``Limits.max_sheets`` sheets, or a sheet read with more than
  ``Limits.max_rows`` rows or ``Limits.max_columns`` columns is refused.  The
  checks read the zip directory only, so a 50 MB junk file is refused at once.
* **Not a workbook.**  Encrypted (password-protected) workbooks and old
  ``.xls`` files are OLE containers, not zips, and are refused by name; so are
  truncated zips and zips that are not workbooks.
* **No formulas.**  Formulas are never evaluated (openpyxl does not compute
  them and external links are not loaded).  A cell holding a formula in a
  sheet wfm reads is an error naming the sheet and cell: wfm reads what the
  cell says, and a formula says nothing until a spreadsheet computes it.
  Text that merely starts with ``=`` (an agent named ``=1+1``) is text.

Every error is an :class:`~wfm.schema.InputError` (exit code 2) naming the
file, the sheet and cell (``Roster!H5``) and the value, and what to write.

**Roster against HR_Import.**  A scheduler may edit either sheet.  The rule:

* The Roster grid says *what* each agent does each day: a shift code, ``OFF``
  or ``LEAVE``.  Where a Roster cell and the day's HR_Import rows disagree on
  that (the day's ``SHIFT`` code, ``OFF`` or ``LEAVE``, or there is not exactly
  one such row), the Roster cell wins: the day's HR_Import rows are rebuilt
  from the shift template, in the layout wfm writes (``SHIFT`` with the
  template's times and its ``LUNCH``; ``OFF``; ``LEAVE`` with a fifth of the
  weekly contract credited).  The queue of a rebuilt shift is the one
  HR_Import gave that day when the agent is skilled for it, else the agent's
  first skill.  Each such day is reported as a :class:`Disagreement` naming
  the agent, the date and both values.
* Where they agree, the day's HR_Import rows are taken as they are, so edits
  of times, queues and inner activities in HR_Import are kept and checked.
* Agents or days missing from the grid keep their HR_Import rows (reported).

To change a shift's code, edit the Roster cell (or both sheets); to change
times, queue or lunch, edit HR_Import.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from wfm import schema as S
from wfm.roster.shifts import MINUTES_PER_DAY, leave_credit_minutes, shift_segments, wall_clock
from wfm.schema import InputError, Scenario

ROSTER_SHEET = "Roster"
HR_IMPORT_SHEET = "HR_Import"
COVERAGE_SHEET = "Coverage"
SUMMARY_SHEET = "Summary"
MAX_PROBLEMS = 30  # listed per read; the rest are counted
MAX_MINUTES = 7 * 24 * 60  # an HR_Import row never lasts longer than a week
MAX_NUMBER = 1e9  # Coverage: forecast contacts, handle seconds and required agents per interval

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted OOXML and legacy .xls
_ZIP_MAGIC = b"PK\x03\x04"
_MARKERS = ("SHIFT", "OFF", "LEAVE")
_FORMULA = object()  # stands for a formula cell, already reported, in the values read


@dataclass(frozen=True)
class Limits:
    """What a workbook may hold before wfm refuses to read it.

    Sized for wfm's own output with wide room to spare: the 120-agent demo
    month is under 1 MB on disk with about 6,000 HR_Import rows (openpyxl
    reads some 5,000 rows a second on a busy 2-core machine).
    """

    max_file_bytes: int = 64 * 2**20
    max_unpacked_bytes: int = 256 * 2**20
    max_shared_strings_bytes: int = 64 * 2**20  # openpyxl holds every shared string in memory
    max_ratio: float = 250.0  # unpacked / packed size of one zip member
    max_members: int = 500
    max_sheets: int = 50
    max_rows: int = 250_000
    max_columns: int = 1_000


LIMITS = Limits()


@dataclass(frozen=True)
class Disagreement:
    """An agent-day where the Roster grid and HR_Import say different things (the Roster wins)."""

    employee_id: str
    date: dt.date
    roster: str  # the Roster cell: a shift code, OFF or LEAVE ('' if the agent or day is not in the grid)
    # the day's SHIFT code, OFF or LEAVE in HR_Import, or a description ('no row', '2 rows (D08, OFF)')
    hr_import: str
    message: str


@dataclass(frozen=True)
class WorkbookRoster:
    """A roster read back from a workbook, with the Roster edits applied.

    ``activities``: HR_Import rows (``schema.HR_IMPORT_COLUMNS``; ``date`` a
    ``datetime.date``, ``start``/``end`` timezone-aware, ``minutes`` int,
    ``paid`` bool, ``queue`` None off the phone).  ``assignments``: one row per
    agent and day (employee_id, date, shift_code, queue): a shift code, OFF or
    LEAVE, and the queue served.  ``requirements`` (queue, ds,
    agents_required_gross) and ``forecast`` (queue, ds, yhat, yhat_lower,
    yhat_upper, aht_seconds) come from the Coverage sheet, when the workbook has one.
    """

    path: Path
    activities: pd.DataFrame = field(repr=False)
    assignments: pd.DataFrame = field(repr=False)
    disagreements: tuple[Disagreement, ...] = ()
    requirements: pd.DataFrame | None = field(default=None, repr=False)
    forecast: pd.DataFrame | None = field(default=None, repr=False)


# ---------------------------------------------------------------------------
# Opening a workbook safely
# ---------------------------------------------------------------------------
def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB" if n >= 2**20 else f"{n / 2**10:,.0f} KB"


def _check_container(p: Path, limits: Limits) -> None:
    """Refuse files that are not plain .xlsx zips, or too big to open, from the zip directory alone."""
    name = p.name
    if not p.exists():
        raise InputError(f"{p}: file not found")
    if not p.is_file():
        raise InputError(f"{p}: is not a file; give the path of an .xlsx workbook")
    size = p.stat().st_size
    if size > limits.max_file_bytes:
        raise InputError(
            f"{name}: is {_mb(size)}, more than the {_mb(limits.max_file_bytes)} a wfm workbook may have"
        )
    with open(p, "rb") as fh:
        head = fh.read(8)
    if head == _OLE_MAGIC:
        raise InputError(
            f"{name}: is password-protected (encrypted) or an old .xls workbook; "
            "save it as an Excel workbook (.xlsx) without a password"
        )
    if not head.startswith(_ZIP_MAGIC):
        raise InputError(
            f"{name}: not an Excel workbook (.xlsx); it may be encrypted, truncated or another format"
        )
    try:
        with zipfile.ZipFile(p) as zf:
            members = zf.infolist()
    # BadZipFile, NotImplementedError (a damaged version field), EOFError, struct.error, ...
    except Exception:
        raise InputError(
            f"{name}: is truncated or damaged (its zip directory cannot be read); save the workbook again"
        ) from None
    if len(members) > limits.max_members:
        raise InputError(
            f"{name}: holds {len(members)} parts, more than {limits.max_members}; not a wfm workbook"
        )
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise InputError(f"{name}: is a zip file but not an Excel workbook (.xlsx)")
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.max_unpacked_bytes:
        raise InputError(
            f"{name}: would unpack to {_mb(unpacked)}, more than {_mb(limits.max_unpacked_bytes)}; refused"
        )
    for m in members:
        if m.filename == "xl/sharedStrings.xml" and m.file_size > limits.max_shared_strings_bytes:
            raise InputError(
                f"{name}: its shared strings would unpack to {_mb(m.file_size)}, more than "
                f"{_mb(limits.max_shared_strings_bytes)}; refused"
            )
        if m.file_size > 2**20 and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            raise InputError(
                f"{name}: part {m.filename} is compressed {m.file_size / max(m.compress_size, 1):,.0f}"
                f" times (a zip bomb?); refused"
            )


@contextmanager
def open_workbook(path: str | os.PathLike, limits: Limits = LIMITS) -> Iterator[Any]:
    """An openpyxl workbook (read-only, formulas as written, no external links), closed on exit.

    Raises :class:`InputError` for anything that is not a readable .xlsx within ``limits``.
    """
    from openpyxl import load_workbook

    p = Path(path)
    _check_container(p, limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(p, read_only=True, data_only=False, keep_links=False, keep_vba=False)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise InputError(
            f"{p.name}: cannot be read as an Excel workbook ({type(exc).__name__}: {exc})"
        ) from None
    try:
        if len(wb.sheetnames) > limits.max_sheets:
            raise InputError(f"{p.name}: has {len(wb.sheetnames)} sheets, more than {limits.max_sheets}")
        yield wb
    except InputError:
        raise
    except Exception as exc:  # a damaged part only shows when its sheet is read (bad XML, CRC, deflate)
        raise InputError(
            f"{p.name}: cannot be read as an Excel workbook ({type(exc).__name__}: {exc})"
        ) from None
    finally:
        wb.close()


# ---------------------------------------------------------------------------
# Reading a sheet's cells
# ---------------------------------------------------------------------------
class _Problems:
    def __init__(self, fname: str):
        self.fname = fname
        self.lines: list[str] = []
        self.more = 0

    def add(self, line: str) -> None:
        if len(self.lines) < MAX_PROBLEMS:
            self.lines.append(f"{self.fname} {line}")
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.lines)

    def raise_if_any(self) -> None:
        if self.lines:
            extra = [f"... and {self.more} more problem(s)"] if self.more else []
            raise InputError(self.lines + extra)


def _ref(sheet: str, row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{sheet}!{get_column_letter(col)}{row}"


def _shown(value: Any) -> str:
    """A cell value as the scheduler sees it, for messages."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class _Sheet:
    """A sheet's cell values by row (1-based row numbers kept), formulas refused."""

    name: str
    header: list[Any]
    rows: list[tuple[int, list[Any]]]  # (row number, values), wholly empty rows dropped

    def column(self, name: str) -> int | None:
        for j, h in enumerate(self.header):
            if isinstance(h, str) and h.strip() == name:
                return j
        return None


def _read_sheet(wb: Any, sheet: str, problems: _Problems, limits: Limits) -> _Sheet | None:
    with warnings.catch_warnings():  # openpyxl warns about what it cannot read; wfm reports what it needs
        warnings.simplefilter("ignore")
        return _read_cells(wb, sheet, problems, limits)


def _read_cells(wb: Any, sheet: str, problems: _Problems, limits: Limits) -> _Sheet | None:
    if sheet not in wb.sheetnames:
        problems.add(f"has no sheet '{sheet}' (sheets: {', '.join(wb.sheetnames)})")
        return None
    ws = wb[sheet]
    first = next(ws.iter_rows(min_row=1, max_row=1, max_col=limits.max_columns + 1), ())
    header = [c.value for c in first]
    while header and header[-1] is None:
        header.pop()
    if not header:
        problems.add(f"sheet {sheet}: is empty; it needs its header row")
        return None
    if len(header) > limits.max_columns:
        problems.add(f"sheet {sheet}: has more than {limits.max_columns} columns; refused")
        return None
    for j, c in enumerate(first[: len(header)], start=1):
        if c.data_type == "f":
            problems.add(f"{_ref(sheet, 1, j)}: holds a formula ({_shown(c.value)}); type the value instead")
    rows: list[tuple[int, list[Any]]] = []
    # max_row given: openpyxl would otherwise scan the whole sheet for its size when the file does not state it
    for i, row in enumerate(
        ws.iter_rows(min_row=2, max_row=limits.max_rows + 2, max_col=len(header)), start=2
    ):
        if i - 1 > limits.max_rows:
            problems.add(f"sheet {sheet}: has more than {limits.max_rows:,} rows; refused")
            return None
        values = []
        for j, c in enumerate(row, start=1):
            v = c.value
            if c.data_type == "f":
                problems.add(
                    f"{_ref(sheet, i, j)}: holds a formula ({_shown(v)}); wfm reads values only, "
                    "type the value instead"
                )
                v = _FORMULA
            values.append(v)
        if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in values):
            values += [None] * (len(header) - len(values))
            rows.append((i, values))
    return _Sheet(sheet, header, rows)


# ---------------------------------------------------------------------------
# Typed cells
# ---------------------------------------------------------------------------
def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dt.date, dt.datetime)):
        return _shown(v)
    return str(v).strip()


def _as_date(v: Any) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date() if v.time() == dt.time(0) else None
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        s = v.strip()
        if len(s) < 10 or (len(s) > 10 and s[10] not in "T "):
            return None
        try:
            return dt.date.fromisoformat(s[:10])
        except ValueError:
            return None
    return None


def _as_timestamp(v: Any, tz: str) -> pd.Timestamp | None | str:
    """A timezone-aware timestamp; None when unreadable; 'dst' for a local time that does not exist."""
    if isinstance(v, dt.datetime):
        ts = pd.Timestamp(v)
    elif isinstance(v, str) and v.strip():
        try:
            ts = pd.Timestamp(v.strip())
        except (ValueError, TypeError):
            return None
        if pd.isna(ts):
            return None
    else:
        return None
    try:
        if ts.tzinfo is not None:
            return ts.tz_convert(tz)
        local = ts.tz_localize(tz, nonexistent="NaT", ambiguous=False)
    except (ValueError, OverflowError):  # out of pandas' range of dates
        return None
    return "dst" if pd.isna(local) else local


def _as_number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, str):
        try:
            f = float(v.strip())
        except ValueError:
            return None
        return f if math.isfinite(f) else None
    return None


_TRUE = {"TRUE", "1", "YES", "Y", "T"}
_FALSE = {"FALSE", "0", "NO", "N", "F", ""}


def _as_bool(v: Any) -> bool | None:
    if isinstance(v, bool):
        return v
    t = _text(v).upper()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    return None


# ---------------------------------------------------------------------------
# HR_Import
# ---------------------------------------------------------------------------
def _hr_import(sheet: _Sheet, scenario: Scenario, problems: _Problems) -> pd.DataFrame:
    cols = {c: sheet.column(c) for c in S.HR_IMPORT_COLUMNS}
    missing = [c for c, j in cols.items() if j is None and c != S.DETAIL]  # detail: optional (older workbooks)
    if missing:
        found = ", ".join(_text(h) for h in sheet.header)
        problems.add(f"sheet {sheet.name}: missing column(s) {', '.join(missing)} (columns found: {found})")
        return pd.DataFrame(columns=list(S.HR_IMPORT_COLUMNS))
    tz = scenario.horizon.timezone
    queues = [q.name for q in scenario.queues]
    out: list[tuple] = []
    for i, values in sheet.rows:
        if any(v is _FORMULA for v in values):
            continue
        cell = {c: (values[j], _ref(sheet.name, i, j + 1)) for c, j in cols.items() if j is not None}
        errors: list[str] = []
        v, ref = cell[S.EMPLOYEE_ID]
        eid = _text(v)
        if not eid:
            errors.append(f"{ref}: employee_id is empty")
        v, ref = cell[S.DATE]
        day = _as_date(v)
        if day is None:
            errors.append(
                f"{ref}: date '{_shown(v) if v is not None else ''}' is not a date; write YYYY-MM-DD"
            )
        v, ref = cell[S.ACTIVITY]
        activity = _text(v).upper()
        if activity not in S.ACTIVITIES:
            errors.append(f"{ref}: activity '{_text(v)}' must be one of {', '.join(S.ACTIVITIES)}")
        times = []
        for c in (S.START, S.END):
            v, ref = cell[c]
            ts = _as_timestamp(v, tz)
            if isinstance(ts, str):
                errors.append(
                    f"{ref}: {c} '{_shown(v)}' does not exist in {tz} (daylight-saving change); "
                    "write it with its UTC offset"
                )
            elif ts is None:
                errors.append(
                    f"{ref}: {c} '{_shown(v) if v is not None else ''}' is not a date and time; "
                    "write e.g. 2026-12-07 08:00"
                )
            times.append(ts)
        v, ref = cell[S.MINUTES]
        minutes = _as_number(v)
        if minutes is None or not 0 <= minutes <= MAX_MINUTES:
            errors.append(
                f"{ref}: minutes '{_shown(v) if v is not None else ''}' is not a number of minutes "
                f"from 0 to {MAX_MINUTES}"
            )
        v, ref = cell[S.PAID]
        paid = _as_bool(v)
        if paid is None:
            errors.append(f"{ref}: paid '{_shown(v)}' must be TRUE or FALSE")
        v, ref = cell[S.QUEUE]
        queue = _text(v) or None
        if queue is not None and queue not in queues:
            errors.append(
                f"{ref}: queue '{queue}' is not a queue in scenario.toml (queues: {', '.join(queues)})"
            )
        code = _text(cell[S.SHIFT_CODE][0])
        for line in errors:
            problems.add(line)
        if not errors:
            assert minutes is not None
            detail = _text(cell[S.DETAIL][0]) if S.DETAIL in cell else ""
            out.append((eid, day, activity, times[0], times[1], int(round(minutes)), paid, queue, code, detail))
    frame = pd.DataFrame(out, columns=list(S.HR_IMPORT_COLUMNS))
    return _typed(frame, tz)


def _typed(frame: pd.DataFrame, tz: str) -> pd.DataFrame:
    for c in (S.START, S.END):
        frame[c] = (
            pd.to_datetime(frame[c]).dt.tz_convert(tz)
            if len(frame)
            else pd.Series([], dtype=f"datetime64[ns, {tz}]")
        )
    frame[S.MINUTES] = frame[S.MINUTES].astype("int64")
    frame[S.PAID] = frame[S.PAID].astype(bool)
    frame[S.QUEUE] = frame[S.QUEUE].astype(object).where(frame[S.QUEUE].notna(), None)
    return frame


# ---------------------------------------------------------------------------
# The Roster grid
# ---------------------------------------------------------------------------
def _grid(sheet: _Sheet, scenario: Scenario, problems: _Problems) -> dict[tuple[str, dt.date], str]:
    """``{(employee_id, day): code}`` with code a shift code, OFF or LEAVE."""
    eid_col = sheet.column(S.EMPLOYEE_ID)
    if eid_col is None:
        problems.add(f"sheet {sheet.name}: has no employee_id column in row 1")
        return {}
    horizon = scenario.horizon
    day_cols: dict[int, dt.date] = {}
    for j, h in enumerate(sheet.header):
        day = _as_date(h) if isinstance(h, (dt.date, dt.datetime)) else None
        if day is None and isinstance(h, str) and len(h.strip()) == 10:
            day = _as_date(h)
        if day is None:
            continue
        if not horizon.start <= day <= horizon.end:
            problems.add(
                f"{_ref(sheet.name, 1, j + 1)}: day {day} is outside the scenario's horizon "
                f"{horizon.start} .. {horizon.end}; is this workbook from another scenario?"
            )
            continue
        day_cols[j] = day
    if not day_cols:
        problems.add(f"sheet {sheet.name}: row 1 has no day columns (dates)")
        return {}
    codes = {s.code.upper(): s.code for s in scenario.shifts}
    codes[S.WORK_CODE_OFF] = S.WORK_CODE_OFF
    codes[S.WORK_CODE_LEAVE] = S.WORK_CODE_LEAVE
    listed = ", ".join(s.code for s in scenario.shifts)
    agents = {a.employee_id for a in scenario.agents}
    seen: dict[str, int] = {}
    grid: dict[tuple[str, dt.date], str] = {}
    for i, values in sheet.rows:
        eid = _text(values[eid_col])
        ref = _ref(sheet.name, i, eid_col + 1)
        if not eid:
            problems.add(f"{ref}: employee_id is empty")
            continue
        if eid not in agents:
            problems.add(f"{ref}: employee_id '{eid}' is not in agents.csv")
            continue
        if eid in seen:
            problems.add(f"{ref}: employee_id '{eid}' has a second row (first in row {seen[eid]})")
            continue
        seen[eid] = i
        for j, day in day_cols.items():
            v = values[j]
            if v is _FORMULA:
                continue
            text = _text(v)
            code = codes.get(text.upper()) if isinstance(v, str) else None
            if code is None:
                where = f"{_ref(sheet.name, i, j + 1)} ({eid}, {day})"
                if not text:
                    problems.add(f"{where}: is empty; write a shift code, OFF or LEAVE")
                else:
                    problems.add(
                        f"{where}: '{_shown(v)}' is not a shift code (shifts: {listed}; or OFF, LEAVE)"
                    )
                continue
            grid[eid, day] = code
    return grid


def day_rows(scenario: Scenario, employee_id: str, day: dt.date, code: str, queue: str | None) -> list[tuple]:
    """The HR_Import rows wfm writes for ``code`` (a shift code, OFF or LEAVE) on ``day``.

    The layout of :mod:`wfm.roster.output`: a SHIFT spanning the template and
    its LUNCH (with ``[[breaks]]`` rules: the rule's default breaks and lunch); OFF or LEAVE over the day (LEAVE credits a fifth of the weekly contract).
    """
    tz = scenario.horizon.timezone
    if code in (S.WORK_CODE_OFF, S.WORK_CODE_LEAVE):
        start, end = wall_clock(day, 0, tz), wall_clock(day, MINUTES_PER_DAY, tz)
        if code == S.WORK_CODE_OFF:
            return [(employee_id, day, "OFF", start, end, 0, False, None, S.WORK_CODE_OFF)]
        agent = next(a for a in scenario.agents if a.employee_id == employee_id)
        credit = leave_credit_minutes(agent)
        return [(employee_id, day, "LEAVE", start, end, credit, True, None, S.WORK_CODE_LEAVE)]
    shift = scenario.shift(code)
    t = shift_segments(shift, day, tz)
    rows = [(employee_id, day, "SHIFT", t.start, t.end, shift.length_minutes, True, queue, code)]
    if scenario.break_rules:  # the rule's default (fixed-offset) breaks and lunch, as wfm.roster.output writes them
        from wfm.roster.breaks import default_blocks, rule_for

        for b in default_blocks(shift, rule_for(shift, scenario.break_rules)):
            at = shift.start_minute + b.offset_minutes
            rows.append(
                (employee_id, day, b.activity, wall_clock(day, at, tz), wall_clock(day, at + b.minutes, tz),
                 b.minutes, b.paid, None, code)
            )  # fmt: skip
        return rows
    if shift.unpaid_minutes > 0:
        rows.append(
            (employee_id, day, "LUNCH", t.lunch_start, t.lunch_end, shift.unpaid_minutes, False, None, code)
        )
    return rows


def _day_code(labels: list[str]) -> str:
    """What HR_Import says an agent does on a day, from its SHIFT codes, OFF and LEAVE rows."""
    if len(labels) == 1:
        return labels[0]
    if not labels:
        return "no SHIFT, OFF or LEAVE row"
    return f"{len(labels)} rows ({', '.join(labels)})"


def merge_edits(
    scenario: Scenario, grid: dict[tuple[str, dt.date], str], activities: pd.DataFrame
) -> tuple[pd.DataFrame, list[Disagreement]]:
    """HR_Import rows with the Roster grid applied (the grid wins; see the module docstring)."""
    agents = {a.employee_id: a for a in scenario.agents}
    keys = list(zip(activities[S.EMPLOYEE_ID], activities[S.DATE], strict=True))
    labels: dict[tuple[str, dt.date], list[str]] = {}
    queues: dict[tuple[str, dt.date], list[str]] = {}
    for key, act, code, queue in zip(
        keys, activities[S.ACTIVITY], activities[S.SHIFT_CODE], activities[S.QUEUE], strict=True
    ):
        labels.setdefault(key, [])
        if act in _MARKERS:
            labels[key].append(str(code) if act == "SHIFT" else act)
        if act == "SHIFT" and isinstance(queue, str):
            queues.setdefault(key, []).append(queue)
    rebuilt_days: set[tuple[str, dt.date]] = set()
    added: list[tuple] = []
    found: list[Disagreement] = []
    for (eid, day), code in sorted(grid.items()):
        said = _day_code(labels[eid, day]) if (eid, day) in labels else "no row"
        if said == code:
            continue
        agent = agents[eid]
        queue = None
        if code not in (S.WORK_CODE_OFF, S.WORK_CODE_LEAVE):
            skilled = [q.name for q in scenario.queues if q.name in agent.skills]
            given = queues.get((eid, day), [])
            queue = next((q for q in given if q in agent.skills), skilled[0] if skilled else None)
        rebuilt_days.add((eid, day))
        added += day_rows(scenario, eid, day, code, queue)
        rebuilt = f"shift {code}, queue {queue}" if queue else code
        label = f"{eid} {agent.name}".strip()
        found.append(
            Disagreement(
                eid,
                day,
                code,
                said,
                f"{label} on {day}: Roster says {code}, HR_Import says {said}; the Roster wins "
                f"(HR_Import rows of the day rebuilt as {rebuilt})",
            )
        )
    keep = [key not in rebuilt_days for key in keys]
    in_grid = {eid for eid, _ in grid}
    grid_days = {day for _, day in grid}
    for eid in sorted(set(activities[S.EMPLOYEE_ID]) - in_grid):
        if eid in agents:
            found.append(
                Disagreement(
                    eid,
                    scenario.horizon.start,
                    "",
                    "rows",
                    f"{eid} {agents[eid].name}: has no "
                    "row in Roster; its HR_Import rows are checked as they are",
                )
            )
    for day in sorted(set(scenario.horizon.days) - grid_days):
        if grid:
            found.append(
                Disagreement(
                    "",
                    day,
                    "",
                    "rows",
                    f"{day}: has no column in Roster; the HR_Import rows of the day are checked as they are",
                )
            )
    merged = activities[keep]
    if added:
        added = [row + ("",) * (len(S.HR_IMPORT_COLUMNS) - len(row)) for row in added]
        extra = _typed(pd.DataFrame(added, columns=list(S.HR_IMPORT_COLUMNS)), scenario.horizon.timezone)
        merged = pd.concat([merged, extra], ignore_index=True) if len(merged) else extra
    order = {name: i for i, name in enumerate(S.ACTIVITIES)}
    merged = (
        merged.assign(_rank=merged[S.ACTIVITY].map(order))
        .sort_values([S.EMPLOYEE_ID, S.DATE, S.START, "_rank"], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )
    return merged, found


def assignments_from(activities: pd.DataFrame) -> pd.DataFrame:
    """One row per agent and day with a single SHIFT, OFF or LEAVE row: employee_id, date, shift_code, queue."""
    markers = activities[activities[S.ACTIVITY].isin(_MARKERS)]
    single = markers[~markers.duplicated([S.EMPLOYEE_ID, S.DATE], keep=False)]
    code = single[S.SHIFT_CODE].where(single[S.ACTIVITY] == "SHIFT", single[S.ACTIVITY])
    out = pd.DataFrame(
        {
            S.EMPLOYEE_ID: single[S.EMPLOYEE_ID].astype(str),
            S.DATE: single[S.DATE],
            S.SHIFT_CODE: code.astype(str),
            S.QUEUE: single[S.QUEUE].where(single[S.ACTIVITY] == "SHIFT", None),
        }
    )
    return out.sort_values([S.EMPLOYEE_ID, S.DATE], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------
# Coverage (requirements and forecast) and Summary
# ---------------------------------------------------------------------------
def _coverage(sheet: _Sheet, scenario: Scenario, problems: _Problems) -> tuple[pd.DataFrame, pd.DataFrame]:
    need = (S.QUEUE, S.DS, S.FORECAST, S.AHT_SECONDS, S.REQUIRED)
    cols = {c: sheet.column(c) for c in need}
    missing = [c for c, j in cols.items() if j is None]
    if missing:
        problems.add(f"sheet {sheet.name}: missing column(s) {', '.join(missing)}")
        return pd.DataFrame(), pd.DataFrame()
    tz = scenario.horizon.timezone
    queues = [q.name for q in scenario.queues]
    rows = []
    for i, values in sheet.rows:
        if any(v is _FORMULA for v in values):
            continue
        row: dict[str, Any] = {}
        for c, j in cols.items():
            assert j is not None
            v, ref = values[j], _ref(sheet.name, i, j + 1)
            if c == S.QUEUE:
                row[c] = _text(v)
                if row[c] not in queues:
                    problems.add(
                        f"{ref}: queue '{row[c]}' is not a queue in scenario.toml (queues: {', '.join(queues)})"
                    )
            elif c == S.DS:
                ts = _as_timestamp(v, tz)
                if ts is None or isinstance(ts, str):
                    problems.add(f"{ref}: ds '{_shown(v) if v is not None else ''}' is not a date and time")
                    ts = None
                row[c] = ts
            else:
                number = 0.0 if v is None and c == S.AHT_SECONDS else _as_number(v)
                if number is None or not 0 <= number <= MAX_NUMBER:
                    problems.add(f"{ref}: {c} '{_shown(v) if v is not None else ''}' is not a number")
                row[c] = number
        rows.append(row)
    if problems:
        return pd.DataFrame(), pd.DataFrame()
    frame = pd.DataFrame(rows, columns=list(need))
    frame[S.DS] = pd.to_datetime(frame[S.DS], utc=True).dt.tz_convert(tz)
    req = pd.DataFrame(
        {
            S.QUEUE: frame[S.QUEUE],
            S.DS: frame[S.DS],
            S.AGENTS_REQUIRED_GROSS: frame[S.REQUIRED].round().astype(int),
        }
    )
    fc = pd.DataFrame(
        {
            S.QUEUE: frame[S.QUEUE],
            S.DS: frame[S.DS],
            S.YHAT: frame[S.FORECAST],
            S.YHAT_LOWER: frame[S.FORECAST],
            S.YHAT_UPPER: frame[S.FORECAST],
            S.AHT_SECONDS: frame[S.AHT_SECONDS],
        }
    )
    return req, fc


def recorded_scenario_dir(path: str | os.PathLike, limits: Limits = LIMITS) -> str | None:
    """The scenario folder recorded on the Summary sheet (``scenario_dir``), if any."""
    p = Path(path)
    problems = _Problems(p.name)
    with open_workbook(p, limits) as wb:
        sheet = _read_sheet(wb, SUMMARY_SHEET, problems, limits)
    problems.raise_if_any()
    assert sheet is not None
    for _, values in sheet.rows:
        if _text(values[0]) == "scenario_dir" and len(values) > 1:
            return _text(values[1]) or None
    return None


def read_roster_workbook(
    path: str | os.PathLike, scenario: Scenario, *, coverage: bool = True, limits: Limits = LIMITS
) -> WorkbookRoster:
    """Read Roster, HR_Import (and Coverage) of a wfm workbook; apply Roster edits; report disagreements.

    Raises :class:`InputError` listing every unreadable cell (sheet, cell, value) at once.
    """
    p = Path(path)
    problems = _Problems(p.name)
    with open_workbook(p, limits) as wb:
        hr_sheet = _read_sheet(wb, HR_IMPORT_SHEET, problems, limits)
        grid_sheet = _read_sheet(wb, ROSTER_SHEET, problems, limits)
        has_coverage = (
            coverage and COVERAGE_SHEET in wb.sheetnames
        )  # optional: coverage is then not recomputed
        cov_sheet = _read_sheet(wb, COVERAGE_SHEET, problems, limits) if has_coverage else None
    acts = _hr_import(hr_sheet, scenario, problems) if hr_sheet is not None else None
    grid = _grid(grid_sheet, scenario, problems) if grid_sheet is not None else {}
    req = fc = None
    if cov_sheet is not None:
        req, fc = _coverage(cov_sheet, scenario, problems)
    problems.raise_if_any()
    assert acts is not None
    merged, found = merge_edits(scenario, grid, acts)
    return WorkbookRoster(
        path=p,
        activities=merged,
        assignments=assignments_from(merged),
        disagreements=tuple(found),
        requirements=req,
        forecast=fc,
    )


__all__ = [
    "LIMITS",
    "Disagreement",
    "Limits",
    "WorkbookRoster",
    "assignments_from",
    "day_rows",
    "merge_edits",
    "open_workbook",
    "read_roster_workbook",
    "recorded_scenario_dir",
]
