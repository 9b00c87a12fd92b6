"""Run a base scenario and its what-ifs side by side: staffing, roster, evaluation, and a tidy comparison.

:func:`compare` applies every overlay first (so a bad key fails before
anything runs), fits each distinct forecast once in this process
(:func:`wfm.whatif.forecast_key`; volume and handle-time changes are applied
to the fitted forecast), then hands one :class:`Case` per scenario to
:func:`run_case` in worker processes (``concurrent.futures`` with the spawn
start method), in this process (``jobs=1``), or on a Dask cluster.

Determinism.  Each case solves with ``workers`` CP-SAT workers (default 1)
and, by default, ``deterministic=True`` (:func:`wfm.roster.solve_roster`): the
search stops on a work count rather than the wall clock, so the same inputs
and seed give the same roster whether the cases run in parallel, one after
another, or on another machine of the same build.  The price is that a
loaded machine takes longer instead of stopping earlier.

Every roster goes through :func:`wfm.check.check_roster` in its worker;
:func:`compare` raises :class:`RosterCheckError` if any fails, so nothing is
written for a roster the checker rejects.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import logging
import math
import multiprocessing
import queue as _queue
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from wfm import schema as S
from wfm.whatif import (
    BASE,
    UNBOUNDED_WAIT_ROWS,
    Overlay,
    WhatIf,
    adjust_forecast,
    apply_overlays,
    forecast_key,
    forecast_models,
)

log = logging.getLogger(__name__)

# progress(scenario name, stage, info): stage is "queued", "staffing", "roster" (info: the solver's
# objective/bound/gap/seconds dict), "evaluate", "check", "done" (info: SolveInfo) or "failed".
CompareProgress = Callable[[str, str, Any], None]

NO_TRAINING = "n/a (no training in this scenario)"
NO_MENTORING = "n/a (no mentoring in this scenario)"
FAIRNESS_RULES = (
    ("weekend_spread", "fairness spread: weekends", "weekends"),
    ("late_spread", "fairness spread: late/night shifts", "shifts"),
    ("shortfall_spread", "fairness spread: hours below contract", "h"),
)
ID_COLUMNS = ("section", "metric", S.QUEUE, "unit")
ALL = "(all queues)"


class RosterCheckError(S.WfmError):
    """A roster failed the independent checker: a bug in wfm, never written."""


@dataclass(frozen=True)
class Case:
    """Everything one worker needs: picklable, no open files."""

    name: str
    scenario: S.Scenario = field(repr=False)
    forecast: pd.DataFrame = field(repr=False)  # with the what-if's volume/handle-time changes applied
    time_limit_seconds: float | None = None
    workers: int = 1
    seed: int | None = None
    deterministic: bool = True
    hourly_rates: dict[str, float] = field(default_factory=dict)
    default_rate: float | None = None
    training_hours_per_agent: float | None = None
    simulate: int = 0  # replications of the call-by-call simulation of the roster (0: none)


@dataclass(frozen=True)
class CaseResult:
    """One scenario's outcome: metric rows (ID_COLUMNS + value), solver info and the HR_Import rows.

    ``error``: the hard rules conflict in this scenario (its metrics are then
    that message).  ``violations``: the checker's messages (must be empty).
    """

    name: str
    metrics: pd.DataFrame = field(repr=False)
    info: S.SolveInfo | None = None
    activities: pd.DataFrame | None = field(default=None, repr=False)
    error: str | None = None
    violations: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Comparison:
    """The side-by-side table and the runs behind it.

    ``table``: one row per metric (ID_COLUMNS), one column per scenario (base
    first), then ``Δ <name>`` per what-if: its value minus the base's, where
    both are numbers.
    """

    whatifs: tuple[WhatIf, ...]
    results: tuple[CaseResult, ...]
    table: pd.DataFrame = field(repr=False)
    models: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [w.name for w in self.whatifs]


# ---------------------------------------------------------------------------
# The worker (top level, so spawn and Dask can pickle it by reference)
# ---------------------------------------------------------------------------
def run_case(case: Case, events: Any = None) -> CaseResult:
    """Staff, roster, evaluate and check one scenario; ``events`` (a queue with ``put``) receives progress.

    Raises nothing for conflicting hard rules: the result carries ``error``.
    """
    from wfm.check import check_roster
    from wfm.evaluate import evaluate
    from wfm.pipeline import run_staffing

    def tell(stage: str, info: Any = None) -> None:
        if events is not None:
            events.put((case.name, stage, info))

    timings: dict[str, float] = {}
    t = time.perf_counter()
    tell("staffing")
    req = run_staffing(case.scenario, case.forecast)
    timings["staffing"] = time.perf_counter() - t
    t = time.perf_counter()
    tell("roster", {"seconds": 0.0})
    try:
        roster = _solve(case, req, lambda stage, info: tell(stage, info) if stage == "roster" else None)
    except S.InfeasibleRosterError as exc:
        tell("failed", "the hard rules cannot all hold")
        return CaseResult(
            case.name, pd.DataFrame(columns=[*ID_COLUMNS, "value"]), error="; ".join(exc.conflicts[:3])
        )
    timings["roster"] = time.perf_counter() - t
    t = time.perf_counter()
    tell("evaluate")
    ev = evaluate(case.scenario, case.forecast, req, roster)
    timings["evaluate"] = time.perf_counter() - t
    tell("check")
    report = check_roster(case.scenario, roster.activities, req)
    simulated = None
    if case.simulate:
        from wfm.simulate import simulate_roster

        tell("simulate")
        t = time.perf_counter()
        seed = case.seed if case.seed is not None else case.scenario.solver.seed
        simulated = simulate_roster(
            case.scenario, case.forecast, roster.activities, replications=case.simulate, seed=seed
        ).queues
        timings["simulate"] = time.perf_counter() - t
    metrics = case_metrics(case, req, roster, ev, simulated)
    tell("done", roster.info)
    return CaseResult(
        case.name,
        metrics,
        roster.info,
        roster.activities,
        violations=tuple(v.message for v in report.violations),
        timings=timings,
    )


def _solve(case: Case, req: pd.DataFrame, progress: Any) -> S.RosterSolution:
    from wfm.roster import solve_roster

    return solve_roster(
        case.scenario,
        req,
        progress=lambda info: progress("roster", info),
        time_limit_seconds=case.time_limit_seconds,
        workers=case.workers,
        seed=case.seed,
        deterministic=case.deterministic,
    )


def case_metrics(
    case: Case, req: pd.DataFrame, roster: S.RosterSolution, ev: Any, simulated: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The comparison rows of one solved scenario (ID_COLUMNS + value; value a number or an honest text).

    ``simulated``: the simulation's per-queue totals (:class:`wfm.simulate.FrameSimulation` ``queues``),
    when the comparison ran with ``--simulate``.
    """
    rows: list[tuple[str, str, str, str, Any]] = []
    overall = ev.overall.iloc[0]
    totals = ev.queue_totals.set_index(S.QUEUE)
    rows.append(("staffing", "required FTE", ALL, "FTE", float(overall["required_fte"])))
    for q in case.scenario.queues:
        if q.name in totals.index:
            rows.append(("staffing", "required FTE", q.name, "FTE", float(totals.at[q.name, "required_fte"])))
    paid_hours = ev.agents.set_index(S.EMPLOYEE_ID)["paid_minutes"].astype(float) / 60.0
    rows.append(("roster", "scheduled paid hours", ALL, "h", float(paid_hours.sum())))
    rows.append(("roster", "agents", ALL, "agents", float(len(case.scenario.agents))))
    rows.append(("cost", "cost of paid hours", ALL, "currency", _cost(case, paid_hours)))
    for q in case.scenario.queues:
        if q.name not in totals.index:
            continue
        r = totals.loc[q.name]
        rows.append(("service", "predicted service level", q.name, "share", float(r[S.SERVICE_LEVEL])))
        rows.append(("service", "predicted ASA", q.name, "s", float(r[S.ASA_SECONDS])))
        rows += [("service", metric, q.name, unit, float(r[col])) for col, unit, metric in UNBOUNDED_WAIT_ROWS]
        abandon = float(r[S.ABANDON_RATE])
        rows.append(
            (
                "service",
                "predicted abandonment",
                q.name,
                "share",
                abandon if math.isfinite(abandon) else "n/a (no patience_seconds for this queue)",
            )
        )
    rows.append(("service", "predicted service level", ALL, "share", float(overall[S.SERVICE_LEVEL])))
    sim = simulated.set_index(S.QUEUE) if simulated is not None and len(simulated) else None
    for q in case.scenario.queues:
        if sim is None:
            note = "n/a (run with --simulate N to simulate the roster call by call)"
            rows.append(("service", "simulated service level", q.name, "share", note))
            continue
        if q.name not in sim.index:
            continue
        r = sim.loc[q.name]
        rows.append(("service", "simulated service level", q.name, "share", float(r[S.SERVICE_LEVEL])))
        rows.append(("service", "simulated ASA", q.name, "s", float(r[S.ASA_SECONDS])))
        rows.append(("service", "simulated abandonment", q.name, "share", float(r[S.ABANDON_RATE])))
    rows.append(("coverage", "short intervals", ALL, "intervals", float(ev.short_intervals)))
    rows.append(
        ("coverage", "short agent-intervals", ALL, "agent-intervals", float(ev.short_agent_intervals))
    )
    rows.append(("coverage", "predicted occupancy", ALL, "share", float(overall[S.OCCUPANCY])))
    pen = roster.penalties
    for rule, label, unit in FAIRNESS_RULES:
        amount = float(pen.loc[pen["rule"] == rule, "amount"].sum()) if not pen.empty else 0.0
        rows.append(("fairness", label, ALL, unit, amount))
    acts = roster.activities
    trained = acts.loc[acts[S.ACTIVITY] == "TRAINING", S.MINUTES].sum() / 60.0 if len(acts) else 0.0
    has_training = bool(case.scenario.courses or case.scenario.onboarding)
    rows.append(
        ("training", "training hours delivered", ALL, "h", float(trained) if has_training else NO_TRAINING)
    )
    if case.scenario.mentoring is not None:
        from wfm.evaluate import mentoring_table

        pairs = mentoring_table(case.scenario, roster)
        share = (
            float(pairs["same_shift_days"].sum() / max(1, pairs["mentee_days"].sum())) if len(pairs) else 0.0
        )
        rows.append(("training", "mentoring overlap", ALL, "share of mentee days", share))
        rows.append(("training", "coaching hours", ALL, "h", float(pairs["coaching_minutes"].sum()) / 60.0))
    else:
        rows.append(("training", "mentoring overlap", ALL, "share of mentee days", NO_MENTORING))
    info = roster.info
    rows.append(("solver", "objective", ALL, "cost units", float(info.objective)))
    rows.append(("solver", "gap", ALL, "share", float(info.gap)))
    rows.append(("solver", "status", ALL, "", info.status))
    return pd.DataFrame(rows, columns=[*ID_COLUMNS, "value"])


def _cost(case: Case, paid_hours: pd.Series) -> float | str:
    rates = {eid: case.hourly_rates.get(eid, case.default_rate) for eid in paid_hours.index}
    missing = [eid for eid, r in rates.items() if r is None]
    if missing:
        return (
            f"n/a ({len(missing)} agents without hourly_rate in agents.csv; "
            "set a default with --set cost.hourly_rate=RATE)"
        )
    return float(sum(paid_hours[eid] * float(rates[eid]) for eid in paid_hours.index))


# ---------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------
def apply_all(base: S.Scenario, overlays: Sequence[Overlay], shared: Sequence[Overlay] = ()) -> list[WhatIf]:
    """The base (with ``shared``) and one what-if per overlay; raises InputError listing every bad assignment."""
    whatifs = [apply_overlays(base, shared, name=BASE)]
    problems: list[str] = []
    for o in overlays:
        try:
            whatifs.append(apply_overlays(base, [*shared, o], name=o.name))
        except S.InputError as exc:
            problems += exc.problems
    if problems:
        raise S.InputError(problems)
    return whatifs


def prepare(
    base: S.Scenario,
    overlays: Sequence[Overlay],
    shared: Sequence[Overlay] = (),
    *,
    model: str | None = None,
    time_limit_seconds: float | None = None,
    workers: int = 1,
    seed: int | None = None,
    deterministic: bool = True,
    progress: Callable[[str, Any], None] | None = None,
    client: Any = None,
    simulate: int = 0,
) -> tuple[list[WhatIf], list[Case], dict[str, str], float]:
    """Apply every overlay (all checked first), fit each distinct forecast once, and build the cases.

    ``shared`` overlays (``--set`` in ``wfm compare``) apply to the base and
    to every what-if.  With a ``dask.distributed`` ``client`` each queue's
    forecast is fitted as its own task on the cluster.  Returns (what-ifs,
    cases, models, forecast seconds).
    """
    from wfm.pipeline import choose_models, run_forecast
    from wfm.whatif import hourly_rates

    whatifs = apply_all(base, overlays, shared)
    rates = hourly_rates(base)
    t = time.perf_counter()
    models = forecast_models(base, model, fast=False)
    if models is None:
        models = choose_models(base, progress)
    fitted: dict[tuple, pd.DataFrame] = {}
    for w in whatifs:
        key = forecast_key(w.scenario)
        if key not in fitted:
            if progress:
                progress(
                    "forecast",
                    f"fitting the forecast for {w.name}"
                    + (" (and every what-if sharing it)" if not fitted else ""),
                )
            if client is None:
                fitted[key] = run_forecast(w.scenario, progress, models=models)
            else:
                fitted[key] = _forecast_dask(client, w.scenario, models)
    seconds = time.perf_counter() - t
    # no stage after the forecast reads the history: leave it out of what goes to the workers
    cases = [
        Case(
            w.name,
            dataclasses.replace(w.scenario, history=pd.DataFrame()),
            adjust_forecast(fitted[forecast_key(w.scenario)], w),
            time_limit_seconds=time_limit_seconds,
            workers=workers,
            seed=seed,
            deterministic=deterministic,
            hourly_rates=rates,
            default_rate=w.hourly_rate,
            training_hours_per_agent=w.training_hours_per_agent,
            simulate=simulate,
        )
        for w in whatifs
    ]
    return whatifs, cases, dict(models), seconds


def run_cases(
    cases: Sequence[Case],
    *,
    jobs: int = 1,
    executor: str = "process",
    scheduler: Any = None,
    progress: CompareProgress | None = None,
) -> list[CaseResult]:
    """Run the cases; results in the order of ``cases``.

    ``executor``: ``"process"`` (a spawn-based process pool of ``jobs``
    workers; ``jobs=1`` runs here, in order) or ``"dask"`` (``scheduler``: a
    ``dask.distributed`` scheduler address, or a Client or cluster object).
    """
    if executor == "dask":
        return _run_dask(cases, scheduler, progress)
    if executor != "process":
        raise S.InputError(f"--executor {executor!r}: use process or dask")
    for c in cases:
        if progress:
            progress(c.name, "queued", None)
    if jobs <= 1:
        return [run_case(c, _Direct(progress)) for c in cases]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        events = manager.Queue()
        with cf.ProcessPoolExecutor(max_workers=min(jobs, len(cases)), mp_context=ctx) as pool:
            futures = [pool.submit(run_case, c, events) for c in cases]
            pending = set(futures)
            while pending:
                _done, pending = cf.wait(pending, timeout=0.5, return_when=cf.FIRST_COMPLETED)
                _drain(events, progress)
            _drain(events, progress)
            return [f.result() for f in futures]


class _Direct:
    """An events sink that calls ``progress`` at once (the in-process runs)."""

    def __init__(self, progress: CompareProgress | None) -> None:
        self.progress = progress

    def put(self, event: tuple[str, str, Any]) -> None:
        if self.progress:
            self.progress(*event)


def _drain(events: Any, progress: CompareProgress | None) -> None:
    while True:
        try:
            event = events.get_nowait()
        except (_queue.Empty, EOFError, OSError):
            return
        if progress:
            progress(*event)


def forecast_queue(
    scenario: S.Scenario, queue: str, models: dict[str, str], special_days: Any
) -> pd.DataFrame:
    """One queue's forecast, as :func:`wfm.pipeline.run_forecast` makes it (a Dask task).

    ``special_days`` is read by the caller, so a worker needs no access to the scenario folder.
    """
    from wfm.forecast import forecast

    return forecast(
        scenario.history,
        scenario.horizon,
        (scenario.queue(queue),),
        country=scenario.country,
        models={queue: models[queue]},
        seed=scenario.solver.seed,
        special_days=special_days,
    )


def _forecast_dask(client: Any, scenario: S.Scenario, models: dict[str, str]) -> pd.DataFrame:
    from pathlib import Path

    from wfm.special_days import SPECIAL_DAYS_FILE, read_special_days

    special = (
        read_special_days(Path(scenario.source_dir) / SPECIAL_DAYS_FILE) if scenario.source_dir else None
    )
    history = client.scatter(scenario.history, broadcast=False)
    light = dataclasses.replace(scenario, history=pd.DataFrame())
    futures = [
        client.submit(_forecast_task, light, history, q.name, models, special, pure=False)
        for q in scenario.queues
    ]
    return pd.concat(client.gather(futures), ignore_index=True)


def _forecast_task(
    scenario: S.Scenario, history: pd.DataFrame, queue: str, models: dict[str, str], special_days: Any
) -> pd.DataFrame:
    return forecast_queue(dataclasses.replace(scenario, history=history), queue, models, special_days)


def _client(scheduler: Any) -> tuple[Any, bool]:
    """A ``dask.distributed`` Client for ``scheduler`` (an address, or a Client), and whether it is ours to close."""
    try:
        from distributed import Client
    except ImportError:
        raise S.InputError("--executor dask needs the dask extra: pip install 'wfm[dask]'") from None
    if scheduler is None:
        raise S.InputError("--executor dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)")
    if isinstance(scheduler, Client):
        return scheduler, False
    return Client(scheduler), True


class _DaskEvents:
    """An events sink on a Dask worker: a ``distributed.Queue`` shared with the client (live progress).

    Queue items travel through the scheduler, so they are sent as plain data:
    a solver report (a dataclass) becomes a dict.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._queue = None

    def put(self, event: tuple[str, str, Any]) -> None:
        if self._queue is None:
            from distributed import Queue

            self._queue = Queue(self.name)
        name, stage, info = event
        if dataclasses.is_dataclass(info) and not isinstance(info, type):
            info = dataclasses.asdict(info)
        try:
            self._queue.put((name, stage, info), timeout=5)
        except Exception:  # noqa: BLE001 - progress is best effort; the result still comes back
            log.debug("compare: a progress event of %s could not be sent", name)

    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name, "_queue": None}


def _run_dask(cases: Sequence[Case], scheduler: Any, progress: CompareProgress | None) -> list[CaseResult]:
    """The same :func:`run_case` on a Dask cluster, with each scenario's stage and solver gap reported live.

    Workers put their progress on a ``distributed.Queue``; the client drains
    it twice a second while it waits for the results.
    """
    client, own = _client(scheduler)
    from distributed import Queue, wait

    name = f"wfm-compare-{uuid.uuid4().hex}"
    queue = Queue(name, client=client) if progress else None
    sink = _DaskEvents(name) if progress else None

    def drain() -> None:
        if queue is None:
            return
        try:
            events = queue.get(timeout=0.01, batch=True)
        except Exception:  # noqa: BLE001 - an empty queue or a closing client: nothing to show
            return
        for case_name, stage, info in events:
            if stage not in ("done", "failed"):  # those come with the result, below
                progress(case_name, stage, info)

    try:
        futures = {
            client.submit(run_case, c, sink, pure=False, key=f"wfm-case-{i}-{c.name}"): c.name
            for i, c in enumerate(cases)
        }
        for c in cases:
            if progress:
                progress(c.name, "queued", "submitted to the Dask cluster")
        results: dict[str, CaseResult] = {}
        pending = set(futures)
        while pending:
            try:
                finished = wait(list(pending), timeout=0.5, return_when="FIRST_COMPLETED")
                done, pending = set(finished.done), set(finished.not_done)
            except TimeoutError:  # nothing finished in the half second: show the progress so far
                done = set()
            drain()
            for fut in done:
                r = fut.result()
                results[futures[fut]] = r
                if progress:
                    progress(
                        r.name, "done" if r.error is None else "failed", r.info if r.error is None else r.error
                    )
        drain()
        return [results[c.name] for c in cases]
    finally:
        if queue is not None:
            try:
                queue.close()
            except Exception:  # noqa: BLE001
                pass
        if own:
            client.close()


def compare(
    base: S.Scenario,
    overlays: Sequence[Overlay],
    shared: Sequence[Overlay] = (),
    *,
    jobs: int = 1,
    executor: str = "process",
    scheduler: Any = None,
    model: str | None = None,
    time_limit_seconds: float | None = None,
    workers: int = 1,
    seed: int | None = None,
    deterministic: bool = True,
    progress: CompareProgress | None = None,
    simulate: int = 0,
) -> Comparison:
    """Base plus one scenario per overlay, forecast once, rostered in parallel, in one table.

    ``progress(name, stage, info)``: stages of every scenario, and
    ``("(forecast)", "forecast", message)`` while forecasting.  Raises
    :class:`~wfm.schema.InputError` for a bad overlay (before anything runs)
    and :class:`RosterCheckError` when a roster fails the checker.  ``simulate``:
    replications of a call-by-call simulation of every roster (0: none; the
    comparison then says so in the simulated rows).
    """
    t0 = time.perf_counter()
    apply_all(base, overlays, shared)  # every overlay checked before a cluster is contacted
    client, own = _client(scheduler) if executor == "dask" else (None, False)
    try:
        whatifs, cases, models, fc_seconds = prepare(
            base,
            overlays,
            shared,
            model=model,
            time_limit_seconds=time_limit_seconds,
            workers=workers,
            seed=seed,
            deterministic=deterministic,
            client=client,
            progress=(lambda stage, msg: progress("(forecast)", stage, msg)) if progress else None,
            simulate=simulate,
        )
        results = run_cases(cases, jobs=jobs, executor=executor, scheduler=client, progress=progress)
    finally:
        if own:
            client.close()
    bad = [(r.name, v) for r in results for v in r.violations]
    if bad:
        raise RosterCheckError(
            ["a roster failed the independent check (this is a bug in wfm):"]
            + [f"  {name}: {v}" for name, v in bad[:20]]
        )
    table = comparison_table(whatifs, results)
    seconds = {"forecast": fc_seconds, "total": time.perf_counter() - t0}
    return Comparison(tuple(whatifs), tuple(results), table, models, seconds)


def comparison_table(whatifs: Sequence[WhatIf], results: Sequence[CaseResult]) -> pd.DataFrame:
    """One row per metric, one column per scenario, then ``Δ <name>`` columns against the base."""
    names = [w.name for w in whatifs]
    order: list[tuple] = []
    values: dict[tuple, dict[str, Any]] = {}
    for r in results:
        for row in r.metrics.itertuples(index=False):
            key = tuple(getattr(row, c) for c in ID_COLUMNS)
            if key not in values:
                values[key] = {}
                order.append(key)
            values[key][r.name] = row.value
    table = pd.DataFrame(order, columns=list(ID_COLUMNS))
    for r in results:
        fill = f"n/a (hard rules conflict: {r.error})" if r.error else ""
        table[r.name] = [values[k].get(r.name, fill) for k in order]
    base = names[0]
    for n in names[1:]:
        table[f"Δ {n}"] = [_delta(values[k].get(n), values[k].get(base)) for k in order]
    return table


def _delta(v: Any, b: Any) -> Any:
    if isinstance(v, int | float) and isinstance(b, int | float) and math.isfinite(v) and math.isfinite(b):
        return v - b
    return ""


def scenario_rows(comparison: Comparison) -> pd.DataFrame:
    """One row per scenario: what changed, and how its solve went (the Scenarios sheet)."""
    rows = []
    for w, r in zip(comparison.whatifs, comparison.results, strict=True):
        info = r.info
        rows.append(
            {
                "scenario": w.name,
                "description": w.description,
                "changes": "; ".join(w.changes) or "(none)",
                "agents": len(w.scenario.agents),
                "agents left out": ", ".join(w.dropped_agents),
                "solver status": info.status if info else f"infeasible: {r.error}",
                "objective": info.objective if info else None,
                "gap": info.gap if info else None,
                "solver seconds": round(info.wall_seconds, 1) if info else None,
                "seed": info.seed if info else None,
                "CP-SAT workers": info.workers if info else None,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# Writing (the edge: comparison.xlsx, comparison.csv, rosters/<scenario>.csv)
# ---------------------------------------------------------------------------
_FORMATS = {
    "share": "0.0%",
    "s": "0.0",
    "FTE": "0.0",
    "h": "#,##0",
    "currency": "#,##0",
    "cost units": "#,##0",
    "contacts": "#,##0",
    "agents": "0",
    "intervals": "0",
    "agent-intervals": "#,##0.0",
    "weekends": "0",
    "shifts": "0",
}


def comparison_workbook(comparison: Comparison) -> bytes:
    """``comparison.xlsx``: sheets Comparison (with deltas and two native charts) and Scenarios."""
    import io

    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference, Series
    from openpyxl.chart.data_source import AxDataSource, StrRef
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    table = comparison.table
    wb = Workbook()
    ws = wb.active
    ws.title = "Comparison"
    bold = Font(bold=True)
    head_fill = PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7")
    for j, col in enumerate(table.columns, start=1):
        c = _cell(ws, 1, j, str(col))
        c.font, c.fill = bold, head_fill
    for i, row in enumerate(table.itertuples(index=False), start=2):
        unit = row[3]
        for j, v in enumerate(row, start=1):
            c = _cell(ws, i, j, v)
            if isinstance(v, float) and unit in _FORMATS:
                c.number_format = _FORMATS[unit]
    widths = [10, 34, 14, 14] + [max(12, len(str(c)) + 2) for c in table.columns[4:]]
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.freeze_panes = "E2"

    n = len(comparison.names)
    first, last = 5, 4 + n
    cats = f"'Comparison'!${get_column_letter(first)}$1:${get_column_letter(last)}$1"
    anchor_row = len(table) + 3
    for title, metric, y_title, fmt, where in (
        ("Predicted service level by queue", "predicted service level", "service level", "0%", "B"),
        ("Required FTE by queue", "required FTE", "FTE", "0", "K"),
    ):
        chart = BarChart()
        chart.type, chart.grouping = "col", "clustered"
        chart.title, chart.y_axis.title = title, y_title
        chart.y_axis.number_format = fmt
        chart.height, chart.width = 8, 16
        chart.x_axis.delete = False  # recent Excel hides axes openpyxl leaves undecided
        chart.y_axis.delete = False
        chart.legend.position = "b"
        for i, row in enumerate(table.itertuples(index=False), start=2):
            if row[1] == metric and row[2] != ALL and all(isinstance(v, int | float) for v in row[4 : 4 + n]):
                chart.series.append(
                    Series(Reference(ws, min_col=first, max_col=last, min_row=i), title=str(row[2]))
                )
        for series in chart.series:  # scenario names are text: a string reference, not a numeric one
            series.cat = AxDataSource(strRef=StrRef(f=cats))
        ws.add_chart(chart, f"{where}{anchor_row}")

    sc = wb.create_sheet("Scenarios")
    frame = scenario_rows(comparison)
    for j, col in enumerate(frame.columns, start=1):
        c = _cell(sc, 1, j, col)
        c.font, c.fill = bold, head_fill
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        for j, v in enumerate(row, start=1):
            c = _cell(sc, i, j, v)
            if frame.columns[j - 1] == "gap" and isinstance(v, float):
                c.number_format = "0.00%"
    for j, w in enumerate((18, 40, 60, 8, 30, 12, 14, 8, 14, 8, 14), start=1):
        sc.column_dimensions[get_column_letter(j)].width = w
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(ws: Any, row: int, col: int, value: Any) -> Any:
    """A cell whose text is never read as a formula (text from overlay files and agents.csv)."""
    from wfm.export import xlsx_text

    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ws.cell(row=row, column=col, value=None)
    if isinstance(value, str):
        c = ws.cell(row=row, column=col, value=xlsx_text(value))
        c.data_type = "s"
        return c
    return ws.cell(row=row, column=col, value=value)


def write_comparison(folder: Any, comparison: Comparison) -> list[str]:
    """Write comparison.xlsx, comparison.csv and rosters/<scenario>.csv into a :class:`wfm.export.RunFolder`.

    Returns the names written.
    """
    import re

    from wfm.export import csv_bytes, hr_import_frame
    from wfm.io import atomic_write_bytes

    atomic_write_bytes(folder.path("comparison.xlsx"), comparison_workbook(comparison))
    atomic_write_bytes(folder.path("comparison.csv"), csv_bytes(comparison.table))
    written = ["comparison.xlsx", "comparison.csv"]
    for i, r in enumerate(comparison.results):
        if r.activities is None:
            continue
        safe = re.sub(r"[^\w\-]+", "_", r.name).strip("_") or f"scenario{i}"
        atomic_write_bytes(
            folder.path(f"rosters/{i:02d}-{safe}.csv"), csv_bytes(hr_import_frame(r.activities))
        )
        written.append(f"rosters/{i:02d}-{safe}.csv")
    return written


__all__ = [
    "Case",
    "CaseResult",
    "Comparison",
    "RosterCheckError",
    "compare",
    "comparison_table",
    "prepare",
    "run_case",
    "run_cases",
    "write_comparison",
]
