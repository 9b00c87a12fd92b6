"""What-if overlays on a base scenario, and the fast staffing-only what-if.

An overlay is a list of assignments ``key.path = value`` applied to a loaded
:class:`~wfm.schema.Scenario`.  It comes from ``--set`` text on the command
line or from an overlay file ``inputs/<scenario>/whatif/<name>.toml`` that uses
the same key paths as TOML tables and keys, plus an optional ``name`` and
``description``.  See docs/whatif.md for every key.

How an overlay is checked.  The base scenario's ``scenario.toml`` document is
changed key by key and parsed again by :func:`wfm.validate.parse_scenario_toml`,
so an overlaid value meets exactly the types, ranges and cross-checks a value
written in scenario.toml meets (one set of rules, in validate.py).  Each
assignment is checked on its own, so a problem names the ``--set`` text or the
overlay file and key that caused it.  Queue names, shift codes, contract names
and the horizon cannot change: the agents, leave and history refer to them.

Shortcuts that are not scenario.toml keys:

* ``volume=+10%`` / ``aht=-5%`` (or ``volume.<queue>=...``): multiply the
  forecast's contacts (``yhat`` and its band) or handle time after
  forecasting, so one fitted forecast serves every overlay;
* ``headcount=-5``: leave out 5 agents, the last 5 by ``employee_id`` among
  the plain agents (role ``agent``), with their leave, requests and
  availability rows;
* ``cost.hourly_rate=60``: the hourly rate of agents without an
  ``hourly_rate`` in agents.csv;
* ``training.hours_per_agent=4``: every agent attends an extra course of that
  many hours (sessions of up to 2 hours, cohorts of 12, weekdays 09:00-18:00;
  :func:`extra_training`), placed by the roster like any course.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import logging
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from wfm import schema as S
from wfm.io import AGENTS_FILE, SCENARIO_FILE

log = logging.getLogger(__name__)

WHATIF_DIR = "whatif"  # overlay files: inputs/<scenario>/whatif/*.toml
HOURLY_RATE = "hourly_rate"  # optional agents.csv column, cost per paid hour
FAST_MODEL = "calendar_level"  # staffing-only default without a recorded choice: no prophet fit
BASE = "base"

_SECTIONS: dict[str, type] = {
    "rules": S.Rules,
    "shrinkage": S.Shrinkage,
    "solver": S.SolverSettings,
    "weights": S.Weights,
    "wellbeing": S.Wellbeing,
    "onboarding": S.Onboarding,
    "mentoring": S.Mentoring,
}
# [[array]] tables addressed by their identifying key: queues.<name>.<field>
_ARRAYS: dict[str, tuple[str, type]] = {
    "queues": ("name", S.Queue),
    "shifts": ("code", S.ShiftTemplate),
    "contracts": ("name", S.Contract),
}
_SHORTCUTS = ("volume", "aht", "headcount", "cost", "training")
_FIXED = {
    "horizon": "the horizon is fixed by the history and the leave files; copy the scenario folder to plan "
    "another period",
    "name": "an overlay's name is its `name` key (or the file name), not a scenario key",
}
_PERCENT = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*%$")
_FACTOR = re.compile(r"^[x×*]\s*(\d+(?:\.\d+)?)$")


# ---------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Assignment:
    """One ``key.path = value`` of an overlay; ``origin`` names where it came from, for errors."""

    key: str
    value: Any
    origin: str


@dataclass(frozen=True)
class Overlay:
    """A named list of assignments (an overlay file, or ``--set`` texts)."""

    name: str
    assignments: tuple[Assignment, ...]
    description: str = ""
    source: str = "--set"


@dataclass(frozen=True)
class WhatIf:
    """A scenario with its overlays applied, and the adjustments made after forecasting.

    ``volume`` / ``aht`` map a queue name (or ``"*"`` for every queue) to a
    multiplier.  ``dropped_agents``: the employee_ids ``headcount`` left out.
    ``hourly_rate``: the default rate per paid hour (``cost.hourly_rate``).
    ``training_hours_per_agent``: the extra course asked for (see :func:`extra_training`).
    """

    name: str
    scenario: S.Scenario = field(repr=False)
    description: str = ""
    volume: Mapping[str, float] = field(default_factory=dict)
    aht: Mapping[str, float] = field(default_factory=dict)
    dropped_agents: tuple[str, ...] = ()
    hourly_rate: float | None = None
    training_hours_per_agent: float | None = None
    changes: tuple[str, ...] = ()  # the assignments applied, as "key = value" text

    def factor(self, kind: str, queue: str) -> float:
        table = self.volume if kind == "volume" else self.aht
        return float(table.get(queue, table.get("*", 1.0)))


# ---------------------------------------------------------------------------
# Parsing --set texts and overlay files
# ---------------------------------------------------------------------------
def _value(text: str) -> Any:
    """A --set value as TOML (numbers, booleans, quoted strings, arrays); anything else is plain text."""
    text = text.strip()
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_set(text: str) -> Assignment:
    """``"queues.chat.service_level=0.9"`` -> Assignment.  Raises InputError without a ``key=value`` shape.

    >>> parse_set("volume=+10%").value
    '+10%'
    >>> parse_set("shrinkage.unplanned = 0.15").value
    0.15
    """
    origin = f"--set {text}"
    if "=" not in text:
        raise S.InputError(
            f"{origin}: write KEY=VALUE, e.g. --set volume=+10% or --set shrinkage.unplanned=0.15"
        )
    key, _, raw = text.partition("=")
    key = key.strip()
    if not key or not raw.strip():
        raise S.InputError(
            f"{origin}: write KEY=VALUE, e.g. --set volume=+10% or --set shrinkage.unplanned=0.15"
        )
    return Assignment(key, _value(raw), origin)


def overlay_from_sets(texts: Sequence[str], name: str | None = None) -> Overlay:
    """The ``--set`` texts as one overlay, named after them unless ``name`` is given."""
    assignments = tuple(parse_set(t) for t in texts)
    label = name or (", ".join(f"{a.key}={_show(a.value)}" for a in assignments) or BASE)
    return Overlay(label, assignments, source="--set")


def _flatten(table: Mapping[str, Any], prefix: str, out: list[tuple[str, Any]]) -> None:
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            _flatten(value, path, out)
        else:
            out.append((path, value))


def read_overlay(path: str | Path) -> Overlay:
    """An overlay file: scenario key paths as TOML tables and keys, plus optional ``name`` and ``description``.

    Raises :class:`~wfm.schema.InputError` naming the file for unreadable TOML.
    """
    p = Path(path)
    label = _label(p)
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise S.InputError(f"{label}: overlay file does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise S.InputError(f"{label}: not a readable TOML overlay ({exc})") from None
    name = doc.pop("name", p.stem)
    description = doc.pop("description", "")
    problems = []
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{label}: 'name' = {name!r} must be text")
    if not isinstance(description, str):
        problems.append(f"{label}: 'description' = {description!r} must be text")
    if problems:
        raise S.InputError(problems)
    pairs: list[tuple[str, Any]] = []
    _flatten(doc, "", pairs)
    assignments = tuple(Assignment(k, v, f"{label} key '{k}'") for k, v in pairs)
    return Overlay(name.strip(), assignments, description, source=label)


def overlay_files(directory: str | Path) -> list[Path]:
    """The overlay files of a scenario folder (``whatif/*.toml``), sorted by name."""
    d = Path(directory) / WHATIF_DIR
    return sorted(d.glob("*.toml")) if d.is_dir() else []


def _label(p: Path) -> str:
    return f"{p.parent.name}/{p.name}" if p.parent.name == WHATIF_DIR else str(p)


def _show(value: Any) -> str:
    return (
        json.dumps(value, ensure_ascii=False)
        if isinstance(value, str) and not _PERCENT.match(value)
        else (str(value) if not isinstance(value, bool) else str(value).lower())
    )


# ---------------------------------------------------------------------------
# Applying an overlay
# ---------------------------------------------------------------------------
def apply_overlays(base: S.Scenario, overlays: Sequence[Overlay], name: str | None = None) -> WhatIf:
    """``base`` with ``overlays`` applied in order (a later assignment to the same key wins).

    Every assignment is checked before anything runs; raises
    :class:`~wfm.schema.InputError` listing every bad one, each naming its
    ``--set`` text or overlay file and key, and what is allowed.
    """
    if not base.raw_toml:
        raise S.InputError("what-if overlays need a scenario read from a folder (scenario.toml)")
    doc = tomllib.loads(base.raw_toml)
    state: dict[str, Any] = {"volume": {}, "aht": {}, "headcount": 0, "hourly_rate": None, "training": None}
    problems: list[str] = []
    changes: list[str] = []
    parsed = None
    for overlay in overlays:
        for a in overlay.assignments:
            try:
                trial = _assign(doc, state, a, base)
                if trial is not None:
                    parsed = _reparse(trial, a.origin)
                    doc = trial
                changes.append(f"{a.key} = {_show(a.value)}")
            except S.InputError as exc:
                problems.extend(exc.problems)
    if problems:
        raise S.InputError(problems)
    scenario = base
    if parsed is not None:
        scenario = dataclasses.replace(
            base,
            queues=tuple(parsed["queues"]),
            shifts=tuple(parsed["shifts"]),
            rules=parsed["rules"],
            contracts=parsed["contracts"],
            shrinkage=parsed["shrinkage"],
            solver=parsed["solver"],
            weights=parsed["weights"],
            break_rules=tuple(parsed.get("break_rules", base.break_rules)),
            wellbeing=parsed["activities"]["wellbeing"],
            onboarding=parsed["activities"]["onboarding"],
            mentoring=parsed["activities"]["mentoring"],
            country=parsed.get("country"),
            raw_toml=_dumps(doc),
        )
    dropped: tuple[str, ...] = ()
    if state["headcount"]:
        scenario, dropped = drop_agents(scenario, -state["headcount"])
    if state["training"]:
        scenario = dataclasses.replace(
            scenario, courses=scenario.courses + (extra_training(state["training"]),)
        )
    label = name or ("+".join(o.name for o in overlays) if overlays else BASE)
    scenario = dataclasses.replace(scenario, name=label)
    return WhatIf(
        name=label,
        scenario=scenario,
        description="; ".join(o.description for o in overlays if o.description),
        volume=dict(state["volume"]),
        aht=dict(state["aht"]),
        dropped_agents=dropped,
        hourly_rate=state["hourly_rate"],
        training_hours_per_agent=state["training"],
        changes=tuple(changes),
    )


EXTRA_TRAINING = "Extra training (what-if)"
SESSION_HOURS = 2.0  # an extra-training what-if is split into sessions of at most this long


def extra_training(hours_per_agent: float) -> S.Course:
    """The course a ``training.hours_per_agent`` what-if adds: every agent, sessions of up to 2 hours.

    Cohorts of 12, Monday to Friday, 09:00-18:00, external trainer; the
    hours are rounded up to whole 15-minute blocks and split evenly.

    >>> c = extra_training(4)
    >>> (c.sessions, c.session_minutes)
    (2, 120)
    """
    minutes = math.ceil(hours_per_agent * 60 / 15) * 15
    sessions = max(1, math.ceil(minutes / (SESSION_HOURS * 60)))
    per = math.ceil(minutes / sessions / 15) * 15
    return S.Course(
        name=EXTRA_TRAINING,
        session_minutes=per,
        sessions=sessions,
        roles=S.ROLES,
        capacity=12,
        window=(9 * 60, 18 * 60),
    )


def _allowed(kind: str) -> str:
    if kind in _SECTIONS:
        return ", ".join(f.name for f in dataclasses.fields(_SECTIONS[kind]))
    ident, cls = _ARRAYS[kind]
    return ", ".join(f.name for f in dataclasses.fields(cls) if f.name != ident)


def _assign(
    doc: dict[str, Any], state: dict[str, Any], a: Assignment, base: S.Scenario
) -> dict[str, Any] | None:
    """Apply ``a``: shortcuts go to ``state`` (returns None); scenario keys to a copy of ``doc`` (returned)."""
    parts = a.key.split(".")
    head = parts[0]
    top = ", ".join(sorted(_SHORTCUTS + tuple(_SECTIONS) + tuple(_ARRAYS) + ("country", "description")))
    if head in _FIXED:
        raise S.InputError(f"{a.origin}: '{a.key}' cannot be changed by a what-if: {_FIXED[head]}")
    if head in ("volume", "aht"):
        _multiplier(state, a, parts, base)
        return None
    if head == "headcount":
        if len(parts) != 1 or isinstance(a.value, bool) or not isinstance(a.value, int) or a.value > 0:
            raise S.InputError(
                f"{a.origin}: headcount = {_show(a.value)} must be a negative whole number of agents to leave out, "
                "e.g. headcount=-5 (adding agents: add rows to a copy of agents.csv)"
            )
        plain = sum(1 for ag in base.agents if ag.role == "agent")
        if -a.value > plain:
            raise S.InputError(
                f"{a.origin}: headcount = {a.value} leaves out more than the {plain} plain agents"
            )
        state["headcount"] = a.value
        return None
    if head in ("cost", "training"):
        leaf = {"cost": "hourly_rate", "training": "hours_per_agent"}[head]
        if parts[1:] != [leaf]:
            raise S.InputError(f"{a.origin}: unknown key '{a.key}' (allowed: {head}.{leaf})")
        if not _is_number(a.value) or a.value < 0 or (head == "training" and a.value > 200):
            bounds = "a number of at least 0" if head == "cost" else "a number of hours between 0 and 200"
            raise S.InputError(f"{a.origin}: {a.key} = {_show(a.value)} must be {bounds}")
        state["hourly_rate" if head == "cost" else "training"] = float(a.value)
        return None
    out = copy.deepcopy(doc)
    if head in ("country", "description") and len(parts) == 1:
        out[head] = a.value
        return out
    if head in _SECTIONS:
        if len(parts) != 2 or parts[1] not in {f.name for f in dataclasses.fields(_SECTIONS[head])}:
            raise S.InputError(
                f"{a.origin}: unknown key '{a.key}' (allowed: {head}.<key> with <key> one of "
                f"{_allowed(head)})"
            )
        table = out.setdefault(head, {})
        if not isinstance(table, dict):  # pragma: no cover - the base parsed, so it is a table
            raise S.InputError(f"{a.origin}: [{head}] of {SCENARIO_FILE} is not a table")
        table[parts[1]] = a.value
        return out
    if head in _ARRAYS:
        ident, cls = _ARRAYS[head]
        names = [str(t.get(ident)) for t in out.get(head, []) if isinstance(t, dict)]
        fields_ = {f.name for f in dataclasses.fields(cls)} - {ident}
        if len(parts) < 3:
            raise S.InputError(
                f"{a.origin}: '{a.key}' needs {head}.<{ident}>.<field> (or {head}.*.<field> for all); "
                f"{ident}s: {', '.join(names) or 'none'}; fields: {_allowed(head)}"
            )
        target, fld = parts[1], parts[2]
        if target != "*" and target not in names:
            raise S.InputError(
                f"{a.origin}: '{target}' in '{a.key}' is not one of the {head} in {SCENARIO_FILE} "
                f"({', '.join(names) or 'none'})"
            )
        if fld not in fields_:
            raise S.InputError(f"{a.origin}: unknown field '{fld}' in '{a.key}' (fields: {_allowed(head)})")
        if len(parts) > 3 and fld != "max_shifts":
            raise S.InputError(f"{a.origin}: '{a.key}' is too deep; write {head}.{target}.{fld}=VALUE")
        for t in out.get(head, []):
            if target == "*" or str(t.get(ident)) == target:
                if len(parts) == 4:  # contracts.<name>.max_shifts.<code>
                    t.setdefault(fld, {})[parts[3]] = a.value
                else:
                    t[fld] = a.value
        return out
    raise S.InputError(f"{a.origin}: unknown key '{a.key}' (top-level keys: {top})")


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _multiplier(state: dict[str, Any], a: Assignment, parts: list[str], base: S.Scenario) -> None:
    kind = parts[0]
    names = [q.name for q in base.queues]
    if len(parts) > 2 or (len(parts) == 2 and parts[1] not in names):
        raise S.InputError(
            f"{a.origin}: '{a.key}' must be {kind} or {kind}.<queue> with a queue of "
            f"{SCENARIO_FILE} ({', '.join(names)})"
        )
    factor = _factor(a.value)
    if factor is None or not (0.0 < factor <= 10.0):
        raise S.InputError(
            f"{a.origin}: {a.key} = {_show(a.value)} must be a change in percent such as +10% or -5%, "
            "or a factor such as x1.1 (between x0.01 and x10)"
        )
    state[kind][parts[1] if len(parts) == 2 else "*"] = factor


def _factor(value: Any) -> float | None:
    """``"+10%"`` -> 1.1, ``"x1.2"`` -> 1.2; None if not a change."""
    if not isinstance(value, str):
        return None
    m = _PERCENT.match(value.strip())
    if m:
        return 1.0 + float(m.group(1)) / 100.0
    m = _FACTOR.match(value.strip())
    return float(m.group(1)) if m else None


def _reparse(doc: dict[str, Any], origin: str) -> dict[str, Any]:
    """Check the changed document exactly as scenario.toml is checked; problems name ``origin``."""
    from wfm.validate import _check_shift_grid, _Problems, parse_scenario_toml

    problems = _Problems()
    parsed = parse_scenario_toml(_dumps(doc), problems)
    if parsed is not None:
        _check_shift_grid(parsed["shifts"], problems)
        if parsed.get(
            "break_rules"
        ):  # the shifts against the [[breaks]] rules, as build_scenario checks them
            from wfm.roster.breaks import check_rules

            for line in check_rules(parsed["shifts"], parsed["break_rules"]):
                problems.add(line)
    if problems or parsed is None:
        lines = [
            line.removeprefix(f"{SCENARIO_FILE} ").removeprefix(f"{SCENARIO_FILE}: ")
            for line in problems.finish()
        ]
        raise S.InputError([f"{origin}: {line}" for line in lines])
    return parsed


def drop_agents(scenario: S.Scenario, n: int) -> tuple[S.Scenario, tuple[str, ...]]:
    """Leave out ``n`` agents: the last ``n`` by employee_id among plain agents (role ``agent``).

    Their time_off and availability rows go with them.  Deterministic, so the
    same overlay always removes the same people; leads, mentors and new hires
    are kept because they carry other duties.
    """
    plain = sorted((a.employee_id for a in scenario.agents if a.role == "agent"), reverse=True)
    gone = set(plain[:n])
    keep = tuple(a for a in scenario.agents if a.employee_id not in gone)
    return (
        dataclasses.replace(
            scenario,
            agents=keep,
            time_off=tuple(t for t in scenario.time_off if t.employee_id not in gone),
            availability=tuple(v for v in scenario.availability if v.employee_id not in gone),
        ),
        tuple(sorted(gone)),
    )


# ---------------------------------------------------------------------------
# A small TOML writer for the scenario document (tables, arrays of tables, scalars)
# ---------------------------------------------------------------------------
def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v == math.inf else "-inf" if v == -math.inf else repr(v))
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # JSON string escapes are valid TOML basic-string escapes
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_scalar(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_scalar(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def _dumps(doc: Mapping[str, Any]) -> str:
    lines = [f"{json.dumps(k)} = {_scalar(v)}" for k, v in doc.items() if not _is_table(v)]
    for k, v in doc.items():
        if isinstance(v, dict):
            lines.append(f"\n[{json.dumps(k)}]")
            lines += [f"{json.dumps(kk)} = {_scalar(vv)}" for kk, vv in v.items()]
        elif _is_table(v):
            for t in v:
                lines.append(f"\n[[{json.dumps(k)}]]")
                lines += [f"{json.dumps(kk)} = {_scalar(vv)}" for kk, vv in t.items()]
    return "\n".join(lines) + "\n"


def _is_table(v: Any) -> bool:
    return isinstance(v, dict) or (isinstance(v, list) and bool(v) and all(isinstance(t, dict) for t in v))


# ---------------------------------------------------------------------------
# Forecast reuse and adjustment
# ---------------------------------------------------------------------------
def forecast_key(scenario: S.Scenario) -> tuple:
    """What the forecast depends on among the keys an overlay can change: queue hours, country and seed.

    Two what-ifs with the same key share one fitted forecast.
    """
    return (
        tuple((q.name, q.open_minute, q.close_minute) for q in scenario.queues),
        scenario.country,
        scenario.solver.seed,
    )


def adjust_forecast(forecast: pd.DataFrame, whatif: WhatIf) -> pd.DataFrame:
    """The forecast with the what-if's volume and handle-time multipliers applied (a new frame)."""
    if not whatif.volume and not whatif.aht:
        return forecast
    out = forecast.copy()
    queues = out[S.QUEUE].astype(str)
    for kind, cols in (("volume", (S.YHAT, S.YHAT_LOWER, S.YHAT_UPPER)), ("aht", (S.AHT_SECONDS,))):
        factor = queues.map(lambda q, k=kind: whatif.factor(k, q)).to_numpy(float)
        for c in cols:
            if c in out.columns:
                out[c] = out[c].to_numpy(float) * factor
    return out


def forecast_models(scenario: S.Scenario, model: str | None, *, fast: bool) -> dict[str, str] | None:
    """Models per queue: ``model`` for all, else the choice recorded by ``wfm backtest``, else
    :data:`FAST_MODEL` when ``fast`` (None: the pipeline chooses by a quick backtest)."""
    from wfm.pipeline import recorded_models

    if model is not None:
        return {q.name: model for q in scenario.queues}
    recorded = recorded_models(scenario)
    if recorded is not None:
        return recorded
    return {q.name: FAST_MODEL for q in scenario.queues} if fast else None


# ---------------------------------------------------------------------------
# Staffing-only what-if
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class StaffingComparison:
    """Staffing-only what-if: per queue (and ``(all queues)``), base against overlay.

    ``table`` columns: queue, metric, unit, base, whatif, delta.  Metrics:
    forecast contacts, required FTE and agent-hours (gross of unplanned
    shrinkage), and the predicted service level, ASA (with the intervals of
    unbounded wait it leaves out and their share of the calls), abandonment and
    occupancy at the required staff; ``*_if_base_staff`` rows give the same
    KPIs for the overlay's demand staffed as the base (what happens if
    nothing is done).
    """

    base: WhatIf
    whatif: WhatIf
    table: pd.DataFrame = field(repr=False)
    models: Mapping[str, str] = field(default_factory=dict)
    seconds: Mapping[str, float] = field(default_factory=dict)


def staffing_kpis(
    scenario: S.Scenario,
    forecast: pd.DataFrame,
    requirements: pd.DataFrame,
    staffed: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per queue and overall: volume, required FTE and hours, predicted SL/ASA/abandonment/occupancy.

    KPIs are predicted at ``staffed`` (a requirements frame whose gross agents
    are on shift; default ``requirements`` itself), with the same queueing model
    and volume weighting as :func:`wfm.evaluate.evaluate`.
    """
    from wfm.evaluate import ALL_QUEUES, _aggregate, coverage_frame

    staffed = requirements if staffed is None else staffed
    scheduled = staffed[[S.QUEUE, S.DS, S.AGENTS_REQUIRED_GROSS]].rename(
        columns={S.AGENTS_REQUIRED_GROSS: S.SCHEDULED}
    )
    cov = coverage_frame(scenario, forecast, requirements, scheduled)
    iv = scenario.horizon.interval_minutes
    per_queue = _aggregate(cov, [S.QUEUE], iv)
    overall = _aggregate(cov.assign(**{S.QUEUE: ALL_QUEUES}), [S.QUEUE], iv)
    return pd.concat([per_queue, overall], ignore_index=True)


# Beside "predicted ASA" (mean wait of answered calls where it is bounded): what that figure leaves out.
# (column, unit, metric), shown by the staffing what-if and by wfm compare.
UNBOUNDED_WAIT_ROWS = (
    (S.UNBOUNDED_WAIT_INTERVALS, "intervals", "intervals with unbounded wait"),
    (S.UNBOUNDED_WAIT_CALL_SHARE, "share", "calls in unbounded-wait intervals"),
)
_STAFFING_ROWS = (
    ("forecast_volume", "contacts", "forecast contacts"),
    ("required_fte", "FTE", "required FTE"),
    ("required_agent_hours", "h", "required agent-hours"),
    ("service_level", "share", "predicted service level"),
    ("asa_seconds", "s", "predicted ASA"),
    *UNBOUNDED_WAIT_ROWS,
    ("abandon_rate", "share", "predicted abandonment"),
    ("occupancy", "share", "predicted occupancy"),
)


def staffing_whatif(
    base: S.Scenario,
    overlays: Sequence[Overlay],
    *,
    model: str | None = None,
    forecast: pd.DataFrame | None = None,
    progress: Any = None,
) -> StaffingComparison:
    """Forecast once, then staff the base and the overlaid scenario; no roster.

    ``model``: one forecast model for every queue; by default the choice
    recorded by ``wfm backtest``, else :data:`FAST_MODEL` (no prophet fit, so
    the answer comes in seconds).  ``forecast``: a ready forecast of the base
    (skips forecasting).  The overlay's forecast is fitted again only when it
    changes queue hours, country or seed (:func:`forecast_key`).
    """
    import time

    from wfm.pipeline import run_forecast, run_staffing

    timings: dict[str, float] = {}
    base_wi = apply_overlays(base, (), name=BASE)
    wi = apply_overlays(base, overlays)
    models = forecast_models(base, model, fast=True) or {}
    t = time.perf_counter()
    if forecast is None:
        forecast = run_forecast(base, progress, models=models)
    fc_other = forecast
    if forecast_key(wi.scenario) != forecast_key(base):
        fc_other = run_forecast(wi.scenario, progress, models=models)
    timings["forecast"] = time.perf_counter() - t
    t = time.perf_counter()
    fc_base = adjust_forecast(forecast, base_wi)
    fc_wi = adjust_forecast(fc_other, wi)
    req_base = run_staffing(base_wi.scenario, fc_base)
    req_wi = run_staffing(wi.scenario, fc_wi)
    k_base = staffing_kpis(base_wi.scenario, fc_base, req_base)
    k_wi = staffing_kpis(wi.scenario, fc_wi, req_wi)
    k_keep = staffing_kpis(wi.scenario, fc_wi, req_wi, staffed=req_base)
    timings["staffing"] = time.perf_counter() - t
    rows = []
    for _, rb in k_base.iterrows():
        q = rb[S.QUEUE]
        rw = k_wi[k_wi[S.QUEUE] == q].iloc[0]
        rk = k_keep[k_keep[S.QUEUE] == q].iloc[0]
        for col, unit, label in _STAFFING_ROWS:
            rows.append((q, label, unit, float(rb[col]), float(rw[col])))
        for col, unit, label in _STAFFING_ROWS[3:]:
            rows.append((q, f"{label} if staffed as the base", unit, float(rb[col]), float(rk[col])))
    table = pd.DataFrame(rows, columns=[S.QUEUE, "metric", "unit", BASE, "whatif"])
    table["delta"] = table["whatif"] - table[BASE]
    return StaffingComparison(base_wi, wi, table, models, timings)


def hourly_rates(scenario: S.Scenario) -> dict[str, float]:
    """``employee_id -> hourly_rate`` from the scenario folder's agents.csv (the column is optional).

    :class:`~wfm.schema.Agent` keeps only the contract columns, so the rate
    is read from the file here.  Raises InputError naming the row of a rate
    that is not a number of at least 0; blank cells are left out.
    """
    from wfm.io import _decode, read_csv_text

    if scenario.source_dir is None:
        return {}
    path = Path(scenario.source_dir) / AGENTS_FILE
    problems: list[str] = []
    text = _decode(AGENTS_FILE, path.read_bytes(), problems)
    frame = read_csv_text(AGENTS_FILE, text, problems) if text is not None else None
    if frame is None or HOURLY_RATE not in frame.columns:
        return {}
    rates: dict[str, float] = {}
    for i, (eid, raw) in enumerate(zip(frame[S.EMPLOYEE_ID], frame[HOURLY_RATE], strict=True)):
        raw = str(raw).strip()
        if not raw:
            continue
        try:
            v = float(raw)
        except ValueError:
            v = float("nan")
        if not (math.isfinite(v) and v >= 0):
            problems.append(
                f"{AGENTS_FILE} row {i + 2}: hourly_rate '{raw}' must be a number of at least 0 (or blank)"
            )
            continue
        rates[str(eid).strip()] = v
    if problems:
        raise S.InputError(problems)
    return rates


def load_overlays(directory: str | Path, files: Iterable[str | Path]) -> list[Overlay]:
    """Overlay files by path; a bare name is looked up in ``DIRECTORY/whatif/`` (``.toml`` optional)."""
    out = []
    for f in files:
        p = Path(f)
        if not p.exists():
            cand = Path(directory) / WHATIF_DIR / (p.name if p.suffix == ".toml" else f"{p.name}.toml")
            p = cand if cand.exists() else p
        out.append(read_overlay(p))
    names = [o.name for o in out]
    dup = sorted({n for n in names if names.count(n) > 1 or n == BASE})
    if dup:
        raise S.InputError(
            f"what-if names must differ from each other and from '{BASE}': {', '.join(dup)}; "
            "set `name` in the overlay files"
        )
    return out


__all__ = [
    "Assignment",
    "Overlay",
    "WhatIf",
    "StaffingComparison",
    "apply_overlays",
    "adjust_forecast",
    "drop_agents",
    "forecast_key",
    "hourly_rates",
    "load_overlays",
    "overlay_files",
    "overlay_from_sets",
    "parse_set",
    "read_overlay",
    "staffing_whatif",
]
