"""The pricing policy's arithmetic: the loss line, the cost-aware edge, the skew, the size from
depth, the fee decision and the five-way split."""
from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal as D

import pytest

from hedge.core.fees import FeeReading, ticks_to_bps
from hedge.core.fill_split import fill_pnl_quote, fill_split
from hedge.core.hedge_order import depth_within_bps
from hedge.core.pricing import (BasisEwma, MarkoutBuffer, MidVolatility, PricingParams,
                                markout_bps, size_from_depth, skew_bps, vol_edge_bps)
from hedge.core.quoting import MarketView, QuoteParams, quote_target, requote_action

P = QuoteParams(pricing="profit", order_size=D("0.01"), tick=D("0.01"), min_profit_bps=D(1),
                join_max_loss_bps=D(0), maker_fee_bps=D(0), taker_fee_bps=D(4),
                max_position=D("0.1"))
# A tight Lighter book: the hedge-side limits bind, not "one tick better than the best".
VIEW = MarketView(lighter_bid=D("1999.9"), lighter_ask=D("2000.1"), hedge_sell_price=D(2000),
                  hedge_buy_price=D(2000), position=D(0))


def test_a_bid_beyond_its_loss_line_is_canceled_however_close_the_target():
    # 0.1 bp beyond the line, with a 2 bp band: the band must not keep it.
    assert requote_action(D("2000.02"), D("2000.00"), 10_000, D(2), 0, "bid",
                          loss_line=D("2000.00")) == "cancel"
    assert requote_action(D("1999.98"), D("2000.00"), 10_000, D(2), 0, "ask",
                          loss_line=D("2000.00")) == "cancel"


def test_the_band_keeps_a_quote_whose_edge_is_still_at_or_above_the_minimum():
    assert requote_action(D("2000.00"), D("2000.02"), 10_000, D(2), 0, "bid",
                          loss_line=D("2000.00")) == "keep"
    assert requote_action(D("1999.99"), D("2000.02"), 10_000, D(2), 0, "bid",
                          loss_line=D("2000.00")) == "keep"


def test_the_loss_line_is_the_price_that_keeps_exactly_min_profit_after_fees():
    t = quote_target(VIEW, P)
    # bid: 2000 x (1 - 5 bp) = 1999.00; ask: 2000 x (1 + 5 bp) = 2001.00
    assert (t.bid_loss_line, t.ask_loss_line) == (D("1999.00"), D("2001.00"))
    assert (t.bid, t.ask) == (D("1999.00"), D("2001.00"))   # no volatility seen: at the line


def test_volatility_widens_both_sides_by_k_sigma_sqrt_stale_time():
    terms = PricingParams(vol_edge_k=D(2), cancel_ms=200, detect_ms=50)
    assert vol_edge_bps(10.0, terms) == D(10)                 # 2 x 10 x sqrt(0.25)
    assert vol_edge_bps(10.0, replace(terms, edge_model="fixed")) == 0
    t = quote_target(replace(VIEW, vol_bps_per_sqrt_s=10.0), replace(P, terms=terms))
    assert t.bid == D("1997.00") and t.ask == D("2003.00")    # 15 bp each side
    assert t.bid_loss_line == D("1999.00")                    # the line itself does not move


def test_skew_moves_both_prices_against_the_position_and_never_past_the_loss_line():
    terms = PricingParams(vol_edge_k=D(1), inventory_skew_bps=D(4))
    view = replace(VIEW, vol_bps_per_sqrt_s=20.0)             # 10 bp volatility edge
    flat = quote_target(view, replace(P, terms=terms))
    long = quote_target(replace(view, position=D("0.05")), replace(P, terms=terms))
    short = quote_target(replace(view, position=D("-0.05")), replace(P, terms=terms))
    assert long.bid < flat.bid and long.ask < flat.ask        # long: both lower, ask more eager
    assert short.bid > flat.bid and short.ask > flat.ask
    assert skew_bps(D("0.05"), D("0.1"), terms) == D(-2)
    assert skew_bps(D("0.5"), D("0.1"), terms) == D(-4)       # capped at max_position
    huge = replace(terms, inventory_skew_bps=D(100))
    t = quote_target(replace(view, position=D("0.09")), replace(P, terms=huge))
    assert t.ask == t.ask_loss_line                           # eager, but never losing


def test_size_from_depth_caps_the_order_and_turns_a_thin_side_off():
    terms = PricingParams(depth_fraction=D("0.25"))
    assert size_from_depth(D("0.01"), D("0.02"), D("0.001"), terms) == D("0.005")
    assert size_from_depth(D("0.01"), None, D("0.001"), terms) == D("0.01")
    assert size_from_depth(D("0.01"), D("0.02"), D("0.001"), replace(terms, edge_model="fixed")) \
        == D("0.01")
    t = quote_target(replace(VIEW, hedge_bid_depth_base=D("0.02"), hedge_ask_depth_base=D("0.001")),
                     replace(P, terms=terms, min_order_base=D("0.001")))
    assert t.bid_size == D("0.005") and t.ask is None and "thin" in t.ask_off
    levels = [(D(2000), D(1)), (D("1999.5"), D(2)), (D(1990), D(5))]
    assert depth_within_bps(levels, D(10)) == D(3)


def test_fair_value_converts_the_hedge_currency_and_adds_the_basis():
    terms = PricingParams(quote_rate=D("1.0005"))
    t = quote_target(VIEW, replace(P, terms=terms))
    assert t.bid_loss_line == D("1998.00")        # 2000 / 1.0005 = 1999.00..., less 5 bp
    basis = BasisEwma(10.0)
    assert basis.add(0.0, D(2001), D(2000)) == D(1)
    assert D("1.0") < basis.add(10.0, D(2003), D(2000)) < D(3)


def test_mid_volatility_and_markouts():
    vol = MidVolatility(60.0)
    for i in range(11):
        vol.add(i * 1.0, D(2000) * (D("1.001") if i % 2 else D(1)))   # ~10 bp a second
    assert 9.0 < vol.bps_per_sqrt_s() < 10.5
    buf = MarkoutBuffer(2)
    assert markout_bps("bid", D(2000), D(1999)) == D(-5)
    assert markout_bps("ask", D(2000), D(1999)) == D(5)
    for m in (D(-5), D(-3), D(-1)):
        buf.add("bid", m)
    assert buf.buffer_bps("bid") == D(2) and buf.buffer_bps("ask") == 0   # last 2 fills only


@pytest.mark.parametrize("seed", range(20))
def test_the_split_adds_up_to_the_fill_pnl(seed):
    rnd = random.Random(seed)

    def price() -> D:
        return D(2000) + D(rnd.randint(-500, 500)) / 100
    side = rnd.choice(["bid", "ask"])
    p, ph = price(), price()
    known = [price() if rnd.random() < 0.7 else None for _ in range(3)]
    size, maker, taker = D("0.01"), D(rnd.randint(-2, 4)), D(rnd.randint(0, 6))
    split = fill_split(side, p, ph, *known, maker, taker)
    pnl_bps = fill_pnl_quote(side, size, p, ph, maker, taker) / (size * p) * 10_000
    assert abs(split.total_bps - pnl_bps) < D("1e-18")


def test_the_split_of_a_bid_by_term():
    s = fill_split("bid", D(2000), D("2000.4"), D("2001"), D("2000.6"), D("2000.5"), D(0), D(5))
    assert s.spread_bps == D(5) and s.adverse_bps == D(-2) and s.latency_bps == D("-0.5")
    assert s.execution_bps == D("-0.5") and s.fees_bps == D("-5.001")


def test_a_fee_below_the_venues_is_raised_and_an_unreadable_one_kept():
    raised = FeeReading("hedge taker fee", "hedge.taker_fee_bps", D(4), D(5), "commissionRate")
    assert raised.in_force_bps == 5 and raised.raised
    level, text = raised.message()
    assert level == "WARNING" and "4 bp" in text and "5 bp" in text
    higher = FeeReading("hedge taker fee", "hedge.taker_fee_bps", D(6), D(5), "commissionRate")
    assert higher.in_force_bps == 6 and higher.message()[0] == "INFO"
    unread = FeeReading("hedge taker fee", "hedge.taker_fee_bps", D(4), None, "x", "timeout")
    assert unread.in_force_bps == 4 and unread.message()[0] == "WARNING"
    assert ticks_to_bps(40) == D("0.4") and ticks_to_bps(280) == D("2.8")


def test_the_volatility_window_forgets_what_is_older_than_it():
    vol = MidVolatility(5.0)
    for i in range(6):
        vol.add(i * 1.0, D(2000) * (D("1.01") if i % 2 else D(1)))    # ~100 bp a second
    for i in range(6, 20):
        vol.add(i * 1.0, D(2000))                                      # then still
    assert vol.bps_per_sqrt_s() < 1e-6
