"""What the preflight asks a hedge venue about the account: position mode, free collateral,
the venue's clock. Each read goes through the venue's own ccxt class."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from hedge.adapters.hedging.venue_rules import read_position_mode
from hedge.infra.clock import wall_s


async def position_mode(venue: Any, symbol: str) -> str:
    """"one_way" or "hedge", as the venue reports the account's setting."""
    await venue._reads.acquire()
    return await read_position_mode(venue.venue_rules, venue.exchange, symbol)


def position_mode_setting(venue: Any) -> str:
    """The venue's setting an operator changes to leave hedge mode, by its name."""
    return getattr(venue.venue_rules, "position_mode_setting", "position mode: one-way")


def settle_asset(venue: Any, symbol: str) -> str:
    """The collateral currency of `symbol` (USDT, USDC)."""
    market = venue.exchange.markets.get(symbol) or {}
    return str(market.get("settle") or market.get("quote") or "USDT")


async def free_collateral(venue: Any, symbol: str) -> tuple[str, Decimal]:
    """(asset, free amount) that margins `symbol`'s position."""
    asset = settle_asset(venue, symbol)
    await venue._reads.acquire()
    balance = await venue.exchange.fetch_balance()
    free = (balance.get("free") or {}).get(asset)
    if free is None:
        free = (balance.get(asset) or {}).get("free")
    return asset, Decimal(str(free or 0))


async def clock_offset_ms(venue: Any) -> float:
    """The venue's clock minus ours, in ms, from its server-time endpoint (ccxt fetch_time)."""
    await venue._reads.acquire()
    sent_ms = wall_s() * 1000
    server_ms = await venue.exchange.fetch_time()
    arrived_ms = wall_s() * 1000
    return float(server_ms) - (sent_ms + arrived_ms) / 2
