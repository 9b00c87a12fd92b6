"""Write a run's outputs: the Excel workbook, the stage CSVs, summary.json and plots.

No business logic lives here.  A run folder is built in a hidden temporary
folder beside its final place and renamed into place at the very end, so a
failed run leaves nothing behind, and an existing run is never overwritten.

Timestamps in the workbook are real Excel date-times in the scenario's local
wall-clock time (Excel has no time zones; the zone is stated on the Summary
sheet).  CSV files carry ISO 8601 local times with their UTC offset.

The workbook (:data:`SHEETS`) is written in openpyxl's write-only mode: rows
stream to disk, so a 300-agent month with its intraday timeline stays within
seconds and bounded memory.  Every sheet is a plain table (no merged cells):
a header row, one row per record, numbers as numbers, dates and times as
Excel date-times with a number format, columns sized to their contents.

Formula safety (OWASP "CSV injection")
--------------------------------------
Text that came from users (names, teams, IDs, queue, shift and course names,
the scenario file) is data and must never run as a spreadsheet formula.  Text
is *formula-like* when it starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return (:data:`FORMULA_TRIGGERS`).

* ``.xlsx``: every text cell is stored as a string cell (type ``s``, never
  ``f``), whatever it starts with; a formula-like one also gets Excel's
  *quote prefix* style, the workbook form of the leading apostrophe a user
  types, so that editing the cell and pressing Enter keeps it text.  The value
  itself is unchanged, so HR_Import round-trips exactly.  Characters XML
  cannot hold (control characters other than tab, CR, LF) become U+FFFD.
* ``.csv``: OWASP's convention: a formula-like field is written with a single
  quote in front (``=1+1`` -> ``'=1+1``), quoted as CSV requires.  A field
  that already starts with quotes followed by a trigger gets one more quote,
  so :func:`csv_unescape` restores every field exactly.
* Numbers, booleans, dates and timestamps are never touched: ``-3`` stays the
  number ``-3``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from copy import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.chart import LineChart, Reference, Series
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from wfm import schema as S
from wfm.io import frame_to_csv_bytes
from wfm.roster.shifts import shift_family

DATE_FMT = "yyyy-mm-dd"
DATETIME_FMT = "yyyy-mm-dd hh:mm"
DAY_HEADER_FMT = "ddd dd mmm"
CLOCK_FMT = "[h]:mm"  # time of day; past midnight it reads 24:30, 25:00, ...
PERCENT_FMT = "0.0%"
HOURS_FMT = "0.0"
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=12)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
SHORT_FILL = PatternFill(fill_type="solid", start_color="F4C7C3", end_color="F4C7C3")  # conditional formats
OVER_FILL = PatternFill(fill_type="solid", start_color="D9EAD3", end_color="D9EAD3")
OFF_FILL = PatternFill("solid", fgColor="EEEEEE")
LEAVE_FILL = PatternFill("solid", fgColor="EAD1DC")
CENTER = Alignment(horizontal="center")
# Roster grid colours by shift family (wfm.roster.shifts.shift_family)
FAMILY_FILLS = {
    "early": PatternFill("solid", fgColor="FFF2CC"),
    "day": PatternFill("solid", fgColor="CFE2F3"),
    "late": PatternFill("solid", fgColor="F9CB9C"),
    "night": PatternFill("solid", fgColor="B4A7D6"),
}

# Summary columns whose meaning the header alone does not carry (listed in the Summary's legend)
SUMMARY_COLUMN_MEANINGS = {
    S.ASA_SECONDS: "predicted mean wait of the calls answered, in seconds, over the intervals where the "
    "wait is bounded (Erlang A for queues with patience_seconds)",
    S.UNBOUNDED_WAIT_INTERVALS: "intervals with calls whose predicted wait is unbounded (Erlang C with "
    "agents <= offered load, or no agent on the phone): left out of asa_seconds",
    S.UNBOUNDED_WAIT_CALL_SHARE: "share of the forecast calls in those intervals",
}

WORKBOOK_NAME = "roster.xlsx"
SHEETS = (
    "Summary", "Roster", "HR_Import", "Intraday", "Coverage", "Training", "Mentoring", "Fairness", "Ledger",
    "Rule_Costs", "Settings",
)  # fmt: skip

# Intraday timeline: one cell per slot, holding the activity that fills most of it
INTRADAY_SLOT_MINUTES = 15
ON_PHONE_CODE = "P"  # SHIFT time not taken by an off-phone activity
INTRADAY_CODES = {  # activity -> (cell text, fill)
    "SHIFT": (ON_PHONE_CODE, "D9EAD3"),
    "LUNCH": ("L", "FCE5CD"),
    "BREAK": ("B", "FFF2CC"),
    "TRAINING": ("T", "C9DAF8"),
    "MENTORING": ("M", "D9D2E9"),
    "WELLBEING": ("W", "D0E0E3"),
}
INTRADAY_LEAD = (
    S.EMPLOYEE_ID,
    S.NAME,
    S.TEAM,
    S.DATE,
    S.SHIFT_CODE,
    S.QUEUE,
    S.START,
    S.END,
    "on_phone_minutes",
)

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _cf_fill(colour: str) -> PatternFill:
    """A conditional-format fill (Excel reads the background colour of a rule's solid fill)."""
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


# ---------------------------------------------------------------------------
# Run folders
# ---------------------------------------------------------------------------
def default_run_dir(
    scenario_name: str, root: str | os.PathLike = "outputs", now: dt.datetime | None = None
) -> Path:
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
            raise S.OutputError(
                f"{p}: folder exists and is not empty; wfm never overwrites a run, choose a new --out"
            )
    return p


class RunFolder:
    """A run folder written atomically: files go to a hidden temp folder renamed on ``commit``."""

    def __init__(self, final: str | os.PathLike):
        self.final = check_run_dir(final)
        self.final.parent.mkdir(parents=True, exist_ok=True)
        # private (mkdtemp: 0700) while files are written, so nobody can plant a symlink in it
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.final.name}.", suffix=".tmp", dir=self.final.parent))

    def path(self, name: str) -> Path:
        return self.tmp / name

    def commit(self) -> Path:
        check_run_dir(self.final)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp, 0o777 & ~umask)  # complete: shared like any other folder
        try:
            if self.final.exists():
                self.final.rmdir()  # empty folder, checked above
            os.rename(self.tmp, self.final)  # fails (ENOTDIR, ENOTEMPTY) rather than follow a symlink or fill a run
        except OSError as exc:
            raise S.OutputError(
                f"{self.final}: cannot be created ({exc.strerror or exc}); another run may have taken it, "
                "choose a new --out"
            ) from None
        return self.final

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()


# ---------------------------------------------------------------------------
# Formula safety
# ---------------------------------------------------------------------------
def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula (it starts with a trigger).

    >>> is_formula_like("=HYPERLINK(\\"http://x\\",\\"click\\")"), is_formula_like("-2+3"), is_formula_like("王芳")
    (True, True, False)
    """
    return text[:1] in FORMULA_TRIGGERS if text else False


def _needs_csv_quote(text: str) -> bool:
    return is_formula_like(text.lstrip("'"))


def csv_escape(text: str) -> str:
    """OWASP's CSV convention: a leading single quote on formula-like text.

    >>> csv_escape("=1+1"), csv_escape("@SUM(A1)"), csv_escape("'=x"), csv_escape("O'Brien")
    ("'=1+1", "'@SUM(A1)", "''=x", "O'Brien")
    """
    return "'" + text if _needs_csv_quote(text) else text


def csv_unescape(text: str) -> str:
    """Undo :func:`csv_escape` (for readers of wfm's own CSVs): ``csv_unescape(csv_escape(t)) == t``.

    >>> csv_unescape("'=1+1"), csv_unescape("''=x"), csv_unescape("'quoted'")
    ('=1+1', "'=x", "'quoted'")
    """
    return text[1:] if text.startswith("'") and _needs_csv_quote(text[1:]) else text


def csv_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with :func:`csv_escape` applied to every text value (numbers, dates untouched)."""
    out = frame
    for col in frame.columns:
        if not (pd.api.types.is_object_dtype(frame[col]) or pd.api.types.is_string_dtype(frame[col])):
            continue  # numbers, booleans and timestamps are never escaped
        values = frame[col]
        texts = values.map(lambda v: isinstance(v, str) and _needs_csv_quote(v))
        if texts.any():
            if out is frame:
                out = frame.copy()
            out[col] = values.where(~texts, "'" + values[texts].astype(str))
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Formula-safe CSV bytes: :func:`csv_safe_frame`, ISO timestamps with offset, ISO dates."""
    return frame_to_csv_bytes(csv_safe_frame(frame))


def xlsx_text(text: str) -> str:
    """Text as an xlsx string cell can hold it: XML-illegal control characters become U+FFFD."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)


# ---------------------------------------------------------------------------
# Cells and tables (write-only worksheets)
# ---------------------------------------------------------------------------
class _Styles:
    """Cell styles of one worksheet, built once and copied onto cells (a style lookup per cell is slow)."""

    def __init__(self, ws: WriteOnlyWorksheet):
        self.ws = ws
        self._cache: dict[tuple, Any] = {}

    def get(
        self,
        number_format: str | None = None,
        *,
        fill: PatternFill | None = None,
        font: Font | None = None,
        align: Alignment | None = None,
        quote: bool = False,
    ):
        key = (number_format, fill, font, align, quote)
        style = self._cache.get(key)
        if style is None:
            c = WriteOnlyCell(self.ws)
            if number_format:
                c.number_format = number_format
            if fill is not None:
                c.fill = fill
            if font is not None:
                c.font = font
            if align is not None:
                c.alignment = align
            if quote:
                c.quotePrefix = True
            style = self._cache[key] = c._style
        return style

    def sid(self, style) -> int:
        """The workbook's id of a style (what openpyxl writes as a cell's ``s`` attribute)."""
        return self.ws.parent._cell_styles.add(style)

    def cell(self, value: Any, style=None) -> WriteOnlyCell:
        c = WriteOnlyCell(self.ws, value)
        if isinstance(value, str):
            c.data_type = "s"  # never "f" or "e", whatever the text starts with
        if style is not None:
            c._style = copy(style)
        return c

    def text(self, value: str, number_format=None, **style: Any) -> Any:
        """A text cell: a plain str when openpyxl stores it as text anyway, else a forced string cell."""
        value = xlsx_text(value)
        formula_like = is_formula_like(value)
        if not style and number_format is None and not formula_like and value not in ERROR_CODES:
            return value
        return self.cell(value, self.get(number_format, quote=formula_like, **style))

    def value(self, value: Any, number_format: str | None = None, **style: Any) -> Any:
        """Any Python value as a cell (text made safe, NaN and infinity left empty)."""
        value = _plain(value)
        if isinstance(value, str):
            return self.text(value, number_format, **style)
        if value is None and not style:
            return None
        if number_format is None and not style:
            if isinstance(value, dt.datetime):
                number_format = DATETIME_FMT
            elif isinstance(value, dt.date):
                number_format = DATE_FMT
            else:
                return value
        return self.cell(value, self.get(number_format, **style))

    def header(self, names: Iterable[Any], number_format: str | None = None) -> list[Any]:
        return [
            self.value(
                n, number_format if not isinstance(n, str) else None, font=HEADER_FONT, fill=HEADER_FILL
            )
            for n in names
        ]


def _plain(v: Any) -> Any:
    """pandas/numpy scalars as what openpyxl stores natively; timestamps as naive local wall-clock time."""
    if v is None or v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, pd.Timestamp):
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


def _column_values(series: pd.Series) -> list[Any]:
    """A column as plain Python values, converted once for the whole column."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return [None if pd.isna(t) else t.to_pydatetime() for t in series]
    if pd.api.types.is_bool_dtype(series.dtype):
        return [bool(v) for v in series]
    if pd.api.types.is_integer_dtype(series.dtype):
        return [int(v) for v in series]
    if pd.api.types.is_float_dtype(series.dtype):
        arr = series.to_numpy(float)
        return [float(v) if np.isfinite(v) else None for v in arr]
    return [_plain(v) for v in series]


def _display_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, float):
        return len(f"{value:,.2f}")
    text = str(value)
    wide = sum(1 for ch in text if ord(ch) > 0x2E80)  # CJK characters are double width
    return max((len(line) for line in text.split("\n")), default=0) + wide


def _fit_width(
    values: Sequence[Any], header: Any = None, *, sample: int = 2000, lo: int = 6, hi: int = 60
) -> float:
    """Column width (characters) for a header and values; long columns are sampled evenly."""
    step = max(1, len(values) // sample)
    w = max([_display_width(header)] + [_display_width(v) for v in values[::step]])
    return float(max(lo, min(hi, w + 2)))


def _set_widths(ws: WriteOnlyWorksheet, widths: dict[int, float]) -> None:
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = w


def _print_landscape_fit_width(ws: WriteOnlyWorksheet) -> None:
    """Print setup: landscape, scaled to one page wide, as many pages long as needed."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


class _Book(Workbook):
    """A write-only workbook whose big tables are rendered as XML text and spliced in on save.

    openpyxl builds a Python cell object and an XML element for every cell (about
    25 us each); a 300-agent month has some 600,000 cells.  The body rows of the
    table sheets are therefore rendered straight to ``<row>`` XML (about 1 us a
    cell, repeated text rendered once) with style ids from openpyxl's own style
    table, and inserted at the end of the sheet's ``sheetData`` after openpyxl
    has written everything else: header row, widths, panes, filters, print
    setup, conditional formats, charts and the style sheet.
    """

    def __init__(self) -> None:
        super().__init__(write_only=True)
        self.raw_rows: dict[str, list[str]] = {}  # sheet title -> rendered <row> elements

    def add_rows(self, ws: WriteOnlyWorksheet, rows: list[str]) -> None:
        self.raw_rows.setdefault(ws.title, []).extend(rows)

    def save_spliced(self, path: str | os.PathLike) -> None:
        buffer = io.BytesIO()
        self.save(buffer)
        buffer.seek(0)
        # a sheet's part name is fixed while saving; map it back to the sheet's rows
        parts = {ws.path.lstrip("/"): self.raw_rows.get(ws.title) for ws in self.worksheets}
        with zipfile.ZipFile(buffer) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                rows = parts.get(item.filename)
                if rows:
                    end = data.rindex(b"</sheetData>")
                    data = data[:end] + "".join(rows).encode("utf-8") + data[end:]
                zout.writestr(item.filename, data, compress_type=zipfile.ZIP_DEFLATED)


def _xml_text(text: str, quote_sid: int, text_sid: int | None = None) -> str:
    """The tail of an inline-string ``<c>`` element (after its ``r``); formula-like text gets the quote prefix."""
    text = xlsx_text(text)
    esc = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    space = ' xml:space="preserve"' if text != text.strip() else ""
    if is_formula_like(text):
        style = f' s="{quote_sid}"'
    else:
        style = f' s="{text_sid}"' if text_sid is not None else ""
    return f'{style} t="inlineStr"><is><t{space}>{esc}</t></is></c>'


def _renderer(
    styles: _Styles, number_format: str | None, *, align: Alignment | None = None
) -> Callable[[Any], str | None]:
    """Value -> tail of its ``<c>`` element, or None for an empty cell (NaN and infinity included)."""
    sid = styles.sid
    num = f' s="{sid(styles.get(number_format))}"' if number_format else ""
    text_sid = sid(styles.get(align=align)) if align is not None else None
    dates = f' s="{sid(styles.get(number_format or DATE_FMT))}"'
    stamps = f' s="{sid(styles.get(number_format or DATETIME_FMT))}"'
    quote_sid = sid(styles.get(quote=True))
    texts: dict[str, str] = {}

    def render(v: Any) -> str | None:
        if v is None:
            return None
        if isinstance(v, str):
            out = texts.get(v)
            if out is None:
                out = texts[v] = _xml_text(v, quote_sid, text_sid)
            return out
        if isinstance(v, bool):
            return f' t="b"><v>{int(v)}</v></c>'
        if isinstance(v, dt.datetime):
            return f"{stamps}><v>{to_excel(v)!r}</v></c>"
        if isinstance(v, dt.date):
            return f"{dates}><v>{to_excel(v)!r}</v></c>"
        if isinstance(v, int):
            return f"{num}><v>{v}</v></c>"
        if isinstance(v, float):
            return f"{num}><v>{v!r}</v></c>" if np.isfinite(v) else None
        plain = _plain(v)  # numpy and pandas scalars
        return render(plain if plain is not v else str(v))

    return render


def _rows_xml(columns: Sequence[Sequence[str | None]], first_row: int) -> list[str]:
    """``<row>`` elements from rendered columns (see :func:`_renderer`), the first at sheet row ``first_row``."""
    letters = [get_column_letter(j) for j in range(1, len(columns) + 1)]
    out = []
    for r, cells in enumerate(zip(*columns, strict=True), start=first_row):
        body = "".join(f'<c r="{col}{r}"{c}' for col, c in zip(letters, cells, strict=True) if c is not None)
        out.append(f'<row r="{r}">{body}</row>')
    return out


def _raw_table_rows(
    styles: _Styles, columns: list[list[Any]], names: Sequence[str], formats: dict[str, str] | None = None
) -> list[str]:
    formats = formats or {}
    rendered = []
    for name, values in zip(names, columns, strict=True):
        render = _renderer(styles, formats.get(name))
        rendered.append([render(v) for v in values])
    return _rows_xml(rendered, 2)


def _write_frame(
    ws: WriteOnlyWorksheet,
    styles: _Styles,
    frame: pd.DataFrame,
    formats: dict[str, str] | None = None,
) -> None:
    """Header plus one row per record of ``frame``, streamed (call after the sheet's layout is set)."""
    ws.append(styles.header(frame.columns))
    _append_rows(ws, styles, [_column_values(frame[c]) for c in frame.columns], list(frame.columns), formats)


def _append_rows(
    ws: WriteOnlyWorksheet,
    styles: _Styles,
    columns: list[list[Any]],
    names: list[str],
    formats: dict[str, str] | None = None,
) -> None:
    makers = _cell_makers(styles, columns, names, formats)
    for row in zip(*columns, strict=True):
        ws.append([make(v) for make, v in zip(makers, row, strict=True)])


def _cell_makers(
    styles: _Styles, columns: list[list[Any]], names: list[str], formats: dict[str, str] | None = None
) -> list[Callable[[Any], Any]]:
    """One function per column turning a plain value into what the sheet stores (styles resolved once)."""
    formats = formats or {}
    makers: list[Callable[[Any], Any]] = []
    for name, values in zip(names, columns, strict=True):
        sample = next((v for v in values if v is not None), None)
        fmt = formats.get(name)
        if fmt is None and isinstance(sample, dt.datetime):
            fmt = DATETIME_FMT
        elif fmt is None and isinstance(sample, dt.date):
            fmt = DATE_FMT
        if fmt is not None:
            style = styles.get(fmt)
            makers.append(
                lambda v, _s=style: (
                    None if v is None else (styles.text(v) if isinstance(v, str) else styles.cell(v, _s))
                )
            )
        else:
            makers.append(lambda v: styles.text(v) if isinstance(v, str) else v)
    return makers


def _frame_widths(frame: pd.DataFrame, columns: list[list[Any]] | None = None) -> dict[int, float]:
    columns = columns or [_column_values(frame[c]) for c in frame.columns]
    return {
        j: _fit_width(vals, name)
        for j, (name, vals) in enumerate(zip(frame.columns, columns, strict=True), 1)
    }


def _table_sheet(
    wb: _Book,
    title: str,
    frame: pd.DataFrame,
    formats: dict[str, str] | None = None,
    *,
    freeze: str | None = "A2",
) -> WriteOnlyWorksheet:
    """A data sheet: one table with a frozen header, an autofilter and fitted columns."""
    ws = wb.create_sheet(title)
    styles = _Styles(ws)
    columns = [_column_values(frame[c]) for c in frame.columns]
    _set_widths(ws, _frame_widths(frame, columns))
    if freeze:
        ws.freeze_panes = freeze
    if len(frame.columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{max(1, len(frame)) + 1}"
    ws.append(styles.header(frame.columns))
    wb.add_rows(ws, _raw_table_rows(styles, columns, list(frame.columns), formats))
    return ws


def _rounded(frame: pd.DataFrame, digits: int = 6) -> pd.DataFrame:
    """Floats rounded for storage (the cells' number formats decide what is shown)."""
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(digits)
    return out


def _kpi_formats(columns: Iterable[str]) -> dict[str, str]:
    fmts = {S.DATE: DATE_FMT, S.DS: DATETIME_FMT}
    for c in columns:
        if c in (S.SERVICE_LEVEL, S.OCCUPANCY, S.ABANDON_RATE, S.UNBOUNDED_WAIT_CALL_SHARE, "gap_fraction"):
            fmts[c] = PERCENT_FMT
        elif (
            c.endswith("_hours") or c.endswith("_fte") or c in (S.ASA_SECONDS, S.FORECAST, "forecast_volume")
        ):
            fmts[c] = "#,##0.0"
        elif c in (S.REQUIRED, S.SCHEDULED, S.GAP):
            fmts[c] = "0.00"
        elif c == S.AHT_SECONDS:
            fmts[c] = "0"
    return fmts


# ---------------------------------------------------------------------------
# Sheets
# ---------------------------------------------------------------------------
def _summary_sheet(wb: _Book, scenario: S.Scenario, run_info: dict[str, Any], ev: Any) -> None:
    """Key/value run facts, then per-queue tables for the month and per day, the ledger and the legends."""
    ws = wb.create_sheet("Summary")
    st = _Styles(ws)
    rows: list[list[Any]] = [st.header(["item", "value"])]
    for key, value in run_info.items():
        if isinstance(value, dict):
            continue
        if key == "run_started" and isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                pass
        fmt = {
            "gap": PERCENT_FMT, "objective": "#,##0.00", "bound": "#,##0.00",
            "breaks_gap": PERCENT_FMT, "breaks_objective": "#,##0.00", "breaks_bound": "#,##0.00",
        }.get(key)
        rows.append([st.text(str(key)), st.value(value, fmt)])
    if "timezone" not in run_info:
        rows.append([st.text("timezone"), st.text(scenario.horizon.timezone)])
    for fname, digest in run_info.get("input_sha256", {}).items():
        rows.append([st.text(f"sha256 {fname}"), st.text(str(digest))])

    month = _rounded(pd.concat([ev.queue_totals, ev.overall], ignore_index=True))
    daily = _rounded(ev.daily)
    tables = [
        ("Per queue, whole horizon", month),
        ("Per queue and day", daily),
        ("Soft penalties by rule", _rounded(ev.ledger)),
    ]
    widths: dict[int, float] = {1: 26.0, 2: 26.0}
    for _, frame in tables:
        for j, w in _frame_widths(frame).items():
            widths[j] = max(widths.get(j, 0), w)
    _set_widths(ws, widths)
    _print_landscape_fit_width(ws)
    for row in rows:
        ws.append(row)
    for title, frame in tables:
        ws.append([])
        ws.append([st.value(title, font=TITLE_FONT)])
        _write_frame(ws, st, frame, _kpi_formats(frame.columns))
    ws.append([])
    ws.append([st.value("Legend", font=TITLE_FONT)])
    ws.append(st.header(["sheet", "cell", "meaning"]))
    for family, fill in FAMILY_FILLS.items():
        ws.append(["Roster", st.value(family, fill=fill), f"a shift of the {family} family"])
    ws.append(["Roster", st.value(S.WORK_CODE_OFF, fill=OFF_FILL), "day off"])
    ws.append(["Roster", st.value(S.WORK_CODE_LEAVE, fill=LEAVE_FILL), "approved leave"])
    for activity, (code, colour) in INTRADAY_CODES.items():
        meaning = (
            "on the phone (shift time without an off-phone activity)" if activity == "SHIFT" else activity
        )
        ws.append(["Intraday", st.value(code, fill=PatternFill("solid", fgColor=colour)), meaning.lower()])
    for column, meaning in SUMMARY_COLUMN_MEANINGS.items():
        ws.append(["Summary", st.text(column), meaning])


def _roster_sheet(wb: _Book, scenario: S.Scenario, assignments: pd.DataFrame, agents: pd.DataFrame) -> None:
    """Agents x days grid of shift codes coloured by family, with each agent's totals against contract."""
    ws = wb.create_sheet("Roster")
    st = _Styles(ws)
    days = scenario.horizon.days
    lead = ["employee_id", "name", "team", "role", "skills", "contract_hours_per_week"]
    tail = ["days_worked", "paid_hours", "contract_target_hours", "paid_minus_target_hours"]
    n_cols = len(lead) + len(days) + len(tail)
    n_rows = len(scenario.agents) + 1
    grid = {
        (e, d): c for e, d, c in assignments[[S.EMPLOYEE_ID, S.DATE, S.SHIFT_CODE]].itertuples(index=False)
    }
    totals = agents.set_index(S.EMPLOYEE_ID)
    code_style = {
        s.code: st.get(fill=FAMILY_FILLS.get(shift_family(s)), align=CENTER) for s in scenario.shifts
    }
    code_style[S.WORK_CODE_OFF] = st.get(fill=OFF_FILL, align=CENTER)
    code_style[S.WORK_CODE_LEAVE] = st.get(fill=LEAVE_FILL, align=CENTER)
    plain_code = st.get(align=CENTER)
    hours = st.get(HOURS_FMT)

    lead_values = [
        [a.employee_id for a in scenario.agents],
        [a.name for a in scenario.agents],
        [a.team for a in scenario.agents],
        [a.role for a in scenario.agents],
        [";".join(a.skills) for a in scenario.agents],
    ]
    widths = {j: _fit_width(v, lead[j - 1]) for j, v in enumerate(lead_values, start=1)}
    widths[len(lead)] = float(len(lead[-1]) + 2)
    widths.update({j: 11.0 for j in range(len(lead) + 1, len(lead) + len(days) + 1)})  # "Mon 07 Dec"
    widths.update(
        {
            j: float(len(tail[j - len(lead) - len(days) - 1]) + 2)
            for j in range(len(lead) + len(days) + 1, n_cols + 1)
        }
    )
    _set_widths(ws, widths)
    ws.freeze_panes = ws_cell_ref(2, len(lead) + 1)
    ws.auto_filter.ref = f"A1:{get_column_letter(n_cols)}{n_rows}"
    _print_landscape_fit_width(ws)
    ws.print_title_rows = "1:1"
    ws.print_title_cols = "A:B"
    diff_col = get_column_letter(n_cols)
    ws.conditional_formatting.add(
        f"{diff_col}2:{diff_col}{max(2, n_rows)}",
        CellIsRule(operator="lessThan", formula=["-0.05"], fill=SHORT_FILL),
    )

    ws.append(st.header(lead) + st.header(days, DAY_HEADER_FMT) + st.header(tail))
    for a in scenario.agents:
        row = [
            st.text(a.employee_id),
            st.text(a.name),
            st.text(a.team),
            st.text(a.role),
            st.text(";".join(a.skills)),
            st.cell(a.contract_minutes_per_week / 60, hours),
        ]
        for d in days:
            code = grid.get((a.employee_id, d))
            row.append(
                None if code is None else st.cell(xlsx_text(str(code)), code_style.get(code, plain_code))
            )
        t = totals.loc[a.employee_id]
        row += [
            int(t["days_worked"]),
            st.cell(float(t["paid_minutes"]) / 60, hours),
            st.cell(float(t["contract_target_minutes"]) / 60, hours),
            st.cell(float(t["paid_minus_target_minutes"]) / 60, hours),
        ]
        ws.append(row)


def ws_cell_ref(row: int, col: int) -> str:
    """``A1``-style reference of a cell."""
    return f"{get_column_letter(col)}{row}"


def hr_import_frame(activities: pd.DataFrame) -> pd.DataFrame:
    """The HR_Import rows in their fixed column order, sorted by agent, date and start."""
    out = activities[list(S.HR_IMPORT_COLUMNS)].copy()
    out = out.sort_values([S.EMPLOYEE_ID, S.DATE, S.START, S.ACTIVITY], kind="stable").reset_index(drop=True)
    out[S.QUEUE] = out[S.QUEUE].where(out[S.QUEUE].notna(), None)
    return out


def _hr_import_sheet(wb: _Book, activities: pd.DataFrame) -> None:
    formats = {S.DATE: DATE_FMT, S.START: DATETIME_FMT, S.END: DATETIME_FMT, S.MINUTES: "0"}
    _table_sheet(wb, "HR_Import", hr_import_frame(activities), formats)


def _minutes_of_day(ts: pd.Series, day: pd.Series) -> np.ndarray:
    """Wall-clock minutes from midnight of each row's roster day (past midnight: 1440 and more)."""
    naive = ts.dt.tz_localize(None) if isinstance(ts.dtype, pd.DatetimeTZDtype) else ts
    midnight = pd.to_datetime(day.map(lambda d: dt.datetime(d.year, d.month, d.day)))
    return ((naive - midnight).dt.total_seconds() // 60).to_numpy(np.int64)


def intraday_frame(scenario: S.Scenario, activities: pd.DataFrame) -> tuple[pd.DataFrame, list[int]]:
    """The Intraday timeline: one row per agent and worked day, one column per 15-minute slot.

    Returns ``(frame, slot_starts)``.  ``frame`` holds :data:`INTRADAY_LEAD`
    then one column per slot; ``slot_starts`` are the slots' wall-clock minutes
    from the roster day's midnight (a night shift's slots run past 1440).  The
    slots span the earliest to the latest minute any shift works.  A slot holds
    the code (:data:`INTRADAY_CODES`) of the activity that fills most of its
    minutes, ``P`` for on-phone shift time, and is empty outside the shift;
    ``on_phone_minutes`` counts exact minutes, not slots.
    """
    acts = activities[activities[S.ACTIVITY].isin(list(INTRADAY_CODES))]
    shifts = acts[acts[S.ACTIVITY] == "SHIFT"].sort_values([S.EMPLOYEE_ID, S.DATE, S.START], kind="stable")
    if shifts.empty:
        return pd.DataFrame(columns=list(INTRADAY_LEAD)), []
    off = acts[acts[S.ACTIVITY] != "SHIFT"]
    grid = INTRADAY_SLOT_MINUTES
    s0 = _minutes_of_day(shifts[S.START], shifts[S.DATE])
    s1 = _minutes_of_day(shifts[S.END], shifts[S.DATE])
    first = int(s0.min()) // grid * grid
    last = -(-int(s1.max()) // grid) * grid
    n_slots = (last - first) // grid
    codes = list(INTRADAY_CODES)  # 0 = no activity, 1 = SHIFT (on phone), 2.. off-phone
    # minute-level activity per (agent, day), off-phone activities painted over the shift
    o0 = _minutes_of_day(off[S.START], off[S.DATE]) if len(off) else np.array([], np.int64)
    o1 = _minutes_of_day(off[S.END], off[S.DATE]) if len(off) else np.array([], np.int64)
    off_by_day: dict[tuple[str, dt.date], list[tuple[int, int, int]]] = {}
    for (eid, day, act), a, b in zip(
        off[[S.EMPLOYEE_ID, S.DATE, S.ACTIVITY]].itertuples(index=False), o0, o1, strict=True
    ):
        off_by_day.setdefault((eid, day), []).append((int(a), int(b), codes.index(act) + 1))
    slot_text = np.array([None] + [INTRADAY_CODES[c][0] for c in codes], dtype=object)
    timeline = np.empty((len(shifts), n_slots), dtype=object)
    on_phone = np.zeros(len(shifts), dtype=np.int64)
    minutes = np.zeros(last - first, dtype=np.int8)
    for i, (eid, day, a, b) in enumerate(zip(shifts[S.EMPLOYEE_ID], shifts[S.DATE], s0, s1, strict=True)):
        minutes[:] = 0
        minutes[a - first : b - first] = 1
        for x, y, code in off_by_day.get((eid, day), ()):
            minutes[max(x, a) - first : max(min(y, b), a) - first] = code
        on_phone[i] = int((minutes == 1).sum())
        counts = np.stack([(minutes.reshape(n_slots, grid) == k).sum(axis=1) for k in range(len(codes) + 1)])
        counts[0] = 0  # an empty minute never wins over a worked one
        best = counts.argmax(axis=0)
        best[counts.max(axis=0) == 0] = 0
        timeline[i] = slot_text[best]
    agents = {a.employee_id: a for a in scenario.agents}
    shifts = shifts.reset_index(drop=True)
    lead = pd.DataFrame(
        {
            S.EMPLOYEE_ID: shifts[S.EMPLOYEE_ID],
            S.NAME: [agents[e].name if e in agents else None for e in shifts[S.EMPLOYEE_ID]],
            S.TEAM: [agents[e].team if e in agents else None for e in shifts[S.EMPLOYEE_ID]],
            S.DATE: shifts[S.DATE],
            S.SHIFT_CODE: shifts[S.SHIFT_CODE],
            S.QUEUE: shifts[S.QUEUE],
            S.START: shifts[S.START],
            S.END: shifts[S.END],
            "on_phone_minutes": on_phone,
        }
    )
    slots = list(range(first, last, grid))
    body = pd.DataFrame(timeline, columns=[_clock(m) for m in slots])
    return pd.concat([lead, body], axis=1), slots


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _intraday_sheet(wb: _Book, scenario: S.Scenario, activities: pd.DataFrame) -> None:
    ws = wb.create_sheet("Intraday")
    st = _Styles(ws)
    frame, slots = intraday_frame(scenario, activities)
    lead = frame[list(INTRADAY_LEAD)]
    lead_cols = [_column_values(lead[c]) for c in lead.columns]
    # start/end keep their time zone in pandas; the sheet shows local wall-clock time like every sheet
    widths = _frame_widths(lead, lead_cols)
    widths.update({j: 5.5 for j in range(len(INTRADAY_LEAD) + 1, len(INTRADAY_LEAD) + len(slots) + 1)})
    _set_widths(ws, widths)
    ws.freeze_panes = ws_cell_ref(2, 3)
    n_cols = len(INTRADAY_LEAD) + len(slots)
    ws.auto_filter.ref = f"A1:{get_column_letter(n_cols)}{max(1, len(frame)) + 1}"
    if slots:
        ref = f"{get_column_letter(len(INTRADAY_LEAD) + 1)}2:{get_column_letter(n_cols)}{max(2, len(frame) + 1)}"
        # colours by conditional formatting: a handful of rules instead of a style on each of ~10^5 cells
        for code, colour in INTRADAY_CODES.values():
            ws.conditional_formatting.add(
                ref, CellIsRule(operator="equal", formula=[f'"{code}"'], fill=_cf_fill(colour))
            )
    _print_landscape_fit_width(ws)
    ws.print_title_rows = "1:1"
    # slot headers are real times of day (fractions of a day); past midnight they read 24:15, ...
    ws.append(st.header(INTRADAY_LEAD) + st.header([m / 1440 for m in slots], CLOCK_FMT))
    formats = {S.DATE: DATE_FMT, S.START: DATETIME_FMT, S.END: DATETIME_FMT}
    render_slot = _renderer(st, None, align=CENTER)
    slot_columns = [[render_slot(v) for v in frame[c]] for c in frame.columns[len(INTRADAY_LEAD) :]]
    lead_rendered = []
    for name, values in zip(INTRADAY_LEAD, lead_cols, strict=True):
        render = _renderer(st, formats.get(name))
        lead_rendered.append([render(v) for v in values])
    wb.add_rows(ws, _rows_xml(lead_rendered + slot_columns, 2))


def first_full_week(days: Sequence[dt.date]) -> dt.date:
    """The Monday of the first Monday-to-Sunday week inside ``days`` (else the first day).

    >>> first_full_week([dt.date(2026, 12, 1) + dt.timedelta(days=i) for i in range(31)])
    datetime.date(2026, 12, 7)
    """
    have = set(days)
    for d in days:
        if d.weekday() == 0 and all(d + dt.timedelta(days=k) in have for k in range(7)):
            return d
    return days[0]


def _coverage_sheet(
    wb: _Book, scenario: S.Scenario, coverage: pd.DataFrame, chart_week: dt.date | None
) -> None:
    """Per queue and interval; gap and service level coloured; a line chart per queue for one week."""
    frame = _rounded(coverage)
    cols = list(frame.columns)
    ws = _table_sheet(wb, "Coverage", frame, _kpi_formats(cols))
    last = len(frame) + 1
    gap = get_column_letter(cols.index(S.GAP) + 1)
    ref = f"{gap}2:{gap}{max(2, last)}"
    ws.conditional_formatting.add(ref, CellIsRule(operator="lessThan", formula=["-0.0001"], fill=SHORT_FILL))
    ws.conditional_formatting.add(ref, CellIsRule(operator="greaterThan", formula=["1.9999"], fill=OVER_FILL))
    sl = get_column_letter(cols.index(S.SERVICE_LEVEL) + 1)
    ws.conditional_formatting.add(
        f"{sl}2:{sl}{max(2, last)}",
        ColorScaleRule(
            start_type="num",
            start_value=0.5,
            start_color="F8696B",
            mid_type="num",
            mid_value=0.8,
            mid_color="FFEB84",
            end_type="num",
            end_value=1,
            end_color="63BE7B",
        ),
    )
    if frame.empty:
        return
    week = chart_week or first_full_week(scenario.horizon.days)
    week_start = pd.Timestamp(week)
    local = (
        frame[S.DS].dt.tz_localize(None) if isinstance(frame[S.DS].dtype, pd.DatetimeTZDtype) else frame[S.DS]
    )
    in_week = ((local >= week_start) & (local < week_start + pd.Timedelta(days=7))).to_numpy()
    ds_col, req_col, sch_col = (cols.index(c) + 1 for c in (S.DS, S.REQUIRED, S.SCHEDULED))
    anchor_col = get_column_letter(len(cols) + 2)
    n = 0
    for q in scenario.queues:
        rows = np.flatnonzero(in_week & (frame[S.QUEUE] == q.name).to_numpy())
        if rows.size == 0:
            continue
        r0, r1 = (
            int(rows[0]) + 2,
            int(rows[-1]) + 2,
        )  # sheet rows (header is row 1); a queue's week is contiguous
        chart = LineChart()
        chart.title = f"{q.name}, week of {week:%Y-%m-%d}"
        chart.y_axis.title = "agents"
        chart.y_axis.number_format = "0"
        chart.legend.position = "b"
        chart.x_axis.number_format = "ddd hh:mm"
        chart.x_axis.tickLblSkip = max(1, (r1 - r0 + 1) // 14)
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.height, chart.width = 8, 26
        for col, label in ((req_col, "required"), (sch_col, "scheduled on phone")):
            series = Series(Reference(ws, min_col=col, min_row=r0, max_row=r1), title=label)
            series.smooth = False
            series.graphicalProperties.line.width = 15000
            chart.series.append(series)
        chart.set_categories(Reference(ws, min_col=ds_col, min_row=r0, max_row=r1))
        ws.add_chart(chart, f"{anchor_col}{2 + 17 * n}")
        n += 1


def fairness_frame(agents: pd.DataFrame, totals: pd.DataFrame | None = None) -> pd.DataFrame:
    """The Fairness sheet: per agent, weekends, early/late/night shifts, and hours against contract.

    ``totals`` (:func:`wfm.roster.rules.fairness.rolling_totals`, given when
    burden is carried from the plan store) adds, after the month's weekends
    and shifts, the counts carried from the previous months (``carried_*``)
    and the rolling totals the fairness terms compare (``rolling_*``: carried
    plus this month) of weekends, public holidays and late shifts (late and
    night), and the month's ``holidays_worked``.
    """
    out = agents.copy()
    rolling: list[str] = []
    if totals is not None:
        rolling = [
            "carried_weekends",
            "rolling_weekends",
            "holidays_worked",
            "carried_holidays",
            "rolling_holidays",
            "carried_late_shifts",
            "rolling_late_shifts",
        ]
        extra = totals.rename(columns={"month_holidays": "holidays_worked"})
        out = out.merge(extra[[S.EMPLOYEE_ID, *rolling]], on=S.EMPLOYEE_ID, how="left", validate="one_to_one")
    for m in (
        "paid_minutes",
        "contract_target_minutes",
        "paid_minus_target_minutes",
        S.CONTRACT_MINUTES_PER_WEEK,
    ):
        if m in out:
            out[m.replace("minutes", "hours")] = out[m] / 60.0
            out = out.drop(columns=m)
    order = [
        S.EMPLOYEE_ID,
        S.NAME,
        S.TEAM,
        S.ROLE,
        S.SKILLS,
        "contract_hours_per_week",
        "days_worked",
        "leave_days",
        "weekends_worked",
        "weekend_days",
        "early_shifts",
        "late_shifts",
        "night_shifts",
        *rolling,
        "paid_hours",
        "contract_target_hours",
        "paid_minus_target_hours",
    ]
    return out[[c for c in order if c in out] + [c for c in out if c not in order]]


def _fairness_sheet(wb: _Book, agents: pd.DataFrame, totals: pd.DataFrame | None = None) -> None:
    frame = fairness_frame(agents, totals)
    fmts = {c: HOURS_FMT for c in frame.columns if c.endswith("_hours") or c.endswith("_per_week")}
    ws = _table_sheet(wb, "Fairness", frame, fmts, freeze="C2")
    if "paid_minus_target_hours" in frame and len(frame):
        col = get_column_letter(list(frame.columns).index("paid_minus_target_hours") + 1)
        ws.conditional_formatting.add(
            f"{col}2:{col}{len(frame) + 1}",
            CellIsRule(operator="lessThan", formula=["-0.05"], fill=SHORT_FILL),
        )


def _rolling_totals(scenario: S.Scenario, assignments: pd.DataFrame) -> pd.DataFrame | None:
    """The Fairness sheet's carried and rolling totals, when the scenario carries burden from the plan store."""
    if scenario.fairness_history is None:
        return None
    from wfm.roster.rules.fairness import rolling_totals

    return rolling_totals(scenario, assignments)


def _frame_or_note(frame: pd.DataFrame, note: str) -> pd.DataFrame:
    """``frame``, or a one-cell table saying why it is empty (a sheet is never blank without a reason)."""
    if frame is not None and len(frame):
        return frame
    return pd.DataFrame({"note": [note]})


def _settings_sheet(wb: _Book, scenario: S.Scenario) -> None:
    """scenario.toml exactly as read, one line per row (text cells, so nothing in it is evaluated)."""
    ws = wb.create_sheet("Settings")
    st = _Styles(ws)
    lines = scenario.raw_toml.splitlines()
    ws.column_dimensions["A"].width = _fit_width(lines, "scenario.toml (as read)", hi=120)
    ws.append(st.header(["scenario.toml (as read)"]))
    for line in lines:
        ws.append([st.text(line) if line else None])


def write_workbook(
    path: str | os.PathLike, result: Any, run_info: dict[str, Any], *, chart_week: dt.date | None = None
) -> None:
    """Write the roster workbook (:data:`SHEETS`) for a pipeline :class:`~wfm.pipeline.RunResult`.

    ``chart_week`` is the Monday (or any first day) of the week the Coverage
    charts show; by default the first full Monday-to-Sunday week of the horizon.
    """
    scenario: S.Scenario = result.scenario
    ev = result.evaluation
    wb = _Book()
    _summary_sheet(wb, scenario, run_info, ev)
    _roster_sheet(wb, scenario, result.roster.assignments, ev.agents)
    _hr_import_sheet(wb, result.roster.activities)
    _intraday_sheet(wb, scenario, result.roster.activities)
    _coverage_sheet(wb, scenario, ev.coverage, chart_week)
    times = {S.DATE: DATE_FMT, S.START: DATETIME_FMT, S.END: DATETIME_FMT}
    _table_sheet(wb, "Training", _frame_or_note(ev.training, "no training in this scenario"), times)
    _table_sheet(
        wb,
        "Mentoring",
        _frame_or_note(ev.mentoring, "no [mentoring] in this scenario"),
        {"same_shift_share": PERCENT_FMT, "goal_share": PERCENT_FMT},
        freeze="C2",
    )
    _fairness_sheet(wb, ev.agents, _rolling_totals(scenario, result.roster.assignments))
    _table_sheet(
        wb,
        "Ledger",
        _rounded(result.roster.penalties),
        {S.DS: DATETIME_FMT, S.DATE: DATE_FMT, "cost": "#,##0.00"},
    )
    _table_sheet(
        wb,
        "Rule_Costs",
        _frame_or_note(_rounded(ev.family_costs), "no breaks or activities off the phone"),
        {S.SERVICE_LEVEL: PERCENT_FMT, "service_level_without": PERCENT_FMT, "cost_service_level_pp": "0.00"},
    )
    _settings_sheet(wb, scenario)
    wb.save_spliced(path)


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
        ax.fill_between(
            x,
            sub[S.SCHEDULED],
            sub[S.REQUIRED],
            where=short,
            step="post",
            color="#e6b0aa",
            alpha=0.8,
            label="short",
        )
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


def write_run(
    folder: RunFolder,
    result: Any,
    run_info: dict[str, Any],
    *,
    plots: bool = True,
    chart_week: dt.date | None = None,
) -> None:
    """Write every output of a run into ``folder`` (not yet committed); CSVs are formula-safe."""
    scenario: S.Scenario = result.scenario
    ev = result.evaluation
    folder.path("forecast.csv").write_bytes(csv_bytes(result.forecast))
    folder.path("requirements.csv").write_bytes(csv_bytes(result.requirements))
    folder.path("roster.csv").write_bytes(csv_bytes(hr_import_frame(result.roster.activities)))
    folder.path("coverage.csv").write_bytes(csv_bytes(ev.coverage))
    meetings = result.roster.meetings
    if meetings is not None:
        folder.path("meetings.csv").write_bytes(csv_bytes(meetings))
    summary = dict(run_info)
    summary["queues"] = _records(ev.queue_totals)
    summary["all_queues"] = _records(ev.overall)[0] if len(ev.overall) else None
    summary["ledger"] = _records(ev.ledger)
    if len(ev.family_costs):
        summary["rule_costs"] = _records(ev.family_costs)
    folder.path("summary.json").write_text(
        json.dumps(summary, indent=2, default=_json_default, ensure_ascii=False)
    )
    write_workbook(folder.path(WORKBOOK_NAME), result, run_info, chart_week=chart_week)
    if plots:
        plot_coverage(folder.path("coverage.png"), ev.coverage, [q.name for q in scenario.queues])
        from wfm.forecast import plot_forecast

        for q in scenario.queues:
            plot_forecast(scenario.history, result.forecast, q.name, folder.path(f"forecast_{q.name}.png"))
