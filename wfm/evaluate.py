"""KPIs of a roster: coverage, predicted service level per interval, fairness, the rule ledger.

Predicted service level uses the staffing engine's queueing model at the
*expected* number of agents on the phone: scheduled on-phone agents times
``1 - shrinkage.unplanned`` (fractional values are interpolated between the
neighbouring whole numbers of agents).  Service level and abandonment are
aggregated over intervals weighted by forecast volume, which is how a month's
service level is reported in practice (answered-in-threshold over offered).

ASA is the mean wait of the calls answered (Erlang A's for queues with
``patience_seconds``, see :mod:`wfm.staffing`), aggregated weighted by answered
calls over the intervals where the wait is finite.  Beside it,
``unbounded_wait_intervals`` and ``unbounded_wait_call_share`` count the
intervals (and their share of the calls) whose wait is unbounded and which that
ASA therefore leaves out (:func:`wfm.staffing.wait_summary`), so that a roster
with fewer agents cannot look better by dropping its worst intervals from ASA.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wfm import schema as S
from wfm.roster.rules.contract import target_minutes
from wfm.roster.shifts import leave_credit_minutes, shift_family
from wfm.staffing import predicted_kpis, wait_summary

FTE_HOURS_PER_DAY = 8.0  # one full-time equivalent: a 40-hour week over 5 days
ALL_QUEUES = "(all queues)"  # label of the all-queue totals; parentheses are never in a queue name


@dataclass(frozen=True)
class Evaluation:
    """Everything the Summary, Coverage and Fairness views show.

    - ``coverage``: per queue and interval (COVERAGE_COLUMNS, plus ``abandon_rate``).
    - ``daily``: per queue and day: forecast volume, required and scheduled agent-hours
      and FTE, predicted service level/ASA (with the intervals of unbounded wait it
      leaves out)/abandonment/occupancy, short intervals.
    - ``queue_totals``: the same for the whole horizon per queue.
    - ``overall``: one row, the same for the whole horizon over all queues
      (queue ``ALL_QUEUES``).
    - ``agents``: per agent: days worked, paid minutes against the prorated contract,
      weekend days and weekends, early/late/night shifts, leave days.
    - ``ledger``: soft penalties summed by rule.

    FTE (full-time equivalents) = agent-hours / (``FTE_HOURS_PER_DAY`` x days in
    the period): the full-time agents a day of the period needs (required) or
    has (scheduled), on average.
    """

    coverage: pd.DataFrame = field(repr=False)
    daily: pd.DataFrame = field(repr=False)
    queue_totals: pd.DataFrame = field(repr=False)
    agents: pd.DataFrame = field(repr=False)
    ledger: pd.DataFrame = field(repr=False)
    overall: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    family_costs: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)  # see family_costs()
    training: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)  # see training_table()
    mentoring: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)  # see mentoring_table()
    short_intervals: int = 0
    short_agent_intervals: float = 0.0


def scheduled_on_phone(queue_minutes: pd.DataFrame, interval_minutes: int) -> pd.DataFrame:
    """Agents on the phone per queue and interval (fractional) from per-agent minutes."""
    if queue_minutes.empty:
        return pd.DataFrame(columns=[S.QUEUE, S.DS, S.SCHEDULED])
    g = queue_minutes.groupby([S.QUEUE, S.DS], as_index=False)[S.MINUTES].sum()
    g[S.SCHEDULED] = g[S.MINUTES] / interval_minutes
    return g[[S.QUEUE, S.DS, S.SCHEDULED]]


def coverage_frame(
    scenario: S.Scenario,
    forecast: pd.DataFrame,
    requirements: pd.DataFrame,
    scheduled: pd.DataFrame,
) -> pd.DataFrame:
    """Join forecast, requirement and scheduled agents and predict KPIs per interval."""
    iv = scenario.horizon.interval_minutes
    base = requirements[[S.QUEUE, S.DS, S.AGENTS_REQUIRED_GROSS]].rename(
        columns={S.AGENTS_REQUIRED_GROSS: S.REQUIRED}
    )
    fc = forecast[[S.QUEUE, S.DS, S.YHAT, S.AHT_SECONDS]].rename(columns={S.YHAT: S.FORECAST})
    cov = base.merge(fc, on=[S.QUEUE, S.DS], how="left").merge(scheduled, on=[S.QUEUE, S.DS], how="left")
    cov[S.SCHEDULED] = cov[S.SCHEDULED].fillna(0.0)
    cov[S.FORECAST] = cov[S.FORECAST].fillna(0.0)
    cov[S.GAP] = cov[S.SCHEDULED] - cov[S.REQUIRED]
    parts = []
    for q in scenario.queues:
        sub = cov[cov[S.QUEUE] == q.name].copy()
        if sub.empty:
            continue
        effective = sub[S.SCHEDULED].to_numpy(float) * (1.0 - scenario.shrinkage.unplanned)
        k = predicted_kpis(
            q,
            sub[S.FORECAST].to_numpy(float),
            sub[S.AHT_SECONDS].fillna(0).to_numpy(float),
            effective,
            iv,
        )
        k = pd.DataFrame(k, index=sub.index)
        for col in (S.SERVICE_LEVEL, S.ASA_SECONDS, S.OCCUPANCY, S.ABANDON_RATE):
            sub[col] = k[col].to_numpy() if col in k else np.nan
        parts.append(sub)
    out = pd.concat(parts, ignore_index=True) if parts else cov
    cols = list(S.COVERAGE_COLUMNS) + [S.ABANDON_RATE]
    return out[cols].sort_values([S.QUEUE, S.DS]).reset_index(drop=True)


def _weighted(values: pd.Series, weights: pd.Series) -> float:
    m = values.notna() & np.isfinite(values.astype(float)) & (weights > 0)
    w = weights[m].sum()
    return float((values[m] * weights[m]).sum() / w) if w > 0 else float("nan")


def _aggregate(cov: pd.DataFrame, by: list[str], interval_minutes: int) -> pd.DataFrame:
    hours = interval_minutes / 60.0
    rows = []
    for key, g in cov.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        workload = (g[S.FORECAST] * g[S.AHT_SECONDS].fillna(0)).sum() / 3600.0
        required_hours = float(g[S.REQUIRED].sum() * hours)
        scheduled_hours = float(g[S.SCHEDULED].sum() * hours)
        fte_hours = FTE_HOURS_PER_DAY * max(1, g[S.DS].dt.normalize().nunique())
        rows.append(
            dict(
                zip(by, key, strict=True),
                forecast_volume=float(g[S.FORECAST].sum()),
                required_fte=required_hours / fte_hours,
                scheduled_fte=scheduled_hours / fte_hours,
                required_agent_hours=required_hours,
                scheduled_agent_hours=scheduled_hours,
                workload_hours=float(workload),
                service_level=_weighted(g[S.SERVICE_LEVEL], g[S.FORECAST]),
                **wait_summary(g[S.ASA_SECONDS], g[S.ABANDON_RATE], g[S.FORECAST]),
                abandon_rate=_weighted(g[S.ABANDON_RATE], g[S.FORECAST]),
                occupancy=_weighted(g[S.OCCUPANCY], g[S.SCHEDULED]),
                short_intervals=int((g[S.GAP] < -1e-9).sum()),
                short_agent_intervals=float((-g[S.GAP]).clip(lower=0).sum()),
            )
        )
    return pd.DataFrame(rows)


def agent_totals(scenario: S.Scenario, assignments: pd.DataFrame) -> pd.DataFrame:
    """Per agent: days worked, paid minutes against contract, weekends, early/late/night shifts, leave.

    ``weekends_worked`` counts Saturday-Sunday pairs with a shift on either day;
    shift families are :func:`wfm.roster.shifts.shift_family`, the definition the
    late/night rules use.
    """
    shifts = {s.code: s for s in scenario.shifts}
    family = {code: shift_family(s) for code, s in shifts.items()}
    days = scenario.horizon.days
    rows = []
    by_agent = {eid: g for eid, g in assignments.groupby(S.EMPLOYEE_ID)}
    for a in scenario.agents:
        g = by_agent.get(a.employee_id)
        codes = dict(zip(g[S.DATE], g[S.SHIFT_CODE], strict=True)) if g is not None else {}
        worked = [d for d, c in codes.items() if c in shifts]
        employed = [d for d in days if d >= a.start_date]
        leave_days = sum(1 for d in employed if codes.get(d) == S.WORK_CODE_LEAVE)
        paid = sum(shifts[codes[d]].paid_minutes for d in worked)
        # the same target the roster's contract rule caps and prices, so the sheets show what was enforced
        target = target_minutes(
            a.contract_minutes_per_week, len(employed), leave_days, leave_credit_minutes(a)
        )
        weekend_days = sum(1 for d in worked if d.weekday() >= 5)
        weekends = len({d - dt.timedelta(days=d.weekday() - 5) for d in worked if d.weekday() >= 5})
        families = [family[codes[d]] for d in worked]
        rows.append(
            {
                S.EMPLOYEE_ID: a.employee_id,
                S.NAME: a.name,
                S.TEAM: a.team,
                S.ROLE: a.role,
                S.SKILLS: ";".join(a.skills),
                S.CONTRACT_MINUTES_PER_WEEK: a.contract_minutes_per_week,
                "days_worked": len(worked),
                "leave_days": leave_days,
                "paid_minutes": paid,
                "contract_target_minutes": target,
                "paid_minus_target_minutes": round(paid - target),
                "weekend_days": weekend_days,
                "weekends_worked": weekends,
                "early_shifts": families.count("early"),
                "late_shifts": families.count("late"),
                "night_shifts": families.count("night"),
            }
        )
    return pd.DataFrame(rows)


def ledger_by_rule(penalties: pd.DataFrame) -> pd.DataFrame:
    if penalties.empty:
        return pd.DataFrame(columns=["rule", "count", "amount", "unit", "cost"])
    g = penalties.groupby(["rule", "unit"], as_index=False).agg(
        count=("cost", "size"), amount=("amount", "sum"), cost=("cost", "sum")
    )
    return (
        g[["rule", "count", "amount", "unit", "cost"]]
        .sort_values("cost", ascending=False)
        .reset_index(drop=True)
    )


def evaluate(
    scenario: S.Scenario,
    forecast: pd.DataFrame,
    requirements: pd.DataFrame,
    roster: S.RosterSolution,
) -> Evaluation:
    """Score a roster against the forecast and requirements."""
    iv = scenario.horizon.interval_minutes
    sched = scheduled_on_phone(roster.queue_minutes, iv)
    cov = coverage_frame(scenario, forecast, requirements, sched)
    cov_d = cov.assign(**{S.DATE: cov[S.DS].map(lambda t: t.date())})
    daily = _aggregate(cov_d, [S.QUEUE, S.DATE], iv)
    totals = _aggregate(cov, [S.QUEUE], iv)
    overall = _aggregate(cov.assign(**{S.QUEUE: ALL_QUEUES}), [S.QUEUE], iv)
    short = cov[S.GAP] < -1e-9
    return Evaluation(
        coverage=cov,
        daily=daily,
        queue_totals=totals,
        agents=agent_totals(scenario, roster.assignments),
        ledger=ledger_by_rule(roster.penalties),
        overall=overall,
        family_costs=family_costs(scenario, forecast, requirements, roster, cov),
        training=training_table(scenario, roster),
        mentoring=mentoring_table(scenario, roster),
        short_intervals=int(short.sum()),
        short_agent_intervals=float((-cov[S.GAP]).clip(lower=0).sum()),
    )


FAMILIES = {
    "breaks": ("BREAK", "LUNCH"),
    "wellbeing": ("WELLBEING",),
    "training": ("TRAINING",),
    "mentoring": ("MENTORING",),
}
"""The rule families whose cost the ledger reports, and the HR_Import activities each takes off the phone."""
FAMILY_METHOD = "same roster, the family's off-phone time given back to the phone"


def returned_minutes(scenario: S.Scenario, activities: pd.DataFrame, kinds: tuple[str, ...]) -> pd.DataFrame:
    """On-phone minutes (employee_id, queue, ds, minutes) the ``kinds`` blocks took from their shift's queue.

    A ramping new hire's minutes count at their fraction, as in coverage.
    """
    from wfm.activities import ramp_fraction, ramp_minutes

    iv = scenario.horizon.interval_minutes
    tz = scenario.horizon.timezone
    shifts = activities[activities[S.ACTIVITY] == "SHIFT"].set_index([S.EMPLOYEE_ID, S.DATE])[S.QUEUE]
    blocks = activities[activities[S.ACTIVITY].isin(kinds)]
    agents = {a.employee_id: a for a in scenario.agents}
    rows = []
    step = pd.Timedelta(minutes=iv)
    for eid, day, start, end in zip(
        blocks[S.EMPLOYEE_ID], blocks[S.DATE], blocks[S.START], blocks[S.END], strict=True
    ):
        queue = shifts.get((eid, day))
        if queue is None or eid not in agents:
            continue
        fraction = ramp_fraction(scenario, agents[eid], day)
        t = start.tz_convert(tz).floor(f"{iv}min")
        while t < end:
            overlap = (min(end, t + step) - max(start, t)) / pd.Timedelta(minutes=1)
            if overlap > 0:
                m = int(round(overlap))
                rows.append((eid, queue, t, m if fraction >= 1 else ramp_minutes(m, fraction)))
            t += step
    return pd.DataFrame(rows, columns=[S.EMPLOYEE_ID, S.QUEUE, S.DS, S.MINUTES])


def family_costs(
    scenario: S.Scenario,
    forecast: pd.DataFrame,
    requirements: pd.DataFrame,
    roster: S.RosterSolution,
    coverage: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """What each rule family (breaks, wellbeing, training, mentoring) costs in coverage and service level.

    Method (:data:`FAMILY_METHOD`): the same roster is scored again with the
    family's off-phone blocks given back to the phone; the difference in short
    agent-intervals and in predicted service level (percentage points) is the
    family's cost.  One row per family and queue, plus ``ALL_QUEUES``; families
    with no blocks are left out.
    """
    iv = scenario.horizon.interval_minutes
    if coverage is None:
        coverage = coverage_frame(
            scenario, forecast, requirements, scheduled_on_phone(roster.queue_minutes, iv)
        )
    actual = {
        r[S.QUEUE]: r
        for r in pd.concat(
            [
                _aggregate(coverage, [S.QUEUE], iv),
                _aggregate(coverage.assign(**{S.QUEUE: ALL_QUEUES}), [S.QUEUE], iv),
            ]
        ).to_dict("records")
    }
    rows = []
    for family, kinds in FAMILIES.items():
        back = returned_minutes(scenario, roster.activities, kinds)
        if back.empty:
            continue
        minutes = pd.concat(
            [roster.queue_minutes[[S.EMPLOYEE_ID, S.QUEUE, S.DS, S.MINUTES]], back], ignore_index=True
        )
        without = coverage_frame(scenario, forecast, requirements, scheduled_on_phone(minutes, iv))
        per = pd.concat(
            [
                _aggregate(without, [S.QUEUE], iv),
                _aggregate(without.assign(**{S.QUEUE: ALL_QUEUES}), [S.QUEUE], iv),
            ]
        )
        off_hours = back.groupby(S.QUEUE)[S.MINUTES].sum() / 60.0
        for r in per.to_dict("records"):
            q = r[S.QUEUE]
            a = actual.get(q)
            if a is None:
                continue
            hours = float(off_hours.sum()) if q == ALL_QUEUES else float(off_hours.get(q, 0.0))
            rows.append(
                {
                    "family": family,
                    S.QUEUE: q,
                    "off_phone_hours": hours,
                    "short_agent_intervals": a["short_agent_intervals"],
                    "short_agent_intervals_without": r["short_agent_intervals"],
                    "cost_short_agent_intervals": a["short_agent_intervals"] - r["short_agent_intervals"],
                    S.SERVICE_LEVEL: a[S.SERVICE_LEVEL],
                    "service_level_without": r[S.SERVICE_LEVEL],
                    "cost_service_level_pp": 100.0 * (r[S.SERVICE_LEVEL] - a[S.SERVICE_LEVEL]),
                    "method": FAMILY_METHOD,
                }
            )
    return pd.DataFrame(rows)


def training_table(scenario: S.Scenario, roster: S.RosterSolution) -> pd.DataFrame:
    """One row per training session placed (course sessions from ``roster.meetings``) and per onboarding day.

    Columns: kind (``course`` or ``onboarding``), detail, date, start, end,
    minutes, trainer, attendees (count), members (';'-joined ids).
    """
    cols = ["kind", S.DETAIL, S.DATE, S.START, S.END, S.MINUTES, S.TRAINER, "attendees", S.MEMBERS]
    rows = []
    meetings = roster.meetings
    if meetings is not None and len(meetings):
        for r in meetings[meetings[S.ACTIVITY] == "TRAINING"].itertuples(index=False):
            members = [m for m in str(r.members).split(";") if m]
            trainer = str(r.trainer or "")
            attendees = [m for m in members if m != trainer]
            rows.append(
                (
                    "course",
                    r.detail,
                    r.date,
                    r.start,
                    r.end,
                    r.minutes,
                    trainer or "external",
                    len(attendees),
                    ";".join(attendees),
                )
            )
    acts = roster.activities
    if S.DETAIL in acts.columns:
        from wfm.activities import ONBOARDING_DETAIL

        onb = acts[(acts[S.ACTIVITY] == "TRAINING") & (acts[S.DETAIL] == ONBOARDING_DETAIL)]
        for r in onb.itertuples(index=False):
            rows.append(
                ("onboarding", ONBOARDING_DETAIL, r.date, r.start, r.end, r.minutes, "", 1, r.employee_id)
            )
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["kind", S.DATE, S.START, S.DETAIL], kind="stable").reset_index(drop=True)


def mentoring_table(scenario: S.Scenario, roster: S.RosterSolution) -> pd.DataFrame:
    """One row per mentor-mentee pair: the share of the mentee's working days on the mentor's shift, and coaching.

    Columns: mentor, mentor_name, mentee, mentee_name, reason, mentee_days
    (days the mentee works), same_shift_days, same_shift_share, goal_share,
    coaching_sessions, coaching_minutes.
    """
    from wfm.activities import pair_mentors

    cols = [
        "mentor", "mentor_name", "mentee", "mentee_name", "reason", "mentee_days", "same_shift_days",
        "same_shift_share", "goal_share", "coaching_sessions", "coaching_minutes",
    ]  # fmt: skip
    if scenario.mentoring is None:
        return pd.DataFrame(columns=cols)
    names = {a.employee_id: a.name for a in scenario.agents}
    a = roster.assignments
    work = {
        (e, d): c
        for e, d, c in zip(a[S.EMPLOYEE_ID], a[S.DATE], a[S.SHIFT_CODE], strict=True)
        if c not in (S.WORK_CODE_OFF, S.WORK_CODE_LEAVE)
    }
    meetings = (
        roster.meetings if roster.meetings is not None else pd.DataFrame(columns=list(S.MEETING_COLUMNS))
    )
    coaching = meetings[meetings[S.ACTIVITY] == "MENTORING"]
    rows = []
    for p in pair_mentors(scenario):
        days = [d for (e, d) in work if e == p.mentee]
        same = sum(work.get((p.mentor, d)) == work[p.mentee, d] for d in days)
        mine = coaching[
            coaching[S.MEMBERS].map(lambda m, p=p: set(str(m).split(";")) == {p.mentor, p.mentee})
        ]
        rows.append(
            (
                p.mentor, names.get(p.mentor, ""), p.mentee, names.get(p.mentee, ""), p.reason, len(days), same,
                same / len(days) if days else float("nan"), scenario.mentoring.same_shift_share, len(mine),
                int(mine[S.MINUTES].sum()) if len(mine) else 0,
            )
        )  # fmt: skip
    return pd.DataFrame(rows, columns=cols)
