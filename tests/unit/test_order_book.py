"""OrderBook: snapshot + diffs, nonce continuity, crossed-book detection, depth helpers."""
from __future__ import annotations

import json
from decimal import Decimal as D

from hedge.adapters.lighter.messages import OrderBookSnapshot, OrderBookUpdate
from hedge.adapters.lighter.parse import parse_frame
from hedge.core.order_book import BookState, OrderBook
from hedge.core.types import BookLevel, Side
from tests.conftest import SAMPLES_DIR, load_sample


def lv(*pairs):
    return [BookLevel(D(p), D(s)) for p, s in pairs]


def live_book(nonce=100):
    book = OrderBook(0)
    book.apply_snapshot(asks=lv(("101", "1"), ("102", "2"), ("103", "3")),
                        bids=lv(("99", "1"), ("98", "2"), ("97", "3")), nonce=nonce)
    return book


def test_real_snapshot_and_first_updates_stay_in_sync():
    snap = parse_frame(load_sample("qubx_orderbook_snapshot_market0_top25.json"))
    assert isinstance(snap, OrderBookSnapshot) and snap.market_id == 0
    book = OrderBook(0)
    book.apply_snapshot(snap.asks, snap.bids, nonce=snap.nonce, offset=snap.offset)
    assert book.best_ask() == BookLevel(D("4332.75"), D("0.6998"))
    assert book.best_bid() == BookLevel(D("4332.51"), D("4.1698"))
    wrapped = json.loads((SAMPLES_DIR / "qubx_orderbook_updates_first120.json").read_text())
    updates = [parse_frame(w["data"]) for w in wrapped]
    assert all(isinstance(u, OrderBookUpdate) for u in updates)
    mine = [u for u in updates if u.market_id == 0]
    assert len(mine) == 34
    for u in mine:
        assert book.apply_update(u.asks, u.bids, nonce=u.nonce, begin_nonce=u.begin_nonce, offset=u.offset)
    assert book.state is BookState.LIVE and book.resync_count == 0
    assert book.offset == 995850 and book.updates_applied == 34
    bid, ask = book.best_bid(), book.best_ask()
    assert D("4300") < bid.price < ask.price < D("4360")
    assert ask.price - bid.price < D("2")


def test_update_before_snapshot_is_dropped_and_counted():
    book = OrderBook(0)
    assert not book.apply_update(lv(("101", "1")), [], nonce=5, begin_nonce=4)
    assert book.dropped_before_snapshot == 1 and book.best_ask() is None
    assert book.state is BookState.AWAITING_SNAPSHOT and book.resync_count == 0


def test_nonce_chain_applies_and_absolute_sizes_replace():
    book = live_book(nonce=100)
    assert book.apply_update(lv(("101", "5")), [], nonce=107, begin_nonce=100)
    assert book.apply_update([], lv(("99", "0"), ("99.5", "4")), nonce=130, begin_nonce=107)
    assert book.best_ask() == BookLevel(D("101"), D("5"))
    assert book.best_bid() == BookLevel(D("99.5"), D("4"))
    assert book.size_at(Side.BUY, D("99")) == 0
    assert book.nonce == 130 and book.is_live


def test_nonce_gap_needs_resync_until_new_snapshot():
    book = live_book(nonce=100)
    assert not book.apply_update(lv(("101", "9")), [], nonce=120, begin_nonce=110)
    assert book.state is BookState.NEEDS_RESYNC and book.resync_count == 1
    assert "gap" in book.resync_reason
    assert book.best_ask().size == D("1")  # gap update not applied
    assert not book.apply_update(lv(("101", "9")), [], nonce=130, begin_nonce=120)
    assert book.dropped_while_resync == 1 and book.resync_count == 1
    book.apply_snapshot(lv(("101", "2")), lv(("100", "1")), nonce=200)
    assert book.is_live and book.apply_update([], lv(("100", "3")), nonce=201, begin_nonce=200)


def test_duplicate_update_is_dropped_without_resync():
    book = live_book(nonce=100)
    assert book.apply_update(lv(("101", "5")), [], nonce=107, begin_nonce=100)
    assert not book.apply_update(lv(("101", "1")), [], nonce=107, begin_nonce=100)
    assert book.stale_updates == 1 and book.is_live and book.best_ask().size == D("5")


def test_crossed_book_needs_resync():
    book = live_book(nonce=100)
    assert not book.apply_update([], lv(("101.5", "1")), nonce=101, begin_nonce=100)
    assert book.state is BookState.NEEDS_RESYNC and "crossed" in book.resync_reason
    assert book.resync_count == 1


def test_updates_without_nonces_are_accepted():
    book = OrderBook(0)
    book.apply_snapshot(lv(("101", "1")), lv(("99", "1")), offset=10)
    assert book.apply_update(lv(("100.5", "1")), [], offset=15)  # offsets may jump
    assert book.best_ask().price == D("100.5") and book.offset == 15


def test_levels_and_executable_price():
    book = live_book()
    assert [l.price for l in book.levels(Side.BUY, 2)] == [D("99"), D("98")]
    assert [l.price for l in book.levels(Side.SELL)] == [D("101"), D("102"), D("103")]
    assert book.levels(Side.SELL, 0) == []
    assert book.executable_price(Side.BUY, D("1")) == D("101")
    assert book.executable_price(Side.BUY, D("2")) == D("101.5")
    assert book.executable_price(Side.SELL, D("3")) == (D("99") + D("196")) / 3
    assert book.executable_price(Side.SELL, D("7")) is None
    assert book.mid() == D("100")


def test_large_book_stays_sorted():
    book = OrderBook(0)
    asks = lv(*((str(D(5000) + D(i) / 100), "1") for i in range(2400)))
    bids = lv(*((str(D(4999) - D(i) / 100), "1") for i in range(2400)))
    book.apply_snapshot(reversed(asks), bids)
    assert book.best_ask().price == D("5000") and book.best_bid().price == D("4999")
    for i in range(0, 2400, 3):
        book.apply_update(lv((str(D(5000) + D(i) / 100), "0")), [])
    assert book.best_ask().price == D("5000.01") and book.ask_count() == 1600
