"""State of the okx venue: the Binance-style accounts and matching, keyed by OKX instId.

Quantities inside are base units (so the shared account and book code applies unchanged);
every route converts contracts at the wire through the instrument.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from hedge.sim.binance.accounts import Account
from hedge.sim.binance.book import Book, book_at
from hedge.sim.binance.venue import HedgeVenueState, now_ms
from hedge.sim.okx.markets import INSTRUMENTS


@dataclass
class OkxAccount(Account):
    passphrase: str = ""


@dataclass
class OkxVenueState(HedgeVenueState):
    next_order_id: int = 1_934_000_000_000_000_000
    received_orders: list[dict] = field(default_factory=list)  # each order body as it arrived
    # > 0: an order reads `live` with nothing filled for this long after its acknowledgement,
    # as on OKX where the answer can come before the match (tests of reading until final).
    settle_after_ms: int = 0

    def book(self, symbol: str, at_ms: int | None = None) -> Book:
        return book_at(INSTRUMENTS[symbol].book_spec, self.prices,
                       now_ms() if at_ms is None else at_ms)

    def register_okx(self, api_key: str, secret: str, passphrase: str,
                     balance: Decimal) -> OkxAccount:
        account = OkxAccount(api_key, secret, balance, passphrase=passphrase)
        self.accounts[api_key] = account
        return account
