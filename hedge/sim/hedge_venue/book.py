"""A hedge venue's instruments and order book, laid around the market model's fair.

The book is the model's hedge book (`model.hedge`: half-spread, `levels` of `level_base` every
`level_step_bps`), the one the lab trades against, so paper mode pays the lab's hedge prices.
A test that pins the mid (tests/sim/ccxt_loopback.freeze_prices) gets the fixed test shape
instead: +2 bp basis, 0.5 bp half-spread, the symbol's own level sizes and gaps, so it can
compute the exact book it trades against.

The book is recomputed on every read and is not depleted by fills (the lab's book is; at the
presets' depth a hedge of a quote's size never reaches past the first level), so a hedge never
changes the price it will see next; that keeps seeded runs reproducible whatever order
requests arrive in.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from hedge.market.hedge_book import level_offset_bps
from hedge.sim.price import PriceProcess

BASIS_BPS = Decimal("2")        # pinned mid: the venue trades this much above it
HALF_SPREAD_BPS = Decimal("0.5")
LEVELS = 20
BPS = Decimal("0.0001")


@dataclass(frozen=True)
class SymbolSpec:
    """One perpetual: its filters, and the shape of the synthetic book around the mid."""

    symbol: str
    base: str                  # the PriceProcess asset and the base asset
    tick: Decimal
    step: Decimal
    min_qty: Decimal
    max_qty: Decimal
    market_max_qty: Decimal
    min_notional: Decimal
    price_precision: int
    qty_precision: int
    top_level_qty: Decimal     # size of the best level; deeper levels grow from it
    level_gap_bps: Decimal     # distance between levels

    @property
    def quote(self) -> str:
        return "USDT"


@dataclass(frozen=True)
class Level:
    price: Decimal
    qty: Decimal


@dataclass(frozen=True)
class Book:
    """One snapshot: bids best-first (descending), asks best-first (ascending)."""

    symbol: str
    nonce: int
    mid: Decimal
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]

    def side_to_take(self, order_side: str) -> tuple[Level, ...]:
        """A BUY takes asks, a SELL takes bids."""
        return self.asks if order_side == "BUY" else self.bids

    def crosses(self, order_side: str, price: Decimal) -> bool:
        """Would a limit order at `price` trade against the book right now?"""
        if order_side == "BUY":
            return bool(self.asks) and price >= self.asks[0].price
        return bool(self.bids) and price <= self.bids[0].price

    def walk(self, order_side: str, qty: Decimal,
             limit: Decimal | None) -> list[tuple[Decimal, Decimal]]:
        """Fills (price, qty) for taking up to `qty`, not past `limit` (None = market)."""
        fills: list[tuple[Decimal, Decimal]] = []
        left = qty
        for level in self.side_to_take(order_side):
            if left <= 0:
                break
            if limit is not None and ((order_side == "BUY" and level.price > limit)
                                      or (order_side == "SELL" and level.price < limit)):
                break
            take = min(left, level.qty)
            fills.append((level.price, take))
            left -= take
        return fills

    def fillable(self, order_side: str, limit: Decimal | None) -> Decimal:
        return sum((level.qty for level in self.side_to_take(order_side)
                    if limit is None or (order_side == "BUY" and level.price <= limit)
                    or (order_side == "SELL" and level.price >= limit)), Decimal(0))


def _to_tick(value: Decimal, tick: Decimal, rounding: str) -> Decimal:
    return (value / tick).to_integral_value(rounding=rounding) * tick


def book_at(spec: SymbolSpec, prices: PriceProcess, now_ms: int) -> Book:
    """The book of `spec.symbol` at `now_ms`; the nonce is the price step, so it only grows."""
    if not prices.pinned:
        return _model_book(spec, prices, now_ms)
    raw_mid = Decimal(repr(prices.mid(spec.base, now_ms)))
    mid = raw_mid * (1 + BASIS_BPS * BPS)
    best_bid = _to_tick(mid * (1 - HALF_SPREAD_BPS * BPS), spec.tick, ROUND_FLOOR)
    best_ask = _to_tick(mid * (1 + HALF_SPREAD_BPS * BPS), spec.tick, ROUND_CEILING)
    if best_ask <= best_bid:
        best_ask = best_bid + spec.tick
    gap = max(spec.tick, _to_tick(mid * spec.level_gap_bps * BPS, spec.tick, ROUND_FLOOR))
    bids, asks = [], []
    for i in range(LEVELS):
        qty = _to_tick(spec.top_level_qty * (1 + Decimal(i) / 2), spec.step, ROUND_FLOOR)
        bids.append(Level(best_bid - gap * i, qty))
        asks.append(Level(best_ask + gap * i, qty))
    return Book(spec.symbol, prices.step_index(now_ms) + 1, mid.quantize(spec.tick),
                tuple(bids), tuple(asks))


def _model_book(spec: SymbolSpec, prices: PriceProcess, now_ms: int) -> Book:
    """The model's hedge book around the fair X: level i sits (half_spread + i * level_step)
    bp from X with `level_base` depth, prices rounded away from X to the symbol's tick."""
    hedge = prices.model.hedge
    fair = Decimal(repr(prices.mid(spec.base, now_ms)))
    qty = max(spec.step, _to_tick(Decimal(repr(hedge.level_base)), spec.step, ROUND_FLOOR))
    bids, asks = [], []
    for i in range(hedge.levels):
        away = Decimal(repr(level_offset_bps(hedge, i))) * BPS
        bids.append(Level(_to_tick(fair * (1 - away), spec.tick, ROUND_FLOOR), qty))
        ask = _to_tick(fair * (1 + away), spec.tick, ROUND_CEILING)
        asks.append(Level(max(ask, bids[0].price + spec.tick), qty))   # never a crossed book
    return Book(spec.symbol, prices.step_index(now_ms) + 1, fair.quantize(spec.tick),
                tuple(_distinct(bids)), tuple(_distinct(asks)))


def _distinct(levels: list[Level]) -> list[Level]:
    """Levels closer than a tick round onto one price: merge them (a book has one per price)."""
    merged: list[Level] = []
    for level in levels:
        if merged and merged[-1].price == level.price:
            merged[-1] = Level(level.price, merged[-1].qty + level.qty)
        else:
            merged.append(level)
    return merged
