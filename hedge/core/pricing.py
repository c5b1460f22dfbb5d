"""The adaptive terms of the quote price: what a quote must earn beyond its fees, where fair
value sits, how inventory leans it, and how much the hedge book can take.

A resting quote is stale for the time it takes to cancel it on Lighter plus the time to notice
the move, so the edge it needs grows with the hedge mid's volatility over that window. Inventory
moves the reservation price instead of switching a side off; the hard cutoff stays as the last
line. `edge_model: fixed` turns every term here off but the fees and the currency rate, so a run
can compare the old pricing with the new on the same market.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from decimal import Decimal

from hedge.core.units import BPS, round_to_step

EDGE_MODELS = ("adaptive", "fixed")
# Lighter's time to cancel a resting maker order by account tier (the maker latency).
CANCEL_MS_BY_TIER = {"standard": 200, "premium": 0}
MARKOUT_HORIZON_S = 5.0


@dataclass(frozen=True)
class PricingParams:
    edge_model: str = "adaptive"
    vol_edge_k: Decimal = Decimal(1)
    vol_window_s: float = 60.0
    detect_ms: int = 50
    cancel_ms: int = 200                     # Lighter's time to cancel for the account tier
    markout_buffer: bool = False
    markout_window_fills: int = 50
    quote_rate: Decimal = Decimal(1)         # USDT per USDC: hedge prices / this = Lighter's
    basis_ewma_s: float = 0.0                # 0: no basis term
    inventory_skew_bps: Decimal = Decimal(0)
    depth_fraction: Decimal = Decimal("0.25")
    depth_within_bps: Decimal = Decimal(10)  # the hedge's slippage cap (hedge.max_slippage_bps)

    @property
    def adaptive(self) -> bool:
        return self.edge_model == "adaptive"


def vol_edge_bps(vol_bps_per_sqrt_s: float, p: PricingParams) -> Decimal:
    """k x sigma x sqrt(stale time): what the hedge mid moves while a quote cannot be pulled."""
    if not p.adaptive or vol_bps_per_sqrt_s <= 0:
        return Decimal(0)
    stale_s = (p.cancel_ms + p.detect_ms) / 1000
    return p.vol_edge_k * Decimal(repr(round(vol_bps_per_sqrt_s * math.sqrt(stale_s), 6)))


def skew_bps(position: Decimal, max_position: Decimal, p: PricingParams) -> Decimal:
    """How far the reservation price moves, in bp (negative: down), against the position:
    the full `inventory_skew_bps` at max_position, linear in between."""
    if not p.adaptive or max_position <= 0 or p.inventory_skew_bps == 0:
        return Decimal(0)
    share = max(Decimal(-1), min(Decimal(1), position / max_position))
    return -p.inventory_skew_bps * share


def size_from_depth(order_size: Decimal, depth_base: Decimal | None, step: Decimal,
                    p: PricingParams) -> Decimal:
    """Never more than `depth_fraction` of the hedge book's depth within the slippage cap
    (`depth_base` None: unknown, the configured size)."""
    if not p.adaptive or depth_base is None:
        return order_size
    return min(order_size, round_to_step(depth_base * p.depth_fraction, step, up=False))


def fair_hedge_price(hedge_price: Decimal, basis: Decimal, p: PricingParams) -> Decimal:
    """The hedge venue's average price for the size in Lighter's currency, plus the basis
    (Lighter mid minus hedge mid, when the basis term is on)."""
    fair = hedge_price / p.quote_rate
    return fair + basis if p.adaptive and p.basis_ewma_s > 0 else fair


class MidVolatility:
    """The hedge mid's volatility over a rolling window, in bp per sqrt(second). O(1) a sample:
    a running sum of squared log returns (the lab calls it every decision of a simulated hour)."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._mids: deque[tuple[float, float]] = deque()     # (t, mid)
        self._squares: deque[float] = deque()                 # return into each mid but the first
        self._sum = 0.0

    def add(self, now_s: float, mid: Decimal) -> None:
        if self._mids and now_s - self._mids[-1][0] < 0.05:
            return                          # one sample per 50 ms bounds the work and memory
        value = float(mid)
        if self._mids:
            square = math.log(value / self._mids[-1][1]) ** 2
            self._squares.append(square)
            self._sum += square
        self._mids.append((now_s, value))
        while len(self._mids) > 1 and now_s - self._mids[0][0] > self.window_s:
            self._mids.popleft()
            self._sum -= self._squares.popleft()

    def bps_per_sqrt_s(self) -> float:
        if len(self._mids) < 3:
            return 0.0
        span_s = self._mids[-1][0] - self._mids[0][0]
        return math.sqrt(max(self._sum, 0.0) / span_s) * 10_000 if span_s > 0 else 0.0


class BasisEwma:
    """An EWMA of Lighter mid minus hedge mid (in Lighter's currency) with time constant
    `window_s`."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self.value = Decimal(0)
        self._at_s: float | None = None

    def add(self, now_s: float, lighter_mid: Decimal, hedge_mid: Decimal) -> Decimal:
        gap = lighter_mid - hedge_mid
        if self._at_s is None or self.window_s <= 0:
            self.value = gap
        else:
            weight = Decimal(repr(1 - math.exp(-max(0.0, now_s - self._at_s) / self.window_s)))
            self.value += (gap - self.value) * weight
        self._at_s = now_s
        return self.value


class MarkoutBuffer:
    """Per side, the adverse-selection buffer: the mean 5 s markout loss of the side's last
    fills, in bp (0 while they earn on average)."""

    def __init__(self, window_fills: int) -> None:
        self._markouts = {"bid": deque(maxlen=window_fills), "ask": deque(maxlen=window_fills)}

    def add(self, side: str, markout_bps: Decimal) -> None:
        self._markouts[side].append(markout_bps)

    def buffer_bps(self, side: str) -> Decimal:
        seen = self._markouts[side]
        if not seen:
            return Decimal(0)
        return max(Decimal(0), -sum(seen) / len(seen))


def markout_bps(side: str, fill_price: Decimal, later_mid: Decimal) -> Decimal:
    """A maker fill's markout: what the position gained against the mid a while later."""
    moved = (later_mid - fill_price) / fill_price * BPS
    return moved if side == "bid" else -moved
