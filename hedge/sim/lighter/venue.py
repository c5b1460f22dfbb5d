"""The venue's state and what happens when a transaction executes or a taker arrives.

Everything observable (orders, positions, trades, fills) changes here, and each change is
handed to the stream hub in the order the real venue emits it: order frame, then the
account's trade frame, then its position frame (research §3.4).
"""
from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from hedge.sim.faults import LighterFaults
from hedge.sim.lighter.accounts import Account, ApiKey, Order, now_us, order_wire, position_wire
from hedge.sim.lighter.book import SYNTHETIC_ACCOUNT, Match, OrderBook
from hedge.sim.lighter.limits import RequestLimiter
from hedge.sim.lighter.markets import MARKETS
from hedge.sim.lighter.sequencer import Sequencer
from hedge.sim.lighter.tiers import DEFAULT_TIER, TIERS, Tier, fee_usdc, tier_named
from hedge.sim.lighter.trades import trade_wire
from hedge.sim.price import PriceProcess

ASK_INDEX_BASE = 1 << 48     # venue order indexes are >= 2^48 (asks) and >= 2^49 (bids)
BID_INDEX_BASE = 1 << 49
TRADE_HISTORY = 50


def skips_nonce(info: dict) -> bool:
    """Signed with skip_nonce=1 (`L2TxAttributes {"4":1}`): the nonce is not sequenced."""
    return (info.get("L2TxAttributes") or {}).get("4") == 1


class Publisher(Protocol):
    """What the venue tells the WebSocket side (implemented by stream.StreamHub)."""

    def account_orders(self, account: int, market: int, orders: list[dict]) -> None: ...
    def account_trades(self, account: int, market: int, trades: list[dict]) -> None: ...
    def account_position(self, account: int, market: int, position: dict) -> None: ...
    def public_trades(self, market: int, trades: list[dict]) -> None: ...


class NullPublisher:
    def account_orders(self, account, market, orders): pass
    def account_trades(self, account, market, trades): pass
    def account_position(self, account, market, position): pass
    def public_trades(self, market, trades): pass


@dataclass
class Fill:
    """One maker or taker fill of a registered account (the ledger tests read)."""

    account: int
    market: int
    order_index: int
    client_order_index: int
    is_ask: bool
    lots: int
    price: int
    is_maker: bool
    trade_id: int
    fee: Decimal = Decimal(0)            # USDC paid (tier fee)


@dataclass
class TxRecord:
    """An accepted transaction, as `GET /api/v1/tx` reports it."""

    hash: str
    tx_type: int
    info: dict
    queued_ms: int
    due_ms: int
    sequence: int
    status: int = 1                      # 0 failed, 1 pending, 2 executed
    executed_ms: int = 0
    event_info: dict = field(default_factory=dict)
    silent_reject: bool = False          # accepted with 200, the sequencer drops it


class LighterVenue:
    """All venue state; the REST, WS and control routes read and drive it."""

    def __init__(self, prices: PriceProcess, faults: LighterFaults, seed: int,
                 default_tier: str = DEFAULT_TIER) -> None:
        self.default_tier = tier_named(default_tier).name
        self.prices = prices
        self.faults = faults
        self.seed = seed
        self.rng = random.Random(seed)
        self.markets = MARKETS
        self.books = {m: OrderBook(spec) for m, spec in MARKETS.items()}
        self.accounts: dict[int, Account] = {}
        self.txs: dict[str, TxRecord] = {}
        self.fills: list[Fill] = []
        self.recent_trades: dict[int, list[dict]] = {m: [] for m in MARKETS}
        self.last_trade_price: dict[int, Decimal] = {}
        self.hub: Publisher = NullPublisher()
        self.pending: Sequencer | None = None
        self.limiter = RequestLimiter(self)
        self.taker_flows: dict[int, Any] = {}    # market -> market_life.TakerFlow
        self.pending_client_ids: dict[int, list[int]] = {}
        self._next_ask = ASK_INDEX_BASE + 1_953_000_000
        self._next_bid = BID_INDEX_BASE + 1_953_000_000
        self._trade_id = 19_211_490_000
        self._tx_seq = 13_833_000_000
        self._order_nonce = 281_474_720_000_000
        self.block_height = 227_000_000

    # --- accounts -------------------------------------------------------------------------
    def register(self, account_index: int, api_key_index: int, public_key: str,
                 collateral: Decimal, tier: str | None = None) -> Account:
        """Add an account (or a key to one); `tier` None keeps an existing account's tier."""
        acct = self.accounts.get(account_index)
        if acct is None:
            acct = self.accounts[account_index] = Account(
                account_index, collateral, tier=self.default_tier,
                volume_quota=int(self.faults.volume_quota_start), quota_counted_s=time.monotonic())
        if tier is not None:
            acct.tier = tier_named(tier).name
        key = public_key[2:] if public_key.startswith("0x") else public_key
        old = acct.api_keys.get(api_key_index)
        acct.api_keys[api_key_index] = ApiKey(account_index, api_key_index, key,
                                              old.next_nonce if old else 0)
        return acct

    def now_ms(self) -> int:
        """The venue's clock (the host's, moved by the `clock_offset_ms` knob): its server
        time, frame timestamps, expiries and deadline checks."""
        return int(time.time() * 1000) + self.faults.clock_offset_ms

    def tier_of(self, account: int) -> Tier:
        acct = self.accounts.get(account)
        return TIERS[acct.tier if acct else self.default_tier]

    def quota_remaining(self, acct: Account) -> int:
        return acct.quota_remaining(self.faults.volume_quota_refill_s, time.monotonic())

    def market_status(self, market: int) -> str:
        return self.faults.market_status.get(self.markets[market].symbol, "active")

    def mark(self, market: int) -> Decimal:
        spec = self.markets[market]
        return spec.price(spec.to_ticks(self.prices.lighter_mid(spec.symbol)))

    # --- accepting transactions -----------------------------------------------------------
    def accept(self, tx_type: int, info: dict, raw: str) -> TxRecord:
        """Consume the nonce (and premium quota) and queue the tx for execution after the
        tier's latency for its lane plus `faults.tx_latency_ms`."""
        acct = self.accounts[info["AccountIndex"]]
        if not skips_nonce(info):
            acct.api_keys[info["ApiKeyIndex"]].next_nonce += 1
        now = int(time.time() * 1000)
        delay = max(0, int(self.faults.tx_latency_ms))
        if self.faults.tier_latency:
            delay += TIERS[acct.tier].latency_ms(self._lane(acct, tx_type, info))
        self._tx_seq += 1
        digest = hashlib.blake2b(f"{raw}|{self._tx_seq}".encode(), digest_size=40).hexdigest()
        rec = TxRecord(digest, tx_type, info, now, now + delay, self._tx_seq)
        self.txs[digest] = rec
        if tx_type in (14, 17):
            if TIERS[acct.tier].volume_quota:
                self.quota_remaining(acct)
                acct.volume_quota -= 1
            prob = self.faults.silent_reject_prob
            rec.silent_reject = bool(prob) and self.rng.random() < prob
        if tx_type == 14:
            self.pending_client_ids.setdefault(acct.index, []).append(info["ClientOrderIndex"])
        if tx_type == 16 and info["TimeInForce"] in (1, 2):
            acct.cancel_all_queued = info["TimeInForce"] == 1
        if self.pending is not None:
            self.pending.put(rec)
        else:
            self.execute(rec)
        return rec

    def _lane(self, acct: Account, tx_type: int, info: dict) -> str:
        """maker / cancel / taker: which of the tier's latencies applies to this tx."""
        if tx_type in (15, 16):
            return "cancel"
        if tx_type == 14:
            if info["Type"] == 1 or info["TimeInForce"] == 0:
                return "taker"
            if info["TimeInForce"] == 2:
                return "maker"
            crosses = self.books[info["MarketIndex"]].crosses(bool(info["IsAsk"]), info["Price"])
            return "taker" if crosses else "maker"
        order = acct.find_live(info["MarketIndex"], info["Index"])
        if order is None or order.time_in_force == 2:
            return "maker"
        return "taker" if self.books[order.market_index].crosses(order.is_ask, info["Price"]) else "maker"

    def client_index_taken(self, account: Account, client_index: int) -> bool:
        if client_index == 0:
            return False
        if client_index in self.pending_client_ids.get(account.index, ()):
            return True
        return any(o.client_order_index == client_index for o in account.live_orders())

    async def run_executor(self) -> None:
        """Execute accepted txs, each at its due time (see sequencer.py)."""
        assert self.pending is not None
        await self.pending.run(self.execute)

    def execute(self, rec: TxRecord) -> None:
        info = rec.info
        acct = self.accounts[info["AccountIndex"]]
        self.block_height += 1
        if rec.silent_reject:   # the sequencer refuses it: no order, no frame, tx failed
            if rec.tx_type == 14:
                ids = self.pending_client_ids.get(acct.index, [])
                if info["ClientOrderIndex"] in ids:
                    ids.remove(info["ClientOrderIndex"])
            rec.event_info = {"ae": "transaction rejected by the sequencer"}
            rec.status, rec.executed_ms = 0, int(time.time() * 1000)
            return
        handler = {14: self._exec_create, 15: self._exec_cancel, 16: self._exec_cancel_all,
                   17: self._exec_modify}[rec.tx_type]
        rec.event_info = handler(acct, info, rec) or {}
        rec.status, rec.executed_ms = 2, int(time.time() * 1000)

    # --- order execution ------------------------------------------------------------------
    def _new_index(self, is_ask: bool) -> int:
        if is_ask:
            self._next_ask += 1 + self.rng.randrange(3)
            return self._next_ask
        self._next_bid += 1 + self.rng.randrange(3)
        return self._next_bid

    def _exec_create(self, acct: Account, info: dict, rec: TxRecord) -> dict:
        ids = self.pending_client_ids.get(acct.index, [])
        if info["ClientOrderIndex"] in ids:
            ids.remove(info["ClientOrderIndex"])
        is_ask = bool(info["IsAsk"])
        self._order_nonce += 1
        order = Order(self._new_index(is_ask), info["ClientOrderIndex"], info["MarketIndex"],
                      acct.index, is_ask, info["Price"], info["BaseAmount"], info["BaseAmount"],
                      info["Type"], info["TimeInForce"], bool(info["ReduceOnly"]),
                      info["OrderExpiry"], self._order_nonce, now_us(),
                      block_height=self.block_height)
        acct.orders[order.order_index] = order
        self._place(acct, order)
        return {"m": order.market_index, "to": {"i": order.order_index, "u": order.client_order_index}, "ae": ""}

    def _place(self, acct: Account, order: Order) -> None:
        """Post-only check, taker walk, then rest or cancel the remainder."""
        book = self.books[order.market_index]
        if order.time_in_force == 2 and book.crosses(order.is_ask, order.price):
            self._finish(acct, order, "canceled-post-only")
            return
        if book.crosses(order.is_ask, order.price):
            matches = book.take(order.is_ask, order.remaining, order.price)
            order.status = "open"
            self._settle(order, matches, taker_account=acct)
        if order.remaining == 0:
            return
        if order.time_in_force == 0:
            beyond = book.best(not order.is_ask) is not None
            self._finish(acct, order, "canceled-too-much-slippage" if beyond else "canceled-not-enough-liquidity")
            return
        order.status = "open"
        order.updated_us = now_us()
        book.add(order)
        self.hub.account_orders(acct.index, order.market_index, [order_wire(order)])

    def _finish(self, acct: Account, order: Order, status: str) -> None:
        self.books[order.market_index].remove(order)
        order.status = status
        order.updated_us = now_us()
        self.hub.account_orders(acct.index, order.market_index, [order_wire(order)])

    def _exec_cancel(self, acct: Account, info: dict, rec: TxRecord) -> dict:
        order = acct.find_live(info["MarketIndex"], info["Index"])
        if order is None:
            return {"a": acct.index, "i": info["Index"], "u": 0, "ae": "order is not active"}
        self._finish(acct, order, "canceled")
        return {"a": acct.index, "i": order.order_index, "u": order.client_order_index, "ae": ""}

    def cancel_all(self, acct: Account, market: int) -> None:
        for order in acct.live_orders(None if market == 255 else market):
            self._finish(acct, order, "canceled")

    def _exec_cancel_all(self, acct: Account, info: dict, rec: TxRecord) -> dict:
        market = (info.get("L2TxAttributes") or {}).get("5", 255)
        tif = info["TimeInForce"]
        if tif == 0:
            self.cancel_all(acct, market)
        elif tif == 1:
            acct.cancel_all_time, acct.cancel_all_market = info["Time"], market
        else:
            acct.cancel_all_time, acct.cancel_all_market = 0, 255
        return {"ae": ""}

    def _exec_modify(self, acct: Account, info: dict, rec: TxRecord) -> dict:
        order = acct.find_live(info["MarketIndex"], info["Index"])
        if order is None:
            return {"m": info["MarketIndex"], "ae": "order is not active"}
        book = self.books[order.market_index]
        new_price, new_size = info["Price"], info["BaseAmount"]
        keeps_place = new_price == order.price and new_size <= order.remaining
        if keeps_place:
            order.initial -= order.remaining - new_size
            order.remaining = new_size
            order.updated_us = now_us()
            if new_size == 0:
                self._finish(acct, order, "canceled")
            else:
                self.hub.account_orders(acct.index, order.market_index, [order_wire(order)])
            return {"m": order.market_index, "oo": {"i": order.order_index}, "ae": ""}
        book.remove(order)
        order.initial = order.filled + new_size
        order.remaining, order.price = new_size, new_price
        self._place(acct, order)
        return {"m": order.market_index, "oo": {"i": order.order_index}, "ae": ""}

    # --- trades ---------------------------------------------------------------------------
    def synthetic_taker(self, market: int, is_ask: bool, lots: int, limit: int | None) -> None:
        """An outside trader hits the book (taker flow, or the market moving through a level)."""
        self._order_nonce += 1
        taker = Order(self._new_index(is_ask), 0, market, 281_474_976_600_000 + self.rng.randrange(9999),
                      is_ask, limit or 0, lots, lots, 1, 0, False, 0, self._order_nonce, now_us(),
                      synthetic=True)
        matches = self.books[market].take(is_ask, lots, limit)
        self._settle(taker, matches, taker_account=None)

    def _settle(self, taker: Order, matches: list[Match], taker_account: Account | None) -> None:
        if not matches:
            return
        spec = self.markets[taker.market_index]
        trades: list[dict] = []
        touched: dict[int, list[tuple[Order, dict]]] = {}
        for m in matches:
            self._trade_id += 1
            trade = self._trade_wire(taker, m)
            trades.append(trade)
            for order, is_maker in ((m.maker, True), (taker, False)):
                order.filled += m.lots
                order.filled_quote += spec.quote(m.lots, m.price)
                order.updated_us = now_us()
                if not is_maker:
                    order.remaining -= m.lots   # the book already took the maker's lots
                if order.remaining == 0:
                    order.status = "filled"
                acct = self.accounts.get(order.owner_account_index)
                if acct is None or order.synthetic:
                    continue
                acct.position(order.market_index).apply(spec, not order.is_ask, m.lots, m.price)
                acct.trades.append(trade)
                tier = TIERS[acct.tier]
                fee = fee_usdc(spec.quote(m.lots, m.price),
                               tier.maker_fee_ppm if is_maker else tier.taker_fee_ppm)
                acct.collateral -= fee
                self.fills.append(Fill(acct.index, order.market_index, order.order_index,
                                       order.client_order_index, order.is_ask, m.lots, m.price,
                                       is_maker, trade["trade_id"], fee))
                touched.setdefault(acct.index, []).append((order, trade))
        self.last_trade_price[taker.market_index] = spec.price(matches[-1].price)
        recent = self.recent_trades[taker.market_index]
        recent.extend(trades)
        del recent[:-TRADE_HISTORY]
        for account, items in touched.items():
            acct = self.accounts[account]
            orders = {id(o): o for o, _ in items}.values()
            self.hub.account_orders(account, taker.market_index, [order_wire(o) for o in orders])
            self.hub.account_trades(account, taker.market_index, [t for _, t in items])
            self.hub.account_position(account, taker.market_index, position_wire(
                acct.position(taker.market_index), self.mark(taker.market_index),
                len(acct.live_orders(taker.market_index))))
        self.hub.public_trades(taker.market_index, trades)

    def _trade_wire(self, taker: Order, m: Match) -> dict:
        trade = trade_wire(self.markets[taker.market_index], taker, m, self._trade_id,
                           self.block_height, self._pos_before)
        for key, order, lane in (("maker_fee", m.maker, "maker"), ("taker_fee", taker, "taker")):
            acct = None if order.synthetic else self.accounts.get(order.owner_account_index)
            tier = TIERS[acct.tier] if acct else None
            ppm = 0 if tier is None else tier.maker_fee_ppm if lane == "maker" else tier.taker_fee_ppm
            if ppm:                       # omitted when zero, as on the wire
                trade[key] = ppm
        return trade

    def _pos_before(self, order: Order) -> str:
        spec = self.markets[order.market_index]
        acct = self.accounts.get(order.owner_account_index)
        lots = acct.position(order.market_index).lots if acct and not order.synthetic else 0
        return ("-" if lots < 0 else "") + spec.size_str(abs(lots))

    def make_synthetic(self, market: int) -> Any:
        """Factory for synthetic resting depth (used by the book re-centring)."""
        def make(is_ask: bool, price: int, lots: int) -> Order:
            return Order(self._new_index(is_ask), 0, market, SYNTHETIC_ACCOUNT, is_ask, price,
                         lots, lots, 0, 1, False, 0, 0, now_us(), status="open", synthetic=True)
        return make
