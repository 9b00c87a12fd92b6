"""Read a scenario folder and the stage CSVs; write files atomically.

No business logic lives here: the raw text is handed to :mod:`wfm.validate`,
which turns it into typed objects or an :class:`~wfm.schema.InputError` that
lists every problem found.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io as _io
import logging
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wfm.schema import InputError, Scenario

log = logging.getLogger(__name__)

SCENARIO_FILE = "scenario.toml"
HISTORY_FILE = "history.csv"
AGENTS_FILE = "agents.csv"
TIME_OFF_FILE = "time_off.csv"
AVAILABILITY_FILE = "availability.csv"
SHIFT_COVER_FILE = "shift_cover.csv"
MODELS_FILE = "forecast_models.json"  # written by `wfm backtest`; hashed so a run records the choice it used
SPECIAL_DAYS_FILE = "special_days.csv"
TRAINING_FILE = "training.csv"
SCENARIO_FILES = (
    SCENARIO_FILE,
    HISTORY_FILE,
    AGENTS_FILE,
    TIME_OFF_FILE,
    AVAILABILITY_FILE,
    SHIFT_COVER_FILE,
    SPECIAL_DAYS_FILE,
    TRAINING_FILE,
    MODELS_FILE,
)
OPTIONAL_FILES = tuple(f for f in SCENARIO_FILES if f not in (SCENARIO_FILE, HISTORY_FILE, AGENTS_FILE))


@dataclass
class RawScenario:
    """The files of a scenario folder as read: TOML text and CSVs as strings."""

    directory: Path
    texts: dict[str, str] = field(default_factory=dict)  # file name -> decoded text
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)  # CSV name -> all-string frame
    hashes: dict[str, str] = field(default_factory=dict)  # file name -> sha256 hex
    problems: list[str] = field(default_factory=list)  # problems found while reading


def _decode(name: str, data: bytes, problems: list[str]) -> str | None:
    """UTF-8 (with or without a byte-order mark), else GB18030.

    Excel on a Chinese-language Windows saves "CSV" in the ANSI code page,
    GBK, of which GB18030 is a superset; such a file is read with a warning
    rather than refused.  Anything else is refused naming the first bad byte.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if b"\x00" not in data:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            pass
        else:
            log.warning(
                "%s: not UTF-8; read as GBK/GB18030 (Excel's Chinese 'CSV'); save as CSV UTF-8 to be sure",
                name,
            )
            return text
    problems.append(
        f"{name}: byte {first_bad} is not valid UTF-8 (nor GBK) text; save the file as UTF-8 (CSV UTF-8 in Excel)"
    )
    return None


def read_csv_text(name: str, text: str, problems: list[str]) -> pd.DataFrame | None:
    """Parse CSV text into an all-string frame (empty cells become '').

    Nothing is converted here, so validation can name the row of any bad value.
    """
    try:
        with warnings.catch_warnings():
            # a row with more fields than the header is an error, never an index nor silently cut
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                _io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skipinitialspace=True,
                index_col=False,
            )
    except pd.errors.ParserWarning:
        rows = list(csv.reader(_io.StringIO(text)))
        width = len(rows[0]) if rows else 0
        row = next((i for i, r in enumerate(rows[1:], start=2) if len(r) > width), None)
        where = f" row {row}" if row else ""
        problems.append(
            f"{name}{where}: more fields than the header's {width}; check for stray commas or a missing header"
        )
        return None
    except pd.errors.EmptyDataError:
        problems.append(f"{name}: the file is empty; it needs a header row")
        return None
    except (pd.errors.ParserError, ValueError) as exc:
        problems.append(f"{name}: not a readable CSV file ({str(exc).strip().splitlines()[-1]})")
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def read_scenario_dir(directory: str | os.PathLike) -> RawScenario:
    """Read every scenario file in ``directory`` without interpreting it."""
    d = Path(directory)
    raw = RawScenario(directory=d)
    if not d.exists():
        raw.problems.append(f"{d}: scenario folder does not exist")
        return raw
    if not d.is_dir():
        raw.problems.append(f"{d}: is a file, not a scenario folder")
        return raw
    for name in SCENARIO_FILES:
        path = d / name
        if not path.exists():
            if name not in OPTIONAL_FILES:
                raw.problems.append(f"{name}: missing from scenario folder {d}")
            continue
        data = path.read_bytes()
        raw.hashes[name] = hashlib.sha256(data).hexdigest()
        text = _decode(name, data, raw.problems)
        if text is None:
            continue
        raw.texts[name] = text
        if name.endswith(".csv"):
            frame = read_csv_text(name, text, raw.problems)
            if frame is not None:
                raw.frames[name] = frame
    return raw


def load_scenario(directory: str | os.PathLike) -> Scenario:
    """Read and validate a scenario folder.

    Raises :class:`InputError` listing every problem found in every file.
    """
    from wfm.validate import build_scenario

    return build_scenario(read_scenario_dir(directory))


def read_stage_csv(path: str | os.PathLike, required: tuple[str, ...]) -> pd.DataFrame:
    """Read a stage CSV (forecast, requirements, roster) as strings, checking its columns.

    wfm writes formula-like text with a leading single quote (OWASP, see
    :mod:`wfm.export`); the quote is removed here, so ids and names read back exactly.
    """
    from wfm.export import csv_unescape  # here, not at the top: wfm.export imports this module

    p = Path(path)
    problems: list[str] = []
    if not p.is_file():
        raise InputError(f"{p}: file not found")
    text = _decode(p.name, p.read_bytes(), problems)
    frame = read_csv_text(p.name, text, problems) if text is not None else None
    if frame is not None:
        missing = [c for c in required if c not in frame.columns]
        if missing:
            problems.append(
                f"{p.name}: missing column(s) {', '.join(missing)} (columns found: {', '.join(frame.columns)})"
            )
    if problems:
        raise InputError(problems)
    assert frame is not None
    return frame.map(csv_unescape)


# ---------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------
def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file renamed into place."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def format_timestamp(ts: pd.Series) -> pd.Series:
    """ISO 8601 local datetimes with UTC offset, e.g. ``2026-12-01T08:00:00+08:00``."""
    return ts.map(lambda t: t.isoformat() if pd.notna(t) else "")


def frame_to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV bytes with ISO timestamps (with offset) and ISO dates."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = format_timestamp(out[col])
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_csv(path: str | os.PathLike, frame: pd.DataFrame) -> None:
    """Write a stage CSV atomically; formula-like text gets OWASP's leading quote (see :mod:`wfm.export`)."""
    from wfm.export import csv_bytes  # here, not at the top: wfm.export imports this module

    atomic_write_bytes(path, csv_bytes(frame))


def _cell_text(v: object) -> str:
    import datetime as _dt

    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, _dt.datetime):
        return v.isoformat()
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def read_workbook_sheet(path: str | os.PathLike, sheet: str, required: tuple[str, ...]) -> pd.DataFrame:
    """Read one sheet of a workbook as an all-string frame (header in row 1).

    Formulas are never evaluated: cached values are read.  Raises
    :class:`InputError` naming the file and sheet when it cannot be read.
    """
    import zipfile

    from openpyxl import load_workbook

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: file not found")
    if not zipfile.is_zipfile(p):
        raise InputError(
            f"{p.name}: not an Excel workbook (.xlsx); it may be encrypted, truncated or another format"
        )
    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise InputError(
            f"{p.name}: cannot be read as an Excel workbook ({type(exc).__name__}: {exc})"
        ) from None
    try:
        if sheet not in wb.sheetnames:
            raise InputError(f"{p.name}: has no sheet '{sheet}' (sheets: {', '.join(wb.sheetnames)})")
        rows = wb[sheet].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise InputError(f"{p.name} sheet {sheet}: is empty")
        names = [_cell_text(h).strip() for h in header]
        missing = [c for c in required if c not in names]
        if missing:
            raise InputError(f"{p.name} sheet {sheet}: missing column(s) {', '.join(missing)}")
        data = [[_cell_text(v) for v in r] for r in rows if any(v is not None for v in r)]
    finally:
        wb.close()
    width = len(names)
    data = [(r + [""] * width)[:width] for r in data]
    return pd.DataFrame(data, columns=names, dtype=str)


def read_workbook_value(path: str | os.PathLike, sheet: str, key: str) -> str | None:
    """Value beside ``key`` in the first column of a key/value sheet (e.g. Summary)."""
    frame = read_workbook_sheet(path, sheet, ())
    if frame.shape[1] < 2:
        return None
    hit = frame[frame.iloc[:, 0] == key]
    return None if hit.empty else hit.iloc[0, 1]
