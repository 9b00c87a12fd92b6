"""Typed soft-penalty terms and their ledger.

Every soft rule returns a list of these terms.  A term knows its objective
contribution (integer coefficients, see :data:`SCALE`) and how to turn the
solved values into readable ledger rows.

Scaling.  CP-SAT needs integer coefficients, so the objective is expressed in
``1 / SCALE`` cost units: a weight ``w`` (cost units per agent-interval, per
hour, per request) becomes the integer ``round(w * SCALE / base)`` per *base
unit* (a minute of on-phone time, a paid minute, a request).  With
``SCALE = 120`` every integer weight (and every multiple of 0.5 for the
1.5x coverage tier) is exact for 15- and 30-minute intervals and for hours;
other weights are rounded and a warning is logged.  Ledger costs are reported
back in cost units (``scaled / SCALE``).

Two kinds of term:

* :class:`LinearPenalty` -- cost proportional to a linear expression of the
  decisions (a worked day against a day-off request, a missed contract minute).
  Exact by construction.
* :class:`TieredShortfall` -- a convex piecewise cost of the shortfall of a
  driver expression below a target plus a linear cost of the excess above it,
  modelled with bounded slack variables.  The ledger recomputes shortfall and
  excess from the driver's value, so it reports the exact cost of the roster
  even when a time-limited run returns slacks that are not tight.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd
from ortools.sat.python import cp_model

log = logging.getLogger(__name__)

SCALE = 120
"""Objective units per cost unit."""

LEDGER_COLUMNS = ("rule", "employee_id", "queue", "ds", "date", "amount", "unit", "cost")


def scaled_coefficient(weight: float, base_per_unit: int, what: str) -> int:
    """Integer objective coefficient per base unit for ``weight`` cost units per ``base_per_unit`` base units."""
    exact = weight * SCALE / base_per_unit
    coeff = round(exact)
    if not math.isclose(coeff, exact, rel_tol=0, abs_tol=1e-9):
        log.warning("weight %s (%s) rounded to %s/%s per unit in the objective", weight, what, coeff, SCALE)
    return coeff


@dataclass(frozen=True)
class Label:
    """Where a penalty belongs, in the scheduler's words."""

    rule: str
    unit: str
    employee_id: str | None = None
    queue: str | None = None
    ds: pd.Timestamp | None = None
    date: dt.date | None = None

    def row(self, amount: float, cost: float) -> dict:
        return {
            "rule": self.rule,
            "employee_id": self.employee_id,
            "queue": self.queue,
            "ds": self.ds,
            "date": self.date,
            "amount": amount,
            "unit": self.unit,
            "cost": cost,
        }


Value = Callable[[cp_model.LinearExprT], int]


@dataclass(frozen=True)
class LinearPenalty:
    """``coeff * expr`` where ``expr`` counts base units; the ledger reports ``expr / base_per_unit``."""

    label: Label
    expr: cp_model.LinearExprT
    coeff: int
    base_per_unit: int = 1

    def objective(self) -> tuple[list[cp_model.LinearExprT], list[int], int]:
        return [self.expr], [self.coeff], 0

    def ledger(self, value: Value) -> list[dict]:
        base = value(self.expr)
        if base == 0 or self.coeff == 0:
            return []
        return [self.label.row(base / self.base_per_unit, self.coeff * base / SCALE)]


@dataclass(frozen=True)
class Tier:
    """A shortfall band of ``width`` base units (``None``: unbounded) costing ``coeff`` per base unit."""

    width: int | None
    coeff: int


@dataclass
class TieredShortfall:
    """Convex cost of ``target - driver`` when positive, linear cost of ``driver - target`` when positive.

    With shortfall bands ``0 <= short_i <= width_i`` and ``over = driver +
    sum(short_i) - target >= 0`` the cost is ``sum(c_i * short_i) + c_over *
    over``.  ``over`` is substituted out, leaving one inequality
    ``driver + sum(short_i) >= target`` and the objective ``sum((c_i + c_over)
    * short_i) + c_over * driver - c_over * target``.  Tier coefficients must be
    non-decreasing so that minimisation fills the cheap bands first.  A
    constant driver (nobody can ever cover) adds no variables: its cost is a
    constant offset.
    """

    short_label: Label
    over_label: Label
    driver: cp_model.LinearExprT
    target: int
    tiers: Sequence[Tier]
    over_coeff: int
    base_per_unit: int
    model: cp_model.CpModel = field(repr=False)
    constant_driver: int | None = None
    key: object = None  # what the driver measures, e.g. (queue, interval) -- for solution hints
    _short_vars: list = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        coeffs = [t.coeff for t in self.tiers]
        if coeffs != sorted(coeffs):
            raise ValueError("tier coefficients must be non-decreasing (convex shortfall cost)")
        if self.constant_driver is not None:
            return
        remaining = self.target
        name = self.short_label.queue or self.short_label.employee_id or ""
        stamp = self.short_label.ds if self.short_label.ds is not None else self.short_label.date
        for i, tier in enumerate(self.tiers):
            if remaining <= 0:
                break
            width = remaining if tier.width is None else min(tier.width, remaining)
            var = self.model.new_int_var(0, width, f"short{i + 1}[{name}, {stamp}]")
            self._short_vars.append((var, tier.coeff, width))
            remaining -= width
        if remaining > 0:
            raise ValueError("the last tier must be unbounded")
        self.model.add(self.driver + sum(v for v, _, _ in self._short_vars) >= self.target)

    def hint(self, driver_value: int) -> list[tuple[cp_model.IntVar, int]]:
        """Tight slack values for a driver value (for a solution hint)."""
        out, remaining = [], max(0, self.target - driver_value)
        for var, _, width in self._short_vars:
            band = min(remaining, width)
            out.append((var, band))
            remaining -= band
        return out

    def objective(self) -> tuple[list[cp_model.LinearExprT], list[int], int]:
        if self.constant_driver is not None:
            return [], [], self._cost(self.constant_driver)
        exprs = [v for v, _, _ in self._short_vars] + [self.driver]
        coeffs = [c + self.over_coeff for _, c, _ in self._short_vars] + [self.over_coeff]
        return exprs, coeffs, -self.over_coeff * self.target

    def _split(self, driver_value: int) -> tuple[int, int, int]:
        """(shortfall, scaled shortfall cost, excess) for a driver value."""
        short = max(0, self.target - driver_value)
        cost, remaining = 0, short
        for tier in self.tiers:
            band = remaining if tier.width is None else min(tier.width, remaining)
            cost += band * tier.coeff
            remaining -= band
        return short, cost, max(0, driver_value - self.target)

    def _cost(self, driver_value: int) -> int:
        _, short_cost, over = self._split(driver_value)
        return short_cost + over * self.over_coeff

    def ledger(self, value: Value) -> list[dict]:
        driver_value = self.constant_driver if self.constant_driver is not None else value(self.driver)
        short, short_cost, over = self._split(driver_value)
        rows = []
        if short > 0 and short_cost:
            rows.append(self.short_label.row(short / self.base_per_unit, short_cost / SCALE))
        if over > 0 and self.over_coeff:
            rows.append(self.over_label.row(over / self.base_per_unit, over * self.over_coeff / SCALE))
        return rows


Penalty = LinearPenalty | TieredShortfall


def objective_terms(penalties: Sequence[Penalty]) -> tuple[list[cp_model.LinearExprT], list[int], int]:
    """Every penalty's objective as one weighted sum: ``(expressions, coefficients, constant)`` (scaled)."""
    exprs: list[cp_model.LinearExprT] = []
    coeffs: list[int] = []
    offset = 0
    for p in penalties:
        e, c, k = p.objective()
        exprs += e
        coeffs += c
        offset += k
    return exprs, coeffs, offset


def ledger_frame(penalties: Sequence[Penalty], value: Value) -> pd.DataFrame:
    """The penalty ledger: one row per nonzero soft penalty (LEDGER_COLUMNS)."""
    rows = [row for p in penalties for row in p.ledger(value)]
    frame = pd.DataFrame(rows, columns=list(LEDGER_COLUMNS))
    if frame.empty:
        return frame.astype({"amount": float, "cost": float})
    return frame.reset_index(drop=True)
