"""Turn solved shift choices into the roster frames of :class:`~wfm.schema.RosterSolution`.

HR_Import conventions (``activities``, columns ``schema.HR_IMPORT_COLUMNS``):

* working day -- one ``SHIFT`` row spanning the whole shift (``minutes`` = span
  including lunch, ``paid`` True, ``queue`` = the queue served) and, when the
  template has unpaid minutes, one ``LUNCH`` row (``paid`` False, no queue).
  Without ``[[breaks]]`` rules the lunch sits at the fixed lunch window.  With
  them, the day's ``BREAK`` rows (``paid`` True) and ``LUNCH`` row sit where the
  placement stage put them (:mod:`wfm.roster.breaks`), or at the rule's
  fixed-offset default placement when no placement is given.  Paid minutes of
  the day = SHIFT minus LUNCH; on-phone minutes = SHIFT minus every block.
* day off -- one ``OFF`` row from the day's 00:00 to the next day's 00:00,
  ``minutes`` 0, ``paid`` False.  Days before an agent's start date are OFF.
* approved leave -- one ``LEAVE`` row over the same span, ``minutes`` = the
  leave credit (a fifth of the weekly contract), ``paid`` True.

Every row's ``date`` is the roster day (``datetime.date``) the row belongs to;
a night shift's rows keep the day the shift starts, even past midnight.
``start``/``end`` are timezone-aware wall-clock timestamps.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from wfm import schema as S
from wfm.roster.breaks import Block, default_blocks, phone_minutes, rule_for, rule_specs
from wfm.roster.model import RosterModel
from wfm.roster.shifts import (
    MINUTES_PER_DAY,
    leave_credit_minutes,
    shift_segments,
    wall_clock,
)

ACTIVITY_ORDER = {name: i for i, name in enumerate(S.ACTIVITIES)}


def roster_frames(
    rm: RosterModel,
    chosen: dict[tuple[int, int], tuple[int, str]],
    blocks: dict[tuple[str, dt.date], tuple[Block, ...]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(assignments, activities, queue_minutes)`` for ``chosen[(agent, day)] = (shift, queue)``.

    ``blocks[(employee_id, day)]``: the placed breaks and lunch of a worked day
    (``[[breaks]]`` rules only); days without an entry get the rule's default.
    """
    assignments, activities, phone = [], [], []
    rules = rm.scenario.break_rules
    # a day without placed blocks: the rule's fixed-offset blocks, or the lunch at its fixed place
    defaults = [
        default_blocks(s, rule_for(s, rules))
        if rules and rule_for(s, rules) is not None
        else tuple(Block(sp.activity, sp.candidates[0], sp.minutes) for sp in rule_specs(s, None))
        for s in rm.shifts
    ]
    for a, agent in enumerate(rm.agents):
        eid = agent.employee_id
        for d, day in enumerate(rm.days):
            if (a, d) in chosen:
                s, q = chosen[a, d]
                shift = rm.shifts[s]
                times = shift_segments(shift, day, rm.tz)
                assignments.append((eid, day, shift.code))
                activities.append(
                    (eid, day, "SHIFT", times.start, times.end, shift.length_minutes, True, q, shift.code, "")
                )
                placed = blocks.get((eid, day)) if blocks else None
                day_blocks = defaults[s] if placed is None else placed
                for b in day_blocks:
                    activities.append(
                        (
                            eid,
                            day,
                            b.activity,
                            wall_clock(day, shift.start_minute + b.offset_minutes, rm.tz),
                            wall_clock(day, shift.start_minute + b.end_offset, rm.tz),
                            b.minutes,
                            b.paid,
                            None,
                            shift.code,
                            b.detail,
                        )
                    )
                on_phone = phone_minutes(shift, day_blocks, rm.interval_minutes, rm.ramp.get((a, d), 1.0))
                for offset, minutes in on_phone.items():
                    t = d * rm.intervals_per_day + offset
                    if t < rm.n_intervals:
                        phone.append((eid, q, rm.interval_starts[t], minutes))
                continue
            start, end = wall_clock(day, 0, rm.tz), wall_clock(day, MINUTES_PER_DAY, rm.tz)
            if rm.on_leave(a, d):
                assignments.append((eid, day, S.WORK_CODE_LEAVE))
                activities.append(
                    (
                        eid,
                        day,
                        "LEAVE",
                        start,
                        end,
                        leave_credit_minutes(agent),
                        True,
                        None,
                        S.WORK_CODE_LEAVE,
                        "",
                    )
                )
            else:
                assignments.append((eid, day, S.WORK_CODE_OFF))
                activities.append((eid, day, "OFF", start, end, 0, False, None, S.WORK_CODE_OFF, ""))

    assignments_df = pd.DataFrame(assignments, columns=list(S.ASSIGNMENT_COLUMNS))
    assignments_df = assignments_df.sort_values([S.EMPLOYEE_ID, S.DATE], kind="stable").reset_index(drop=True)

    activities_df = pd.DataFrame(activities, columns=list(S.HR_IMPORT_COLUMNS))
    activities_df[S.MINUTES] = activities_df[S.MINUTES].astype("int64")
    activities_df[S.PAID] = activities_df[S.PAID].astype(bool)
    rank = activities_df[S.ACTIVITY].map(ACTIVITY_ORDER)
    activities_df = (
        activities_df.assign(_rank=rank)
        .sort_values([S.EMPLOYEE_ID, S.DATE, S.START, "_rank"], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )

    phone_df = pd.DataFrame(phone, columns=[S.EMPLOYEE_ID, S.QUEUE, S.DS, S.MINUTES])
    phone_df[S.MINUTES] = phone_df[S.MINUTES].astype("int64")
    phone_df = phone_df.sort_values([S.EMPLOYEE_ID, S.DS], kind="stable").reset_index(drop=True)
    return assignments_df, activities_df, phone_df
