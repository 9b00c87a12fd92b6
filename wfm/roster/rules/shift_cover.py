"""Cover by day and shift: ``required`` agents on a shift code on a date (shift_cover.csv), soft.

Each agent short costs the row's ``under_weight``, each agent over its
``over_weight``.  This is cover counted in heads per shift (back office,
branches, the Curtois & Qu benchmark), on top of the per-interval queue
coverage of :mod:`wfm.roster.rules.coverage`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfm.roster.penalties import Label, Penalty, Tier, TieredShortfall, scaled_coefficient

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

SHORT = "shift_cover_short"
OVER = "shift_cover_over"


def add(rm: RosterModel) -> list[Penalty]:
    penalties: list[Penalty] = []
    for row in rm.scenario.shift_cover:
        d = rm.day_index.get(row.date)
        s = rm.shift_index.get(row.shift_code)
        if d is None or s is None:
            continue
        count = sum(rm.y[a, d, s] for a in range(len(rm.agents)))
        where = f"{row.shift_code} {row.date}"
        penalties.append(
            TieredShortfall(
                short_label=Label(SHORT, "agents", queue=row.shift_code, date=row.date),
                over_label=Label(OVER, "agents", queue=row.shift_code, date=row.date),
                driver=count,
                target=row.required,
                tiers=(Tier(None, scaled_coefficient(row.under_weight, 1, f"under_weight {where}")),),
                over_coeff=scaled_coefficient(row.over_weight, 1, f"over_weight {where}"),
                base_per_unit=1,
                model=rm.model,
            )
        )
    return penalties
