"""The session days stage 1 chose, read back from a solved roster model.

:mod:`wfm.roster.rules.sessions` keeps one Boolean per session and candidate
day in ``rm.session_days``; after the solve, :func:`chosen_session_days`
turns them into ``{meeting id: day index}`` for the second stage, which
places each session's time on that day (or on another day on which all its
members already work a fitting shift).
"""

from __future__ import annotations

from collections.abc import Callable

from wfm.activities import Meeting
from wfm.roster.model import RosterModel


def chosen_session_days(rm: RosterModel, value: Callable) -> dict[str, int]:
    """``{meeting id: day index}`` of every session held, from solved values (``value(var) -> int``).

    A session of a soft course that is not held is absent.  Day index 0 is
    the horizon's first day (``rm.days[d]`` is the date).
    """
    out: dict[str, int] = {}
    for meeting_id, days in getattr(rm, "session_days", {}).items():
        for d, var in days.items():
            if value(var):
                out[meeting_id] = d
                break
    return out


def session_plan(rm: RosterModel) -> list[tuple[Meeting, list[int]]]:
    """Every session the model plans with the indexes of the shift templates that can hold it."""
    return list(getattr(rm, "session_meetings", []))


__all__ = ["chosen_session_days", "session_plan"]
