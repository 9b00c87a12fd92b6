"""The plan store: published runs, imported actuals and which plan was live when, in one database.

A finished run folder (``wfm run``) is *published* into the store; actual
interval data (``wfm actuals import``) lands beside it; ``wfm review``
(:mod:`wfm.review`) reads both back.  SQLite is the default
(``outputs/wfm.db``); any SQLAlchemy URL works (``--db`` or the ``WFM_DB``
environment variable), e.g. ``postgresql+psycopg://wfm@dbhost/wfm``.  See
``docs/store.md``.

Why SQLAlchemy Core and a hand-written migration table, not the ORM and alembic
-------------------------------------------------------------------------------
The store holds long, tidy tables that go in and come out as pandas frames in
bulk; Core's ``insert()``/``select()`` does exactly that without mapping rows
to objects.  The schema is small and changes rarely, so migrations are a list
of numbered Python functions (:data:`MIGRATIONS`) and a ``schema_version``
table recording which have run.  That gives what alembic would here (ordered,
recorded, transactional upgrades on SQLite and PostgreSQL alike) without its
configuration folder, ``env.py`` and a second command to learn, and keeps the
upgrade in the one place a user already goes through: opening the store
(:func:`open_store`) brings any older database up to date in one transaction,
and a database newer than this wfm is refused rather than misread.

Rules for a migration: it is appended, never edited once released; it builds
its own tables (migration 1 calls :func:`_schema_v1`, frozen at version 1)
and does not use the live table objects, so a fresh database and an upgraded
one end up identical.  While the schema is at version 1 the live tables *are*
``_schema_v1``'s; a version 2 gets its own migration function and the live
definitions move on, ``_schema_v1`` stays as it is.

Data conventions
----------------
* Instants (``ds``, ``interval_start``, activity ``start``/``end``,
  ``published_at``) are stored as naive UTC date-times, portable across
  SQLite and PostgreSQL; frames read back carry the run's (or the caller's)
  time zone again.  Roster ``date`` and horizons are plain dates.
* One publish is one transaction: a failure at any point leaves the store as
  it was.  A run is identified by its *run key*: the sha256 of its scenario
  name and horizon, its input file hashes (``summary.json``) and the hashes
  of its forecast, requirements, coverage and roster files; publishing the
  same run again changes nothing.
* A plan is *live* for its scenario and horizon from its publish until a
  newer run for the same scenario and horizon is published (table ``live``;
  ``runs.superseded_by`` points at the successor).  Where live plans of
  different horizons overlap, the one published last speaks for a day.
* Actuals are keyed by queue and interval; importing an interval again
  replaces it (the later file is the correction).

Library code: raises :class:`StoreError` (an :class:`~wfm.schema.InputError`,
exit code 2 in the CLI) or ``InputError``; never prints.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from wfm import schema as S
from wfm.roster.rules.fairness import LATE_FAMILIES  # what the roster's late_spread counts

log = logging.getLogger(__name__)

ENV_VAR = "WFM_DB"
DEFAULT_DB = Path("outputs") / "wfm.db"
ANSWERED_WITHIN_THRESHOLD = "answered_within_threshold"
ACTUALS_OPTIONAL = (S.ANSWERED, S.ABANDONED, ANSWERED_WITHIN_THRESHOLD)
RUN_FILES = ("summary.json", "forecast.csv", "requirements.csv", "roster.csv", "coverage.csv")


class StoreError(S.InputError):
    """The store cannot be used as asked: unreachable, newer schema, no live plan, ...  (exit code 2)."""


# ---------------------------------------------------------------------------
# Schema and migrations
# ---------------------------------------------------------------------------
def _schema_v1(md: sa.MetaData) -> dict[str, sa.Table]:
    """The tables of schema version 1 (frozen: a later version adds a migration, it never edits this)."""
    T, C, F = sa.Table, sa.Column, sa.ForeignKey
    txt, num, ts = sa.String, sa.Float, sa.DateTime  # ts: naive UTC
    run_fk = lambda: C("run_id", sa.Integer, F("runs.id", ondelete="CASCADE"), primary_key=True)  # noqa: E731
    t = {}
    t["schema_version"] = T(
        "schema_version",
        md,
        C("version", sa.Integer, primary_key=True, autoincrement=False),
        C("description", sa.Text, nullable=False),
        C("applied_at", ts, nullable=False),
    )
    t["runs"] = T(
        "runs",
        md,
        C("id", sa.Integer, primary_key=True, autoincrement=True),
        C("run_key", txt(64), nullable=False, unique=True),
        C("scenario", txt(200), nullable=False),
        C("horizon_start", sa.Date, nullable=False),
        C("horizon_end", sa.Date, nullable=False),
        C("interval_minutes", sa.Integer, nullable=False),
        C("timezone", txt(64), nullable=False),
        C("country", txt(16)),
        C("run_folder", sa.Text, nullable=False),
        C("run_started", txt(40)),
        C("published_at", ts, nullable=False),
        C("superseded_by", sa.Integer, F("runs.id")),
        C("seed", sa.Integer),
        C("status", txt(40)),
        C("objective", num),
        C("bound", num),
        C("gap", num),
        C("wfm_version", txt(40)),
        C("input_hashes", sa.JSON, nullable=False),
        C("file_hashes", sa.JSON, nullable=False),
        C("summary", sa.JSON, nullable=False),
        C("scenario_toml", sa.Text, nullable=False),
        sa.Index("ix_runs_scenario_horizon", "scenario", "horizon_start", "horizon_end"),
    )
    t["live"] = T(
        "live",
        md,
        C("id", sa.Integer, primary_key=True, autoincrement=True),
        C("scenario", txt(200), nullable=False),
        C("horizon_start", sa.Date, nullable=False),
        C("horizon_end", sa.Date, nullable=False),
        C("run_id", sa.Integer, F("runs.id"), nullable=False),
        C("live_from", ts, nullable=False),
        C("live_until", ts),  # NULL while live
        sa.Index("ix_live_scenario_horizon", "scenario", "horizon_start", "horizon_end"),
        # at most one live run per scenario and horizon, even under concurrent publishes
        sa.Index(
            "ux_live_current",
            "scenario",
            "horizon_start",
            "horizon_end",
            unique=True,
            sqlite_where=sa.text("live_until IS NULL"),
            postgresql_where=sa.text("live_until IS NULL"),
        ),
    )
    t["forecast_rows"] = T(
        "forecast_rows",
        md,
        run_fk(),
        C("queue", txt(100), primary_key=True),
        C("ds", ts, primary_key=True),
        C("yhat", num, nullable=False),
        C("yhat_lower", num),
        C("yhat_upper", num),
        C("aht_seconds", num),
    )
    t["requirement_rows"] = T(
        "requirement_rows",
        md,
        run_fk(),
        C("queue", txt(100), primary_key=True),
        C("ds", ts, primary_key=True),
        C("agents_required", num),
        C("agents_required_gross", sa.Integer, nullable=False),
        C("service_level", num),
        C("asa_seconds", num),
        C("occupancy", num),
        C("abandon_rate", num),
    )
    t["coverage_rows"] = T(
        "coverage_rows",
        md,
        run_fk(),
        C("queue", txt(100), primary_key=True),
        C("ds", ts, primary_key=True),
        C("forecast", num),
        C("aht_seconds", num),
        C("required", num),
        C("scheduled", num),
        C("gap", num),
        C("service_level", num),
        C("asa_seconds", num),
        C("occupancy", num),
        C("abandon_rate", num),
    )
    t["kpis"] = T(
        "kpis",
        md,
        run_fk(),
        C("queue", txt(100), primary_key=True),
        C("date", sa.Date, primary_key=True),
        C("forecast_volume", num),
        C("required_agent_hours", num),
        C("scheduled_agent_hours", num),
        C("short_intervals", sa.Integer),
        C("service_level", num),  # predicted, weighted by forecast volume
    )
    t["agents"] = T(
        "agents",
        md,
        run_fk(),
        C("employee_id", txt(100), primary_key=True),
        C("name", sa.Text),
        C("team", sa.Text),
        C("role", txt(40)),
        C("skills", sa.Text),
    )
    t["roster_activities"] = T(
        "roster_activities",
        md,
        run_fk(),
        C("seq", sa.Integer, primary_key=True, autoincrement=False),  # row order of roster.csv
        C("employee_id", txt(100), nullable=False),
        C("date", sa.Date, nullable=False),
        C("activity", txt(20), nullable=False),
        C("start", ts, nullable=False),
        C("end", ts, nullable=False),
        C("minutes", sa.Integer, nullable=False),
        C("paid", sa.Boolean, nullable=False),
        C("queue", txt(100)),
        C("shift_code", txt(20)),
    )
    t["agent_days"] = T(
        "agent_days",
        md,
        run_fk(),
        C("employee_id", txt(100), primary_key=True),
        C("date", sa.Date, primary_key=True),
        C("shift_code", txt(20), nullable=False),  # a shift code, OFF or LEAVE
        C("family", txt(10)),  # early | day | late | night; NULL on days without a shift
        C("worked", sa.Boolean, nullable=False),
        C("weekend", sa.Boolean, nullable=False),
        C("holiday", sa.Boolean, nullable=False),  # a public holiday of the scenario's country
        sa.Index("ix_agent_days_employee_date", "employee_id", "date"),
    )
    t["actuals_imports"] = T(
        "actuals_imports",
        md,
        C("id", sa.Integer, primary_key=True, autoincrement=True),
        C("source", sa.Text, nullable=False),
        C("sha256", txt(64), nullable=False),
        C("rows", sa.Integer, nullable=False),
        C("timezone", txt(64)),
        C("imported_at", ts, nullable=False),
    )
    t["actuals"] = T(
        "actuals",
        md,
        C("queue", txt(100), primary_key=True),
        C("interval_start", ts, primary_key=True),
        C("offered", num, nullable=False),
        C("aht_seconds", num),
        C("answered", num),
        C("abandoned", num),
        C("answered_within_threshold", num),
        C("import_id", sa.Integer, F("actuals_imports.id"), nullable=False),
    )
    return t


def _migrate_1(conn: Connection) -> None:
    md = sa.MetaData()
    _schema_v1(md)
    md.create_all(conn)


Migration = tuple[int, str, Callable[[Connection], None]]
MIGRATIONS: tuple[Migration, ...] = (
    (
        1,
        "runs, live history, forecast, requirements, coverage, KPIs, agents, roster, agent days, actuals",
        _migrate_1,
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]

_METADATA = sa.MetaData()
TABLES = _schema_v1(_METADATA)  # the live tables (schema version 1)
runs_t, live_t, version_t = TABLES["runs"], TABLES["live"], TABLES["schema_version"]
RUN_DATA_TABLES = (
    "forecast_rows",
    "requirement_rows",
    "coverage_rows",
    "kpis",
    "agents",
    "roster_activities",
    "agent_days",
)


def schema_version(conn: Connection) -> int:
    """The version the database is at: 0 for an empty database."""
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    return int(conn.execute(sa.select(sa.func.max(version_t.c.version))).scalar() or 0)


def migrate(engine: Engine, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply every pending migration in order, all in one transaction; returns the version reached.

    Raises :class:`StoreError` when the database is newer than ``migrations`` know.
    """
    latest = migrations[-1][0] if migrations else 0
    try:
        return _apply_migrations(engine, migrations, latest)
    except (sa.exc.OperationalError, sa.exc.IntegrityError, sa.exc.ProgrammingError):
        # another process may have migrated the same database at the same moment: fine if it got there
        with engine.connect() as conn:
            if schema_version(conn) == latest:
                return latest
        raise


def _apply_migrations(engine: Engine, migrations: Sequence[Migration], latest: int) -> int:
    with engine.begin() as conn:
        current = schema_version(conn)
        if current > latest:
            raise StoreError(
                f"{display_url(engine)}: the store is at schema version {current}, newer than this wfm "
                f"understands ({latest}); upgrade wfm"
            )
        for version, description, apply in migrations:
            if version <= current:
                continue
            log.info("store: migrating to schema version %d (%s)", version, description)
            apply(conn)
            conn.execute(
                version_t.insert().values(version=version, description=description, applied_at=_utcnow())
            )
        return max(current, latest)


# ---------------------------------------------------------------------------
# Opening a store
# ---------------------------------------------------------------------------
def resolve_url(db: str | os.PathLike | None = None) -> str:
    """The store's SQLAlchemy URL: ``db``, else ``$WFM_DB``, else ``outputs/wfm.db``.

    A plain file path means SQLite.

    >>> resolve_url("postgresql+psycopg://wfm@dbhost/wfm")
    'postgresql+psycopg://wfm@dbhost/wfm'
    >>> resolve_url("/data/plans.db")
    'sqlite:////data/plans.db'
    """
    value = str(db) if db is not None else os.environ.get(ENV_VAR) or str(DEFAULT_DB)
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().absolute()}"


def display_url(engine_or_url: Engine | str) -> str:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else sa.make_url(engine_or_url)
    return url.render_as_string(hide_password=True)


def open_store(db: str | os.PathLike | Engine | None = None, *, create: bool = True) -> Engine:
    """An engine on the store at ``db`` (see :func:`resolve_url`), migrated to the current schema.

    A SQLite file (and its folder) is created when missing; with
    ``create=False`` a missing SQLite file raises :class:`StoreError` instead.
    """
    if isinstance(db, Engine):
        return db
    url = resolve_url(db)
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise StoreError(
            f"--db '{url}' is not a database URL; write e.g. sqlite:///outputs/wfm.db or "
            "postgresql+psycopg://user@host/wfm"
        ) from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if not path.exists():
            if not create:
                raise StoreError(f"{path}: no plan store here yet; publish a run first (wfm publish RUN_DIR)")
            path.parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = sa.create_engine(parsed)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
        raise StoreError(
            f"{display_url(url)}: cannot open the store ({exc}); install the database driver"
        ) from None
    if engine.dialect.name == "sqlite":
        _sqlite_setup(engine)
    try:
        migrate(engine)
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        raise StoreError(f"{display_url(engine)}: cannot open the store ({exc.orig})") from None
    return engine


@contextlib.contextmanager
def _store(db: str | os.PathLike | Engine | None, *, create: bool = True) -> Iterator[Engine]:
    """:func:`open_store` for one operation; an engine opened here is disposed of afterwards."""
    engine = open_store(db, create=create)
    try:
        yield engine
    finally:
        if not isinstance(db, Engine):
            engine.dispose()


def _sqlite_setup(engine: Engine) -> None:
    """Foreign keys on, and transactions that include DDL (pysqlite would commit before a CREATE TABLE)."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):  # noqa: ANN001
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA busy_timeout = 10000")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):  # noqa: ANN001
        conn.exec_driver_sql("BEGIN")


def store_exists(db: str | os.PathLike | Engine | None = None) -> bool:
    """False for a SQLite file that does not exist yet (reading it would create it); True otherwise."""
    if isinstance(db, Engine):
        return True
    url = sa.make_url(resolve_url(db))
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).exists()
    return True


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


# ---------------------------------------------------------------------------
# Frames in and out (UTC naive in the database, zone-aware in pandas)
# ---------------------------------------------------------------------------
def _to_utc_naive(values: pd.Series) -> list[dt.datetime | None]:
    ts = pd.DatetimeIndex(values)
    if ts.tz is None:
        raise ValueError("timestamps without a time zone cannot be stored")  # a bug: stages are tz-aware
    return [None if pd.isna(t) else t.to_pydatetime() for t in ts.tz_convert("UTC").tz_localize(None)]


def _records(frame: pd.DataFrame, timestamps: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Rows as plain Python values (NaN -> NULL, numpy scalars -> Python, timestamps -> naive UTC)."""
    cols: dict[str, list[Any]] = {}
    for c in frame.columns:
        if c in timestamps:
            cols[c] = _to_utc_naive(frame[c])
            continue
        s = frame[c]
        if pd.api.types.is_bool_dtype(s):
            cols[c] = [bool(v) for v in s]
        elif pd.api.types.is_integer_dtype(s):
            cols[c] = [int(v) for v in s]
        elif pd.api.types.is_float_dtype(s):
            cols[c] = [float(v) if np.isfinite(v) else None for v in s.to_numpy(float)]
        else:
            cols[c] = [None if v is None or (isinstance(v, float) and not np.isfinite(v)) else v for v in s]
    names = list(cols)
    return [dict(zip(names, row, strict=True)) for row in zip(*cols.values(), strict=True)]


def _insert_frame(
    conn: Connection, table: str, frame: pd.DataFrame, *, timestamps: Iterable[str] = (), **constant: Any
) -> int:
    """Bulk-insert ``frame`` (columns named as the table's) into ``table``; returns the rows inserted."""
    if frame.empty:
        return 0
    rows = _records(frame, timestamps)
    if constant:
        for r in rows:
            r.update(constant)
    conn.execute(TABLES[table].insert(), rows)
    return len(rows)


def _frame(
    conn: Connection, stmt: sa.Select, *, tz: str | None = None, timestamps: Iterable[str] = ()
) -> pd.DataFrame:
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    for c in timestamps:
        ts = (
            pd.to_datetime(frame[c])
            if len(frame)
            else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
        )
        ts = ts.dt.tz_localize("UTC")
        frame[c] = ts.dt.tz_convert(tz) if tz else ts
    return frame


# ---------------------------------------------------------------------------
# Reading a run folder
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RunRecord:
    """A finished run folder, read and typed, ready to publish.

    ``scenario`` is rebuilt from the run's own ``scenario.toml`` (the
    workbook's Settings sheet): horizon, queues, shifts, shrinkage, without
    agents or history.  Frames are typed stage frames (tz-aware ``ds``).
    """

    folder: Path
    run_key: str
    summary: dict[str, Any]
    scenario: S.Scenario
    scenario_toml: str
    file_hashes: dict[str, str]
    forecast: pd.DataFrame
    requirements: pd.DataFrame
    coverage: pd.DataFrame
    activities: pd.DataFrame
    agents: pd.DataFrame


def scenario_from_toml(text: str, name: str, source: str = "scenario.toml") -> S.Scenario:
    """A :class:`~wfm.schema.Scenario` named ``name`` from scenario.toml text alone (no agents, no history).

    Enough to type a run's stage files and to re-run staffing; raises
    ``InputError`` naming ``source`` when the text is not a valid scenario.toml.
    """
    from wfm.validate import _Problems, parse_scenario_toml

    problems = _Problems()
    parsed = parse_scenario_toml(text, problems)
    if problems or parsed is None or parsed.get("horizon") is None:
        lines = problems.finish() or ["no [horizon]"]
        raise S.InputError([f"{source}: {line}" for line in lines])
    return S.Scenario(
        name=name,
        horizon=parsed["horizon"],
        queues=tuple(parsed["queues"]),
        shifts=tuple(parsed["shifts"]),
        rules=parsed["rules"],
        shrinkage=parsed["shrinkage"],
        solver=parsed["solver"],
        weights=parsed["weights"],
        agents=(),
        time_off=(),
        history=pd.DataFrame(columns=list(S.HISTORY_REQUIRED)),
        contracts=parsed["contracts"],
        break_rules=parsed["break_rules"],
        country=parsed.get("country"),
        raw_toml=text,
    )


def _workbook_sheets(
    folder: Path, names: tuple[str, ...] = ("Settings", "Fairness")
) -> dict[str, list[tuple]]:
    """Rows (values only, header first) of the run workbook's sheets ``names``; {} without a workbook.

    One read of the workbook: openpyxl scans every sheet of a write-only-made file on load, which is
    most of a publish's time for a month-size roster.
    """
    from openpyxl import load_workbook

    from wfm.export import WORKBOOK_NAME

    book = folder / WORKBOOK_NAME
    if not book.is_file():
        return {}
    try:
        wb = load_workbook(book, read_only=True, data_only=True)
        try:
            return {n: list(wb[n].iter_rows(values_only=True)) for n in names if n in wb.sheetnames}
        finally:
            wb.close()
    except Exception as exc:  # openpyxl raises many types for broken files
        raise S.InputError(f"{book}: cannot be read ({type(exc).__name__}: {exc})") from None


def _run_toml(folder: Path, summary: dict[str, Any], sheets: dict[str, list[tuple]]) -> tuple[str, str]:
    """The scenario.toml the run used: the workbook's Settings sheet, else the scenario folder's file."""
    from wfm.export import WORKBOOK_NAME

    if "Settings" in sheets:
        lines = ["" if r[0] is None else str(r[0]) for r in sheets["Settings"][1:] if r]
        return "\n".join(lines) + "\n", f"{WORKBOOK_NAME} Settings"
    scenario_dir = summary.get("scenario_dir")
    if scenario_dir and (Path(scenario_dir) / "scenario.toml").is_file():
        path = Path(scenario_dir) / "scenario.toml"
        return path.read_text(encoding="utf-8-sig"), str(path)
    raise S.InputError(
        f"{folder}: has neither {WORKBOOK_NAME} (its Settings sheet holds the run's scenario.toml) "
        "nor a readable scenario folder in summary.json; publish a complete run folder"
    )


def _agents_of_run(sheets: dict[str, list[tuple]], activities: pd.DataFrame) -> pd.DataFrame:
    """Names, teams, roles and skills from the workbook's Fairness sheet (ids alone when it is missing)."""
    cols = [S.EMPLOYEE_ID, S.NAME, S.TEAM, S.ROLE, S.SKILLS]
    rows = sheets.get("Fairness") or []
    if rows and S.EMPLOYEE_ID in rows[0]:
        header = [str(h) for h in rows[0]]
        at = {c: header.index(c) for c in cols if c in header}
        data = [
            {c: (None if r[k] is None else str(r[k])) for c, k in at.items()}
            for r in rows[1:]
            if r and r[at[S.EMPLOYEE_ID]] not in (None, "")
        ]
        out = pd.DataFrame(data, columns=cols)
        return out.drop_duplicates(S.EMPLOYEE_ID).reset_index(drop=True)
    ids = sorted(activities[S.EMPLOYEE_ID].unique())
    return pd.DataFrame({S.EMPLOYEE_ID: ids, S.NAME: None, S.TEAM: None, S.ROLE: None, S.SKILLS: None})


def _parse_coverage(frame: pd.DataFrame, scenario: S.Scenario, name: str = "coverage.csv") -> pd.DataFrame:
    from wfm.validate import _Problems, parse_local_timestamps

    problems = _Problems()
    out = pd.DataFrame({S.QUEUE: frame[S.QUEUE].str.strip()})
    out[S.DS] = parse_local_timestamps(frame[S.DS], scenario.horizon.timezone, name, S.DS, problems)
    for c in [c for c in S.COVERAGE_COLUMNS if c not in (S.QUEUE, S.DS)] + [S.ABANDON_RATE]:
        text = frame[c].str.strip() if c in frame else pd.Series("", index=frame.index)
        num = pd.to_numeric(text.where(text != "", None), errors="coerce")
        for i in frame.index[num.isna() & (text != "")][:20]:
            problems.add(f"{name} row {i + 2}: {c} '{frame[c][i]}' is not a number")
        out[c] = num.astype(float)
    if problems:
        raise S.InputError(problems.finish())
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_key(summary: Mapping[str, Any], file_hashes: Mapping[str, str]) -> str:
    """The identity of a run: scenario, horizon, input file hashes and output file hashes (sha256 hex)."""
    ident = {
        "scenario": summary.get("scenario"),
        "horizon": [str(summary.get("horizon_start")), str(summary.get("horizon_end"))],
        "inputs": dict(sorted((summary.get("input_sha256") or {}).items())),
        "outputs": {k: file_hashes[k] for k in sorted(file_hashes) if k != "summary.json"},
    }
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()


def run_identity(run_dir: str | os.PathLike) -> tuple[dict[str, Any], dict[str, str], str]:
    """``(summary, file_hashes, run_key)`` of a run folder, cheaply (no stage file is parsed).

    Raises ``InputError`` for a folder that is not a finished run.
    """
    folder = Path(run_dir)
    if not folder.is_dir():
        raise S.InputError(f"{folder}: not a run folder (it does not exist or is a file)")
    missing = [n for n in RUN_FILES if not (folder / n).is_file()]
    if missing:
        raise S.InputError(
            f"{folder}: missing {', '.join(missing)}; publish the folder of a finished wfm run"
        )
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise S.InputError(f"{folder / 'summary.json'}: not valid JSON ({exc})") from None
    if not isinstance(summary, dict):
        raise S.InputError(f"{folder / 'summary.json'}: is not a run summary (a JSON object)")
    for key in ("scenario", "horizon_start", "horizon_end", "timezone"):
        if not summary.get(key):
            raise S.InputError(
                f"{folder / 'summary.json'}: has no '{key}'; publish the folder of a finished wfm run"
            )
    file_hashes = {n: _sha256(folder / n) for n in RUN_FILES}
    return summary, file_hashes, run_key(summary, file_hashes)


def read_run(run_dir: str | os.PathLike) -> RunRecord:
    """Read and type a finished run folder; raises ``InputError`` naming the file and the problem."""
    from wfm.io import read_stage_csv
    from wfm.validate import parse_activities, parse_forecast, parse_requirements

    folder = Path(run_dir)
    summary, file_hashes, key = run_identity(folder)
    sheets = _workbook_sheets(folder)
    toml, toml_source = _run_toml(folder, summary, sheets)
    scenario = scenario_from_toml(toml, str(summary["scenario"]), toml_source)
    h = scenario.horizon
    if (str(h.start), str(h.end)) != (str(summary["horizon_start"]), str(summary["horizon_end"])):
        raise S.InputError(
            f"{folder}: summary.json's horizon {summary['horizon_start']} .. {summary['horizon_end']} "
            f"differs from its scenario.toml ({h.start} .. {h.end}); the folder was edited"
        )
    forecast = parse_forecast(read_stage_csv(folder / "forecast.csv", S.FORECAST_COLUMNS), scenario)
    requirements = parse_requirements(
        read_stage_csv(folder / "requirements.csv", (S.QUEUE, S.DS, S.AGENTS_REQUIRED_GROSS)), scenario
    )
    coverage = _parse_coverage(read_stage_csv(folder / "coverage.csv", S.COVERAGE_COLUMNS), scenario)
    activities = parse_activities(read_stage_csv(folder / "roster.csv", S.HR_IMPORT_REQUIRED), scenario)
    agents = _agents_of_run(sheets, activities)
    return RunRecord(
        folder=folder,
        run_key=key,
        summary=summary,
        scenario=scenario,
        scenario_toml=toml,
        file_hashes=file_hashes,
        forecast=forecast,
        requirements=requirements,
        coverage=coverage,
        activities=activities,
        agents=agents,
    )


def kpis_per_day(coverage: pd.DataFrame, interval_minutes: int) -> pd.DataFrame:
    """Per queue and local day: forecast volume, required and scheduled agent-hours, short intervals, predicted SL."""
    if coverage.empty:
        return pd.DataFrame(
            columns=[
                S.QUEUE,
                S.DATE,
                "forecast_volume",
                "required_agent_hours",
                "scheduled_agent_hours",
                "short_intervals",
                S.SERVICE_LEVEL,
            ]
        )
    hours = interval_minutes / 60
    cov = coverage.assign(**{S.DATE: coverage[S.DS].dt.date})
    sl = cov[S.SERVICE_LEVEL].astype(float)
    cov = cov.assign(
        _w=cov[S.FORECAST].where(sl.notna(), 0.0),
        _wsl=(sl.fillna(0) * cov[S.FORECAST]),
        _short=(cov[S.SCHEDULED] < cov[S.REQUIRED] - 1e-9).astype(int),
    )
    g = cov.groupby([S.QUEUE, S.DATE], as_index=False).agg(
        forecast_volume=(S.FORECAST, "sum"),
        required=(S.REQUIRED, "sum"),
        scheduled=(S.SCHEDULED, "sum"),
        short_intervals=("_short", "sum"),
        _w=("_w", "sum"),
        _wsl=("_wsl", "sum"),
    )
    g["required_agent_hours"] = g.pop("required") * hours
    g["scheduled_agent_hours"] = g.pop("scheduled") * hours
    g[S.SERVICE_LEVEL] = np.where(g["_w"] > 0, g["_wsl"] / g["_w"].where(g["_w"] > 0, 1), np.nan)
    return g.drop(columns=["_w", "_wsl"])[
        [
            S.QUEUE,
            S.DATE,
            "forecast_volume",
            "required_agent_hours",
            "scheduled_agent_hours",
            "short_intervals",
            S.SERVICE_LEVEL,
        ]
    ]


def agent_days(scenario: S.Scenario, activities: pd.DataFrame) -> pd.DataFrame:
    """One row per agent and day of a roster: the day's code, its shift family, and weekend / holiday flags.

    Holidays are the public holidays of the scenario's ``country`` (the
    calendar the forecast uses).  These rows are what :func:`previous_burden`
    counts.
    """
    from wfm.roster.shifts import shift_family

    families = {s.code: shift_family(s) for s in scenario.shifts}
    day_rows = activities[activities[S.ACTIVITY].isin(["SHIFT", S.WORK_CODE_OFF, S.WORK_CODE_LEAVE])]
    # one row per agent-day: a SHIFT wins over an OFF/LEAVE row of the same day
    day_rows = (
        day_rows.assign(_rank=(day_rows[S.ACTIVITY] != "SHIFT").astype(int))
        .sort_values([S.EMPLOYEE_ID, S.DATE, "_rank"], kind="stable")
        .drop_duplicates([S.EMPLOYEE_ID, S.DATE])
    )
    worked = day_rows[S.ACTIVITY] == "SHIFT"
    code = np.where(worked, day_rows[S.SHIFT_CODE].fillna(""), day_rows[S.ACTIVITY])
    holidays = _holidays(scenario.country, day_rows[S.DATE])
    return pd.DataFrame(
        {
            S.EMPLOYEE_ID: day_rows[S.EMPLOYEE_ID].to_numpy(),
            S.DATE: day_rows[S.DATE].to_numpy(),
            S.SHIFT_CODE: code,
            "family": [families.get(c) if w else None for c, w in zip(code, worked, strict=True)],
            "worked": worked.to_numpy(),
            "weekend": [d.weekday() >= 5 for d in day_rows[S.DATE]],
            "holiday": [d in holidays for d in day_rows[S.DATE]],
        }
    )


def _holidays(country: str | None, days: Iterable[dt.date]) -> set[dt.date]:
    days = list(days)
    if not country or not days:
        return set()
    import holidays as hol

    years = sorted({d.year for d in days})
    try:
        return set(hol.country_holidays(country, years=years).keys())
    except NotImplementedError:
        return set()


# ---------------------------------------------------------------------------
# Publishing
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PublishResult:
    """``created`` is False when the run was already in the store (nothing changed)."""

    run_id: int
    created: bool
    scenario: str
    horizon_start: dt.date
    horizon_end: dt.date
    superseded: int | None = None  # the run that was live before, now superseded
    superseded_by: int | None = None  # for a run already published and since superseded


def publish(
    run_dir: str | os.PathLike,
    db: str | os.PathLike | Engine | None = None,
    *,
    now: dt.datetime | None = None,
) -> PublishResult:
    """Record a finished run folder in the store and make it the live plan of its scenario and horizon.

    One transaction: on any failure the store is left exactly as it was.
    Publishing a run already in the store (same :func:`run_key`) changes
    nothing.  ``now`` (naive UTC) is the publish time; by default the clock's.
    """
    _, _, key = run_identity(run_dir)
    if store_exists(db):
        with _store(db) as engine, engine.connect() as conn:
            existing = _existing(conn, key)
        if existing is not None:
            return existing  # already published: nothing to read, nothing to change
    record = read_run(run_dir)  # every file checked before the store is touched
    with _store(db) as engine:
        return _publish(engine, record, now or _utcnow())


def _existing(conn: Connection, key: str) -> PublishResult | None:
    row = conn.execute(sa.select(runs_t).where(runs_t.c.run_key == key)).mappings().first()
    if row is None:
        return None
    return PublishResult(
        row["id"],
        False,
        row["scenario"],
        row["horizon_start"],
        row["horizon_end"],
        superseded_by=row["superseded_by"],
    )


def _publish(engine: Engine, rec: RunRecord, now: dt.datetime) -> PublishResult:
    sc, h, s = rec.scenario, rec.scenario.horizon, rec.summary
    try:
        with engine.begin() as conn:
            existing = _existing(conn, rec.run_key)
            if existing is not None:
                return existing
            run_id = conn.execute(
                runs_t.insert().values(
                    run_key=rec.run_key,
                    scenario=sc.name,
                    horizon_start=h.start,
                    horizon_end=h.end,
                    interval_minutes=h.interval_minutes,
                    timezone=h.timezone,
                    country=sc.country,
                    run_folder=str(rec.folder.resolve()),
                    run_started=s.get("run_started"),
                    published_at=now,
                    seed=s.get("seed"),
                    status=s.get("solver_status"),
                    objective=_finite(s.get("objective")),
                    bound=_finite(s.get("bound")),
                    gap=_finite(s.get("gap")),
                    wfm_version=s.get("wfm_version"),
                    input_hashes=s.get("input_sha256") or {},
                    file_hashes=rec.file_hashes,
                    summary=json.loads(json.dumps(_nan_free(s), allow_nan=False, default=str)),
                    scenario_toml=rec.scenario_toml,
                )
            ).inserted_primary_key[0]
            ts = (S.DS,)
            _insert_frame(
                conn, "forecast_rows", rec.forecast[list(S.FORECAST_COLUMNS)], timestamps=ts, run_id=run_id
            )
            req_cols = [
                c
                for c in (
                    S.QUEUE,
                    S.DS,
                    S.AGENTS_REQUIRED,
                    S.AGENTS_REQUIRED_GROSS,
                    S.SERVICE_LEVEL,
                    S.ASA_SECONDS,
                    S.OCCUPANCY,
                    S.ABANDON_RATE,
                )
                if c in rec.requirements
            ]
            _insert_frame(conn, "requirement_rows", rec.requirements[req_cols], timestamps=ts, run_id=run_id)
            _insert_frame(conn, "coverage_rows", rec.coverage, timestamps=ts, run_id=run_id)
            _insert_frame(conn, "kpis", kpis_per_day(rec.coverage, h.interval_minutes), run_id=run_id)
            _insert_frame(conn, "agents", rec.agents, run_id=run_id)
            acts = rec.activities.reset_index(drop=True)
            _insert_frame(
                conn,
                "roster_activities",
                acts.assign(seq=np.arange(len(acts))),
                timestamps=(S.START, S.END),
                run_id=run_id,
            )
            _insert_frame(conn, "agent_days", agent_days(sc, rec.activities), run_id=run_id)
            previous = _make_live(conn, run_id, sc.name, h.start, h.end, now)
            return PublishResult(run_id, True, sc.name, h.start, h.end, superseded=previous)
    except sa.exc.IntegrityError:
        # another publish of the same run won the race: report it, as a repeated publish would
        with engine.connect() as conn:
            existing = _existing(conn, rec.run_key)
        if existing is None:
            raise
        return existing


def _finite(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def _nan_free(obj: Any) -> Any:
    """JSON-able copy with NaN/infinity as null (JSON has neither)."""
    if isinstance(obj, dict):
        return {str(k): _nan_free(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_nan_free(v) for v in obj]
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def _make_live(
    conn: Connection, run_id: int, scenario: str, start: dt.date, end: dt.date, now: dt.datetime
) -> int | None:
    """Close the live period of the plan for this scenario and horizon, if any, and open ``run_id``'s."""
    same = (live_t.c.scenario == scenario) & (live_t.c.horizon_start == start) & (live_t.c.horizon_end == end)
    current = conn.execute(
        sa.select(live_t.c.id, live_t.c.run_id).where(same & live_t.c.live_until.is_(None))
    ).first()
    previous = None
    if current is not None:
        previous = current.run_id
        conn.execute(live_t.update().where(live_t.c.id == current.id).values(live_until=now))
        conn.execute(runs_t.update().where(runs_t.c.id == previous).values(superseded_by=run_id))
    conn.execute(
        live_t.insert().values(
            scenario=scenario,
            horizon_start=start,
            horizon_end=end,
            run_id=run_id,
            live_from=now,
            live_until=None,
        )
    )
    return previous


def live_history(db: str | os.PathLike | Engine | None = None, scenario: str | None = None) -> pd.DataFrame:
    """Which run was live for which scenario and horizon, from when until when (``live_until`` empty: live now)."""
    stmt = (
        sa.select(
            live_t.c.scenario,
            live_t.c.horizon_start,
            live_t.c.horizon_end,
            live_t.c.run_id,
            live_t.c.live_from,
            live_t.c.live_until,
            runs_t.c.run_folder,
            runs_t.c.superseded_by,
        )
        .join(runs_t, runs_t.c.id == live_t.c.run_id)
        .order_by(live_t.c.id)
    )
    if scenario is not None:
        stmt = stmt.where(live_t.c.scenario == scenario)
    with _store(db, create=False) as engine, engine.connect() as conn:
        return _frame(conn, stmt)


def _live_runs(conn: Connection, start: dt.date, end: dt.date, scenario: str | None) -> pd.DataFrame:
    """Live runs whose horizon overlaps ``start .. end``, most recently published first."""
    stmt = (
        sa.select(
            runs_t.c.id,
            runs_t.c.scenario,
            runs_t.c.horizon_start,
            runs_t.c.horizon_end,
            runs_t.c.timezone,
            runs_t.c.interval_minutes,
            runs_t.c.published_at,
            runs_t.c.scenario_toml,
            runs_t.c.run_folder,
        )
        .join(live_t, live_t.c.run_id == runs_t.c.id)
        .where(live_t.c.live_until.is_(None), runs_t.c.horizon_start <= end, runs_t.c.horizon_end >= start)
        .order_by(runs_t.c.published_at.desc(), runs_t.c.id.desc())
    )
    if scenario is not None:
        stmt = stmt.where(runs_t.c.scenario == scenario)
    return _frame(conn, stmt)


def _day_owner(runs: pd.DataFrame, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    """For each day, the live run that speaks for it: the one published last whose horizon covers it."""
    owner: dict[dt.date, int] = {}
    day = start
    while day <= end:
        for r in runs.itertuples(index=False):
            if r.horizon_start <= day <= r.horizon_end:
                owner[day] = int(r.id)
                break
        day += dt.timedelta(days=1)
    return owner


# ---------------------------------------------------------------------------
# The live plan, read back
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanPart:
    """The days ``days`` of one live run: its scenario (from its scenario.toml) and its stage frames."""

    run_id: int
    scenario: S.Scenario
    days: tuple[dt.date, ...]
    forecast: pd.DataFrame
    requirements: pd.DataFrame
    coverage: pd.DataFrame


def live_plan(
    db: str | os.PathLike | Engine | None, start: dt.date, end: dt.date, scenario: str | None = None
) -> list[PlanPart]:
    """The live plan for ``start .. end`` (inclusive local dates), one part per run that speaks for some days.

    Raises :class:`StoreError` when no live plan covers any day, or when
    several scenarios have live plans then and ``scenario`` does not choose.
    """
    with _store(db, create=False) as engine, engine.connect() as conn:
        runs = _live_runs(conn, start, end, scenario)
        if runs.empty:
            which = f" of scenario '{scenario}'" if scenario else ""
            raise StoreError(
                f"no live plan{which} covers {start} .. {end}; publish the run first (wfm publish)"
            )
        names = sorted(runs["scenario"].unique())
        if len(names) > 1:
            raise StoreError(
                f"live plans of several scenarios cover {start} .. {end} ({', '.join(names)}); "
                "choose one with --scenario"
            )
        owner = _day_owner(runs, start, end)
        parts = []
        for r in runs.itertuples(index=False):
            days = tuple(sorted(d for d, rid in owner.items() if rid == r.id))
            if not days:
                continue
            sc = scenario_from_toml(r.scenario_toml, r.scenario, f"run {r.id} scenario.toml")
            tz = r.timezone
            lo, hi = _utc_bounds(days[0], days[-1], tz)
            frames = {}
            for name in ("forecast_rows", "requirement_rows", "coverage_rows"):
                t = TABLES[name]
                cols = [c for c in t.c if c.name != "run_id"]
                stmt = (
                    sa.select(*cols)
                    .where(t.c.run_id == r.id, t.c.ds >= lo, t.c.ds < hi)
                    .order_by(t.c.queue, t.c.ds)
                )
                f = _frame(conn, stmt, tz=tz, timestamps=(S.DS,))
                frames[name] = f[f[S.DS].dt.date.isin(set(days))].reset_index(drop=True)
            parts.append(
                PlanPart(
                    int(r.id),
                    sc,
                    days,
                    frames["forecast_rows"],
                    frames["requirement_rows"],
                    frames["coverage_rows"],
                )
            )
    return sorted(parts, key=lambda p: p.days[0])


def _utc_bounds(first: dt.date, last: dt.date, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """Naive UTC instants bounding the local days ``first .. last`` (a day's slack for zones far from UTC)."""
    lo = pd.Timestamp(first).tz_localize(tz).tz_convert("UTC").tz_localize(None) - pd.Timedelta(days=1)
    hi = pd.Timestamp(last + dt.timedelta(days=1)).tz_localize(tz).tz_convert("UTC").tz_localize(
        None
    ) + pd.Timedelta(days=1)
    return lo.to_pydatetime(), hi.to_pydatetime()


# ---------------------------------------------------------------------------
# Actuals
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportResult:
    rows: int
    replaced: int  # intervals already in the store, now replaced
    queues: tuple[str, ...]
    first: pd.Timestamp
    last: pd.Timestamp
    import_id: int


def parse_actuals(raw: pd.DataFrame, source: str, timezone: str | None = None) -> pd.DataFrame:
    """Validate actuals in the history.csv contract plus ``answered_within_threshold``; returns them typed.

    ``raw``: the file as an all-string frame.  Columns ``queue,
    interval_start, offered, aht_seconds`` and optionally ``answered,
    abandoned, answered_within_threshold`` (contacts).  ``timezone``: an IANA
    name for timestamps without a UTC offset; without it every
    ``interval_start`` must carry its offset.  Every bad row is reported,
    naming ``source`` and the row (header = row 1); raises ``InputError``.
    """
    from wfm.validate import _Problems, check_timezone_option, utc_offsets, validate_history

    problems = _Problems()
    if timezone is not None:
        check_timezone_option(timezone)
    if S.QUEUE in raw and S.INTERVAL_START in raw:
        for i in raw.index[raw[S.QUEUE].str.strip() == ""][:20]:
            problems.add(f"{source} row {i + 2}: queue is empty; name the queue of every row")
        for i in raw.index[~raw[S.QUEUE].str.strip().str.fullmatch(r"[A-Za-z0-9_\-]*")][:20]:
            problems.add(
                f"{source} row {i + 2}: queue '{raw[S.QUEUE][i]}' may use only letters, digits, '_' and '-'"
            )
        if timezone is None:
            text = raw[S.INTERVAL_START].str.strip()
            naive = utc_offsets(text).isna() & (text != "")
            for i in raw.index[naive][:1]:
                problems.add(
                    f"{source} row {i + 2}: interval_start '{text[i]}' has no UTC offset, so its time zone "
                    "is unknown; give it with --timezone, e.g. --timezone Asia/Shanghai"
                )
            if problems:
                raise S.InputError(problems.finish())
    tz = timezone or (_single_offset(raw[S.INTERVAL_START]) if S.INTERVAL_START in raw else "UTC")
    typed = validate_history(raw, [], tz, problems, name=source)
    awt = None
    if ANSWERED_WITHIN_THRESHOLD in raw:
        text = raw[ANSWERED_WITHIN_THRESHOLD].str.strip()
        awt = pd.to_numeric(text.where(text != "", None), errors="coerce")
        offered = pd.to_numeric(raw[S.OFFERED].str.strip(), errors="coerce")
        for i in raw.index[(awt.isna() & (text != "")) | ~np.isfinite(awt.fillna(0))][:20]:
            problems.add(
                f"{source} row {i + 2}: {ANSWERED_WITHIN_THRESHOLD} '{raw[ANSWERED_WITHIN_THRESHOLD][i]}' "
                "is not a number"
            )
        for i in raw.index[awt < 0][:20]:
            problems.add(f"{source} row {i + 2}: {ANSWERED_WITHIN_THRESHOLD} {text[i]} is negative")
        for i in raw.index[awt > offered][:20]:
            problems.add(
                f"{source} row {i + 2}: {ANSWERED_WITHIN_THRESHOLD} {text[i]} is more than offered "
                f"{raw[S.OFFERED][i].strip()}"
            )
        if S.ANSWERED in raw:
            answered = pd.to_numeric(raw[S.ANSWERED].str.strip(), errors="coerce")
            for i in raw.index[awt > answered][:20]:
                problems.add(
                    f"{source} row {i + 2}: {ANSWERED_WITHIN_THRESHOLD} {text[i]} is more than answered "
                    f"{raw[S.ANSWERED][i].strip()}"
                )
    if problems or typed is None:
        raise S.InputError(problems.finish() or [f"{source}: no usable rows"])
    keyed = typed.copy()
    if awt is not None:
        ts = _parse_ts(raw[S.INTERVAL_START], tz)
        extra = pd.DataFrame(
            {S.QUEUE: raw[S.QUEUE].str.strip(), S.INTERVAL_START: ts, ANSWERED_WITHIN_THRESHOLD: awt}
        )
        keyed = keyed.merge(extra, on=[S.QUEUE, S.INTERVAL_START], how="left")
    for c in ACTUALS_OPTIONAL:
        if c not in keyed:
            keyed[c] = np.nan
    return keyed[[S.QUEUE, S.INTERVAL_START, S.OFFERED, S.AHT_SECONDS, *ACTUALS_OPTIONAL]]


def _single_offset(values: pd.Series) -> str:
    """The one UTC offset every timestamp carries (``+08:00``), so times read back as written; else UTC."""
    from wfm.validate import utc_offsets

    found = set(utc_offsets(values).dropna())
    return found.pop() if len(found) == 1 and found != {"+00:00"} else "UTC"


def _parse_ts(values: pd.Series, tz: str) -> pd.Series:
    from wfm.validate import _Problems, parse_local_timestamps

    return parse_local_timestamps(values, tz, "", S.INTERVAL_START, _Problems())


def import_actuals(
    path: str | os.PathLike,
    db: str | os.PathLike | Engine | None = None,
    *,
    timezone: str | None = None,
    now: dt.datetime | None = None,
) -> ImportResult:
    """Load an actuals file into the store (one transaction); intervals already there are replaced.

    Bad rows refuse the whole file, naming the file and the row (``InputError``).
    """
    from wfm.io import read_stage_csv

    p = Path(path)
    raw = read_stage_csv(p, S.HISTORY_REQUIRED)
    if raw.empty:
        raise S.InputError(f"{p.name}: has a header but no rows")
    frame = parse_actuals(raw, p.name, timezone)
    with _store(db) as engine, engine.begin() as conn:
        import_id = conn.execute(
            TABLES["actuals_imports"]
            .insert()
            .values(
                source=str(p.resolve()),
                sha256=_sha256(p),
                rows=len(frame),
                timezone=timezone,
                imported_at=now or _utcnow(),
            )
        ).inserted_primary_key[0]
        a = TABLES["actuals"]
        keys = pd.DataFrame({S.QUEUE: frame[S.QUEUE], "t": _to_utc_naive(frame[S.INTERVAL_START])})
        replaced = 0
        for q, g in keys.groupby(S.QUEUE):
            lo, hi = min(g["t"]), max(g["t"])
            have = {
                r[0]
                for r in conn.execute(
                    sa.select(a.c.interval_start).where(
                        a.c.queue == q, a.c.interval_start >= lo, a.c.interval_start <= hi
                    )
                )
            }
            old = [t for t in g["t"] if t in have]
            if old:
                conn.execute(
                    a.delete().where(a.c.queue == sa.bindparam("q"), a.c.interval_start == sa.bindparam("t")),
                    [{"q": q, "t": t} for t in old],
                )
                replaced += len(old)
        _insert_frame(conn, "actuals", frame, timestamps=(S.INTERVAL_START,), import_id=import_id)
    ts = pd.DatetimeIndex(frame[S.INTERVAL_START])
    return ImportResult(
        len(frame), replaced, tuple(sorted(frame[S.QUEUE].unique())), ts.min(), ts.max(), int(import_id)
    )


def load_actuals(
    db: str | os.PathLike | Engine | None,
    tz: str,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    queues: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Actuals in the store (local days ``start .. end`` of ``tz`` when given), ``interval_start`` in ``tz``."""
    a = TABLES["actuals"]
    stmt = sa.select(
        a.c.queue,
        a.c.interval_start,
        a.c.offered,
        a.c.aht_seconds,
        a.c.answered,
        a.c.abandoned,
        a.c.answered_within_threshold,
    ).order_by(a.c.queue, a.c.interval_start)
    if start is not None and end is not None:
        lo, hi = _utc_bounds(start, end, tz)
        stmt = stmt.where(a.c.interval_start >= lo, a.c.interval_start < hi)
    if queues is not None:
        stmt = stmt.where(a.c.queue.in_(list(queues)))
    with _store(db, create=False) as engine, engine.connect() as conn:
        frame = _frame(conn, stmt, tz=tz, timestamps=(S.INTERVAL_START,))
    for c in (S.OFFERED, S.AHT_SECONDS, *ACTUALS_OPTIONAL):
        frame[c] = frame[c].astype(float)
    if start is not None and end is not None:
        days = frame[S.INTERVAL_START].dt.date
        frame = frame[(days >= start) & (days <= end)].reset_index(drop=True)
    return frame


def history_with_actuals(
    scenario: S.Scenario, db: str | os.PathLike | Engine | None = None, *, before: dt.date | None = None
) -> pd.DataFrame:
    """``scenario.history`` extended with the store's actuals of the scenario's queues before its horizon.

    Only intervals on local days before ``before`` (default: the horizon's
    start) are added: the forecast learns from the past, and actuals inside
    the planned month are for ``wfm review``.  Where both hold an interval,
    the imported actual wins (it is the later, corrected figure).  Columns are
    the history's (``answered``, ``abandoned`` kept when it has them);
    timestamps in the scenario's zone.  A SQLite store that does not exist
    yet adds nothing (and is not created).
    """
    extra = actuals_for_history(scenario, db, before=before)
    if extra.empty:
        return scenario.history
    return extend_history(scenario.history, extra)


def actuals_for_history(
    scenario: S.Scenario, db: str | os.PathLike | Engine | None = None, *, before: dt.date | None = None
) -> pd.DataFrame:
    """The rows :func:`history_with_actuals` adds: actuals of the scenario's queues on local days before ``before``.

    Columns are those of ``scenario.history`` that the actuals hold; empty
    when the store does not exist (it is not created) or holds none.
    """
    columns = list(scenario.history.columns)
    if not store_exists(db):
        return pd.DataFrame(columns=columns)
    cutoff = before or scenario.horizon.start
    actuals = load_actuals(db, scenario.horizon.timezone, queues=[q.name for q in scenario.queues])
    actuals = actuals[actuals[S.INTERVAL_START].dt.date < cutoff]
    return actuals[[c for c in columns if c in actuals.columns]].reset_index(drop=True)


def extend_history(history: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """``history`` with the rows of ``extra``; where both hold a (queue, interval_start), ``extra``'s row wins."""
    keep = ~pd.MultiIndex.from_frame(history[[S.QUEUE, S.INTERVAL_START]]).isin(
        pd.MultiIndex.from_frame(extra[[S.QUEUE, S.INTERVAL_START]])
    )
    out = pd.concat([history[keep], extra], ignore_index=True)
    return out.sort_values([S.QUEUE, S.INTERVAL_START], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------
# Fairness across months
# ---------------------------------------------------------------------------
def months_before(day: dt.date, months: int) -> dt.date:
    """``day`` moved back ``months`` calendar months (the day clipped to the month's length).

    >>> months_before(dt.date(2027, 1, 1), 3), months_before(dt.date(2027, 3, 31), 1)
    (datetime.date(2026, 10, 1), datetime.date(2027, 2, 28))
    """
    m = day.year * 12 + day.month - 1 - months
    y, mo = divmod(m, 12)
    return dt.date(y, mo + 1, min(day.day, calendar.monthrange(y, mo + 1)[1]))


def previous_burden(
    db: str | os.PathLike | Engine | None, employee_ids: Iterable[str], before: dt.date, months: int
) -> dict[str, dict[str, int]]:
    """Weekends, late shifts and holidays each agent worked in the live rosters of the ``months`` before ``before``.

    The window is ``months_before(before, months) .. before - 1 day``.  For
    each agent and day the live roster published last that covers the day
    speaks (as :func:`live_plan` does).  Counts, per agent:

    * ``weekends``: Saturday-Sunday weekends with a shift on either day (the
      roster's ``weekend_spread`` unit);
    * ``late_shifts``: shifts of family late or night (``late_spread``'s unit);
    * ``holidays``: shifts on a public holiday of the run's country.

    Every id asked for is in the result; an agent without published days has zeros.
    """
    ids = [str(e) for e in employee_ids]
    result = {e: {"weekends": 0, "late_shifts": 0, "holidays": 0} for e in ids}
    if months <= 0 or not ids:
        return result
    first, last = months_before(before, months), before - dt.timedelta(days=1)
    if not store_exists(db):
        return result
    ad = TABLES["agent_days"]
    stmt = (
        sa.select(
            ad.c.employee_id,
            ad.c.date,
            ad.c.worked,
            ad.c.weekend,
            ad.c.holiday,
            ad.c.family,
            runs_t.c.published_at,
            runs_t.c.id,
        )
        .join(runs_t, runs_t.c.id == ad.c.run_id)
        .join(live_t, live_t.c.run_id == runs_t.c.id)
        .where(live_t.c.live_until.is_(None), ad.c.date >= first, ad.c.date <= last)
    )
    frames = []
    with _store(db, create=False) as engine, engine.connect() as conn:
        for chunk in range(0, len(ids), 500):  # bounded IN lists
            frames.append(_frame(conn, stmt.where(ad.c.employee_id.in_(ids[chunk : chunk + 500]))))
    days = pd.concat(frames, ignore_index=True)
    if days.empty:
        return result
    days = days.sort_values(["published_at", "id"], ascending=False, kind="stable").drop_duplicates(
        [S.EMPLOYEE_ID, S.DATE]
    )
    worked = days[days["worked"].astype(bool)]
    for eid, g in worked.groupby(S.EMPLOYEE_ID):
        weekend_days = g.loc[g["weekend"].astype(bool), S.DATE]
        result[str(eid)] = {
            "weekends": len({d - dt.timedelta(days=d.weekday() - 5) for d in weekend_days}),
            "late_shifts": int(g["family"].isin(LATE_FAMILIES).sum()),
            "holidays": int(g["holiday"].astype(bool).sum()),
        }
    return result


def table_counts(db: str | os.PathLike | Engine | None = None) -> dict[str, int]:
    """Rows per table (for ``wfm publish``'s report and for tests)."""
    with _store(db, create=False) as engine, engine.connect() as conn:
        return {
            name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() or 0)
            for name, t in TABLES.items()
        }


__all__ = [
    "DEFAULT_DB",
    "ENV_VAR",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "ImportResult",
    "PlanPart",
    "PublishResult",
    "RunRecord",
    "StoreError",
    "actuals_for_history",
    "agent_days",
    "extend_history",
    "history_with_actuals",
    "import_actuals",
    "kpis_per_day",
    "live_history",
    "live_plan",
    "load_actuals",
    "migrate",
    "months_before",
    "open_store",
    "parse_actuals",
    "previous_burden",
    "publish",
    "read_run",
    "resolve_url",
    "run_key",
    "scenario_from_toml",
    "schema_version",
    "table_counts",
]
