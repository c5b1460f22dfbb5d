"""Where our order stands in a recorded book's queue, for replaying recorded markets.

A recorded book shows only the total size at each price. An order of ours joins behind all of
it and fills once recorded trades at its price have consumed what was ahead. Two models of how
the queue ahead shrinks:
- conservative: only trades at our price move us forward (a cancel ahead of us is assumed to
  be behind us); the queue ahead can never exceed what the level still shows;
- probabilistic: size leaving the level without a trade also moves us forward, in the share
  ahead / (ahead + behind) of the level (cancels are spread over the queue in proportion).
"""
from __future__ import annotations

from dataclasses import dataclass

MODELS = ("conservative", "probabilistic")


@dataclass
class QueuePosition:
    ahead_base: float          # recorded size in front of our order at its price
    remaining_base: float      # our order's unfilled size
    level_base: float          # the level's recorded size (ours excluded) at the last update
    model: str = "conservative"

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"unknown queue model {self.model!r}; allowed: {', '.join(MODELS)}")

    @classmethod
    def join(cls, level_base: float, size_base: float, model: str = "conservative"
             ) -> QueuePosition:
        """A new order at a level showing `level_base`: behind all of it."""
        return cls(level_base, size_base, level_base, model)

    def on_trade(self, size_base: float) -> float:
        """A recorded trade at our price: it takes the queue ahead first. Returns our fill."""
        taken_ahead = min(self.ahead_base, size_base)
        self.ahead_base -= taken_ahead
        self.level_base = max(0.0, self.level_base - taken_ahead)
        fill = min(self.remaining_base, size_base - taken_ahead)
        self.remaining_base -= fill
        return fill

    def on_trade_through(self) -> float:
        """A recorded trade beyond our price: the whole level was swept, ours with it."""
        fill, self.remaining_base, self.ahead_base = self.remaining_base, 0.0, 0.0
        return fill

    def on_level(self, level_base: float) -> None:
        """The level's recorded size changed (trades at the price already applied)."""
        left = self.level_base - level_base
        if left > 0 and self.model == "probabilistic":
            behind = max(0.0, self.level_base - self.ahead_base)
            total = self.ahead_base + behind
            if total > 0:
                self.ahead_base -= left * self.ahead_base / total
        self.ahead_base = max(0.0, min(self.ahead_base, level_base))
        self.level_base = level_base
