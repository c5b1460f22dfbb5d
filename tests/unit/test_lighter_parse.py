"""parse_frame over every captured sample, hand-written frames, and garbage."""
from __future__ import annotations

import copy
import json
import random
from decimal import Decimal as D

import pytest

from hedge.adapters.lighter import messages as m
from hedge.adapters.lighter.parse import parse_frame
from hedge.core.types import ORDER_STATUSES, is_terminal
from tests.conftest import SAMPLES_DIR, load_sample

EXPECTED = {
    "nautilus_docfixture_ws_account_all_trades_update.json": m.AccountTrades,
    "nautilus_docfixture_ws_account_orders_update.json": m.AccountOrders,
    "nautilus_docfixture_ws_order_book_subscribed.json": m.OrderBookSnapshot,
    "nautilus_docfixture_ws_order_book_update.json": m.OrderBookUpdate,
    "nautilus_docfixture_ws_ticker_update.json": m.Ticker,
    "qubx_account_all_orders_sample01.json": m.AccountOrders,
    "qubx_account_all_orders_sample02.json": m.AccountOrders,
    "qubx_account_all_orders_sample03.json": m.AccountOrders,
    "qubx_account_all_sample01.json": m.AccountAll,
    "qubx_account_all_sample02.json": m.AccountAll,
    "qubx_account_all_sample03.json": m.AccountAll,
    "qubx_account_all_sample04.json": m.AccountAll,
    "qubx_account_all_sample05.json": m.AccountAll,
    "qubx_account_tx_sample01.json": m.AccountTxs,
    "qubx_account_tx_sample02.json": m.AccountTxs,
    "qubx_account_tx_sample03.json": m.AccountTxs,
    "qubx_market_stats_all_snapshot_trimmed.json": m.MarketStats,
    "qubx_market_stats_update_sample02.json": m.MarketStats,
    "qubx_orderbook_snapshot_market0_top25.json": m.OrderBookSnapshot,
    "qubx_orderbook_snapshot_market1_top25.json": m.OrderBookSnapshot,
    "qubx_orderbook_update_market0_sample03.json": m.OrderBookUpdate,
    "qubx_orderbook_update_market1_sample04.json": m.OrderBookUpdate,
    "qubx_trade_snapshot_market0_trimmed.json": m.Trades,
    "qubx_trade_update_market0_sample03.json": m.Trades,
    "qubx_trade_update_market1_sample05.json": m.Trades,
    "qubx_user_stats_sample01.json": m.UserStats,
    "qubx_user_stats_sample02.json": m.UserStats,
    "qubx_user_stats_sample03.json": m.UserStats,
}
# REST replies, capture summaries and signer output are not WS frames.
NOT_FRAMES = {
    "local_signer_tx_info_examples.json", "nautilus_http_order_book_details_mainnet.json",
    "nautilus_http_order_book_orders_mainnet.json", "nautilus_http_order_books_mainnet.json",
    "nautilus_http_recent_trades_mainnet.json", "qubx_account_capture_summary.json",
    "qubx_public_capture_summary.json", "qubx_orderbook_updates_first120.json",
}


def test_every_sample_file_is_classified():
    names = {p.name for p in SAMPLES_DIR.glob("*.json")}
    assert names, f"no samples under {SAMPLES_DIR}"
    assert names == set(EXPECTED) | NOT_FRAMES


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_parses_to_expected_type(name):
    msg = parse_frame(load_sample(name), recv_ns=123)
    assert type(msg) is EXPECTED[name], getattr(msg, "reason", "")
    assert msg.recv_ns == 123 and msg.channel
    assert not getattr(msg, "malformed", ())


@pytest.mark.parametrize("name", sorted(NOT_FRAMES - {"qubx_orderbook_updates_first120.json"}))
def test_non_frames_are_unknown(name):
    assert isinstance(parse_frame(load_sample(name)), m.Unknown)


def test_every_recorded_update_parses():
    for wrapped in json.loads((SAMPLES_DIR / "qubx_orderbook_updates_first120.json").read_text()):
        msg = parse_frame(wrapped["data"])
        assert isinstance(msg, m.OrderBookUpdate) and msg.market_id in (0, 1) and msg.nonce is None


def test_snapshot_fields():
    snap = parse_frame(load_sample("qubx_orderbook_snapshot_market0_top25.json"))
    assert snap.asks[0].price == D("4332.75") and snap.bids[0].price == D("4332.51")
    assert len(snap.asks) == len(snap.bids) == 25 and snap.offset == 995816 and snap.nonce is None
    assert snap.timestamp_ms == 1760041996025
    doc = parse_frame(load_sample("nautilus_docfixture_ws_order_book_update.json"))
    assert (doc.nonce, doc.begin_nonce, doc.offset) == (9182390020, 9182389998, 1558300)
    delete = parse_frame(load_sample("qubx_orderbook_update_market0_sample03.json"))
    assert delete.asks[1].size == 0 and delete.bids == ()


def test_filled_order_in_account_all_orders_sample02():
    msg = parse_frame(load_sample("qubx_account_all_orders_sample02.json"))
    assert msg.account == 225671 and not msg.is_snapshot and msg.market_id is None
    (order,) = msg.orders["24"]
    assert order.order_index == 7036874567915800 and order.client_order_index == 0
    assert order.market_id == 24 and order.status == "filled" and order.is_ask and order.is_terminal
    assert order.filled_base == D("1.00") and order.remaining_base == 0
    assert order.filled_quote == D("40.134200") and order.price == D("40.0843")
    assert order.timestamp == 1760287839 and order.timestamp_ms == 1760287839000
    assert order.order_type == "market" and order.time_in_force == "immediate-or-cancel"
    empty = parse_frame(load_sample("qubx_account_all_orders_sample01.json"))
    assert empty.is_snapshot and empty.orders == {} and empty.all_orders() == []


def test_account_orders_docfixture_channel_with_account():
    msg = parse_frame(load_sample("nautilus_docfixture_ws_account_orders_update.json"))
    assert msg.market_id == 0 and msg.account == 1234
    (order,) = msg.all_orders()
    assert order.client_order_index == 42 and order.timestamp_ms == 1777941383576
    raw = copy.deepcopy(load_sample("nautilus_docfixture_ws_account_orders_update.json"))
    del raw["account"]
    assert parse_frame(raw).account == 1234  # from account_orders:0:1234
    raw["channel"] = "account_orders/0"
    assert parse_frame(raw).market_id == 0


def test_account_all_positions_and_trades():
    short = parse_frame(load_sample("qubx_account_all_sample03.json"))
    assert short.positions[24].size == D("-1.00") and short.trades == ()
    assert parse_frame(load_sample("qubx_account_all_sample05.json")).positions[24].size == 0
    with_trade = parse_frame(load_sample("qubx_account_all_sample02.json"))
    (trade,) = with_trade.trades
    assert trade.trade_id == 225067334 and trade.ask_id == 7036874567915800
    assert trade.own_order_indexes(225671) == (7036874567915800,) and trade.maker_fee_ppm == 20
    assert trade.timestamp_ms == 1760287839079


def test_public_trades_and_stats():
    snap = parse_frame(load_sample("qubx_trade_snapshot_market0_trimmed.json"))
    assert snap.is_snapshot and snap.market_id == 0 and snap.liquidation_trades
    assert snap.liquidation_trades[0].taker_fee_ppm == 10000
    upd = parse_frame(load_sample("qubx_trade_update_market1_sample05.json"))
    assert len(upd.trades) == 2 and upd.liquidation_trades == () and upd.trades[0].maker_fee_ppm == 0
    stats = parse_frame(load_sample("qubx_market_stats_update_sample02.json"))
    assert stats.stats[24].mark_price == D("43.6030")
    assert set(parse_frame(load_sample("qubx_market_stats_all_snapshot_trimmed.json")).stats) == {0, 1, 2, 3, 4}
    ticker = parse_frame(load_sample("nautilus_docfixture_ws_ticker_update.json"))
    assert ticker.best_bid.price == D("2064.30") and ticker.best_ask.size == D("0.4950")


def order_frame(status, **over):
    order = {"order_index": 281476929510110, "client_order_index": 42, "market_index": 0,
             "initial_base_amount": "0.0050", "remaining_base_amount": "0.0030",
             "filled_base_amount": "0.0020", "filled_quote_amount": "4.705480", "price": "2352.74",
             "is_ask": False, "status": status, "timestamp": 1777941383576, **over}
    return {"type": "update/account_orders", "channel": "account_orders:0", "account": 1234,
            "orders": {"0": [order]}}


@pytest.mark.parametrize("status", ORDER_STATUSES)
def test_every_order_status(status):
    msg = parse_frame(order_frame(status))
    (order,) = msg.all_orders()
    assert order.status == status
    assert order.is_terminal == (status == "filled" or status.startswith("canceled"))


def test_unknown_status_does_not_raise():
    (order,) = parse_frame(order_frame("some-new-state")).all_orders()
    assert order.status == "some-new-state" and not is_terminal(order.status)
    assert is_terminal("canceled-something-new") and not is_terminal(None)


def test_one_bad_order_does_not_hide_the_good_one():
    frame = order_frame("open")
    frame["orders"]["0"].append({"order_index": "x"})
    msg = parse_frame(frame)
    assert len(msg.all_orders()) == 1 and len(msg.malformed) == 1


@pytest.mark.parametrize("frame, code, message", [
    ({"error": {"code": 20013, "message": "invalid auth: expired token"}}, 20013,
     "invalid auth: expired token"),
    ({"type": "error", "error": {"code": 20001, "message": "auth field is required"}}, 20001,
     "auth field is required"),
    ({"type": "error", "code": 30003, "message": "Already Subscribed to : ticker:3"}, 30003,
     "Already Subscribed to : ticker:3"),
    ({"type": "jsonapi/sendtx", "code": 21727, "message": "invalid client order index"}, 21727,
     "invalid client order index"),
])
def test_error_replies(frame, code, message):
    msg = parse_frame(frame)
    assert type(msg) is m.ErrorFrame
    assert (msg.code, msg.message) == (code, message)


@pytest.mark.parametrize("frame, hashes", [
    ({"type": "jsonapi/sendtx", "code": 200, "id": "a", "tx_hash": "3a54",
      "predicted_execution_time_ms": 1791528509552}, ("3a54",)),
    ({"type": "jsonapi/sendtxbatch", "code": 200, "tx_hash": ["a", "b"]}, ("a", "b")),
])
def test_tx_replies(frame, hashes):
    msg = parse_frame(frame)
    assert type(msg) is m.TxAck
    assert tuple(msg.tx_hashes) == hashes


def test_session_frames():
    assert parse_frame({"type": "connected", "session_id": "s1"}) == m.Connected(type="connected", session_id="s1")
    assert isinstance(parse_frame({"type": "ping"}), m.Ping)
    assert isinstance(parse_frame({"type": "pong"}), m.Pong)
    ack = parse_frame({"type": "unsubscribed", "channel": "order_book:0"})
    assert isinstance(ack, m.SubscriptionAck) and not ack.subscribed
    unknown = parse_frame({"type": "update/blocks", "channel": "blocks", "height": 5})
    assert type(unknown) is m.Unknown and "update/blocks" in unknown.reason


@pytest.mark.parametrize("frame", [
    {"type": "update/order_book", "channel": "order_book:0"},
    {"type": "update/order_book", "channel": "order_book:x", "order_book": {"asks": [], "bids": []}},
    {"type": "update/order_book", "channel": "order_book:0", "order_book": {"asks": "nope", "bids": []}},
    {"type": "update/account_all_orders", "channel": "account_all_orders:1"},
    {"type": "update/trade", "channel": "trade:0", "trades": "nope"},
])
def test_known_type_with_bad_payload_is_malformed(frame):
    msg = parse_frame(frame)
    assert type(msg) is m.Malformed and msg.reason and msg.raw is frame


GARBAGE = [None, 1, 1.5, True, "ping", "", b"x", [], [{"type": "ping"}], {}, {"type": None},
           {"type": 5}, {"type": "update/"}, {"type": "/"}, {"channel": 3}, {"error": "boom"},
           {"error": {"code": "x"}}, {"type": "jsonapi/sendtx"}, {"type": "jsonapi/sendtx", "code": "abc"},
           {"type": "subscribed/market_stats", "market_stats": {"1": 5}}, {"type": "update/ticker"},
           {"type": "update/account_all", "positions": [1]}, {"type": "update/user_stats", "stats": None}]


@pytest.mark.parametrize("raw", GARBAGE, ids=repr)
def test_garbage_never_raises(raw):
    assert isinstance(parse_frame(raw), m.Message)


def test_mutated_samples_never_raise():
    rng = random.Random(11)
    junk = [None, "", "x", -1, 1.5, [], {}, True, "1e999", "NaN"]
    frames = [load_sample(n) for n in sorted(EXPECTED)]

    def mutate(node):
        if isinstance(node, dict) and node:
            key = rng.choice(list(node))
            if rng.random() < 0.3:
                del node[key]
            elif rng.random() < 0.5:
                node[key] = rng.choice(junk)
            else:
                mutate(node[key])
        elif isinstance(node, list) and node:
            mutate(rng.choice(node))

    for _ in range(1500):
        frame = copy.deepcopy(rng.choice(frames))
        for _ in range(rng.randint(1, 4)):
            mutate(frame)
        assert isinstance(parse_frame(frame), m.Message)


@pytest.mark.parametrize("frame, kind", [
    ({"type": "update/height", "channel": "height", "height": 123456}, m.Height),
    ({"type": "subscribed/account_all_positions", "channel": "account_all_positions:7",
      "positions": {"0": {"market_id": 0, "sign": -1, "position": "0.0200"}}, "shares": []},
     m.AccountPositions),
    ({"type": "update/spot_market_stats", "channel": "spot_market_stats:all",
      "spot_market_stats": {}}, m.Noted),
    ({"type": "update/pool_data", "channel": "pool_data:7"}, m.Noted),
    ({"type": "un subscribed", "channel": "order_book:0"}, m.SubscriptionAck),
])
def test_every_channel_the_venue_sends_is_known(frame, kind):
    msg = parse_frame(frame)
    assert type(msg) is kind and not isinstance(msg, m.Unknown)


def test_positions_channel_reads_signed_positions():
    msg = parse_frame({"type": "update/account_all_positions", "channel": "account_all_positions:7",
                       "positions": {"0": {"market_id": 0, "sign": -1, "position": "0.0200"}}})
    assert msg.account == 7 and msg.positions[0].size == D("-0.0200")


def test_unreadable_entries_are_dropped_one_by_one_and_reported():
    good = {"order_index": 5, "client_order_index": 9, "market_index": 0, "status": "open",
            "is_ask": False, "initial_base_amount": "0.01", "remaining_base_amount": "0.01",
            "filled_base_amount": "0", "price": "3000.00", "timestamp": 1_700_000_000}
    orders = parse_frame({"type": "update/account_all_orders", "channel": "account_all_orders:7",
                          "orders": {"0": [good, {"order_index": "x"}]}})
    assert [o.order_index for o in orders.all_orders()] == [5]
    assert len(m.dropped_entries(orders)) == 1 and "parse_order" in m.dropped_entries(orders)[0]
    book = parse_frame({"type": "update/order_book", "channel": "order_book:0",
                        "order_book": {"asks": [{"price": "1", "size": "2"}, {"price": "nan", "size": "1"}],
                                       "bids": [], "nonce": 3, "begin_nonce": 2}})
    assert isinstance(book, m.OrderBookUpdate) and len(book.asks) == 1
    assert len(m.dropped_entries(book)) == 1 and "parse_level" in m.dropped_entries(book)[0]


def test_order_and_trade_times_come_from_transaction_time_when_present():
    order = {"order_index": 5, "client_order_index": 9, "market_index": 0, "status": "open",
             "is_ask": False, "initial_base_amount": "0.01", "remaining_base_amount": "0.01",
             "filled_base_amount": "0", "price": "3000.00", "timestamp": 1_700_000_000,
             "transaction_time": 1_700_000_003_250_123}
    msg = parse_frame({"type": "update/account_all_orders", "channel": "account_all_orders:7",
                       "orders": {"0": [order]}})
    assert msg.all_orders()[0].timestamp_ms == 1_700_000_003_250
    without = {k: v for k, v in order.items() if k != "transaction_time"}
    msg = parse_frame({"type": "update/account_all_orders", "channel": "account_all_orders:7",
                       "orders": {"0": [without]}})
    assert msg.all_orders()[0].timestamp_ms == 1_700_000_000_000
