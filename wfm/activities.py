"""Who trains, who mentors, and which sessions a month needs: pure functions of the scenario.

Every stage that deals with training, mentoring or the team wellbeing session
reads its facts from here, so the roster model, the intraday placement, the
independent checker and the workbook agree on them:

* :func:`pair_mentors` -- the mentor of each new hire and coaching-flagged agent;
* :func:`course_cohorts` -- a course's attendees split into cohorts by capacity;
* :func:`meetings` -- every session the horizon needs (training sessions,
  weekly coaching, the monthly team session), each with its members, length,
  time window and candidate days;
* :func:`onboarding_minutes` and :func:`ramping` -- a new hire's training
  share and ramp-up on a given day.

Nothing here touches a solver or a file.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass

from wfm.schema import Agent, Course, InputError, Scenario, ShiftTemplate

GRID_MINUTES = 15
TRAINING = "TRAINING"
MENTORING = "MENTORING"
WELLBEING = "WELLBEING"
ONBOARDING_DETAIL = "onboarding"
RECOVERY_DETAIL = "recovery break"
TEAM_SESSION_DETAIL = "team session"


# ---------------------------------------------------------------------------
# Mentoring
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Pair:
    """A mentor and a mentee; ``reason`` is ``new hire`` or ``coaching``."""

    mentor: str
    mentee: str
    reason: str


def mentees(scenario: Scenario) -> list[Agent]:
    """Agents who get a mentor: new hires, then agents flagged for coaching, in agents.csv order."""
    if scenario.mentoring is None:
        return []
    new = [a for a in scenario.agents if a.role == "new_hire"]
    flagged = [a for a in scenario.agents if a.coaching and a.role != "new_hire"]
    return new + flagged


def pair_mentors(scenario: Scenario) -> list[Pair]:
    """The mentor of every mentee, deterministic.

    Eligible mentors have a role in ``mentoring.mentor_roles``, every skill of
    the mentee, and fewer than ``max_mentees`` mentees so far; a mentor on the
    mentee's team is preferred, then the mentor with the fewest mentees, then
    the same weekly contract, then agents.csv order.  Mentees are placed in
    order of how few eligible mentors they have (the hardest first).  Raises
    :class:`InputError` naming the mentee when nobody is eligible.
    """
    cfg = scenario.mentoring
    if cfg is None:
        return []
    mentors = [a for a in scenario.agents if a.role in cfg.mentor_roles]
    order = {a.employee_id: i for i, a in enumerate(scenario.agents)}
    load: dict[str, int] = defaultdict(int)
    todo = mentees(scenario)

    def eligible(m: Agent) -> list[Agent]:
        return [a for a in mentors if a.employee_id != m.employee_id and set(m.skills) <= set(a.skills)]

    problems = []
    for m in todo:
        if not eligible(m):
            problems.append(
                f"agents.csv: {m.employee_id} ({'new hire' if m.role == 'new_hire' else 'flagged for coaching'}) "
                f"has no eligible mentor: no agent with role {' or '.join(cfg.mentor_roles)} has all of the "
                f"skills {';'.join(m.skills)}"
            )
    if problems:
        raise InputError(problems)
    pairs: list[Pair] = []
    for m in sorted(todo, key=lambda a: (len(eligible(a)), order[a.employee_id])):
        free = [a for a in eligible(m) if load[a.employee_id] < cfg.max_mentees]
        if not free:
            capacity = len(mentors) * cfg.max_mentees
            raise InputError(
                f"[mentoring]: not enough mentor places for {m.employee_id}: every eligible mentor already has "
                f"max_mentees = {cfg.max_mentees} mentees ({len(todo)} mentees, {capacity} places in all); "
                "raise max_mentees or name more mentors"
            )
        best = min(
            free,
            key=lambda a: (
                a.team != m.team,
                load[a.employee_id],
                a.contract_minutes_per_week != m.contract_minutes_per_week,
                order[a.employee_id],
            ),
        )
        load[best.employee_id] += 1
        pairs.append(
            Pair(best.employee_id, m.employee_id, "new hire" if m.role == "new_hire" else "coaching")
        )
    return sorted(pairs, key=lambda p: order[p.mentee])


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------
def course_attendees(scenario: Scenario, course: Course) -> list[Agent]:
    """Agents who must attend ``course``: matching a role, a skill or named; never the trainer."""
    out = []
    for a in scenario.agents:
        if a.employee_id == course.trainer:
            continue
        if a.role in course.roles or set(a.skills) & set(course.skills) or a.employee_id in course.agents:
            out.append(a)
    return out


def course_cohorts(scenario: Scenario, course: Course) -> list[list[Agent]]:
    """Attendees split into balanced cohorts of at most ``capacity``, ordered by team then employee id."""
    people = sorted(course_attendees(scenario, course), key=lambda a: (a.team, a.employee_id))
    if not people:
        return []
    n = math.ceil(len(people) / course.capacity)
    size, extra = divmod(len(people), n)
    cohorts, i = [], 0
    for k in range(n):
        take = size + (1 if k < extra else 0)
        cohorts.append(people[i : i + take])
        i += take
    return cohorts


# ---------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Meeting:
    """A session some agents attend together, off the phone.

    ``members`` must all work a shift that contains the session on its day
    (the trainer among them, when the trainer is an agent);  ``days`` are the
    candidate day indexes (0 = horizon start); ``window`` is (start, end) in
    minutes after midnight that the session must lie within; ``series`` and
    ``part`` order the sessions of one course cohort (part 1 before part 2,
    on different days).  ``excused`` maps day index to members who cannot
    work that day and are excused (team sessions only).
    """

    id: str
    activity: str  # TRAINING, MENTORING or WELLBEING
    detail: str
    members: tuple[str, ...]
    minutes: int
    window: tuple[int, int]
    days: tuple[int, ...]
    trainer: str | None = None
    series: str | None = None
    part: int = 1
    hard: bool = True
    excused: tuple[tuple[int, tuple[str, ...]], ...] = ()

    def members_on(self, d: int) -> tuple[str, ...]:
        """Members expected on day index ``d`` (the excused of that day left out)."""
        out = dict(self.excused).get(d, ())
        return tuple(m for m in self.members if m not in out)


def _cannot_work(scenario: Scenario) -> dict[str, set[dt.date]]:
    out: dict[str, set[dt.date]] = defaultdict(set)
    for t in scenario.time_off:
        if t.kind in ("leave", "unavailable"):
            out[t.employee_id].add(t.date)
    return out


def able_days(scenario: Scenario, agent: Agent) -> set[dt.date]:
    """Horizon days ``agent`` can work: employed, not on leave, not unavailable."""
    blocked = _cannot_work(scenario).get(agent.employee_id, set())
    return {d for d in scenario.horizon.days if d >= agent.start_date and d not in blocked}


def meetings(scenario: Scenario) -> list[Meeting]:
    """Every session the horizon needs, in a stable order (courses, coaching, team sessions)."""
    days = scenario.horizon.days
    index = {d: i for i, d in enumerate(days)}
    agents = {a.employee_id: a for a in scenario.agents}
    out: list[Meeting] = []
    for course in scenario.courses:
        if course.dates:
            allowed = [d for d in days if d in course.dates]
        else:
            allowed = [d for d in days if d.weekday() in course.weekdays]
        for c, cohort in enumerate(course_cohorts(scenario, course), start=1):
            members = tuple(a.employee_id for a in cohort)
            if course.trainer:
                members += (course.trainer,)
            series = f"{course.name} cohort {c}"
            for k in range(1, course.sessions + 1):
                label = f"{course.name} (cohort {c}, session {k}/{course.sessions})"
                out.append(
                    Meeting(
                        id=f"T:{course.name}:{c}:{k}",
                        activity=TRAINING,
                        detail=label,
                        members=members,
                        minutes=course.session_minutes,
                        window=course.window,
                        days=tuple(
                            index[d] for d in allowed if all(d >= agents[m].start_date for m in members)
                        ),
                        trainer=course.trainer,
                        series=series,
                        part=k,
                        hard=course.hard,
                    )
                )
    cfg = scenario.mentoring
    if cfg is not None and cfg.coaching_minutes:
        weeks: dict[tuple[int, int], list[dt.date]] = defaultdict(list)
        for d in days:
            iso = d.isocalendar()
            weeks[iso.year, iso.week].append(d)
        for pair in pair_mentors(scenario):
            members = (pair.mentor, pair.mentee)
            for week in weeks.values():
                if len(week) < cfg.min_week_days:
                    continue
                cand = [d for d in week if all(d >= agents[m].start_date for m in members)]
                if not cand:
                    continue
                out.append(
                    Meeting(
                        id=f"M:{pair.mentor}:{pair.mentee}:{week[0]}",
                        activity=MENTORING,
                        detail=f"coaching {pair.mentor} with {pair.mentee} (week of {week[0]})",
                        members=members,
                        minutes=cfg.coaching_minutes,
                        window=(0, 24 * 60),
                        days=tuple(index[d] for d in cand),
                        hard=True,
                    )
                )
    wb = scenario.wellbeing
    if wb.team_session_minutes:
        teams: dict[str, list[Agent]] = defaultdict(list)
        for a in scenario.agents:
            teams[a.team].append(a)
        months: dict[tuple[int, int], list[dt.date]] = defaultdict(list)
        for d in days:
            months[d.year, d.month].append(d)
        able = {a.employee_id: able_days(scenario, a) for a in scenario.agents}
        for team, people in teams.items():
            members = tuple(a.employee_id for a in people)
            for (year, month), month_days in months.items():
                cand, excused = [], []
                for d in month_days:
                    present = [m for m in members if d in able[m]]
                    if len(present) >= math.ceil(wb.team_session_min_share * len(members)) and present:
                        cand.append(index[d])
                        away = tuple(m for m in members if d not in able[m])
                        if away:
                            excused.append((index[d], away))
                out.append(
                    Meeting(
                        id=f"W:{team}:{year}-{month:02d}",
                        activity=WELLBEING,
                        detail=f"{TEAM_SESSION_DETAIL} {team} {year}-{month:02d}",
                        members=members,
                        minutes=wb.team_session_minutes,
                        window=wb.team_session_window,
                        days=tuple(cand),
                        excused=tuple(excused),
                    )
                )
    return out


def fits(shift: ShiftTemplate, meeting: Meeting, margin_minutes: int = 0) -> bool:
    """True when a session of ``meeting`` can lie inside ``shift`` and inside its window.

    The session must start on the 15-minute grid, at least ``margin_minutes``
    after the shift start and end at least ``margin_minutes`` before its end.
    """
    start = shift.start.hour * 60 + shift.start.minute
    end = start + shift.paid_minutes + shift.unpaid_minutes
    lo = max(start + margin_minutes, meeting.window[0])
    hi = min(end - margin_minutes, meeting.window[1])
    lo = -(-lo // GRID_MINUTES) * GRID_MINUTES
    return lo + meeting.minutes <= hi


# ---------------------------------------------------------------------------
# New hires
# ---------------------------------------------------------------------------
def onboarding_minutes(scenario: Scenario, agent: Agent, day: dt.date, shift: ShiftTemplate) -> int:
    """Minutes of onboarding training ``agent`` gets on ``day`` working ``shift`` (0 when none)."""
    cfg = scenario.onboarding
    if cfg is None or agent.role != "new_hire" or not cfg.share:
        return 0
    since = (day - agent.start_date).days
    if not 0 <= since < cfg.days:
        return 0
    return math.ceil(cfg.share * shift.paid_minutes / GRID_MINUTES) * GRID_MINUTES


def ramping(scenario: Scenario, agent: Agent, day: dt.date) -> bool:
    """True when ``agent`` is a new hire in ramp-up on ``day`` (counts as a fraction, serves one queue)."""
    cfg = scenario.onboarding
    if cfg is None or agent.role != "new_hire" or cfg.ramp_up_fraction >= 1:
        return False
    return 0 <= (day - agent.start_date).days < cfg.ramp_up_days


def ramp_fraction(scenario: Scenario, agent: Agent, day: dt.date) -> float:
    """Share of an agent ``agent`` counts for in coverage on ``day`` (1.0 outside ramp-up)."""
    return scenario.onboarding.ramp_up_fraction if ramping(scenario, agent, day) else 1.0  # type: ignore[union-attr]


def ramp_minutes(minutes: int, fraction: float) -> int:
    """On-phone minutes a ramping agent counts for in coverage: ``fraction`` of ``minutes``, rounded down.

    >>> ramp_minutes(15, 0.5)
    7
    """
    return int(math.floor(minutes * fraction + 1e-9))


def ramp_skills(scenario: Scenario, agent: Agent, day: dt.date) -> tuple[str, ...]:
    """The queues ``agent`` may serve on ``day``: their first listed skill during ramp-up, else all."""
    return agent.skills[:1] if ramping(scenario, agent, day) else agent.skills


__all__ = [
    "MENTORING",
    "TRAINING",
    "WELLBEING",
    "Meeting",
    "Pair",
    "able_days",
    "course_attendees",
    "course_cohorts",
    "fits",
    "meetings",
    "mentees",
    "onboarding_minutes",
    "pair_mentors",
    "ramp_fraction",
    "ramp_minutes",
    "ramp_skills",
    "ramping",
]
