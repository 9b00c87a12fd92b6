"""Shift geometry: where a shift's lunch falls and which minutes it spends on the phone.

These are the conventions export and the checker share with the model, so
each lives in exactly one function here:

* :func:`lunch_window` -- a shift's unpaid minutes are its lunch, at a fixed
  offset from the shift start (half the paid minutes, rounded down to the
  15-minute grid).
* :func:`shift_segments` -- the wall-clock timestamps of a shift on a day.
* :func:`on_phone_minutes` -- the on-phone minutes of a shift per interval,
  counted from midnight of the shift's day (a shift crossing midnight yields
  interval offsets at or beyond one day).
* :func:`leave_credit_minutes` -- the paid minutes an approved leave day is
  worth (a fifth of the weekly contract).
* :func:`shift_family` -- early, day, late or night, for the late/night
  limits, the wellbeing rules and the Roster sheet's colours.

Times are local wall-clock minutes: a day has 1440 minutes.  (In time zones
with daylight saving a shift spanning the switch lasts an hour more or less
in absolute time; wfm plans in wall-clock time.)
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import pandas as pd

from wfm.schema import Agent, ShiftTemplate

LUNCH_GRID_MINUTES = 15
MINUTES_PER_DAY = 24 * 60
EARLY_BEFORE_MINUTE = 8 * 60  # a shift starting before 08:00 is early
LATE_AFTER_MINUTE = 21 * 60  # a shift ending after 21:00 is late
NIGHT_BEFORE_MINUTE = 6 * 60  # a shift working any minute from 00:00 to 06:00 is a night shift


def lunch_window(shift: ShiftTemplate) -> tuple[int, int]:
    """Lunch of ``shift`` as ``(start, end)`` minutes after the shift starts.

    Lunch starts at ``floor(paid_minutes / 2 / 15) * 15`` minutes and lasts the
    shift's ``unpaid_minutes``; a shift without unpaid minutes gets an empty
    window ``(start, start)``.

    >>> lunch_window(ShiftTemplate("D", dt.time(9), paid_minutes=480, unpaid_minutes=60))
    (240, 300)
    >>> lunch_window(ShiftTemplate("E", dt.time(7), paid_minutes=450, unpaid_minutes=30))
    (225, 255)
    """
    start = (shift.paid_minutes // 2) // LUNCH_GRID_MINUTES * LUNCH_GRID_MINUTES
    return start, start + shift.unpaid_minutes


class ShiftTimes(NamedTuple):
    """Timezone-aware wall-clock timestamps of one shift on one day."""

    start: pd.Timestamp
    end: pd.Timestamp
    lunch_start: pd.Timestamp
    lunch_end: pd.Timestamp


def wall_clock(day: dt.date, minute: int, tz: str) -> pd.Timestamp:
    """The local timestamp ``minute`` wall-clock minutes after midnight of ``day`` (may pass midnight)."""
    naive = pd.Timestamp(day) + pd.Timedelta(minutes=minute)
    return naive.tz_localize(tz, nonexistent="shift_forward", ambiguous=False)


def shift_segments(shift: ShiftTemplate, day: dt.date, tz: str) -> ShiftTimes:
    """Start, end and lunch of ``shift`` worked on ``day`` in time zone ``tz``.

    >>> t = shift_segments(ShiftTemplate("L", dt.time(15), 480, 60), dt.date(2026, 12, 1), "Asia/Shanghai")
    >>> t.end.isoformat(), t.lunch_start.isoformat()
    ('2026-12-02T00:00:00+08:00', '2026-12-01T19:00:00+08:00')
    """
    lunch_start, lunch_end = lunch_window(shift)
    return ShiftTimes(
        start=wall_clock(day, shift.start_minute, tz),
        end=wall_clock(day, shift.end_minute, tz),
        lunch_start=wall_clock(day, shift.start_minute + lunch_start, tz),
        lunch_end=wall_clock(day, shift.start_minute + lunch_end, tz),
    )


def on_phone_minutes(shift: ShiftTemplate, interval_minutes: int) -> dict[int, int]:
    """On-phone minutes of ``shift`` per interval, keyed by interval offset from its day's midnight.

    The shift's span minus its lunch, intersected with each interval; only
    intervals with at least one on-phone minute are returned.  Offsets of
    ``1440 // interval_minutes`` and beyond belong to the next day.

    >>> on_phone_minutes(ShiftTemplate("D", dt.time(9), 120, 30), 30)
    {18: 30, 19: 30, 21: 30, 22: 30}
    >>> on_phone_minutes(ShiftTemplate("X", dt.time(9), 60, 15), 30)
    {18: 30, 19: 15, 20: 15}
    """
    lunch_start, lunch_end = lunch_window(shift)
    on_phone = [
        (shift.start_minute, shift.start_minute + lunch_start),
        (shift.start_minute + lunch_end, shift.end_minute),
    ]
    minutes: dict[int, int] = {}
    for seg_start, seg_end in on_phone:
        t = seg_start // interval_minutes
        while t * interval_minutes < seg_end:
            overlap = min(seg_end, (t + 1) * interval_minutes) - max(seg_start, t * interval_minutes)
            if overlap > 0:
                minutes[t] = minutes.get(t, 0) + overlap
            t += 1
    return dict(sorted(minutes.items()))


def leave_credit_minutes(agent: Agent) -> int:
    """Paid minutes credited for one approved leave day: a fifth of the weekly contract, rounded."""
    return round(agent.contract_minutes_per_week / 5)


def shift_family(shift: ShiftTemplate) -> str:
    """``shift.family`` when scenario.toml gives it, else derived from the shift's times.

    * night: works any minute between 00:00 and 06:00 (starts before 06:00,
      or runs past midnight);
    * late: ends after 21:00;
    * early: starts before 08:00;
    * day: everything else.

    >>> shift_family(ShiftTemplate("L", dt.time(15), 480, 60))
    'late'
    >>> shift_family(ShiftTemplate("N", dt.time(22), 480, 60))
    'night'
    >>> shift_family(ShiftTemplate("E", dt.time(7), 480, 60))
    'early'
    >>> shift_family(ShiftTemplate("D", dt.time(9), 480, 60))
    'day'
    """
    if shift.family:
        return shift.family
    if shift.start_minute < NIGHT_BEFORE_MINUTE or shift.end_minute > MINUTES_PER_DAY:
        return "night"
    if shift.end_minute > LATE_AFTER_MINUTE:
        return "late"
    if shift.start_minute < EARLY_BEFORE_MINUTE:
        return "early"
    return "day"


def comparison_groups(scenario) -> dict[str, list[str]]:
    """Agents whose workloads fairness compares: same weekly contract and contract name, present all horizon.

    An agent counts when employed from the horizon's first day and without
    leave or unavailable days in it (their counts would differ for reasons
    that are not unfair).  Groups with one agent are dropped.  Keys name the
    group, e.g. ``"2400 min/week"`` or ``"1200 min/week, part_time"``.
    """
    absent = {t.employee_id for t in scenario.time_off if t.kind in ("leave", "unavailable")}
    first = scenario.horizon.start
    groups: dict[str, list[str]] = {}
    for agent in scenario.agents:
        if agent.employee_id in absent or agent.start_date > first:
            continue
        key = f"{agent.contract_minutes_per_week} min/week" + (
            f", {agent.contract}" if agent.contract else ""
        )
        groups.setdefault(key, []).append(agent.employee_id)
    return {k: v for k, v in sorted(groups.items()) if len(v) > 1}
