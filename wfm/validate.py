"""Every check on the inputs, with errors that name the file, the row or key, the value and the fix.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first
data row is row 2.  Validation never stops at the first problem: it collects
every problem it can find and raises one :class:`~wfm.schema.InputError`.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd

from wfm import schema as S
from wfm.io import (
    AGENTS_FILE,
    AVAILABILITY_FILE,
    HISTORY_FILE,
    SCENARIO_FILE,
    SHIFT_COVER_FILE,
    SPECIAL_DAYS_FILE,
    TIME_OFF_FILE,
    TRAINING_FILE,
    RawScenario,
)

log = logging.getLogger(__name__)

MAX_LISTED = 20  # problems of one kind listed before summarising the rest
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_OFFSET = re.compile(r"(?:[+-]\d\d:?\d\d|Z)$")


def check_timezone_option(timezone: str) -> str:
    """``--timezone``, refused with a clear message unless it is an IANA time zone name."""
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise S.InputError(
            f"--timezone '{timezone}' is not an IANA time zone name; write e.g. Asia/Shanghai or Europe/Berlin"
        ) from None
    return timezone


def utc_offsets(values: pd.Series) -> pd.Series:
    """Each timestamp's UTC offset as ``+HH:MM`` (``Z`` read as ``+00:00``); NaN where the text has none."""
    found = values.str.strip().str.extract(f"({_OFFSET.pattern[:-1]})$", expand=False)
    return found.map(
        lambda o: (
            o if not isinstance(o, str) else "+00:00" if o == "Z" else o if ":" in o else f"{o[:3]}:{o[3:]}"
        )
    )


class _Problems:
    """Collects problems, capping each kind so a broken 60,000-row file stays readable."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._counts: dict[str, int] = {}

    def add(self, line: str, kind: str | None = None) -> None:
        if kind is not None:
            n = self._counts.get(kind, 0) + 1
            self._counts[kind] = n
            if n > MAX_LISTED:
                return
        self.lines.append(line)

    def finish(self) -> list[str]:
        for kind, n in self._counts.items():
            if n > MAX_LISTED:
                self.lines.append(f"{kind}: ... and {n - MAX_LISTED} more rows with the same problem")
        return self.lines

    def __bool__(self) -> bool:
        return bool(self.lines)


# ---------------------------------------------------------------------------
# scenario.toml
# ---------------------------------------------------------------------------
_SECTION_KEYS: dict[str, dict[str, tuple[type | tuple[type, ...], bool]]] = {
    # key: (accepted python types, required)
    "horizon": {
        "start": ((str, dt.date), True),
        "end": ((str, dt.date), True),
        "interval_minutes": (int, True),
        "timezone": (str, True),
    },
    "rules": {
        "min_rest_hours": ((int, float), False),
        **{
            key: (int, False)
            for key in ("max_consecutive_days", "min_consecutive_days", "min_consecutive_days_off")
        },
        "min_days_off_per_week": (int, False),
        "max_weekly_minutes": (int, False),
        "min_weekly_minutes": (int, False),
        "max_working_weekends": (int, False),
        "max_late_shifts_per_week": (int, False),
        "max_night_shifts_per_week": (int, False),
        "fairness_history_months": (int, False),
    },
    "shrinkage": {"unplanned": ((int, float), False)},
    "solver": {
        "time_limit_seconds": ((int, float), False),
        "workers": (int, False),
        "seed": (int, False),
        "breaks_time_share": ((int, float), False),
    },
    "weights": {f.name: ((int, float), False) for f in fields(S.Weights)},
}
_QUEUE_KEYS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "name": (str, True),
    "channel": (str, True),
    "service_level": ((int, float), True),
    "answer_seconds": ((int, float), True),
    "max_occupancy": ((int, float), True),
    "open": (str, True),
    "close": (str, True),
    "patience_seconds": ((int, float), False),
    "concurrency": (int, False),
    "min_agents": (int, False),
}
_SHIFT_KEYS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "code": (str, True),
    "start": (str, True),
    "paid_minutes": (int, True),
    "unpaid_minutes": (int, False),
    "family": (str, False),
}
# Ranges of the numeric [rules] keys, shared with [[contracts]] (which may override the per-agent ones).
_RULE_RANGES: dict[str, tuple[float, float]] = {
    "min_rest_hours": (0, 24),
    "max_consecutive_days": (1, 31),
    "min_consecutive_days": (1, 14),
    "min_consecutive_days_off": (1, 14),
    "min_days_off_per_week": (0, 7),
    "max_weekly_minutes": (0, 7 * 24 * 60),
    "min_weekly_minutes": (0, 7 * 24 * 60),
    "max_working_weekends": (0, 53),
    "max_late_shifts_per_week": (0, 7),
    "max_night_shifts_per_week": (0, 7),
    "fairness_history_months": (0, 36),
}
_RULE_FLAGS = ("days_off_pair_per_week",)
_CONTRACT_KEYS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "name": (str, True),
    "min_horizon_minutes": (int, False),
    "max_horizon_minutes": (int, False),
    **{key: (int, False) for key in S.CONTRACT_RULE_KEYS},
}
_TOP_KEYS = {
    "name",
    "description",
    "country",
    "horizon",
    "queues",
    "shifts",
    "contracts",
    "rules",
    "shrinkage",
    "solver",
    "weights",
    "breaks",
    "wellbeing",
    "onboarding",
    "mentoring",
    "courses",
}
_BREAK_KEYS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "min_shift_minutes": (int, True),
    "breaks": (list, False),
    "lunch_minutes": (int, False),
    "lunch_window": (list, False),
    "min_offset_minutes": (int, False),
    "min_before_end_minutes": (int, False),
    "min_gap_minutes": (int, False),
    "shifts": (list, False),
}
_REQUIRED_SECTIONS = ("horizon", "queues", "shifts")


def _type_name(t: type | tuple[type, ...]) -> str:
    names = {int: "a whole number", float: "a number", str: "text", dt.date: "a date"}
    ts = t if isinstance(t, tuple) else (t,)
    if set(ts) >= {int, float}:
        return "a number"
    return " or ".join(names.get(x, x.__name__) for x in ts)


def _check_keys(
    table: dict[str, Any],
    spec: dict[str, tuple[type | tuple[type, ...], bool]],
    where: str,
    problems: _Problems,
) -> dict[str, Any]:
    """Check a TOML table against its spec; return the values that have the right type."""
    good: dict[str, Any] = {}
    for key in table:
        if key not in spec:
            problems.add(f"{SCENARIO_FILE} {where}: unknown key '{key}' (known keys: {', '.join(spec)})")
    for key, (types, required) in spec.items():
        if key not in table:
            if required:
                problems.add(f"{SCENARIO_FILE} {where}: missing required key '{key}'")
            continue
        value = table[key]
        ok = isinstance(value, types) and not (isinstance(value, bool))
        if isinstance(value, dt.datetime) and dt.date in (types if isinstance(types, tuple) else (types,)):
            ok = False  # a datetime is not a date here
        if not ok:
            problems.add(f"{SCENARIO_FILE} {where}: '{key}' = {value!r} must be {_type_name(types)}")
            continue
        good[key] = value
    return good


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _parse_hhmm(value: str) -> dt.time | None:
    m = _HHMM.match(value.strip())
    if not m:
        return None
    return dt.time(int(m.group(1)), int(m.group(2)))


def _check_range(
    value: float,
    lo: float | None,
    hi: float | None,
    where: str,
    key: str,
    problems: _Problems,
    hint: str = "",
) -> bool:
    if (
        (lo is not None and value < lo)
        or (hi is not None and value > hi)
        or (isinstance(value, float) and math.isnan(value))
    ):
        bounds = (
            f"between {lo} and {hi}"
            if lo is not None and hi is not None
            else (f"at least {lo}" if lo is not None else f"at most {hi}")
        )
        problems.add(f"{SCENARIO_FILE} {where}: '{key}' = {value!r} must be {bounds}{hint}")
        return False
    return True


def _array_of_tables(doc: dict[str, Any], key: str, noun: str, problems: _Problems) -> list[Any]:
    """The ``[[key]]`` array of scenario.toml, reporting a wrong type or an empty array."""
    raw = doc.get(key, [])
    if not isinstance(raw, list):
        problems.add(f"{SCENARIO_FILE}: '{key}' must be an array of tables [[{key}]]")
        return []
    if key in doc and not raw:
        problems.add(f"{SCENARIO_FILE}: [[{key}]] is empty; define at least one {noun}")
    return raw


def parse_scenario_toml(text: str, problems: _Problems) -> dict[str, Any] | None:
    """Parse and check scenario.toml; returns the typed pieces, or None when unusable."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.add(f"{SCENARIO_FILE}: malformed TOML: {exc}")
        return None
    for key in doc:
        if key not in _TOP_KEYS:
            problems.add(
                f"{SCENARIO_FILE}: unknown key or section '{key}' (known: {', '.join(sorted(_TOP_KEYS))})"
            )
    for sec in _REQUIRED_SECTIONS:
        if sec not in doc:
            kind = f"[[{sec}]]" if sec in ("queues", "shifts") else f"[{sec}]"
            problems.add(f"{SCENARIO_FILE}: missing section {kind}")
    out: dict[str, Any] = {
        "name": doc.get("name"),
        "country": doc.get("country"),
    }
    for key in ("name", "country", "description"):
        if key in doc and not isinstance(doc[key], str):
            problems.add(f"{SCENARIO_FILE}: '{key}' = {doc[key]!r} must be text")
            out[key] = None
    if isinstance(out["country"], str):
        import holidays

        if out["country"].upper() not in holidays.list_supported_countries():
            problems.add(
                f"{SCENARIO_FILE}: country '{out['country']}' is not a supported holiday calendar "
                f"(use an ISO 3166 code such as CN, HK, SG, US)"
            )
            out["country"] = None
        else:
            out["country"] = out["country"].upper()

    # [horizon]
    hz = doc.get("horizon")
    if "horizon" in doc and not isinstance(hz, dict):
        problems.add(f"{SCENARIO_FILE}: 'horizon' must be a table [horizon]")
    elif isinstance(hz, dict):
        h = _check_keys(hz, _SECTION_KEYS["horizon"], "[horizon]", problems)
        start = _parse_date(h["start"]) if "start" in h else None
        end = _parse_date(h["end"]) if "end" in h else None
        for key, val in (("start", start), ("end", end)):
            if key in h and val is None:
                problems.add(
                    f"{SCENARIO_FILE} [horizon]: '{key}' = {h[key]!r} is not a date; write YYYY-MM-DD"
                )
        if start and end:
            if end < start:
                problems.add(f"{SCENARIO_FILE} [horizon]: end {end} is before start {start}")
            elif (end - start).days + 1 > 62:
                problems.add(
                    f"{SCENARIO_FILE} [horizon]: {(end - start).days + 1} days is too long; plan at most 62 days at once"
                )
        iv = h.get("interval_minutes")
        if iv is not None and iv not in S.INTERVAL_MINUTES_ALLOWED:
            problems.add(f"{SCENARIO_FILE} [horizon]: 'interval_minutes' = {iv} must be 15 or 30")
            iv = None
        tz = h.get("timezone")
        if tz is not None:
            try:
                zoneinfo.ZoneInfo(tz)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                problems.add(
                    f"{SCENARIO_FILE} [horizon]: 'timezone' = {tz!r} is not an IANA time zone (e.g. Asia/Shanghai)"
                )
                tz = None
        if start and end and iv and tz and end >= start:
            out["horizon"] = S.Horizon(start=start, end=end, interval_minutes=iv, timezone=tz)

    # [[queues]]
    queues: list[S.Queue] = []
    raw_queues = _array_of_tables(doc, "queues", "queue", problems)
    seen: set[str] = set()
    out["queue_names"] = [
        str(t["name"]).strip() for t in raw_queues if isinstance(t, dict) and isinstance(t.get("name"), str)
    ]
    for i, tq in enumerate(raw_queues, start=1):
        where = f"[[queues]] #{i}" + (f" '{tq.get('name')}'" if isinstance(tq, dict) and "name" in tq else "")
        if not isinstance(tq, dict):
            problems.add(f"{SCENARIO_FILE} {where}: must be a table")
            continue
        q = _check_keys(tq, _QUEUE_KEYS, where, problems)
        ok = len(q) == len([k for k in tq if k in _QUEUE_KEYS])
        name = q.get("name", "").strip()
        if "name" in q:
            if not re.fullmatch(r"[A-Za-z0-9_\-]+", name):
                problems.add(
                    f"{SCENARIO_FILE} {where}: name {name!r} may use only letters, digits, '_' and '-'"
                )
                ok = False
            elif name in seen:
                problems.add(f"{SCENARIO_FILE} {where}: queue name '{name}' is defined twice")
                ok = False
            seen.add(name)
        if "channel" in q and q["channel"] not in S.CHANNELS:
            problems.add(
                f"{SCENARIO_FILE} {where}: channel '{q['channel']}' must be one of {', '.join(S.CHANNELS)}"
            )
            ok = False
        if "service_level" in q:
            ok &= _check_range(
                q["service_level"], 0.01, 0.999, where, "service_level", problems, " (e.g. 0.8)"
            )
        if "answer_seconds" in q:
            ok &= _check_range(q["answer_seconds"], 0, 3600, where, "answer_seconds", problems)
        if "max_occupancy" in q:
            ok &= _check_range(q["max_occupancy"], 0.3, 1.0, where, "max_occupancy", problems, " (e.g. 0.85)")
        if "patience_seconds" in q:
            ok &= _check_range(q["patience_seconds"], 1, 86400, where, "patience_seconds", problems)
        if "concurrency" in q:
            ok &= _check_range(q["concurrency"], 1, 10, where, "concurrency", problems)
            if q.get("channel") == "voice" and q["concurrency"] != 1:
                problems.add(
                    f"{SCENARIO_FILE} {where}: a voice queue has concurrency 1, not {q['concurrency']}"
                )
                ok = False
        if "min_agents" in q:
            ok &= _check_range(q["min_agents"], 0, 1000, where, "min_agents", problems)
        times = {}
        for key in ("open", "close"):
            if key in q:
                t = _parse_hhmm(q[key])
                if t is None:
                    problems.add(f"{SCENARIO_FILE} {where}: '{key}' = {q[key]!r} must be HH:MM (24-hour)")
                    ok = False
                times[key] = t
        if ok and len(q) >= 7:
            queue = S.Queue(
                name=name,
                channel=q["channel"],
                service_level=float(q["service_level"]),
                answer_seconds=float(q["answer_seconds"]),
                max_occupancy=float(q["max_occupancy"]),
                open=times["open"],
                close=times["close"],
                patience_seconds=float(q["patience_seconds"]) if "patience_seconds" in q else None,
                concurrency=int(q.get("concurrency", 1)),
                min_agents=int(q.get("min_agents", 1)),
            )
            if queue.close_minute <= queue.open_minute:
                problems.add(
                    f"{SCENARIO_FILE} {where}: close {q['close']} is not after open {q['open']} "
                    '(use close = "00:00" for midnight)'
                )
                continue
            queues.append(queue)
    out["queues"] = queues

    # [[shifts]]
    shifts: list[S.ShiftTemplate] = []
    raw_shifts = _array_of_tables(doc, "shifts", "shift", problems)
    codes: set[str] = set()
    out["shift_codes"] = [
        str(t["code"]).strip() for t in raw_shifts if isinstance(t, dict) and isinstance(t.get("code"), str)
    ]
    for i, ts in enumerate(raw_shifts, start=1):
        where = f"[[shifts]] #{i}" + (f" '{ts.get('code')}'" if isinstance(ts, dict) and "code" in ts else "")
        if not isinstance(ts, dict):
            problems.add(f"{SCENARIO_FILE} {where}: must be a table")
            continue
        s = _check_keys(ts, _SHIFT_KEYS, where, problems)
        ok = len(s) == len([k for k in ts if k in _SHIFT_KEYS])
        code = s.get("code", "").strip()
        if "code" in s:
            if not re.fullmatch(r"[A-Za-z0-9_\-]{1,12}", code):
                problems.add(
                    f"{SCENARIO_FILE} {where}: code {code!r} must be 1-12 letters, digits, '_' or '-'"
                )
                ok = False
            elif code.upper() in (S.WORK_CODE_OFF, S.WORK_CODE_LEAVE):
                problems.add(f"{SCENARIO_FILE} {where}: code '{code}' is reserved for days without a shift")
                ok = False
            elif code in codes:
                problems.add(f"{SCENARIO_FILE} {where}: shift code '{code}' is defined twice")
                ok = False
            codes.add(code)
        start_t = None
        if "start" in s:
            start_t = _parse_hhmm(s["start"])
            if start_t is None:
                problems.add(f"{SCENARIO_FILE} {where}: 'start' = {s['start']!r} must be HH:MM (24-hour)")
                ok = False
        if "paid_minutes" in s:
            ok &= _check_range(s["paid_minutes"], 60, 720, where, "paid_minutes", problems)
        if "unpaid_minutes" in s:
            ok &= _check_range(s["unpaid_minutes"], 0, 120, where, "unpaid_minutes", problems)
        if "family" in s and s["family"] not in S.SHIFT_FAMILIES:
            problems.add(
                f"{SCENARIO_FILE} {where}: family '{s['family']}' must be one of {', '.join(S.SHIFT_FAMILIES)}"
            )
            ok = False
        if ok and start_t is not None and {"code", "paid_minutes"} <= s.keys():
            shifts.append(
                S.ShiftTemplate(
                    code=code,
                    start=start_t,
                    paid_minutes=int(s["paid_minutes"]),
                    unpaid_minutes=int(s.get("unpaid_minutes", 0)),
                    family=s.get("family"),
                )
            )
    out["shifts"] = shifts

    # [rules]
    out["rules"] = _parse_rules(doc.get("rules", {}), set(out["shift_codes"]), problems)
    # [[contracts]]
    out["contracts"] = _parse_contracts(doc, set(out["shift_codes"]), problems)
    # [[breaks]]
    out["break_rules"] = _parse_breaks(doc, set(out["shift_codes"]), problems)
    # [wellbeing], [onboarding], [mentoring], [[courses]]
    out["activities"] = parse_activity_sections(doc, problems)

    # [shrinkage], [solver], [weights]
    for section, cls, ranges in (
        ("shrinkage", S.Shrinkage, {"unplanned": (0, 0.9)}),
        (
            "solver",
            S.SolverSettings,
            {
                "time_limit_seconds": (1, 86400),
                "workers": (1, 64),
                "seed": (0, 2**31 - 1),
                "breaks_time_share": (0.01, 0.9),
            },
        ),
        ("weights", S.Weights, {f.name: (0, 1e6) for f in fields(S.Weights)}),
    ):
        table = doc.get(section, {})
        if not isinstance(table, dict):
            problems.add(f"{SCENARIO_FILE}: '{section}' must be a table [{section}]")
            table = {}
        vals = _check_keys(table, _SECTION_KEYS[section], f"[{section}]", problems)
        good = {k: v for k, v in vals.items() if _check_range(v, *ranges[k], f"[{section}]", k, problems)}
        out[section] = cls(**good)
    return out


def _parse_rules(table: Any, shift_codes: set[str], problems: _Problems) -> S.Rules:
    """The [rules] table: numeric limits, the on/off flags and the forbidden shift successions."""
    if not isinstance(table, dict):
        problems.add(f"{SCENARIO_FILE}: 'rules' must be a table [rules]")
        return S.Rules()
    where = "[rules]"
    flags = {k: table[k] for k in _RULE_FLAGS if k in table}
    pairs = table.get("forbidden_successions")
    numeric = {k: v for k, v in table.items() if k not in _RULE_FLAGS and k != "forbidden_successions"}
    vals = _check_keys(numeric, _SECTION_KEYS["rules"], where, problems)
    good: dict[str, Any] = {
        k: v for k, v in vals.items() if _check_range(v, *_RULE_RANGES[k], where, k, problems)
    }
    for key, value in flags.items():
        if not isinstance(value, bool):
            problems.add(f"{SCENARIO_FILE} {where}: '{key}' = {value!r} must be true or false")
        else:
            good[key] = value
    if pairs is not None:
        ok_pairs: list[tuple[str, str]] = []
        if not isinstance(pairs, list):
            problems.add(
                f"{SCENARIO_FILE} {where}: 'forbidden_successions' must be a list of [first, second] shift-code "
                'pairs, e.g. [["L15", "D08"]]'
            )
            pairs = []
        for pair in pairs:
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(c, str) for c in pair)):
                problems.add(
                    f"{SCENARIO_FILE} {where}: forbidden_successions entry {pair!r} must be a pair of shift codes "
                    '["first", "second"]'
                )
                continue
            unknown = [c for c in pair if shift_codes and c not in shift_codes]
            if unknown:
                problems.add(
                    f"{SCENARIO_FILE} {where}: forbidden_successions entry {pair!r} names shift '{unknown[0]}', "
                    f"which is not defined in [[shifts]]"
                )
                continue
            ok_pairs.append((pair[0], pair[1]))
        good["forbidden_successions"] = tuple(dict.fromkeys(ok_pairs))
    rules = S.Rules(**good)
    if rules.min_weekly_minutes > rules.max_weekly_minutes:
        problems.add(
            f"{SCENARIO_FILE} {where}: min_weekly_minutes {rules.min_weekly_minutes} is above "
            f"max_weekly_minutes {rules.max_weekly_minutes}"
        )
    return rules


def _parse_contracts(
    doc: dict[str, Any], shift_codes: set[str], problems: _Problems
) -> dict[str, S.Contract]:
    """The [[contracts]] tables: named per-agent overrides of [rules]."""
    contracts: dict[str, S.Contract] = {}
    if "contracts" not in doc:
        return contracts
    for i, tc in enumerate(_array_of_tables(doc, "contracts", "contract", problems), start=1):
        where = f"[[contracts]] #{i}" + (
            f" '{tc.get('name')}'" if isinstance(tc, dict) and "name" in tc else ""
        )
        if not isinstance(tc, dict):
            problems.add(f"{SCENARIO_FILE} {where}: must be a table")
            continue
        max_shifts = tc.get("max_shifts")
        c = _check_keys({k: v for k, v in tc.items() if k != "max_shifts"}, _CONTRACT_KEYS, where, problems)
        ok = "name" in c
        name = str(c.get("name", "")).strip()
        if ok and not name:
            problems.add(f"{SCENARIO_FILE} {where}: name is empty")
            ok = False
        if name in contracts:
            problems.add(f"{SCENARIO_FILE} {where}: contract name '{name}' is defined twice")
            ok = False
        values: dict[str, Any] = {}
        for key, value in c.items():
            if key == "name":
                continue
            rng = _RULE_RANGES.get(key, (0, 366 * 24 * 60))
            if _check_range(value, *rng, where, key, problems):
                values[key] = value
            else:
                ok = False
        if max_shifts is not None:
            if not isinstance(max_shifts, dict):
                problems.add(
                    f"{SCENARIO_FILE} {where}: 'max_shifts' must be a table of shift code = count, "
                    "e.g. max_shifts = { L15 = 8 }"
                )
                ok = False
            else:
                caps = []
                for code, cap in max_shifts.items():
                    if shift_codes and code not in shift_codes:
                        problems.add(
                            f"{SCENARIO_FILE} {where}: max_shifts names shift '{code}', which is not defined in "
                            "[[shifts]]"
                        )
                        ok = False
                    elif isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
                        problems.add(
                            f"{SCENARIO_FILE} {where}: max_shifts.{code} = {cap!r} must be a whole number >= 0"
                        )
                        ok = False
                    else:
                        caps.append((code, cap))
                values["max_shifts"] = tuple(caps)
        lo, hi = values.get("min_horizon_minutes"), values.get("max_horizon_minutes")
        if lo is not None and hi is not None and lo > hi:
            problems.add(
                f"{SCENARIO_FILE} {where}: min_horizon_minutes {lo} is above max_horizon_minutes {hi}"
            )
            ok = False
        if ok:
            contracts[name] = S.Contract(name=name, **values)
    return contracts


def _parse_breaks(doc: dict[str, Any], shift_codes: set[str], problems: _Problems) -> tuple[S.BreakRule, ...]:
    """The [[breaks]] tables: breaks and lunch per shift length (checked against the shifts in build_scenario)."""
    if "breaks" not in doc:
        return ()
    rules: list[S.BreakRule] = []
    for i, tb in enumerate(_array_of_tables(doc, "breaks", "break rule", problems), start=1):
        where = f"[[breaks]] #{i}"
        if not isinstance(tb, dict):
            problems.add(f"{SCENARIO_FILE} {where}: must be a table")
            continue
        b = _check_keys(tb, _BREAK_KEYS, where, problems)
        ok = len(b) == len([k for k in tb if k in _BREAK_KEYS]) and "min_shift_minutes" in b
        values: dict[str, Any] = {}
        for key, (lo, hi) in (
            ("min_shift_minutes", (0, 24 * 60)),
            ("lunch_minutes", (0, 120)),
            ("min_offset_minutes", (0, 12 * 60)),
            ("min_before_end_minutes", (0, 12 * 60)),
            ("min_gap_minutes", (0, 12 * 60)),
        ):
            if key in b:
                if _check_range(b[key], lo, hi, where, key, problems):
                    values[key] = b[key]
                else:
                    ok = False
        if "breaks" in b:
            lengths = b["breaks"]
            if not all(isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 120 for m in lengths):
                problems.add(
                    f"{SCENARIO_FILE} {where}: 'breaks' = {lengths!r} must list break lengths in whole minutes "
                    "(1 to 120 each), e.g. breaks = [15, 15]"
                )
                ok = False
            else:
                values["breaks"] = tuple(lengths)
        if "lunch_window" in b:
            window = b["lunch_window"]
            times = (
                [_parse_hhmm(t) if isinstance(t, str) else None for t in window] if len(window) == 2 else []
            )
            if len(times) != 2 or None in times:
                problems.add(
                    f"{SCENARIO_FILE} {where}: 'lunch_window' = {window!r} must be two HH:MM times, "
                    'e.g. lunch_window = ["11:00", "14:00"]'
                )
                ok = False
            else:
                w0 = times[0].hour * 60 + times[0].minute
                w1 = times[1].hour * 60 + times[1].minute or 24 * 60
                if w1 <= w0:
                    problems.add(
                        f"{SCENARIO_FILE} {where}: 'lunch_window' end {window[1]} is not after its start {window[0]} "
                        '(use "00:00" for midnight)'
                    )
                    ok = False
                values["lunch_window"] = (w0, w1)
            if ok and not b.get("lunch_minutes"):
                problems.add(
                    f"{SCENARIO_FILE} {where}: 'lunch_window' is set but the rule has no lunch_minutes"
                )
                ok = False
        if "shifts" in b:
            codes = b["shifts"]
            bad = [c for c in codes if not isinstance(c, str) or (shift_codes and c not in shift_codes)]
            if bad or not codes:
                problems.add(
                    f"{SCENARIO_FILE} {where}: 'shifts' = {codes!r} must list shift codes defined in [[shifts]]"
                    + (f" ({bad[0]!r} is not one)" if bad else "")
                )
                ok = False
            else:
                values["shifts"] = tuple(codes)
        if ok:
            rules.append(S.BreakRule(**values))
    return tuple(rules)


# ---------------------------------------------------------------------------
# CSV helpers
# ---------------------------------------------------------------------------
def _missing_columns(name: str, frame: pd.DataFrame, required: tuple[str, ...], problems: _Problems) -> bool:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        problems.add(
            f"{name}: missing column(s) {', '.join(missing)} (columns found: {', '.join(frame.columns) or 'none'})"
        )
        return True
    dup = frame.columns[frame.columns.duplicated()].tolist()
    if dup:
        problems.add(f"{name}: column(s) {', '.join(dup)} appear more than once")
        return True
    return False


def _row(i: int) -> int:
    """Spreadsheet row number of data row index ``i`` (header is row 1)."""
    return int(i) + 2


def parse_local_timestamps(
    values: pd.Series, tz: str, name: str, column: str, problems: _Problems
) -> pd.Series:
    """Parse ISO local datetimes (with or without UTC offset) into tz-aware timestamps.

    Unparseable values and local times that do not exist (daylight-saving gaps) are
    reported by row; the result holds NaT there.
    """
    text = values.str.strip()
    has_offset = text.str.contains(_OFFSET, regex=True)
    result = pd.Series(pd.NaT, index=values.index, dtype=f"datetime64[ns, {tz}]")
    dst_rows: set = set()
    if (~has_offset).any():
        naive = pd.to_datetime(text[~has_offset], format="ISO8601", errors="coerce")
        ok = naive.notna()
        if ok.any():
            local = naive[ok].dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
            result.loc[local.index] = local
            for i in local.index[local.isna()]:
                dst_rows.add(i)
                problems.add(
                    f"{name} row {_row(i)}: {column} '{values[i]}' does not exist or is ambiguous in {tz} "
                    "(daylight-saving change); write it with its UTC offset",
                    kind=f"{name} {column} (daylight saving)",
                )
    if has_offset.any():
        aware = pd.to_datetime(text[has_offset], format="ISO8601", errors="coerce", utc=True)
        ok = aware.notna()
        result.loc[aware.index[ok]] = aware[ok].dt.tz_convert(tz)
    for i in result.index[result.isna() & (text != "")]:
        if i in dst_rows:
            continue
        problems.add(
            f"{name} row {_row(i)}: {column} '{values[i]}' is not a date and time; write e.g. 2026-12-01T08:30:00",
            kind=f"{name} {column} (unparseable)",
        )
    for i in result.index[text == ""]:
        problems.add(f"{name} row {_row(i)}: {column} is empty", kind=f"{name} {column} (empty)")
    return result


def _numbers(
    values: pd.Series, name: str, column: str, problems: _Problems, *, allow_blank: bool
) -> pd.Series:
    text = values.str.strip()
    num = pd.to_numeric(text.where(text != "", None), errors="coerce")
    bad = num.isna() & (text != "")
    bad |= ~np.isfinite(num.fillna(0))
    for i in values.index[bad]:
        problems.add(
            f"{name} row {_row(i)}: {column} '{values[i]}' is not a number", kind=f"{name} {column} (number)"
        )
    if not allow_blank:
        for i in values.index[text == ""]:
            problems.add(f"{name} row {_row(i)}: {column} is empty", kind=f"{name} {column} (empty)")
    return num.where(~bad)


# ---------------------------------------------------------------------------
# history.csv
# ---------------------------------------------------------------------------
def validate_history(
    frame: pd.DataFrame, queue_names: list[str], tz: str | None, problems: _Problems, name: str = HISTORY_FILE
) -> pd.DataFrame | None:
    """Check history.csv and return it typed (tz-aware ``interval_start``)."""
    if _missing_columns(name, frame, S.HISTORY_REQUIRED, problems):
        return None
    if frame.empty:
        problems.add(f"{name}: has a header but no rows; the forecast needs history")
        return None
    n0 = len(problems.lines)
    qnames = set(queue_names)
    qcol = frame[S.QUEUE].str.strip()
    if qnames:
        for i in frame.index[~qcol.isin(qnames)]:
            problems.add(
                f"{name} row {_row(i)}: queue '{qcol[i]}' is not a queue in {SCENARIO_FILE} "
                f"(queues: {', '.join(sorted(qnames))})",
                kind=f"{name} queue",
            )
    offered = _numbers(frame[S.OFFERED], name, S.OFFERED, problems, allow_blank=False)
    for i in frame.index[offered < 0]:
        problems.add(
            f"{name} row {_row(i)}: offered {frame[S.OFFERED][i]} is negative", kind=f"{name} offered (<0)"
        )
    aht = _numbers(frame[S.AHT_SECONDS], name, S.AHT_SECONDS, problems, allow_blank=True)
    for i in frame.index[(aht <= 0) | (aht > 4 * 3600)]:
        problems.add(
            f"{name} row {_row(i)}: aht_seconds {frame[S.AHT_SECONDS][i]} must be above 0 and at most 14400 seconds",
            kind=f"{name} aht_seconds (range)",
        )
    for i in frame.index[aht.isna() & (offered > 0) & (frame[S.AHT_SECONDS].str.strip() == "")]:
        problems.add(
            f"{name} row {_row(i)}: aht_seconds is empty but offered is {frame[S.OFFERED][i]}",
            kind=f"{name} aht_seconds (empty)",
        )
    typed = pd.DataFrame({S.QUEUE: qcol, S.OFFERED: offered, S.AHT_SECONDS: aht})
    for col in S.HISTORY_OPTIONAL:
        if col in frame.columns:
            v = _numbers(frame[col], name, col, problems, allow_blank=True)
            for i in frame.index[v < 0]:
                problems.add(
                    f"{name} row {_row(i)}: {col} {frame[col][i]} is negative", kind=f"{name} {col} (<0)"
                )
            typed[col] = v
    if tz is not None:
        ts = parse_local_timestamps(frame[S.INTERVAL_START], tz, name, S.INTERVAL_START, problems)
        typed[S.INTERVAL_START] = ts
        key = pd.DataFrame({"q": qcol, "t": ts})
        dup = key.duplicated(keep="first") & ts.notna()
        if dup.any():
            first = {k: i for i, k in zip(key.index[::-1], map(tuple, key.values[::-1]), strict=True)}
            for i in frame.index[dup]:
                problems.add(
                    f"{name} row {_row(i)}: duplicate interval {qcol[i]} {frame[S.INTERVAL_START][i]} "
                    f"(first at row {_row(first[(qcol[i], ts[i])])}); keep one row per queue and interval",
                    kind=f"{name} duplicate interval",
                )
    if len(problems.lines) > n0 or tz is None:
        return None
    cols = [S.QUEUE, S.INTERVAL_START, S.OFFERED, S.AHT_SECONDS] + [
        c for c in S.HISTORY_OPTIONAL if c in typed
    ]
    return typed[cols].sort_values([S.QUEUE, S.INTERVAL_START]).reset_index(drop=True)


# ---------------------------------------------------------------------------
# agents.csv
# ---------------------------------------------------------------------------
def validate_agents(
    frame: pd.DataFrame,
    queue_names: list[str],
    problems: _Problems,
    contracts: Mapping[str, S.Contract] | None = None,
) -> list[S.Agent]:
    name = AGENTS_FILE
    if _missing_columns(name, frame, S.AGENTS_COLUMNS, problems):
        return []
    if frame.empty:
        problems.add(f"{name}: has a header but no agents")
        return []
    qnames = list(queue_names)
    agents: list[S.Agent] = []
    seen: dict[str, int] = {}
    for i, r in frame.iterrows():
        row = _row(i)
        ok = True
        eid = r[S.EMPLOYEE_ID].strip()
        if not eid:
            problems.add(f"{name} row {row}: employee_id is empty")
            ok = False
        elif eid in seen:
            problems.add(f"{name} row {row}: employee_id '{eid}' already used at row {seen[eid]}")
            ok = False
        else:
            seen[eid] = row
        person = r[S.NAME].strip()
        if not person:
            problems.add(f"{name} row {row}: name is empty for {eid}")
            ok = False
        skills = tuple(s.strip() for s in r[S.SKILLS].split(";") if s.strip())
        if not skills:
            problems.add(f"{name} row {row}: skills is empty for {eid}; list queue names separated by ';'")
            ok = False
        for sk in skills:
            if qnames and sk not in qnames:
                problems.add(
                    f"{name} row {row}: skills '{sk}' is not a queue in {SCENARIO_FILE} (queues: {', '.join(qnames)})"
                )
                ok = False
        if len(set(skills)) != len(skills):
            problems.add(f"{name} row {row}: skills lists a queue twice: '{r[S.SKILLS]}'")
            ok = False
        contract_text = r[S.CONTRACT_MINUTES_PER_WEEK].strip()
        try:
            contract = int(float(contract_text))
            if float(contract_text) != contract or not 0 < contract <= 7 * 24 * 60:
                raise ValueError
        except ValueError:
            problems.add(
                f"{name} row {row}: contract_minutes_per_week '{contract_text}' must be a whole number of minutes "
                "above 0 (e.g. 2400 for 40 hours)"
            )
            ok = False
            contract = 0
        role = r[S.ROLE].strip()
        if role not in S.ROLES:
            problems.add(f"{name} row {row}: role '{role}' must be one of {', '.join(S.ROLES)}")
            ok = False
        start = _parse_date(r[S.START_DATE])
        if start is None:
            problems.add(f"{name} row {row}: start_date '{r[S.START_DATE]}' is not a date; write YYYY-MM-DD")
            ok = False
        contract_name = str(r[S.CONTRACT]).strip() if S.CONTRACT in frame.columns else ""
        if contract_name and contract_name not in (contracts or {}):
            known = ", ".join(sorted(contracts or {})) or "none defined"
            problems.add(
                f"{name} row {row}: contract '{contract_name}' is not a [[contracts]] name in {SCENARIO_FILE} "
                f"(contracts: {known})"
            )
            ok = False
        coaching_text = str(r[S.COACHING]).strip().lower() if S.COACHING in frame.columns else ""
        if coaching_text not in _YES | _NO:
            problems.add(f"{name} row {row}: coaching '{r[S.COACHING]}' must be yes or no (or empty)")
            ok = False
        if ok:
            agents.append(
                S.Agent(
                    employee_id=eid,
                    name=person,
                    team=r[S.TEAM].strip(),
                    skills=skills,
                    contract_minutes_per_week=contract,
                    role=role,
                    start_date=start,  # type: ignore[arg-type]
                    contract=contract_name or None,
                    coaching=coaching_text in _YES,
                )
            )
    return agents


# ---------------------------------------------------------------------------
# time_off.csv
# ---------------------------------------------------------------------------
def validate_time_off(
    frame: pd.DataFrame,
    agent_ids: set[str],
    shift_codes: set[str],
    horizon: S.Horizon | None,
    problems: _Problems,
    warnings: list[str],
) -> list[S.TimeOff]:
    name = TIME_OFF_FILE
    if _missing_columns(name, frame, S.TIME_OFF_COLUMNS, problems):
        return []
    out: list[S.TimeOff] = []
    hard_seen: dict[tuple[str, dt.date], tuple[int, str]] = {}
    request_seen: dict[tuple[str, dt.date, str, str | None], int] = {}
    has_weight = S.WEIGHT in frame.columns
    for i, r in frame.iterrows():
        row = _row(i)
        eid, ok = _employee(r, name, row, agent_ids, problems)
        day = _parse_date(r[S.DATE])
        if day is None:
            problems.add(f"{name} row {row}: date '{r[S.DATE]}' is not a date; write YYYY-MM-DD")
            ok = False
        kind = r[S.KIND].strip()
        if kind not in S.TIME_OFF_KINDS:
            problems.add(f"{name} row {row}: kind '{kind}' must be one of {', '.join(S.TIME_OFF_KINDS)}")
            ok = False
        code = r[S.SHIFT_CODE].strip() or None
        if kind in ("shift_request", "shift_off_request"):
            if code is None:
                problems.add(f"{name} row {row}: a {kind} needs a shift_code")
                ok = False
            elif shift_codes and code not in shift_codes:
                problems.add(
                    f"{name} row {row}: shift_code '{code}' is not defined in {SCENARIO_FILE} "
                    f"(shifts: {', '.join(sorted(shift_codes))})"
                )
                ok = False
        elif code is not None and kind in S.TIME_OFF_KINDS:
            problems.add(
                f"{name} row {row}: shift_code '{code}' is only allowed with kind shift_request or "
                f"shift_off_request, not {kind}"
            )
            ok = False
        weight: float | None = None
        raw_weight = r[S.WEIGHT] if has_weight else ""
        text = "" if pd.isna(raw_weight) else str(raw_weight).strip()
        if text:
            try:
                weight = float(text)
                if not math.isfinite(weight) or weight < 0:
                    raise ValueError
            except ValueError:
                problems.add(
                    f"{name} row {row}: weight '{text}' must be a number of cost units >= 0, or blank"
                )
                ok = False
            if kind in S.HARD_TIME_OFF_KINDS:
                problems.add(f"{name} row {row}: weight is only used by requests, not by {kind}")
                ok = False
        if not ok or day is None:
            continue
        if kind in S.HARD_TIME_OFF_KINDS:
            if (eid, day) in hard_seen:
                prev_row, prev_kind = hard_seen[(eid, day)]
                problems.add(
                    f"{name} row {row}: {eid} already has {prev_kind} on {day} (row {prev_row}); "
                    "keep one leave or unavailable entry per agent and day"
                )
                continue
            hard_seen[(eid, day)] = (row, kind)
        else:
            key = (eid, day, kind, code)
            if key in request_seen:
                problems.add(f"{name} row {row}: repeats row {request_seen[key]} ({eid} {kind} on {day})")
                continue
            request_seen[key] = row
        if horizon is not None and not (horizon.start <= day <= horizon.end):
            warnings.append(f"{name} row {row}: {day} is outside the horizon and is ignored")
            continue
        out.append(S.TimeOff(employee_id=eid, date=day, kind=kind, shift_code=code, weight=weight))
    return out


def _employee(
    r: pd.Series, name: str, row: int, agent_ids: set[str], problems: _Problems
) -> tuple[str, bool]:
    """A row's employee_id, and whether agents.csv has it."""
    eid = r[S.EMPLOYEE_ID].strip()
    if agent_ids and eid not in agent_ids:
        problems.add(f"{name} row {row}: employee_id '{eid}' is not in {AGENTS_FILE}")
        return eid, False
    return eid, True


# ---------------------------------------------------------------------------
# availability.csv and shift_cover.csv (optional)
# ---------------------------------------------------------------------------
def _parse_clock(text: str, *, allow_midnight_end: bool) -> int | None:
    t = _parse_hhmm(text) if isinstance(text, str) else None
    if t is None:
        return None
    minute = t.hour * 60 + t.minute
    return 24 * 60 if (allow_midnight_end and minute == 0) else minute


def validate_availability(
    frame: pd.DataFrame, agent_ids: set[str], problems: _Problems
) -> list[S.Availability]:
    name = AVAILABILITY_FILE
    if _missing_columns(name, frame, S.AVAILABILITY_COLUMNS, problems):
        return []
    out: list[S.Availability] = []
    for i, r in frame.iterrows():
        row = _row(i)
        eid, ok = _employee(r, name, row, agent_ids, problems)
        day_text = r[S.DAY].strip()
        weekday = S.WEEKDAYS.index(day_text.lower()) if day_text.lower() in S.WEEKDAYS else None
        date = _parse_date(day_text) if weekday is None else None
        if weekday is None and date is None:
            problems.add(
                f"{name} row {row}: day '{day_text}' must be a weekday name (monday .. sunday) or a date YYYY-MM-DD"
            )
            ok = False
        start = _parse_clock(r["start"], allow_midnight_end=False)
        end = _parse_clock(r["end"], allow_midnight_end=True)
        if start is None:
            problems.add(f"{name} row {row}: start '{r['start']}' must be HH:MM (24-hour)")
            ok = False
        if end is None:
            problems.add(f"{name} row {row}: end '{r['end']}' must be HH:MM (24-hour; 00:00 means midnight)")
            ok = False
        if start is not None and end is not None and end <= start:
            problems.add(f"{name} row {row}: end {r['end']} is not after start {r['start']}")
            ok = False
        if ok:
            out.append(S.Availability(eid, weekday, date, start, end))  # type: ignore[arg-type]
    return out


def validate_shift_cover(
    frame: pd.DataFrame, shift_codes: set[str], horizon: S.Horizon | None, problems: _Problems
) -> list[S.ShiftCover]:
    name = SHIFT_COVER_FILE
    if _missing_columns(name, frame, S.SHIFT_COVER_COLUMNS, problems):
        return []
    out: list[S.ShiftCover] = []
    seen: dict[tuple[dt.date, str], int] = {}
    for i, r in frame.iterrows():
        row = _row(i)
        ok = True
        day = _parse_date(r[S.DATE])
        if day is None:
            problems.add(f"{name} row {row}: date '{r[S.DATE]}' is not a date; write YYYY-MM-DD")
            ok = False
        elif horizon is not None and not (horizon.start <= day <= horizon.end):
            problems.add(
                f"{name} row {row}: date {day} is outside the horizon {horizon.start} to {horizon.end}"
            )
            ok = False
        code = r[S.SHIFT_CODE].strip()
        if shift_codes and code not in shift_codes:
            problems.add(f"{name} row {row}: shift_code '{code}' is not defined in {SCENARIO_FILE}")
            ok = False
        numbers: dict[str, float] = {}
        for col in ("required", S.UNDER_WEIGHT, S.OVER_WEIGHT):
            text = str(r[col]).strip()
            try:
                value = float(text)
                if not math.isfinite(value) or value < 0 or (col == "required" and not value.is_integer()):
                    raise ValueError
                numbers[col] = value
            except ValueError:
                what = "a whole number of agents >= 0" if col == "required" else "a number >= 0"
                problems.add(f"{name} row {row}: {col} '{text}' must be {what}")
                ok = False
        if ok and day is not None:
            if (day, code) in seen:
                problems.add(f"{name} row {row}: {day} {code} already has a row ({seen[(day, code)]})")
                continue
            seen[(day, code)] = row
            out.append(
                S.ShiftCover(
                    day, code, int(numbers["required"]), numbers[S.UNDER_WEIGHT], numbers[S.OVER_WEIGHT]
                )
            )
    return out


# ---------------------------------------------------------------------------
# Cross-file checks and assembly
# ---------------------------------------------------------------------------
def _check_shift_grid(shifts: list[S.ShiftTemplate], problems: _Problems) -> None:
    for s in shifts:
        if s.start_minute % 15:
            problems.add(
                f"{SCENARIO_FILE} [[shifts]] '{s.code}': start {s.start:%H:%M} must be on the 15-minute grid"
            )
        if s.length_minutes % 15:
            problems.add(
                f"{SCENARIO_FILE} [[shifts]] '{s.code}': paid + unpaid minutes ({s.length_minutes}) must be a "
                "multiple of 15"
            )
        if s.length_minutes > 16 * 60:
            problems.add(
                f"{SCENARIO_FILE} [[shifts]] '{s.code}': shifts longer than 16 hours are not allowed"
            )


def build_scenario(raw: RawScenario) -> S.Scenario:
    """Validate a raw scenario folder and assemble the typed :class:`Scenario`.

    Raises :class:`InputError` with every problem found.
    """
    problems = _Problems()
    warnings: list[str] = []
    for p in raw.problems:
        problems.add(p)
    parsed: dict[str, Any] | None = None
    if SCENARIO_FILE in raw.texts:
        parsed = parse_scenario_toml(raw.texts[SCENARIO_FILE], problems)
    queues: list[S.Queue] = parsed.get("queues", []) if parsed else []
    shifts: list[S.ShiftTemplate] = parsed.get("shifts", []) if parsed else []
    horizon: S.Horizon | None = parsed.get("horizon") if parsed else None
    queue_names: list[str] = parsed.get("queue_names", []) if parsed else []
    shift_codes: list[str] = parsed.get("shift_codes", []) if parsed else []
    _check_shift_grid(shifts, problems)
    break_rules: tuple[S.BreakRule, ...] = parsed.get("break_rules", ()) if parsed else ()
    if break_rules:
        from wfm.roster.breaks import check_rules

        for line in check_rules(shifts, break_rules):
            problems.add(f"{SCENARIO_FILE} {line}")
    history = None
    if HISTORY_FILE in raw.frames:
        history = validate_history(
            raw.frames[HISTORY_FILE], queue_names, horizon.timezone if horizon else None, problems
        )
        if history is not None and horizon is not None:
            for q in queues:
                if not (history[S.QUEUE] == q.name).any():
                    problems.add(
                        f"{HISTORY_FILE}: no rows for queue '{q.name}'; the forecast needs its history"
                    )
    contracts: dict[str, S.Contract] = parsed.get("contracts", {}) if parsed else {}
    agents: list[S.Agent] = []
    if AGENTS_FILE in raw.frames:
        agents = validate_agents(raw.frames[AGENTS_FILE], queue_names, problems, contracts)
    time_off: list[S.TimeOff] = []
    if TIME_OFF_FILE in raw.frames:
        # every id present in agents.csv, valid row or not, so one bad agent row is reported once
        known_ids = (
            set(raw.frames[AGENTS_FILE][S.EMPLOYEE_ID].str.strip())
            if AGENTS_FILE in raw.frames and S.EMPLOYEE_ID in raw.frames[AGENTS_FILE].columns
            else set()
        )
        time_off = validate_time_off(
            raw.frames[TIME_OFF_FILE],
            known_ids,
            set(shift_codes),
            horizon,
            problems,
            warnings,
        )
    # every id present in agents.csv, valid row or not, so one bad agent row is reported once
    known_agents = (
        set(raw.frames[AGENTS_FILE][S.EMPLOYEE_ID].str.strip())
        if AGENTS_FILE in raw.frames and S.EMPLOYEE_ID in raw.frames[AGENTS_FILE].columns
        else set()
    )
    availability = (
        validate_availability(raw.frames[AVAILABILITY_FILE], known_agents, problems)
        if AVAILABILITY_FILE in raw.frames
        else []
    )
    shift_cover = (
        validate_shift_cover(raw.frames[SHIFT_COVER_FILE], set(shift_codes), horizon, problems)
        if SHIFT_COVER_FILE in raw.frames
        else []
    )
    if SPECIAL_DAYS_FILE in raw.frames:
        from wfm.special_days import parse_special_days

        try:
            parse_special_days(raw.frames[SPECIAL_DAYS_FILE], SPECIAL_DAYS_FILE)
        except S.InputError as exc:
            for line in exc.problems:
                problems.add(line)
    sections = parsed.get("activities") if parsed else None
    courses: list[S.Course] = []
    if sections is not None:
        if TRAINING_FILE in raw.frames:
            sections["courses"] = sections["courses"] + validate_training(raw.frames[TRAINING_FILE], problems)
        courses = check_activities(sections, agents, queue_names, problems)
    for w in warnings:
        log.warning(w)
    if problems or parsed is None or horizon is None or history is None:
        lines = problems.finish()
        if not lines:  # pragma: no cover - defensive: something unusable without a message
            lines = [f"{raw.directory}: scenario could not be read"]
        raise S.InputError(lines)
    name = parsed.get("name") or raw.directory.name
    scenario = S.Scenario(
        name=name,
        horizon=horizon,
        queues=tuple(queues),
        shifts=tuple(shifts),
        rules=parsed["rules"],
        shrinkage=parsed["shrinkage"],
        solver=parsed["solver"],
        weights=parsed["weights"],
        agents=tuple(agents),
        time_off=tuple(time_off),
        history=history,
        contracts=contracts,
        shift_cover=tuple(shift_cover),
        availability=tuple(availability),
        break_rules=break_rules,
        wellbeing=sections["wellbeing"],
        courses=tuple(courses),
        onboarding=sections["onboarding"],
        mentoring=sections["mentoring"],
        country=parsed.get("country"),
        source_dir=str(raw.directory.resolve()),
        input_hashes=dict(raw.hashes),
        raw_toml=raw.texts.get(SCENARIO_FILE, ""),
    )
    if scenario.mentoring is not None:
        from wfm.activities import pair_mentors

        pair_mentors(scenario)  # raises InputError naming the mentee without a mentor
    return scenario


# ---------------------------------------------------------------------------
# Stage files: forecast.csv, requirements.csv, roster.csv / HR_Import
# ---------------------------------------------------------------------------
def _typed_stage(
    frame: pd.DataFrame,
    name: str,
    tz: str,
    *,
    timestamps: tuple[str, ...],
    numbers: tuple[str, ...],
    optional_numbers: tuple[str, ...] = (),
    queues: set[str] | None = None,
) -> tuple[pd.DataFrame, _Problems]:
    problems = _Problems()
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        out[col] = frame[col].str.strip()
    for col in timestamps:
        out[col] = parse_local_timestamps(frame[col], tz, name, col, problems)
    for col in numbers:
        out[col] = _numbers(frame[col], name, col, problems, allow_blank=False)
    for col in optional_numbers:
        if col in frame.columns:
            out[col] = _numbers(frame[col], name, col, problems, allow_blank=True)
    if queues is not None and S.QUEUE in frame.columns:
        qcol = out[S.QUEUE]
        for i in frame.index[(qcol != "") & ~qcol.isin(queues)]:
            problems.add(
                f"{name} row {_row(i)}: queue '{qcol[i]}' is not a queue in {SCENARIO_FILE} "
                f"(queues: {', '.join(sorted(queues))})",
                kind=f"{name} queue",
            )
    return out, problems


def parse_forecast(frame: pd.DataFrame, scenario: S.Scenario, name: str = "forecast.csv") -> pd.DataFrame:
    """Type a forecast CSV (queue, ds, yhat[, yhat_lower, yhat_upper], aht_seconds)."""
    out, problems = _typed_stage(
        frame,
        name,
        scenario.horizon.timezone,
        timestamps=(S.DS,),
        numbers=(S.YHAT, S.AHT_SECONDS),
        optional_numbers=(S.YHAT_LOWER, S.YHAT_UPPER),
        queues={q.name for q in scenario.queues},
    )
    for i in frame.index[out[S.YHAT] < 0]:
        problems.add(f"{name} row {_row(i)}: yhat {frame[S.YHAT][i]} is negative", kind=f"{name} yhat (<0)")
    if problems:
        raise S.InputError(problems.finish())
    for col in (S.YHAT_LOWER, S.YHAT_UPPER):
        if col not in out:
            out[col] = out[S.YHAT]
    return out[list(S.FORECAST_COLUMNS)]


def parse_requirements(
    frame: pd.DataFrame, scenario: S.Scenario, name: str = "requirements.csv"
) -> pd.DataFrame:
    """Type a requirements CSV; ``agents_required_gross`` is what the roster covers."""
    out, problems = _typed_stage(
        frame,
        name,
        scenario.horizon.timezone,
        timestamps=(S.DS,),
        numbers=(S.AGENTS_REQUIRED_GROSS,),
        optional_numbers=(S.AGENTS_REQUIRED, S.SERVICE_LEVEL, S.ASA_SECONDS, S.OCCUPANCY, S.ABANDON_RATE),
        queues={q.name for q in scenario.queues},
    )
    for i in frame.index[out[S.AGENTS_REQUIRED_GROSS] < 0]:
        problems.add(f"{name} row {_row(i)}: agents_required_gross is negative", kind=f"{name} required (<0)")
    if problems:
        raise S.InputError(problems.finish())
    out[S.AGENTS_REQUIRED_GROSS] = out[S.AGENTS_REQUIRED_GROSS].round().astype(int)
    return out


_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


def parse_activities(frame: pd.DataFrame, scenario: S.Scenario, name: str = "roster.csv") -> pd.DataFrame:
    """Type HR_Import rows read from a CSV or a workbook sheet (all cells as text)."""
    if S.DETAIL not in frame.columns:  # optional: rosters written before activities had details
        frame = frame.assign(**{S.DETAIL: ""})
    out, problems = _typed_stage(
        frame,
        name,
        scenario.horizon.timezone,
        timestamps=(S.START, S.END),
        numbers=(S.MINUTES,),
        queues={q.name for q in scenario.queues},
    )
    dates = []
    for i, v in frame[S.DATE].items():
        d = _parse_date(str(v)[:10])
        if d is None:
            problems.add(
                f"{name} row {_row(i)}: date '{v}' is not a date; write YYYY-MM-DD", kind=f"{name} date"
            )
        dates.append(d)
    out[S.DATE] = dates
    acts = out[S.ACTIVITY].str.upper()
    for i in frame.index[~acts.isin(S.ACTIVITIES)]:
        problems.add(
            f"{name} row {_row(i)}: activity '{frame[S.ACTIVITY][i]}' must be one of {', '.join(S.ACTIVITIES)}",
            kind=f"{name} activity",
        )
    out[S.ACTIVITY] = acts
    paid = out[S.PAID].str.lower()
    for i in frame.index[~paid.isin(_TRUE | _FALSE)]:
        problems.add(
            f"{name} row {_row(i)}: paid '{frame[S.PAID][i]}' must be TRUE or FALSE", kind=f"{name} paid"
        )
    out[S.PAID] = paid.isin(_TRUE)
    out[S.QUEUE] = out[S.QUEUE].where(out[S.QUEUE] != "", None)
    if problems:
        raise S.InputError(problems.finish())
    out[S.MINUTES] = out[S.MINUTES].round().astype(int)
    return out[list(S.HR_IMPORT_COLUMNS)]


# ---------------------------------------------------------------------------
# [wellbeing], [onboarding], [mentoring], [[courses]] and training.csv
# ---------------------------------------------------------------------------
# kind of each key: ("int", lo, hi), ("float", lo, hi), ("bool",), ("window",), ("strs",), ("weekdays",), ("dates",)
_WELLBEING_SPEC: dict[str, tuple] = {
    "max_continuous_phone_minutes": ("int", 30, 12 * 60),
    "no_late_then_early": ("bool",),
    "max_consecutive_late": ("int", 1, 31),
    "team_session_minutes": ("int", 15, 8 * 60),
    "team_session_window": ("window",),
    "team_session_min_share": ("float", 0.0, 1.0),
    "recovery_minutes": ("int", 5, 60),
    "recovery_after_minutes": ("int", 30, 12 * 60),
    "recovery_occupancy": ("float", 0.0, 1.0),
}
_ONBOARDING_SPEC: dict[str, tuple] = {
    "days": ("int", 0, 366),
    "share": ("float", 0.0, 1.0),
    "ramp_up_days": ("int", 0, 366),
    "ramp_up_fraction": ("float", 0.0, 1.0),
}
_MENTORING_SPEC: dict[str, tuple] = {
    "mentor_roles": ("strs",),
    "max_mentees": ("int", 1, 50),
    "same_shift_share": ("float", 0.0, 1.0),
    "coaching_minutes": ("int", 0, 8 * 60),
    "min_week_days": ("int", 1, 7),
}
_COURSE_SPEC: dict[str, tuple] = {
    "name": ("str",),
    "session_minutes": ("int", 15, 12 * 60),
    "sessions": ("int", 1, 31),
    "roles": ("strs",),
    "skills": ("strs",),
    "agents": ("strs",),
    "capacity": ("int", 1, 10_000),
    "trainer": ("str",),
    "weekdays": ("weekdays",),
    "dates": ("dates",),
    "window": ("window",),
    "hard": ("bool",),
}
TRAINING_COLUMNS = (
    "course",
    "session_minutes",
    "sessions",
    "roles",
    "skills",
    "agents",
    "capacity",
    "trainer",
    "days",
    "window",
    "hard",
)
_YES = {"yes", "true", "1", "y"}
_NO = {"no", "false", "0", "n", ""}


def _typed_value(value: Any, spec: tuple, where: str, key: str, problems: _Problems) -> Any:
    """``value`` converted per ``spec`` (see _WELLBEING_SPEC), or None with a problem recorded."""
    kind = spec[0]
    bad = f"{where}: '{key}' = {value!r}"
    if kind in ("int", "float"):
        ok_type = isinstance(value, int if kind == "int" else (int, float)) and not isinstance(value, bool)
        if not ok_type or not spec[1] <= value <= spec[2]:
            noun = "a whole number" if kind == "int" else "a number"
            problems.add(f"{bad} must be {noun} from {spec[1]} to {spec[2]}")
            return None
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            problems.add(f"{bad} must be true or false")
            return None
        return value
    if kind == "str":
        if not isinstance(value, str) or not value.strip():
            problems.add(f"{bad} must be a non-empty text")
            return None
        return value.strip()
    if kind in ("strs", "weekdays", "dates"):
        if not isinstance(value, list) or not all(isinstance(v, (str, dt.date)) for v in value):
            problems.add(f'{bad} must be a list, e.g. {key} = ["..."]')
            return None
        if kind == "strs":
            return tuple(str(v).strip() for v in value if str(v).strip())
        if kind == "weekdays":
            names = [str(v).strip().lower() for v in value]
            unknown = [n for n in names if n not in S.WEEKDAYS and n[:3] not in [w[:3] for w in S.WEEKDAYS]]
            if unknown:
                problems.add(f"{bad}: '{unknown[0]}' is not a weekday (monday .. sunday)")
                return None
            return tuple(sorted({[w[:3] for w in S.WEEKDAYS].index(n[:3]) for n in names}))
        out = []
        for v in value:
            day = v if isinstance(v, dt.date) and not isinstance(v, dt.datetime) else _parse_date(v)
            if day is None:
                problems.add(f"{bad}: '{v}' is not a date; write YYYY-MM-DD")
                return None
            out.append(day)
        return tuple(sorted(set(out)))
    if kind == "window":
        times = (
            [_parse_hhmm(t) if isinstance(t, str) else None for t in value] if isinstance(value, list) else []
        )
        if len(times) != 2 or None in times:
            problems.add(f'{bad} must be two HH:MM times, e.g. {key} = ["09:00", "17:00"]')
            return None
        w0 = times[0].hour * 60 + times[0].minute
        w1 = times[1].hour * 60 + times[1].minute or 24 * 60
        if w1 <= w0:
            problems.add(f'{bad}: the end is not after the start (use "00:00" for midnight)')
            return None
        return (w0, w1)
    raise AssertionError(kind)  # pragma: no cover


def _typed_table(
    table: Any, spec: dict[str, tuple], where: str, problems: _Problems
) -> dict[str, Any] | None:
    if not isinstance(table, dict):
        problems.add(f"{where}: must be a table")
        return None
    out: dict[str, Any] = {}
    ok = True
    for key, value in table.items():
        if key not in spec:
            problems.add(f"{where}: unknown key '{key}' (known keys: {', '.join(spec)})")
            ok = False
            continue
        typed = _typed_value(value, spec[key], where, key, problems)
        if typed is None:
            ok = False
        else:
            out[key] = typed
    return out if ok else None


def parse_activity_sections(doc: dict[str, Any], problems: _Problems) -> dict[str, Any]:
    """[wellbeing], [onboarding], [mentoring] and [[courses]] of scenario.toml (cross-checked in build_scenario)."""
    out: dict[str, Any] = {"wellbeing": S.Wellbeing(), "onboarding": None, "mentoring": None, "courses": []}
    if "wellbeing" in doc:
        vals = _typed_table(doc["wellbeing"], _WELLBEING_SPEC, f"{SCENARIO_FILE} [wellbeing]", problems)
        if vals is not None:
            out["wellbeing"] = S.Wellbeing(**vals)
    if "onboarding" in doc:
        vals = _typed_table(doc["onboarding"], _ONBOARDING_SPEC, f"{SCENARIO_FILE} [onboarding]", problems)
        if vals is not None:
            out["onboarding"] = S.Onboarding(**vals)
    if "mentoring" in doc:
        where = f"{SCENARIO_FILE} [mentoring]"
        vals = _typed_table(doc["mentoring"], _MENTORING_SPEC, where, problems)
        if vals is not None:
            bad = [r for r in vals.get("mentor_roles", ()) if r not in S.ROLES]
            if bad:
                problems.add(f"{where}: mentor_roles '{bad[0]}' is not a role (roles: {', '.join(S.ROLES)})")
            else:
                out["mentoring"] = S.Mentoring(**vals)
    if "courses" in doc:
        for i, tb in enumerate(_array_of_tables(doc, "courses", "course", problems), start=1):
            where = f"{SCENARIO_FILE} [[courses]] #{i}"
            vals = _typed_table(tb, _COURSE_SPEC, where, problems)
            if vals is None:
                continue
            missing = [k for k in ("name", "session_minutes") if k not in vals]
            if missing:
                problems.add(f"{where}: missing required key '{missing[0]}'")
                continue
            out["courses"].append((where, S.Course(**vals)))
    return out


def validate_training(frame: pd.DataFrame, problems: _Problems) -> list[tuple[str, S.Course]]:
    """training.csv: one course per row (the [[courses]] keys; ';'-separated lists, window '09:00-17:00')."""
    name = TRAINING_FILE
    if _missing_columns(name, frame, ("course", "session_minutes"), problems):
        return []
    unknown = [c for c in frame.columns if c not in TRAINING_COLUMNS]
    if unknown:
        problems.add(f"{name}: unknown column '{unknown[0]}' (columns: {', '.join(TRAINING_COLUMNS)})")
        return []
    courses = []
    for i, r in frame.iterrows():
        where = f"{name} row {_row(i)}"
        table: dict[str, Any] = {}
        for col in frame.columns:
            text = str(r[col]).strip()
            if not text:
                continue
            key = {"course": "name"}.get(col, col)
            if col in ("session_minutes", "sessions", "capacity"):
                try:
                    table[key] = int(text)
                except ValueError:
                    problems.add(f"{where}: {col} '{text}' must be a whole number")
            elif col in ("roles", "skills", "agents"):
                table[key] = [v.strip() for v in text.split(";") if v.strip()]
            elif col == "days":
                parts = [v.strip() for v in text.split(";") if v.strip()]
                if all(_parse_date(p) is not None for p in parts):
                    table["dates"] = parts
                else:
                    table["weekdays"] = parts
            elif col == "window":
                table[key] = [v.strip() for v in text.split("-")]
            elif col == "hard":
                if text.lower() not in _YES | _NO:
                    problems.add(f"{where}: hard '{text}' must be yes or no")
                else:
                    table[key] = text.lower() in _YES
            else:
                table[key] = text
        # the cells that did read are still typed and cross-checked, so one pass lists every problem of the
        # row (a recorded problem stops the run before any course is used)
        vals = _typed_table(table, _COURSE_SPEC, where, problems)
        if vals is not None and "name" in vals and "session_minutes" in vals:
            courses.append((where, S.Course(**vals)))
    return courses


def check_activities(
    sections: dict[str, Any], agents: list[S.Agent], queue_names: list[str], problems: _Problems
) -> list[S.Course]:
    """Cross-check courses and mentoring against agents.csv; returns the courses."""
    ids = {a.employee_id for a in agents}
    courses: list[S.Course] = []
    seen: dict[str, str] = {}
    for where, course in sections["courses"]:
        ok = True
        if course.name in seen:
            problems.add(f"{where}: course name '{course.name}' is already used by {seen[course.name]}")
            ok = False
        seen.setdefault(course.name, where)
        for role in course.roles:
            if role not in S.ROLES:
                problems.add(f"{where}: roles '{role}' is not a role (roles: {', '.join(S.ROLES)})")
                ok = False
        for skill in course.skills:
            if skill not in queue_names:
                problems.add(f"{where}: skills '{skill}' is not a queue (queues: {', '.join(queue_names)})")
                ok = False
        for eid in course.agents + ((course.trainer,) if course.trainer else ()):
            if agents and eid not in ids:
                problems.add(f"{where}: '{eid}' is not an employee_id in {AGENTS_FILE}")
                ok = False
        if (
            ok
            and agents
            and not any(
                a.role in course.roles or set(a.skills) & set(course.skills) or a.employee_id in course.agents
                for a in agents
                if a.employee_id != course.trainer
            )
        ):
            problems.add(
                f"{where}: course '{course.name}' has no attendees (no agent matches its roles, skills or agents)"
            )
            ok = False
        if ok and course.session_minutes % 15:
            problems.add(f"{where}: session_minutes {course.session_minutes} must be a multiple of 15")
            ok = False
        if ok and course.window[1] - course.window[0] < course.session_minutes:
            problems.add(f"{where}: window is shorter than session_minutes {course.session_minutes}")
            ok = False
        if ok:
            courses.append(course)
    wb: S.Wellbeing = sections["wellbeing"]
    if wb.team_session_minutes and wb.team_session_minutes % 15:
        problems.add(f"{SCENARIO_FILE} [wellbeing]: team_session_minutes must be a multiple of 15")
    mentoring: S.Mentoring | None = sections["mentoring"]
    if mentoring is not None and mentoring.coaching_minutes % 15:
        problems.add(f"{SCENARIO_FILE} [mentoring]: coaching_minutes must be a multiple of 15")
    return courses
