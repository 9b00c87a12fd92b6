"""``special_days.csv``: days the planner knows will not behave like their calendar weekday.

The file is optional and lives in the scenario folder.  Columns:

* ``date``: the local date, ``YYYY-MM-DD``; past dates (inside the history) and
  future ones (in the horizon) alike, each listed once;
* ``name``: free text, for people (``Christmas Eve``, ``system outage``);
* ``behaves_like``: what the day is like:

  - a weekday name, ``monday`` … ``sunday``: the day gets that weekday's level
    and intraday shape (a Saturday that is an official working day:
    ``monday``; a bridge day: ``sunday``);
  - ``closed``: the centre is shut, true zero volume.  A past closed day is
    left out of every fit instead of being read as an outage;
  - ``half_day``: open for the first half of the day only.  Its effect is
    learned from past half days in the file, else taken as 0.5;
  - any other name (lowercase letters, digits and ``_``, such as
    ``holiday_eve``, ``campaign_launch`` or ``outage``): a *named type*.  Its
    effect on the day's volume and its intraday shape are learned from the past
    days of the same type listed in the file (dates inside the history);
    past days of any special type are kept out of the ordinary fits;

* ``effect`` (optional): a positive multiplier on the day's volume, e.g. ``0.6``.
  On a future day it overrides what would be learned; on a weekday-like day it
  multiplies that weekday's volume.  Not allowed on a ``closed`` day.

Example::

    date,name,behaves_like,effect
    2025-12-24,Christmas Eve,holiday_eve,
    2026-12-24,Christmas Eve,holiday_eve,
    2026-12-26,Make-up working Saturday,monday,
    2026-12-31,New Year's Eve,half_day,0.55

:func:`parse_special_days` validates a frame read from the file and returns a
:class:`SpecialDays`, or raises :class:`~wfm.schema.InputError` listing every
problem with its row.  ``wfm.forecast.forecast(special_days=...)`` uses it.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wfm.schema import InputError

SPECIAL_DAYS_FILE = "special_days.csv"
DATE, NAME, BEHAVES_LIKE, EFFECT = "date", "name", "behaves_like", "effect"
REQUIRED_COLUMNS = (DATE, NAME, BEHAVES_LIKE)
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CLOSED = "closed"
HALF_DAY = "half_day"
#: Effect of a half day when the file has no past half day to learn from.
HALF_DAY_DEFAULT_EFFECT = 0.5
_MAX_EFFECT = 20.0
_TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class SpecialDay:
    """One row of ``special_days.csv``; ``row`` is its spreadsheet row (the header is row 1)."""

    date: dt.date
    name: str
    behaves_like: str
    effect: float | None = None
    row: int = 0

    @property
    def weekday(self) -> int | None:
        """Monday=0 … Sunday=6 when the day behaves like a weekday, else ``None``."""
        return WEEKDAY_NAMES.index(self.behaves_like) if self.behaves_like in WEEKDAY_NAMES else None

    @property
    def is_closed(self) -> bool:
        return self.behaves_like == CLOSED

    @property
    def is_named_type(self) -> bool:
        """A type whose effect is learned from past days of the type (``half_day`` included)."""
        return self.weekday is None and not self.is_closed


@dataclass(frozen=True)
class SpecialDays:
    """The validated rows of ``special_days.csv``, one per date."""

    days: tuple[SpecialDay, ...] = ()
    source: str = SPECIAL_DAYS_FILE
    _by_date: dict[dt.date, SpecialDay] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_date.update({d.date: d for d in self.days})

    def __len__(self) -> int:
        return len(self.days)

    def __iter__(self) -> Iterator[SpecialDay]:
        return iter(self.days)

    def get(self, date: dt.date) -> SpecialDay | None:
        return self._by_date.get(date)

    def of_type(self, behaves_like: str) -> tuple[SpecialDay, ...]:
        return tuple(d for d in self.days if d.behaves_like == behaves_like)

    @classmethod
    def from_rows(cls, rows: list[tuple], source: str = SPECIAL_DAYS_FILE) -> SpecialDays:
        """Build from ``(date, name, behaves_like[, effect])`` tuples, validated like the file.

        >>> sd = SpecialDays.from_rows([("2026-12-24", "Christmas Eve", "holiday_eve")])
        >>> sd.get(dt.date(2026, 12, 24)).behaves_like
        'holiday_eve'
        """
        columns = [DATE, NAME, BEHAVES_LIKE, EFFECT]
        padded = [tuple("" if v is None else str(v) for v in r) + ("",) * (4 - len(r)) for r in rows]
        return parse_special_days(pd.DataFrame(padded, columns=columns, dtype=str), source)


def parse_special_days(frame: pd.DataFrame, source: str = SPECIAL_DAYS_FILE) -> SpecialDays:
    """Validate the all-string frame of ``special_days.csv`` into :class:`SpecialDays`.

    Weekday names and types are case-insensitive and surrounding spaces are
    ignored.  Raises ``InputError`` with one line per problem, each naming the
    file, the row, the value and the fix.
    """
    problems: list[str] = []
    columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise InputError(
            [
                f"{source}: column '{c}' is missing; the columns are date, name, behaves_like and optionally effect"
                for c in missing
            ]
        )
    frame = frame.copy()
    frame.columns = columns
    has_effect = EFFECT in columns
    days: list[SpecialDay] = []
    first_row: dict[dt.date, int] = {}
    for i in range(len(frame)):
        row = i + 2
        cell = {c: _text(frame[c].iloc[i]) for c in (*REQUIRED_COLUMNS, *((EFFECT,) if has_effect else ()))}
        ok = True
        date = None
        try:
            date = dt.date.fromisoformat(cell[DATE])
        except ValueError:
            what = "is empty" if not cell[DATE] else f"'{cell[DATE]}' is not a date"
            problems.append(f"{source} row {row}: date {what}; write it as YYYY-MM-DD, e.g. 2026-12-24")
            ok = False
        if date is not None:
            if date in first_row:
                problems.append(
                    f"{source} row {row}: date {date} is already listed in row {first_row[date]}; list each date once"
                )
                ok = False
            else:
                first_row[date] = row
        if not cell[NAME]:
            problems.append(f"{source} row {row}: name is empty; give the day a name, e.g. 'Christmas Eve'")
            ok = False
        kind = cell[BEHAVES_LIKE].lower()
        if not kind:
            problems.append(
                f"{source} row {row}: behaves_like is empty; write a weekday (monday … sunday), "
                "closed, half_day or a type such as holiday_eve"
            )
            ok = False
        elif kind not in WEEKDAY_NAMES and not _TYPE_NAME.match(kind):
            problems.append(
                f"{source} row {row}: behaves_like '{cell[BEHAVES_LIKE]}' is not a weekday (monday … sunday), "
                "closed, half_day or a type name of lowercase letters, digits and _ such as holiday_eve"
            )
            ok = False
        effect = None
        raw_effect = cell.get(EFFECT, "")
        if raw_effect:
            try:
                effect = float(raw_effect)
            except ValueError:
                effect = math.nan
            if not (math.isfinite(effect) and 0.0 < effect <= _MAX_EFFECT):
                problems.append(
                    f"{source} row {row}: effect '{raw_effect}' is not a positive multiplier of at most "
                    f"{_MAX_EFFECT:g}; write e.g. 0.6 for 60% of a normal day's volume, or leave it empty"
                )
                ok = False
            elif kind == CLOSED:
                problems.append(
                    f"{source} row {row}: effect {raw_effect} is given for a closed day, which has no volume; "
                    "leave effect empty or use a type such as half_day"
                )
                ok = False
        if ok and date is not None:
            days.append(SpecialDay(date, cell[NAME], kind, effect, row))
    if problems:
        raise InputError(problems)
    return SpecialDays(tuple(sorted(days, key=lambda d: d.date)), source)


def read_special_days(path: str | os.PathLike) -> SpecialDays | None:
    """Read and validate ``special_days.csv`` at ``path``; ``None`` when there is no such file."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError as exc:
        raise InputError(
            f"{path.name}: the file is empty; it needs the header date,name,behaves_like"
        ) from exc
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path.name}: not a readable UTF-8 CSV file ({exc})") from exc
    return parse_special_days(frame, path.name)


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()
