"""Boundaries of the core's money rules that a mutation run found unheld: an IOC for nothing,
depth exactly at the slippage cap, the PnL split of a hedge priced in another currency, and the
basis EWMA's time constant."""
from __future__ import annotations

import math
from decimal import Decimal as D

import pytest

from hedge.core.fill_detector import FillDetector
from hedge.core.fill_split import fill_pnl_quote, fill_split
from hedge.core.hedge_order import depth_within_bps, hedge_client_id, ioc_limit_price
from hedge.core.order_book import OrderBook
from hedge.core.pricing import BasisEwma, MidVolatility
from hedge.core.types import BookLevel, OrderUpdate, Trade
from hedge.core.units import decimal_text

BOOK = [(D("100.0"), D("1")), (D("100.1"), D("2")), (D("100.2"), D("4"))]
RATE = D("1.001")             # USDT per USDC: a hedge price / RATE is in Lighter's currency


def test_an_ioc_for_nothing_has_no_price():
    assert ioc_limit_price(BOOK, D(0), True, D(10), D("0.1")) is None
    assert ioc_limit_price(BOOK, D("0.5"), True, D(10), D("0.1")) == D("100.1")


def test_a_level_exactly_at_the_cap_counts_as_depth():
    assert depth_within_bps(BOOK, D(10)) == D(3)        # 100.1 is 10 bp from 100.0
    assert depth_within_bps(BOOK, D("9.99")) == D(1)
    assert depth_within_bps(BOOK, D(20)) == D(7)


def test_the_split_of_a_hedge_in_another_currency_is_in_lighters():
    # The hedge prices below are 2000, 2001, 2002 and 2003 once divided by the rate.
    split = fill_split("bid", D(1990), D("2002"), D("2005.003"), D("2004.002"), D("2003.001"),
                       D(0), D(0), quote_rate=RATE)

    def bps(gain):
        return gain / D(1990) * 10_000
    assert (split.spread_bps, split.adverse_bps, split.latency_bps, split.execution_bps) == \
        (bps(D(13)), bps(D(-1)), bps(D(-1)), bps(D(-1)))
    assert split.fees_bps == 0
    assert fill_pnl_quote("bid", D("0.5"), D(1990), D("2002"), D(0), D(0), quote_rate=RATE) == D(5)
    assert fill_pnl_quote("ask", D("0.5"), D(2010), D("2002"), D(0), D(0), quote_rate=RATE) == D(5)


def test_the_basis_ewma_moves_by_the_share_of_its_time_constant_elapsed():
    basis = BasisEwma(10.0)
    assert basis.add(100.0, D(2001), D(2000)) == D(1)            # the first gap is taken whole
    weight = D(repr(1 - math.exp(-0.5 / 10.0)))
    assert basis.add(100.5, D(2003), D(2000)) == D(1) + D(2) * weight
    before = basis.value
    assert basis.add(100.5, D(2003), D(2010)) == before           # no time passed: no move
    short = BasisEwma(0.5)
    short.add(10.0, D(2001), D(2000))
    assert short.add(10.5, D(2003), D(2000)) == D(1) + D(2) * D(repr(1 - math.exp(-1.0)))


def test_a_basis_without_a_time_constant_is_the_last_gap():
    basis = BasisEwma(0.0)
    basis.add(1.0, D(2001), D(2000))
    assert basis.add(2.0, D(2003), D(2000)) == D(3)


def test_a_client_id_the_venue_would_refuse_is_named_in_the_error():
    too_long = r"hedge client id 'lh-ffffffffffffffff-123456\.78901-r100' does not fit"
    with pytest.raises(ValueError, match=too_long):
        hedge_client_id(2**64 - 1, D("123456.78901"), attempt=100)     # 37 characters


def test_a_negated_zero_amount_has_the_one_text_of_zero():
    assert decimal_text(-D("0.000")) == "0" and decimal_text(D("-0")) == "0"


def test_the_volatility_is_in_basis_points_per_square_root_second():
    vol = MidVolatility(60.0)
    for now_s, mid in ((0.0, "100"), (1.0, "101"), (2.0, "100")):
        vol.add(now_s, D(mid))
    # two moves of ln(1.01) each over 2 s: ln(1.01) per sqrt(s)
    assert vol.bps_per_sqrt_s() == pytest.approx(math.log(1.01) * 10_000, rel=1e-9)


def test_a_snapshot_keeps_its_offset_clears_the_resync_and_is_counted():
    book = OrderBook(0)
    book.apply_snapshot([BookLevel(D("101"), D(1))], [BookLevel(D("99"), D(1))], nonce=1, offset=7)
    book.mark_needs_resync("nonce gap")
    book.apply_snapshot([BookLevel(D("102"), D(1))], [BookLevel(D("98"), D(1))], nonce=5, offset=9)
    assert (book.offset, book.nonce, book.resync_reason, book.snapshots_applied) == \
        (9, 5, "", 2)


def test_the_fill_detector_keeps_the_bounds_docs_logging_promises():
    """docs/LOGGING.md, "Bounds": 20,000 finished orders and 50,000 trade ids."""
    detector, one = FillDetector(), D("0.01")
    for index in range(20_001):
        detector.on_update(OrderUpdate(order_index=index, client_order_index=index, market_id=0,
                                       status="filled", is_ask=False, initial_base=one,
                                       remaining_base=D(0), filled_base=one, filled_quote=one,
                                       price=D(1)))
    assert detector.retired_count == 20_000
    trades = [Trade(trade_id=i, market_id=0, size=one, price=D(1), usd_amount=one, ask_id=1,
                    bid_id=2, ask_account_id=3, bid_account_id=4, is_maker_ask=False)
              for i in range(50_001)]
    for trade in trades:
        detector.on_trade(trade, 99)
    assert detector.on_trade(trades[0], 99) is True          # forgotten: the oldest of 50,001
    assert detector.on_trade(trades[-1], 99) is False


def test_a_new_book_waits_for_its_snapshot_and_knows_nothing_yet():
    book = OrderBook(3)
    assert (book.market_id, book.nonce, book.offset, book.resync_reason) == (3, None, None, "")
    assert (book.snapshots_applied, book.mid()) == (0, None)


def test_a_fill_detector_without_room_for_either_history_is_refused():
    for capacities in ({"retired_capacity": 0}, {"trade_capacity": 0}):
        with pytest.raises(ValueError, match="^capacities must be >= 1$"):
            FillDetector(**capacities)


def test_a_fill_detector_with_room_for_one_of_each_is_accepted():
    assert FillDetector(retired_capacity=1, trade_capacity=1) is not None
