"""Availability windows: an agent listed in availability.csv works only shifts lying inside a window of that day.

Windows are given per weekday or per date (a date's rows replace the
weekday's rows for that date).  A shift fits a window when it starts at or
after the window's start and ends at or before its end (a window ending
``00:00`` ends at midnight).  On a day without a window the agent does not
work.  Agents without rows are available at any time.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from wfm.roster.penalties import Penalty
from wfm.schema import Availability

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULE = "availability"
_DAY_NAMES = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}" if minute < 1440 else "24:00"


def windows_by_day(rows: list[Availability], days: list) -> dict[int, list[tuple[int, int]]]:
    """Day index -> the agent's windows ``(start, end)`` that day (empty list: not available)."""
    by_weekday: dict[int, list[tuple[int, int]]] = defaultdict(list)
    by_date: dict = defaultdict(list)
    for r in rows:
        if r.date is not None:
            by_date[r.date].append((r.start_minute, r.end_minute))
        else:
            by_weekday[r.weekday].append((r.start_minute, r.end_minute))
    return {d: by_date.get(day) or by_weekday.get(day.weekday(), []) for d, day in enumerate(days)}


def describe(rows: list[Availability]) -> str:
    parts = []
    for r in rows:
        when = r.date.isoformat() if r.date is not None else _DAY_NAMES[r.weekday]
        parts.append(f"{_clock(r.start_minute)}-{_clock(r.end_minute)} on {when}")
    return "available only " + ", ".join(parts)


def add(rm: RosterModel) -> list[Penalty]:
    rows: dict[str, list[Availability]] = defaultdict(list)
    for r in rm.scenario.availability:
        rows[r.employee_id].append(r)
    for eid, agent_rows in sorted(rows.items()):
        a = rm.agent_index.get(eid)
        if a is None:
            continue
        phrase = describe(agent_rows)
        for d, windows in windows_by_day(agent_rows, rm.days).items():
            for s, shift in enumerate(rm.shifts):
                if not any(lo <= shift.start_minute and shift.end_minute <= hi for lo, hi in windows):
                    rm.hard(rm.model.add(rm.y[a, d, s] == 0), RULE, rm.agents[a], phrase)
    return []
