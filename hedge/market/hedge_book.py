"""The hedge venue's book around the fair: fixed levels, depleted by our hedges, refilling."""
from __future__ import annotations

from hedge.market.model_file import HedgeBookModel


def level_offset_bps(model: HedgeBookModel, level: int) -> float:
    """How far level `level` (0: the best) of either side sits from the fair, in bp."""
    return model.half_spread_bps + level * model.level_step_bps


class HedgeBook:
    """Level i of a side sits (half_spread + i * level_step) bp from the fair with `level_base`
    depth, less what our hedges took from it, which refills linearly over `refill_ms`."""

    def __init__(self, model: HedgeBookModel) -> None:
        self.model = model
        self._rate_per_ms = model.level_base / model.refill_ms
        # per side (True: asks, what a buy takes), per level: (taken base, at ms)
        self._taken = {True: [(0.0, 0.0)] * model.levels, False: [(0.0, 0.0)] * model.levels}

    def _available(self, is_buy: bool, level: int, t_ms: float) -> float:
        taken, at_ms = self._taken[is_buy][level]
        still_taken = max(0.0, taken - (t_ms - at_ms) * self._rate_per_ms)
        return self.model.level_base - still_taken

    def level_price(self, fair: float, is_buy: bool, level: int) -> float:
        bps = level_offset_bps(self.model, level)
        return fair * (1 + bps / 1e4) if is_buy else fair * (1 - bps / 1e4)

    def walk(self, fair: float, size_base: float, is_buy: bool, t_ms: float,
             take: bool = False) -> tuple[float, float]:
        """(filled base, average price) for `size_base` at market; `take` depletes the book."""
        left = size_base
        cost = 0.0
        for level in range(self.model.levels):
            if left <= 0:
                break
            here = min(left, self._available(is_buy, level, t_ms))
            if here <= 0:
                continue
            cost += here * self.level_price(fair, is_buy, level)
            if take:
                still = self.model.level_base - self._available(is_buy, level, t_ms)
                self._taken[is_buy][level] = (still + here, t_ms)
            left -= here
        filled = size_base - left
        return filled, (cost / filled if filled > 0 else 0.0)

    def top(self, fair: float, t_ms: float) -> tuple[float, float, float, float]:
        """(bid, bid size, ask, ask size) of the first level with depth on each side."""
        out = []
        for is_buy in (False, True):
            for level in range(self.model.levels):
                size = self._available(is_buy, level, t_ms)
                if size > 1e-12:
                    out += [self.level_price(fair, is_buy, level), size]
                    break
            else:
                out += [self.level_price(fair, is_buy, self.model.levels - 1), 0.0]
        return out[0], out[1], out[2], out[3]
