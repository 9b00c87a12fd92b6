"""KPIs of a roster: coverage, predicted service level per interval, fairness, the rule ledger.

Predicted service level uses the staffing engine's queueing model at the
*expected* number of agents on the phone: scheduled on-phone agents times
``1 - shrinkage.unplanned`` (fractional values are interpolated between the
neighbouring whole numbers of agents).  Service level, ASA and abandonment are
aggregated over intervals weighted by forecast volume, which is how a month's
service level is reported in practice (answered-in-threshold over offered).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wfm import schema as S
from wfm.roster.rules.contract import target_minutes
from wfm.roster.shifts import leave_credit_minutes, shift_family
from wfm.staffing import predicted_kpis

FTE_HOURS_PER_DAY = 8.0  # one full-time equivalent: a 40-hour week over 5 days
ALL_QUEUES = "(all queues)"  # label of the all-queue totals; parentheses are never in a queue name


@dataclass(frozen=True)
class Evaluation:
    """Everything the Summary, Coverage and Fairness views show.

    - ``coverage``: per queue and interval (COVERAGE_COLUMNS, plus ``abandon_rate``).
    - ``daily``: per queue and day: forecast volume, required and scheduled agent-hours
      and FTE, predicted service level/ASA/abandonment/occupancy, short intervals.
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
                asa_seconds=_weighted(g[S.ASA_SECONDS].replace(np.inf, np.nan), g[S.FORECAST]),
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
        short_intervals=int(short.sum()),
        short_agent_intervals=float((-cov[S.GAP]).clip(lower=0).sum()),
    )
