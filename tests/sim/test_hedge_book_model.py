"""Paper mode's hedge venues lay the market model's hedge book, the one the lab trades against,
so a hedge in paper mode pays what it pays in the lab; a pinned mid keeps the fixed test book."""
from __future__ import annotations

from decimal import Decimal

import pytest

from hedge.market.hedge_book import HedgeBook
from hedge.market.model_file import MarketModel, with_changes
from hedge.sim.binance.markets import SYMBOLS
from hedge.sim.hedge_venue.book import book_at
from hedge.sim.price import PriceProcess

ETH = SYMBOLS["ETHUSDT"]
WIDE = with_changes(MarketModel(), hedge={"half_spread_bps": 3.0, "level_base": 0.5,
                                          "levels": 5, "level_step_bps": 1.0})


@pytest.mark.parametrize("now_ms", [0, 1_000, 25_000])
def test_the_venue_book_is_the_models_hedge_book(now_ms):
    prices = PriceProcess(4, WIDE, origin_ms=0)
    book = book_at(ETH, prices, now_ms)
    fair = Decimal(repr(prices.mid("ETH", now_ms)))
    assert len(book.bids) == len(book.asks) == 5
    assert all(level.qty == Decimal("0.5") for level in book.bids + book.asks)
    for i, (bid, ask) in enumerate(zip(book.bids, book.asks)):
        away = fair * Decimal(3 + i) / Decimal(10_000)
        assert fair - away - ETH.tick < bid.price <= fair - away    # rounded away from X
        assert fair + away <= ask.price < fair + away + ETH.tick


def test_a_hedge_pays_in_paper_mode_what_it_pays_in_the_lab():
    prices = PriceProcess(4, WIDE, origin_ms=0)
    lab = HedgeBook(WIDE.hedge)
    fair = prices.mid("ETH", 5_000)
    book = book_at(ETH, prices, 5_000)
    for is_buy, side in ((True, "BUY"), (False, "SELL")):
        _, lab_price = lab.walk(fair, 0.8, is_buy, 5_000)      # two levels deep
        fills = book.walk(side, Decimal("0.8"), None)
        paper_price = sum(p * q for p, q in fills) / sum(q for _, q in fills)
        assert abs(float(paper_price) - lab_price) <= float(ETH.tick)


def test_a_pinned_mid_keeps_the_fixed_test_book():
    prices = PriceProcess(4, WIDE, origin_ms=0)
    prices.mid = lambda asset, now_ms=None: 3000.0
    book = book_at(ETH, prices, 0)
    assert [(lv.price, lv.qty) for lv in (book.bids[0], book.asks[0])] == [
        (Decimal("3000.44"), Decimal("0.8")), (Decimal("3000.76"), Decimal("0.8"))]
    assert len(book.bids) == 20
