"""Pure translation of decoded Lighter WebSocket frames into typed messages.

`parse_frame` never raises: anything it cannot read becomes `Unknown` (type not
understood) or `Malformed` (type understood, payload not), with the reason, so
the socket reader can log it and carry on. Both channel spellings are accepted
(`order_book:0` and `order_book/0`, `account_orders:0` and `account_orders:0:1234`).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from hedge.adapters.lighter import messages as m
from hedge.adapters.lighter.fields import (
    FieldError,
    as_dict,
    as_list,
    channel_int,
    read_bool,
    read_decimal,
    read_int,
    read_str,
    split_channel,
    to_ms,
)
from hedge.core.types import BookLevel, OrderUpdate, Position, Trade


# -- payload pieces ---------------------------------------------------------------


def parse_levels(raw: Any, what: str) -> tuple[BookLevel, ...]:
    return tuple(parse_level(lv, what) for lv in as_list(raw, what))


def parse_level(raw: Any, what: str = "level") -> BookLevel:
    d = as_dict(raw, what)
    return BookLevel(read_decimal(d, "price"), read_decimal(d, "size"))


def parse_order(raw: Any, market_key: str = "") -> OrderUpdate:
    """One order object (full state, cumulative fills); raises FieldError."""
    d = as_dict(raw, "order")
    market_id = read_int(d, "market_index", None)
    if market_id is None:
        market_id = int(market_key) if market_key.lstrip("-").isdigit() else 0
    timestamp = read_int(d, "timestamp", None)
    if timestamp is None:
        timestamp = read_int(d, "updated_at", 0)
    # `timestamp` is whole seconds tied to the block, often seconds behind the transaction.
    transaction_us = read_int(d, "transaction_time", None)
    return OrderUpdate(
        order_index=read_int(d, "order_index"),
        client_order_index=read_int(d, "client_order_index", 0),
        market_id=market_id,
        status=read_str(d, "status"),
        is_ask=read_bool(d, "is_ask"),
        initial_base=read_decimal(d, "initial_base_amount"),
        remaining_base=read_decimal(d, "remaining_base_amount"),
        filled_base=read_decimal(d, "filled_base_amount"),
        filled_quote=read_decimal(d, "filled_quote_amount", Decimal(0)),
        price=read_decimal(d, "price"),
        timestamp=timestamp,
        timestamp_ms=to_ms(transaction_us) if transaction_us else to_ms(timestamp),
        order_type=read_str(d, "type", ""),
        time_in_force=read_str(d, "time_in_force", ""),
        reduce_only=read_bool(d, "reduce_only", False),
    )


def parse_trade(raw: Any) -> Trade:
    d = as_dict(raw, "trade")
    return Trade(
        trade_id=read_int(d, "trade_id"),
        market_id=read_int(d, "market_id"),
        size=read_decimal(d, "size"),
        price=read_decimal(d, "price"),
        usd_amount=read_decimal(d, "usd_amount", Decimal(0)),
        ask_id=read_int(d, "ask_id"),
        bid_id=read_int(d, "bid_id"),
        ask_account_id=read_int(d, "ask_account_id", 0),
        bid_account_id=read_int(d, "bid_account_id", 0),
        is_maker_ask=read_bool(d, "is_maker_ask"),
        timestamp_ms=to_ms(read_int(d, "transaction_time", None) or read_int(d, "timestamp", 0)),
        trade_type=read_str(d, "type", "trade"),
        ask_client_id=read_int(d, "ask_client_id", 0),
        bid_client_id=read_int(d, "bid_client_id", 0),
        maker_fee_ppm=read_int(d, "maker_fee", 0),
        taker_fee_ppm=read_int(d, "taker_fee", 0),
    )


def parse_position(raw: Any, market_key: str = "") -> Position:
    """Signed size from the venue's unsigned `position` and its `sign`."""
    d = as_dict(raw, "position")
    market_id = read_int(d, "market_id", None)
    if market_id is None:
        market_id = int(market_key) if market_key.lstrip("-").isdigit() else 0
    sign = read_int(d, "sign", 1)
    magnitude = abs(read_decimal(d, "position"))
    return Position(
        market_id=market_id,
        size=-magnitude if sign < 0 else magnitude,
        avg_entry_price=read_decimal(d, "avg_entry_price", Decimal(0)),
        symbol=read_str(d, "symbol", ""),
        unrealized_pnl=read_decimal(d, "unrealized_pnl", Decimal(0)),
        realized_pnl=read_decimal(d, "realized_pnl", Decimal(0)),
    )


def _each(items: list, parse_one, malformed: list[str], *args) -> list:
    """Parse each entry; collect the reason for any that fail instead of dropping the frame."""
    out = []
    for item in items:
        try:
            out.append(parse_one(item, *args))
        except (FieldError, ValueError, TypeError, ArithmeticError) as exc:
            malformed.append(f"{parse_one.__name__}: {exc}")
    return out


def _trades_by_market(raw: Any, malformed: list[str]) -> tuple[Trade, ...]:
    trades: list[Trade] = []
    for _key, items in as_dict(raw if raw is not None else {}, "trades").items():
        trades.extend(_each(as_list(items, "trades"), parse_trade, malformed))
    return tuple(trades)


# -- frames -------------------------------------------------------------------------


def parse_frame(raw: Any, recv_ns: int = 0) -> m.Message:
    """Decoded JSON frame -> typed message. Never raises, whatever `raw` is."""
    try:
        return _parse_frame(raw, recv_ns)
    except Exception as exc:  # noqa: BLE001 - the contract is "never raises"
        try:
            return m.Malformed(type=_text(raw, "type"), channel=_text(raw, "channel"),
                               recv_ns=recv_ns, raw=raw, reason=f"{type(exc).__name__}: {exc}")
        except Exception:  # noqa: BLE001
            return m.Malformed(recv_ns=recv_ns, raw=None, reason="unreadable frame")


def _text(raw: Any, key: str) -> str:
    value = raw.get(key) if isinstance(raw, dict) else None
    return value if isinstance(value, str) else ""


def _parse_frame(raw: Any, recv_ns: int) -> m.Message:
    if not isinstance(raw, dict):
        return m.Unknown(recv_ns=recv_ns, raw=raw, reason=f"frame is {type(raw).__name__}, not an object")
    type_, channel = _text(raw, "type"), _text(raw, "channel")
    base = {"type": type_, "channel": channel, "recv_ns": recv_ns}
    if raw.get("error") is not None or type_ == "error":
        return _error(raw, base)
    if type_ == "connected":
        return m.Connected(session_id=_text(raw, "session_id"), **base)
    if type_ == "ping":
        return m.Ping(**base)
    if type_ == "pong":
        return m.Pong(**base)
    if type_.replace(" ", "") in ("subscribed", "unsubscribed"):
        return m.SubscriptionAck(subscribed=type_ == "subscribed", **base)
    if type_.startswith("jsonapi/"):
        return _tx_reply(raw, base)
    prefix, _, name = type_.partition("/")
    if prefix in ("subscribed", "update") and name in NOTED_CHANNELS:
        return m.Noted(raw=raw, **base)
    handler = _HANDLERS.get(name) if prefix in ("subscribed", "update") else None
    if handler is None:
        reason = "no type" if not type_ else f"unknown type {type_!r}"
        return m.Unknown(raw=raw, reason=reason, **base)
    try:
        return handler(raw, base, prefix == "subscribed", split_channel(channel)[1])
    except (FieldError, ValueError, TypeError, ArithmeticError, AttributeError, KeyError) as exc:
        return m.Malformed(raw=raw, reason=f"{name}: {exc}", **base)


def _error(raw: dict, base: dict) -> m.ErrorFrame:
    err = raw.get("error")
    src = err if isinstance(err, dict) else raw
    try:
        code = read_int(src, "code", None)
    except FieldError:
        code = None
    message = src.get("message")
    if not isinstance(message, str):
        message = err if isinstance(err, str) else ""
    return m.ErrorFrame(code=code, message=message, request_id=_request_id(raw), **base)


def _request_id(raw: dict) -> str:
    rid = raw.get("id")
    if rid is None and isinstance(raw.get("data"), dict):
        rid = raw["data"].get("id")
    return "" if rid is None or isinstance(rid, (dict, list)) else str(rid)


def _tx_reply(raw: dict, base: dict) -> m.Message:
    src = raw if "code" in raw or not isinstance(raw.get("data"), dict) else raw["data"]
    try:
        code = read_int(src, "code", None)
    except FieldError as exc:
        return m.Malformed(raw=raw, reason=f"tx reply: {exc}", **base)
    if code is None:
        return m.Malformed(raw=raw, reason="tx reply without code", **base)
    if code != 200:
        message = src.get("message")
        return m.ErrorFrame(code=code, message=message if isinstance(message, str) else "",
                            request_id=_request_id(raw), **base)
    hashes = src.get("tx_hash")
    if isinstance(hashes, str):
        hashes = [hashes]
    try:
        return m.TxAck(
            request_id=_request_id(raw),
            tx_hashes=tuple(h for h in as_list(hashes, "tx_hash") if isinstance(h, str)),
            predicted_execution_time_ms=read_int(src, "predicted_execution_time_ms", None),
            volume_quota_remaining=read_int(src, "volume_quota_remaining", None),
            **base,
        )
    except FieldError as exc:
        return m.Malformed(raw=raw, reason=f"tx reply: {exc}", **base)


def _required_int(value: int | None, what: str) -> int:
    if value is None:
        raise FieldError(f"no {what}")
    return value


def _order_book(raw: dict, base: dict, snapshot: bool, args: list[str]) -> m.Message:
    ob = as_dict(raw.get("order_book"), "order_book")
    cls = m.OrderBookSnapshot if snapshot else m.OrderBookUpdate
    malformed: list[str] = []
    return cls(
        market_id=_required_int(channel_int(args, 0), "market id in channel"),
        asks=tuple(_each(as_list(ob.get("asks"), "asks"), parse_level, malformed, "ask")),
        bids=tuple(_each(as_list(ob.get("bids"), "bids"), parse_level, malformed, "bid")),
        malformed=tuple(malformed),
        nonce=read_int(ob, "nonce", None),
        begin_nonce=read_int(ob, "begin_nonce", None),
        offset=read_int(ob, "offset", read_int(raw, "offset", None)),
        timestamp_ms=read_int(raw, "timestamp", None),
        **base,
    )


def _account_orders(raw: dict, base: dict, snapshot: bool, args: list[str]) -> m.Message:
    if "orders" not in raw:
        raise FieldError("missing 'orders'")
    single_market = base["type"].endswith("/account_orders")
    account = read_int(raw, "account", None)
    if account is None:
        account = channel_int(args, 1 if single_market else 0)
    malformed: list[str] = []
    orders: dict[str, tuple[OrderUpdate, ...]] = {}
    for key, items in as_dict(raw["orders"] if raw["orders"] is not None else {}, "orders").items():
        orders[str(key)] = tuple(_each(as_list(items, "orders"), parse_order, malformed, str(key)))
    return m.AccountOrders(is_snapshot=snapshot, account=account,
                           market_id=channel_int(args, 0) if single_market else None,
                           orders=orders, malformed=tuple(malformed), **base)


def _account_all(raw: dict, base: dict, snapshot: bool, args: list[str]) -> m.Message:
    account = read_int(raw, "account", None)
    malformed: list[str] = []
    positions = {}
    for key, item in as_dict(raw.get("positions") or {}, "positions").items():
        for pos in _each([item], parse_position, malformed, str(key)):
            positions[pos.market_id] = pos
    return m.AccountAll(is_snapshot=snapshot, account=account if account is not None else channel_int(args, 0),
                        positions=positions, trades=_trades_by_market(raw.get("trades"), malformed),
                        malformed=tuple(malformed), **base)


def _account_positions(raw: dict, base: dict, snapshot: bool, args: list[str]) -> m.Message:
    malformed: list[str] = []
    positions = {}
    for key, item in as_dict(raw.get("positions") or {}, "positions").items():
        for pos in _each([item], parse_position, malformed, str(key)):
            positions[pos.market_id] = pos
    return m.AccountPositions(is_snapshot=snapshot, account=channel_int(args, 0),
                              positions=positions, malformed=tuple(malformed), **base)


def _height(raw: dict, base: dict, snapshot: bool, args: list[str]) -> m.Message:
    return m.Height(height=read_int(raw, "height", None), **base)


def _account_trades(raw: dict, base: dict, snapshot: bool, args: list[str]) -> m.Message:
    malformed: list[str] = []
    trades = _trades_by_market(raw.get("trades"), malformed)
    return m.AccountTrades(is_snapshot=snapshot, account=channel_int(args, 0), trades=trades,
                           malformed=tuple(malformed), **base)


def _trades(raw: dict, base: dict, snapshot: bool, args: list[str]) -> m.Message:
    malformed: list[str] = []
    trades = _each(as_list(raw.get("trades"), "trades"), parse_trade, malformed)
    liquidations = _each(as_list(raw.get("liquidation_trades"), "liquidation_trades"), parse_trade, malformed)
    return m.Trades(is_snapshot=snapshot, market_id=_required_int(channel_int(args, 0), "market id in channel"),
                    trades=tuple(trades), liquidation_trades=tuple(liquidations),
                    nonce=read_int(raw, "nonce", None), malformed=tuple(malformed), **base)


def _market_stat(d: Any, key: str) -> m.MarketStat:
    d = as_dict(d, "market_stats entry")
    market_id = read_int(d, "market_id", None)
    return m.MarketStat(
        market_id=market_id if market_id is not None else int(key),
        **{f: read_decimal(d, f, None) for f in
           ("mark_price", "index_price", "last_trade_price", "funding_rate", "current_funding_rate")},
    )


def _market_stats(raw: dict, base: dict, snapshot: bool, args: list[str]) -> m.Message:
    payload = as_dict(raw.get("market_stats"), "market_stats")
    entries = {"": payload} if "market_id" in payload else payload
    stats = [_market_stat(v, str(k)) for k, v in entries.items()]
    return m.MarketStats(is_snapshot=snapshot, stats={s.market_id: s for s in stats}, **base)


def _ticker(raw: dict, base: dict, snapshot: bool, args: list[str]) -> m.Message:
    t = as_dict(raw.get("ticker"), "ticker")

    def level(key: str) -> BookLevel | None:
        side = t.get(key)
        if not isinstance(side, dict):
            return None
        return BookLevel(read_decimal(side, "price"), read_decimal(side, "size"))

    return m.Ticker(market_id=_required_int(channel_int(args, 0), "market id in channel"),
                    best_bid=level("b"), best_ask=level("a"), nonce=read_int(raw, "nonce", None), **base)


def _user_stats(raw: dict, base: dict, snapshot: bool, args: list[str]) -> m.Message:
    s = as_dict(raw.get("stats"), "stats")
    return m.UserStats(is_snapshot=snapshot, **{f: read_decimal(s, f, None) for f in
                       ("collateral", "available_balance", "portfolio_value", "margin_usage")}, **base)


def _account_tx(raw: dict, base: dict, snapshot: bool, args: list[str]) -> m.Message:
    txs = []
    for item in as_list(raw.get("txs"), "txs"):
        d = as_dict(item, "tx")
        txs.append(m.AccountTx(tx_hash=read_str(d, "hash", ""), tx_type=read_int(d, "type", 0),
                               status=read_int(d, "status", 0), event_info=read_str(d, "event_info", ""),
                               **base))
    return m.AccountTxs(is_snapshot=snapshot, txs=tuple(txs), **base)


# Channels Lighter sends that the bot reads nothing from.
NOTED_CHANNELS = frozenset({"spot_market_stats", "account_market", "account_spot_avg_entry_prices",
                            "pool_data", "pool_info", "notification", "account_stats"})

_HANDLERS = {
    "order_book": _order_book,
    "account_orders": _account_orders,
    "account_all_orders": _account_orders,
    "account_all": _account_all,
    "account_all_trades": _account_trades,
    "account_all_positions": _account_positions,
    "height": _height,
    "trade": _trades,
    "market_stats": _market_stats,
    "ticker": _ticker,
    "user_stats": _user_stats,
    "account_tx": _account_tx,
}
