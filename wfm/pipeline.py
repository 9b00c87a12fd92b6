"""The one place that chains the stages: history -> forecast -> staffing -> roster -> evaluate.

Every function here is pure with respect to files: it takes a loaded
:class:`~wfm.schema.Scenario` and returns frames and dataclasses.  The one
exception is :func:`with_store`, which reads the plan store (actuals,
published rosters) into the scenario before the stages run.  Progress is
reported through an optional callback ``progress(stage, message_or_dict)`` so
the CLI can print it; nothing here prints.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Iterator
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


@dataclass(frozen=True)
class RepairResult:
    """A repaired roster (``wfm roster --from``) and what changed.

    ``notes``: plain sentences on pins that could not hold (leave wins, a shift
    code that no longer exists, ...).  ``changes``: one row per agent-day whose
    shift differs from the previous roster (employee_id, date, before, after,
    pinned, forced); a queue change alone is not a change.  ``pinned_days``:
    agent-days kept fixed.
    """

    run: RunResult
    notes: tuple[str, ...]
    changes: pd.DataFrame = field(repr=False)
    pinned_days: int = 0


def plan_store(db: str | None = None) -> str | None:
    """The plan store a planning run reads, as a SQLAlchemy URL, or None when there is none.

    ``db`` (``--db``) must name an existing store; without it ``$WFM_DB``,
    else ``outputs/wfm.db``, is used when it exists (see
    :func:`wfm.store.resolve_url`), and nothing otherwise, so a run without a
    store is unchanged.  Raises :class:`wfm.store.StoreError` for a ``--db``
    SQLite file that does not exist.
    """
    from wfm import store

    url = store.resolve_url(db)
    if store.store_exists(url):
        return url
    if db is not None:
        raise store.StoreError(
            f"--db {db}: no plan store here yet; publish a run first (wfm publish RUN_DIR --db {db}), "
            "or leave out --db"
        )
    return None


def _frame_sha256(frame: pd.DataFrame) -> str:
    import hashlib

    return hashlib.sha256(frame.to_csv(index=False).encode("utf-8")).hexdigest()


def with_store(
    scenario: S.Scenario, db: Any, *, actuals: bool = True, fairness: bool = True
) -> S.Scenario:
    """The scenario with what the plan store at ``db`` knows; the only store access of a planning run.

    * ``actuals``: the actuals imported before the horizon extend
      ``history`` (an imported interval wins over history.csv's;
      :func:`wfm.store.history_with_actuals`), and
      ``input_hashes["store:actuals"]`` is the sha256 of the rows added;
    * ``fairness``: ``fairness_history`` holds the weekends, holidays and late
      shifts each agent worked in the live rosters of the
      ``rules.fairness_history_months`` months before the horizon
      (:func:`wfm.store.previous_burden`; none when that is 0), and
      ``input_hashes["store:fairness_history"]`` is the sha256 of that frame.

    ``db``: a URL, path or engine (see :func:`plan_store`); None returns the
    scenario unchanged.
    """
    import dataclasses

    from wfm import store

    if db is None:
        return scenario
    hashes = dict(scenario.input_hashes)
    changes: dict[str, Any] = {}
    if actuals:
        extra = store.actuals_for_history(scenario, db)
        if not extra.empty:
            changes["history"] = store.extend_history(scenario.history, extra)
            hashes["store:actuals"] = _frame_sha256(extra)
            log.info("store: %d actual intervals extend the history", len(extra))
    months = scenario.rules.fairness_history_months
    if fairness and months > 0:
        ids = [a.employee_id for a in scenario.agents]
        burden = store.previous_burden(db, ids, scenario.horizon.start, months)
        frame = pd.DataFrame(
            [(e, months, b["weekends"], b["holidays"], b["late_shifts"]) for e, b in burden.items()],
            columns=list(S.FAIRNESS_HISTORY_COLUMNS),
        )
        changes["fairness_history"] = frame
        hashes["store:fairness_history"] = _frame_sha256(frame)
    if not changes:
        return scenario
    return dataclasses.replace(scenario, input_hashes=hashes, **changes)


def recorded_models(scenario: S.Scenario) -> dict[str, str] | None:
    """The per-queue forecast models recorded in the scenario folder by ``wfm backtest``, if any."""
    from pathlib import Path

    from wfm.backtest import read_selection

    if scenario.source_dir is None:
        return None
    path = Path(scenario.source_dir) / MODELS_FILE
    return read_selection(path) if path.exists() else None


def choose_models(scenario: S.Scenario, progress: Progress | None = None) -> dict[str, str]:
    """The best forecast model per queue by a rolling-origin backtest on the scenario's history."""
    from wfm.backtest import backtest_scenario

    return _choose_by_backtest(
        lambda report: backtest_scenario(scenario, origins=3, progress=report),
        "no recorded model choice",
        progress,
    )


def _choose_by_backtest(
    run_backtest: Callable[[Any], Any], why: str | None, progress: Progress | None
) -> dict[str, str]:
    """The selection of ``run_backtest(progress_or_None)`` (a :class:`wfm.backtest.BacktestResult`), reported."""
    if progress and why:
        progress("forecast", f"{why}: backtesting every model per queue to choose")
    result = run_backtest((lambda msg: progress("backtest", msg)) if progress else None)
    if progress:
        chosen = ", ".join(f"{q} {m}" for q, m in sorted(result.selection.items()))
        progress("forecast", f"chosen by backtest: {chosen}")
    return dict(result.selection)


def run_forecast(
    scenario: S.Scenario, progress: Progress | None = None, *, models: dict[str, str] | None = None
) -> pd.DataFrame:
    """Forecast volume and handle time for every queue and interval of the horizon.

    ``models`` maps queue to forecast model; by default the choice recorded by
    ``wfm backtest`` in the scenario folder is used.  Without one, a quick
    rolling-origin backtest on the history makes the choice here (it is not
    written to the scenario folder; run ``wfm backtest`` to record it).
    """
    from pathlib import Path

    from wfm.forecast import forecast
    from wfm.special_days import SPECIAL_DAYS_FILE, read_special_days

    if models is None:
        models = recorded_models(scenario)
    if models is None:
        models = choose_models(scenario, progress)
    special_days = (
        read_special_days(Path(scenario.source_dir) / SPECIAL_DAYS_FILE) if scenario.source_dir else None
    )

    # the history's own interval length is inferred; finer or coarser history is spread onto the plan's grid
    return forecast(
        scenario.history,
        scenario.horizon,
        scenario.queues,
        country=scenario.country,
        models=models,
        seed=scenario.solver.seed,
        progress=(lambda msg: progress("forecast", msg)) if progress else None,
        special_days=special_days,
    )


def run_forecast_history(
    raw: pd.DataFrame,
    start: dt.date,
    end: dt.date,
    *,
    source: str = "history.csv",
    timezone: str | None = None,
    country: str | None = None,
    special_days: Any = None,
    models: dict[str, str] | None = None,
    quantiles: tuple[float, float] | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Forecast a history file without a scenario (``wfm forecast --history``), ``start`` to ``end`` inclusive.

    ``raw``: the file as an all-string frame with ``queue, interval_start,
    offered[, aht_seconds]``; ``source`` names it in errors.  The queues are
    those of the ``queue`` column, with opening hours inferred from their
    volume (:func:`wfm.forecast.queues_from_history`); the output grid is the
    history's interval length (5, 15, 30 or 60 minutes).  ``timezone``: an
    IANA name; by default the one UTC offset the timestamps carry.  Without
    ``aht_seconds`` only volume is forecast (no ``aht_seconds`` column).
    ``models`` maps queue to model; a queue it does not name uses the default
    model, and without ``models`` a quick rolling-origin backtest chooses per
    queue.  ``quantiles``: the band's (lo, hi), default (0.1, 0.9).
    ``special_days``: a :class:`wfm.special_days.SpecialDays`.

    Raises :class:`~wfm.schema.InputError` naming the file, row or option.
    """
    from wfm.forecast import DEFAULT_MODEL, forecast_history, queues_from_history
    from wfm.validate import _Problems, validate_history

    if end < start:
        raise S.InputError(f"--end {end} is before --start {start}")
    tz = _history_timezone(raw, timezone, source)
    if country is not None:
        _check_country(country)
    with_aht = S.AHT_SECONDS in raw.columns
    if not with_aht:
        # validate_history wants the column; a placeholder passes its checks and is dropped below.
        raw = raw.assign(**{S.AHT_SECONDS: "1"})
    problems = _Problems()
    for i in raw.index[raw[S.QUEUE].str.strip() == ""][:10]:
        problems.add(f"{source} row {i + 2}: queue is empty; name the queue of every row")
    history = validate_history(raw, [], tz, problems, name=source)
    if problems or history is None:
        raise S.InputError(problems.finish())
    if not with_aht:
        history = history.drop(columns=[S.AHT_SECONDS])

    last = pd.DatetimeIndex(history[S.INTERVAL_START]).max().date()
    if start <= last:
        raise S.InputError(
            f"--start {start} is not after the last day of {source} ({last}); the forecast starts after the history"
        )
    volume = history.groupby(S.QUEUE)[S.OFFERED].sum()
    silent = sorted(str(q) for q in volume.index[volume <= 0])
    if silent:
        raise S.InputError(
            f"{source}: queue(s) {', '.join(silent)} have no contacts (offered is 0 on every row); remove their rows"
        )
    with _named(source):
        queues = queues_from_history(history, tz)
        if models is None:
            models = _choose_models_for_history(history, queues, (end - start).days + 1, tz, country, seed,
                                                special_days, progress)
        elif progress:
            progress("forecast", ", ".join(f"{q.name} {models.get(q.name, DEFAULT_MODEL)}" for q in queues))
        return forecast_history(
            history, start, end, timezone=tz, country=country, models=models, seed=seed,
            special_days=special_days, quantiles=quantiles,
            progress=(lambda msg: progress("forecast", msg)) if progress else None,
        )


@contextlib.contextmanager
def _named(source: str) -> Iterator[None]:
    """Re-label the forecast's ``history:`` errors with the file's name."""
    try:
        yield
    except S.InputError as exc:
        prefix = "history:"
        raise S.InputError(
            [f"{source}:{line[len(prefix):]}" if line.startswith(prefix) else line for line in exc.problems]
        ) from exc


def _history_timezone(raw: pd.DataFrame, timezone: str | None, source: str) -> str:
    """``timezone`` checked as an IANA name, else the single UTC offset of every timestamp (e.g. ``+08:00``)."""
    from wfm.validate import check_timezone_option, utc_offsets

    if timezone is not None:
        return check_timezone_option(timezone)

    text = raw[S.INTERVAL_START].str.strip()
    offsets = utc_offsets(text)
    naive = offsets.isna() & (text != "")
    if naive.any():
        i = naive.idxmax()
        raise S.InputError(
            f"{source} row {i + 2}: interval_start '{text[i]}' has no UTC offset, so the time zone is unknown; "
            "give it with --timezone, e.g. --timezone Asia/Shanghai"
        )
    found = sorted(set(offsets.dropna()))
    if len(found) > 1:
        raise S.InputError(
            f"{source}: interval_start carries several UTC offsets ({', '.join(found)}), as daylight saving does; "
            "give the time zone with --timezone, e.g. --timezone Europe/Berlin"
        )
    if not found:
        raise S.InputError(f"{source}: has no rows; the forecast needs history")
    return "UTC" if found[0] == "+00:00" else found[0]


def _check_country(country: str) -> None:
    import holidays

    try:
        holidays.country_holidays(country)
    except NotImplementedError:
        raise S.InputError(
            f"--country '{country}' is not a country code of the holidays package; use an ISO code such as CN"
        ) from None


def _choose_models_for_history(
    history: pd.DataFrame,
    queues: list[S.Queue],
    horizon_days: int,
    timezone: str,
    country: str | None,
    seed: int,
    special_days: Any,
    progress: Progress | None,
) -> dict[str, str]:
    """:func:`choose_models` for a history without a scenario; the default model where it is too short."""
    from wfm.backtest import backtest
    from wfm.forecast import DEFAULT_MODEL

    if progress:
        progress("forecast", "no model given: backtesting every model per queue to choose")
    # Three origins as choose_models uses, fewer when the history is too short for them (checked before any fit).
    for origins in (3, 2, 1):
        try:
            return _choose_by_backtest(
                lambda report, n=origins: backtest(
                    history, queues, horizon_days=horizon_days, timezone=timezone, origins=n, country=country,
                    seed=seed, special_days=special_days, progress=report,
                ),
                None,
                progress,
            )
        except S.InputError as exc:
            if not str(exc).startswith("backtest:"):
                raise
    if progress:
        progress("forecast", f"the history is too short to backtest a {horizon_days}-day horizon: "
                             f"using {DEFAULT_MODEL} for every queue")
    return {q.name: DEFAULT_MODEL for q in queues}


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
    pins: Any = None,
) -> S.RosterSolution:
    """Solve the monthly roster against the gross requirements.

    ``pins`` (a :class:`wfm.roster.rules.pins.Pins`) repairs a previous roster instead of solving afresh.
    """
    from wfm.roster import solve_roster

    return solve_roster(
        scenario,
        requirements,
        progress=(lambda info: progress("roster", info)) if progress else None,
        time_limit_seconds=time_limit_seconds,
        workers=workers,
        seed=seed,
        pins=pins,
    )


def previous_roster(assignments: pd.DataFrame) -> dict[tuple[str, dt.date], tuple[str, str | None]]:
    """``{(employee_id, day): (code, queue)}`` from an assignments frame with a queue column."""
    queues = assignments[S.QUEUE] if S.QUEUE in assignments.columns else [None] * len(assignments)
    return {
        (str(e), d): (str(c), q if isinstance(q, str) and q else None)
        for e, d, c, q in zip(
            assignments[S.EMPLOYEE_ID], assignments[S.DATE], assignments[S.SHIFT_CODE], queues, strict=True
        )
    }


def run_repair(
    scenario: S.Scenario,
    previous: pd.DataFrame,
    requirements: pd.DataFrame,
    forecast: pd.DataFrame,
    *,
    pin_until: dt.date | None = None,
    pin_agents: Iterable[str] = (),
    change_weight: float | None = None,
    source: str = "the previous roster",
    progress: Progress | None = None,
    time_limit_seconds: float | None = None,
    workers: int | None = None,
    seed: int | None = None,
) -> RepairResult:
    """Re-solve a previous roster: keep the pinned days, change as few other shifts as the costs allow.

    ``previous``: the previous roster's assignments (employee_id, date,
    shift_code, queue), e.g. :attr:`wfm.workbook.WorkbookRoster.assignments`.
    Days up to and including ``pin_until`` and every day of ``pin_agents`` are
    kept exactly (see :mod:`wfm.roster.rules.pins` for what wins over a pin).
    Raises :class:`~wfm.schema.InputError` for a pinned agent not in the scenario.
    """
    from wfm.evaluate import evaluate
    from wfm.roster.rules.pins import Pins, plan

    known = {a.employee_id for a in scenario.agents}
    agents = [a.strip() for a in pin_agents if a.strip()]
    unknown = [a for a in agents if a not in known]
    if unknown:
        raise S.InputError(
            f"--pin-agents: {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not in agents.csv"
        )
    prev = previous_roster(previous)
    days = set(scenario.horizon.days)
    if not any(day in days for _, day in prev):
        raise S.InputError(
            f"{source}: has no day in the scenario's horizon {scenario.horizon.start} .. {scenario.horizon.end}"
        )
    pins = Pins(prev, until=pin_until, agents=frozenset(agents), change_weight=change_weight, source=source)
    decided = plan(scenario, pins)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    roster = run_roster(
        scenario, requirements, progress, time_limit_seconds=time_limit_seconds, workers=workers, seed=seed,
        pins=pins,
    )
    timings["roster"] = time.perf_counter() - t
    t = time.perf_counter()
    ev = evaluate(scenario, forecast, requirements, roster)
    timings["evaluate"] = time.perf_counter() - t
    result = RunResult(scenario=scenario, forecast=forecast, requirements=requirements, roster=roster,
                       evaluation=ev, timings=timings)
    return RepairResult(result, tuple(decided.notes), _changes(prev, roster.assignments, pins, decided.forced),
                        pinned_days=len(decided.fixed))


def _changes(prev, assignments: pd.DataFrame, pins: Any, forced: list) -> pd.DataFrame:
    """Agent-days whose shift differs from the previous roster (LEAVE and OFF both count as not working)."""
    def working(code: str) -> str:
        return "" if code in (S.WORK_CODE_OFF, S.WORK_CODE_LEAVE) else code

    forced_set = set(forced)
    rows = []
    for eid, day, code in zip(assignments[S.EMPLOYEE_ID], assignments[S.DATE], assignments[S.SHIFT_CODE],
                              strict=True):
        before = prev.get((eid, day))
        if before is None or working(before[0]) == working(code):
            continue
        rows.append((eid, day, before[0], code, pins.pinned(eid, day), (eid, day) in forced_set))
    return pd.DataFrame(rows, columns=[S.EMPLOYEE_ID, S.DATE, "before", "after", "pinned", "forced"])


def run(
    scenario: S.Scenario,
    *,
    progress: Progress | None = None,
    time_limit_seconds: float | None = None,
    workers: int | None = None,
    seed: int | None = None,
    db: Any = None,
) -> RunResult:
    """Run every stage on a loaded scenario and return all results (no files are written).

    ``db``: a plan store (URL, path or engine; see :func:`plan_store`) whose
    actuals extend the forecast's history and whose published rosters carry
    fairness burden into this month (:func:`with_store`); the result's
    ``scenario`` is the one planned, store data included.
    """
    from wfm.evaluate import evaluate

    timings: dict[str, float] = {}
    if db is not None:
        t = time.perf_counter()
        scenario = with_store(scenario, db)
        timings["store"] = time.perf_counter() - t
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


@dataclass(frozen=True)
class CheckResult:
    """``wfm check``: the checker's report, and coverage with predicted KPIs per queue when they can be computed.

    ``queues``: per queue: forecast_volume, required_agent_hours,
    scheduled_agent_hours, short_intervals, short_agent_intervals and (with a
    forecast) the predicted service_level, weighted by forecast volume.
    """

    report: Any  # wfm.check.CheckReport
    coverage: pd.DataFrame | None = field(default=None, repr=False)
    queues: pd.DataFrame | None = field(default=None, repr=False)


def check(
    scenario: S.Scenario,
    activities: pd.DataFrame,
    requirements: pd.DataFrame | None = None,
    forecast: pd.DataFrame | None = None,
) -> CheckResult:
    """Re-verify every hard rule of a roster and recompute coverage and predicted service level.

    Coverage needs ``requirements``; the predicted service level (the
    staffing engine's queueing model at the scheduled on-phone agents, as in
    :mod:`wfm.evaluate`) needs ``forecast`` too.
    """
    from wfm.check import check_roster
    from wfm.evaluate import coverage_frame

    report = check_roster(scenario, activities, requirements)
    if requirements is None or report.coverage is None or report.coverage.empty:
        return CheckResult(report)
    scheduled = report.coverage[[S.QUEUE, S.DS, S.SCHEDULED]]
    if forecast is None:
        forecast = requirements[[S.QUEUE, S.DS]].assign(**{S.YHAT: 0.0, S.AHT_SECONDS: 0.0})
        has_forecast = False
    else:
        has_forecast = True
    cov = coverage_frame(scenario, forecast, requirements, scheduled)
    hours = scenario.horizon.interval_minutes / 60
    rows = []
    for q in scenario.queues:
        g = cov[cov[S.QUEUE] == q.name]
        if g.empty:
            continue
        short = (g[S.REQUIRED] - g[S.SCHEDULED]).clip(lower=0)
        sl = g[S.SERVICE_LEVEL].astype(float)
        weights = g[S.FORECAST].where(sl.notna(), 0.0)
        volume = float(weights.sum())
        rows.append(
            {
                S.QUEUE: q.name,
                "forecast_volume": float(g[S.FORECAST].sum()),
                "required_agent_hours": float(g[S.REQUIRED].sum() * hours),
                "scheduled_agent_hours": float(g[S.SCHEDULED].sum() * hours),
                "short_intervals": int((short > 1e-9).sum()),
                "short_agent_intervals": float(short.sum()),
                S.SERVICE_LEVEL: float((sl.fillna(0) * weights).sum() / volume)
                if has_forecast and volume > 0
                else float("nan"),
            }
        )
    return CheckResult(report, cov, pd.DataFrame(rows))
