"""Typed data contracts between wfm's stages.

Every stage takes and returns the frozen dataclasses below or long, tidy
pandas frames whose column names are the constants in this module.  Units are
spelled in names (``aht_seconds``, ``paid_minutes``).  Timestamps are
timezone-aware local wall-clock times labelled by the start of their interval.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

# ---------------------------------------------------------------------------
# Enumerations of the input contract
# ---------------------------------------------------------------------------
CHANNELS = ("voice", "chat")
ROLES = ("agent", "new_hire", "mentor", "lead")
SHIFT_FAMILIES = ("early", "day", "late", "night")
TIME_OFF_KINDS = ("leave", "unavailable", "day_off_request", "shift_request", "shift_off_request")
HARD_TIME_OFF_KINDS = ("leave", "unavailable")  # no shift that day; leave is paid, unavailable is not
INTERVAL_MINUTES_ALLOWED = (15, 30)

# HR_Import activities (fixed contract, see docs/inputs.md)
ACTIVITIES = ("SHIFT", "BREAK", "LUNCH", "TRAINING", "MENTORING", "WELLBEING", "OFF", "LEAVE")
WORK_CODE_OFF = "OFF"
WORK_CODE_LEAVE = "LEAVE"

# ---------------------------------------------------------------------------
# Column names of every frame
# ---------------------------------------------------------------------------
# history.csv / actuals
QUEUE = "queue"
INTERVAL_START = "interval_start"
OFFERED = "offered"
AHT_SECONDS = "aht_seconds"
ANSWERED = "answered"
ABANDONED = "abandoned"
HISTORY_REQUIRED = (QUEUE, INTERVAL_START, OFFERED, AHT_SECONDS)
HISTORY_OPTIONAL = (ANSWERED, ABANDONED)

# forecast.csv (prophet's names)
DS = "ds"
YHAT = "yhat"
YHAT_LOWER = "yhat_lower"
YHAT_UPPER = "yhat_upper"
FORECAST_COLUMNS = (QUEUE, DS, YHAT, YHAT_LOWER, YHAT_UPPER, AHT_SECONDS)

# requirements.csv
AGENTS_REQUIRED = "agents_required"  # on the phone, before unplanned shrinkage
AGENTS_REQUIRED_GROSS = "agents_required_gross"  # grossed up for unplanned shrinkage
SERVICE_LEVEL = "service_level"
ASA_SECONDS = "asa_seconds"
OCCUPANCY = "occupancy"
ABANDON_RATE = "abandon_rate"
# Beside an ASA aggregated over intervals: the intervals with calls whose predicted wait is
# unbounded (left out of that ASA), and their share of the calls (wfm.staffing.wait_summary).
UNBOUNDED_WAIT_INTERVALS = "unbounded_wait_intervals"
UNBOUNDED_WAIT_CALL_SHARE = "unbounded_wait_call_share"
REQUIREMENTS_COLUMNS = (
    QUEUE,
    DS,
    AGENTS_REQUIRED,
    AGENTS_REQUIRED_GROSS,
    SERVICE_LEVEL,
    ASA_SECONDS,
    OCCUPANCY,
)

# agents.csv
EMPLOYEE_ID = "employee_id"
NAME = "name"
TEAM = "team"
SKILLS = "skills"
CONTRACT_MINUTES_PER_WEEK = "contract_minutes_per_week"
ROLE = "role"
START_DATE = "start_date"
AGENTS_COLUMNS = (EMPLOYEE_ID, NAME, TEAM, SKILLS, CONTRACT_MINUTES_PER_WEEK, ROLE, START_DATE)
CONTRACT = "contract"  # optional agents.csv column: a [[contracts]] name
COACHING = "coaching"  # optional agents.csv column: yes/no, the agent is flagged for coaching by a mentor
DETAIL = (
    "detail"  # activities / HR_Import: what a TRAINING, MENTORING or WELLBEING row is (course, pair, session)
)

# time_off.csv
DATE = "date"
KIND = "kind"
SHIFT_CODE = "shift_code"
TIME_OFF_COLUMNS = (EMPLOYEE_ID, DATE, KIND, SHIFT_CODE)
WEIGHT = "weight"  # optional time_off.csv column

# availability.csv (optional)
DAY = "day"  # a weekday name (monday .. sunday) or a date
AVAILABILITY_COLUMNS = (EMPLOYEE_ID, DAY, "start", "end")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# shift_cover.csv (optional)
UNDER_WEIGHT = "under_weight"
OVER_WEIGHT = "over_weight"
SHIFT_COVER_COLUMNS = (DATE, SHIFT_CODE, "required", UNDER_WEIGHT, OVER_WEIGHT)

# roster.csv == HR_Import sheet: one row per agent per activity
ACTIVITY = "activity"
START = "start"
END = "end"
MINUTES = "minutes"
PAID = "paid"
HR_IMPORT_COLUMNS = (EMPLOYEE_ID, DATE, ACTIVITY, START, END, MINUTES, PAID, QUEUE, SHIFT_CODE, DETAIL)
HR_IMPORT_REQUIRED = HR_IMPORT_COLUMNS[:-1]  # detail may be missing in rosters written before it existed
MEETING_ID = "meeting_id"
MEMBERS = "members"  # ';'-joined employee ids, trainer included
TRAINER = "trainer"
# one row per session placed (training session, coaching session, team wellbeing session)
MEETING_COLUMNS = (MEETING_ID, ACTIVITY, DETAIL, DATE, START, END, MINUTES, MEMBERS, TRAINER)
FAIRNESS_HISTORY_COLUMNS = (EMPLOYEE_ID, "months", "weekends", "holidays", "late_shifts")

# assignments frame: one row per agent and day (the Roster grid, long form)
ASSIGNMENT_COLUMNS = (EMPLOYEE_ID, DATE, SHIFT_CODE)  # shift_code, OFF or LEAVE

# coverage.csv: one row per queue and interval
FORECAST = "forecast"
REQUIRED = "required"  # gross requirement the roster aims at
SCHEDULED = "scheduled"  # agents on the phone for the queue (may be fractional)
GAP = "gap"  # scheduled - required
COVERAGE_COLUMNS = (
    QUEUE,
    DS,
    FORECAST,
    AHT_SECONDS,
    REQUIRED,
    SCHEDULED,
    GAP,
    SERVICE_LEVEL,
    ASA_SECONDS,
    OCCUPANCY,
)


# ---------------------------------------------------------------------------
# Scenario dataclasses
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Horizon:
    """The planning period: ``start`` and ``end`` are inclusive local dates."""

    start: dt.date
    end: dt.date
    interval_minutes: int
    timezone: str

    @property
    def days(self) -> list[dt.date]:
        n = (self.end - self.start).days + 1
        return [self.start + dt.timedelta(days=i) for i in range(n)]

    @property
    def intervals_per_day(self) -> int:
        return 24 * 60 // self.interval_minutes

    def interval_index(self) -> pd.DatetimeIndex:
        """Every interval start of the horizon, timezone-aware, in local wall-clock time."""
        first = pd.Timestamp(self.start).tz_localize(self.timezone)
        last_day_end = pd.Timestamp(self.end + dt.timedelta(days=1)).tz_localize(self.timezone)
        return pd.date_range(first, last_day_end, freq=f"{self.interval_minutes}min", inclusive="left")


@dataclass(frozen=True)
class Queue:
    """A contact queue with its service target.

    ``answer_seconds`` is the service-level threshold (80% in 20 s has
    ``service_level=0.8, answer_seconds=20``).  ``open``/``close`` are local
    times; ``close`` of ``00:00`` means midnight at the end of the day.
    ``concurrency`` is the number of simultaneous chat sessions per agent.
    """

    name: str
    channel: str
    service_level: float
    answer_seconds: float
    max_occupancy: float
    open: dt.time
    close: dt.time
    patience_seconds: float | None = None
    concurrency: int = 1
    min_agents: int = 1

    @property
    def open_minute(self) -> int:
        return self.open.hour * 60 + self.open.minute

    @property
    def close_minute(self) -> int:
        m = self.close.hour * 60 + self.close.minute
        return 24 * 60 if m == 0 else m

    def is_open(self, minute_of_day: int) -> bool:
        return self.open_minute <= minute_of_day < self.close_minute


@dataclass(frozen=True)
class ShiftTemplate:
    """A shift pattern.  A shift spans ``paid_minutes + unpaid_minutes`` from ``start``.

    The unpaid part is the lunch.  A shift may cross midnight.  ``family``
    (early, day, late or night) is given in scenario.toml or derived from the
    times by :func:`wfm.roster.shifts.shift_family`.
    """

    code: str
    start: dt.time
    paid_minutes: int
    unpaid_minutes: int = 0
    family: str | None = None

    @property
    def start_minute(self) -> int:
        return self.start.hour * 60 + self.start.minute

    @property
    def length_minutes(self) -> int:
        return self.paid_minutes + self.unpaid_minutes

    @property
    def end_minute(self) -> int:
        """End as minutes after midnight of the shift's day (may exceed 1440)."""
        return self.start_minute + self.length_minutes


@dataclass(frozen=True)
class Rules:
    """Hard rostering rules in the scheduler's units: the defaults for every agent.

    A contract (``[[contracts]]``) overrides any of the per-agent limits for
    the agents that name it in agents.csv; see :class:`Contract`.

    * ``min_consecutive_days`` / ``min_consecutive_days_off``: a run of worked
      days (of days without a shift) lasts at least this long; 1 means no rule.
      Runs touching the start or the end of the horizon are exempt: they may
      continue outside it.
    * ``max_working_weekends``: weekends (Saturday and Sunday of one week)
      with a shift on either day, over the horizon; None means no limit.
    * ``days_off_pair_per_week``: every full ISO week holds two consecutive
      days without a shift.
    * ``max_late_shifts_per_week`` / ``max_night_shifts_per_week``: shifts of
      family late / night (see :func:`wfm.roster.shifts.shift_family`) per ISO week.
    * ``forbidden_successions``: ``(first, second)`` shift codes; ``second`` is
      never worked on the day after ``first``.
    """

    min_rest_hours: float = 11.0
    max_consecutive_days: int = 6
    min_consecutive_days: int = 1
    min_consecutive_days_off: int = 1
    min_days_off_per_week: int = 2
    days_off_pair_per_week: bool = False
    max_weekly_minutes: int = 2400
    min_weekly_minutes: int = 0
    max_working_weekends: int | None = None
    max_late_shifts_per_week: int | None = None
    max_night_shifts_per_week: int | None = None
    forbidden_successions: tuple[tuple[str, str], ...] = ()
    fairness_history_months: int = 3  # months of published rosters whose burden the fairness terms carry over


# Rules keys a contract may override, per agent.
CONTRACT_RULE_KEYS = (
    "max_consecutive_days",
    "min_consecutive_days",
    "min_consecutive_days_off",
    "min_days_off_per_week",
    "max_weekly_minutes",
    "min_weekly_minutes",
    "max_working_weekends",
    "max_late_shifts_per_week",
    "max_night_shifts_per_week",
)


@dataclass(frozen=True)
class Contract:
    """A named employment contract: per-agent limits that override ``[rules]``.

    Fields left None inherit the scenario's :class:`Rules`.
    ``min_horizon_minutes`` / ``max_horizon_minutes`` bound the paid minutes
    worked over the whole horizon (hard); without ``max_horizon_minutes`` the
    cap is the agent's weekly contract prorated to the horizon.
    ``max_shifts`` caps how many shifts of a code the agent works in the horizon.
    """

    name: str
    min_horizon_minutes: int | None = None
    max_horizon_minutes: int | None = None
    max_consecutive_days: int | None = None
    min_consecutive_days: int | None = None
    min_consecutive_days_off: int | None = None
    min_days_off_per_week: int | None = None
    max_weekly_minutes: int | None = None
    min_weekly_minutes: int | None = None
    max_working_weekends: int | None = None
    max_late_shifts_per_week: int | None = None
    max_night_shifts_per_week: int | None = None
    max_shifts: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Shrinkage:
    """Unplanned shrinkage (absence, sickness) as a fraction of scheduled time.

    Planned off-phone time (lunch, breaks, training) is placed explicitly by the
    roster and is *not* part of this figure.
    """

    unplanned: float = 0.0


@dataclass(frozen=True)
class SolverSettings:
    """CP-SAT settings.  ``breaks_time_share``: the share of the time limit the break placement gets."""

    time_limit_seconds: float = 120.0
    workers: int = 2
    seed: int = 0
    breaks_time_share: float = 0.2


@dataclass(frozen=True)
class Weights:
    """Soft-objective weights, in cost units per unit named."""

    short_agent_interval: float = 100.0  # per agent short in one interval (first agent of the gap)
    over_agent_interval: float = 5.0  # per agent over requirement in one interval
    contract_shortfall_hour: float = 20.0  # per hour below an agent's prorated contract
    day_off_request: float = 50.0  # per day-off request not honoured
    shift_request: float = 30.0  # per shift request not honoured
    shift_off_request: float = 30.0  # per shift-off request not honoured
    weekend_spread: float = 20.0  # per weekend between the most- and least-loaded comparable agents
    late_spread: float = 10.0  # per late shift between the most- and least-loaded comparable agents
    shortfall_spread_hour: float = 2.0  # per hour between the largest and smallest contract shortfall
    start_time_variety: float = 5.0  # per extra distinct start time in an agent's week
    changed_shift: float = 50.0  # per agent-day changed from the previous roster (repair)


@dataclass(frozen=True)
class Agent:
    employee_id: str
    name: str
    team: str
    skills: tuple[str, ...]
    contract_minutes_per_week: int
    role: str
    start_date: dt.date
    contract: str | None = None  # name of a [[contracts]] entry; None: the [rules] defaults
    coaching: bool = False  # flagged for coaching in agents.csv: paired with a mentor like a new hire


@dataclass(frozen=True)
class TimeOff:
    """A row of time_off.csv.  ``weight`` overrides the scenario weight of a request."""

    employee_id: str
    date: dt.date
    kind: str
    shift_code: str | None = None
    weight: float | None = None


@dataclass(frozen=True)
class Availability:
    """A row of availability.csv: ``employee_id`` may work shifts lying within ``[start, end)`` minutes.

    Exactly one of ``weekday`` (0 = Monday) and ``date`` is set; a date row
    replaces that agent's weekday rows for that date.  An agent with no rows is
    available at any time; an agent with rows works only inside them.
    ``end_minute`` may be 1440 (midnight at the end of the day).
    """

    employee_id: str
    weekday: int | None
    date: dt.date | None
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class ShiftCover:
    """A row of shift_cover.csv: how many agents should work ``shift_code`` on ``date``.

    Soft: each agent short costs ``under_weight``, each agent over ``over_weight``.
    This is cover by day and shift (back office, branches, benchmark instances);
    it adds to, and does not replace, the per-interval queue coverage.
    """

    date: dt.date
    shift_code: str
    required: int
    under_weight: float
    over_weight: float


@dataclass(frozen=True)
class BreakRule:
    """A ``[[breaks]]`` rule: the breaks and lunch inside every shift it applies to.

    It applies to shifts whose span (paid + unpaid minutes) is at least
    ``min_shift_minutes`` and, when ``shifts`` names codes, only to those
    shifts; of the rules applying to a shift, one naming it wins over general
    ones, then the longest ``min_shift_minutes`` (see
    :func:`wfm.roster.breaks.rule_for`).

    * ``breaks``: paid breaks, minutes each, off the phone;
    * ``lunch_minutes``: the unpaid lunch; equals the shift's ``unpaid_minutes``;
    * ``lunch_window``: ``(start, end)`` minutes after midnight of the shift's
      day (end may be 1440) the lunch must lie within, or None;
    * ``min_offset_minutes`` / ``min_before_end_minutes``: no block starts
      earlier than this after the shift start, nor ends later than this before
      its end;
    * ``min_gap_minutes``: on the phone at least this long between two blocks.

    Every block starts on the 15-minute grid.
    """

    min_shift_minutes: int
    breaks: tuple[int, ...] = ()
    lunch_minutes: int = 0
    lunch_window: tuple[int, int] | None = None
    min_offset_minutes: int = 60
    min_before_end_minutes: int = 60
    min_gap_minutes: int = 60
    shifts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Wellbeing:
    """``[wellbeing]``: limits that protect agents under constant pressure; each is off unless set.

    * ``max_continuous_phone_minutes``: nobody is on the phone longer than
      this without a break, lunch or other off-phone activity (intraday);
    * ``no_late_then_early``: a late-family shift is never followed the next
      day by an early-family one (:func:`wfm.roster.shifts.shift_family`);
    * ``max_consecutive_late``: at most this many late-family shifts in a row;
    * ``team_session_minutes``: once per calendar month of the horizon, each
      team meets for this long, all together, inside ``team_session_window``
      (minutes after midnight); members who cannot work that day (leave,
      unavailable, not yet employed) are excused, and only days on which at
      least ``team_session_min_share`` of the team can work are candidates;
    * ``recovery_minutes``: a short recovery break, placed within the first
      ``recovery_after_minutes`` of any stretch of at least that long in which
      the agent's queue is planned at occupancy ``recovery_occupancy`` or more.
    """

    max_continuous_phone_minutes: int | None = None
    no_late_then_early: bool = False
    max_consecutive_late: int | None = None
    team_session_minutes: int | None = None
    team_session_window: tuple[int, int] = (9 * 60, 18 * 60)
    team_session_min_share: float = 0.8
    recovery_minutes: int | None = None
    recovery_after_minutes: int = 120
    recovery_occupancy: float = 0.85


@dataclass(frozen=True)
class Course:
    """A training course (``[[courses]]`` or a ``training.csv`` row).

    Attendees are every agent matching ``roles``, ``skills`` (any of them) or
    named in ``agents`` (a union; all empty means nobody), except the trainer.
    They are split into cohorts of at most ``capacity`` (balanced, by team then
    employee id); each cohort attends ``sessions`` sessions of
    ``session_minutes``, in order, on different days, each inside ``window``
    (minutes after midnight) on one of ``weekdays`` (0 = Monday) or, when
    ``dates`` is set, on one of those dates.  ``trainer`` is an employee id
    (who must be working, and off the phone, during every session) or None for
    an external trainer.  Sessions are paid and off the phone.  ``hard``:
    attendance is a hard rule (the default); otherwise a session that cannot
    be placed is reported.
    """

    name: str
    session_minutes: int
    sessions: int = 1
    roles: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    capacity: int = 12
    trainer: str | None = None
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    dates: tuple[dt.date, ...] = ()
    window: tuple[int, int] = (9 * 60, 18 * 60)
    hard: bool = True


@dataclass(frozen=True)
class Onboarding:
    """``[onboarding]``: what a new hire (role ``new_hire``) gets in their first weeks.

    * for ``days`` calendar days from their start date, at least ``share`` of
      every working day's paid time is training (one ``TRAINING`` block,
      rounded up to the 15-minute grid);
    * for ``ramp_up_days`` from their start date they count as
      ``ramp_up_fraction`` of an agent in coverage, and serve only their first
      listed skill.
    """

    days: int = 14
    share: float = 0.5
    ramp_up_days: int = 42
    ramp_up_fraction: float = 0.5


@dataclass(frozen=True)
class Mentoring:
    """``[mentoring]``: mentors for new hires and for agents flagged for coaching.

    Each mentee (role ``new_hire``, or ``coaching = yes`` in agents.csv) is
    paired with a mentor whose role is in ``mentor_roles`` and whose skills
    include all of the mentee's, each mentor taking at most ``max_mentees``
    (:func:`wfm.activities.pair_mentors`).  The mentee works the same shift
    as the mentor on at least ``same_shift_share`` of the mentee's working
    days, and every week (with at least ``min_week_days`` days in the
    horizon) the pair has a ``coaching_minutes`` coaching session together,
    off the phone.
    """

    mentor_roles: tuple[str, ...] = ("mentor",)
    max_mentees: int = 2
    same_shift_share: float = 0.8
    coaching_minutes: int = 30
    min_week_days: int = 5


@dataclass(frozen=True)
class Scenario:
    """Everything a planning run reads, loaded and validated.

    ``history`` is the history.csv frame with a timezone-aware
    ``interval_start``.  ``input_hashes`` maps file name to sha256.
    ``raw_toml`` is the scenario.toml text exactly as read.
    """

    name: str
    horizon: Horizon
    queues: tuple[Queue, ...]
    shifts: tuple[ShiftTemplate, ...]
    rules: Rules
    shrinkage: Shrinkage
    solver: SolverSettings
    weights: Weights
    agents: tuple[Agent, ...]
    time_off: tuple[TimeOff, ...]
    history: pd.DataFrame = field(repr=False, compare=False)
    contracts: Mapping[str, Contract] = field(default_factory=dict)
    shift_cover: tuple[ShiftCover, ...] = ()
    availability: tuple[Availability, ...] = ()
    break_rules: tuple[BreakRule, ...] = ()  # [[breaks]]; empty: the lunch at its fixed place, no breaks
    wellbeing: Wellbeing = field(default_factory=lambda: Wellbeing())
    courses: tuple[Course, ...] = ()  # [[courses]] and training.csv
    onboarding: Onboarding | None = None  # [onboarding]; None: no onboarding training, no ramp-up
    mentoring: Mentoring | None = None  # [mentoring]; None: no pairing
    # burden carried from earlier published months (wfm.store): one row per employee_id with the
    # weekends, holidays and late shifts they worked over the previous months (FAIRNESS_HISTORY_COLUMNS)
    fairness_history: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    country: str | None = None
    source_dir: str | None = None
    input_hashes: Mapping[str, str] = field(default_factory=dict)
    raw_toml: str = ""

    def queue(self, name: str) -> Queue:
        for q in self.queues:
            if q.name == name:
                return q
        raise KeyError(name)

    def agent_rules(self, agent: Agent) -> Rules:
        """The rules that bind ``agent``: ``[rules]`` with its contract's overrides applied."""
        contract = self.contracts.get(agent.contract) if agent.contract else None
        if contract is None:
            return self.rules
        overrides = {k: getattr(contract, k) for k in CONTRACT_RULE_KEYS if getattr(contract, k) is not None}
        return replace(self.rules, **overrides) if overrides else self.rules

    def agent_contract(self, agent: Agent) -> Contract | None:
        return self.contracts.get(agent.contract) if agent.contract else None

    def shift(self, code: str) -> ShiftTemplate:
        for s in self.shifts:
            if s.code == code:
                return s
        raise KeyError(code)


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SolveInfo:
    """What the solver reported.  ``gap`` is (objective - bound) / max(1, |objective|)."""

    status: str
    objective: float
    bound: float
    gap: float
    wall_seconds: float
    seed: int
    workers: int
    time_limit_seconds: float


@dataclass(frozen=True)
class PlacementInfo:
    """The break-and-lunch placement stage (:mod:`wfm.roster.breaks`), solved after the month's shifts.

    ``objective`` is the roster's full soft cost with the placed blocks (the
    ledger total), ``bound`` a lower bound on it for the same shifts (cost
    units); ``models`` is the number of independent CP-SAT models (days not
    linked by a shift across midnight are solved apart), ``blocks`` the
    number of breaks and lunches placed.
    """

    status: str
    objective: float
    bound: float
    gap: float
    wall_seconds: float
    models: int
    blocks: int


@dataclass(frozen=True)
class RosterSolution:
    """A solved roster.

    ``assignments``: one row per agent and day (ASSIGNMENT_COLUMNS), shift code,
    ``OFF`` or ``LEAVE``.
    ``activities``: the HR_Import rows (HR_IMPORT_COLUMNS); ``start``/``end`` are
    timezone-aware timestamps.
    ``queue_minutes``: long frame (employee_id, queue, ds, minutes): minutes each
    agent spends on each queue in each interval; the sum over queues never
    exceeds the agent's on-phone minutes in the interval.
    ``penalties``: the soft-penalty ledger (rule, employee_id, queue, ds, date,
    amount, unit, cost).
    ``info``: the month's shift solve (its objective counts the lunch at its
    planned place); with ``[[breaks]]`` rules, ``placement`` reports the second
    stage that placed the breaks and lunches, and ``penalties`` (its total is
    ``placement.objective``) prices the placed roster.
    """

    assignments: pd.DataFrame = field(repr=False)
    activities: pd.DataFrame = field(repr=False)
    queue_minutes: pd.DataFrame = field(repr=False)
    penalties: pd.DataFrame = field(repr=False)
    info: SolveInfo
    placement: PlacementInfo | None = None  # breaks and lunches placed by optimisation ([[breaks]])
    meetings: pd.DataFrame | None = field(default=None, repr=False)  # MEETING_COLUMNS: sessions placed


# ---------------------------------------------------------------------------
# Errors (only the CLI turns them into messages and exit codes)
# ---------------------------------------------------------------------------
class WfmError(Exception):
    """Base class of every error wfm raises on purpose."""


class InputError(WfmError):
    """Bad input.  ``problems`` lists every problem found, one line each."""

    def __init__(self, problems: list[str] | str):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class InfeasibleRosterError(WfmError):
    """Hard rules cannot all hold.  ``conflicts`` explains which, in the user's words."""

    def __init__(self, conflicts: list[str] | str):
        if isinstance(conflicts, str):
            conflicts = [conflicts]
        self.conflicts = list(conflicts)
        super().__init__("\n".join(self.conflicts))


class OutputError(WfmError):
    """The output location cannot be used (exists already, is a file, ...)."""
