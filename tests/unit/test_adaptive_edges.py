"""The adaptive pricing terms at their edges: when each is on, what unit it is in, and that none
takes a quote past its loss line; and the quote decision's edges (a side at exactly the position
limit or the venue's minimum size still quotes)."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

from hedge.core.pricing import (PricingParams, fair_hedge_price, size_from_depth, skew_bps,
                                vol_edge_bps)
from hedge.core.quoting import (MarketView, QuoteParams, ask_limit, bid_limit, quote_target,
                                required_extra_bps)

SKEW = PricingParams(inventory_skew_bps=D(4))
P = QuoteParams(pricing="profit", order_size=D("0.05"), tick=D("0.01"), min_profit_bps=D(1),
                join_max_loss_bps=D(20), maker_fee_bps=D(0), taker_fee_bps=D(4),
                max_position=D("0.2"))


def view(**kw) -> MarketView:
    base = dict(lighter_bid=D("3000.00"), lighter_ask=D("3000.10"), hedge_sell_price=D("3000.50"),
                hedge_buy_price=D("3000.60"), position=D(0))
    return MarketView(**{**base, **kw})


def test_the_volatility_edge_starts_above_zero_and_keeps_six_decimals():
    terms = PricingParams()                                # 200 + 50 ms stale: sqrt(0.25)
    assert vol_edge_bps(0.5, terms) == D("0.25")
    assert vol_edge_bps(1.2345678, terms) == D("0.617284")
    assert vol_edge_bps(0.0, terms) == 0


def test_the_skew_is_off_without_a_limit_or_a_model_and_capped_at_the_limit():
    assert skew_bps(D("0.05"), D(0), SKEW) == 0                          # no max_position
    assert skew_bps(D("0.05"), D("0.1"), replace(SKEW, edge_model="fixed")) == 0
    assert skew_bps(D("0.05"), D("0.1"), replace(SKEW, inventory_skew_bps=D(1))) == D("-0.5")
    assert skew_bps(D("-0.5"), D("0.1"), SKEW) == D(4)                   # short past the cap


def test_the_size_from_depth_rounds_down_to_the_step():
    assert size_from_depth(D("0.01"), D("0.0203"), D("0.001"), PricingParams()) == D("0.005")


def test_the_fair_price_is_in_lighters_currency_plus_the_basis_when_it_is_on():
    on = PricingParams(quote_rate=D("1.001"), basis_ewma_s=30.0)
    assert fair_hedge_price(D("2002"), D(3), on) == D(2003)
    assert fair_hedge_price(D(2000), D(3), PricingParams(basis_ewma_s=0.0)) == D(2000)
    assert fair_hedge_price(D(2000), D(3), PricingParams(basis_ewma_s=0.5)) == D(2003)
    assert fair_hedge_price(D(2000), D(3), PricingParams(edge_model="fixed",
                                                         basis_ewma_s=30.0)) == D(2000)


def test_the_markout_buffers_count_only_when_adaptive_and_switched_on():
    marked = view(bid_markout_bps=D(3), ask_markout_bps=D(5))
    on = replace(P, terms=PricingParams(markout_buffer=True))
    assert required_extra_bps(marked, on) == (D(3), D(5))
    assert required_extra_bps(marked, P) == (0, 0)
    fixed = replace(P, terms=PricingParams(edge_model="fixed", markout_buffer=True))
    assert required_extra_bps(marked, fixed) == (0, 0)


def test_a_side_off_has_no_loss_line():
    target = quote_target(view(hedge_sell_price=None), P)
    assert target.bid is None and target.bid_loss_line is None
    assert target.bid_off == "hedge book too thin for the size"


def test_a_size_the_depth_rounds_to_nothing_is_off_and_the_minimum_size_itself_quotes():
    thin = view(hedge_bid_depth_base=D("0.0003"), hedge_ask_depth_base=D("0.0003"))
    target = quote_target(thin, P)
    assert (target.bid, target.ask) == (None, None)
    assert target.bid_off == target.ask_off == "hedge book too thin for the size"
    at_minimum = quote_target(view(), replace(P, min_order_base=D("0.05")))
    assert at_minimum.bid is not None and at_minimum.ask is not None


def test_a_side_exactly_at_the_position_limit_still_quotes():
    full = replace(P, max_position=D("0.05"))
    target = quote_target(view(), full)                    # one order either way: at the limit
    assert target.bid is not None and target.ask is not None
    short = quote_target(view(position=D("-0.05")), full)
    assert short.ask is None and short.ask_off == "max_position reached"


def test_a_short_lean_never_lifts_the_bid_past_its_loss_line():
    leaning = replace(P, max_position=D("0.05"),
                      terms=PricingParams(inventory_skew_bps=D(10)))
    target = quote_target(view(lighter_bid=D("3000.40"), lighter_ask=D("3000.60"),
                               position=D("-0.05")), leaning)
    assert target.bid == target.bid_loss_line == bid_limit(D("3000.50"), leaning)


def test_the_basis_term_moves_the_quotes_and_the_loss_lines_are_in_lighters_currency():
    rated = replace(P, terms=PricingParams(quote_rate=D("1.001"), basis_ewma_s=30.0))
    target = quote_target(view(basis=D(1)), rated)
    assert target.bid is not None and target.ask is not None
    assert target.ask_loss_line == ask_limit(D("3000.60") / D("1.001"), rated)
    assert target.bid_loss_line == bid_limit(D("3000.50") / D("1.001"), rated)


def test_a_target_names_the_hedge_price_and_size_of_each_side_it_quotes_only():
    bid_only = quote_target(view(hedge_buy_price=None), P)
    assert (bid_only.bid_hedge_price, bid_only.bid_size) == (D("3000.50"), D("0.05"))
    assert (bid_only.ask, bid_only.ask_hedge_price, bid_only.ask_size) == (None, None, None)
    ask_only = quote_target(view(hedge_sell_price=None), P)
    assert (ask_only.ask_hedge_price, ask_only.ask_size) == (D("3000.60"), D("0.05"))
    assert (ask_only.bid, ask_only.bid_hedge_price, ask_only.bid_size) == (None, None, None)
