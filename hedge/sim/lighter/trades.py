"""The Trade object as Lighter sends it (REST recentTrades, trade/{m}, account_all trades)."""
from __future__ import annotations

import hashlib
from typing import Callable

from hedge.sim.lighter.accounts import Order, now_us
from hedge.sim.lighter.book import Match
from hedge.sim.lighter.markets import MarketSpec, quote_str


def trade_wire(spec: MarketSpec, taker: Order, m: Match, trade_id: int, block_height: int,
               position_before: Callable[[Order], str]) -> dict:
    """One fill of `taker` against `m.maker`; fees are zero (standard account), so omitted."""
    ask, bid = (m.maker, taker) if m.maker.is_ask else (taker, m.maker)
    now = now_us()
    return {
        "trade_id": trade_id, "trade_id_str": str(trade_id),
        "tx_hash": hashlib.blake2b(f"trade{trade_id}".encode(), digest_size=40).hexdigest(),
        "type": "trade", "market_id": spec.market_id, "size": spec.size_str(m.lots),
        "price": spec.price_str(m.price), "usd_amount": quote_str(spec.quote(m.lots, m.price)),
        "ask_id": ask.order_index, "ask_id_str": str(ask.order_index),
        "bid_id": bid.order_index, "bid_id_str": str(bid.order_index),
        "ask_client_id": ask.client_order_index, "ask_client_id_str": str(ask.client_order_index),
        "bid_client_id": bid.client_order_index, "bid_client_id_str": str(bid.client_order_index),
        "ask_account_id": ask.owner_account_index, "bid_account_id": bid.owner_account_index,
        "is_maker_ask": m.maker.is_ask, "block_height": block_height,
        "timestamp": now // 1000, "transaction_time": now,
        "taker_position_size_before": position_before(taker),
        "taker_entry_quote_before": "0.000000", "taker_initial_margin_fraction_before": 200,
        "taker_position_sign_changed": False,
        "maker_position_size_before": position_before(m.maker),
        "maker_entry_quote_before": "0.000000", "maker_initial_margin_fraction_before": 200,
        "maker_position_sign_changed": False, "bid_account_pnl": "0.000000",
        "ask_account_pnl": "0.000000", "integrator_maker_fee": 0,
        "integrator_maker_fee_collector_index": 0, "integrator_taker_fee": 0,
        "integrator_taker_fee_collector_index": 0, "taker_allocated_margin_usdc_before": 0,
        "taker_allocated_margin_usdc_after": 0, "maker_allocated_margin_usdc_before": 0,
        "maker_allocated_margin_usdc_after": 0, "bid_order_version": 0, "ask_order_version": 0,
        "market_symbol": spec.symbol, "market_kind": "perps",
    }
