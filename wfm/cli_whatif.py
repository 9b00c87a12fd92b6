"""``wfm whatif`` and ``wfm compare``: what-if overlays from the command line.  Thin, like :mod:`wfm.cli`.

Registered on the ``wfm`` group by ``main.add_command(whatif)`` and
``main.add_command(compare)`` in :mod:`wfm.cli`.  Exit codes as there: 2 bad
input or ``--out`` (nothing runs, nothing is written), 4 a roster failed the
independent check.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

import click

from wfm import schema as S
from wfm.forecast import MODELS as MODEL_NAMES

_SET_HELP = ("KEY=VALUE overlay, repeatable: volume=+10%, aht=+5%, headcount=-5, shrinkage.unplanned=0.15, "
             "queues.phone_retail.service_level=0.9, rules.<key>, weights.<key>, solver.<key>, cost.hourly_rate=60 "
             "(see docs/whatif.md).")


def _cli():
    """wfm.cli's error guard and helpers (imported late: wfm.cli imports this module to register the commands)."""
    from wfm import cli

    cli._quiet_libraries()
    return cli


# ---------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------
def _fmt(v: Any, unit: str, delta: bool = False) -> str:
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    sign = "+" if delta else ""
    if unit == "share":
        return f"{100 * v:{sign}.1f}{' pt' if delta else '%'}"
    if unit in ("s", "FTE", "agent-intervals"):
        return f"{v:{sign},.1f}"
    return f"{v:{sign},.0f}"


class _CompareProgress:
    """One line per update: the scenario, its stage, and the solver's gap at most every few seconds."""

    def __init__(self, every_seconds: float = 5.0) -> None:
        self.every = every_seconds
        self.last: dict[str, float] = {}
        self.t0 = time.monotonic()

    def __call__(self, name: str, stage: str, info: Any) -> None:
        now = time.monotonic()
        stamp = f"{now - self.t0:6.0f} s"
        if stage == "roster" and isinstance(info, dict):
            if now - self.last.get(name, -1e9) < self.every and info.get("seconds", 0) > 0:
                return
            self.last[name] = now
            if "gap" in info:
                line = (f"roster {info.get('seconds', 0):5.0f} s, objective {info.get('objective', math.nan):,.0f}, "
                        f"gap {100 * info['gap']:.2f}%")
            else:
                line = "roster: building the model and a starting roster"
        elif stage == "done" and isinstance(info, S.SolveInfo):
            line = f"done: {info.status}, gap {100 * info.gap:.2f}%, {info.wall_seconds:.0f} s"
        elif info is None:
            line = stage
        else:
            line = f"{stage}: {info}"
        click.echo(f"{stamp}  [{name}] {line}", err=True)


def _print_comparison(table, names: list[str]) -> None:
    """The comparison as a console table: one column per scenario, the change against the base in brackets."""
    base = names[0]
    lines: list[tuple[str, list[str] | str]] = []
    for row in table.itertuples(index=False):
        values = dict(zip(table.columns, row, strict=True))
        unit = values["unit"]
        label = values["metric"] + ("" if values[S.QUEUE] == "(all queues)" else f" [{values[S.QUEUE]}]")
        texts = {v for v in (values[n] for n in names) if isinstance(v, str) and v.startswith("n/a")}
        if len(texts) == 1 and all(isinstance(values[n], str) for n in names):
            lines.append((label, texts.pop()))
            continue
        cells = []
        for n in names:
            cell = _fmt(values[n], unit)
            delta = values.get(f"Δ {n}", "")
            if n != base and delta != "":
                cell += f" ({_fmt(delta, unit, delta=True)})"
            cells.append(cell)
        lines.append((label, cells))
    widths = [max([len(n)] + [len(c[i]) for _, c in lines if isinstance(c, list)]) + 2 for i, n in enumerate(names)]
    lw = max(len(label) for label, _ in lines) + 1
    click.echo(f"{'metric':<{lw}}" + "".join(f"{n:>{w}}" for n, w in zip(names, widths, strict=True)))
    for label, cells in lines:
        if isinstance(cells, str):
            click.echo(f"{label:<{lw}}  {cells}")
        else:
            click.echo(f"{label:<{lw}}" + "".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))
    click.echo("(in brackets: the change against the base)")


def _overlays(directory: Path, files: tuple[str, ...]) -> list:
    from wfm.whatif import load_overlays, overlay_files

    return load_overlays(directory, files or overlay_files(directory))


# ---------------------------------------------------------------------------
# wfm whatif
# ---------------------------------------------------------------------------
@click.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help=_SET_HELP)
@click.option("--whatif", "files", multiple=True, metavar="FILE",
              help="Overlay file (a path, or a name in DIRECTORY/whatif/); applied before --set.")
@click.option("--staffing-only", is_flag=True, help="Forecast and staffing only, no roster: answers in seconds.")
@click.option("--model", type=click.Choice(MODEL_NAMES), default=None,
              help="Forecast model for every queue (default: DIRECTORY/forecast_models.json, else calendar_level "
                   "with --staffing-only, else chosen by backtest).")
@click.option("--forecast", "forecast_file", type=click.Path(path_type=Path), default=None,
              help="With --staffing-only: reuse this forecast CSV of the base (e.g. a run folder's forecast.csv).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="With --staffing-only: CSV of the table; otherwise the comparison folder.")
@click.option("--time-limit", type=click.FloatRange(min=1), help="Solver time limit per scenario, seconds.")
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="Scenarios solved at once.")
def whatif(directory: Path, sets: tuple[str, ...], files: tuple[str, ...], staffing_only: bool, model: str | None,
           forecast_file: Path | None, out: Path | None, time_limit: float | None, jobs: int) -> None:
    """One what-if against the base: staffing only (--staffing-only), or full rosters side by side.

    \b
    wfm whatif inputs/demo --staffing-only --set volume=+20%
    wfm whatif inputs/demo --staffing-only --set queues.phone_retail.service_level=0.9 --set headcount=-5
    """
    cli = _cli()
    from wfm.io import load_scenario
    from wfm.whatif import load_overlays, overlay_from_sets, staffing_whatif

    t0 = time.perf_counter()
    with cli._Guard():
        if not sets and not files:
            raise S.InputError("give at least one --set KEY=VALUE or --whatif FILE")
        if forecast_file is not None and not staffing_only:
            raise S.InputError("--forecast is for --staffing-only; a full what-if forecasts once itself")
        scenario = load_scenario(directory)
        overlays = load_overlays(directory, files)
        if sets:
            overlays.append(overlay_from_sets(sets))
        if not staffing_only:
            name = " + ".join(o.name for o in overlays)
            from wfm.whatif import Overlay

            merged = Overlay(name, tuple(a for o in overlays for a in o.assignments),
                             "; ".join(o.description for o in overlays if o.description))
            _run_compare(cli, scenario, [merged], (), out, jobs=jobs, time_limit=time_limit, workers=1, seed=None,
                         deterministic=True, executor="process", scheduler=None, model=model, t0=t0)
            return
        fc = None
        if forecast_file is not None:
            from wfm.io import read_stage_csv
            from wfm.validate import parse_forecast

            fc = parse_forecast(read_stage_csv(forecast_file, S.FORECAST_COLUMNS), scenario, forecast_file.name)
        result = staffing_whatif(scenario, overlays, model=model, forecast=fc)
        if out is not None:
            from wfm.io import write_csv

            write_csv(out, result.table)
    wi = result.whatif
    click.echo(f"{scenario.name}: staffing-only what-if '{wi.name}' against the base "
               f"({scenario.horizon.start} .. {scenario.horizon.end})")
    for change in wi.changes:
        click.echo(f"  {change}")
    if wi.dropped_agents:
        click.echo(f"  agents left out: {', '.join(wi.dropped_agents)}")
    models = "recorded/given" if fc is not None else ", ".join(f"{q} {m}" for q, m in sorted(result.models.items()))
    click.echo(f"  forecast: {'from ' + str(forecast_file) if fc is not None else models}")
    width = max(48, *map(len, result.table["metric"]))
    click.echo(f"{'queue':<14} {'metric':<{width}} {'base':>11} {'what-if':>11} {'change':>11}")
    for r in result.table.itertuples(index=False):
        click.echo(f"{r.queue:<14} {r.metric:<{width}} {_fmt(r.base, r.unit):>11} {_fmt(r.whatif, r.unit):>11} "
                   f"{_fmt(r.delta, r.unit, delta=True):>11}")
    click.echo(f"answered in {time.perf_counter() - t0:.1f} s "
               f"(forecast {result.seconds.get('forecast', 0):.1f} s, staffing {result.seconds.get('staffing', 0):.1f} s)"
               + (f"; wrote {out}" if out is not None else ""))


# ---------------------------------------------------------------------------
# wfm compare
# ---------------------------------------------------------------------------
@click.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--whatif", "files", multiple=True, metavar="FILE",
              help="Overlay file, repeatable (a path, or a name in DIRECTORY/whatif/); default: every "
                   "DIRECTORY/whatif/*.toml.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Applied to the base and every what-if, e.g. cost.hourly_rate=60. " + _SET_HELP)
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True,
              help="Scenarios solved at once (worker processes).")
@click.option("--time-limit", type=click.FloatRange(min=1), help="Solver time limit per scenario, seconds.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="CP-SAT workers per scenario.")
@click.option("--seed", type=click.IntRange(min=0), help="Solver seed (default: the scenario's).")
@click.option("--deterministic/--wall-clock", default=True, show_default=True,
              help="Stop each solve on a work count, so parallel and serial runs give the same numbers.")
@click.option("--executor", type=click.Choice(["process", "dask"]), default="process", show_default=True)
@click.option("--scheduler", default=None, metavar="ADDRESS", help="With --executor dask: the scheduler address.")
@click.option("--model", type=click.Choice(MODEL_NAMES), default=None,
              help="Forecast model for every queue (default: DIRECTORY/forecast_models.json, else by backtest).")
@click.option("--simulate", type=click.IntRange(min=0), default=0, show_default=True, metavar="N",
              help="Also simulate every roster call by call, N replications (simulated service level, ASA, "
                   "abandonment).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Output folder (default outputs/<scenario>-compare-<time>).")
def compare(directory: Path, files: tuple[str, ...], sets: tuple[str, ...], jobs: int, time_limit: float | None,
            workers: int, seed: int | None, deterministic: bool, executor: str, scheduler: str | None,
            model: str | None, simulate: int, out: Path | None) -> None:
    """Run the base and each what-if to a full roster, in parallel, and compare them side by side.

    Writes comparison.xlsx (one column per scenario, changes against the base, charts), comparison.csv and
    rosters/<scenario>.csv.

    \b
    wfm compare inputs/demo --jobs 2 --time-limit 120
    wfm compare inputs/demo --whatif volume_plus_10 --whatif sl_90_20 --set cost.hourly_rate=60
    """
    cli = _cli()
    from wfm.io import load_scenario
    from wfm.whatif import overlay_from_sets

    t0 = time.perf_counter()
    with cli._Guard():
        if executor == "dask" and not scheduler:
            raise S.InputError("--executor dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)")
        if scheduler and executor != "dask":
            raise S.InputError("--scheduler is for --executor dask")
        scenario = load_scenario(directory)
        overlays = _overlays(directory, files)
        if not overlays:
            raise S.InputError(f"{directory}/whatif/ has no overlay files; give --whatif FILE")
        shared = [overlay_from_sets(sets, name="--set")] if sets else []
        _run_compare(cli, scenario, overlays, shared, out, jobs=jobs, time_limit=time_limit, workers=workers,
                     seed=seed, deterministic=deterministic, executor=executor, scheduler=scheduler, model=model,
                     t0=t0, simulate=simulate)


def _run_compare(cli, scenario, overlays, shared, out, *, jobs, time_limit, workers, seed, deterministic, executor,
                 scheduler, model, t0, simulate: int = 0) -> None:
    from wfm.compare import RosterCheckError, apply_all, write_comparison
    from wfm.compare import compare as run_comparison
    from wfm.export import RunFolder

    apply_all(scenario, overlays, shared)  # every overlay checked before anything runs or prints
    target = cli._run_target(out, f"{scenario.name}-compare")  # refuse a bad --out before the long work
    progress = _CompareProgress()
    click.echo(f"{scenario.name}: base + {len(overlays)} what-if(s): {', '.join(o.name for o in overlays)}; "
               f"{jobs} at once, {workers} CP-SAT worker(s) each"
               + (f", {time_limit:g} s limit" if time_limit else "") + ("" if not deterministic else ", deterministic"),
               err=True)
    try:
        result = run_comparison(
            scenario, overlays, shared, jobs=jobs, executor=executor, scheduler=scheduler, model=model,
            time_limit_seconds=time_limit, workers=workers, seed=seed, deterministic=deterministic,
            progress=progress, simulate=simulate,
        )
    except RosterCheckError as exc:
        cli._fail(str(exc).splitlines(), cli.EXIT_INTERNAL)
    with RunFolder(target) as folder:
        written = write_comparison(folder, result)
        final = cli._commit(folder)
    _print_comparison(result.table, result.names)
    for r in result.results:
        if r.error:
            click.echo(f"{r.name}: the hard rules cannot all hold: {r.error}")
    click.echo(f"forecast {result.seconds['forecast']:.0f} s ({', '.join(f'{q} {m}' for q, m in sorted(result.models.items()))}); "
               f"total {time.perf_counter() - t0:.0f} s")
    click.echo(f"wrote {final}/ ({', '.join(w for w in written if not w.startswith('rosters/'))}, "
               f"rosters/ with {sum(1 for w in written if w.startswith('rosters/'))} HR_Import CSVs)")
    sys.stdout.flush()
