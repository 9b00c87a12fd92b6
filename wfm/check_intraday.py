"""Independent checks of what happens inside each shift beyond breaks and lunch (no solver).

Re-verified from the HR_Import rows alone, with the scenario's rules:

``onboarding``       a new hire on an onboarding day has at least the onboarding
                     share of the shift's paid time in TRAINING rows
``continuous_phone`` nobody is on the phone longer than
                     ``[wellbeing] max_continuous_phone_minutes`` without an
                     off-phone row (break, lunch, training, coaching, session)
``recovery``         where a recovery break is due (the agent's queue planned at
                     high occupancy for long enough), a WELLBEING row of
                     ``recovery_minutes`` starts inside the allowed window
``activities_paid``  TRAINING, MENTORING and WELLBEING rows are paid

Which days need onboarding and where a recovery break is due are facts of
the scenario (:mod:`wfm.activities`, :func:`wfm.roster.intraday.recovery_spec`),
the same facts the planner used; whether the roster keeps them is checked
here from the rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pandas as pd

from wfm import activities as A
from wfm import schema as S
from wfm.schema import Scenario

OFF_PHONE = ("LUNCH", "BREAK", "TRAINING", "MENTORING", "WELLBEING")


def _minute_of_day(minutes_from_start: float, day: dt.date, first_day: dt.date) -> int:
    """Wall-clock minute of ``day`` from the minutes since the horizon's first midnight."""
    return int(round(minutes_from_start)) - (day - first_day).days * 24 * 60


def _clock(minute: int) -> str:
    m = minute % (24 * 60)
    return f"{m // 60:02d}:{m % 60:02d}"


def check_intraday(
    scenario: Scenario, activities: pd.DataFrame, requirements: pd.DataFrame | None = None
) -> list[tuple[str, str | None, tuple[dt.date, ...], str]]:
    """Violations ``(rule, employee_id, dates, message)`` of the rules listed in the module docstring.

    ``activities``: HR_Import rows normalised by the checker: ``date`` a date,
    ``paid`` a bool, ``t0``/``t1`` wall-clock minutes since the horizon's
    first midnight.
    """
    first = scenario.horizon.start
    agents = {a.employee_id: a for a in scenario.agents}
    shifts = {s.code: s for s in scenario.shifts}
    wb = scenario.wellbeing
    out: list[tuple[str, str | None, tuple[dt.date, ...], str]] = []
    rows = activities[activities[S.ACTIVITY].isin(("SHIFT",) + OFF_PHONE)]
    by_day: dict[tuple[str, dt.date], list] = defaultdict(list)
    for r in rows.itertuples(index=False):
        rec = r._asdict()
        by_day[str(rec[S.EMPLOYEE_ID]), rec[S.DATE]].append(rec)
    grid = None
    if wb.recovery_minutes and requirements is not None:
        from wfm.roster.breaks import Grid

        grid = Grid.of_scenario(scenario, requirements)
    day_index = {d: i for i, d in enumerate(scenario.horizon.days)}
    for (eid, day), recs in sorted(by_day.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        shift_rows = [r for r in recs if r[S.ACTIVITY] == "SHIFT"]
        if len(shift_rows) != 1 or eid not in agents:
            continue  # the main checker reports days with no or several shifts
        sr = shift_rows[0]
        template = shifts.get(sr[S.SHIFT_CODE])
        if template is None:
            continue
        agent = agents[eid]
        who = f"{eid} {agent.name}".strip()
        t0 = _minute_of_day(sr["t0"], day, first)
        t1 = _minute_of_day(sr["t1"], day, first)
        blocks = sorted(
            ((_minute_of_day(r["t0"], day, first), _minute_of_day(r["t1"], day, first), r) for r in recs if r is not sr),
            key=lambda x: (x[0], x[1]),
        )
        for b0, b1, r in blocks:
            if r[S.ACTIVITY] in ("TRAINING", "MENTORING", "WELLBEING") and not bool(r[S.PAID]):
                out.append(
                    ("activities_paid", eid, (day,), f"{who}: {r[S.ACTIVITY]} {_clock(b0)}-{_clock(b1)} on {day} is not paid")
                )
        # onboarding
        need = A.onboarding_minutes(scenario, agent, day, template)
        if need:
            trained = sum(b1 - b0 for b0, b1, r in blocks if r[S.ACTIVITY] == "TRAINING")
            if trained < need:
                out.append(
                    (
                        "onboarding",
                        eid,
                        (day,),
                        f"{who}: onboarding day {day} has {trained} min of training; at least {need} min "
                        f"({scenario.onboarding.share:.0%} of {template.paid_minutes} paid minutes) are due",  # type: ignore[union-attr]
                    )
                )
        # longest stretch on the phone
        if wb.max_continuous_phone_minutes:
            ready, longest, at = t0, 0, t0
            for b0, b1, _ in blocks:
                if b0 - ready > longest:
                    longest, at = b0 - ready, ready
                ready = max(ready, b1)
            if t1 - ready > longest:
                longest, at = t1 - ready, ready
            if longest > wb.max_continuous_phone_minutes:
                out.append(
                    (
                        "continuous_phone",
                        eid,
                        (day,),
                        f"{who}: on the phone {longest} min without a break from {_clock(at)} on {day}; "
                        f"the limit is {wb.max_continuous_phone_minutes} min",
                    )
                )
        # recovery break where due
        if grid is not None and day in day_index and sr[S.QUEUE]:
            from wfm.roster.breaks import Work
            from wfm.roster.intraday import recovery_spec

            spec = recovery_spec(scenario, grid, Work(eid, day_index[day], template, str(sr[S.QUEUE])))
            if spec is not None:
                allowed = {template.start_minute + c for c in spec.candidates}
                got = [
                    b0
                    for b0, b1, r in blocks
                    if r[S.ACTIVITY] == "WELLBEING" and b1 - b0 >= spec.minutes and b0 in allowed
                ]
                if not got:
                    earliest, latest = min(allowed), max(allowed)
                    out.append(
                        (
                            "recovery",
                            eid,
                            (day,),
                            f"{who}: a {spec.minutes}-minute recovery break is due on {day}, starting between "
                            f"{_clock(earliest)} and {_clock(latest)} ({sr[S.QUEUE]} planned at "
                            f"{wb.recovery_occupancy:.0%} occupancy or more), and there is none",
                        )
                    )
    return out
