"""One module per business rule.

Each unit's docstring states its rule in the scheduler's words, and its
``add(rm)`` adds the rule's constraints to a :class:`~wfm.roster.model.RosterModel`
and returns its named penalty terms (empty for hard rules).  The model sums
the penalties of every unit in :data:`RULES` (see :func:`rule_units`); adding a
rule means adding a module and listing it here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel
    from wfm.roster.penalties import Penalty

RULE_NAMES = (
    "skills",
    "one_shift_per_day",
    "leave",
    "start_date",
    "availability",
    "rest",
    "successions",
    "consecutive_days",
    "days_off_runs",
    "days_off_per_week",
    "weekly_minutes",
    "weekends",
    "late_night",
    "wellbeing",
    "contract",
    "requests",
    "mentoring",
    "sessions",
    "coverage",
    "pins",
    "shift_cover",
    "fairness",
    "stable_starts",
)


def rule_units() -> list[Callable[[RosterModel], Sequence[Penalty]]]:
    """The ``add`` function of every rule unit, in model-building order."""
    from importlib import import_module

    return [import_module(f"{__name__}.{name}").add for name in RULE_NAMES]
