"""The one place that chains the stages: history -> forecast -> staffing -> roster -> evaluate.

Every function here is pure with respect to files: it takes a loaded
:class:`~wfm.schema.Scenario` and returns frames and dataclasses.  Progress is
reported through an optional callback ``progress(stage, message_or_dict)`` so
the CLI can print it; nothing here prints.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from wfm import schema as S
from wfm.io import MODELS_FILE  # the per-queue model choice recorded by `wfm backtest`

log = logging.getLogger(__name__)

Progress = Callable[[str, Any], None]


@dataclass(frozen=True)
class RunResult:
    scenario: S.Scenario
    forecast: pd.DataFrame = field(repr=False)
    requirements: pd.DataFrame = field(repr=False)
    roster: S.RosterSolution = field(repr=False)
    evaluation: Any = field(repr=False)  # wfm.evaluate.Evaluation
    timings: dict[str, float] = field(default_factory=dict)





def recorded_models(scenario: S.Scenario) -> dict[str, str] | None:
    """The per-queue forecast models recorded in the scenario folder by ``wfm backtest``, if any."""
    from pathlib import Path

    from wfm.backtest import read_selection

    if scenario.source_dir is None:
        return None
    path = Path(scenario.source_dir) / MODELS_FILE
    return read_selection(path) if path.exists() else None


def run_forecast(
    scenario: S.Scenario, progress: Progress | None = None, *, models: dict[str, str] | None = None
) -> pd.DataFrame:
    """Forecast volume and handle time for every queue and interval of the horizon.

    ``models`` maps queue to forecast model; by default the choice recorded by
    ``wfm backtest`` in the scenario folder is used, else top-down for every queue.
    """
    from wfm.forecast import forecast

    if models is None:
        models = recorded_models(scenario)

    # the history's own interval length is inferred; finer or coarser history is spread onto the plan's grid
    return forecast(
        scenario.history,
        scenario.horizon,
        scenario.queues,
        country=scenario.country,
        models=models,
        seed=scenario.solver.seed,
        progress=(lambda msg: progress("forecast", msg)) if progress else None,
    )


def run_staffing(scenario: S.Scenario, forecast: pd.DataFrame, *, quantile: float | None = None) -> pd.DataFrame:
    """Required agents per queue and interval (Erlang C; chat with concurrency).

    ``quantile`` staffs to that quantile of the forecast volume (e.g. 0.8) instead of ``yhat``.
    """
    from wfm.staffing import required_staff, required_staff_quantile

    iv = scenario.horizon.interval_minutes
    if quantile is None:
        return required_staff(forecast, scenario.queues, scenario.shrinkage, iv)
    return required_staff_quantile(forecast, scenario.queues, scenario.shrinkage, iv, quantile)


def run_roster(
    scenario: S.Scenario,
    requirements: pd.DataFrame,
    progress: Progress | None = None,
    *,
    time_limit_seconds: float | None = None,
    workers: int | None = None,
    seed: int | None = None,
) -> S.RosterSolution:
    """Solve the monthly roster against the gross requirements."""
    from wfm.roster import solve_roster

    return solve_roster(
        scenario,
        requirements,
        progress=(lambda info: progress("roster", info)) if progress else None,
        time_limit_seconds=time_limit_seconds,
        workers=workers,
        seed=seed,
    )


def run(
    scenario: S.Scenario,
    *,
    progress: Progress | None = None,
    time_limit_seconds: float | None = None,
    workers: int | None = None,
    seed: int | None = None,
) -> RunResult:
    """Run every stage on a loaded scenario and return all results (no files are written)."""
    from wfm.evaluate import evaluate

    timings: dict[str, float] = {}
    t = time.perf_counter()
    fc = run_forecast(scenario, progress)
    timings["forecast"] = time.perf_counter() - t
    if progress:
        progress("stage", f"forecast done in {timings['forecast']:.1f} s")

    t = time.perf_counter()
    req = run_staffing(scenario, fc)
    timings["staffing"] = time.perf_counter() - t
    if progress:
        progress("stage", f"staffing done in {timings['staffing']:.1f} s")

    t = time.perf_counter()
    roster = run_roster(
        scenario, req, progress, time_limit_seconds=time_limit_seconds, workers=workers, seed=seed
    )
    timings["roster"] = time.perf_counter() - t

    t = time.perf_counter()
    ev = evaluate(scenario, fc, req, roster)
    timings["evaluate"] = time.perf_counter() - t
    return RunResult(scenario=scenario, forecast=fc, requirements=req, roster=roster, evaluation=ev, timings=timings)
