"""The CP-SAT roster model: one unit per business rule.

Public entry points:

* :func:`solve_roster` -- scenario + gross requirements -> :class:`~wfm.schema.RosterSolution`.
* :func:`lunch_window`, :func:`shift_segments`, :func:`on_phone_minutes`,
  :func:`leave_credit_minutes` -- the shift conventions export and the checker share.
* :func:`build_model` -- the model itself, for tests and what-if pins.
"""

from wfm.roster.shifts import (
    ShiftTimes,
    leave_credit_minutes,
    lunch_window,
    on_phone_minutes,
    shift_segments,
    wall_clock,
)


def __getattr__(name: str):
    # imported lazily so that the shift conventions (used by the checker) do not load ortools
    if name in ("build_model", "solve_roster"):
        from wfm.roster import solve

        return getattr(solve, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ShiftTimes",
    "build_model",
    "leave_credit_minutes",
    "lunch_window",
    "on_phone_minutes",
    "shift_segments",
    "solve_roster",
    "wall_clock",
]
