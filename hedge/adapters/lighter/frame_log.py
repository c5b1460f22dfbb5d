"""The human `[LIGHTER WS]` lines of bot.log (format: docs/LOGGING.md).

One DEBUG `📨` line per received frame with its essentials, one per order of an
account orders frame, `✅` fills at INFO, `ℹ️` connection/subscription state at
INFO, `⚠️` unexpected frames, error frames and frames with unreadable entries (`DROPPED ENTRIES`)
at WARNING. `grep "LIGHTER WS"` finds them all.
"""
from __future__ import annotations

from typing import Any

import orjson
from loguru import logger

from hedge.adapters.lighter import messages as m
from hedge.core.types import FillDelta, OrderUpdate
from hedge.infra.redact import redact_frame

TAG = "[LIGHTER WS]"
_PAYLOAD_MAX_CHARS = 2_000


def log_frame(msg: m.Message) -> None:
    """The DEBUG line(s) for one received frame; WARNING for errors and surprises."""
    if isinstance(msg, m.Unknown):
        log_unexpected(msg)
        return
    if isinstance(msg, m.ErrorFrame):
        logger.warning("⚠️ {} error code={} message={!r} channel={}", TAG, msg.code, msg.message, msg.channel)
        return
    logger.debug("📨 {} {} channel={} {}", TAG, msg.type or type(msg).__name__, msg.channel, _essentials(msg))
    if isinstance(msg, m.AccountOrders):
        for order in msg.all_orders():
            log_order(order)
    dropped = m.dropped_entries(msg)
    if dropped:
        logger.warning("⚠️ {} DROPPED ENTRIES: {} unreadable in {} (channel={}): {}", TAG,
                       len(dropped), msg.type or type(msg).__name__, msg.channel, list(dropped))


def log_order(o: OrderUpdate) -> None:
    logger.debug(
        "📨 {}   order order_index={} client_order_index={} market={} status={} side={} "
        "initial={} remaining={} filled={} price={}", TAG, o.order_index, o.client_order_index,
        o.market_id, o.status, o.side.value, o.initial_base, o.remaining_base, o.filled_base, o.price)


def log_fill(d: FillDelta) -> None:
    what = "Order FILLED" if d.status == "filled" else "Order partial fill"
    logger.info("✅ {} {} order_index={} client_order_index={} market={} side={} size={} price={} "
                "cum_filled={} status={} fill_id={}", TAG, what, d.order_index, d.client_order_index,
                d.market_id, d.side.value, d.size, d.price, d.cum_filled_base, d.status, d.fill_id)


def log_state(text: str, *args: Any) -> None:
    """Connection, subscription, reconnect and auth state."""
    logger.info("ℹ️ " + TAG + " " + text, *args)


def log_unexpected(msg: m.Unknown) -> None:
    payload = msg.raw if isinstance(msg.raw, str) else orjson.dumps(redact_frame(msg.raw)).decode()
    logger.warning("⚠️ {} UNEXPECTED MESSAGE TYPE: {} reason={} payload={}", TAG, msg.type or "?",
                   msg.reason, payload[:_PAYLOAD_MAX_CHARS])


def _essentials(msg: m.Message) -> str:
    if isinstance(msg, m.OrderBookFrame):
        return (f"market={msg.market_id} nonce={msg.nonce} begin_nonce={msg.begin_nonce} "
                f"offset={msg.offset} asks={len(msg.asks)} bids={len(msg.bids)}")
    if isinstance(msg, m.AccountOrders):
        return f"account={msg.account} market={msg.market_id} orders={len(msg.all_orders())} snapshot={msg.is_snapshot}"
    if isinstance(msg, m.AccountAll):
        return (f"account={msg.account} positions={len(msg.positions)} trades={len(msg.trades)} "
                f"snapshot={msg.is_snapshot}")
    if isinstance(msg, m.Connected):
        return f"session_id={msg.session_id}"
    if isinstance(msg, m.TxAck):
        return f"request_id={msg.request_id} tx_hashes={len(msg.tx_hashes)}"
    if isinstance(msg, (m.Trades, m.AccountTrades)):
        return f"trades={len(msg.trades)}"
    if isinstance(msg, m.SubscriptionAck):
        return f"subscribed={msg.subscribed}"
    return ""
