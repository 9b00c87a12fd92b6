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
  (``keeps_every_rule`` is False).  Minimums (consecutive days or days off in a
row, a pair of days off, weekly or horizon minutes) are not kept: the result
is only a hint, and CP-SAT verifies it and repairs what it breaks.  Move
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
from wfm.roster.shifts import on_phone_minutes

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

        self.req = np.stack([rm.requirement[q] for q in self.queues]).astype(np.int64)
        self.cov = np.zeros_like(self.req)
        self._footprints()
        self.shift_on: dict[tuple[int, int], int] = {}
        self.queue_on: dict[tuple[int, int], int] = {}

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
    best = r.objective()
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
        value = r.objective()
        if value < best:
            best, stall, improved = value, 0, improved + 1
            if on_improve is not None:
                on_improve(best / SCALE)
        else:
            r.restore(snap)
            stall += 1
    return rounds, improved


# ---------------------------------------------------------------------------
# Mentors, mentees and sessions
# ---------------------------------------------------------------------------
def _pairs(rm: RosterModel) -> list[tuple[int, int]]:
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
    """Whether the warm start keeps every hard rule of this scenario (it does not keep minimums).

    Sessions and mentor pairs are kept when the warm start found a day for
    every session (``rm.warm_start_kept``, set by :func:`starting_roster`;
    False before it ran).
    """
    if getattr(rm, "session_days", None) or _pairs(rm):
        if not getattr(rm, "warm_start_kept", False):
            return False
    return not has_minimums(rm)


def has_minimums(rm: RosterModel) -> bool:
    """Whether some agent has a minimum rule, which the warm start does not keep (known before it runs).

    Then the warm start is only a hint for CP-SAT to repair, and its own
    cost leaves those rules out, so a long ruin-and-rebuild buys little.
    """
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


def starting_roster(
    rm: RosterModel,
    *,
    deadline: float | None = None,
    seed: int = 0,
    on_improve: Callable[[float], None] | None = None,
    on_first: Callable[[dict[tuple[int, int], Placement]], None] | None = None,
    max_rounds: int = DETERMINISTIC_ROUNDS,
) -> dict[tuple[int, int], Placement]:
    """``{(agent, day): (shift, queue)}``: a good roster that keeps every built-in hard rule.

    ``deadline`` (a ``time.perf_counter()`` value) stops the search early;
    without one it stops on its own after at most ``max_rounds`` ruin-and-rebuild
    rounds (same inputs and seed, same roster; see :func:`deterministic_rounds`).
    ``on_improve`` receives the objective (cost units) of every better roster;
    ``on_first`` receives the first complete roster (the greedy one) before any
    improvement, so a caller can show a feasible roster early.
    """
    started = time.perf_counter()
    report = on_improve or (lambda _: None)
    r = _Roster(rm)
    pairs = _pairs(rm)
    for _, mentee in pairs:
        r.frozen[mentee] = True  # placed after the greedy, on the mentor's days
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
    polished = r.objective()
    if polished < built:
        report(polished / SCALE)
    rounds, improved = _search(r, np.random.default_rng(seed), deadline, on_improve, max_rounds)
    log.info(
        "roster warm start: greedy %.0f, local search %.0f, %d of %d ruin-and-rebuild rounds improved to %.0f "
        "(%.1f s)",
        built / SCALE,
        polished / SCALE,
        improved,
        rounds,
        r.objective() / SCALE,
        time.perf_counter() - started,
    )
    return r.placements()
