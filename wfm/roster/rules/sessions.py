"""Sessions: every training session, weekly coaching session and monthly team session gets a day its members all work.

The sessions are those of :func:`wfm.activities.meetings` (training courses
split into cohorts, the weekly mentor-mentee coaching, the monthly team
wellbeing session).  This unit chooses the *day* of each session; the second
stage (:mod:`wfm.roster.intraday`, :mod:`wfm.roster.breaks`) chooses its time
inside the shifts.  On the chosen day every expected member
(:meth:`~wfm.activities.Meeting.members_on`: a team session excuses members
who cannot work that day) works a shift that can hold the session at a start
time common to all of them, inside its time window, starting at least
:data:`MARGIN_MINUTES` after the shift starts and ending as long before it
ends, with the shift's breaks and lunch (and a new hire's onboarding block)
still fitting around it -- so stage 2 has room for it.  The parts of a course (``series``) lie on strictly increasing days, and nobody
has more than one session a day (two sessions, a lunch, breaks and the
phone-time cap rarely fit one shift; rule ``sessions_per_day``).

Attendance is hard by default: each session takes place exactly once.  A
course with ``hard = false`` takes place at most once per session, and a
session left out costs :data:`MISSED_WEIGHT` cost units (rule
``training_missed``; a module constant, not a :class:`~wfm.schema.Weights`
field).  A session with no day at all on which its members can all work
(start dates, leave, unavailable days, allowed weekdays or dates) stops the
solve with :class:`~wfm.schema.InfeasibleRosterError` naming the session and
why, before any search.

Members on different shifts must be able to meet at one time: the session's
possible start times are grouped into *slots*, each with the shifts that hold
a session starting then (:func:`slot_classes`), and all members work a shift
of one slot.

Encoding: a Boolean ``z[m, d]`` per session and candidate day (stored as
``rm.session_days[meeting id][day index]``) and, when there is more than one
slot, a Boolean per slot summing to ``z[m, d]`` (``rm.session_slots``);
``sum_d z == 1`` (``<= 1`` when soft); ``sum(y[a, d, s] for s in the slot's
shifts) >= slot`` per expected member; for
consecutive parts ``p`` then ``n`` and each day ``d``:
``z[n, d] + sum(z[p, d'] for d' >= d) <= 1``.  The chosen days are read back
with :func:`wfm.roster.sessions_plan.chosen_session_days`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from wfm.activities import (
    GRID_MINUTES,
    MENTORING,
    TRAINING,
    WELLBEING,
    Meeting,
    fits,
    meetings,
)
from wfm.roster.breaks import BlockSpec, rule_for, rule_specs, search_blocks
from wfm.roster.intraday import SESSION_MARGIN_MINUTES, onboarding_spec, session_spec
from wfm.roster.model import describe_dates
from wfm.roster.penalties import Label, LinearPenalty, Penalty, scaled_coefficient
from wfm.schema import InfeasibleRosterError

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULES = {TRAINING: "training", MENTORING: "mentoring", WELLBEING: "wellbeing"}
MARGIN_MINUTES = SESSION_MARGIN_MINUTES
"""A session starts at least this long after its shift starts and ends at least this long before the shift ends."""
ONE_A_DAY = "sessions_per_day"
MISSED = "training_missed"
MISSED_WEIGHT = 1000.0
"""Cost units of a session of a soft course (``hard = false``) that is not held."""


def label(meeting: Meeting) -> str:
    """The session in the scheduler's words, e.g. ``Training 'AML refresher (cohort 1, session 1/2)'``."""
    if meeting.activity == TRAINING:
        return f"Training '{meeting.detail}'"
    return meeting.detail[:1].upper() + meeting.detail[1:]


def fitting_shifts(rm: RosterModel, meeting: Meeting) -> list[int]:
    """Indexes of the shift templates that can hold ``meeting`` (window and margins)."""
    return [s for s, shift in enumerate(rm.shifts) if fits(shift, meeting, margin_minutes=MARGIN_MINUTES)]


class _Room:
    """Whether a shift holds a session at a start time together with the blocks stage 2 must also place.

    Asks the second stage's own search (:func:`wfm.roster.breaks.search_blocks`)
    with the shift's breaks and lunch (its ``[[breaks]]`` rule, or the fixed
    lunch without one), the session as a fixed block and, for a new hire in
    onboarding, the day's training block
    (:func:`wfm.roster.intraday.onboarding_spec`); the margins of
    :data:`MARGIN_MINUTES` apply.  Answers are cached per (shift, start,
    minutes, extra block).
    """

    def __init__(self, rm: RosterModel):
        self.rm = rm
        self.rules = [rule_for(shift, rm.scenario.break_rules) for shift in rm.shifts]
        self.max_run = rm.scenario.wellbeing.max_continuous_phone_minutes
        self.cache: dict[tuple, bool] = {}

    def holds(self, s: int, start: int, meeting: Meeting, extra: BlockSpec | None = None) -> bool:
        key = (s, start, meeting.minutes, extra)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self._holds(s, start, meeting, extra)
        return found

    def _holds(self, s: int, start: int, meeting: Meeting, extra: BlockSpec | None) -> bool:
        shift, rule = self.rm.shifts[s], self.rules[s]
        end = start + meeting.minutes
        if not (shift.start_minute + MARGIN_MINUTES <= start and end <= shift.end_minute - MARGIN_MINUTES):
            return False
        specs = [*rule_specs(shift, rule), session_spec(meeting, start - shift.start_minute)]
        if extra is not None:
            specs.append(extra)
        gap = rule.min_gap_minutes if rule is not None else 0
        return search_blocks(specs, gap, shift.length_minutes, self.max_run) is not None


def _room(rm: RosterModel) -> _Room:
    room = getattr(rm, "_session_room", None)
    if room is None:
        room = rm._session_room = _Room(rm)
    return room


def slot_classes(rm: RosterModel, meeting: Meeting) -> list[tuple[int, tuple[int, ...]]]:
    """Where the members of ``meeting`` can meet: ``(start minute, shift indexes holding it then)``.

    Members on different shifts must share a start time, so fitting each
    shift alone is not enough (an 07:00 shift and a 09:00 shift with their
    lunches may have no common two hours).  Starts run on the 15-minute grid
    through the session's window; a shift holds a start when its breaks and
    lunch still fit around the session (:class:`_Room`).  Starts whose shifts
    are a subset of another start's are dropped, leaving the maximal sets.
    """
    room = _room(rm)
    lo, hi = meeting.window
    first = -(-lo // GRID_MINUTES) * GRID_MINUTES
    found: dict[tuple[int, ...], int] = {}
    for start in range(first, hi - meeting.minutes + 1, GRID_MINUTES):
        held = tuple(s for s in range(len(rm.shifts)) if room.holds(s, start, meeting))
        if held and held not in found:
            found[held] = start
    sets = list(found)
    maximal = [a for a in sets if not any(set(a) < set(b) for b in sets)]
    return sorted(((found[a], a) for a in maximal), key=lambda c: c[0])


def member_shifts(
    rm: RosterModel, a: int, d: int, start: int, meeting: Meeting, shifts: tuple[int, ...]
) -> list[int]:
    """The shifts of a slot agent ``a`` can attend in on day ``d``: a new hire in onboarding needs room for it too."""
    agent, day = rm.agents[a], rm.days[d]
    room = _room(rm)
    out = []
    for s in shifts:
        extra = onboarding_spec(rm.scenario, agent, day, rm.shifts[s])
        if extra is None or room.holds(s, start, meeting, extra):
            out.append(s)
    return out


def candidate_days(rm: RosterModel, meeting: Meeting) -> list[int]:
    """The meeting's days on which every expected member can work (employed, no leave, not unavailable)."""
    return [
        d
        for d in meeting.days
        if all(not rm.cannot_work(rm.agent_index[m], d) for m in meeting.members_on(d))
    ]


def _why_no_day(rm: RosterModel, meeting: Meeting) -> str:
    """Why ``meeting`` has no candidate day: the members' start dates, leave and unavailable days."""
    members = list(meeting.members)
    reasons = []
    days = list(meeting.days)
    for eid in members:
        a = rm.agent_index[eid]
        start = rm.agents[a].start_date
        if start > rm.days[0]:
            reasons.append(f"{eid} starts {start}")
        looked = days or range(rm.n_days)
        leave = [rm.days[d] for d in looked if rm.on_leave(a, d)]
        if leave:
            reasons.append(f"{eid} on leave {describe_dates(leave)}")
        off = [rm.days[d] for d in looked if rm.unavailable(a, d)]
        if off:
            reasons.append(f"{eid} unavailable {describe_dates(off)}")
    where = "no allowed day in the horizon" if not days else "no allowed day"
    who = ", ".join(members)
    tail = f" ({'; '.join(reasons)})" if reasons else ""
    return f"{label(meeting)}: {where} on which {who} can all work{tail}"


def add(rm: RosterModel) -> list[Penalty]:
    rm.session_days = {}
    rm.session_slots = {}  # meeting id -> day -> [(start minute, slot variable)]
    rm.session_meetings = []  # (meeting, [(start minute, shift indexes)]), in meetings() order
    all_meetings = meetings(rm.scenario)
    if not all_meetings:
        return []
    problems = []
    planned: list[tuple[Meeting, list[tuple[int, tuple[int, ...]]], list[int]]] = []
    for meeting in all_meetings:
        fit = slot_classes(rm, meeting)
        if not fit:
            lo, hi = meeting.window
            problems.append(
                f"{label(meeting)}: no shift template can hold a {meeting.minutes}-minute session between "
                f"{lo // 60:02d}:{lo % 60:02d} and {hi // 60:02d}:{hi % 60:02d} starting at least "
                f"{MARGIN_MINUTES} minutes after the shift starts and ending {MARGIN_MINUTES} minutes before it ends"
            )
            continue
        days = candidate_days(rm, meeting)
        if not days and meeting.hard:
            problems.append(_why_no_day(rm, meeting))
            continue
        planned.append((meeting, fit, days))
    if problems:
        raise InfeasibleRosterError(problems)

    penalties: list[Penalty] = []
    missed_coeff = scaled_coefficient(MISSED_WEIGHT, 1, MISSED)
    series: dict[str, list[Meeting]] = defaultdict(list)
    for meeting, fit, days in planned:
        rule = f"{RULES[meeting.activity]}:{meeting.id}"
        z = {d: rm.model.new_bool_var(f"session[{meeting.id},{rm.days[d]}]") for d in days}
        rm.session_days[meeting.id] = z
        rm.session_meetings.append((meeting, fit))
        what = label(meeting)
        held = sum(z.values())
        if meeting.hard:
            when = describe_dates([rm.days[d] for d in days])
            rm.hard(rm.model.add(held == 1), rule, None, f"{what} takes place on one of {when}")
        else:
            missed = Label(MISSED, "sessions", employee_id=meeting.trainer)
            if z:
                rm.model.add(held <= 1)
                penalties.append(LinearPenalty(missed, 1 - held, missed_coeff))
            else:
                penalties.append(LinearPenalty(missed, rm.model.new_constant(1), missed_coeff))
        slots: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
        for d, var in z.items():
            if len(fit) == 1:
                slots[d] = [(fit[0][0], var)]
                continue
            slots[d] = [
                (start, rm.model.new_bool_var(f"slot[{meeting.id},{rm.days[d]},{start}]")) for start, _ in fit
            ]
            rm.model.add(sum(v for _, v in slots[d]) == var)
        rm.session_slots[meeting.id] = slots
        for d in z:
            for (start, shifts), (_, var) in zip(fit, slots[d], strict=True):
                for eid in meeting.members_on(d):
                    a = rm.agent_index[eid]
                    mine = member_shifts(rm, a, d, start, meeting, shifts)
                    ct = rm.model.add(sum(rm.y[a, d, s] for s in mine) >= var)
                    rm.hard(ct, rule, rm.agents[a], f"attends {what}, working a shift that holds it that day")
        if meeting.series is not None:
            series[meeting.series].append(meeting)
        _hint_rule(rm, meeting, fit, z, slots)
    # one session a day per agent: stage 2 then never has to fit two into one shift with its breaks
    on_day: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    for meeting, _, _ in planned:
        for d, var in rm.session_days[meeting.id].items():
            for eid in meeting.members_on(d):
                on_day[rm.agent_index[eid], d].append(var)
    for (a, _), held_that_day in sorted(on_day.items(), key=lambda item: item[0]):
        if len(held_that_day) > 1:
            ct = rm.model.add(sum(held_that_day) <= 1)
            rm.hard(
                ct, ONE_A_DAY, rm.agents[a], "at most one session (training, coaching or team session) a day"
            )
    for name, parts in series.items():
        parts = sorted(parts, key=lambda m: m.part)
        phrase = f"the sessions of {name} on different days, in order"
        for first, then in zip(parts, parts[1:], strict=False):
            zp, zn = rm.session_days[first.id], rm.session_days[then.id]
            for d, var in zn.items():
                earlier_or_same = [v for d2, v in zp.items() if d2 >= d]
                if earlier_or_same:
                    ct = rm.model.add(var + sum(earlier_or_same) <= 1)
                    rm.hard(ct, f"training:{name}:order", None, phrase)
    return penalties


def _hint_rule(rm: RosterModel, meeting: Meeting, fit: list, z: dict, slots: dict) -> None:
    """Register how the hint picks the session's day and slot: the first (day, slot) all members' shifts hold.

    The day of a course's later part must come after the earlier part's hinted
    day.  Computed once per hint (cached on the ``value`` function) and shared
    by the meeting's variables.
    """
    previous = getattr(rm, "_session_pickers", {})
    rm._session_pickers = previous
    if not hasattr(rm, "_session_busy"):
        rm._session_busy = {}
    before = None
    if meeting.series is not None and meeting.part > 1:
        before = previous.get((meeting.series, meeting.part - 1))
    cache: dict = {}

    def pick(value) -> tuple[int, int] | None:
        """(day, slot index) of the hinted roster, or None."""
        if cache.get("value") is value:
            return cache["chosen"]
        shared = rm._session_busy
        if shared.get("value") is not value:  # a new hint: nobody has a session yet
            shared.clear()
            shared.update(value=value, busy=set())
        busy = shared["busy"]
        after = -1
        if before is not None:
            prior = before(value)
            after = -1 if prior is None else prior[0]

        def holds(d: int, k: int) -> bool:
            start, shifts = fit[k]
            members = [rm.agent_index[eid] for eid in meeting.members_on(d)]
            return all(
                (a, d) not in busy
                and any(value(rm.y[a, d, s]) for s in member_shifts(rm, a, d, start, meeting, shifts))
                for a in members
            )

        # the warm start's own choice first (see wfm.roster.warmstart), then the first day and slot that hold
        wish = getattr(rm, "warm_session_days", {}).get(meeting.id)
        options = [wish] if wish is not None and wish[0] in z else []
        options += [(d, k) for d in z for k in range(len(fit))]
        chosen = next((o for o in options if o[0] > after and holds(*o)), None)
        if chosen is None and meeting.hard:
            later = [d for d in z if d > after]
            chosen = ((later or list(z))[0], 0)  # an infeasible hint: CP-SAT repairs it
        if chosen is not None:
            busy.update((rm.agent_index[eid], chosen[0]) for eid in meeting.members_on(chosen[0]))
        cache["value"], cache["chosen"] = value, chosen
        return chosen

    if meeting.series is not None:
        previous[meeting.series, meeting.part] = pick
    for d, var in z.items():
        rm.derive(var, lambda value, d=d: int(pick(value) is not None and pick(value)[0] == d))
        if len(slots[d]) > 1:
            for k, (_, slot) in enumerate(slots[d]):
                rm.derive(slot, lambda value, key=(d, k): int(pick(value) == key))
