"""The independent roster checker: re-verify every hard rule and recompute coverage from a roster alone.

It reads only the HR_Import activities (``schema.HR_IMPORT_COLUMNS``), the
scenario and, optionally, the requirements.  It shares no constraint code with
the CP-SAT model (no ortools import): each rule is re-derived here in plain
Python from the scenario's numbers, so a modelling bug shows up as a
violation instead of being repeated.  The only shared conventions are the lunch
window (:func:`wfm.roster.shifts.lunch_window`), used to say where a
template's lunch should be in messages, and which ``[[breaks]]`` rule a shift
follows (:func:`wfm.roster.breaks.rule_for`).

Rules checked (``Violation.rule``):

======================  ==================================================================
``columns``             the activities frame has every HR_Import column
``unknown_employee``    every row names an agent of the scenario
``unknown_activity``    every activity is one of ``schema.ACTIVITIES``
``date_outside_horizon`` every row's date lies in the horizon
``day_rows``            each agent has exactly one SHIFT, OFF or LEAVE row per day
``unknown_shift``       a SHIFT's code is a shift template
``shift_times``         a SHIFT's start, end and minutes match its template
``lunch``               a shift with unpaid minutes has one LUNCH of that length inside it
                        (without ``[[breaks]]`` rules)
``breaks``              with ``[[breaks]]`` rules: each shift has exactly its rule's BREAK
                        (paid) and LUNCH (unpaid) rows with their lengths, each starting on
                        the 15-minute grid, not within ``min_offset_minutes`` of the start
                        nor ending within ``min_before_end_minutes`` of the end, the lunch
                        inside ``lunch_window``, ``min_gap_minutes`` between two of them
``overlap``             an agent's shifts do not overlap; inner activities lie inside
                        their shift and do not overlap each other
``leave``               no SHIFT on approved leave; LEAVE only on approved leave days
``start_date``          no SHIFT before the agent's start date
``skills``              a SHIFT's queue is one of the agent's skills
``rest``                at least ``min_rest_hours`` from the end of a shift to the next start
``consecutive_days``    at most ``max_consecutive_days`` worked days in a row
                        (days before the horizon assumed off)
``days_off_per_week``   per ISO week (Mon-Sun) at least ``min_days_off_per_week`` days
                        without a shift; a partial week of k days needs
                        ``max(0, min - (7 - k))``
``weekly_minutes``      paid minutes worked per ISO week at most
                        ``min(max_weekly_minutes, contract - LEAVE minutes)``
``contract``            paid minutes worked in the horizon at most the contract's
                        ``max_horizon_minutes``, else the prorated contract:
                        ``contract * employed_days // 7 - leave_days * round(contract / 5)``
``min_horizon_minutes`` at least the contract's ``min_horizon_minutes`` paid minutes
``max_shifts``          at most the contract's count of each shift code
``unavailable``         no SHIFT on a day marked unavailable in time_off.csv
``availability``        an agent with availability.csv rows works only shifts inside a
                        window of that day (a date's rows replace its weekday's)
``forbidden_succession`` no ``second`` shift the day after ``first`` (``[rules]``)
``min_consecutive_days`` runs of worked days not touching the horizon's edges last at
                        least ``min_consecutive_days``
``min_consecutive_days_off`` the same for runs of days without a shift
``days_off_pair``       every ISO week wholly inside the horizon has two consecutive
                        days without a shift (when ``days_off_pair_per_week``)
``min_weekly_minutes``  paid minutes per ISO week wholly inside the horizon, agent
                        employed throughout: at least ``min_weekly_minutes - LEAVE minutes``
``working_weekends``    weekends (Sat/Sun of one ISO week) with a shift: at most
                        ``max_working_weekends``
``late_shifts_per_week`` / ``night_shifts_per_week``: shifts of that family per ISO week
``late_then_early``     no early shift the day after a late or night shift
                        (``[wellbeing] no_late_then_early``)
``consecutive_late``    at most ``[wellbeing] max_consecutive_late`` late or night shifts on
                        consecutive days (days before the horizon assumed not late)
``mentoring``           each mentee (:func:`wfm.activities.pair_mentors`) works the mentor's
                        shift code on at least ``round(100 * same_shift_share)`` % of their
                        worked days
``sessions``            with a meetings frame (:func:`check_sessions`): every hard session of
                        :func:`wfm.activities.meetings` placed once, on a candidate day, inside
                        its window, course parts on increasing days, every expected member
                        working a shift that contains it
======================  ==================================================================

Every per-agent limit is the agent's own: ``[rules]`` with its contract's
overrides (:meth:`wfm.schema.Scenario.agent_rules`).

Paid minutes of a shift = SHIFT minutes minus its unpaid inner activities.
On-phone time of a shift = the SHIFT span minus its LUNCH, BREAK, TRAINING,
MENTORING and WELLBEING rows; coverage counts it per queue and interval in
agents (minutes / interval length, so fractional).  A new hire in ramp-up
(:func:`wfm.activities.ramping`) counts for
:func:`wfm.activities.ramp_minutes` of their on-phone minutes in each
interval, as the model counts them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wfm import activities as A
from wfm import schema as S
from wfm.roster.breaks import rule_for
from wfm.roster.rules.fairness import carried, public_holidays
from wfm.roster.shifts import comparison_groups, lunch_window, shift_family
from wfm.schema import Agent, Scenario

DAY_MARKERS = ("SHIFT", "OFF", "LEAVE")
OFF_PHONE = ("LUNCH", "BREAK", "TRAINING", "MENTORING", "WELLBEING")
SHORT_TIER_FACTORS = (1.0, 1.5, 2.0)  # 1st agent short, 2nd, every further one
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class Violation:
    """One broken rule, in the scheduler's words."""

    rule: str
    employee_id: str | None
    dates: tuple[dt.date, ...]
    message: str


@dataclass(frozen=True)
class CheckReport:
    """What :func:`check_roster` found.

    ``coverage``: queue, ds, scheduled (agents on the phone, fractional) and,
    when requirements were given, required and gap (scheduled - required).
    ``weekly``: employee_id, week (ISO ``YYYY-Www``), days (in the horizon),
    paid_minutes (worked), leave_minutes, cap_minutes.
    ``agent_totals``: employee_id, shifts, paid_minutes, leave_minutes,
    target_minutes for the whole horizon.
    """

    violations: list[Violation]
    coverage: pd.DataFrame = field(repr=False)
    weekly: pd.DataFrame = field(repr=False)
    agent_totals: pd.DataFrame = field(repr=False)

    @property
    def ok(self) -> bool:
        return not self.violations

    def rules_broken(self) -> set[str]:
        return {v.rule for v in self.violations}


# ---------------------------------------------------------------------------
# Normalising the activities frame
# ---------------------------------------------------------------------------
def _wall_minutes(values: pd.Series, first_day: dt.date, tz: str) -> np.ndarray:
    """Wall-clock minutes after midnight of ``first_day`` (naive timestamps are taken as local)."""
    stamps = pd.to_datetime(values)
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_convert(tz).dt.tz_localize(None)
    return ((stamps - pd.Timestamp(first_day)) / pd.Timedelta(minutes=1)).to_numpy(dtype=float)


def _as_bool(values: pd.Series) -> pd.Series:
    if values.dtype == bool:
        return values
    return values.map(lambda v: str(v).strip().upper() in ("TRUE", "1", "YES")).astype(bool)


def _normalise(scenario: Scenario, activities: pd.DataFrame) -> pd.DataFrame:
    h = scenario.horizon
    frame = activities.reset_index(drop=True).copy()
    frame[S.DATE] = pd.to_datetime(frame[S.DATE]).dt.date
    frame["t0"] = _wall_minutes(frame[S.START], h.start, h.timezone)
    frame["t1"] = _wall_minutes(frame[S.END], h.start, h.timezone)
    frame[S.PAID] = _as_bool(frame[S.PAID])
    frame[S.MINUTES] = pd.to_numeric(frame[S.MINUTES]).astype(float)
    frame[S.QUEUE] = frame[S.QUEUE].map(lambda q: None if pd.isna(q) or q == "" else str(q))
    frame[S.SHIFT_CODE] = frame[S.SHIFT_CODE].map(lambda c: None if pd.isna(c) else str(c))
    frame[S.EMPLOYEE_ID] = frame[S.EMPLOYEE_ID].astype(str)
    return frame


def _clock(minute: float) -> str:
    m = int(round(minute)) % MINUTES_PER_DAY
    return f"{m // 60:02d}:{m % 60:02d}"


# ---------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------
class _Checker:
    def __init__(self, scenario: Scenario, activities: pd.DataFrame):
        self.sc = scenario
        self.h = scenario.horizon
        self.days = self.h.days
        self.day_set = set(self.days)
        self.agents: dict[str, Agent] = {a.employee_id: a for a in scenario.agents}
        self.shifts = {s.code: s for s in scenario.shifts}
        self.violations: list[Violation] = []
        self.leave: dict[str, set[dt.date]] = defaultdict(set)
        self.unavailable: dict[str, set[dt.date]] = defaultdict(set)
        for t in scenario.time_off:
            if t.kind == "leave":
                self.leave[t.employee_id].add(t.date)
            elif t.kind == "unavailable":
                self.unavailable[t.employee_id].add(t.date)
        self.rules = {a.employee_id: scenario.agent_rules(a) for a in scenario.agents}
        self.contracts = {a.employee_id: scenario.agent_contract(a) for a in scenario.agents}
        self.windows: dict[str, dict[dt.date, list[tuple[int, int]]]] = _availability(scenario)
        self.frame = _normalise(scenario, activities)

    def flag(self, rule: str, eid: str | None, dates, message: str) -> None:
        prefix = f"{self.label(eid)}: " if eid is not None else ""
        self.violations.append(Violation(rule, eid, tuple(dates), prefix + message))

    def label(self, eid: str) -> str:
        agent = self.agents.get(eid)
        return f"{eid} {agent.name}".strip() if agent else eid

    def day_start(self, day: dt.date) -> int:
        return (day - self.h.start).days * MINUTES_PER_DAY

    # -- row-level checks ------------------------------------------------------------
    def check_rows(self) -> pd.DataFrame:
        f = self.frame
        keep = pd.Series(True, index=f.index)
        for i, row in f.iterrows():
            eid, day = row[S.EMPLOYEE_ID], row[S.DATE]
            if eid not in self.agents:
                self.flag("unknown_employee", None, [day], f"row {i}: employee {eid} is not in agents.csv")
                keep[i] = False
            elif row[S.ACTIVITY] not in S.ACTIVITIES:
                self.flag(
                    "unknown_activity",
                    eid,
                    [day],
                    f"activity '{row[S.ACTIVITY]}' on {day} is not one of {', '.join(S.ACTIVITIES)}",
                )
                keep[i] = False
            elif day not in self.day_set:
                self.flag(
                    "date_outside_horizon",
                    eid,
                    [day],
                    f"{row[S.ACTIVITY]} on {day} is outside the horizon {self.h.start} to {self.h.end}",
                )
                keep[i] = False
        return f[keep]

    def check_day_rows(self, f: pd.DataFrame) -> None:
        markers = f[f[S.ACTIVITY].isin(DAY_MARKERS)]
        counts = markers.groupby([S.EMPLOYEE_ID, S.DATE])[S.ACTIVITY].agg(list).to_dict()
        for eid in self.agents:
            for day in self.days:
                found = counts.get((eid, day), [])
                if len(found) == 0:
                    self.flag("day_rows", eid, [day], f"{day} has no SHIFT, OFF or LEAVE row")
                elif len(found) > 1:
                    self.flag(
                        "day_rows",
                        eid,
                        [day],
                        f"{day} has {len(found)} day rows ({', '.join(sorted(found))}); exactly one is allowed",
                    )

    def check_shifts(self, shifts: pd.DataFrame) -> pd.DataFrame:
        """Template, times, skills, leave and start date of every SHIFT row; returns the usable ones."""
        good = pd.Series(True, index=shifts.index)
        for i, row in shifts.iterrows():
            eid, day, code = row[S.EMPLOYEE_ID], row[S.DATE], row[S.SHIFT_CODE]
            agent = self.agents[eid]
            template = self.shifts.get(code)
            if day in self.leave.get(eid, ()):
                self.flag("leave", eid, [day], f"works {code} on {day}, a day of approved leave")
            if day in self.unavailable.get(eid, ()):
                self.flag("unavailable", eid, [day], f"works {code} on {day}, a day marked unavailable")
            if day < agent.start_date:
                self.flag(
                    "start_date",
                    eid,
                    [day],
                    f"works {code} on {day}, before the start date {agent.start_date}",
                )
            queue = row[S.QUEUE]
            if queue not in agent.skills:
                skills = ", ".join(agent.skills)
                self.flag(
                    "skills", eid, [day], f"serves queue '{queue}' on {day} but is skilled for {skills}"
                )
            if template is None:
                self.flag(
                    "unknown_shift", eid, [day], f"shift code '{code}' on {day} is not a shift template"
                )
                good[i] = False
                continue
            if eid in self.windows and day in self.windows[eid]:
                fits = [
                    (lo, hi)
                    for lo, hi in self.windows[eid][day]
                    if lo <= template.start_minute and template.end_minute <= hi
                ]
                if not fits:
                    allowed = ", ".join(f"{_clock(lo)}-{_clock(hi)}" for lo, hi in self.windows[eid][day]) or "none"
                    self.flag(
                        "availability",
                        eid,
                        [day],
                        f"works {code} ({_clock(template.start_minute)}-{_clock(template.end_minute)}) on {day}, "
                        f"outside their availability that day ({allowed})",
                    )
            expect0 = self.day_start(day) + template.start_minute
            expect1 = expect0 + template.length_minutes
            if row["t0"] != expect0 or row["t1"] != expect1 or row[S.MINUTES] != template.length_minutes:
                self.flag(
                    "shift_times",
                    eid,
                    [day],
                    f"{code} on {day} runs {_clock(row['t0'])}-{_clock(row['t1'])} ({row[S.MINUTES]:g} min); "
                    f"the template runs {_clock(expect0)}-{_clock(expect1)} ({template.length_minutes} min)",
                )
        return shifts[good]

    def check_inner(self, shifts: pd.DataFrame, inner: pd.DataFrame) -> None:
        """Lunch length and presence, inner activities inside their shift, no overlaps."""
        shift_of = {(r[S.EMPLOYEE_ID], r[S.DATE]): r for _, r in shifts.iterrows()}
        for (eid, day), rows in inner.groupby([S.EMPLOYEE_ID, S.DATE], sort=True):
            shift = shift_of.get((eid, day))
            if shift is None:
                names = ", ".join(sorted(set(rows[S.ACTIVITY])))
                self.flag("overlap", eid, [day], f"{names} on {day} without a shift that day")
                continue
            spans = sorted(zip(rows["t0"], rows["t1"], rows[S.ACTIVITY], strict=True))
            for t0, t1, name in spans:
                if t0 < shift["t0"] or t1 > shift["t1"] or t1 <= t0:
                    self.flag(
                        "overlap",
                        eid,
                        [day],
                        f"{name} {_clock(t0)}-{_clock(t1)} on {day} is not inside the shift "
                        f"{_clock(shift['t0'])}-{_clock(shift['t1'])}",
                    )
            for (a0, a1, an), (b0, b1, bn) in zip(spans, spans[1:], strict=False):
                if b0 < a1:
                    self.flag(
                        "overlap",
                        eid,
                        [day],
                        f"{an} {_clock(a0)}-{_clock(a1)} and {bn} {_clock(b0)}-{_clock(b1)} overlap on {day}",
                    )
        if self.sc.break_rules:
            self.check_blocks(shift_of, inner)
            return
        lunches = inner[inner[S.ACTIVITY] == "LUNCH"]
        lunch_rows = {k: g for k, g in lunches.groupby([S.EMPLOYEE_ID, S.DATE])}
        for (eid, day), shift in shift_of.items():
            template = self.shifts[shift[S.SHIFT_CODE]]
            found = lunch_rows.get((eid, day))
            n = 0 if found is None else len(found)
            if template.unpaid_minutes == 0:
                if n:
                    self.flag(
                        "lunch", eid, [day], f"{template.code} on {day} has no unpaid lunch, but a LUNCH row"
                    )
                continue
            if n != 1:
                start, end = lunch_window(template)
                at = self.day_start(day) + template.start_minute
                self.flag(
                    "lunch",
                    eid,
                    [day],
                    f"{template.code} on {day} needs one {template.unpaid_minutes}-minute LUNCH "
                    f"({_clock(at + start)}-{_clock(at + end)}); found {n}",
                )
                continue
            row = found.iloc[0]
            length = row["t1"] - row["t0"]
            if length != template.unpaid_minutes or row[S.MINUTES] != template.unpaid_minutes or row[S.PAID]:
                self.flag(
                    "lunch",
                    eid,
                    [day],
                    f"LUNCH on {day} is {length:g} min ({row[S.MINUTES]:g} recorded, paid={row[S.PAID]}); "
                    f"{template.code} has {template.unpaid_minutes} unpaid minutes",
                )

    def check_blocks(self, shift_of: dict, inner: pd.DataFrame) -> None:
        """With ``[[breaks]]`` rules: each shift has exactly its rule's breaks and lunch, where the rule allows."""
        blocks = inner[inner[S.ACTIVITY].isin(("BREAK", "LUNCH"))]
        rows_of = {k: g for k, g in blocks.groupby([S.EMPLOYEE_ID, S.DATE])}
        for (eid, day), shift in shift_of.items():
            template = self.shifts[shift[S.SHIFT_CODE]]
            rule = rule_for(template, self.sc.break_rules)
            found = rows_of.get((eid, day))
            rows = [] if found is None else sorted(
                zip(found["t0"], found["t1"], found[S.ACTIVITY], found[S.MINUTES], found[S.PAID], strict=True)
            )
            code = template.code
            if rule is None:
                if rows:
                    self.flag(
                        "breaks", eid, [day], f"{code} on {day} has breaks or a lunch, but no [[breaks]] rule applies"
                    )
                continue
            want = sorted([("BREAK", m) for m in rule.breaks] + ([("LUNCH", rule.lunch_minutes)] if rule.lunch_minutes else []))
            have = sorted((name, t1 - t0) for t0, t1, name, _, _ in rows)
            if want != have:
                def words(items):
                    return ", ".join(f"{n} {m:g} min" for n, m in items) or "none"

                self.flag(
                    "breaks", eid, [day], f"{code} on {day} needs {words(want)}; found {words(have)}"
                )
            start, end = shift["t0"], shift["t1"]
            for t0, t1, name, minutes, paid in rows:
                what = f"{name} {_clock(t0)}-{_clock(t1)} on {day}"
                if minutes != t1 - t0 or paid != (name == "BREAK"):
                    self.flag(
                        "breaks", eid, [day],
                        f"{what} records {minutes:g} min, paid={paid}; a {name} of {t1 - t0:g} min is "
                        f"{'paid' if name == 'BREAK' else 'unpaid'}",
                    )
                if t0 % 15:
                    self.flag("breaks", eid, [day], f"{what} does not start on the 15-minute grid")
                if t0 < start + rule.min_offset_minutes:
                    self.flag(
                        "breaks", eid, [day],
                        f"{what} starts less than {rule.min_offset_minutes} min after the shift start {_clock(start)}",
                    )
                if t1 > end - rule.min_before_end_minutes:
                    self.flag(
                        "breaks", eid, [day],
                        f"{what} ends less than {rule.min_before_end_minutes} min before the shift end {_clock(end)}",
                    )
                if name == "LUNCH" and rule.lunch_window is not None:
                    w0, w1 = rule.lunch_window
                    at = t0 % MINUTES_PER_DAY
                    if at < w0 or at + (t1 - t0) > w1:
                        self.flag(
                            "breaks", eid, [day], f"{what} is outside the lunch window {_clock(w0)}-{_clock(w1)}"
                        )
            for (_, a1, an, _, _), (b0, _, bn, _, _) in zip(rows, rows[1:], strict=False):
                if b0 - a1 < rule.min_gap_minutes:
                    self.flag(
                        "breaks", eid, [day],
                        f"{an} ending {_clock(a1)} and {bn} starting {_clock(b0)} on {day} are less than "
                        f"{rule.min_gap_minutes} min apart",
                    )

    def check_leave_rows(self, f: pd.DataFrame) -> None:
        leave_rows = f[f[S.ACTIVITY] == "LEAVE"]
        marked = set(zip(leave_rows[S.EMPLOYEE_ID], leave_rows[S.DATE], strict=True))
        for eid, day in sorted(marked):
            if day not in self.leave.get(eid, ()):
                self.flag("leave", eid, [day], f"LEAVE on {day} without approved leave")
        off = f[f[S.ACTIVITY] == "OFF"]
        off_days = set(zip(off[S.EMPLOYEE_ID], off[S.DATE], strict=True))
        for eid, days in sorted(self.leave.items()):
            for day in sorted(days):
                if (eid, day) in off_days:
                    self.flag(
                        "leave", eid, [day], f"approved leave on {day} is shown as OFF instead of LEAVE"
                    )

    # -- agent-level checks ----------------------------------------------------------
    def check_rest_and_overlap(self, shifts: pd.DataFrame) -> None:
        need = self.sc.rules.min_rest_hours * 60
        for eid, rows in shifts.groupby(S.EMPLOYEE_ID, sort=True):
            spans = sorted(zip(rows["t0"], rows["t1"], rows[S.DATE], strict=True))
            for (_, a1, ad), (b0, _, bd) in zip(spans, spans[1:], strict=False):
                gap = b0 - a1
                if gap < 0:
                    self.flag("overlap", eid, [ad, bd], f"the shifts of {ad} and {bd} overlap")
                elif gap < need:
                    self.flag(
                        "rest",
                        eid,
                        [ad, bd],
                        f"rest between {ad} (ends {_clock(a1)}) and {bd} (starts {_clock(b0)}) is "
                        f"{gap / 60:.1f} h, minimum {self.sc.rules.min_rest_hours:g} h",
                    )

    def check_day_patterns(self, worked: dict[str, dict[dt.date, str]]) -> None:
        """Runs of work and of days off, days off per week, weekends, successions and late/night counts."""
        banned = set(self.sc.rules.forbidden_successions)
        family = {code: shift_family(t) for code, t in self.shifts.items()}
        weekends: dict[tuple[int, int], list[dt.date]] = {}
        for day in self.days:
            if day.weekday() >= 5:
                iso = day.isocalendar()
                weekends.setdefault((iso.year, iso.week), []).append(day)
        for eid in self.agents:
            rules = self.rules[eid]
            codes = worked.get(eid, {})
            flags = [day in codes for day in self.days]
            for start, end, working in _runs(flags):
                first, last = self.days[start], self.days[end]
                length = end - start + 1
                inner = start > 0 and end < len(self.days) - 1
                if working and length > rules.max_consecutive_days:
                    self.flag(
                        "consecutive_days",
                        eid,
                        [first, last],
                        f"works {length} days in a row from {first} to {last}, maximum {rules.max_consecutive_days}",
                    )
                if working and inner and length < rules.min_consecutive_days:
                    self.flag(
                        "min_consecutive_days",
                        eid,
                        [first, last],
                        f"works only {length} day(s) in a row from {first} to {last}, "
                        f"minimum {rules.min_consecutive_days}",
                    )
                if not working and inner and length < rules.min_consecutive_days_off:
                    self.flag(
                        "min_consecutive_days_off",
                        eid,
                        [first, last],
                        f"has only {length} day(s) off in a row from {first} to {last}, "
                        f"minimum {rules.min_consecutive_days_off}",
                    )
            for day, code in sorted(codes.items()):
                nxt = codes.get(day + dt.timedelta(days=1))
                if nxt is not None and (code, nxt) in banned:
                    self.flag(
                        "forbidden_succession",
                        eid,
                        [day, day + dt.timedelta(days=1)],
                        f"works {nxt} on {day + dt.timedelta(days=1)} the day after {code}, a forbidden succession",
                    )
            for week, days in self.weeks().items():
                need = max(0, rules.min_days_off_per_week - (7 - len(days)))
                off = sum(day not in codes for day in days)
                if off < need:
                    self.flag(
                        "days_off_per_week",
                        eid,
                        [days[0], days[-1]],
                        f"has {off} day(s) off in week {week} ({days[0]} to {days[-1]}), minimum {need}",
                    )
                if rules.days_off_pair_per_week and len(days) == 7:
                    if not any(a not in codes and b not in codes for a, b in zip(days, days[1:], strict=False)):
                        self.flag(
                            "days_off_pair",
                            eid,
                            [days[0], days[-1]],
                            f"has no two consecutive days off in week {week} ({days[0]} to {days[-1]})",
                        )
                for fam, key in (("late", "max_late_shifts_per_week"), ("night", "max_night_shifts_per_week")):
                    most = getattr(rules, key)
                    n = sum(family.get(codes[d]) == fam for d in days if d in codes)
                    if most is not None and n > most:
                        self.flag(
                            f"{fam}_shifts_per_week",
                            eid,
                            [days[0], days[-1]],
                            f"works {n} {fam} shifts in week {week}, maximum {most}",
                        )
            if rules.max_working_weekends is not None:
                worked_weekends = [days for days in weekends.values() if any(d in codes for d in days)]
                if len(worked_weekends) > rules.max_working_weekends:
                    self.flag(
                        "working_weekends",
                        eid,
                        [worked_weekends[0][0], worked_weekends[-1][-1]],
                        f"works {len(worked_weekends)} weekends, maximum {rules.max_working_weekends}",
                    )

    def check_wellbeing(self, worked: dict[str, dict[dt.date, str]]) -> None:
        """``[wellbeing]``: no early shift after a late or night one; at most N late or night shifts in a row."""
        cfg = self.sc.wellbeing
        if not cfg.no_late_then_early and cfg.max_consecutive_late is None:
            return
        family = {code: shift_family(t) for code, t in self.shifts.items()}
        one = dt.timedelta(days=1)
        for eid in self.agents:
            codes = worked.get(eid, {})
            late = [family.get(codes.get(day)) in ("late", "night") for day in self.days]
            if cfg.no_late_then_early:
                for day, code in sorted(codes.items()):
                    nxt = codes.get(day + one)
                    if (
                        family.get(code) in ("late", "night")
                        and nxt is not None
                        and family.get(nxt) == "early"
                    ):
                        self.flag(
                            "late_then_early",
                            eid,
                            [day, day + one],
                            f"works early shift {nxt} on {day + one} the day after {family[code]} shift {code}",
                        )
            most = cfg.max_consecutive_late
            if most is not None:
                for start, end, is_late in _runs(late):
                    if is_late and end - start + 1 > most:
                        first, last = self.days[start], self.days[end]
                        self.flag(
                            "consecutive_late",
                            eid,
                            [first, last],
                            f"works {end - start + 1} late or night shifts in a row from {first} to {last}, "
                            f"maximum {most}",
                        )

    def check_mentoring(self, worked: dict[str, dict[dt.date, str]]) -> None:
        """Each mentee works the mentor's shift on at least the mentoring share of their worked days."""
        cfg = self.sc.mentoring
        if cfg is None or cfg.same_shift_share <= 0:
            return
        percent = round(100 * cfg.same_shift_share)
        for pair in A.pair_mentors(self.sc):
            mine, theirs = worked.get(pair.mentee, {}), worked.get(pair.mentor, {})
            if not mine:
                continue
            same = sum(theirs.get(day) == code for day, code in mine.items())
            if 100 * same < percent * len(mine):
                self.flag(
                    "mentoring",
                    pair.mentee,
                    [min(mine), max(mine)],
                    f"works the same shift as mentor {pair.mentor} on {same} of {len(mine)} working days "
                    f"({100 * same / len(mine):.0f}%), minimum {percent}%",
                )

    def weeks(self) -> dict[str, list[dt.date]]:
        out: dict[str, list[dt.date]] = {}
        for day in self.days:
            iso = day.isocalendar()
            out.setdefault(f"{iso.year}-W{iso.week:02d}", []).append(day)
        return out

    def minutes_tables(self, f: pd.DataFrame, shifts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        unpaid = f[f[S.ACTIVITY].isin(OFF_PHONE) & ~f[S.PAID]]
        unpaid_by_day = unpaid.groupby([S.EMPLOYEE_ID, S.DATE])[S.MINUTES].sum().to_dict()
        paid_by_day: dict[tuple[str, dt.date], float] = {}
        for _, r in shifts.iterrows():
            key = (r[S.EMPLOYEE_ID], r[S.DATE])
            paid_by_day[key] = paid_by_day.get(key, 0) + r[S.MINUTES] - unpaid_by_day.get(key, 0)
        leave_rows = f[f[S.ACTIVITY] == "LEAVE"]
        leave_by_day = leave_rows.groupby([S.EMPLOYEE_ID, S.DATE])[S.MINUTES].sum().to_dict()

        weekly, totals = [], []
        for eid, agent in self.agents.items():
            rules = self.rules[eid]
            for week, days in self.weeks().items():
                paid = sum(paid_by_day.get((eid, d), 0) for d in days)
                leave = sum(leave_by_day.get((eid, d), 0) for d in days)
                cap = max(0, min(rules.max_weekly_minutes, agent.contract_minutes_per_week - leave))
                weekly.append((eid, week, len(days), paid, leave, cap))
                if paid > cap:
                    self.flag(
                        "weekly_minutes",
                        eid,
                        [days[0], days[-1]],
                        f"works {paid:g} paid minutes in week {week}, maximum {cap:g}"
                        + (f" ({leave:g} min of leave credited)" if leave else ""),
                    )
                floor = rules.min_weekly_minutes - leave
                if len(days) == 7 and days[0] >= agent.start_date and rules.min_weekly_minutes and paid < floor:
                    self.flag(
                        "min_weekly_minutes",
                        eid,
                        [days[0], days[-1]],
                        f"works {paid:g} paid minutes in week {week}, minimum {floor:g}"
                        + (f" ({leave:g} min of leave credited)" if leave else ""),
                    )
            employed = [d for d in self.days if d >= agent.start_date]
            leave_days = sum(d in self.leave.get(eid, ()) for d in employed)
            cmpw = agent.contract_minutes_per_week
            target = max(0, cmpw * len(employed) // 7 - leave_days * round(cmpw / 5))
            contract = self.contracts[eid]
            cap = target
            if contract is not None and contract.max_horizon_minutes is not None:
                cap = contract.max_horizon_minutes
            paid = sum(paid_by_day.get((eid, d), 0) for d in self.days)
            leave = sum(leave_by_day.get((eid, d), 0) for d in self.days)
            mine = shifts[shifts[S.EMPLOYEE_ID] == eid]
            totals.append((eid, len(mine), paid, leave, min(target, cap), cap))
            if paid > cap:
                self.flag(
                    "contract",
                    eid,
                    [self.days[0], self.days[-1]],
                    f"works {paid:g} paid minutes in the horizon, more than the contract's {cap} for it",
                )
            if contract is not None and contract.min_horizon_minutes and paid < contract.min_horizon_minutes:
                self.flag(
                    "min_horizon_minutes",
                    eid,
                    [self.days[0], self.days[-1]],
                    f"works {paid:g} paid minutes in the horizon, less than the contract's minimum "
                    f"{contract.min_horizon_minutes}",
                )
            if contract is not None:
                counts = mine[S.SHIFT_CODE].value_counts().to_dict()
                for code, most in contract.max_shifts:
                    if counts.get(code, 0) > most:
                        self.flag(
                            "max_shifts",
                            eid,
                            [self.days[0], self.days[-1]],
                            f"works {counts[code]} {code} shifts, the contract allows {most}",
                        )
        weekly_df = pd.DataFrame(
            weekly, columns=[S.EMPLOYEE_ID, "week", "days", "paid_minutes", "leave_minutes", "cap_minutes"]
        )
        totals_df = pd.DataFrame(
            totals,
            columns=[S.EMPLOYEE_ID, "shifts", "paid_minutes", "leave_minutes", "target_minutes", "cap_minutes"],
        )
        return weekly_df, totals_df

    # -- coverage --------------------------------------------------------------------
    def coverage(self, f: pd.DataFrame, shifts: pd.DataFrame) -> pd.DataFrame:
        size = self.h.interval_minutes
        n = len(self.days) * (MINUTES_PER_DAY // size)
        queues = [q.name for q in self.sc.queues]
        minutes = {q: np.zeros(n, dtype=float) for q in queues}
        breaks = f[f[S.ACTIVITY].isin(OFF_PHONE)]
        breaks_by = {
            k: list(zip(g["t0"], g["t1"], strict=True)) for k, g in breaks.groupby([S.EMPLOYEE_ID, S.DATE])
        }
        for _, r in shifts.iterrows():
            q = r[S.QUEUE]
            if q not in minutes:
                continue
            on = _subtract([(r["t0"], r["t1"])], breaks_by.get((r[S.EMPLOYEE_ID], r[S.DATE]), []))
            agent = self.agents[r[S.EMPLOYEE_ID]]
            ramping = A.ramping(self.sc, agent, r[S.DATE])
            acc = np.zeros(n, dtype=float) if ramping else minutes[q]
            for t0, t1 in on:
                _spread(acc, t0, t1, size)
            if ramping:  # a ramping new hire counts for ramp_minutes of each interval's minutes
                fraction = A.ramp_fraction(self.sc, agent, r[S.DATE])
                for k in np.flatnonzero(acc):
                    minutes[q][k] += A.ramp_minutes(int(round(acc[k])), fraction)
        # wall-clock interval grid (the same as horizon.interval_index() outside daylight-saving switches)
        naive = pd.date_range(pd.Timestamp(self.h.start), periods=n, freq=f"{size}min")
        ds = naive.tz_localize(
            self.h.timezone, nonexistent="shift_forward", ambiguous=np.zeros(n, dtype=bool)
        )
        frames = [pd.DataFrame({S.QUEUE: q, S.DS: ds, S.SCHEDULED: minutes[q] / size}) for q in queues]
        return pd.concat(frames, ignore_index=True)


def _runs(flags: list[bool]) -> list[tuple[int, int, bool]]:
    """Maximal runs of equal values: ``(first index, last index, value)``."""
    out: list[tuple[int, int, bool]] = []
    for i, v in enumerate(flags):
        if out and out[-1][2] == v:
            out[-1] = (out[-1][0], i, v)
        else:
            out.append((i, i, v))
    return out


def _availability(scenario: Scenario) -> dict[str, dict[dt.date, list[tuple[int, int]]]]:
    """Employee -> date -> windows ``(start, end)`` in minutes (only agents with availability rows)."""
    rows: dict[str, list] = defaultdict(list)
    for r in scenario.availability:
        rows[r.employee_id].append(r)
    out: dict[str, dict[dt.date, list[tuple[int, int]]]] = {}
    for eid, mine in rows.items():
        per_day: dict[dt.date, list[tuple[int, int]]] = {}
        for day in scenario.horizon.days:
            dated = [(r.start_minute, r.end_minute) for r in mine if r.date == day]
            weekly = [(r.start_minute, r.end_minute) for r in mine if r.date is None and r.weekday == day.weekday()]
            per_day[day] = dated or weekly
        out[eid] = per_day
    return out


def _subtract(spans: list[tuple[float, float]], cuts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    for c0, c1 in cuts:
        out = []
        for s0, s1 in spans:
            if c1 <= s0 or c0 >= s1:
                out.append((s0, s1))
                continue
            if c0 > s0:
                out.append((s0, c0))
            if c1 < s1:
                out.append((c1, s1))
        spans = out
    return spans


def _spread(acc: np.ndarray, t0: float, t1: float, size: int) -> None:
    """Add the minutes of [t0, t1) to the intervals they fall in (ignoring minutes outside the horizon)."""
    k = int(max(t0, 0) // size)
    while k < len(acc) and k * size < t1:
        overlap = min(t1, (k + 1) * size) - max(t0, k * size)
        if overlap > 0:
            acc[k] += overlap
        k += 1


def _required(scenario: Scenario, coverage: pd.DataFrame, requirements: pd.DataFrame) -> pd.DataFrame:
    h = scenario.horizon
    req = requirements[[S.QUEUE, S.DS, S.AGENTS_REQUIRED_GROSS]].copy()
    req["_t"] = _wall_minutes(req[S.DS], h.start, h.timezone)
    cov = coverage.copy()
    cov["_t"] = _wall_minutes(cov[S.DS], h.start, h.timezone)
    out = cov.merge(req.drop(columns=S.DS), on=[S.QUEUE, "_t"], how="left").drop(columns="_t")
    out = out.rename(columns={S.AGENTS_REQUIRED_GROSS: S.REQUIRED})
    out[S.REQUIRED] = out[S.REQUIRED].fillna(0.0).astype(float)
    out[S.GAP] = out[S.SCHEDULED] - out[S.REQUIRED]
    return out


def sessions_from_rows(scenario: Scenario, activities: pd.DataFrame) -> pd.DataFrame | None:
    """The sessions a roster holds, read from its HR_Import rows alone (MEETING_COLUMNS), or None without any.

    A session's rows are the TRAINING, MENTORING and WELLBEING rows whose
    ``detail`` names a session of :func:`wfm.activities.meetings`; rows of one
    session on one date and start form one placed session, its members the
    agents with such a row.
    """
    expected = {m.detail: m for m in A.meetings(scenario)}
    if not expected or S.DETAIL not in activities.columns:
        return None
    rows = activities[activities[S.ACTIVITY].isin(("TRAINING", "MENTORING", "WELLBEING"))]
    rows = rows[rows[S.DETAIL].isin(list(expected))]
    out = []
    for (detail, day, start), g in rows.groupby([S.DETAIL, S.DATE, S.START], sort=True):
        m = expected[detail]
        members = ";".join(sorted(g[S.EMPLOYEE_ID].astype(str)))
        out.append((m.id, m.activity, detail, day, start, g[S.END].max(), int(g[S.MINUTES].max()), members, m.trainer or ""))
    return pd.DataFrame(out, columns=list(S.MEETING_COLUMNS))


def check_sessions(scenario: Scenario, assignments: pd.DataFrame, meetings: pd.DataFrame) -> list[Violation]:
    """Every session placed as :func:`wfm.activities.meetings` requires (rule ``sessions``).

    ``assignments``: one row per worked shift with employee_id, date and
    shift_code (an assignments frame or HR_Import rows; only SHIFT rows of
    the latter count).  ``meetings``: MEETING_COLUMNS, one row per session
    placed.  Checked: each hard session appears exactly once (a soft one at
    most once); its date is one of its candidate days; it lasts its minutes,
    starts on the 15-minute grid and lies inside its time window; the parts
    of a course lie on strictly increasing dates; and every member expected
    that day works a shift whose span contains the session.
    """
    h = scenario.horizon
    out: list[Violation] = []
    names = {a.employee_id: a.name for a in scenario.agents}
    templates = {t.code: t for t in scenario.shifts}

    def flag(eid: str | None, dates, message: str) -> None:
        prefix = f"{eid} {names.get(eid, '')}".strip() + ": " if eid is not None else ""
        out.append(Violation("sessions", eid, tuple(dates), prefix + message))

    work = assignments
    if S.ACTIVITY in work.columns:
        work = work[work[S.ACTIVITY] == "SHIFT"]
    shift_on: dict[tuple[str, dt.date], str] = {}
    for eid, day, code in zip(
        work[S.EMPLOYEE_ID].astype(str), pd.to_datetime(work[S.DATE]).dt.date, work[S.SHIFT_CODE], strict=True
    ):
        if code in templates:
            shift_on[eid, day] = code
    expected = {m.id: m for m in A.meetings(scenario)}
    frame = meetings.reset_index(drop=True)
    if frame.empty:
        frame = pd.DataFrame(columns=list(S.MEETING_COLUMNS))
    dates = pd.to_datetime(frame[S.DATE]).dt.date if len(frame) else pd.Series([], dtype=object)
    t0 = _wall_minutes(frame[S.START], h.start, h.timezone) if len(frame) else np.array([])
    t1 = _wall_minutes(frame[S.END], h.start, h.timezone) if len(frame) else np.array([])
    placed: dict[str, list[tuple[dt.date, float, float, set[str]]]] = defaultdict(list)
    for i, mid in enumerate(frame[S.MEETING_ID].astype(str)):
        listed = {m.strip() for m in str(frame[S.MEMBERS].iat[i]).split(";") if m.strip()}
        placed[mid].append((dates.iat[i], float(t0[i]), float(t1[i]), listed))
    for mid in sorted(set(placed) - set(expected)):
        flag(None, [], f"session '{mid}' in the meetings is not a session the scenario asks for")
    day_of: dict[str, dt.date] = {}
    for mid, meeting in expected.items():
        what = f"Training '{meeting.detail}'" if meeting.activity == A.TRAINING else meeting.detail
        rows = placed.get(mid, [])
        if len(rows) != 1 and (meeting.hard or len(rows) > 1):
            flag(None, [r[0] for r in rows], f"{what} is placed {len(rows)} times; exactly once expected")
            continue
        if not rows:
            continue
        day, start, end, listed = rows[0]
        day_of[mid] = day
        allowed = [h.days[d] for d in meeting.days]
        if day not in allowed:
            flag(None, [day], f"{what} is on {day}, not one of its allowed days")
            continue
        base = (day - h.start).days * MINUTES_PER_DAY
        lo, hi = start - base, end - base
        if end - start != meeting.minutes:
            flag(
                None,
                [day],
                f"{what} on {day} lasts {end - start:g} min; the session is {meeting.minutes} min",
            )
        if lo % 15:
            flag(None, [day], f"{what} on {day} starts at {_clock(lo)}, not on the 15-minute grid")
        w0, w1 = meeting.window
        if lo < w0 or hi > w1:
            flag(
                None,
                [day],
                f"{what} on {day} runs {_clock(lo)}-{_clock(hi)}, outside its window {_clock(w0)}-{_clock(w1)}",
            )
        d = h.days.index(day)
        for eid in meeting.members_on(d):
            if eid not in listed:
                flag(eid, [day], f"is not listed among the members of {what} on {day}")
            code = shift_on.get((eid, day))
            shift = templates.get(code) if code is not None else None
            if shift is None or not (shift.start_minute <= lo and hi <= shift.end_minute):
                works = (
                    "works no shift"
                    if shift is None
                    else f"works {code} ({_clock(shift.start_minute)}-{_clock(shift.end_minute)})"
                )
                flag(eid, [day], f"{works} on {day}, so cannot attend {what} at {_clock(lo)}-{_clock(hi)}")
    by_series: dict[str, list[A.Meeting]] = defaultdict(list)
    for meeting in expected.values():
        if meeting.series is not None and meeting.id in day_of:
            by_series[meeting.series].append(meeting)
    for series, parts in by_series.items():
        parts.sort(key=lambda m: m.part)
        for first, then in zip(parts, parts[1:], strict=False):
            if day_of[then.id] <= day_of[first.id]:
                flag(
                    None,
                    [day_of[first.id], day_of[then.id]],
                    f"{series}: session {then.part} on {day_of[then.id]} is not after session {first.part} "
                    f"on {day_of[first.id]}",
                )
    return out


def check_roster(
    scenario: Scenario,
    activities: pd.DataFrame,
    requirements: pd.DataFrame | None = None,
    meetings: pd.DataFrame | None = None,
) -> CheckReport:
    """Re-verify every hard rule from the HR_Import ``activities`` alone; recompute coverage.

    ``requirements`` (queue, ds, agents_required_gross), when given, adds the
    required and gap columns to ``coverage``.  ``meetings`` (MEETING_COLUMNS,
    the sessions placed), when given, is checked by :func:`check_sessions`.
    """
    missing = [c for c in S.HR_IMPORT_REQUIRED if c not in activities.columns]
    if missing:
        v = Violation("columns", None, (), f"the roster lacks column(s) {', '.join(missing)}")
        empty = pd.DataFrame()
        return CheckReport([v], empty, empty, empty)
    if S.DETAIL not in activities.columns:  # rosters written before the column existed
        activities = activities.assign(**{S.DETAIL: ""})
    c = _Checker(scenario, activities)
    f = c.check_rows()
    c.check_day_rows(f)
    shifts = c.check_shifts(f[f[S.ACTIVITY] == "SHIFT"])
    c.check_inner(shifts, f[~f[S.ACTIVITY].isin(DAY_MARKERS)])
    c.check_leave_rows(f)
    c.check_rest_and_overlap(shifts)
    worked: dict[str, dict[dt.date, str]] = defaultdict(dict)
    for eid, day, code in zip(shifts[S.EMPLOYEE_ID], shifts[S.DATE], shifts[S.SHIFT_CODE], strict=True):
        worked[eid][day] = code
    c.check_day_patterns(worked)
    c.check_wellbeing(worked)
    c.check_mentoring(worked)
    if meetings is None:
        meetings = sessions_from_rows(scenario, f)
    if meetings is not None:
        c.violations.extend(check_sessions(scenario, shifts, meetings))
    from wfm.check_intraday import check_intraday

    for rule, eid, dates, message in check_intraday(scenario, f, requirements):
        c.violations.append(Violation(rule, eid, dates, message))
    weekly, totals = c.minutes_tables(f, shifts)
    coverage = c.coverage(f, shifts)
    if requirements is not None:
        coverage = _required(scenario, coverage, requirements)
    return CheckReport(c.violations, coverage, weekly, totals)


# ---------------------------------------------------------------------------
# The soft objective, recomputed
# ---------------------------------------------------------------------------
def penalty_ledger(scenario: Scenario, activities: pd.DataFrame, requirements: pd.DataFrame) -> pd.DataFrame:
    """The soft penalties of a roster (rule, employee_id, queue, ds, date, amount, unit, cost), from scratch.

    Coverage per queue and interval: ``short = max(0, required - scheduled)``
    agents cost ``short_agent_interval`` x 1 for the first agent, x 1.5 for the
    second, x 2 beyond; ``over = max(0, scheduled - required)`` agents cost
    ``over_agent_interval`` each.  Contract: hours below the prorated target
    cost ``contract_shortfall_hour``.  Requests: a worked day-off request and a
    shift request not worked as asked cost their weight (moot on leave days
    and before the start date).  Fairness: per comparison group, the spread
    (most minus least) of weekends, public holidays and late/night shifts
    worked, each plus what the agent carries in ``scenario.fairness_history``,
    and of paid hours.
    """
    w = scenario.weights
    report = check_roster(scenario, activities, requirements)
    rows: list[tuple] = []
    cov = report.coverage
    short = np.maximum(cov[S.REQUIRED] - cov[S.SCHEDULED], 0.0).to_numpy()
    over = np.maximum(cov[S.SCHEDULED] - cov[S.REQUIRED], 0.0).to_numpy()
    bands = [np.minimum(short, 1.0), np.clip(short - 1.0, 0.0, 1.0), np.maximum(short - 2.0, 0.0)]
    short_cost = w.short_agent_interval * sum(f * b for f, b in zip(SHORT_TIER_FACTORS, bands, strict=True))
    over_cost = w.over_agent_interval * over
    for rule, amount, cost in (("coverage_short", short, short_cost), ("coverage_over", over, over_cost)):
        for i in np.flatnonzero((amount > 1e-9) & (cost > 0)):
            rows.append((rule, None, cov[S.QUEUE].iat[i], cov[S.DS].iat[i], None, amount[i], "agents", cost[i]))

    for _, r in report.agent_totals.iterrows():
        gap = r["target_minutes"] - r["paid_minutes"]
        if gap > 0 and w.contract_shortfall_hour:
            rows.append(
                (
                    "contract_shortfall",
                    r[S.EMPLOYEE_ID],
                    None,
                    None,
                    None,
                    gap / 60,
                    "hours",
                    w.contract_shortfall_hour * gap / 60,
                )
            )

    f = _normalise(scenario, activities)
    shifts = f[f[S.ACTIVITY] == "SHIFT"]
    worked = {
        (e, d): code
        for e, d, code in zip(shifts[S.EMPLOYEE_ID], shifts[S.DATE], shifts[S.SHIFT_CODE], strict=True)
    }
    agents = {a.employee_id: a for a in scenario.agents}
    absent = {(t.employee_id, t.date) for t in scenario.time_off if t.kind in S.HARD_TIME_OFF_KINDS}
    days = set(scenario.horizon.days)
    requests = [t for t in scenario.time_off if t.kind not in S.HARD_TIME_OFF_KINDS]
    for t in sorted(requests, key=lambda r: (r.employee_id, r.date, r.kind, r.shift_code or "")):
        agent = agents.get(t.employee_id)
        if agent is None or t.date not in days or (t.employee_id, t.date) in absent or t.date < agent.start_date:
            continue
        code = worked.get((t.employee_id, t.date))
        weight = getattr(w, t.kind) if t.weight is None else t.weight
        missed = (
            (t.kind == "day_off_request" and code is not None)
            or (t.kind == "shift_request" and code != t.shift_code)
            or (t.kind == "shift_off_request" and code == t.shift_code)
        )
        if missed and weight:
            rows.append((t.kind, t.employee_id, None, None, t.date, 1.0, "requests", weight))

    for cover in scenario.shift_cover:
        n = sum(1 for (_, d), code in worked.items() if d == cover.date and code == cover.shift_code)
        if n < cover.required and cover.under_weight:
            short = cover.required - n
            rows.append(
                ("shift_cover_short", None, cover.shift_code, None, cover.date, short, "agents",
                 short * cover.under_weight)
            )
        if n > cover.required and cover.over_weight:
            over = n - cover.required
            rows.append(
                ("shift_cover_over", None, cover.shift_code, None, cover.date, over, "agents", over * cover.over_weight)
            )

    # fairness: spread (most - least) within each comparison group, of rolling totals where burden is
    # carried from earlier months (weekends, holidays, late shifts worked before plus this month's)
    family = {t.code: shift_family(t) for t in scenario.shifts}
    weekend_keys = sorted({(d.isocalendar().year, d.isocalendar().week) for d in days if d.weekday() >= 5})
    holidays = set(public_holidays(scenario))
    before = carried(scenario)
    paid = dict(zip(report.agent_totals[S.EMPLOYEE_ID], report.agent_totals["paid_minutes"], strict=True))

    def prior(e: str, burden: str) -> int:
        return before.get(e, {}).get(burden, 0)

    for group, eids in comparison_groups(scenario).items():
        mine = {e: {d: c for (x, d), c in worked.items() if x == e} for e in eids}
        measures = (
            ("weekend_spread", "weekends", w.weekend_spread, bool(weekend_keys),
             [len({(d.isocalendar().year, d.isocalendar().week) for d in mine[e] if d.weekday() >= 5})
              + prior(e, "weekends") for e in eids]),
            ("holiday_spread", "holidays", w.weekend_spread, bool(holidays),
             [sum(d in holidays for d in mine[e]) + prior(e, "holidays") for e in eids]),
            ("late_spread", "shifts", w.late_spread, any(f in ("late", "night") for f in family.values()),
             [sum(family[c] in ("late", "night") for c in mine[e].values()) + prior(e, "late_shifts")
              for e in eids]),
            ("shortfall_spread", "hours", w.shortfall_spread_hour / 60, True, [paid.get(e, 0) for e in eids]),
        )
        for rule, unit, weight, applies, values in measures:
            spread = max(values) - min(values)
            if applies and weight and spread:
                amount = spread / 60 if rule == "shortfall_spread" else spread
                rows.append((rule, None, group, None, None, amount, unit, weight * spread))

    # stable start times: distinct start times beyond the first per agent and ISO week
    if w.start_time_variety and len({t.start_minute for t in scenario.shifts}) > 1:
        starts: dict[tuple[str, tuple[int, int]], set[int]] = defaultdict(set)
        first_day: dict[tuple[int, int], dt.date] = {}
        for day in sorted(days):
            iso = day.isocalendar()
            first_day.setdefault((iso.year, iso.week), day)
        week_len = defaultdict(int)
        for day in days:
            week_len[(day.isocalendar().year, day.isocalendar().week)] += 1
        templates = {t.code: t for t in scenario.shifts}
        for (eid, day), code in worked.items():
            if code in templates:
                iso = day.isocalendar()
                starts[eid, (iso.year, iso.week)].add(templates[code].start_minute)
        for (eid, week), found in sorted(starts.items()):
            if len(found) > 1 and week_len[week] >= 2:
                extra = len(found) - 1
                rows.append(
                    ("start_time_variety", eid, None, None, first_day[week], extra, "start times",
                     extra * w.start_time_variety)
                )
    columns = ["rule", S.EMPLOYEE_ID, S.QUEUE, S.DS, S.DATE, "amount", "unit", "cost"]
    return pd.DataFrame(rows, columns=columns)


def recompute_penalties(scenario: Scenario, activities: pd.DataFrame, requirements: pd.DataFrame) -> float:
    """Total soft cost of a roster in cost units, recomputed without the solver (see :func:`penalty_ledger`)."""
    ledger = penalty_ledger(scenario, activities, requirements)
    return float(ledger["cost"].sum()) if len(ledger) else 0.0
