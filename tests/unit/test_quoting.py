"""Quote placement and the requote rule."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from hedge.core.quoting import (MarketView, QuotaPacing, QuoteParams, ask_limit, bid_limit,
                                quota_state, quote_target, requote_action)

PROFIT = QuoteParams(pricing="profit", order_size=D("0.05"), tick=D("0.01"), min_profit_bps=D("1"),
                     join_max_loss_bps=D("20"), maker_fee_bps=D("0"), taker_fee_bps=D("4"),
                     max_position=D("0.2"))
JOIN = QuoteParams(**{**PROFIT.__dict__, "pricing": "join"})


def view(**kw) -> MarketView:
    base = dict(lighter_bid=D("3000.00"), lighter_ask=D("3000.10"), hedge_sell_price=D("3000.50"),
                hedge_buy_price=D("3000.60"), position=D("0"))
    return MarketView(**{**base, **kw})


def profit_bps_of_bid(bid: D, hedge_sell: D, p: QuoteParams) -> D:
    proceeds = hedge_sell * (1 - p.taker_fee_bps / 10_000)
    return (proceeds - bid * (1 + p.maker_fee_bps / 10_000)) / bid * 10_000


def test_profit_bid_keeps_the_required_edge_after_fees():
    limit = bid_limit(D("3000.50"), PROFIT)
    assert profit_bps_of_bid(limit, D("3000.50"), PROFIT) >= PROFIT.min_profit_bps
    assert profit_bps_of_bid(limit + PROFIT.tick, D("3000.50"), PROFIT) < PROFIT.min_profit_bps + D("0.1")


def test_profit_ask_keeps_the_required_edge_after_fees():
    limit = ask_limit(D("3000.60"), PROFIT)
    cost = D("3000.60") * (1 + PROFIT.taker_fee_bps / 10_000)
    assert (limit - cost) / limit * 10_000 >= PROFIT.min_profit_bps


def test_profit_mode_never_improves_the_book_by_more_than_a_tick():
    generous = view(hedge_sell_price=D("3010"), hedge_buy_price=D("2990"))
    target = quote_target(generous, PROFIT)
    assert target.bid == D("3000.01") and target.ask == D("3000.09")


def test_profit_mode_backs_off_where_the_hedge_would_not_pay():
    target = quote_target(view(), PROFIT)
    assert target.bid == bid_limit(D("3000.50"), PROFIT) < D("3000.00")
    assert target.ask == ask_limit(D("3000.60"), PROFIT) > D("3000.10")


def test_join_mode_joins_the_best_level_within_the_loss_guard():
    target = quote_target(view(), JOIN)
    assert target.bid == D("3000.00") and target.ask == D("3000.10")
    losing = quote_target(view(hedge_sell_price=D("2990"), hedge_buy_price=D("3011")), JOIN)
    assert losing.bid < D("3000.00") and losing.ask > D("3000.10")


def test_quotes_never_cross_lighter_even_when_the_hedge_venue_is_far_away():
    target = quote_target(view(lighter_bid=D("3000.00"), lighter_ask=D("3000.01"),
                               hedge_sell_price=D("3100"), hedge_buy_price=D("2900")), PROFIT)
    assert target.bid < D("3000.01") and target.ask > D("3000.00")


BID, ASK = D("2998.99"), D("3002.11")      # the PROFIT quotes of the default view


def test_the_default_view_quotes_both_sides():
    target = quote_target(view(), PROFIT)
    assert (target.bid, target.ask, target.bid_off, target.ask_off) == (BID, ASK, "", "")


@pytest.mark.parametrize("position,bid_on,ask_on", [
    (D("0"), True, True), (D("0.16"), False, True), (D("-0.16"), True, False),
])
def test_inventory_limit_turns_off_the_side_that_would_grow_it(position, bid_on, ask_on):
    target = quote_target(view(position=position), PROFIT)
    assert target.bid == (BID if bid_on else None) and target.ask == (ASK if ask_on else None)
    if not bid_on:
        assert target.bid_off == "max_position reached"


def test_no_quote_on_a_side_whose_hedge_is_in_flight():
    target = quote_target(view(bid_hedge_in_flight=True), PROFIT)
    assert target.bid is None and target.bid_off == "bid hedge in flight" and target.ask == ASK


def test_no_quotes_while_fills_cannot_be_seen():
    target = quote_target(view(can_see_fills=False), PROFIT)
    assert target.bid is None and target.ask is None


def test_no_quotes_without_a_book_or_hedge_depth():
    assert quote_target(view(lighter_bid=None), PROFIT).bid is None
    assert quote_target(view(hedge_sell_price=None), PROFIT).bid_off == "hedge book too thin for the size"


@pytest.mark.parametrize("resting,target,rested_ms,expected", [
    (None, D("3000"), 0, "place"),
    (None, None, 0, "keep"),
    (D("3000"), None, 0, "cancel"),
    (D("3000"), D("3000.3"), 10, "keep"),        # moved 1 bp: inside the tolerance
    (D("3000"), D("3001.5"), 10, "keep"),        # moved 5 bp but too young
    (D("3000"), D("3001.5"), 600, "modify"),
])
def test_requote_action(resting, target, rested_ms, expected):
    assert requote_action(resting, target, rested_ms, D("2"), 500) == expected


def test_a_hedge_carry_below_the_venue_minimum_quotes_only_the_side_that_completes_it():
    owe_sell = quote_target(view(hedge_carry=D("-0.005")), PROFIT)   # long on Lighter, unhedged
    assert owe_sell.bid == BID and owe_sell.ask is None and "carry" in owe_sell.ask_off
    owe_buy = quote_target(view(hedge_carry=D("0.004")), PROFIT)
    assert owe_buy.ask == ASK and owe_buy.bid is None and "carry" in owe_buy.bid_off


def test_a_quote_more_aggressive_than_its_target_is_pulled_back_at_once():
    # rested only 10 ms (< 500 ms minimum life): a bid above its target loses money on a fill
    assert requote_action(D("100.05"), D("100.00"), 10, D("2"), 500, side="bid") == "modify"
    assert requote_action(D("99.95"), D("100.00"), 10, D("2"), 500, side="ask") == "modify"
    # a quote behind its target only moves after the minimum life
    assert requote_action(D("99.95"), D("100.00"), 10, D("2"), 500, side="bid") == "keep"
    assert requote_action(D("99.95"), D("100.00"), 600, D("2"), 500, side="bid") == "modify"


def test_profit_mode_does_not_improve_on_its_own_best_level():
    wide = dict(lighter_bid=D("2999.00"), lighter_ask=D("3002.00"), hedge_sell_price=D("3005"),
                hedge_buy_price=D("2996"))          # the hedge allows more than a tick
    target = quote_target(view(**wide, own_bid=D("2999.00"), own_ask=D("3002.00")), PROFIT)
    assert (target.bid, target.ask) == (D("2999.00"), D("3002.00"))   # we are the best: stay
    target = quote_target(view(**wide, own_bid=D("2998.00"), own_ask=D("3003.00")), PROFIT)
    assert (target.bid, target.ask) == (D("2999.01"), D("3001.99"))   # someone else is: improve


def test_volume_quota_slows_then_pauses_quoting():
    pacing = QuotaPacing(slow_below=300, pause_below=50)
    assert quota_state(None, pacing) == "ok"
    assert quota_state(1000, pacing) == "ok"
    assert quota_state(299, pacing) == "slow"
    assert quota_state(49, pacing) == "paused"
