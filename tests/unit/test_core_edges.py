"""Edges of the core that mutation testing found untested: maker fees in the quote limits, the
ledger's minimum, the book's counters and sides, the fill detector's counters and cross-check."""
from __future__ import annotations

from decimal import Decimal as D

from hedge.core.fill_detector import FillDetector
from hedge.core.hedge_order import ExposureLedger
from hedge.core.order_book import OrderBook
from hedge.core.quoting import QuoteParams, ask_limit, bid_limit
from hedge.core.types import BookLevel, OrderUpdate, Side, Trade, is_live, is_terminal

MAKER_FEE_ONLY = QuoteParams(pricing="profit", order_size=D("0.01"), tick=D("0.01"),
                             min_profit_bps=D(0), join_max_loss_bps=D(0), maker_fee_bps=D(2),
                             taker_fee_bps=D(0), max_position=D(1))


def test_a_maker_fee_lowers_the_bid_and_raises_the_ask_by_its_share():
    assert bid_limit(D("3000"), MAKER_FEE_ONLY) == D("2999.40")     # 3000 / 1.0002, down
    assert ask_limit(D("3000"), MAKER_FEE_ONLY) == D("3000.61")     # 3000 / 0.9998, up


def test_the_ledger_sends_nothing_below_the_minimum_amount():
    ledger = ExposureLedger(step=D("0.001"), min_amount=D("0.005"))
    ledger.add_maker_fill(D("0.004"))
    assert ledger.next_order_amount() == 0
    ledger.add_maker_fill(D("0.001"))
    assert ledger.next_order_amount() == D("-0.005")


def lv(*pairs):
    return [BookLevel(D(p), D(s)) for p, s in pairs]


def book_with_levels() -> OrderBook:
    book = OrderBook(0)
    book.apply_snapshot(asks=lv(("101", "1"), ("102", "2"), ("103", "3")),
                        bids=lv(("99", "4"), ("98", "5"), ("97", "6")), nonce=10)
    return book


def test_sizes_and_levels_of_each_side():
    book = book_with_levels()
    assert book.size_at(Side.BUY, D("98")) == D("5")
    assert book.size_at(Side.SELL, D("102")) == D("2")
    assert book.size_at(Side.SELL, D("98")) == 0
    assert book.levels(Side.BUY) == lv(("99", "4"), ("98", "5"), ("97", "6"))
    assert book.levels(Side.BUY, 2) == lv(("99", "4"), ("98", "5"))
    assert book.levels(Side.SELL) == lv(("101", "1"), ("102", "2"), ("103", "3"))
    assert book.levels(Side.SELL, 1) == lv(("101", "1"))


def test_no_mid_with_one_side_empty():
    book = OrderBook(0)
    book.apply_snapshot(asks=lv(("101", "1")), bids=[])
    assert book.mid() is None
    book.apply_snapshot(asks=[], bids=lv(("99", "1")))
    assert book.mid() is None


def test_every_dropped_update_is_counted():
    book = OrderBook(0)
    for _ in range(2):
        assert not book.apply_update(lv(("101", "1")), [], nonce=1)
    assert book.dropped_before_snapshot == 2
    book.apply_snapshot(asks=lv(("101", "1")), bids=lv(("99", "1")), nonce=10)
    for _ in range(2):
        assert not book.apply_update(lv(("101", "2")), [], nonce=9)
    assert book.stale_updates == 2
    book.apply_update(lv(("101", "2")), [], nonce=12, begin_nonce=11)   # a gap
    for _ in range(2):
        assert not book.apply_update(lv(("101", "3")), [], nonce=13, begin_nonce=12)
    assert book.dropped_while_resync == 2
    book.apply_snapshot(asks=lv(("101", "1")), bids=lv(("99", "1")), nonce=20)
    book.apply_update(lv(("101", "2")), [], nonce=22, begin_nonce=21)
    assert book.resync_count == 2


def test_an_update_with_a_nonce_applies_to_a_book_whose_snapshot_had_none():
    book = OrderBook(0)
    book.apply_snapshot(asks=lv(("101", "1")), bids=lv(("99", "1")))
    assert book.apply_update(lv(("101", "7")), [], nonce=5, begin_nonce=4)
    assert book.size_at(Side.SELL, D("101")) == D("7") and book.nonce == 5


def upd(order_index=1, filled="0", quote="0", status="open", price="100", ts=0):
    return OrderUpdate(order_index=order_index, client_order_index=9, market_id=0,
                       status=status, is_ask=False, initial_base=D("1"),
                       remaining_base=D("1") - D(filled), filled_base=D(filled),
                       filled_quote=D(quote), price=D(price), timestamp_ms=ts)


def test_the_detectors_counters_count_each_event():
    det = FillDetector()
    det.on_update(upd(filled="0"))                                  # nothing filled yet
    assert (det.fills_emitted, det.stale_frames, det.repeated_fills) == (0, 0, 0)
    first = det.on_update(upd(filled="0.3", quote="30", ts=111))
    assert (first.cum_filled_quote, first.timestamp_ms) == (D("30"), 111)
    det.on_update(upd(filled="0.5", quote="50"))
    det.on_update(upd(filled="0.5", quote="50"))
    det.on_update(upd(filled="0.5", quote="50"))
    det.on_update(upd(filled="0.3", quote="30"))
    det.on_update(upd(filled="0.3", quote="30"))
    assert (det.fills_emitted, det.stale_frames, det.repeated_fills) == (2, 2, 2)


def test_seeding_never_lowers_nor_re_prices_a_mark():
    det = FillDetector()
    det.on_update(upd(filled="0.5", quote="0", price="100"))
    det.seed(1, D("0.5"), D("45"))                  # the same cumulative: nothing to change
    delta = det.on_update(upd(filled="1.0", quote="100", price="99"))
    assert delta.price == D("99")                   # no usable quote at the mark: order price


def test_a_seed_without_a_quote_prices_the_next_delta_by_the_order():
    det = FillDetector()
    det.seed(1, D("0.5"), D("0"))
    delta = det.on_update(upd(filled="1.0", quote="100", price="99"))
    assert (delta.size, delta.price) == (D("0.5"), D("99"))


def trade(trade_id, bid_id, size="0.01"):
    return Trade(trade_id=trade_id, market_id=0, size=D(size), price=D("100"),
                 usd_amount=D(1), ask_id=999, bid_id=bid_id, ask_account_id=2,
                 bid_account_id=7, is_maker_ask=False)


def test_trades_add_up_per_order_and_the_cross_check_names_the_difference():
    det = FillDetector()
    det.on_trade(trade(1, bid_id=5), 7)
    det.on_trade(trade(2, bid_id=5, size="0.02"), 7)
    det.on_update(upd(order_index=5, filled="0.01", quote="1"))
    det.on_update(upd(order_index=6, filled="0.04", quote="4"))
    det.on_trade(trade(3, bid_id=6), 7)
    check = det.cross_check()
    assert check.trades_without_fill == {5: D("0.02")}
    assert check.fills_without_trade == {6: D("0.03")}


def test_trade_ids_are_remembered_up_to_the_capacity_oldest_forgotten_first():
    det = FillDetector(trade_capacity=2)
    for trade_id in (1, 2, 3):
        assert det.on_trade(trade(trade_id, bid_id=100 + trade_id), 7)
    assert not det.on_trade(trade(3, bid_id=103), 7)      # still remembered
    assert not det.on_trade(trade(2, bid_id=102), 7)
    assert det.on_trade(trade(1, bid_id=101), 7)           # the oldest was forgotten
    assert det.cross_check().trades_without_fill == {101: D("0.01"), 103: D("0.01")}


def test_sides_and_statuses():
    assert Side.from_is_ask(True) is Side.SELL and Side.from_is_ask(False) is Side.BUY
    assert all(is_live(s) for s in ("in-progress", "pending", "open"))
    assert not is_live("filled")
    assert is_terminal("cancelled-expired") and is_terminal("CANCELED")


def test_each_reason_a_side_is_off_is_named_exactly():
    from dataclasses import replace

    from hedge.core.quoting import MarketView, quote_target
    view = MarketView(lighter_bid=D("3000.00"), lighter_ask=D("3000.10"),
                      hedge_sell_price=D("3000.50"), hedge_buy_price=D("3000.60"),
                      position=D("0"))
    p = replace(MAKER_FEE_ONLY, max_position=D("0.02"))
    blind = quote_target(replace(view, can_see_fills=False), p)
    assert (blind.bid_off, blind.ask_off) == ("fill stream down or positions unknown",) * 2
    no_book = quote_target(replace(view, lighter_bid=None), p)
    assert (no_book.bid, no_book.ask, no_book.bid_off, no_book.ask_off) == (
        None, None, "no Lighter book", "no Lighter book")
    off = quote_target(view, replace(p, quote_bid=False, quote_ask=False))
    assert (off.bid_off, off.ask_off) == ("bid side disabled", "ask side disabled")
    flight = quote_target(replace(view, ask_hedge_in_flight=True), p)
    assert flight.ask is None and flight.ask_off == "ask hedge in flight" and flight.bid
    at_limit = quote_target(replace(view, position=D("0.01")), p)      # 0.01 + 0.01 = max
    assert at_limit.bid is not None and at_limit.bid_off == ""
    carry = quote_target(replace(view, hedge_carry=D("0.004")), p)
    assert carry.bid_off == "hedge carry below the venue minimum: quoting the side that completes it"
