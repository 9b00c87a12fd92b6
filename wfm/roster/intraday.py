"""Inside the shift, beyond breaks and lunch: onboarding, recovery breaks and sessions.

The rules in the scheduler's words (each comes from the scenario; see
:mod:`wfm.activities` for who and what):

* **Onboarding.** A new hire in their first ``[onboarding] days`` spends at
  least ``share`` of every working day's paid time in one ``TRAINING`` block
  (detail ``onboarding``), anywhere in the shift.
* **Recovery break.** With ``[wellbeing] recovery_minutes``, an agent whose
  queue is planned at occupancy ``recovery_occupancy`` or more for a stretch
  of at least ``recovery_after_minutes`` inside their shift gets a
  ``WELLBEING`` block (detail ``recovery break``) that starts inside the
  first ``recovery_after_minutes`` of the first such stretch, so the pressure
  is broken before it has lasted that long.  When the stretch leaves no room
  (it starts too close to the shift's end), none is due.
* **Sessions** (training course sessions, weekly coaching, the monthly team
  session): the month's model chose a day on which every member works a
  shift that can hold it (:mod:`wfm.roster.rules.sessions`).  Here each
  session gets its day and start: among the days on which all its members
  work a fitting shift (and, for a course, after the previous session and
  before the next), at the grid start where taking its members off the phone
  costs the least coverage, given the breaks at their fixed offsets and the
  sessions placed before it (largest sessions first).  A start is only taken
  if every member's day can still hold its breaks, lunch and activities.
  The session then enters each member's day as a fixed block, and the break
  placement (:func:`wfm.roster.breaks.place_breaks`) places everything else
  around it, against coverage.

Decomposition, stated honestly: the session's time is chosen greedily
before the breaks are optimised around it; the breaks stage then optimises
exactly with the sessions fixed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from wfm import activities as A
from wfm import schema as S
from wfm.roster.breaks import (
    GRID_MINUTES,
    BlockSpec,
    Grid,
    Work,
    _Unit,
    rule_for,
    rule_specs,
    search_blocks,
)
from wfm.roster.shifts import wall_clock
from wfm.schema import Scenario

log = logging.getLogger(__name__)

SESSION_MARGIN_MINUTES = 60
"""A session starts at least this long after the shift start and ends this long before its end."""


def needs_placement(scenario: Scenario) -> bool:
    """True when a roster of ``scenario`` has anything to place inside its shifts beyond the fixed lunch."""
    wb = scenario.wellbeing
    return bool(
        scenario.break_rules
        or scenario.courses
        or scenario.mentoring is not None
        or scenario.onboarding is not None
        or wb.team_session_minutes
        or wb.recovery_minutes
        or wb.max_continuous_phone_minutes
    )


def onboarding_spec(
    scenario: Scenario, agent: S.Agent, day: dt.date, shift: S.ShiftTemplate
) -> BlockSpec | None:
    """The onboarding TRAINING block a new hire's working day needs, or None."""
    minutes = A.onboarding_minutes(scenario, agent, day, shift)
    if not minutes:
        return None
    minutes = min(minutes, shift.length_minutes - shift.length_minutes % GRID_MINUTES)
    starts = tuple(range(0, shift.length_minutes - minutes + 1, GRID_MINUTES))
    return BlockSpec(A.TRAINING, minutes, starts, relief=False, detail=A.ONBOARDING_DETAIL)


def recovery_spec(scenario: Scenario, grid: Grid, work: Work) -> BlockSpec | None:
    """The recovery WELLBEING block ``work`` needs (see the module docstring), or None."""
    wb = scenario.wellbeing
    if not wb.recovery_minutes or grid.occupancy is None or work.queue not in grid.occupancy:
        return None
    occ = grid.occupancy[work.queue]
    iv = grid.interval_minutes
    first_t = work.day * grid.intervals_per_day
    start, end = work.shift.start_minute, work.shift.end_minute
    run_start = None
    for minute in range(start - start % iv, end, iv):
        t = first_t + minute // iv
        high = t < grid.n_intervals and occ[t] >= wb.recovery_occupancy
        if high and run_start is None:
            run_start = max(minute, start)
        if run_start is not None and (not high or minute + iv >= end):
            run_end = min(minute + iv, end) if high else minute
            if run_end - run_start >= wb.recovery_after_minutes:
                lo = run_start - start
                hi = run_start - start + wb.recovery_after_minutes - wb.recovery_minutes
                hi = min(hi, work.shift.length_minutes - wb.recovery_minutes)
                first = -(-lo // GRID_MINUTES) * GRID_MINUTES
                starts = tuple(range(first, hi + 1, GRID_MINUTES))
                if starts:
                    return BlockSpec(
                        A.WELLBEING, wb.recovery_minutes, starts, relief=False, detail=A.RECOVERY_DETAIL
                    )
                return None
            run_start = None
    return None


def session_spec(meeting: A.Meeting, offset_minutes: int) -> BlockSpec:
    """A session as a fixed block ``offset_minutes`` after the member's shift start."""
    return BlockSpec(
        meeting.activity, meeting.minutes, (offset_minutes,), relief=False, detail=meeting.detail
    )


@dataclass(frozen=True)
class PlacedSession:
    """Where a session went: its day index and wall-clock start (minutes after that day's midnight)."""

    meeting: A.Meeting
    day: int
    start_minute: int

    def members(self) -> tuple[str, ...]:
        return self.meeting.members_on(self.day)


def with_activities(
    scenario: Scenario,
    grid: Grid,
    works: Sequence[Work],
    session_days: Mapping[str, int] | None = None,
) -> tuple[list[Work], list[PlacedSession]]:
    """``works`` with their onboarding, recovery and session blocks added (``Work.extra``) and the ramp-up fraction.

    ``session_days`` maps meeting id to the day the month's model chose; the
    session may move to another day on which all its members already work a
    fitting shift.  Returns the works and the sessions placed.
    """
    agents = {a.employee_id: a for a in scenario.agents}
    out: list[Work] = []
    for w in works:
        agent = agents[w.employee_id]
        day = grid.days[w.day]
        extra = [
            spec
            for spec in (onboarding_spec(scenario, agent, day, w.shift), recovery_spec(scenario, grid, w))
            if spec
        ]
        out.append(replace(w, fraction=A.ramp_fraction(scenario, agent, day), extra=tuple(extra)))
    sessions = A.meetings(scenario)
    if not sessions:
        return out, []
    placed = _place_sessions(scenario, grid, out, sessions, session_days or {})
    extra: dict[int, list[BlockSpec]] = defaultdict(list)
    index = {(w.employee_id, w.day): i for i, w in enumerate(out)}
    for p in placed:
        for m in p.members():
            i = index[m, p.day]
            extra[i].append(session_spec(p.meeting, p.start_minute - out[i].shift.start_minute))
    out = [replace(w, extra=w.extra + tuple(extra.get(i, ()))) for i, w in enumerate(out)]
    return out, placed


def _place_sessions(
    scenario: Scenario,
    grid: Grid,
    works: list[Work],
    sessions: list[A.Meeting],
    session_days: Mapping[str, int],
) -> list[PlacedSession]:
    rules = scenario.break_rules
    by_shift = {s.code: rule_for(s, rules) for s in scenario.shifts}
    index = {(w.employee_id, w.day): i for i, w in enumerate(works)}
    max_run = scenario.wellbeing.max_continuous_phone_minutes
    fixed: dict[int, list[BlockSpec]] = defaultdict(list)  # sessions placed so far, per work
    # pricing: the coverage with every break at its fixed offset, then less every session placed
    unit = _Unit(
        scenario,
        grid,
        [replace(w, extra=()) for w in works],
        by_shift,
        list(range(len(grid.days))),
        list(grid.interval_starts),
    )
    current = unit.values(unit.baseline())

    def holds(i: int, specs: list[BlockSpec]) -> bool:
        w = works[i]
        rule = by_shift.get(w.shift.code)
        base = rule_specs(w.shift, rule) + list(w.extra)
        gap = rule.min_gap_minutes if rule is not None else 0
        return search_blocks(base + specs, gap, w.shift.length_minutes, max_run) is not None

    if session_days:  # a soft session the month's model did not hold is not held
        sessions = [m for m in sessions if m.hard or m.id in session_days]
    # one session per agent and day (as the month's model plans them): the days other sessions hold
    taken: dict[tuple[str, int], str] = {}
    for m in sessions:
        if m.id in session_days:
            for e in m.members_on(session_days[m.id]):
                taken[e, session_days[m.id]] = m.id
    chosen: dict[str, PlacedSession] = {}
    # largest sessions first (fewest places), courses part by part
    order = sorted(sessions, key=lambda m: (-len(m.members), m.series or "", m.part, m.id))
    series_days: dict[str, dict[int, int]] = defaultdict(dict)
    for m in sessions:
        if m.series and m.id in session_days:
            series_days[m.series][m.part] = session_days[m.id]
    out: list[PlacedSession] = []
    for m in order:
        lo_day, hi_day = -1, len(grid.days)
        if m.series:
            done = {p.meeting.part: p.day for p in chosen.values() if p.meeting.series == m.series}
            before = [d for k, d in done.items() if k < m.part] + [
                d for k, d in series_days[m.series].items() if k < m.part and k not in done
            ]
            after = [d for k, d in done.items() if k > m.part] + [
                d for k, d in series_days[m.series].items() if k > m.part and k not in done
            ]
            lo_day = max(before, default=-1)
            hi_day = min(after, default=len(grid.days))
        placed = None
        for _, d, start, idx in _ranked_starts(unit, current, works, index, m, lo_day, hi_day, session_days):
            if any(taken.get((e, d), m.id) != m.id for e in m.members_on(d)):
                continue
            if all(holds(i, fixed[i] + [session_spec(m, start - works[i].shift.start_minute)]) for i in idx):
                placed = (d, start, idx)
                break
        if placed is None:
            raise S.InfeasibleRosterError(_no_room(scenario, grid, m))
        d, start, idx = placed
        for i in idx:
            fixed[i].append(session_spec(m, start - works[i].shift.start_minute))
            _take(unit, current, works[i], d, start, m.minutes)
        for key in [k for k, v in taken.items() if v == m.id]:
            del taken[key]
        for e in m.members_on(d):
            taken[e, d] = m.id
        p = PlacedSession(m, d, start)
        chosen[m.id] = p
        out.append(p)
    return sorted(out, key=lambda p: (p.day, p.start_minute, p.meeting.id))


def _ranked_starts(unit, current, works, index, m: A.Meeting, lo_day: int, hi_day: int, session_days):
    """Every (day, start) the session could take, cheapest first: ``(key, day, start, member works)``."""
    ranked = []
    for d in m.days:
        if not lo_day < d < hi_day:
            continue
        members = m.members_on(d)
        if not members or any((e, d) not in index for e in members):
            continue
        idx = [index[e, d] for e in members]
        lo = max([m.window[0]] + [works[i].shift.start_minute + SESSION_MARGIN_MINUTES for i in idx])
        hi = min([m.window[1]] + [works[i].shift.end_minute - SESSION_MARGIN_MINUTES for i in idx])
        start = -(-lo // GRID_MINUTES) * GRID_MINUTES
        while start + m.minutes <= hi:
            cost = _session_cost(unit, current, works, idx, d, start, m.minutes)
            ranked.append(((cost, d != session_days.get(m.id, d), d, start), d, start, idx))
            start += GRID_MINUTES
    ranked.sort(key=lambda r: r[0])
    return ranked


def _cuts(unit, work: Work, day: int, start: int, minutes: int) -> dict[int, int]:
    from wfm.roster.breaks import _counted, _span_minutes

    iv, ipd = unit.grid.interval_minutes, unit.grid.intervals_per_day
    return {
        day * ipd + k: _counted(mm, work.fraction)
        for k, mm in _span_minutes(start, start + minutes, iv).items()
        if day * ipd + k < unit.grid.n_intervals
    }


def _session_cost(unit, current, works, idx, day: int, start: int, minutes: int) -> int:
    """Scaled coverage cost of taking the members ``idx`` off the phone for the session."""
    cut: dict[tuple[str, int], int] = defaultdict(int)
    for i in idx:
        for t, mm in _cuts(unit, works[i], day, start, minutes).items():
            cut[works[i].queue, t] += mm
    total = 0
    for key, mm in cut.items():
        v = current.get(key, 0)
        total += unit._price(key, v - mm) - unit._price(key, v)
    return total


def _take(unit, current, work: Work, day: int, start: int, minutes: int) -> None:
    for t, mm in _cuts(unit, work, day, start, minutes).items():
        current[work.queue, t] = current.get((work.queue, t), 0) - mm


def _no_room(scenario: Scenario, grid: Grid, m: A.Meeting) -> str:
    """Why ``m`` has no place, in the scheduler's words."""
    what = {A.TRAINING: "Training", A.MENTORING: "Coaching", A.WELLBEING: "Team session"}[m.activity]
    lo, hi = m.window
    return (
        f"{what} '{m.detail}' ({m.minutes} min, between {lo // 60:02d}:{lo % 60:02d} and "
        f"{hi // 60:02d}:{hi % 60:02d}): no day on which {', '.join(m.members)} all work a shift that holds it "
        f"with {SESSION_MARGIN_MINUTES} min to spare at each end, and their breaks, lunch and other activities"
    )


def meetings_frame(placed: Sequence[PlacedSession], grid: Grid, tz: str) -> pd.DataFrame:
    """The placed sessions as MEETING_COLUMNS rows (start/end timezone-aware)."""
    rows = []
    for p in placed:
        day = grid.days[p.day]
        rows.append(
            (
                p.meeting.id,
                p.meeting.activity,
                p.meeting.detail,
                day,
                wall_clock(day, p.start_minute, tz),
                wall_clock(day, p.start_minute + p.meeting.minutes, tz),
                p.meeting.minutes,
                ";".join(p.members()),
                p.meeting.trainer or "",
            )
        )
    return pd.DataFrame(rows, columns=list(S.MEETING_COLUMNS))
