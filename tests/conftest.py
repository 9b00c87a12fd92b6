"""Shared fixtures: tiny scenarios built in Python, and their requirement frames."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import pandas as pd
import pytest

from wfm import schema as S
from wfm.schema import (
    Agent,
    Horizon,
    Queue,
    Rules,
    Scenario,
    ShiftTemplate,
    Shrinkage,
    SolverSettings,
    TimeOff,
    Weights,
)

TZ = "Asia/Shanghai"
MONDAY = dt.date(2026, 12, 7)

DEFAULT_SHIFTS = (
    ShiftTemplate("E07", dt.time(7), paid_minutes=480, unpaid_minutes=60),  # 07:00-16:00
    ShiftTemplate("D09", dt.time(9), paid_minutes=480, unpaid_minutes=60),  # 09:00-18:00
    ShiftTemplate("L14", dt.time(14), paid_minutes=480, unpaid_minutes=60),  # 14:00-23:00
    ShiftTemplate("P10", dt.time(10), paid_minutes=240, unpaid_minutes=0),  # 10:00-14:00
)


DEFAULT_RULES = Rules()
DEFAULT_WEIGHTS = Weights()
DEFAULT_SOLVER = SolverSettings(time_limit_seconds=10.0, workers=2, seed=0)


def make_agent(
    eid: str,
    skills: Sequence[str] = ("retail",),
    *,
    name: str | None = None,
    contract: int = 2400,
    role: str = "agent",
    start_date: dt.date = dt.date(2025, 1, 1),
) -> Agent:
    return Agent(eid, name or f"Agent {eid}", "T1", tuple(skills), contract, role, start_date)


def make_queue(name: str, channel: str = "voice") -> Queue:
    return Queue(name, channel, 0.8, 20.0, 0.85, dt.time(7), dt.time(0))


def make_scenario(
    *,
    agents: Sequence[Agent] | None = None,
    shifts: Sequence[ShiftTemplate] = DEFAULT_SHIFTS,
    queues: Sequence[str] = ("retail", "card"),
    start: dt.date = MONDAY,
    days: int = 7,
    interval_minutes: int = 30,
    time_off: Sequence[TimeOff] = (),
    rules: Rules = DEFAULT_RULES,
    weights: Weights = DEFAULT_WEIGHTS,
    solver: SolverSettings = DEFAULT_SOLVER,
    tz: str = TZ,
) -> Scenario:
    if agents is None:
        agents = (
            make_agent("E001", ("retail",), name="王芳"),
            make_agent("E002", ("retail", "card"), name="李娜"),
            make_agent("E003", ("card",), name="张伟"),
            make_agent("E004", ("retail", "card"), name="刘洋"),
        )
    horizon = Horizon(start, start + dt.timedelta(days=days - 1), interval_minutes, tz)
    return Scenario(
        name="tiny",
        horizon=horizon,
        queues=tuple(make_queue(q) for q in queues),
        shifts=tuple(shifts),
        rules=rules,
        shrinkage=S.Shrinkage(),
        solver=solver,
        weights=weights,
        agents=tuple(agents),
        time_off=tuple(time_off),
        history=pd.DataFrame(columns=list(S.HISTORY_REQUIRED)),
    )


Demand = Callable[[str, pd.Timestamp], float]


def make_requirements(scenario: Scenario, demand: Demand | dict[str, float] | float = 0) -> pd.DataFrame:
    """Requirement frame over the scenario's horizon.

    ``demand`` is a function ``(queue, ds) -> agents``, a per-queue constant
    applied 08:00-20:00, or one constant for every queue 08:00-20:00.
    """
    if not callable(demand):
        level = demand

        def demand(queue: str, ds: pd.Timestamp) -> float:
            value = level.get(queue, 0) if isinstance(level, dict) else level
            return value if 8 <= ds.hour < 20 else 0

    index = scenario.horizon.interval_index()
    rows = [(q.name, ds, demand(q.name, ds)) for q in scenario.queues for ds in index]
    frame = pd.DataFrame(rows, columns=[S.QUEUE, S.DS, S.AGENTS_REQUIRED_GROSS])
    frame[S.AGENTS_REQUIRED] = frame[S.AGENTS_REQUIRED_GROSS]
    return frame


@pytest.fixture
def tiny_scenario() -> Callable[..., Scenario]:
    """Factory: ``tiny_scenario(**overrides)`` builds a small Scenario (see :func:`make_scenario`)."""
    return make_scenario


@pytest.fixture
def requirements_for() -> Callable[..., pd.DataFrame]:
    """Factory: ``requirements_for(scenario, demand)`` (see :func:`make_requirements`)."""
    return make_requirements


__all__ = ["DEFAULT_SHIFTS", "MONDAY", "TZ", "Shrinkage", "make_agent", "make_requirements", "make_scenario"]


@pytest.fixture(autouse=True)
def _no_local_plan_store(monkeypatch, tmp_path_factory):
    """Runs read a plan store when one exists ($WFM_DB, else outputs/wfm.db): point them at none.

    A developer's own outputs/wfm.db would otherwise change what a test's run
    plans.  Tests of the store set WFM_DB (or pass --db) themselves.
    """
    monkeypatch.setenv("WFM_DB", str(tmp_path_factory.getbasetemp() / "no-plan-store.db"))
