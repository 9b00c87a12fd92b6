"""``wfm publish``, ``wfm actuals import`` and ``wfm review``: the plan store from the command line.

Thin, like :mod:`wfm.cli`: each command parses its options, calls one
library function (:mod:`wfm.store`, :mod:`wfm.review`) and prints.  Registered
on the ``wfm`` group by ``main.add_command(publish)``,
``main.add_command(actuals)`` and ``main.add_command(review)`` in
:mod:`wfm.cli`.  Exit codes as there: 2 for a bad run folder, actuals file,
option, ``--out`` or an unusable database (the message names the file, the row
and the fix; nothing is written).
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

_DB_HELP = (
    "The plan store: a SQLAlchemy URL (sqlite:///outputs/wfm.db, postgresql+psycopg://user@host/wfm) or a "
    "SQLite file path.  Default: $WFM_DB, else outputs/wfm.db."
)


def _cli():
    """wfm.cli's error guard (imported late: wfm.cli imports this module to register the commands)."""
    from wfm import cli

    cli._quiet_libraries()
    return cli


@contextmanager
def _guard() -> Iterator[None]:
    """wfm.cli's guard, plus database errors (server down, locked file, permissions) as exit code 2."""
    import sqlalchemy as sa

    cli = _cli()
    with cli._Guard():
        try:
            yield
        except sa.exc.SQLAlchemyError as exc:
            detail = getattr(exc, "orig", None) or exc
            cli._fail(f"the plan store cannot be used: {str(detail).splitlines()[0]}", cli.EXIT_INPUT)


def _db_option(f):
    return click.option("--db", "db", metavar="URL", help=_DB_HELP)(f)


def _date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


# ---------------------------------------------------------------------------
# wfm publish
# ---------------------------------------------------------------------------
@click.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@_db_option
def publish(run_dir: Path, db: str | None) -> None:
    """Record a finished run folder in the plan store and make it the live plan of its month.

    A run already in the store is left as it is (publishing is idempotent); a newer run for the same
    scenario and horizon supersedes the live one, and the store keeps the history of which was live when.
    """
    from wfm import store

    with _guard():
        result = store.publish(run_dir, db)
    where = store.display_url(store.resolve_url(db))
    span = f"{result.scenario}, {result.horizon_start} .. {result.horizon_end}"
    if not result.created:
        state = f"superseded by run #{result.superseded_by}" if result.superseded_by else "live"
        click.echo(
            f"{run_dir}: already in the store as run #{result.run_id} ({span}, {state}); nothing changed"
        )
        return
    line = f"published {run_dir} as run #{result.run_id} ({span}) to {where}: now the live plan"
    if result.superseded is not None:
        line += f"; supersedes run #{result.superseded}"
    click.echo(line)


# ---------------------------------------------------------------------------
# wfm actuals import
# ---------------------------------------------------------------------------
@click.group()
def actuals() -> None:
    """Actual interval data (the history.csv contract) in the plan store."""


@actuals.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@_db_option
@click.option(
    "--timezone",
    metavar="TZ",
    help="IANA time zone of interval_start values without a UTC offset (e.g. Asia/Shanghai).",
)
def import_(file: Path, db: str | None, timezone: str | None) -> None:
    """Load FILE (queue, interval_start, offered, aht_seconds[, answered, abandoned, answered_within_threshold]).

    Every bad row is listed by row number and nothing is loaded; intervals already in the store are replaced.
    Imported actuals are compared with the live plan by `wfm review` and extend the history the next forecast
    learns from.
    """
    from wfm import store

    with _guard():
        result = store.import_actuals(file, db, timezone=timezone)
    tz = timezone
    first, last = (
        (result.first.tz_convert(tz), result.last.tz_convert(tz)) if tz else (result.first, result.last)
    )
    line = (
        f"imported {result.rows:,} intervals of {', '.join(result.queues)} from {file} "
        f"({first.isoformat()} .. {last.isoformat()})"
    )
    if result.replaced:
        line += f"; {result.replaced:,} replaced intervals already in the store"
    click.echo(line)


# ---------------------------------------------------------------------------
# wfm review
# ---------------------------------------------------------------------------
def _pct(v: Any) -> str:
    return "n/a" if v is None or not math.isfinite(v) else f"{100 * v:.1f}%"


def _num(v: Any) -> str:
    return "n/a" if v is None or not math.isfinite(v) else f"{v:,.1f}"


@click.command()
@click.option(
    "--start", type=click.DateTime(formats=["%Y-%m-%d"]), required=True, help="First day, YYYY-MM-DD."
)
@click.option("--end", type=click.DateTime(formats=["%Y-%m-%d"]), required=True, help="Last day, YYYY-MM-DD.")
@click.option(
    "--out", type=click.Path(path_type=Path), required=True, help="New folder for the review files."
)
@_db_option
@click.option(
    "--scenario", help="The scenario whose live plan to review, when several are live for these days."
)
@click.option(
    "--top", type=click.IntRange(min=1), default=10, show_default=True, help="Largest gaps listed per kind."
)
def review(
    start: dt.datetime, end: dt.datetime, out: Path, db: str | None, scenario: str | None, top: int
) -> None:
    """Compare the live plan with the actuals per queue and day: forecast accuracy, staffing, service level.

    Writes OUT/review.csv (one row per queue and day), OUT/review.xlsx (summary, daily with charts, largest
    gaps, intervals) and OUT/forecast_vs_actual.png.
    """
    from wfm import review as rv
    from wfm.export import check_run_dir

    with _guard():
        check_run_dir(out)  # refuse a bad --out before any work
        result = rv.review(db, _date(start), _date(end), scenario=scenario, top=top)
        rv.write_review(out, result)
    runs = ", ".join(f"#{r}" for r in result.run_ids)
    click.echo(f"plan against actual, {_date(start)} .. {_date(end)} (live run {runs}):")
    header = (
        f"{'queue':<16}{'actual':>10}{'forecast':>10}{'WAPE':>8}{'bias':>8}{'AHT WAPE':>10}"
        f"{'short h':>9}{'SL pred':>9}{'SL ach.':>9}"
    )
    click.echo(header)
    for r in result.queues.itertuples(index=False):
        click.echo(
            f"{r.queue:<16}{r.actual:>10,.0f}{r.forecast:>10,.0f}{_pct(r.wape):>8}{_pct(r.bias):>8}"
            f"{_pct(r.aht_wape):>10}{_num(r.short_hours):>9}{_pct(r.predicted_service_level):>9}"
            f"{_pct(r.achieved_service_level):>9}"
        )
    if len(result.largest):
        click.echo("largest gaps (where to look):")
        for what, g in result.largest.groupby("what", sort=False):
            shown = "; ".join(
                f"{r.queue} {r.when} ({r.amount:,.1f})" for r in g.head(3).itertuples(index=False)
            )
            click.echo(f"  {what}: {shown}")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"wrote {out}/ ({', '.join((rv.REVIEW_CSV, rv.REVIEW_XLSX, rv.REVIEW_PNG))})")
    sys.stdout.flush()


__all__ = ["actuals", "publish", "review"]
