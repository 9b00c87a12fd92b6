"""Pins (repair): keep the past and the named agents exactly as in the previous roster; change little else.

In the scheduler's words:

* Every day up to and including the pin date (``--pin-until``), and every day
  of a pinned agent (``--pin-agents``), stays exactly as in the previous
  roster: the same shift and queue, or the same day off.
* Every other day of the previous roster may change, but each agent-day that
  changes costs ``weights.changed_shift`` (a shift to another shift, a shift
  to a day off, or a day off to a shift; a queue change alone is free), so
  the new roster changes as few shifts as the other costs allow.
* Approved leave (and any other day the agent cannot work) wins over a pin on
  a day after the pin date: the pinned shift is dropped and the drop is
  reported.  A pinned *past* day that is now leave is reported too, and leave
  still wins, so the roster never breaks the leave rule; correct
  ``time_off.csv`` if the agent did work that day.  A previous shift before
  the agent's start date, of a shift code that no longer exists, or of an
  agent no longer in ``agents.csv`` is dropped and reported the same way.
  A previous LEAVE that is no longer approved is kept as a day off.

The unit reads the previous roster from ``rm.pins`` (a :class:`Pins`, set by
:func:`wfm.roster.solve.build_model`); without it the unit adds nothing.
:func:`plan` decides, in plain Python, what is pinned, what is kept softly
and what is reported, so the pipeline can show the same notes without a model.
Pinned shifts are hard rules like any other: when they cannot hold with the
rest, the infeasibility explanation names them per agent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING

from wfm import schema as S
from wfm.roster.model import describe_dates
from wfm.roster.penalties import Label, LinearPenalty, Penalty, scaled_coefficient

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel
    from wfm.schema import Scenario

RULE = "pins"
CHANGE = "changed_shift"
DEFAULT_CHANGE_WEIGHT = 50.0  # cost units per changed agent-day, until [weights] changed_shift exists
NOT_WORKING = (S.WORK_CODE_OFF, S.WORK_CODE_LEAVE)

Previous = Mapping[tuple[str, dt.date], tuple[str, str | None]]  # (employee_id, day) -> (code, queue)


@dataclass(frozen=True)
class Pins:
    """The previous roster and what of it to keep.

    ``previous`` maps (employee_id, day) to (shift code, OFF or LEAVE; the
    queue served or None).  ``until``: days up to and including it are
    pinned for everyone.  ``agents``: these agents are pinned on every day.
    ``change_weight``: cost per changed agent-day; None takes
    ``scenario.weights.changed_shift`` (or :data:`DEFAULT_CHANGE_WEIGHT`).
    ``source`` names the previous roster in messages.
    """

    previous: Previous = field(repr=False)
    until: dt.date | None = None
    agents: frozenset[str] = frozenset()
    change_weight: float | None = None
    source: str = "the previous roster"

    def pinned(self, employee_id: str, day: dt.date) -> bool:
        return employee_id in self.agents or (self.until is not None and day <= self.until)

    def weight(self, scenario: Scenario) -> float:
        if self.change_weight is not None:
            return float(self.change_weight)
        return float(getattr(scenario.weights, CHANGE, DEFAULT_CHANGE_WEIGHT))


@dataclass(frozen=True)
class Plan:
    """What :func:`plan` decided.

    ``fixed``: (employee_id, day) -> (code, queue or None): hard; code OFF means no shift.
    ``soft``: (employee_id, day) -> previous code (a shift code or OFF): a change costs the weight.
    ``hint``: (employee_id, day) -> (shift code, queue): the previous shifts still possible.
    ``forced``: agent-days whose previous shift is impossible now (leave, start date, unknown shift).
    ``notes``: plain sentences for the scheduler.
    """

    fixed: dict[tuple[str, dt.date], tuple[str, str | None]]
    soft: dict[tuple[str, dt.date], str]
    hint: dict[tuple[str, dt.date], tuple[str, str]]
    forced: list[tuple[str, dt.date]]
    notes: list[str]


def plan(scenario: Scenario, pins: Pins) -> Plan:
    """Split the previous roster into pinned days, softly kept days and reported conflicts."""
    agents = {a.employee_id: a for a in scenario.agents}
    codes = {s.code for s in scenario.shifts}
    days = set(scenario.horizon.days)
    cannot_work = {(t.employee_id, t.date) for t in scenario.time_off if t.kind in S.HARD_TIME_OFF_KINDS}
    leave = {(t.employee_id, t.date) for t in scenario.time_off if t.kind == "leave"}
    fixed: dict[tuple[str, dt.date], tuple[str, str | None]] = {}
    soft: dict[tuple[str, dt.date], str] = {}
    hint: dict[tuple[str, dt.date], tuple[str, str]] = {}
    forced: list[tuple[str, dt.date]] = []
    notes: list[str] = []
    gone: set[str] = set()

    def who(eid: str) -> str:
        return f"{eid} {agents[eid].name}".strip()

    for (eid, day), (code, queue) in sorted(pins.previous.items()):
        if day not in days:
            continue
        if eid not in agents:
            if eid not in gone:
                notes.append(f"{eid} is in {pins.source} but not in agents.csv; their shifts are dropped.")
                gone.add(eid)
            continue
        agent = agents[eid]
        pinned = pins.pinned(eid, day)
        past = pins.until is not None and day <= pins.until
        works = code not in NOT_WORKING
        if works and code not in codes:
            forced.append((eid, day))
            notes.append(
                f"{who(eid)} on {day}: shift {code} of {pins.source} is no longer a shift template; "
                "the day is planned again."
            )
            continue
        if (eid, day) in cannot_work:
            if works:
                forced.append((eid, day))
                what = "approved leave" if (eid, day) in leave else "a day the agent is unavailable"
                if past:
                    notes.append(
                        f"{who(eid)} on {day}: pinned past day worked {code} in {pins.source}, but "
                        f"time_off.csv now has {what} that day; {what} wins (correct time_off.csv "
                        "if the agent did work)."
                    )
                elif pinned:
                    notes.append(f"{who(eid)} on {day}: {what} wins over the pinned shift {code}.")
                else:
                    notes.append(f"{who(eid)} on {day}: {what}; shift {code} of {pins.source} is dropped.")
            continue
        if works and day < agent.start_date:
            forced.append((eid, day))
            notes.append(
                f"{who(eid)} on {day}: shift {code} of {pins.source} is before the start date "
                f"{agent.start_date}; dropped."
            )
            continue
        if not works:
            if code == S.WORK_CODE_LEAVE and pinned:
                notes.append(
                    f"{who(eid)} on {day}: LEAVE in {pins.source} is no longer approved leave; "
                    "kept as a day off."
                )
            if pinned:
                fixed[eid, day] = (S.WORK_CODE_OFF, None)
            else:
                soft[eid, day] = S.WORK_CODE_OFF
            continue
        skilled = queue is not None and queue in agent.skills
        if pinned:
            if not skilled:
                notes.append(
                    f"{who(eid)} on {day}: queue {queue} of the pinned shift {code} is not one of the "
                    "agent's skills now; the shift is kept, the queue is chosen again."
                )
            fixed[eid, day] = (code, queue if skilled else None)
        else:
            soft[eid, day] = code
        first = next((q.name for q in scenario.queues if q.name in agent.skills), None)
        if skilled or first is not None:
            hint[eid, day] = (code, queue if skilled else first)
    return Plan(fixed, soft, hint, forced, notes)


def restricted_queues(
    rm: RosterModel, fixed: Mapping[tuple[str, dt.date], tuple[str, str | None]], d: int, s: int
) -> list[tuple[str, ...]]:
    """Per agent, the queues they may serve on shift ``s`` of day ``d``: a pinned queue only, else their skills."""
    out = list(rm.agent_queues)
    day = rm.days[d]
    for a, agent in enumerate(rm.agents):
        pin = fixed.get((agent.employee_id, day))
        if pin is not None and pin[1] is not None and rm.shift_index.get(pin[0]) == s:
            out[a] = (pin[1],)
    return out


def add(rm: RosterModel) -> list[Penalty]:
    pins: Pins | None = getattr(rm, "pins", None)
    if pins is None:
        return []
    p = plan(rm.scenario, pins)
    rm.pin_plan = p  # for the solver's queue matching
    m = rm.model

    # pinned days: the same shift, or no shift
    pinned_dates: dict[str, list[dt.date]] = {}
    for eid, day in p.fixed:
        pinned_dates.setdefault(eid, []).append(day)
    queue_pins: dict[tuple[int, int], list[int]] = {}
    for (eid, day), (code, queue) in sorted(p.fixed.items()):
        a, d = rm.agent_index[eid], rm.day_index[day]
        phrase = f"the shifts kept from {pins.source} on {describe_dates(pinned_dates[eid])}"
        if code == S.WORK_CODE_OFF:
            rm.hard(m.add(rm.works[a, d] == 0), RULE, rm.agents[a], phrase)
            continue
        s = rm.shift_index[code]
        rm.hard(m.add(rm.y[a, d, s] == 1), RULE, rm.agents[a], phrase)
        if queue is not None:
            queue_pins.setdefault((d, s), []).append(a)

    # pinned queues: Hall's condition again, with each pinned agent confined to their pinned queue
    for (d, s), _ in sorted(queue_pins.items()):
        allowed = restricted_queues(rm, p.fixed, d, s)
        crews = {q: rm.crew[q, d, s] for q in rm.queues if (q, d, s) in rm.crew}
        families = sorted(set(allowed))
        for size in range(1, len(rm.queues)):
            for subset in combinations(rm.queues, size):
                members = set(subset)
                inside = [set(f) for f in families if set(f) <= members]
                if not inside or set().union(*inside) != members:
                    continue
                confined = [a for a in range(len(rm.agents)) if set(allowed[a]) <= members]
                ct = m.add(
                    sum(crews[q] for q in subset if q in crews) >= sum(rm.y[a, d, s] for a in confined)
                )
                rm.hard(ct, RULE, None, f"pinned agents keep their queue on {rm.days[d]}")

    # every other day of the previous roster: a change costs the weight
    coeff = scaled_coefficient(pins.weight(rm.scenario), 1, CHANGE)
    penalties: list[Penalty] = []
    for (eid, day), code in sorted(p.soft.items()):
        a, d = rm.agent_index[eid], rm.day_index[day]
        changed = rm.works[a, d] if code == S.WORK_CODE_OFF else 1 - rm.y[a, d, rm.shift_index[code]]
        penalties.append(LinearPenalty(Label(CHANGE, "changes", employee_id=eid, date=day), changed, coeff))
    return penalties
