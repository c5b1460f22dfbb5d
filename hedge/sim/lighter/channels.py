"""Channel names and the frames each channel carries (snapshots and updates).

Subscriptions use the slash form (`order_book/0`), frames the colon form (`order_book:0`),
except `account_orders/{m}/{a}` whose frames say `account_orders:{m}` plus `account`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from hedge.sim.lighter.accounts import order_wire, position_wire
from hedge.sim.lighter.venue import LighterVenue

PUBLIC = {"order_book": 1, "trade": 1, "market_stats": 1}
PRIVATE = {"account_orders": 2, "account_all_orders": 1, "account_all": 1,
           "account_all_trades": 1, "account_all_positions": 1}
AUTH_OPTIONAL = {"account_all"}   # the SDK's WsClient subscribes it without a token


@dataclass(frozen=True)
class ChannelSpec:
    name: str
    market: int | None
    account: int | None
    auth_required: bool


def parse_channel(venue: LighterVenue, channel: str) -> ChannelSpec | None:
    parts = channel.split("/")
    name, args = parts[0], parts[1:]
    arity = PUBLIC.get(name) or PRIVATE.get(name)
    if arity is None or len(args) != arity:
        return None
    if name == "market_stats" and args[0] == "all":
        return ChannelSpec(name, None, None, False)
    if not all(a.isdigit() for a in args):
        return None
    nums = [int(a) for a in args]
    if name in PUBLIC:
        return ChannelSpec(name, nums[0], None, False) if nums[0] in venue.markets else None
    if name == "account_orders":
        if nums[0] not in venue.markets:
            return None
        return ChannelSpec(name, nums[0], nums[1], True)
    return ChannelSpec(name, None, nums[0], name not in AUTH_OPTIONAL)


def _levels(spec, levels: dict[int, int], is_ask: bool) -> list[dict]:
    return [{"price": spec.price_str(p), "size": spec.size_str(levels[p])}
            for p in sorted(levels, reverse=not is_ask)]


class ChannelFrames:
    """Builds frames from venue state; `deliver(channel, frame)` is supplied by the hub."""

    def __init__(self, venue: LighterVenue) -> None:
        self.venue = venue
        self.nonce = 9_182_000_000
        self.book_nonce = {m: 0 for m in venue.markets}
        self.book_offset = {m: 1_558_000 + 1000 * m for m in venue.markets}
        self.published = {m: {False: {}, True: {}} for m in venue.markets}
        self.book_updated_us = {m: 0 for m in venue.markets}

    def deliver(self, channel: str, frame: dict, account_frame: bool = False) -> None:
        raise NotImplementedError

    def next_nonce(self) -> int:
        self.nonce += 1 + self.venue.rng.randrange(40)
        return self.nonce

    # --- order book -----------------------------------------------------------------------
    def publish_book(self, market: int) -> None:
        """Diff the live book against the last published state and send one batched update."""
        book, spec = self.venue.books[market], self.venue.markets[market]
        diff: dict[bool, dict[int, int]] = {}
        for is_ask in (False, True):
            now_levels, old = book.levels(is_ask), self.published[market][is_ask]
            changed = {p: n for p, n in now_levels.items() if old.get(p) != n}
            changed.update({p: 0 for p in old if p not in now_levels})
            diff[is_ask] = changed
            self.published[market][is_ask] = now_levels
        if not diff[False] and not diff[True]:
            return
        begin = self.book_nonce[market]
        nonce = self.next_nonce()
        gap = self.venue.faults.book_nonce_gap_prob
        if self.venue.markets[market].symbol in self.venue.faults.book_gap_markets:
            begin += 1                        # this market's chain always breaks: it resyncs
        elif gap and self.venue.rng.random() < gap:
            begin += 1 + self.venue.rng.randrange(5)
        self.book_nonce[market] = nonce
        self.book_offset[market] += 1 + self.venue.rng.randrange(3)
        now = time.time_ns() // 1000 + self.venue.faults.clock_offset_ms * 1000   # venue clock
        self.book_updated_us[market] = now
        off = self.book_offset[market]
        self.deliver(f"order_book/{market}", {
            "channel": f"order_book:{market}", "last_updated_at": now, "offset": off,
            "order_book": {"code": 0, "asks": _levels(spec, diff[True], True),
                           "bids": _levels(spec, diff[False], False), "offset": off,
                           "nonce": nonce, "last_updated_at": now, "begin_nonce": begin},
            "timestamp": now // 1000, "type": "update/order_book"})

    # --- venue.Publisher ------------------------------------------------------------------
    def account_orders(self, account: int, market: int, orders: list[dict]) -> None:
        if self.venue.faults.mute_account_orders:
            return
        self.deliver(f"account_orders/{market}/{account}", {
            "account": account, "channel": f"account_orders:{market}", "nonce": self.next_nonce(),
            "orders": {str(market): orders}, "type": "update/account_orders"}, True)
        self.deliver(f"account_all_orders/{account}", {
            "channel": f"account_all_orders:{account}", "orders": {str(market): orders},
            "type": "update/account_all_orders"}, True)

    def account_trades(self, account: int, market: int, trades: list[dict]) -> None:
        self.deliver(f"account_all/{account}", {
            "account": account, "channel": f"account_all:{account}", "funding_histories": {},
            "positions": {}, "shares": [], "trades": {str(market): trades},
            "type": "update/account_all"}, True)
        self.deliver(f"account_all_trades/{account}", {
            "channel": f"account_all_trades:{account}", "trades": {str(market): trades},
            "type": "update/account_all_trades"}, True)

    def account_position(self, account: int, market: int, position: dict) -> None:
        self.deliver(f"account_all/{account}", {
            "account": account, "channel": f"account_all:{account}", "funding_histories": {},
            "positions": {str(market): position}, "shares": [], "trades": {},
            "type": "update/account_all"}, True)
        self.deliver(f"account_all_positions/{account}", {
            "channel": f"account_all_positions:{account}", "positions": {str(market): position},
            "shares": [], "type": "update/account_all_positions"}, True)

    def public_trades(self, market: int, trades: list[dict]) -> None:
        self.deliver(f"trade/{market}", {"channel": f"trade:{market}", "liquidation_trades": [],
                                         "nonce": self.next_nonce(), "trades": trades,
                                         "type": "update/trade"})

    def publish_market_stats(self) -> None:
        for m in self.venue.markets:
            self.deliver("market_stats/all", {"channel": "market_stats:all",
                                              "market_stats": {str(m): self._stats(m)},
                                              "timestamp": self.venue.now_ms(),
                                              "type": "update/market_stats"})

    def _stats(self, market: int) -> dict:
        spec, mark = self.venue.markets[market], self.venue.mark(market)
        last = self.venue.last_trade_price.get(market, mark)
        return {"market_id": market, "symbol": spec.symbol, "index_price": str(mark),
                "mark_price": str(mark), "open_interest": "0.000000",
                "last_trade_price": str(last), "current_funding_rate": "0.0000",
                "funding_rate": "0.0000", "funding_timestamp": 0,
                "daily_base_token_volume": 0.0, "daily_quote_token_volume": 0.0,
                "daily_price_low": float(mark), "daily_price_high": float(mark),
                "daily_price_change": 0.0}

    # --- snapshots ------------------------------------------------------------------------
    def snapshot(self, ch) -> dict:
        v = self.venue
        if ch.name == "order_book":
            m, spec = ch.market, v.markets[ch.market]
            pub, off, upd = self.published[m], self.book_offset[m], self.book_updated_us[m]
            return {"channel": f"order_book:{m}", "last_updated_at": upd, "offset": off,
                    "order_book": {"code": 0, "asks": _levels(spec, pub[True], True),
                                   "bids": _levels(spec, pub[False], False), "offset": off,
                                   "nonce": self.book_nonce[m], "last_updated_at": upd, "begin_nonce": 0},
                    "timestamp": self.venue.now_ms(), "type": "subscribed/order_book"}
        if ch.name == "trade":
            return {"channel": f"trade:{ch.market}", "liquidation_trades": [], "nonce": self.nonce,
                    "trades": list(reversed(v.recent_trades[ch.market])), "type": "subscribed/trade"}
        if ch.name == "market_stats":
            return {"channel": "market_stats:all", "timestamp": self.venue.now_ms(),
                    "market_stats": {str(m): self._stats(m) for m in v.markets},
                    "type": "subscribed/market_stats"}
        acct = v.accounts.get(ch.account)
        live = acct.live_orders(ch.market) if acct else []
        orders: dict[str, list] = {}
        for o in live:
            orders.setdefault(str(o.market_index), []).append(order_wire(o))
        if ch.name == "account_orders":
            return {"account": ch.account, "channel": f"account_orders:{ch.market}",
                    "nonce": self.nonce, "orders": orders, "type": "subscribed/account_orders"}
        if ch.name == "account_all_orders":
            return {"channel": f"account_all_orders:{ch.account}", "orders": orders,
                    "type": "subscribed/account_all_orders"}
        positions = {str(m): position_wire(p, v.mark(m), len(acct.live_orders(m)))
                     for m, p in sorted(acct.positions.items())} if acct else {}
        if ch.name == "account_all_positions":
            return {"channel": f"account_all_positions:{ch.account}", "positions": positions,
                    "shares": [], "type": "subscribed/account_all_positions"}
        volume = {f"{p}_{k}": 0 if k == "trades_count" else 0.0
                  for p in ("daily", "weekly", "monthly", "total") for k in ("trades_count", "volume")}
        if ch.name == "account_all_trades":
            return {"channel": f"account_all_trades:{ch.account}", "trades": {}, **volume,
                    "type": "subscribed/account_all_trades"}
        return {"account": ch.account, "channel": f"account_all:{ch.account}", **volume,
                "funding_histories": {}, "positions": positions, "shares": [], "trades": {},
                "type": "subscribed/account_all"}
