"""The fair price X(t) in steps, with jumps, and Lighter's lagged, basis-shifted view of it."""
from __future__ import annotations

import math
from collections import deque

from hedge.market.model_file import FairModel, LighterBookModel
from hedge.market.streams import stream

LN2 = math.log(2)


class FairPath:
    """X at step k (time k * step_ms); keeps enough history to answer X(t - lag)."""

    def __init__(self, model: FairModel, step_ms: int, start: float, seed: int, market: str,
                 history_steps: int) -> None:
        step_s = step_ms / 1000
        self._sigma = model.vol_bps_per_sqrt_s / 1e4 * math.sqrt(step_s)
        self._jump_p = 1 - math.exp(-model.jumps_per_hour * step_s / 3600)
        self._jump_sd = model.jump_bps / 1e4
        self._moves = stream(seed, "fair", market)
        self._jumps = stream(seed, "jumps", market)
        self.step = 0
        self.x = start
        self._history: deque[float] = deque([start], maxlen=history_steps + 1)

    def advance(self) -> float:
        """One step on; both streams draw the same count every step."""
        z = self._moves.gauss(0.0, 1.0)
        u = self._jumps.random()
        jump = self._jumps.gauss(0.0, self._jump_sd) if self._jump_sd else 0.0
        log_move = self._sigma * z + (jump if u < self._jump_p else 0.0)
        self.x *= math.exp(log_move)
        self.step += 1
        self._history.append(self.x)
        return self.x

    def steps_ago(self, n: int) -> float:
        """X n steps back (the oldest kept when the history is shorter)."""
        n = min(n, len(self._history) - 1)
        return self._history[-1 - n]


class Basis:
    """An Ornstein-Uhlenbeck basis in bp between Lighter's fair and the hedge venue's,
    started from its stationary distribution."""

    def __init__(self, model: LighterBookModel, step_ms: int, seed: int, market: str) -> None:
        self._rng = stream(seed, "basis", market)
        self._a = math.exp(-LN2 * (step_ms / 1000) / model.basis_half_life_s)
        self._sd = model.basis_sd_bps
        self._shock = self._sd * math.sqrt(1 - self._a ** 2)
        self.bps = self._rng.gauss(0.0, 1.0) * self._sd

    def advance(self) -> float:
        self.bps = self.bps * self._a + self._shock * self._rng.gauss(0.0, 1.0)
        return self.bps
