"""A feasible starting roster, handed to CP-SAT as a complete solution hint.

Why: on a month-sized model CP-SAT's first-solution heuristics can spend the
whole time limit without finding any roster, and its large-neighbourhood
search improves a poor roster slowly (a better shift for one agent needs the
agent's shift variables, two crew counts and some thirty slack variables to
be freed together).  Problem-specific search gives it a good starting point;
CP-SAT then verifies it against every rule unit, keeps improving it and, on
small models, proves it optimal.

How:

1. *Greedy construction.*  Repeatedly add the (day, shift, queue) placement
   with the largest drop in the objective per paid minute (coverage
   shortfall and over-staffing of the intervals the shift is on the phone,
   plus the contract minutes it fills), given to the eligible agent who is
   least flexible (fewest skills) and has the most contract left per
   remaining day.  Per paid minute, because agents' minutes are the scarce
   resource: ranked by the whole drop, long shifts win everywhere and the
   edges of the day go uncovered.  An agent only takes shifts of at least
   3/4 of their contract's minutes per working day (``FIT``), so full-timers
   are not spent on short shifts they could never fill their contract with;
   on the demo month this halves the starting roster's cost.
2. *Local search.*  Sweep over the agents' days and apply every improving
   single-agent move: change a worked day's shift and queue (or drop it),
   change two consecutive worked days together (rest often blocks changing
   one), add a shift on a free day, or move a worked day to a free day of the
   same week.  Sweeps repeat until one finds nothing (or a deadline passes).
3. *Ruin and rebuild* (iterated local search).  Clear one random ISO week of
   a few random agents (7 %), rebuild greedily, polish those agents with the
   local search, and keep the result only if the whole roster got cheaper.
   Rounds repeat until the deadline, or until as many rounds in a row as
   there are agents (at least 20) found nothing; without a deadline at most
   :func:`deterministic_rounds` rounds (sized to the time limit) run.  The random choices come from the
   solve's seed.

On the December demo (120 agents, 15 shifts, 3 queues) the greedy costs about
670k, the local search brings it to about 430k and a minute of ruin and
rebuild to about 400k; the pooled lower bound (:mod:`wfm.roster.bound`) is
323k.  CP-SAT, left alone on the same model, needs minutes to find any
roster and was at 1.7M after two minutes.

Every placement keeps the built-in upper-limit hard rules, checked with the
rule units' own thresholds: leave and unavailable days, start date,
availability windows, one shift a day, rest and forbidden successions (both
neighbours), maximum consecutive days, days off and paid minutes per ISO
week, late and night shifts per week, working weekends, the contract's cap
and its per-code shift caps, and the wellbeing rules (no early shift after a
late or night one, folded into the succession clashes; at most
``max_consecutive_late`` late or night shifts in a row).  A ramping new hire
serves only their first skill and counts for ``ramp_minutes`` of each
interval.

Mentoring and sessions (issue 6) are made to hold between the greedy and
the local search, before the first roster is reported:

* *pairs* -- mentees are left out of the greedy; then each mentee takes the
  mentor's shift on every mentor day the mentee's own rules allow (a 100 %
  same-shift share), and mentor and mentee are frozen: the local search and
  ruin-and-rebuild leave them alone;
* *sessions* -- in :func:`wfm.activities.meetings` order, each session gets
  the (day, slot) of :mod:`wfm.roster.rules.sessions` with the most members
  already on a fitting shift; the others are moved there (the shift changed,
  or a day of the same week moved to it, taking further days of the week off
  when minutes run short), keeping a pair's share and one session per agent
  a day.  Those agent-days are then locked.  Sessions for which no option
  works are logged; the hint then breaks them and CP-SAT repairs it
  (``keeps_every_rule`` is False).

Minimum rules (consecutive days or days off in a row, a pair of days off
every week, weekly or horizon minutes) are not monotone: a greedy that only
adds shifts passes through rosters that break them.  So they are repaired
after the local search (:func:`_fix_minimums`): per agent, the change among
a shift added, a day or a whole run dropped, a run of the minimum length
added, or a day moved, that most lowers how far the agent is from its
minimums (short runs first, then missing minutes), keeping every upper
limit; a mentor's mentees follow the change and every pair keeps its
same-shift share.  Ruin-and-rebuild repairs the agents it breaks the same
way and ranks rosters by the agents still breaking a minimum, then by cost.
On the demo month with ``min_consecutive_days = 2`` and a pair of days off
every week, 115 of 120 agents break one after the local search and 2 after
the repair (2.5 s); on Curtois 13, 119 and 5.  The agents left are
re-rostered by CP-SAT (:mod:`wfm.roster.minimums`).  Move
costs use the objective's own integer coefficients for coverage, cover by day
and shift, contract shortfall and day-off, shift and shift-off requests;
fairness and stable start times are left to CP-SAT.
Visiting order is fixed and the random choices are seeded, so without a
deadline the same inputs and seed give the same roster.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import numpy as np

from wfm.activities import pair_mentors
from wfm.roster.model import RosterModel
from wfm.roster.penalties import SCALE, scaled_coefficient
from wfm.roster.rules import (
    availability,
    contract,
    coverage,
    days_off_per_week,
    mentoring,
    rest,
    sessions,
    weekly_minutes,
    wellbeing,
)
from wfm.roster.shifts import leave_credit_minutes, on_phone_minutes

Placement = tuple[int, str]  # (shift index, queue)
_EPS = 1e-9
FIT = 0.75  # an agent takes shifts of at least this share of contract minutes per working day
log = logging.getLogger(__name__)


class _Roster:
    """Placements, per-agent budgets and queue coverage, with exact move values."""

    def __init__(self, rm: RosterModel):
        self.rm = rm
        rules = rm.scenario.rules
        weights = rm.scenario.weights
        self.n_agents, self.n_days, self.n_shifts = len(rm.agents), rm.n_days, len(rm.shifts)
        self.queues = list(rm.queues)
        agent_rules = rm.agent_rules
        self.max_run = np.array([r.max_consecutive_days for r in agent_rules])

        weeks = rm.iso_weeks()
        self.week_of = np.zeros(rm.n_days, dtype=int)
        for w, days in enumerate(weeks):
            self.week_of[days] = w
        self.weeks = weeks
        self.week_days_left = np.array(
            [
                [
                    len(days) - days_off_per_week.required_days_off(r.min_days_off_per_week, len(days))
                    for days in weeks
                ]
                for r in agent_rules
            ]
        )
        self.week_minutes_left = np.array(
            [[weekly_minutes.agent_week_cap(rm, a, days) for days in weeks] for a in range(self.n_agents)]
        )
        self.cap = np.array([contract.agent_cap(rm, a) for a in range(self.n_agents)])
        self.goal = np.minimum(self.cap, [contract.agent_target(rm, a) for a in range(self.n_agents)])
        self.month_left = self.cap.copy()
        self.open_day = np.array(
            [[not rm.cannot_work(a, d) for d in range(rm.n_days)] for a in range(self.n_agents)]
        )
        # shift_ok[a, d, s]: availability windows allow the shift
        self.shift_ok = np.ones((self.n_agents, rm.n_days, len(rm.shifts)), dtype=bool)
        windows: dict[str, list] = {}
        for row in rm.scenario.availability:
            windows.setdefault(row.employee_id, []).append(row)
        for eid, rows in windows.items():
            a = rm.agent_index.get(eid)
            if a is None:
                continue
            for d, spans in availability.windows_by_day(rows, rm.days).items():
                for s, shift in enumerate(rm.shifts):
                    fits = any(lo <= shift.start_minute and shift.end_minute <= hi for lo, hi in spans)
                    self.shift_ok[a, d, s] = fits
        # contract caps on shift codes, late/night shifts per week and working weekends
        self.shift_left = np.full((self.n_agents, len(rm.shifts)), rm.n_days, dtype=int)
        for a, c in enumerate(rm.agent_contracts):
            for code, most in c.max_shifts if c is not None else ():
                self.shift_left[a, rm.shift_index[code]] = most
        self.family_of = [rm.families[s] for s in range(len(rm.shifts))]
        self.family_left = {
            fam: np.array(
                [[7 if getattr(r, key) is None else getattr(r, key) for _ in weeks] for r in agent_rules]
            )
            for fam, key in (("late", "max_late_shifts_per_week"), ("night", "max_night_shifts_per_week"))
        }
        self.weekend_of = np.full(rm.n_days, -1)
        for k, days in enumerate(rm.weekends()):
            self.weekend_of[days] = k
        self.weekends_left = np.array(
            [rm.n_days if r.max_working_weekends is None else r.max_working_weekends for r in agent_rules]
        )
        self.skill = np.array([[q in rm.agent_queues[a] for q in self.queues] for a in range(self.n_agents)])
        self.paid = np.array([s.paid_minutes for s in rm.shifts])

        # rest: clash[s1][j] = shifts that may not follow s1 j days later; clash_before the reverse
        self.clash = rest.conflicts(rm.shifts, round(rules.min_rest_hours * 60))
        successions = [
            (rm.shift_index[first], rm.shift_index[second]) for first, second in rules.forbidden_successions
        ]
        late = wellbeing.late_shifts(rm)
        if rm.scenario.wellbeing.no_late_then_early:
            successions += [(s1, s2) for s1 in late for s2 in rm.shifts_of_family("early")]
        for first, second in successions:
            later = self.clash.setdefault(first, {}).setdefault(1, [])
            if second not in later:
                later.append(second)
        # wellbeing: at most max_consecutive_late late or night shifts in a row
        self.is_late = np.zeros(self.n_shifts, dtype=bool)
        self.is_late[late] = True
        self.max_late = rm.scenario.wellbeing.max_consecutive_late
        # ramp-up: a ramping new hire serves only their first skill and counts for part of their minutes
        self.ramp = dict(rm.ramp)
        self.first_skill = np.array([self.queues.index(agent.skills[0]) for agent in rm.agents])
        # agents the search leaves alone (mentors and mentees, see _pair_up) and days it keeps (sessions)
        self.frozen = np.zeros(self.n_agents, dtype=bool)
        self.pairs_of: dict[int, list[tuple[int, int]]] = {}  # (mentor, mentee) pairs of each agent in one
        self.locked: set[tuple[int, int]] = set()
        self.clash_before: dict[int, dict[int, set[int]]] = {s: {} for s in range(self.n_shifts)}
        for s1, by_day in self.clash.items():
            for j, later in by_day.items():
                for s2 in later:
                    self.clash_before[s2].setdefault(j, set()).add(s1)

        # objective coefficients (scaled), exactly as the rule units price them
        self.tiers, self.over = coverage.tiers_and_over(weights, rm.interval_minutes)
        self.per_paid_minute = contract.shortfall_coefficient(weights)

        def price(kind: str, a: int, d: int, s: int | None) -> int:
            return scaled_coefficient(rm.request_weight.get((kind, a, d, s), getattr(weights, kind)), 1, kind)

        # requests on leave, unavailable days or before the start date are moot
        self.day_off = {
            (a, d): price("day_off_request", a, d, None)
            for a, days in rm.day_off_requests.items()
            for d in days
            if self.open_day[a, d]
        }
        self.wished: dict[tuple[int, int], list[tuple[int, int]]] = {}
        self.unwished: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for target, kind, source in (
            (self.wished, "shift_request", rm.shift_requests),
            (self.unwished, "shift_off_request", rm.shift_off_requests),
        ):
            for a, wishes in source.items():
                for d, s in wishes:
                    if self.open_day[a, d]:
                        target.setdefault((a, d), []).append((s, price(kind, a, d, s)))

        # cover by day and shift (shift_cover.csv): required heads and scaled costs per (day, shift)
        self.cover_req = np.zeros((rm.n_days, self.n_shifts), dtype=np.int64)
        self.cover_under = np.zeros((rm.n_days, self.n_shifts), dtype=np.int64)
        self.cover_over = np.zeros((rm.n_days, self.n_shifts), dtype=np.int64)
        for row in rm.scenario.shift_cover:
            d, k = rm.day_index.get(row.date), rm.shift_index.get(row.shift_code)
            if d is not None and k is not None:
                self.cover_req[d, k] = row.required
                self.cover_under[d, k] = scaled_coefficient(row.under_weight, 1, "under_weight")
                self.cover_over[d, k] = scaled_coefficient(row.over_weight, 1, "over_weight")
        self.cover_cnt = np.zeros((rm.n_days, self.n_shifts), dtype=np.int64)

        self._minimum_rules()

        self.req = np.stack([rm.requirement[q] for q in self.queues]).astype(np.int64)
        self.cov = np.zeros_like(self.req)
        self._footprints()
        self.shift_on: dict[tuple[int, int], int] = {}
        self.queue_on: dict[tuple[int, int], int] = {}

    def _minimum_rules(self) -> None:
        """Each agent's minimum rules, with the rule units' thresholds and edge conventions."""
        rm, weeks = self.rm, self.weeks
        self.least_run = [r.min_consecutive_days for r in rm.agent_rules]
        self.least_off = [r.min_consecutive_days_off for r in rm.agent_rules]
        full = [w for w, days in enumerate(weeks) if len(days) == 7]
        self.pair_weeks = [full if r.days_off_pair_per_week else [] for r in rm.agent_rules]
        self.week_cap = self.week_minutes_left.copy()
        self.week_floor: list[list[tuple[int, int]]] = []  # (week, paid minutes) per agent
        for a, rules in enumerate(rm.agent_rules):
            floors = []
            credit = leave_credit_minutes(rm.agents[a])
            for w in full if rules.min_weekly_minutes > 0 else ():
                if all(rm.employed(a, d) for d in weeks[w]):
                    need = rules.min_weekly_minutes - credit * sum(rm.on_leave(a, d) for d in weeks[w])
                    if need > 0:
                        floors.append((w, need))
            self.week_floor.append(floors)
        self.horizon_floor = [
            (c.min_horizon_minutes or 0) if c is not None else 0 for c in rm.agent_contracts
        ]
        self.has_minimums = [
            self.least_run[a] > 1
            or self.least_off[a] > 1
            or bool(self.pair_weeks[a] or self.week_floor[a] or self.horizon_floor[a])
            for a in range(self.n_agents)
        ]
        self.shortest = int(self.paid[self.paid > 0].min()) if (self.paid > 0).any() else 1

    def breaks(self, a: int) -> tuple[int, int]:
        """How far agent ``a``'s roster is from keeping their minimum rules: (days, shifts); (0, 0) keeps them all.

        Days: one per day a run of working days or of days off is short, and
        one per week without two consecutive days off.  Shifts: one per
        shortest shift of paid minutes below a weekly or the horizon's floor.
        """
        if not self.has_minimums[a]:
            return 0, 0
        n = short = 0
        least_run, least_off = self.least_run[a], self.least_off[a]
        if least_run > 1 or least_off > 1:
            last_day = self.n_days - 1
            works = [(a, d) in self.shift_on for d in range(self.n_days)]
            first = 0
            for d in range(1, self.n_days + 1):
                if d < self.n_days and works[d] == works[first]:
                    continue
                # a run touching the horizon's first or last day is exempt: it may continue outside
                if first > 0 and d - 1 < last_day:
                    n += max(0, (least_run if works[first] else least_off) - (d - first))
                first = d
        for w in self.pair_weeks[a]:
            days = self.weeks[w]
            if not any((a, d) not in self.shift_on and (a, d + 1) not in self.shift_on for d in days[:-1]):
                n += 1
        for w, need in self.week_floor[a]:
            worked = self.week_cap[a, w] - self.week_minutes_left[a, w]
            short += max(0, -(-(need - worked) // self.shortest))
        if self.horizon_floor[a]:
            worked = self.cap[a] - self.month_left[a]
            short += max(0, -(-(self.horizon_floor[a] - worked) // self.shortest))
        return n, int(short)

    def _footprints(self) -> None:
        """On-phone intervals and minutes of every shift on every day, side by side per day."""
        rm = self.rm
        self.footprint = {}
        for s, shift in enumerate(rm.shifts):
            phone = on_phone_minutes(shift, rm.interval_minutes)
            offsets = np.array(list(phone), dtype=int)
            minutes = np.array(list(phone.values()), dtype=np.int64)
            for d in range(rm.n_days):
                t = d * rm.intervals_per_day + offsets
                keep = t < rm.n_intervals
                self.footprint[d, s] = (t[keep], minutes[keep])
        self.day_t, self.day_m, self.day_starts, self.day_empty = [], [], [], []
        for d in range(rm.n_days):
            parts = [self.footprint[d, s] for s in range(self.n_shifts)]
            lengths = np.array([len(t) for t, _ in parts])
            self.day_t.append(np.concatenate([t for t, _ in parts]))
            self.day_m.append(np.concatenate([m for _, m in parts]))
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
            self.day_starts.append(np.minimum(starts, max(0, int(lengths.sum()) - 1)))
            self.day_empty.append(lengths == 0)

    # -- objective ---------------------------------------------------------------------
    def _cost(self, r: np.ndarray, c: np.ndarray) -> np.ndarray:
        short = np.maximum(r - c, 0)
        total = self.over * np.maximum(c - r, 0)
        for tier in self.tiers:
            band = short if tier.width is None else np.minimum(short, tier.width)
            total = total + tier.coeff * band
            short = short - band
        return total

    def day_values(self, d: int) -> np.ndarray:
        """(shift, queue): objective drop of one more agent on that shift and queue on day ``d``.

        Coverage of the intervals touched plus the contract minutes filled;
        agent-specific terms (requests) are added by :meth:`agent_values`.
        """
        t, m = self.day_t[d], self.day_m[d]
        saved = np.zeros((self.n_shifts, len(self.queues)))
        if len(t):
            r, c = self.req[:, t], self.cov[:, t]
            saved = np.add.reduceat(self._cost(r, c) - self._cost(r, c + m), self.day_starts[d], axis=1).T
            saved[self.day_empty[d], :] = 0
        cover = np.where(self.cover_cnt[d] < self.cover_req[d], self.cover_under[d], -self.cover_over[d])
        return saved.astype(float) + (self.paid * self.per_paid_minute + cover)[:, None]

    def agent_values(self, a: int, d: int, values: np.ndarray) -> np.ndarray:
        """``values`` for agent ``a`` on day ``d``: requests priced in, forbidden placements at -inf."""
        skill = self.skill[a]
        if (a, d) in self.ramp:
            skill = np.zeros_like(skill)
            skill[self.first_skill[a]] = True
        out = np.where(skill[None, :], values, -np.inf)
        out[~self.shift_ok[a, d], :] = -np.inf
        # day_values credits every paid minute against the contract shortfall; only those below the goal count
        below_goal = max(0, int(self.goal[a] - self.cap[a] + self.month_left[a]))
        excess = np.maximum(0, self.paid - below_goal)
        if excess.any():
            out = out - (self.per_paid_minute * excess)[:, None]
        if (a, d) in self.day_off:
            out = out - self.day_off[a, d]
        for s, cost in self.wished.get((a, d), ()):
            out[s, :] += cost
        for s, cost in self.unwished.get((a, d), ()):
            out[s, :] -= cost
        return out

    def objective(self) -> int:
        """The roster's objective in scaled units, priced exactly as the model prices it."""
        shortfall = np.maximum(0, self.goal - self.cap + self.month_left)
        total = int(self._cost(self.req, self.cov).sum()) + self.per_paid_minute * int(shortfall.sum())
        gap = self.cover_req - self.cover_cnt
        total += int(
            (self.cover_under * np.maximum(gap, 0)).sum() + (self.cover_over * np.maximum(-gap, 0)).sum()
        )
        total += sum(cost for k, cost in self.day_off.items() if k in self.shift_on)
        total += sum(
            cost for k, wishes in self.wished.items() for s, cost in wishes if self.shift_on.get(k) != s
        )
        total += sum(
            cost for k, wishes in self.unwished.items() for s, cost in wishes if self.shift_on.get(k) == s
        )
        return total

    def snapshot(self) -> tuple:
        return (
            self.week_days_left.copy(),
            self.week_minutes_left.copy(),
            self.month_left.copy(),
            self.shift_left.copy(),
            {k: v.copy() for k, v in self.family_left.items()},
            self.weekends_left.copy(),
            self.cover_cnt.copy(),
            self.cov.copy(),
            dict(self.shift_on),
            dict(self.queue_on),
        )

    def restore(self, snap: tuple) -> None:
        (
            self.week_days_left,
            self.week_minutes_left,
            self.month_left,
            self.shift_left,
            self.family_left,
            self.weekends_left,
            self.cover_cnt,
            self.cov,
            self.shift_on,
            self.queue_on,
        ) = (
            {k: v.copy() for k, v in x.items()}
            if isinstance(x, dict) and x and isinstance(next(iter(x.values())), np.ndarray)
            else x.copy()
            for x in snap
        )

    # -- feasibility -----------------------------------------------------------------------
    def _run_through(self, a: int, d: int) -> int:
        left = d - 1
        while left >= 0 and (a, left) in self.shift_on:
            left -= 1
        right = d + 1
        while right < self.n_days and (a, right) in self.shift_on:
            right += 1
        return right - left - 1

    def allowed_shifts(self, a: int, d: int) -> np.ndarray:
        """Boolean per shift: may agent ``a`` work it on day ``d`` (a day they do not work now)?"""
        minutes = self._minutes_free(a, d)
        if minutes is None:
            return np.zeros(self.n_shifts, dtype=bool)
        ok = (self.paid <= minutes) & self.shift_ok[a, d] & (self.shift_left[a] > 0)
        for s in np.flatnonzero(ok):
            ok[s] = (
                self._family_free(a, d, int(s)) and self._rested(a, d, int(s)) and self._late_ok(a, d, int(s))
            )
        return ok

    def allowed(self, a: int, d: int, s: int) -> bool:
        """May agent ``a`` work shift ``s`` on day ``d`` (a day they do not work now)?"""
        minutes = self._minutes_free(a, d)
        return (
            minutes is not None
            and self.paid[s] <= minutes
            and bool(self.shift_ok[a, d, s])
            and self.shift_left[a, s] > 0
            and self._family_free(a, d, s)
            and self._rested(a, d, s)
            and self._late_ok(a, d, s)
        )

    def late_run(self, a: int, d: int, step: int) -> int:
        """Late or night shifts agent ``a`` works in a row from ``d + step`` on, going by ``step`` (+1 or -1)."""
        n, k = 0, d + step
        while (a, k) in self.shift_on and self.is_late[self.shift_on[a, k]]:
            n, k = n + 1, k + step
        return n

    def _late_ok(self, a: int, d: int, s: int) -> bool:
        if self.max_late is None or not self.is_late[s]:
            return True
        return self.late_run(a, d, -1) + 1 + self.late_run(a, d, 1) <= self.max_late

    def _family_free(self, a: int, d: int, s: int) -> bool:
        left = self.family_left.get(self.family_of[s])
        return left is None or left[a, self.week_of[d]] > 0

    def _minutes_free(self, a: int, d: int) -> int | None:
        """Paid minutes agent ``a`` could still work on day ``d``, or None if they may not work it at all."""
        if not self.open_day[a, d] or (a, d) in self.shift_on:
            return None
        w = self.week_of[d]
        if self.week_days_left[a, w] < 1 or self._run_through(a, d) > self.max_run[a]:
            return None
        k = self.weekend_of[d]
        if k >= 0 and self.weekends_left[a] < 1 and not self._weekend_worked(a, k):
            return None
        return min(self.week_minutes_left[a, w], self.month_left[a])

    def _rested(self, a: int, d: int, s: int) -> bool:
        for j, later in self.clash[s].items():
            if self.shift_on.get((a, d + j)) in later:
                return False
        for j, earlier in self.clash_before[s].items():
            if self.shift_on.get((a, d - j)) in earlier:
                return False
        return True

    def _weekend_worked(self, a: int, k: int) -> bool:
        return any((a, d) in self.shift_on for d in self.rm.weekends()[k])

    # -- changes ----------------------------------------------------------------------------
    def place(self, a: int, d: int, s: int, qi: int) -> None:
        w = self.week_of[d]
        k = self.weekend_of[d]
        if k >= 0 and not self._weekend_worked(a, k):
            self.weekends_left[a] -= 1
        self.shift_left[a, s] -= 1
        if self.family_of[s] in self.family_left:
            self.family_left[self.family_of[s]][a, w] -= 1
        self.cover_cnt[d, s] += 1
        self.shift_on[a, d] = s
        self.queue_on[a, d] = qi
        self.week_days_left[a, w] -= 1
        self.week_minutes_left[a, w] -= self.paid[s]
        self.month_left[a] -= self.paid[s]
        t, m = self._footprint(a, d, s)
        self.cov[qi, t] += m

    def unplace(self, a: int, d: int) -> tuple[int, int]:
        s, qi = self.shift_on.pop((a, d)), self.queue_on.pop((a, d))
        w = self.week_of[d]
        k = self.weekend_of[d]
        if k >= 0 and not self._weekend_worked(a, k):
            self.weekends_left[a] += 1
        self.shift_left[a, s] += 1
        if self.family_of[s] in self.family_left:
            self.family_left[self.family_of[s]][a, w] += 1
        self.cover_cnt[d, s] -= 1
        self.week_days_left[a, w] += 1
        self.week_minutes_left[a, w] += self.paid[s]
        self.month_left[a] += self.paid[s]
        t, m = self._footprint(a, d, s)
        self.cov[qi, t] -= m
        return s, qi

    def _footprint(self, a: int, d: int, s: int) -> tuple[np.ndarray, np.ndarray]:
        """On-phone intervals and the minutes agent ``a`` counts for in them (ramp_minutes while ramping)."""
        t, m = self.footprint[d, s]
        fraction = self.ramp.get((a, d))
        if fraction is None:
            return t, m
        return t, np.floor(m * fraction + 1e-9).astype(np.int64)  # wfm.activities.ramp_minutes, vectorised

    def placements(self) -> dict[tuple[int, int], Placement]:
        return {k: (s, self.queues[self.queue_on[k]]) for k, s in sorted(self.shift_on.items())}


def _best(values: np.ndarray, allowed: np.ndarray) -> tuple[float, int, int]:
    masked = np.where(allowed[:, None], values, -np.inf)
    flat = int(np.argmax(masked))
    s, qi = divmod(flat, masked.shape[1])
    return float(masked[s, qi]), s, qi


def _preference(r: _Roster, a: int, d: int) -> tuple:
    """Sort key among eligible agents: fewest skills, then most contract left per remaining day."""
    days_left = max(1, int(r.open_day[a, d:].sum()))
    return (len(r.rm.agent_queues[a]), -r.month_left[a] / days_left, a)


def _construct(r: _Roster) -> None:
    """Greedy: densest placement first, to the least flexible eligible agent whose contract it fits."""
    gain = np.stack([r.day_values(d) for d in range(r.n_days)])
    gain[:, :, ~r.skill.any(axis=0)] = -np.inf
    blocked = np.isinf(gain)
    by_queue = [np.flatnonzero(r.skill[:, qi]) for qi in range(len(r.queues))]
    per_week = max(1, 7 - r.rm.scenario.rules.min_days_off_per_week)
    fits = np.array([a.contract_minutes_per_week / per_week * FIT for a in r.rm.agents])
    paid = np.maximum(r.paid, 1)[None, :, None]
    while True:
        d, s, qi = (int(i) for i in np.unravel_index(int(np.argmax(gain / paid)), gain.shape))
        best = gain[d, s, qi]
        if not best > 0:
            break
        choice = None
        candidates = [
            int(a)
            for a in by_queue[qi]
            if not r.frozen[a] and r.paid[s] >= fits[a] and r.allowed(int(a), d, s)
        ]
        for a in sorted(candidates, key=lambda a, d=d: _preference(r, a, d)):
            if r.agent_values(a, d, gain[d])[s, qi] > 0:
                choice = a
                break
        if choice is None:  # budgets only shrink and values only fall: never retry
            gain[d, s, qi] = -np.inf
            blocked[d, s, qi] = True
            continue
        r.place(choice, d, s, qi)
        for near in (d - 1, d, d + 1):
            if 0 <= near < r.n_days:
                gain[near] = np.where(blocked[near], -np.inf, r.day_values(near))


def _improve(r: _Roster, deadline: float | None, agents=None) -> int:
    """Apply improving single-agent moves until a sweep finds none; returns the number applied."""
    applied = 0
    while True:
        found = 0
        for a in range(r.n_agents) if agents is None else agents:
            if r.frozen[a]:
                continue
            for d in range(r.n_days):
                if deadline is not None and time.perf_counter() > deadline:
                    return applied + found
                if (a, d) in r.locked:
                    continue
                if (a, d) in r.shift_on:
                    found += _reshift(r, a, d) or _relocate(r, a, d) or _reshift_pair(r, a, d)
                elif r.open_day[a, d]:
                    found += _add(r, a, d)
        applied += found
        if not found:
            return applied


def _reshift(r: _Roster, a: int, d: int) -> bool:
    """Change the shift/queue of a worked day, or drop it, when that lowers the objective."""
    s0, q0 = r.unplace(a, d)
    values = r.agent_values(a, d, r.day_values(d))
    current = values[s0, q0]
    best, s, qi = _best(values, r.allowed_shifts(a, d))
    if best > max(current, 0.0) + _EPS:
        r.place(a, d, s, qi)
        return True
    if current < -_EPS:  # the day is worth more off
        return True
    r.place(a, d, s0, q0)
    return False


def _relocate(r: _Roster, a: int, d: int) -> bool:
    """Move a worked day to a free day of the same week when that lowers the objective."""
    s0, q0 = r.unplace(a, d)
    current = r.agent_values(a, d, r.day_values(d))[s0, q0]
    best = (current + _EPS, None, None, None)
    for d2 in r.weeks[r.week_of[d]]:
        if d2 == d or (a, d2) in r.shift_on or not r.open_day[a, d2]:
            continue
        allowed = r.allowed_shifts(a, d2)
        if not allowed.any():
            continue
        value, s, qi = _best(r.agent_values(a, d2, r.day_values(d2)), allowed)
        if value > best[0]:
            best = (value, d2, s, qi)
    if best[1] is None:
        r.place(a, d, s0, q0)
        return False
    r.place(a, best[1], best[2], best[3])
    return True


def _reshift_pair(r: _Roster, a: int, d: int) -> bool:
    """Change the shifts of two consecutive worked days together (rest often blocks one-day changes)."""
    e = d + 1
    if (a, e) not in r.shift_on or (a, e) in r.locked:
        return False
    s0, q0 = r.unplace(a, d)
    s1, q1 = r.unplace(a, e)
    first, second = r.agent_values(a, d, r.day_values(d)), r.agent_values(a, e, r.day_values(e))
    ok0, ok1 = r.allowed_shifts(a, d), r.allowed_shifts(a, e)
    # pair values assuming the two days' intervals do not interact (checked exactly below)
    best0, best1 = first.max(axis=1), second.max(axis=1)
    pair = np.where(ok0[:, None] & ok1[None, :], best0[:, None] + best1[None, :], -np.inf)
    for s, later in r.clash.items():
        pair[s, list(later.get(1, ()))] = -np.inf
    paid = r.paid[:, None] + r.paid[None, :]
    cap = r.month_left[a]
    if r.week_of[d] == r.week_of[e]:
        cap = min(cap, r.week_minutes_left[a, r.week_of[d]])
    pair[paid > cap] = -np.inf
    # both days draw on the same per-code and per-week late/night budgets
    for s in np.flatnonzero(r.shift_left[a] < 2):
        pair[s, s] = -np.inf
    if r.week_of[d] == r.week_of[e]:
        for fam, left in r.family_left.items():
            if left[a, r.week_of[d]] < 2:
                members = [k for k in range(r.n_shifts) if r.family_of[k] == fam]
                pair[np.ix_(members, members)] = -np.inf
    if r.max_late is not None and r.late_run(a, d, -1) + 2 + r.late_run(a, e, 1) > r.max_late:
        pair[np.ix_(r.is_late, r.is_late)] = -np.inf
    s, s2 = divmod(int(np.argmax(pair)), r.n_shifts)
    if pair[s, s2] == -np.inf or (s, s2) == (s0, s1):
        r.place(a, d, s0, q0)
        r.place(a, e, s1, q1)
        return False
    qa = int(np.argmax(first[s]))
    # exact values, the second day priced after the first is placed
    r.place(a, d, s0, q0)
    current = first[s0, q0] + r.agent_values(a, e, r.day_values(e))[s1, q1]
    r.unplace(a, d)
    r.place(a, d, s, qa)
    after = r.agent_values(a, e, r.day_values(e))
    qb = int(np.argmax(after[s2]))
    if first[s, qa] + after[s2, qb] > current + _EPS:
        r.place(a, e, s2, qb)
        return True
    r.unplace(a, d)
    r.place(a, d, s0, q0)
    r.place(a, e, s1, q1)
    return False


def _add(r: _Roster, a: int, d: int) -> bool:
    allowed = r.allowed_shifts(a, d)
    if not allowed.any():
        return False
    value, s, qi = _best(r.agent_values(a, d, r.day_values(d)), allowed)
    if value > _EPS:
        r.place(a, d, s, qi)
        return True
    return False


# ---------------------------------------------------------------------------
# Minimum rules
# ---------------------------------------------------------------------------
def _fix_minimums(r: _Roster, deadline: float | None = None) -> int:
    """Make each agent keep their minimum rules by adding, dropping and moving shifts; returns who still breaks one.

    For one agent at a time, each step applies the change that lowers
    :meth:`_Roster.breaks` the most (the short runs first, then the missing
    minutes), the cheapest among equals: a shift added on a free day, a
    worked day dropped, a whole run of worked days dropped, a run of
    ``min_consecutive_days`` shifts added, or (when none of these helps) a
    worked day moved to another free day.  Every change keeps the upper
    limits (:meth:`_Roster.allowed_shifts`), and session days are left as
    they are.  A mentor or mentee changes only as far as their pair keeps
    its same-shift share.  Past ``deadline`` the agents not yet visited
    are left as they are (CP-SAT re-rosters them, :mod:`wfm.roster.minimums`,
    which is faster on long horizons: Curtois 19, 40 agents over 84 days,
    took 11 s here and left 15, which CP-SAT then re-rostered in 2 s).
    """
    left = 0
    for a in range(r.n_agents):
        if any(r.breaks(a)) and (deadline is None or time.perf_counter() < deadline):
            _fix_agent(r, a)
        left += any(r.breaks(a))
    return left


_Placed = dict[tuple[int, int], tuple[int, int]]  # (agent, day) -> (shift, queue)
MOVE_REACH = 14  # days a worked day moves at most in one repair step (every day: Curtois 19 took 13 s)
# breaks, cost, agents changed, their placements after
_Change = tuple[tuple[int, int], float, list[int], _Placed]


def _fix_agent(r: _Roster, a: int) -> None:
    group = _group(r, a)
    score = _group_breaks(r, group)
    for _ in range(4 * r.n_days):
        if not any(score):
            return
        days = [d for d in range(r.n_days) if (a, d) not in r.locked]
        worked = [d for d in days if (a, d) in r.shift_on]
        free = [d for d in days if (a, d) not in r.shift_on and r.open_day[a, d]]
        free_set = set(free)
        block = max(2, r.least_run[a])
        changes: list[tuple[list[int], list[int]]] = [([], [d]) for d in free] + [([d], []) for d in worked]
        changes += [(run, []) for run in _runs_of(worked) if len(run) > 1]
        changes += [([], list(range(d, d + block))) for d in free if free_set.issuperset(range(d, d + block))]
        best = _best_change(r, a, changes, score)
        if best is None and score[0]:  # a moved day fixes a run or a week; it cannot add minutes
            moves = [([d], [d2]) for d in worked for d2 in free if abs(d2 - d) <= MOVE_REACH]
            best = _best_change(r, a, moves, score)
        if best is None:
            return
        score, _, agents, after = best
        _set_placements(r, agents, after)


def _group(r: _Roster, a: int) -> list[int]:
    """Agent ``a`` and the mentees who follow them: a change to a mentor's day is made to the mentee's too."""
    return [a, *(mentee for mentor, mentee in r.pairs_of.get(a, ()) if mentor == a)]


def _group_breaks(r: _Roster, group: list[int]) -> tuple[int, int]:
    days = shifts = 0
    for b in group:
        x, y = r.breaks(b)
        days, shifts = days + x, shifts + y
    return days, shifts


def _placements_of(r: _Roster, agents: list[int]) -> _Placed:
    return {
        (b, d): (r.shift_on[b, d], r.queue_on[b, d])
        for b in agents
        for d in range(r.n_days)
        if (b, d) in r.shift_on
    }


def _set_placements(r: _Roster, agents: list[int], want: _Placed) -> None:
    """Make the placements of ``agents`` exactly ``want``."""
    now = _placements_of(r, agents)
    for key, value in now.items():
        if want.get(key) != value:
            r.unplace(*key)
    for (b, d), (s, qi) in want.items():
        if now.get((b, d)) != (s, qi):
            r.place(b, d, s, qi)


def _runs_of(days: list[int]) -> list[list[int]]:
    """Maximal runs of consecutive day indexes in the sorted ``days``."""
    runs: list[list[int]] = []
    for d in days:
        if runs and runs[-1][-1] == d - 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return runs


def _best_change(
    r: _Roster, a: int, changes: list[tuple[list[int], list[int]]], score: tuple[int, int]
) -> _Change | None:
    """The change (days dropped, days added) that lowers the breaks the most, cheapest among equals."""
    best = None
    for drops, adds in changes:
        tried = _try(r, a, drops, adds)
        if tried is not None and tried[0] < score and (best is None or tried[:2] < best[:2]):
            best = tried
    return best


def _try(r: _Roster, a: int, drops: list[int], adds: list[int]) -> _Change | None:
    """Drop ``drops``, add the best allowed shift on each of ``adds`` in turn, measure, and undo.

    A mentor's mentees follow (:func:`_follow`); every pair of the agents
    changed must keep its same-shift share.  None when an added day allows
    no shift or a share breaks.
    """
    group = _group(r, a)
    before = _placements_of(r, group) if len(group) > 1 else None
    start = r.objective() if before is not None else 0
    cost = 0.0
    removed, placed = [], []
    for d in drops:
        s, qi = r.unplace(a, d)
        removed.append((d, s, qi))
        cost += float(r.agent_values(a, d, r.day_values(d))[s, qi])
    for d in adds:
        allowed = r.allowed_shifts(a, d)
        if not allowed.any():
            break
        gain, s, qi = _best(r.agent_values(a, d, r.day_values(d)), allowed)
        r.place(a, d, s, qi)
        placed.append((d, s, qi))
        cost -= gain
    result = None
    if len(placed) == len(adds):
        for mentee in group[1:]:
            _follow(r, a, mentee, drops + adds)
        if all(_share_ok(r, mo, me) for b in group for mo, me in r.pairs_of.get(b, ())):
            if before is not None:
                cost = float(r.objective() - start)
            result = (_group_breaks(r, group), cost, group, _placements_of(r, group))
    if before is not None:
        _set_placements(r, group, before)
        return result
    for d, _, _ in reversed(placed):
        r.unplace(a, d)
    for d, s, qi in removed:
        r.place(a, d, s, qi)
    return result


def _follow(r: _Roster, mentor: int, mentee: int, days: list[int]) -> None:
    """The mentee takes the mentor's shift on ``days`` where their rules allow, and is off where the mentor is."""
    for d in days:
        if (mentee, d) in r.locked:
            continue
        s = r.shift_on.get((mentor, d))
        if (mentee, d) in r.shift_on and r.shift_on[mentee, d] != s:
            r.unplace(mentee, d)
        if s is not None and (mentee, d) not in r.shift_on and r.allowed(mentee, d, s):
            qi = _best_queue(r, mentee, d, s)
            if qi is not None:
                r.place(mentee, d, s, qi)


RUIN_SHARE = 0.07  # share of the agents whose week is ruined in one round
DETERMINISTIC_ROUNDS = 300  # rounds at most when there is no deadline
SECONDS_PER_ROUND_PER_AGENT = 0.005
"""About what one ruin-and-rebuild round costs per agent on one core (the December demo, 120 agents: 0.57 s)."""


def deterministic_rounds(seconds: float, n_agents: int) -> int:
    """Rounds a deterministic warm start runs for a budget of about ``seconds``, between 20 and 300.

    A deterministic solve has no deadline, so its warm start counts rounds
    instead; this sizes the count to the time a wall-clock warm start would
    get, so a deterministic run takes about as long.

    >>> deterministic_rounds(72, 120), deterministic_rounds(3600, 120), deterministic_rounds(1, 10)
    (120, 300, 20)
    """
    rounds = round(seconds / (SECONDS_PER_ROUND_PER_AGENT * max(1, n_agents)))
    return max(20, min(DETERMINISTIC_ROUNDS, rounds))


def _standing(r: _Roster) -> tuple[int, int]:
    """(agents breaking a minimum rule, objective): what the ruin-and-rebuild rounds lower, in that order."""
    return sum(any(r.breaks(a)) for a in range(r.n_agents)), r.objective()


def _search(
    r: _Roster,
    rng: np.random.Generator,
    deadline: float | None,
    on_improve=None,
    max_rounds: int = DETERMINISTIC_ROUNDS,
) -> tuple[int, int]:
    """Iterated local search: ruin some agents' week, rebuild greedily, polish, keep if better.

    Stops at the deadline, after as many rounds in a row without improvement
    as there are agents (at least 20), or (without a deadline) after
    ``max_rounds`` rounds.  Returns (rounds, improvements).
    """
    keep = any(r.has_minimums)
    best = _standing(r)
    size = max(1, round(RUIN_SHARE * r.n_agents))
    patience = max(20, r.n_agents)
    rounds = improved = stall = 0
    while stall < patience and (deadline is not None or rounds < max_rounds):
        if deadline is not None and time.perf_counter() > deadline:
            break
        rounds += 1
        snap = r.snapshot()
        agents = sorted(int(a) for a in rng.choice(r.n_agents, size=size, replace=False))
        for a in agents:
            for d in r.weeks[int(rng.integers(len(r.weeks)))]:
                if (a, d) in r.shift_on and not r.frozen[a] and (a, d) not in r.locked:
                    r.unplace(a, d)
        _construct(r)
        _improve(r, deadline, agents)
        if keep:
            _fix_minimums(r, deadline)
        value = _standing(r)
        if value < best:
            best, stall, improved = value, 0, improved + 1
            if on_improve is not None:
                on_improve(best[1] / SCALE)
        else:
            r.restore(snap)
            stall += 1
    return rounds, improved


# ---------------------------------------------------------------------------
# Mentors, mentees and sessions
# ---------------------------------------------------------------------------
def mentor_pairs(rm: RosterModel) -> list[tuple[int, int]]:
    """(mentor, mentee) agent indexes of every pair the mentoring rule binds."""
    cfg = rm.scenario.mentoring
    if cfg is None or cfg.same_shift_share <= 0:
        return []
    return [(rm.agent_index[p.mentor], rm.agent_index[p.mentee]) for p in pair_mentors(rm.scenario)]


def _share_ok(r: _Roster, mentor: int, mentee: int) -> bool:
    """The mentee works the mentor's shift on at least ``same_shift_share`` of their working days."""
    worked = [d for (a, d) in r.shift_on if a == mentee]
    same = sum(r.shift_on.get((mentor, d)) == r.shift_on[mentee, d] for d in worked)
    return 100 * same >= mentoring.required_percent(r.rm.scenario.mentoring.same_shift_share) * len(worked)


def _best_queue(r: _Roster, a: int, d: int, s: int) -> int | None:
    values = r.agent_values(a, d, r.day_values(d))[s]
    qi = int(np.argmax(values))
    return None if values[qi] == -np.inf else qi


def _pair_up(r: _Roster, pairs: list[tuple[int, int]]) -> None:
    """Each mentee works the mentor's shift on the mentor's days, as far as the mentee's own rules allow.

    The mentee's days are a subset of the mentor's, all on the mentor's shift,
    so the same-shift share is 100 %.  Mentors and mentees are then frozen:
    the local search leaves them alone (moving one would break the share).
    """
    for mentor, mentee in pairs:
        for d in range(r.n_days):
            s = r.shift_on.get((mentor, d))
            if s is None or (mentee, d) in r.shift_on or not r.allowed(mentee, d, s):
                continue
            qi = _best_queue(r, mentee, d, s)
            if qi is not None:
                r.place(mentee, d, s, qi)
        r.frozen[[mentor, mentee]] = True


def _ensure(r: _Roster, a: int, d: int, fit: set[int], partner: dict[int, list[tuple[int, int]]]) -> bool:
    """Make agent ``a`` work a shift of ``fit`` on day ``d``: keep, change the shift, or move a day of the week there.

    A mentor or mentee prefers the partner's shift that day.  Returns False
    (the roster possibly changed: the caller restores it) when nothing works
    or the change would break a pair's same-shift share.
    """
    current = r.shift_on.get((a, d))
    if current is not None and current in fit:
        return True
    if (a, d) in r.locked or not r.open_day[a, d]:
        return False
    prefer = [r.shift_on.get((other, d)) for pair in partner.get(a, ()) for other in pair if other != a]

    def take() -> bool:
        ok = [s for s in sorted(fit) if r.allowed(a, d, s)]
        if not ok:
            return False
        liked = [s for s in prefer if s in ok]
        if liked:
            s = liked[0]
        else:
            values = r.agent_values(a, d, r.day_values(d))
            s = max(ok, key=lambda k: (values[k].max(), -k))
        qi = _best_queue(r, a, d, s)
        if qi is None:
            return False
        r.place(a, d, s, qi)
        return True

    removed = []
    if current is not None:
        removed.append((d, *r.unplace(a, d)))
    done = take()
    # make room in the week (days, minutes): take other days of the week off, one more at a time
    for d2 in r.weeks[r.week_of[d]]:
        if done:
            break
        if d2 == d or (a, d2) not in r.shift_on or (a, d2) in r.locked:
            continue
        removed.append((d2, *r.unplace(a, d2)))
        done = take()
    if not done:
        for d2, s2, q2 in removed:
            r.place(a, d2, s2, q2)
        return False
    return done and all(_share_ok(r, mo, me) for mo, me in partner.get(a, ()))


TRIED_DAYS = 20  # (day, slot) options tried per session, most members already in place first


def _meet(r: _Roster, pairs: list[tuple[int, int]]) -> list[str]:
    """Give every session a day on which its members work a fitting shift, and lock those days.

    Returns the ids of the hard sessions no day was found for (the hint then
    breaks them and CP-SAT repairs it).
    """
    rm = r.rm
    partner: dict[int, list[tuple[int, int]]] = {}
    for mo, me in pairs:
        partner.setdefault(mo, []).append((mo, me))
        partner.setdefault(me, []).append((mo, me))
    chosen: dict[tuple[str, int], int] = {}
    missed = []
    parts: dict[str, int] = {}
    busy: set[tuple[int, int]] = set()  # (agent, day) with a session already: one a day
    rm.warm_session_days = {}
    for meeting, _ in getattr(rm, "session_meetings", []):
        if meeting.series is not None:
            parts[meeting.series] = max(parts.get(meeting.series, 0), meeting.part)
    # the largest sessions first (a whole team has the fewest days that suit everyone); a stable sort keeps
    # a course's parts in order
    ordered = sorted(getattr(rm, "session_meetings", []), key=lambda ms: -len(ms[0].members))
    for meeting, slots in ordered:
        after = -1
        if meeting.series is not None and meeting.part > 1:
            after = chosen.get((meeting.series, meeting.part - 1), -1)
        cand = list(rm.session_days[meeting.id])
        days = [d for d in cand if d > after]
        if meeting.series is not None:  # leave a later day for every later part
            later = parts[meeting.series] - meeting.part
            days = [d for d in days if sum(d2 > d for d2 in cand) >= later]

        def fits(d: int, k: int, meeting=meeting, slots=slots) -> list[tuple[int, set[int]]]:
            """Each expected member with the shifts of slot ``k`` they can attend in on day ``d``."""
            start, shifts = slots[k]
            return [
                (a, set(sessions.member_shifts(rm, a, d, start, meeting, shifts)))
                for a in (rm.agent_index[eid] for eid in meeting.members_on(d))
            ]

        def ready(option: tuple[int, int], fits=fits) -> int:
            return sum(r.shift_on.get((a, option[0])) in fit for a, fit in fits(*option))

        days = [d for d in days if not any((rm.agent_index[eid], d) in busy for eid in meeting.members_on(d))]
        share: list[int] = []
        if meeting.series is not None and parts[meeting.series] > 1:
            # part k of n first tries the k-th n-th of the candidate days, so every later part keeps room
            n, k_part = parts[meeting.series], meeting.part
            lo, hi = len(cand) * (k_part - 1) // n, len(cand) * k_part // n
            window = set(cand[lo:hi])
            share = [d for d in days if d in window]
        ranked = []
        for pool in (share, days):
            ranked += sorted(
                ((d, k) for d in pool for k in range(len(slots)) if (d, k) not in ranked),
                key=lambda o: (-ready(o), o),
            )[:TRIED_DAYS]
        found = None
        for d, k in ranked:
            snap = r.snapshot()
            # every member first, then each pair's share: a mentor and mentee placed one after the
            # other would otherwise fail the share check in between
            members = fits(d, k)
            if all(_ensure(r, a, d, fit, {}) for a, fit in members) and all(
                _share_ok(r, mo, me) for a, _ in members for mo, me in partner.get(a, ())
            ):
                found = d
                rm.warm_session_days[meeting.id] = (d, k)  # the hint's session day and slot
                break
            r.restore(snap)
        if found is None:
            if meeting.hard:
                missed.append(meeting.id)
            continue
        r.locked.update((rm.agent_index[eid], found) for eid in meeting.members_on(found))
        busy.update((rm.agent_index[eid], found) for eid in meeting.members_on(found))
        if meeting.series is not None:
            chosen[meeting.series, meeting.part] = found
    return missed


def keeps_every_rule(rm: RosterModel) -> bool:
    """Whether the warm start keeps every hard rule of this scenario (False before it ran).

    Sessions and mentor pairs are kept when the warm start found a day for
    every session (``rm.warm_start_kept``), and minimum rules when the
    repair left no agent breaking one (``rm.warm_start_minimums_kept``);
    both are set by :func:`starting_roster`.
    """
    if getattr(rm, "session_days", None) or mentor_pairs(rm):
        if not getattr(rm, "warm_start_kept", False):
            return False
    return not has_minimums(rm) or getattr(rm, "warm_start_minimums_kept", False)


def has_minimums(rm: RosterModel) -> bool:
    """Whether some agent has a minimum rule, which the warm start may not manage to keep (known before it runs)."""
    for a in range(len(rm.agents)):
        rules, contract = rm.agent_rules[a], rm.agent_contracts[a]
        if (
            rules.min_consecutive_days > 1
            or rules.min_consecutive_days_off > 1
            or rules.days_off_pair_per_week
            or rules.min_weekly_minutes > 0
            or (contract is not None and contract.min_horizon_minutes)
        ):
            return True
    return False


def _later(first: float | None, second: float | None) -> float | None:
    """The later of two deadlines, None (no deadline) when either is None."""
    return None if first is None or second is None else max(first, second)


def starting_roster(
    rm: RosterModel,
    *,
    deadline: float | None = None,
    seed: int = 0,
    on_improve: Callable[[float], None] | None = None,
    on_first: Callable[[dict[tuple[int, int], Placement]], None] | None = None,
    max_rounds: int = DETERMINISTIC_ROUNDS,
    repair_deadline: float | None = None,
) -> dict[tuple[int, int], Placement]:
    """``{(agent, day): (shift, queue)}``: a good roster that keeps every built-in hard rule.

    ``deadline`` (a ``time.perf_counter()`` value) stops the search early;
    the repair of the minimum rules stops at ``repair_deadline`` instead
    when that is later (the agents it did not reach are left to CP-SAT);
    without one it stops on its own after at most ``max_rounds`` ruin-and-rebuild
    rounds (same inputs and seed, same roster; see :func:`deterministic_rounds`).
    ``on_improve`` receives the objective (cost units) of every better roster
    (better: fewer agents breaking a minimum rule, then cheaper), the last
    call being the returned roster's; ``on_first`` receives the first complete roster (the greedy one) before any
    improvement, so a caller can show a feasible roster early.
    """
    started = time.perf_counter()
    reported: list[float] = []

    def report(objective: float) -> None:
        reported.append(objective)
        if on_improve is not None:
            on_improve(objective)

    r = _Roster(rm)
    pairs = mentor_pairs(rm)
    for mentor, mentee in pairs:
        r.frozen[mentee] = True  # placed after the greedy, on the mentor's days
        for a in (mentor, mentee):
            r.pairs_of.setdefault(a, []).append((mentor, mentee))
    _construct(r)
    _pair_up(r, pairs)
    missed = _meet(r, pairs)
    rm.warm_start_kept = not missed
    if missed:
        log.info("roster warm start: no day found for %d session(s): %s", len(missed), ", ".join(missed[:5]))
    built = r.objective()
    report(built / SCALE)
    if on_first is not None:
        on_first(r.placements())
    _improve(r, deadline)
    if any(r.has_minimums):
        fixing = time.perf_counter()
        broken = sum(any(r.breaks(a)) for a in range(r.n_agents))
        left = _fix_minimums(r, _later(deadline, repair_deadline))
        log.info(
            "roster warm start: %d of %d agents broke a minimum rule, %d still do after the repair (%.1f s)",
            broken,
            r.n_agents,
            left,
            time.perf_counter() - fixing,
        )
    polished = r.objective()
    if polished != built:  # lower, or higher where keeping the minimum rules costs
        report(polished / SCALE)
    rounds, improved = _search(r, np.random.default_rng(seed), deadline, report, max_rounds)
    left = _fix_minimums(r, _later(deadline, repair_deadline)) if any(r.has_minimums) else 0
    rm.warm_start_minimums_kept = not left
    if r.objective() / SCALE != reported[-1]:
        report(r.objective() / SCALE)
    log.info(
        "roster warm start: greedy %.0f, local search %.0f, %d of %d ruin-and-rebuild rounds improved to %.0f "
        "(%.1f s)%s",
        built / SCALE,
        polished / SCALE,
        improved,
        rounds,
        r.objective() / SCALE,
        time.perf_counter() - started,
        f"; {left} agent(s) still break a minimum rule" if left else "",
    )
    return r.placements()
