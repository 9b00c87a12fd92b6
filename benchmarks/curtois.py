"""Curtois & Qu (2014) staff-scheduling benchmark: wfm's roster engine against the best reported objectives.

    python benchmarks/curtois.py --data /work/shared/data/curtois_shift_scheduling \\
        --instances 1-12 --time-limit 60 [--workers 2] [--csv FILE] [--seed N] [-v]

``--data`` is the folder of ``instances_summary.csv`` and ``instances/InstanceN.txt`` (the
files may also sit in ``--data`` itself, plain or gzipped).  For each instance the script
parses the file, builds a wfm :class:`~wfm.schema.Scenario` from it, solves it with
:func:`wfm.roster.solve_roster` (the product's own rule units, no separate model) and
scores the returned roster twice, from its HR_Import rows alone:

* with :func:`evaluate`, a plain-Python Curtois evaluator written from the benchmark's
  definition (it imports nothing from ``wfm``): every hard constraint, and the objective;
* with wfm's independent checker (:func:`wfm.check.check_roster` and
  :func:`wfm.check.recompute_penalties`), which must agree with it.

The module is importable: ``tests/test_curtois.py`` loads it by path for the parser, the
evaluator and the adapter.

The instance format (schedulingbenchmarks.org/nrp) and how it maps onto wfm
-------------------------------------------------------------------------------
========================  ====================================================================
Curtois                   wfm
========================  ====================================================================
day ``i``                 ``START + i`` (``START`` is a Monday; Curtois instances start on one)
shift ``ID``, length      :class:`ShiftTemplate` ``ID`` at 06:00, ``length`` paid minutes, no
                          lunch: even a 720-minute shift ends at 18:00, before the next
                          day's start, so ``min_rest_hours=0`` and only the benchmark's own
                          successions restrict the next day
cannot follow             ``Rules.forbidden_successions`` ``(first, second)``
staff limits              one :class:`Contract` per employee: ``max_shifts``,
                          ``min/max_horizon_minutes``, ``min/max_consecutive_days``,
                          ``min_consecutive_days_off``, ``max_working_weekends``
SECTION_DAYS_OFF          :class:`TimeOff` ``unavailable`` (hard, unpaid)
shift on / off request    :class:`TimeOff` ``shift_request`` / ``shift_off_request`` with the
                          request's weight
cover                     :class:`ShiftCover` (soft, under / over weight per agent)
========================  ====================================================================

Everything else is switched off: one queue that every agent serves, an empty
requirements frame and every other soft weight at 0 (:func:`benchmark_weights`), no
weekly cap (``max_weekly_minutes`` and the weekly contract at a full week of minutes),
no weekly days off.

Edge conventions (schedulingbenchmarks.org/nrp/instances1_24.html; the IP in PetterS/monolith,
by Curtois's co-author Strandmark, skips the border windows of both minimums the same
way): maximum consecutive shifts and shift rotation assume the day before
and the day after the horizon are off; minimum consecutive shifts assume unlimited
shifts, and minimum consecutive days off unlimited days off, before and after the
horizon -- so a run touching the first or the last day is exempt from both minimums.
A weekend (days ``7w+5``, ``7w+6``) is worked if either day has a shift.

Data: Curtois, T. & Qu, R. (2014). Computational results on new staff scheduling
benchmark instances. Technical report, ASAP group, University of Nottingham
(schedulingbenchmarks.org).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import gzip
import logging
import math
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

START = dt.date(2024, 1, 1)  # a Monday: Curtois day 0
QUEUE_NAME = "curtois"
SHIFT_START = dt.time(6, 0)
WEEK_MINUTES = 7 * 24 * 60
SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)
STAFF_FIELDS = (
    "ID",
    "MaxShifts",
    "MaxTotalMinutes",
    "MinTotalMinutes",
    "MaxConsecutiveShifts",
    "MinConsecutiveShifts",
    "MinConsecutiveDaysOff",
    "MaxWeekends",
)


# ---------------------------------------------------------------------------
# The instance
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Shift:
    id: str
    minutes: int
    cannot_follow: tuple[str, ...]  # shift ids never worked the day after this one


@dataclass(frozen=True)
class Staff:
    id: str
    max_shifts: Mapping[str, int]  # shift id -> most shifts of that type in the horizon
    max_total_minutes: int
    min_total_minutes: int
    max_consecutive_shifts: int
    min_consecutive_shifts: int
    min_consecutive_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class Request:
    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    day: int
    shift: str
    requirement: int
    under_weight: int
    over_weight: int


@dataclass(frozen=True)
class Instance:
    """One benchmark instance, as the file states it (days are 0-based indexes)."""

    name: str
    days: int
    shifts: tuple[Shift, ...]
    staff: tuple[Staff, ...]
    days_off: Mapping[str, tuple[int, ...]]
    on_requests: tuple[Request, ...]
    off_requests: tuple[Request, ...]
    cover: tuple[Cover, ...]

    def shift(self, shift_id: str) -> Shift:
        return next(s for s in self.shifts if s.id == shift_id)

    @property
    def days_off_entries(self) -> int:
        return sum(len(days) for days in self.days_off.values())


class InstanceFormatError(ValueError):
    """A malformed instance file.  ``str()`` names the file, the line and what is wrong."""

    def __init__(self, source: str, line: int | None, problem: str):
        self.source, self.line, self.problem = source, line, problem
        where = f"{source} line {line}" if line else source
        super().__init__(f"{where}: {problem}")


def parse_instance(path: str | Path) -> Instance:
    """Read an instance file (plain or ``.gz``); raise :class:`InstanceFormatError` if malformed."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="ascii", errors="replace") as f:
        text = f.read()
    name = path.name.removesuffix(".gz").removesuffix(".txt")
    return parse_text(text, source=path.name, name=name)


def parse_text(text: str, *, source: str = "<text>", name: str = "instance") -> Instance:
    """Parse the text of an instance; ``source`` names it in error messages."""
    rows, header_line = _split_sections(text, source)

    def fail(line: int | None, problem: str) -> None:
        raise InstanceFormatError(source, line, problem)

    def number(line: int, section: str, what: str, value: str, lowest: int = 0) -> int:
        try:
            n = int(value)
        except ValueError:
            fail(line, f"{section}: {what} '{value}' is not a whole number")
        if n < lowest:
            fail(line, f"{section}: {what} {n} is below {lowest}")
        return n

    def fields(line: int, section: str, values: list[str], names: tuple[str, ...]) -> None:
        if len(values) != len(names):
            fail(
                line,
                f"{section}: expected {len(names)} comma-separated fields ({', '.join(names)}), "
                f"found {len(values)}",
            )

    # horizon
    horizon_rows = rows["SECTION_HORIZON"]
    if len(horizon_rows) != 1 or len(horizon_rows[0][1]) != 1:
        line = horizon_rows[1][0] if len(horizon_rows) > 1 else header_line["SECTION_HORIZON"]
        fail(line, "SECTION_HORIZON: expected exactly one line holding the number of days")
    line, (value,) = horizon_rows[0]
    days = number(line, "SECTION_HORIZON", "number of days", value, lowest=1)

    def day_index(line: int, section: str, value: str) -> int:
        d = number(line, section, "day", value)
        if d >= days:
            fail(line, f"{section}: day {d} is outside the horizon (days 0 to {days - 1})")
        return d

    # shifts
    shifts: dict[str, tuple[int, int, list[str]]] = {}
    for line, values in rows["SECTION_SHIFTS"]:
        if len(values) == 2:  # no "cannot follow" field at all: nothing is forbidden
            values = [*values, ""]
        fields(line, "SECTION_SHIFTS", values, ("ShiftID", "Length in mins", "cannot follow"))
        sid = values[0]
        if not sid:
            fail(line, "SECTION_SHIFTS: empty ShiftID")
        if sid in shifts:
            fail(line, f"SECTION_SHIFTS: shift '{sid}' is defined twice (first at line {shifts[sid][0]})")
        minutes = number(line, "SECTION_SHIFTS", f"length of shift '{sid}'", values[1], lowest=1)
        shifts[sid] = (line, minutes, [v.strip() for v in values[2].split("|") if v.strip()])
    if not shifts:
        fail(header_line["SECTION_SHIFTS"], "SECTION_SHIFTS: no shift types")
    known_shifts = ", ".join(shifts)

    def shift_id(line: int, section: str, value: str) -> str:
        if value not in shifts:
            fail(line, f"{section}: shift '{value}' is not in SECTION_SHIFTS ({known_shifts})")
        return value

    shift_objs = []
    for sid, (line, minutes, after) in shifts.items():
        for other in after:
            shift_id(line, "SECTION_SHIFTS", other)
        shift_objs.append(Shift(sid, minutes, tuple(after)))

    # staff
    staff: dict[str, tuple[int, Staff]] = {}
    for line, values in rows["SECTION_STAFF"]:
        fields(line, "SECTION_STAFF", values, STAFF_FIELDS)
        eid = values[0]
        if not eid:
            fail(line, "SECTION_STAFF: empty employee ID")
        if eid in staff:
            fail(line, f"SECTION_STAFF: employee '{eid}' is listed twice (first at line {staff[eid][0]})")
        limits: dict[str, int] = {}
        for item in values[1].split("|"):
            key, sep, count = item.partition("=")
            if not sep:
                fail(line, f"SECTION_STAFF: MaxShifts entry '{item}' of {eid} is not ShiftID=count")
            sid = shift_id(line, "SECTION_STAFF", key.strip())
            if sid in limits:
                fail(line, f"SECTION_STAFF: MaxShifts of {eid} limits shift '{sid}' twice")
            limits[sid] = number(line, "SECTION_STAFF", f"MaxShifts of {eid} for '{sid}'", count.strip())
        missing = [s for s in shifts if s not in limits]
        if missing:
            fail(line, f"SECTION_STAFF: MaxShifts of {eid} gives no limit for shift(s) {', '.join(missing)}")
        n = {
            name: number(line, "SECTION_STAFF", f"{name} of {eid}", value)
            for name, value in zip(STAFF_FIELDS[2:], values[2:], strict=True)
        }
        if n["MinTotalMinutes"] > n["MaxTotalMinutes"]:
            fail(
                line,
                f"SECTION_STAFF: MinTotalMinutes {n['MinTotalMinutes']} of {eid} exceeds "
                f"MaxTotalMinutes {n['MaxTotalMinutes']}",
            )
        if n["MinConsecutiveShifts"] > n["MaxConsecutiveShifts"]:
            fail(
                line,
                f"SECTION_STAFF: MinConsecutiveShifts {n['MinConsecutiveShifts']} of {eid} exceeds "
                f"MaxConsecutiveShifts {n['MaxConsecutiveShifts']}",
            )
        staff[eid] = (
            line,
            Staff(
                eid,
                dict(limits),
                n["MaxTotalMinutes"],
                n["MinTotalMinutes"],
                n["MaxConsecutiveShifts"],
                n["MinConsecutiveShifts"],
                n["MinConsecutiveDaysOff"],
                n["MaxWeekends"],
            ),
        )
    if not staff:
        fail(header_line["SECTION_STAFF"], "SECTION_STAFF: no employees")

    def employee(line: int, section: str, value: str) -> str:
        if value not in staff:
            fail(line, f"{section}: employee '{value}' is not in SECTION_STAFF")
        return value

    # days off
    days_off: dict[str, set[int]] = defaultdict(set)
    for line, values in rows["SECTION_DAYS_OFF"]:
        eid = employee(line, "SECTION_DAYS_OFF", values[0])
        for value in values[1:]:
            days_off[eid].add(day_index(line, "SECTION_DAYS_OFF", value))

    # requests
    def requests(section: str) -> tuple[Request, ...]:
        out = []
        for line, values in rows[section]:
            fields(line, section, values, ("EmployeeID", "Day", "ShiftID", "Weight"))
            out.append(
                Request(
                    employee(line, section, values[0]),
                    day_index(line, section, values[1]),
                    shift_id(line, section, values[2]),
                    number(line, section, "weight", values[3]),
                )
            )
        return tuple(out)

    # cover
    cover: dict[tuple[int, str], tuple[int, Cover]] = {}
    for line, values in rows["SECTION_COVER"]:
        fields(
            line,
            "SECTION_COVER",
            values,
            ("Day", "ShiftID", "Requirement", "Weight for under", "Weight for over"),
        )
        d = day_index(line, "SECTION_COVER", values[0])
        sid = shift_id(line, "SECTION_COVER", values[1])
        if (d, sid) in cover:
            fail(
                line,
                f"SECTION_COVER: day {d} shift '{sid}' has a second row (first at line {cover[d, sid][0]})",
            )
        cover[d, sid] = (
            line,
            Cover(
                d,
                sid,
                number(line, "SECTION_COVER", "requirement", values[2]),
                number(line, "SECTION_COVER", "weight for under", values[3]),
                number(line, "SECTION_COVER", "weight for over", values[4]),
            ),
        )

    return Instance(
        name=name,
        days=days,
        shifts=tuple(shift_objs),
        staff=tuple(s for _, s in staff.values()),
        days_off={e: tuple(sorted(ds)) for e, ds in days_off.items()},
        on_requests=requests("SECTION_SHIFT_ON_REQUESTS"),
        off_requests=requests("SECTION_SHIFT_OFF_REQUESTS"),
        cover=tuple(c for _, c in cover.values()),
    )


def _split_sections(text: str, source: str) -> tuple[dict[str, list[tuple[int, list[str]]]], dict[str, int]]:
    """``{section: [(line number, fields)]}`` and each section's header line; comments dropped."""
    rows: dict[str, list[tuple[int, list[str]]]] = {}
    header_line: dict[str, int] = {}
    current = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("SECTION_"):
            if line not in SECTIONS:
                raise InstanceFormatError(
                    source, number, f"unknown section '{line}' (sections: {', '.join(SECTIONS)})"
                )
            if line in rows:
                raise InstanceFormatError(
                    source, number, f"{line} appears twice (first at line {header_line[line]})"
                )
            rows[line], header_line[line], current = [], number, line
            continue
        if current is None:
            raise InstanceFormatError(source, number, f"data before the first SECTION_ header: '{line}'")
        rows[current].append((number, [v.strip() for v in line.split(",")]))
    missing = [s for s in SECTIONS if s not in rows]
    if missing:
        raise InstanceFormatError(source, None, f"missing section(s) {', '.join(missing)}")
    return rows, header_line


# ---------------------------------------------------------------------------
# The independent evaluator (no wfm import)
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Evaluation:
    """The Curtois objective of a roster and the hard constraints it breaks (empty when feasible)."""

    on_requests: int  # weights of on-requests not granted
    off_requests: int  # weights of off-requests not granted
    under_cover: int
    over_cover: int
    violations: tuple[str, ...] = field(default=())

    @property
    def objective(self) -> int:
        return self.on_requests + self.off_requests + self.under_cover + self.over_cover

    @property
    def feasible(self) -> bool:
        return not self.violations


Grid = dict[tuple[str, int], str]  # (employee, day) -> shift id; absent = day off


def roster_grid(
    instance: Instance, activities: pd.DataFrame, start: dt.date = START
) -> tuple[Grid, list[str]]:
    """Shift of every employee and day from HR_Import rows (SHIFT rows; others are days off).

    Returns the grid and the problems found reading it: unknown employees or shift codes,
    dates outside the horizon, a SHIFT whose minutes differ from the Curtois length, and
    more than one shift on a day.
    """
    needed = ("employee_id", "date", "activity", "shift_code", "minutes")
    missing = [c for c in needed if c not in activities.columns]
    if missing:
        return {}, [f"the roster lacks column(s) {', '.join(missing)}"]
    staff = {s.id for s in instance.staff}
    length = {s.id: s.minutes for s in instance.shifts}
    grid: Grid = {}
    problems: list[str] = []
    shifts = activities[activities["activity"] == "SHIFT"]
    for eid, date, code, minutes in zip(
        shifts["employee_id"], shifts["date"], shifts["shift_code"], shifts["minutes"], strict=True
    ):
        eid, code = str(eid), str(code)
        day = (pd.Timestamp(date).date() - start).days
        if eid not in staff:
            problems.append(f"{eid}: not an employee of {instance.name}")
            continue
        if not 0 <= day < instance.days:
            problems.append(f"{eid}: shift on {date}, outside the {instance.days}-day horizon")
            continue
        if code not in length:
            problems.append(f"{eid}: shift code '{code}' on day {day} is not a shift type")
            continue
        if int(minutes) != length[code]:
            problems.append(f"{eid}: {code} on day {day} lasts {minutes} minutes, not {length[code]}")
        if (eid, day) in grid:
            problems.append(f"{eid}: more than one shift on day {day} ({grid[eid, day]}, {code})")
            continue
        grid[eid, day] = code
    return grid, problems


def _runs(flags: list[bool]) -> list[tuple[int, int]]:
    """``(first, last)`` day of every maximal run of True in ``flags``."""
    runs, first = [], None
    for d, flag in enumerate([*flags, False]):
        if flag and first is None:
            first = d
        elif not flag and first is not None:
            runs.append((first, d - 1))
            first = None
    return runs


def evaluate_grid(instance: Instance, grid: Grid, problems: Iterable[str] = ()) -> Evaluation:
    """Check every Curtois hard constraint on ``grid`` and compute the objective."""
    violations = list(problems)
    h = instance.days
    shifts = {s.id: s for s in instance.shifts}
    for person in instance.staff:
        e = person.id
        mine = {d: grid[e, d] for d in range(h) if (e, d) in grid}
        for d in instance.days_off.get(e, ()):
            if d in mine:
                violations.append(f"{e}: works {mine[d]} on day {d}, a day off (SECTION_DAYS_OFF)")
        for d, code in mine.items():
            follow = mine.get(d + 1)
            if follow is not None and follow in shifts[code].cannot_follow:
                violations.append(f"{e}: {follow} on day {d + 1} cannot follow {code} on day {d}")
        for code, most in person.max_shifts.items():
            n = sum(c == code for c in mine.values())
            if n > most:
                violations.append(f"{e}: {n} shifts {code}, maximum {most}")
        minutes = sum(shifts[c].minutes for c in mine.values())
        if not person.min_total_minutes <= minutes <= person.max_total_minutes:
            violations.append(
                f"{e}: {minutes} minutes worked, allowed {person.min_total_minutes} to {person.max_total_minutes}"
            )
        worked = [d in mine for d in range(h)]
        for first, last in _runs(worked):
            n = last - first + 1
            if n > person.max_consecutive_shifts:
                violations.append(
                    f"{e}: {n} consecutive shifts, days {first}-{last}, maximum {person.max_consecutive_shifts}"
                )
            # a run touching the horizon's first or last day may continue outside it
            if 0 < first and last < h - 1 and n < person.min_consecutive_shifts:
                violations.append(
                    f"{e}: {n} consecutive shift(s), days {first}-{last}, minimum {person.min_consecutive_shifts}"
                )
        for first, last in _runs([not w for w in worked]):
            n = last - first + 1
            if 0 < first and last < h - 1 and n < person.min_consecutive_days_off:
                violations.append(
                    f"{e}: {n} consecutive day(s) off, days {first}-{last}, "
                    f"minimum {person.min_consecutive_days_off}"
                )
        weekends = sum(any(worked[d] for d in (sat, sat + 1) if d < h) for sat in range(5, h, 7))
        if weekends > person.max_weekends:
            violations.append(f"{e}: works {weekends} weekends, maximum {person.max_weekends}")

    on = sum(r.weight for r in instance.on_requests if grid.get((r.employee, r.day)) != r.shift)
    off = sum(r.weight for r in instance.off_requests if grid.get((r.employee, r.day)) == r.shift)
    count: dict[tuple[int, str], int] = defaultdict(int)
    for (_, d), code in grid.items():
        count[d, code] += 1
    under = sum(c.under_weight * max(0, c.requirement - count[c.day, c.shift]) for c in instance.cover)
    over = sum(c.over_weight * max(0, count[c.day, c.shift] - c.requirement) for c in instance.cover)
    return Evaluation(on, off, under, over, tuple(violations))


def evaluate(instance: Instance, activities: pd.DataFrame, start: dt.date = START) -> Evaluation:
    """The Curtois evaluation of a roster given as HR_Import rows (see :func:`roster_grid`)."""
    grid, problems = roster_grid(instance, activities, start)
    return evaluate_grid(instance, grid, problems)


def grid_from_strings(instance: Instance, lines: Mapping[str, str]) -> Grid:
    """A grid from one string per employee, one character per day: ``.`` off, else a shift id.

    Only for single-character shift ids (instances 1-9); ``{"A": "..DDDDD..DDD.."}``.
    """
    grid: Grid = {}
    for eid, line in lines.items():
        if len(line) != instance.days:
            raise ValueError(f"{eid}: {len(line)} days given, the horizon has {instance.days}")
        for d, code in enumerate(line):
            if code != ".":
                grid[eid, d] = code
    return grid


def activities_from_grid(
    instance: Instance, grid: Grid, start: dt.date = START, tz: str = "UTC"
) -> pd.DataFrame:
    """HR_Import rows of a grid the way :func:`to_scenario`'s roster would have them.

    A SHIFT row at 06:00 lasting the shift's length (paid, queue ``curtois``), or an OFF
    row from midnight to midnight, per employee and day.  Lets a roster built by hand (or
    published) go through :func:`evaluate` and wfm's checker alike.
    """
    rows = []
    for person in instance.staff:
        for d in range(instance.days):
            day = start + dt.timedelta(days=d)
            midnight = pd.Timestamp(day).tz_localize(tz)
            code = grid.get((person.id, d))
            if code is None:
                rows.append(
                    (person.id, day, "OFF", midnight, midnight + pd.Timedelta(days=1), 0, False, None, "OFF")
                )
                continue
            begin = midnight + pd.Timedelta(hours=SHIFT_START.hour, minutes=SHIFT_START.minute)
            minutes = instance.shift(code).minutes
            rows.append(
                (
                    person.id,
                    day,
                    "SHIFT",
                    begin,
                    begin + pd.Timedelta(minutes=minutes),
                    minutes,
                    True,
                    QUEUE_NAME,
                    code,
                )
            )
    columns = ["employee_id", "date", "activity", "start", "end", "minutes", "paid", "queue", "shift_code"]
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------------------
# The adapter: an instance as a wfm scenario
# ---------------------------------------------------------------------------
def to_scenario(
    instance: Instance,
    *,
    start: dt.date = START,
    time_limit_seconds: float = 60.0,
    workers: int = 2,
    seed: int = 0,
):
    """The wfm :class:`~wfm.schema.Scenario` of ``instance`` (see the module docstring for the mapping)."""
    from wfm import schema as S

    if start.weekday() != 0:
        raise ValueError(f"Curtois instances start on a Monday; {start} is a {start:%A}")
    day = [start + dt.timedelta(days=i) for i in range(instance.days)]
    shifts = tuple(S.ShiftTemplate(s.id, SHIFT_START, paid_minutes=s.minutes) for s in instance.shifts)
    rules = S.Rules(
        min_rest_hours=0.0,
        max_consecutive_days=instance.days,
        min_days_off_per_week=0,
        max_weekly_minutes=WEEK_MINUTES,
        min_weekly_minutes=0,
        forbidden_successions=tuple((s.id, after) for s in instance.shifts for after in s.cannot_follow),
    )
    contracts = {
        f"curtois_{p.id}": S.Contract(
            name=f"curtois_{p.id}",
            min_horizon_minutes=p.min_total_minutes,
            max_horizon_minutes=p.max_total_minutes,
            max_consecutive_days=p.max_consecutive_shifts,
            min_consecutive_days=p.min_consecutive_shifts,
            min_consecutive_days_off=p.min_consecutive_days_off,
            max_working_weekends=p.max_weekends,
            max_shifts=tuple(p.max_shifts.items()),
        )
        for p in instance.staff
    }
    agents = tuple(
        S.Agent(
            employee_id=p.id,
            name=p.id,
            team="curtois",
            skills=(QUEUE_NAME,),
            # no weekly cap: the horizon bounds of the contract are Curtois's only limit on minutes
            contract_minutes_per_week=WEEK_MINUTES,
            role="agent",
            start_date=start - dt.timedelta(days=365),
            contract=f"curtois_{p.id}",
        )
        for p in instance.staff
    )
    time_off = (
        *(S.TimeOff(e, day[d], "unavailable") for e, ds in instance.days_off.items() for d in ds),
        *(
            S.TimeOff(r.employee, day[r.day], "shift_request", r.shift, float(r.weight))
            for r in instance.on_requests
        ),
        *(
            S.TimeOff(r.employee, day[r.day], "shift_off_request", r.shift, float(r.weight))
            for r in instance.off_requests
        ),
    )
    cover = tuple(
        S.ShiftCover(day[c.day], c.shift, c.requirement, float(c.under_weight), float(c.over_weight))
        for c in instance.cover
    )
    return S.Scenario(
        name=f"curtois-{instance.name}",
        horizon=S.Horizon(day[0], day[-1], 30, "UTC"),
        queues=(S.Queue(QUEUE_NAME, "voice", 0.8, 20.0, 1.0, dt.time(0), dt.time(0), min_agents=0),),
        shifts=shifts,
        rules=rules,
        shrinkage=S.Shrinkage(),
        solver=S.SolverSettings(time_limit_seconds=time_limit_seconds, workers=workers, seed=seed),
        weights=benchmark_weights(),
        agents=agents,
        time_off=time_off,
        history=pd.DataFrame(),
        contracts=contracts,
        shift_cover=cover,
    )


def benchmark_weights():
    """Soft weights that make wfm's objective Curtois's alone.

    Every weight is 0 (interval coverage, contract shortfall, fairness, ...) except the two request
    weights, which keep their defaults: every request carries its own weight, and shift cover too.
    """
    from wfm import schema as S

    keep = {"shift_request", "shift_off_request"}
    return S.Weights(**{f.name: 0.0 for f in dataclasses.fields(S.Weights) if f.name not in keep})


def empty_requirements() -> pd.DataFrame:
    """No interval requirements: the benchmark's cover is by day and shift only."""
    return pd.DataFrame(
        {
            "queue": pd.Series(dtype=object),
            "ds": pd.Series(dtype="datetime64[ns, UTC]"),
            "agents_required_gross": pd.Series(dtype=float),
        }
    )


# ---------------------------------------------------------------------------
# The benchmark run
# ---------------------------------------------------------------------------
@dataclass
class Row:
    instance: str
    staff: int
    days: int
    shift_types: int
    seed: int = 0
    wfm_objective: float = math.nan
    wfm_bound: float = math.nan
    best_reported: float = math.nan
    status: str = ""
    seconds: float = math.nan
    curtois_objective: float = math.nan
    curtois_violations: int | None = None
    checker_objective: float = math.nan
    checker_violations: int | None = None
    note: str = ""

    @property
    def gap_to_best_pct(self) -> float:
        if math.isnan(self.curtois_objective) or not self.best_reported:
            return math.nan
        return 100.0 * (self.curtois_objective - self.best_reported) / self.best_reported


def instance_path(data: Path, number: int) -> Path:
    for folder in (data / "instances", data):
        for suffix in (".txt", ".txt.gz"):
            path = folder / f"Instance{number}{suffix}"
            if path.exists():
                return path
    raise FileNotFoundError(f"no Instance{number}.txt(.gz) in {data} or {data / 'instances'}")


def best_reported(data: Path) -> dict[str, float]:
    """``instance name -> best reported objective`` from ``instances_summary.csv`` (empty if absent)."""
    path = data / "instances_summary.csv"
    if not path.exists():
        return {}
    table = pd.read_csv(path)
    column = "best_reported_objective_in_these_sources"
    return {r["instance"]: float(r[column]) for _, r in table.iterrows() if pd.notna(r[column])}


def run_instance(
    instance: Instance,
    *,
    time_limit: float,
    workers: int,
    seed: int,
    best: float = math.nan,
    say: Callable[[str], None] = print,
) -> Row:
    """Solve one instance with wfm and score the roster with the evaluator and wfm's checker."""
    from wfm.check import check_roster, recompute_penalties
    from wfm.roster import solve_roster
    from wfm.schema import WfmError

    row = Row(
        instance.name, len(instance.staff), instance.days, len(instance.shifts), seed=seed, best_reported=best
    )
    scenario = to_scenario(instance, time_limit_seconds=time_limit, workers=workers, seed=seed)
    requirements = empty_requirements()

    last_said = [-math.inf]

    def progress(event: dict) -> None:
        # one line a second at most: CP-SAT may report hundreds of improvements
        if event["seconds"] - last_said[0] < 1.0:
            return
        last_said[0] = event["seconds"]
        bound = event.get("bound", -math.inf)
        say(f"  {event['seconds']:6.1f} s  objective {event['objective']:10,.0f}  bound {_fmt(bound):>10}")

    started = time.perf_counter()
    try:
        solution = solve_roster(
            scenario,
            requirements,
            progress=progress,
            time_limit_seconds=time_limit,
            workers=workers,
            seed=seed,
        )
    except WfmError as exc:
        row.seconds = time.perf_counter() - started
        row.status = type(exc).__name__
        row.note = str(exc).splitlines()[0][:200]
        say(f"  {row.status}: {row.note}")
        return row
    row.seconds = time.perf_counter() - started
    info = solution.info
    row.wfm_objective, row.wfm_bound, row.status = info.objective, info.bound, info.status

    result = evaluate(instance, solution.activities)
    row.curtois_objective, row.curtois_violations = result.objective, len(result.violations)
    for v in result.violations[:10]:
        say(f"  curtois violation: {v}")
    report = check_roster(scenario, solution.activities, requirements)
    row.checker_violations = len(report.violations)
    for v in report.violations[:10]:
        say(f"  wfm.check violation: {v.rule}: {v.message}")
    row.checker_objective = recompute_penalties(scenario, solution.activities, requirements)
    say(
        f"  done in {row.seconds:.1f} s: wfm {info.status} {info.objective:,.0f} (bound {_fmt(info.bound)}); "
        f"Curtois evaluator {result.objective:,} (on {result.on_requests}, off {result.off_requests}, "
        f"under {result.under_cover}, over {result.over_cover}), {len(result.violations)} violation(s); "
        f"wfm.check {row.checker_objective:,.0f}, {row.checker_violations} violation(s)"
    )
    return row


def _fmt(x: float, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
        return "-"
    return f"{x:,.{digits}f}"


def print_table(rows: list[Row], out=sys.stdout) -> None:
    header = (
        f"{'instance':<11}{'seed':>5}{'staff':>6}{'days':>5}{'wfm obj':>10}{'wfm bound':>10}{'best rep.':>10}"
        f"{'gap %':>8}  {'status':<10}{'seconds':>8}{'curtois obj':>12}{'viol.':>6}{'check obj':>10}{'viol.':>6}"
    )
    print(header, file=out)
    print("-" * len(header), file=out)
    for r in rows:
        print(
            f"{r.instance:<11}{r.seed:>5}{r.staff:>6}{r.days:>5}{_fmt(r.wfm_objective):>10}{_fmt(r.wfm_bound):>10}"
            f"{_fmt(r.best_reported):>10}{_fmt(r.gap_to_best_pct, 2):>8}  {r.status[:10]:<10}"
            f"{_fmt(r.seconds, 1):>8}{_fmt(r.curtois_objective):>12}"
            f"{'-' if r.curtois_violations is None else r.curtois_violations:>6}"
            f"{_fmt(r.checker_objective):>10}{'-' if r.checker_violations is None else r.checker_violations:>6}",
            file=out,
        )


def print_spread(rows: list[Row], out=sys.stdout) -> None:
    """Per instance over its seeds: the best, median and worst gap to the best reported, and the runs within 1%.

    A wall-clock run is one draw of a randomised search (benchmarks/README.md): the same seed twice can differ,
    and different seeds differ more than a change to the engine often does.  Judge a change on several seeds.
    """
    by_instance: dict[str, list[float]] = {}
    for r in rows:
        by_instance.setdefault(r.instance, []).append(r.gap_to_best_pct)
    header = f"{'instance':<11}{'runs':>5}{'best gap %':>12}{'median gap %':>14}{'worst gap %':>13}{'within 1%':>11}"
    print(header, file=out)
    print("-" * len(header), file=out)
    for name, gaps in by_instance.items():
        known = sorted(g for g in gaps if not math.isnan(g))
        if not known:
            print(f"{name:<11}{len(gaps):>5}{'-':>12}{'-':>14}{'-':>13}{'-':>11}", file=out)
            continue
        median = statistics.median(known)
        within = sum(g <= 1.0 for g in known)
        print(
            f"{name:<11}{len(gaps):>5}{_fmt(known[0], 2):>12}{_fmt(median, 2):>14}{_fmt(known[-1], 2):>13}"
            f"{f'{within} of {len(gaps)}':>11}",
            file=out,
        )


def write_csv(rows: list[Row], path: Path) -> None:
    columns = [
        "instance",
        "staff",
        "days",
        "shift_types",
        "seed",
        "wfm_objective",
        "wfm_bound",
        "best_reported",
        "gap_to_best_pct",
        "status",
        "seconds",
        "curtois_objective",
        "curtois_violations",
        "checker_objective",
        "checker_violations",
        "note",
    ]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in rows:
            w.writerow([getattr(r, c) for c in columns])


def parse_numbers(text: str) -> list[int]:
    """``"1-3,7"`` -> ``[1, 2, 3, 7]``."""
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        first, _, last = part.partition("-")
        out.extend(range(int(first), int(last or first) + 1))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="folder of instances_summary.csv and instances/")
    ap.add_argument("--instances", default="1-12", help="instance numbers, e.g. 1-12 or 1,3,5-7")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance (whole solve)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--seeds",
        help="run every instance once per seed, e.g. 0-2, and print the spread of the gaps (overrides --seed)",
    )
    ap.add_argument("--csv", type=Path, help="also write the table to this CSV file")
    ap.add_argument("-v", "--verbose", action="store_true", help="show wfm's solver log")
    args = ap.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="  %(name)s: %(message)s"
    )

    try:
        numbers = parse_numbers(args.instances)
    except ValueError:
        ap.error(f"--instances {args.instances!r}: give numbers and ranges such as 1-12 or 1,3,5-7")
    try:
        seeds = parse_numbers(args.seeds) if args.seeds else [args.seed]
    except ValueError:
        ap.error(f"--seeds {args.seeds!r}: give numbers and ranges such as 0-2 or 0,5,7")
    if not seeds:
        ap.error(f"--seeds {args.seeds!r}: give at least one seed")
    best = best_reported(args.data)
    rows = []
    for number in numbers:
        try:
            instance = parse_instance(instance_path(args.data, number))
        except (FileNotFoundError, InstanceFormatError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        for seed in seeds:
            print(
                f"{instance.name}: {len(instance.staff)} staff x {instance.days} days x {len(instance.shifts)} "
                f"shift types; solving ({args.time_limit:g} s, {args.workers} workers, seed {seed})",
                flush=True,
            )
            row = run_instance(
                instance,
                time_limit=args.time_limit,
                workers=args.workers,
                seed=seed,
                best=best.get(instance.name, math.nan),
                say=lambda line: print(line, flush=True),
            )
            rows.append(row)
    print()
    print_table(rows)
    if len(seeds) > 1:
        print()
        print_spread(rows)
    print(
        "\nwfm obj / bound: solve_roster's info; gap %: Curtois evaluator objective vs best reported;"
        "\ncurtois obj / viol.: this script's independent evaluator; check obj / viol.: wfm.check."
    )
    if args.csv:
        write_csv(rows, args.csv)
        print(f"wrote {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
