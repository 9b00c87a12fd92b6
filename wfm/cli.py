"""The ``wfm`` command line.  Thin: parse options, call one library function, print.

Exit codes: 0 success; 1 ``wfm check`` found hard-rule violations; 2 bad input
or an unusable output path; 3 the hard rules conflict (no roster possible);
4 an internal consistency check failed (a bug: please report it).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

import click

from wfm import __version__
from wfm import schema as S
from wfm.forecast import MODELS as MODEL_NAMES

EXIT_VIOLATIONS = 1
EXIT_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_INTERNAL = 4


def _fail(lines: list[str] | str, code: int) -> NoReturn:
    if isinstance(lines, str):
        lines = [lines]
    for line in lines:
        click.echo(f"error: {line}", err=True)
    sys.exit(code)


class _Guard:
    """Turn wfm's domain errors into messages and exit codes (no tracebacks)."""

    def __enter__(self) -> _Guard:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None:
            return False
        if isinstance(exc, S.InputError):
            _fail(exc.problems, EXIT_INPUT)
        if isinstance(exc, S.OutputError):
            _fail(str(exc), EXIT_INPUT)
        if isinstance(exc, S.InfeasibleRosterError):
            click.echo("error: the hard rules cannot all hold:", err=True)
            for line in exc.conflicts:
                click.echo(f"  - {line}", err=True)
            sys.exit(EXIT_INFEASIBLE)
        if isinstance(exc, OSError):  # a file or folder wfm cannot read or write (permissions, disk, races)
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(f"{where}{exc.strerror or exc}", EXIT_INPUT)
        return False


class _Progress:
    """Prints stage messages and the solver's objective/bound/gap as it improves."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.pending: str | None = None

    def __call__(self, stage: str, info: Any) -> None:
        if stage == "roster" and isinstance(info, dict):
            line = (
                f"roster: {info.get('seconds', 0):6.1f} s  objective {info.get('objective', float('nan')):,.0f}  "
                f"bound {info.get('bound', float('nan')):,.0f}  gap {100 * info.get('gap', float('nan')):.2f}%"
            )
            now = time.monotonic()
            if self.tty:
                click.echo("\r" + line.ljust(90), nl=False, err=True)
                self.pending = line
            elif now - self.last >= 2.0:
                click.echo(line, err=True)
                self.last = now
                self.pending = None
            else:
                self.pending = line
            return
        self.flush()
        click.echo(f"{stage}: {info}" if stage not in ("stage",) else str(info), err=True)

    def flush(self) -> None:
        if self.pending is not None:
            click.echo(("" if self.tty else self.pending), err=True)
            self.pending = None


def _quiet_libraries() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    for name in ("prophet", "prophet.plot", "cmdstanpy"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wfm")
def main() -> None:
    """wfm: forecast, staff, roster, evaluate and export a contact center's month."""
    _quiet_libraries()


# ---------------------------------------------------------------------------
# validate
# ---------------------------------------------------------------------------
@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
def validate(directory: Path) -> None:
    """Check every file of a scenario folder and list every problem found."""
    from wfm.io import load_scenario

    with _Guard():
        sc = load_scenario(directory)
    n_hist = len(sc.history)
    click.echo(
        f"{directory}: OK: {len(sc.queues)} queues, {len(sc.shifts)} shifts, {len(sc.agents)} agents, "
        f"{len(sc.time_off)} time-off rows, {n_hist:,} history rows, horizon {sc.horizon.start} .. {sc.horizon.end} "
        f"({sc.horizon.interval_minutes}-minute intervals, {sc.horizon.timezone})"
    )


# ---------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------
def _solver_options(f):
    f = click.option("--time-limit", type=click.FloatRange(min=1), help="Solver time limit in seconds.")(f)
    f = click.option("--workers", type=click.IntRange(min=1), help="Solver worker threads.")(f)
    f = click.option("--seed", type=click.IntRange(min=0), help="Solver random seed.")(f)
    return f


def run_info_for(
    scenario: S.Scenario,
    solve: S.SolveInfo | None,
    started: dt.datetime,
    seconds: float,
    placement: S.PlacementInfo | None = None,
) -> dict:
    info: dict[str, Any] = {
        "scenario": scenario.name,
        "scenario_dir": scenario.source_dir,
        "horizon_start": scenario.horizon.start,
        "horizon_end": scenario.horizon.end,
        "interval_minutes": scenario.horizon.interval_minutes,
        "timezone": scenario.horizon.timezone,
        "agents": len(scenario.agents),
        "wfm_version": __version__,
        "run_started": started.isoformat(timespec="seconds"),
        "run_seconds": round(seconds, 1),
    }
    if solve is not None:
        info.update(
            solver_status=solve.status,
            objective=solve.objective,
            bound=solve.bound,
            gap=solve.gap,
            solver_seconds=round(solve.wall_seconds, 1),
            seed=solve.seed,
            workers=solve.workers,
            time_limit_seconds=solve.time_limit_seconds,
        )
    if placement is not None:  # the breaks-and-lunches stage (see wfm.roster.breaks)
        info.update(
            breaks_status=placement.status,
            breaks_objective=placement.objective,
            breaks_bound=placement.bound,
            breaks_gap=placement.gap,
            breaks_seconds=round(placement.wall_seconds, 1),
        )
    if scenario.fairness_history is not None:  # burden carried from the plan store (wfm.pipeline.with_store)
        info["fairness_history_months"] = scenario.rules.fairness_history_months
    info["input_sha256"] = dict(scenario.input_hashes)
    return info


def _db_option(f):
    """``--db URL``: the plan store whose actuals and published rosters a planning run reads."""
    from wfm.cli_store import _DB_HELP

    help_text = (
        _DB_HELP + "  Used when it exists: imported actuals before the horizon extend the history, and the "
        "weekends, holidays and late shifts of the published previous months carry into the fairness terms."
    )
    return click.option("--db", "db", metavar="URL", help=help_text)(f)


def _verify_roster(scenario: S.Scenario, activities, requirements) -> None:
    """Refuse to write a roster the independent checker rejects (that would be a bug in wfm)."""
    from wfm.check import check_roster

    report = check_roster(scenario, activities, requirements)
    if report.violations:
        _fail(
            ["the roster failed the independent check (this is a bug in wfm):"]
            + [f"  {v.message}" for v in report.violations[:20]],
            EXIT_INTERNAL,
        )


def _solver_line(si: S.SolveInfo) -> str:
    return (
        f"solver: status {si.status}, objective {si.objective:,.0f}, bound {si.bound:,.0f}, "
        f"gap {100 * si.gap:.2f}%, {si.wall_seconds:.1f} s (seed {si.seed}, {si.workers} workers)"
    )


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Output folder (default outputs/<scenario>-<time>).")
@_solver_options
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
@_db_option
def run(directory: Path, out: Path | None, time_limit, workers, seed, no_plots: bool, db: str | None) -> None:
    """Forecast, staff, roster, evaluate and export a scenario folder end to end."""
    from wfm.export import RunFolder, write_run
    from wfm.io import load_scenario
    from wfm.pipeline import plan_store
    from wfm.pipeline import run as run_pipeline

    started = dt.datetime.now()
    t0 = time.perf_counter()
    progress = _Progress()
    with _Guard():
        scenario = load_scenario(directory)
        target = _run_target(out, scenario.name)  # refuse a bad --out before the long work
        progress(
            "stage",
            f"{scenario.name}: {len(scenario.agents)} agents, {len(scenario.queues)} queues, "
            f"{scenario.horizon.start} .. {scenario.horizon.end}",
        )
        url = plan_store(db)
        result = run_pipeline(scenario, progress=progress, time_limit_seconds=time_limit, workers=workers, seed=seed,
                              db=url)
        progress.flush()
        scenario = result.scenario  # with the store's actuals and fairness history
        _verify_roster(scenario, result.roster.activities, result.requirements)
        info = run_info_for(
            scenario, result.roster.info, started, time.perf_counter() - t0, result.roster.placement
        )
        info["check_violations"] = 0
        info["short_intervals"] = result.evaluation.short_intervals
        info["short_agent_intervals"] = round(result.evaluation.short_agent_intervals, 2)
        with RunFolder(target) as folder:
            write_run(folder, result, info, plots=not no_plots)
            final = _commit(folder)
    click.echo(_solver_line(result.roster.info))
    _queue_lines(result.evaluation.queue_totals)
    click.echo("check: 0 hard-rule violations")
    click.echo(f"wrote {final}/ (roster.xlsx, roster.csv, forecast.csv, requirements.csv, coverage.csv, summary.json)")


def _queue_lines(totals) -> None:
    for _, r in totals.iterrows():
        click.echo(
            f"  {r[S.QUEUE]:<14} volume {r['forecast_volume']:>9,.0f}  required {r['required_agent_hours']:>7,.0f} h  "
            f"scheduled {r['scheduled_agent_hours']:>7,.0f} h  service level {100 * r['service_level']:5.1f}%  "
            f"short intervals {r['short_intervals']}"
        )


def _run_target(out: Path | None, scenario_name: str) -> Path:
    """The run folder to create: ``--out`` checked, or a new ``outputs/<scenario>-<time>[-n]``.

    Never an existing file, a symbolic link (which could point out of the
    target folder) or a folder holding files (an existing run); the default
    folder name keeps only letters, digits, '_' and '-' of the scenario name,
    so a name like ``../x`` cannot leave ``outputs/``.
    """
    from wfm.export import check_run_dir, default_run_dir

    if out is not None:
        parent = out.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if parent.exists() and not parent.is_dir():
            raise S.OutputError(f"{out}: {parent} is a file, not a folder; give a new folder path for --out")
        return check_run_dir(out)
    safe = re.sub(r"[^\w\-]+", "_", scenario_name).strip("_") or "run"
    base = default_run_dir(safe)
    target, n = base, 2
    while target.exists() or target.is_symlink():
        target, n = base.with_name(f"{base.name}-{n}"), n + 1
    return check_run_dir(target)


def _commit(folder) -> Path:
    """Rename a finished run folder into place; a folder that appeared meanwhile is an output error."""
    try:
        return folder.commit()
    except OSError as exc:
        raise S.OutputError(
            f"{folder.final}: cannot be created ({exc.strerror or exc}); another run may have taken it, "
            "choose a new --out"
        ) from None


# ---------------------------------------------------------------------------
# single stages
# ---------------------------------------------------------------------------
_DATE = click.DateTime(formats=["%Y-%m-%d"])
_STANDALONE_OPTIONS = ("--start", "--end", "--timezone", "--country", "--special-days", "--quantiles")


@main.command()
@click.argument("directory", type=click.Path(path_type=Path), required=False)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Forecast CSV to write.")
@click.option("--models", "models_file", type=click.Path(path_type=Path), default=None,
              help="Model selection written by 'wfm backtest' (default: DIRECTORY/forecast_models.json if present; "
                   "with --history: choose by backtest).")
@click.option("--model", "model_name", type=click.Choice(MODEL_NAMES), default=None,
              help="Use this forecast model for every queue.")
@click.option("--history", "history_file", type=click.Path(path_type=Path), default=None,
              help="Forecast this history CSV without a scenario (queue, interval_start, offered[, aht_seconds]).")
@click.option("--start", type=_DATE, default=None, help="With --history: first day to forecast (YYYY-MM-DD).")
@click.option("--end", type=_DATE, default=None, help="With --history: last day to forecast (YYYY-MM-DD), inclusive.")
@click.option("--timezone", default=None,
              help="With --history: IANA time zone of the history (default: the UTC offset its timestamps carry).")
@click.option("--country", default=None,
              help="With --history: public holidays of this country (ISO code of the holidays package, e.g. CN).")
@click.option("--special-days", "special_days_file", type=click.Path(path_type=Path), default=None,
              help="With --history: special_days.csv (date, name, behaves_like[, effect]).")
@click.option("--quantiles", default=None,
              help="With --history: quantiles of yhat_lower and yhat_upper, lo,hi (default 0.1,0.9).")
@_db_option
def forecast(directory: Path | None, out: Path, models_file: Path | None, model_name: str | None,
             history_file: Path | None, start: dt.datetime | None, end: dt.datetime | None, timezone: str | None,
             country: str | None, special_days_file: Path | None, quantiles: str | None, db: str | None) -> None:
    """Forecast volume and handle time per queue and interval.

    Either for a scenario folder's horizon (DIRECTORY), or for a history file
    alone: --history FILE --start DATE --end DATE.
    """
    from wfm.backtest import read_selection
    from wfm.io import write_csv

    if (directory is None) == (history_file is None):
        _fail("give a scenario folder DIRECTORY, or --history FILE with --start and --end (not both)", EXIT_INPUT)
    if models_file is not None and model_name is not None:
        _fail("give --models FILE or --model NAME, not both", EXIT_INPUT)
    given = dict(zip(_STANDALONE_OPTIONS, (start, end, timezone, country, special_days_file, quantiles), strict=True))
    if directory is not None and any(v is not None for v in given.values()):
        used = ", ".join(k for k, v in given.items() if v is not None)
        _fail(f"{used}: only with --history; a scenario folder takes its horizon, time zone, country and "
              "special days from its files", EXIT_INPUT)
    if history_file is not None and (start is None or end is None):
        _fail("--history needs --start and --end (YYYY-MM-DD): the days to forecast", EXIT_INPUT)
    if history_file is not None and db is not None:
        _fail("--db: only with a scenario folder DIRECTORY; with --history the file is the whole history",
              EXIT_INPUT)
    band = _parse_quantiles(quantiles) if quantiles is not None else None

    progress = _Progress()
    with _Guard():
        _refuse_existing_file(out)
        if models_file is not None and not models_file.is_file():
            raise S.InputError(f"{models_file}: file not found (--models)")
        models = read_selection(models_file) if models_file is not None else None
        if directory is not None:
            fc = _forecast_scenario(directory, model_name, models, progress, db)
        else:
            assert history_file is not None and start is not None and end is not None
            fc = _forecast_history_file(history_file, start.date(), end.date(), timezone, country,
                                        special_days_file, model_name, models, band, progress)
        progress.flush()
        write_csv(out, fc)
    click.echo(f"wrote {out} ({len(fc):,} rows, {fc[S.YHAT].sum():,.0f} contacts forecast)")
    if band is not None and band != (0.1, 0.9):
        click.echo(f"note: yhat_lower and yhat_upper are the {band[0]:g} and {band[1]:g} quantiles; "
                   "'wfm staff --quantile' reads the band as the 0.1 and 0.9 ones")


def _forecast_scenario(directory: Path, model_name: str | None, models: dict[str, str] | None,
                       progress: _Progress, db: str | None = None):
    from wfm.io import load_scenario
    from wfm.pipeline import plan_store, run_forecast, with_store

    scenario = with_store(load_scenario(directory), plan_store(db), fairness=False)
    if model_name is not None:
        models = {q.name: model_name for q in scenario.queues}
    return run_forecast(scenario, progress, models=models)


def _forecast_history_file(history_file: Path, start: dt.date, end: dt.date, timezone: str | None,
                           country: str | None, special_days_file: Path | None, model_name: str | None,
                           models: dict[str, str] | None, band: tuple[float, float] | None, progress: _Progress):
    from wfm.io import read_stage_csv
    from wfm.pipeline import run_forecast_history
    from wfm.special_days import read_special_days

    special = None
    if special_days_file is not None:
        if not special_days_file.is_file():
            raise S.InputError(f"{special_days_file}: file not found (--special-days)")
        special = read_special_days(special_days_file)
    raw = read_stage_csv(history_file, (S.QUEUE, S.INTERVAL_START, S.OFFERED))
    if model_name is not None:
        models = {str(q).strip(): model_name for q in raw[S.QUEUE].unique()}
    progress("forecast", f"{history_file.name}: {len(raw):,} rows, {raw[S.QUEUE].nunique()} queue(s); "
                         f"forecasting {start} .. {end}")
    return run_forecast_history(raw, start, end, source=history_file.name, timezone=timezone, country=country,
                                special_days=special, models=models, quantiles=band, progress=progress)


def _parse_quantiles(text: str) -> tuple[float, float]:
    """``lo,hi`` from --quantiles, with 0 < lo < 0.5 < hi < 1; a usage error otherwise."""
    try:
        lo, hi = (float(x) for x in text.split(","))
    except ValueError:
        lo = hi = float("nan")
    if not 0.0 < lo < 0.5 < hi < 1.0:
        _fail(f"--quantiles '{text}': give two quantiles lo,hi with 0 < lo < 0.5 < hi < 1, e.g. 0.1,0.9", EXIT_INPUT)
    return lo, hi


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--origins", type=click.IntRange(1, 52), default=4, show_default=True,
              help="Rolling origins (test windows one planning period long, a week apart).")
@click.option("--step-days", type=click.IntRange(1, 366), default=7, show_default=True,
              help="Days between consecutive origins.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Where to record the selected models (default: DIRECTORY/forecast_models.json).")
@click.option("--plots", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write backtest_<queue>.png into: the selected model against the actuals, with bands.")
def backtest(directory: Path, origins: int, step_days: int, out: Path | None, plots: Path | None) -> None:
    """Rolling-origin backtest of every forecast model per queue; records the best per queue."""
    from wfm.backtest import backtest_scenario, plot_backtest, write_selection
    from wfm.io import load_scenario
    from wfm.pipeline import MODELS_FILE

    progress = _Progress()
    with _Guard():
        scenario = load_scenario(directory)
        result = backtest_scenario(scenario, origins=origins, step_days=step_days,
                                   progress=lambda msg: progress("backtest", msg))
        path = write_selection(result, out or Path(directory) / MODELS_FILE)
        if plots is not None:
            plots.mkdir(parents=True, exist_ok=True)
            for q in scenario.queues:
                plot_backtest(result, q.name, plots / f"backtest_{q.name}.png")
    click.echo(f"{'queue':<14} {'model':<16} {'WAPE':>7} {'daily':>7} {'MASE':>6} {'bias':>7}")
    for _, r in result.summary.iterrows():
        mark = "  <- selected" if result.selection[r[S.QUEUE]] == r["model"] else ""
        click.echo(f"{r[S.QUEUE]:<14} {r['model']:<16} {r['wape']:>7.2%} {r['daily_wape']:>7.2%} "
                   f"{r['mase']:>6.3f} {r['bias']:>+7.2%}{mark}")
    click.echo(f"wrote {path} (mean over {len(result.origins)} origins, horizon {result.horizon_days} days)")


@main.command()
@click.option("--forecast", "forecast_file", type=click.Path(path_type=Path), required=True, help="Forecast CSV.")
@click.option("--scenario", "directory", type=click.Path(path_type=Path), required=True, help="Scenario folder.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Requirements CSV to write.")
@click.option("--quantile", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help="Staff for this quantile of the forecast volume (e.g. 0.8), read from the forecast's "
                   "yhat_lower..yhat_upper band (an 80% band; normal interpolation). Default: yhat.")
def staff(forecast_file: Path, directory: Path, out: Path, quantile: float | None) -> None:
    """Turn a forecast into required agents per queue and interval (Erlang C, chat concurrency)."""
    from wfm.io import load_scenario, read_stage_csv, write_csv
    from wfm.pipeline import run_staffing
    from wfm.staffing import service_level_spread
    from wfm.validate import parse_forecast

    with _Guard():
        _refuse_existing_file(out)
        scenario = load_scenario(directory)
        fc = parse_forecast(read_stage_csv(forecast_file, (S.QUEUE, S.DS, S.YHAT, S.AHT_SECONDS)), scenario,
                            forecast_file.name)
        req = run_staffing(scenario, fc, quantile=quantile)
        spread = service_level_spread(fc, req, scenario.queues, scenario.horizon.interval_minutes)
        write_csv(out, req)
    hours = req[S.AGENTS_REQUIRED_GROSS].sum() * scenario.horizon.interval_minutes / 60
    staffed_for = "yhat" if quantile is None else f"the {quantile:g} quantile of the forecast"
    click.echo(f"wrote {out} ({len(req):,} rows, {hours:,.0f} gross agent-hours required, staffed for {staffed_for})")
    for name, g in spread.groupby(S.QUEUE, sort=False):
        levels = "  ".join(f"{100 * q:g}%: {100 * sl:5.1f}%" for q, sl in zip(g["quantile"], g[S.SERVICE_LEVEL],
                                                                              strict=True))
        click.echo(f"  {name:<14} service level if the volume lands at its quantile  {levels}")


@main.command()
@click.option("--requirements", "req_file", type=click.Path(path_type=Path),
              help="Requirements CSV (with --from: default the workbook's Coverage sheet).")
@click.option("--scenario", "directory", type=click.Path(path_type=Path),
              help="Scenario folder (with --from a workbook: default the one recorded in its Summary).")
@click.option("--out", type=click.Path(path_type=Path),
              help="Roster CSV (HR_Import rows) to write; with --from a run folder (default "
                   "outputs/<scenario>-<time>), or a .csv file.")
@click.option("--from", "from_file", type=click.Path(path_type=Path),
              help="Repair: the previous roster, a wfm workbook (.xlsx, edits included) or a roster CSV.")
@click.option("--pin-until", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="With --from: keep every day up to and including this date (YYYY-MM-DD) exactly.")
@click.option("--pin-agents", help="With --from: keep these agents (comma-separated employee ids) exactly.")
@click.option("--change-weight", type=click.FloatRange(min=0),
              help="With --from: cost per changed agent-day (default: [weights] changed_shift).")
@_solver_options
@_db_option
def roster(req_file: Path | None, directory: Path | None, out: Path | None, from_file: Path | None,
           pin_until: dt.datetime | None, pin_agents: str | None, change_weight: float | None,
           time_limit, workers, seed, db: str | None) -> None:
    """Solve the roster for a requirements CSV, or repair a previous roster (--from)."""
    if from_file is not None:
        _repair(from_file, req_file, directory, out, pin_until.date() if pin_until else None,
                (pin_agents or "").split(","), change_weight, time_limit, workers, seed, db)
        return
    if pin_until is not None or pin_agents is not None or change_weight is not None:
        _fail("--pin-until, --pin-agents and --change-weight repair a previous roster: give it with --from",
              EXIT_INPUT)
    if req_file is None or directory is None or out is None:
        _fail("give --requirements, --scenario and --out (or --from a previous roster to repair)", EXIT_INPUT)
    from wfm.export import hr_import_frame
    from wfm.io import load_scenario, read_stage_csv, write_csv
    from wfm.pipeline import plan_store, run_roster, with_store
    from wfm.validate import parse_requirements

    progress = _Progress()
    with _Guard():
        _refuse_existing_file(out)
        scenario = with_store(load_scenario(directory), plan_store(db), actuals=False)
        req = parse_requirements(read_stage_csv(req_file, (S.QUEUE, S.DS, S.AGENTS_REQUIRED_GROSS)), scenario,
                                 req_file.name)
        sol = run_roster(scenario, req, progress, time_limit_seconds=time_limit, workers=workers, seed=seed)
        progress.flush()
        _verify_roster(scenario, sol.activities, req)
        write_csv(out, hr_import_frame(sol.activities))
    click.echo(_solver_line(sol.info))
    click.echo(f"wrote {out} ({len(sol.activities):,} rows)")


def _is_workbook(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm")


def _scenario_for(roster_file: Path, directory: Path | None) -> S.Scenario:
    """The scenario given with --scenario, else the one recorded in the workbook's Summary sheet."""
    from wfm.io import load_scenario
    from wfm.workbook import recorded_scenario_dir

    if directory is None:
        recorded = recorded_scenario_dir(roster_file) if _is_workbook(roster_file) else None
        if not recorded:
            raise S.InputError(f"{roster_file.name}: give the scenario folder with --scenario")
        directory = Path(recorded)
    return load_scenario(directory)


def _disagreement_lines(name: str, found) -> None:
    if not found:
        return
    n = len(found)
    click.echo(f"{name}: Roster and HR_Import disagree on {n} agent-day{'s' if n != 1 else ''} (the Roster wins):")
    for d in found:
        click.echo(f"  - {d.message}")


def _repair(from_file: Path, req_file: Path | None, directory: Path | None, out: Path | None,
            pin_until: dt.date | None, pin_agents: list[str], change_weight: float | None,
            time_limit, workers, seed, db: str | None = None) -> None:
    from wfm.export import RunFolder, hr_import_frame, write_run
    from wfm.io import read_stage_csv, write_csv
    from wfm.pipeline import plan_store, run_forecast, run_repair, with_store
    from wfm.validate import parse_activities, parse_requirements
    from wfm.workbook import assignments_from, read_roster_workbook

    started = dt.datetime.now()
    t0 = time.perf_counter()
    progress = _Progress()
    found: tuple = ()
    with _Guard():
        scenario = with_store(_scenario_for(from_file, directory), plan_store(db))
        to_csv = out is not None and out.suffix.lower() == ".csv"
        if to_csv:
            assert out is not None
            _refuse_existing_file(out)
        else:
            target = _run_target(out, scenario.name)
        req = fc = None
        if _is_workbook(from_file):
            previous = read_roster_workbook(from_file, scenario)
            found = previous.disagreements
            prev, req, fc = previous.assignments, previous.requirements, previous.forecast
        else:
            acts = parse_activities(read_stage_csv(from_file, S.HR_IMPORT_REQUIRED), scenario, from_file.name)
            prev = assignments_from(acts)
        if req_file is not None:
            req = parse_requirements(read_stage_csv(req_file, (S.QUEUE, S.DS, S.AGENTS_REQUIRED_GROSS)), scenario,
                                     req_file.name)
        if req is None:
            raise S.InputError(f"{from_file.name}: holds no requirements (no Coverage sheet); give --requirements")
        if fc is None:
            fc = run_forecast(scenario, progress)
        _disagreement_lines(from_file.name, found)
        result = run_repair(scenario, prev, req, fc, pin_until=pin_until, pin_agents=pin_agents,
                            change_weight=change_weight, source=from_file.name, progress=progress,
                            time_limit_seconds=time_limit, workers=workers, seed=seed)
        progress.flush()
        run = result.run
        _verify_roster(scenario, run.roster.activities, req)  # nothing is written unless the checker agrees
        if to_csv:
            assert out is not None
            write_csv(out, hr_import_frame(run.roster.activities))
            final = out
        else:
            info = run_info_for(scenario, run.roster.info, started, time.perf_counter() - t0, run.roster.placement)
            info.update(
                repaired_from=str(from_file),
                pin_until=pin_until.isoformat() if pin_until else "",
                pin_agents=",".join(a.strip() for a in pin_agents if a.strip()),
                changed_shifts=len(result.changes),
                check_violations=0,
                short_intervals=run.evaluation.short_intervals,
                short_agent_intervals=round(run.evaluation.short_agent_intervals, 2),
            )
            with RunFolder(target) as folder:
                write_run(folder, run, info, plots=False)
                final = _commit(folder)
    click.echo(_solver_line(run.roster.info))
    for note in result.notes:
        click.echo(f"  note: {note}")
    changes = result.changes
    forced = int(changes["forced"].sum()) if len(changes) else 0
    click.echo(f"repair: {result.pinned_days} agent-days pinned, {len(changes)} shift(s) changed "
               f"({forced} forced by leave or a shift no longer possible)")
    names = {a.employee_id: a.name for a in scenario.agents}
    for r in changes.head(30).itertuples(index=False):
        click.echo(f"  {r.employee_id} {names.get(r.employee_id, '')} {r.date}: {r.before} -> {r.after}")
    if len(changes) > 30:
        click.echo(f"  ... and {len(changes) - 30} more")
    if not to_csv:
        _queue_lines(run.evaluation.queue_totals)
    click.echo("check: 0 hard-rule violations")
    click.echo(f"wrote {final}" + ("" if to_csv else "/ (roster.xlsx, roster.csv, requirements.csv, coverage.csv, "
                                                   "summary.json)"))


def _refuse_existing_file(out: Path) -> None:
    if out.is_symlink():
        raise S.OutputError(f"{out}: is a symbolic link; give a new file path for --out")
    if out.exists() and out.is_dir():
        raise S.OutputError(f"{out}: is a folder; give a file path for --out")
    if out.exists():
        raise S.OutputError(f"{out}: exists already; wfm does not overwrite outputs, choose a new --out")
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise S.OutputError(f"{out}: {parent} is a file, not a folder; choose another --out")


@main.command()
@click.argument("roster_file", type=click.Path(path_type=Path))
@click.option("--scenario", "directory", type=click.Path(path_type=Path),
              help="Scenario folder (default: the one recorded in the workbook's Summary).")
@click.option("--requirements", "req_file", type=click.Path(path_type=Path),
              help="Requirements CSV, to recompute coverage against it (default for a workbook: its Coverage sheet).")
def check(roster_file: Path, directory: Path | None, req_file: Path | None) -> None:
    """Independently re-verify every hard rule of a roster (.xlsx workbook, edits included, or roster .csv)."""
    from wfm.io import read_stage_csv
    from wfm.pipeline import check as check_pipeline
    from wfm.validate import parse_activities, parse_requirements
    from wfm.workbook import read_roster_workbook

    found: tuple = ()
    with _Guard():
        scenario = _scenario_for(roster_file, directory)
        req = fc = None
        if _is_workbook(roster_file):
            edited = read_roster_workbook(roster_file, scenario)
            acts, req, fc, found = edited.activities, edited.requirements, edited.forecast, edited.disagreements
        else:
            acts = parse_activities(read_stage_csv(roster_file, S.HR_IMPORT_REQUIRED), scenario, roster_file.name)
        if req_file is not None:
            req = parse_requirements(read_stage_csv(req_file, (S.QUEUE, S.DS, S.AGENTS_REQUIRED_GROSS)), scenario,
                                     req_file.name)
        result = check_pipeline(scenario, acts, req, fc)
    report = result.report
    _disagreement_lines(roster_file.name, found)
    n_agents = acts[S.EMPLOYEE_ID].nunique()
    if report.violations:
        click.echo(f"{roster_file}: {len(report.violations)} hard-rule violation(s):")
        for v in report.violations:
            click.echo(f"  - {v.message}")
    else:
        click.echo(f"{roster_file}: 0 hard-rule violations ({n_agents} agents, {len(acts):,} rows checked)")
    if result.queues is not None and len(result.queues):
        q = result.queues
        click.echo(
            f"coverage: {int(q['short_intervals'].sum())} short queue-intervals, "
            f"{q['short_agent_intervals'].sum():,.1f} short agent-intervals"
        )
        for r in q.itertuples(index=False):
            sl = "" if r.service_level != r.service_level else f"  predicted service level {100 * r.service_level:5.1f}%"
            click.echo(
                f"  {r.queue:<14} required {r.required_agent_hours:>7,.0f} h  scheduled "
                f"{r.scheduled_agent_hours:>7,.0f} h  short intervals {r.short_intervals:>4}{sl}"
            )
    if report.violations:
        sys.exit(EXIT_VIOLATIONS)


# ---------------------------------------------------------------------------
# demo
# ---------------------------------------------------------------------------
@main.command()
@click.option("--out", type=click.Path(path_type=Path), required=True, help="New scenario folder to create.")
@click.option("--agents", type=click.IntRange(min=6, max=5000), default=120, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True)
def demo(out: Path, agents: int, seed: int) -> None:
    """Generate the demo bank contact-center scenario (seeded, calibrated to real bank data)."""
    from wfm.demo import generate

    with _Guard():
        generate(out, agents=agents, seed=seed)
    click.echo(f"wrote scenario {out}/ ({agents} agents)")


# ---------------------------------------------------------------------------
# simulate
# ---------------------------------------------------------------------------
@main.command()
@click.option("--requirements", "req_file", type=click.Path(path_type=Path), help="Requirements CSV to simulate.")
@click.option("--roster", "roster_file", type=click.Path(path_type=Path),
              help="Roster CSV (HR_Import rows) to simulate.")
@click.option("--forecast", "forecast_file", type=click.Path(path_type=Path), required=True, help="Forecast CSV.")
@click.option("--scenario", "directory", type=click.Path(path_type=Path), required=True, help="Scenario folder.")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="CSV to write: simulated KPIs per queue and interval.")
@click.option("--replications", type=click.IntRange(min=2), default=20, show_default=True,
              help="Independent replications (confidence intervals need at least 2).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Random seed.")
def simulate(req_file: Path | None, roster_file: Path | None, forecast_file: Path, directory: Path, out: Path,
             replications: int, seed: int) -> None:
    """Simulate a requirements CSV or a roster against a forecast, call by call (seeded)."""
    from wfm.io import load_scenario, read_stage_csv, write_csv
    from wfm.simulate import CI95, PREDICTED, simulate_requirements, simulate_roster
    from wfm.validate import parse_activities, parse_forecast, parse_requirements

    if (req_file is None) == (roster_file is None):
        _fail("give exactly one of --requirements FILE or --roster FILE", EXIT_INPUT)
    with _Guard():
        _refuse_existing_file(out)
        scenario = load_scenario(directory)
        fc = parse_forecast(read_stage_csv(forecast_file, (S.QUEUE, S.DS, S.YHAT, S.AHT_SECONDS)), scenario,
                            forecast_file.name)
        if req_file is not None:
            req = parse_requirements(read_stage_csv(req_file, (S.QUEUE, S.DS, S.AGENTS_REQUIRED_GROSS)), scenario,
                                     req_file.name)
            sim = simulate_requirements(scenario, fc, req, replications=replications, seed=seed)
        else:
            assert roster_file is not None
            acts = parse_activities(read_stage_csv(roster_file, S.HR_IMPORT_REQUIRED), scenario, roster_file.name)
            sim = simulate_roster(scenario, fc, acts, replications=replications, seed=seed)
        write_csv(out, sim.intervals)
    for _, r in sim.queues.iterrows():
        click.echo(
            f"  {r[S.QUEUE]:<14} offered {r[S.OFFERED]:>9,.0f}  service level {100 * r[S.SERVICE_LEVEL]:5.1f}% "
            f"± {100 * r[S.SERVICE_LEVEL + CI95]:.1f} (Erlang {100 * r[PREDICTED + S.SERVICE_LEVEL]:5.1f}%)  "
            f"ASA {r[S.ASA_SECONDS]:6.1f} s  abandoned {100 * r[S.ABANDON_RATE]:4.1f}%"
        )
    click.echo(f"wrote {out} ({len(sim.intervals):,} rows; {replications} replications, seed {seed}; "
               "± is a 95% confidence half-width)")


# Commands that live in their own modules (the plan store; what-if scenarios), on the same group.
def _register() -> None:
    from wfm.cli_store import actuals, publish, review
    from wfm.cli_whatif import compare, whatif

    for command in (publish, actuals, review, whatif, compare):
        main.add_command(command)


_register()
