"""HyperliquidRules: cloids the venue accepts and a restart re-derives, prices that never pass
the cap and that both ccxt and the local Hyperliquid venue take as they are, lookup by cloid."""
from __future__ import annotations

import random
from decimal import Decimal

import ccxt.async_support as ccxt_async
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hedge.adapters.hedging.venues.hyperliquid import HyperliquidRules
from hedge.sim.hyperliquid.markets import Perp, price_is_valid
from tests.sim.hyperliquid_loopback import BTC, ETH, freeze_prices, hl, hl_venue, szi, wallet

__all__ = ["hl", "hl_venue", "wallet"]   # fixtures

RULES = HyperliquidRules()
fill_keys = st.tuples(st.integers(0, 2**63 - 1),
                      st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("1000000"),
                                  places=8, allow_nan=False, allow_infinity=False))


@given(fill_keys, st.integers(0, 1000))
def test_client_id_matches_the_cloid_rule_and_is_stable(fill_key, attempt):
    cid = RULES.client_id(fill_key, attempt)
    assert RULES.client_id_rule.fullmatch(cid)
    assert RULES.client_id(fill_key, attempt) == cid
    padded = (fill_key[0], fill_key[1].quantize(Decimal("1E-12")))   # same amount, other digits
    assert RULES.client_id(padded, attempt) == cid
    assert RULES.client_id(fill_key, attempt + 1) != cid
    assert RULES.client_id((fill_key[0] + 1, fill_key[1]), attempt) != cid


def test_rule_refuses_what_hyperliquid_refuses():
    for bad in ("0x" + "A" * 32, "0x" + "a" * 31, "lh-1-0.01", "0x" + "g" * 32, "a" * 34):
        assert not RULES.client_id_rule.fullmatch(bad)


def _market(sz_decimals: int) -> dict:
    return {"info": {"szDecimals": sz_decimals}, "precision": {"amount": 10.0 ** -sz_decimals}}


@settings(max_examples=150)
@given(st.decimals(min_value=Decimal("1"), max_value=Decimal("500000"), places=8,
                   allow_nan=False, allow_infinity=False),
       st.integers(0, 5), st.booleans())
def test_round_price_is_valid_and_never_past_the_cap(cap, sz_decimals, is_buy):
    perp = Perp("X", 0, sz_decimals, 20, Decimal(1), Decimal(1))
    rounded = RULES.round_price(cap, _market(sz_decimals), is_buy)
    assert price_is_valid(rounded, perp)
    assert (rounded <= cap) if is_buy else (rounded >= cap)
    assert abs(cap - rounded) < perp.tick_at(min(cap, rounded))   # the nearest valid price


def test_round_price_examples():
    eth, btc = _market(4), _market(5)
    assert RULES.round_price(Decimal("3000.86"), eth, True) == Decimal("3000.8")
    assert RULES.round_price(Decimal("3000.81"), eth, False) == Decimal("3000.9")
    assert RULES.round_price(Decimal("99999.5"), btc, False) == Decimal("100000")
    assert RULES.round_price(Decimal("123456.7"), btc, True) == Decimal("123456")
    assert RULES.round_price(Decimal("12.3456"), btc, True) == Decimal("12.3")
    with pytest.raises(ValueError):
        RULES.round_price(Decimal("0"), eth, True)


def test_min_notional_and_params():
    assert RULES.min_notional(_market(4)) == Decimal(10)
    assert RULES.order_params("0x" + "0" * 32, True) == {
        "timeInForce": "Ioc", "clientOrderId": "0x" + "0" * 32, "reduceOnly": True}
    assert RULES.credentials == ("walletAddress", "privateKey")
    assert RULES.pad_small_hedges_ok is False


@pytest.mark.parametrize("eth_mid, btc_mid", [(3000.0, 99_000.0), (2999.97, 100_500.0)])
async def test_rounded_caps_are_sent_unchanged_and_accepted(hl, hl_venue, wallet, eth_mid,
                                                             btc_mid):
    freeze_prices(hl_venue.prices, eth=eth_mid, btc=btc_mid)
    rng = random.Random(f"{eth_mid}:{btc_mid}")
    key = 0
    for symbol, coin, size in ((ETH, "ETH", Decimal("0.01")), (BTC, "BTC", Decimal("0.0002"))):
        market = hl.market(symbol)
        book = await hl.fetch_order_book(symbol, 5)
        for _ in range(4):
            for is_buy in (True, False):
                touch = Decimal(repr(book["asks"][0][0] if is_buy else book["bids"][0][0]))
                depth = Decimal(rng.uniform(1.0, 3.0)).quantize(Decimal("1E-9"))
                cap = touch + depth if is_buy else touch - depth
                price = RULES.round_price(cap, market, is_buy)
                assert Decimal(hl.price_to_precision(symbol, float(price))) == price
                key += 1
                cid = RULES.client_id((key, size), 0)
                placed = await hl.create_order(symbol, "limit", "buy" if is_buy else "sell",
                                               float(size), float(price),
                                               RULES.order_params(cid, False))
                assert placed["filled"] == float(size), (symbol, cap, price)
                sent = hl_venue.state.accounts[wallet.address.lower()].by_cloid(cid)
                assert sent is not None and sent.price == price and sent.time_in_force == "IOC"
        assert szi(hl_venue, wallet, coin) == 0   # as many buys as sells


async def test_find_order_finds_a_filled_ioc_with_its_average_and_none_for_an_unknown_cloid(
        hl, hl_venue):
    cid = RULES.client_id((42, Decimal("0.01")), 0)
    book = await hl.fetch_order_book(ETH, 2)
    ask, next_ask = (Decimal(repr(level[0])) for level in book["asks"][:2])
    price = RULES.round_price(next_ask, hl.market(ETH), True)
    await hl.create_order(ETH, "limit", "buy", 1.0, float(price), RULES.order_params(cid, False))
    found = await RULES.find_order(hl, ETH, cid)
    assert found is not None
    assert (found["clientOrderId"], found["status"], found["filled"]) == (cid, "closed", 1.0)
    assert Decimal(repr(found["average"])) == (ask * Decimal("0.8") + next_ask * Decimal("0.2"))
    assert await RULES.find_order(hl, ETH, RULES.client_id((42, Decimal("0.01")), 1)) is None


async def test_an_ioc_that_found_nothing_is_looked_up_and_ends_rejected_unfilled(hl, hl_venue):
    cid = RULES.client_id((43, Decimal("0.01")), 0)
    book = await hl.fetch_order_book(ETH, 1)
    below_ask = RULES.round_price(Decimal(repr(book["asks"][0][0])) - 1, hl.market(ETH), True)
    with pytest.raises(ccxt_async.InvalidOrder) as caught:
        await hl.create_order(ETH, "limit", "buy", 0.01, float(below_ask),
                              RULES.order_params(cid, False))
    assert RULES.outcome_unknown(caught.value)
    found = await RULES.find_order(hl, ETH, cid)
    assert (found["status"], found["filled"], found["average"]) == ("rejected", 0.0, None)
    assert not RULES.outcome_unknown(ccxt_async.InvalidOrder(
        "hyperliquid Order must have minimum value of $10. asset=1"))


async def test_find_order_sees_a_reduce_only_ioc_that_executed_before_its_answer_was_lost(
        hl, hl_venue, wallet):
    book = await hl.fetch_order_book(ETH, 1)
    ask, bid = Decimal(repr(book["asks"][0][0])), Decimal(repr(book["bids"][0][0]))
    await hl.create_order(ETH, "limit", "buy", 0.01, float(ask), {"timeInForce": "Ioc"})
    cid = RULES.client_id((7, Decimal("0.01")), 0)
    hl_venue.faults.next = ["drop"]
    with pytest.raises(Exception):
        await hl.create_order(ETH, "limit", "sell", 0.01, float(bid),
                              RULES.order_params(cid, True))
    found = await RULES.find_order(hl, ETH, cid)
    assert found is not None and (found["filled"], found["reduceOnly"]) == (0.01, True)
    assert szi(hl_venue, wallet) == 0
