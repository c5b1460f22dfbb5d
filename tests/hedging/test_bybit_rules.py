"""BybitRules: client ids by property, rounding and minimum from real markets, lookups on the
local bybit venue through ccxt's own class."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hedge.adapters.hedging.venues.bybit import BybitRules
from tests.sim.bybit_loopback import ETH, bybit_ex, bybit_venue  # noqa: F401

RULES = BybitRules()
BEST_BID, BEST_ASK = Decimal("3000.44"), Decimal("3000.76")

order_indexes = st.integers(min_value=0, max_value=2**63 - 1)
cumulative = st.decimals(min_value=0, max_value=Decimal("1e12"), places=8,
                         allow_nan=False, allow_infinity=False)
attempts = st.integers(min_value=0, max_value=999)


@settings(max_examples=200, deadline=None)
@given(order_indexes, cumulative, attempts)
def test_client_id_fits_bybit_and_is_stable(order_index, cum, attempt):
    cid = RULES.client_id((order_index, cum), attempt)
    assert RULES.client_id_rule.fullmatch(cid) and "." not in cid and len(cid) <= 36
    # The same fill, however the Decimal is written, names the same order.
    assert RULES.client_id((order_index, Decimal(str(cum)) * 1), attempt) == cid
    assert RULES.client_id((order_index, cum.normalize()), attempt) == cid


@settings(max_examples=150, deadline=None)
@given(st.tuples(order_indexes, cumulative, attempts), st.tuples(order_indexes, cumulative, attempts))
def test_different_fill_keys_get_different_ids(a, b):
    if (a[0], a[1].normalize(), a[2]) != (b[0], b[1].normalize(), b[2]):
        assert RULES.client_id((a[0], a[1]), a[2]) != RULES.client_id((b[0], b[1]), b[2])


def test_client_id_reads_as_the_fill_key():
    assert RULES.client_id((0x1F, Decimal("0.0100")), 0) == "lh-1f-0_01"
    assert RULES.client_id((0x1F, Decimal("0.01")), 2) == "lh-1f-0_01-r2"
    long_key = RULES.client_id((2**63 - 1, Decimal("123456789.12345678")), 3)
    assert long_key.startswith("lhh-") and len(long_key) == 36


def test_order_params():
    assert RULES.order_params("lh-1-0_1", False) == {"timeInForce": "IOC",
                                                      "clientOrderId": "lh-1-0_1"}
    assert RULES.order_params("lh-1-0_1", True)["reduceOnly"] is True


async def test_rounding_and_minimum_from_the_loaded_market(bybit_ex):
    eth = bybit_ex.market(ETH)
    assert RULES.round_price(Decimal("3000.769"), eth, is_buy=True) == Decimal("3000.76")
    assert RULES.round_price(Decimal("3000.761"), eth, is_buy=False) == Decimal("3000.77")
    assert RULES.round_price(Decimal("3000.76"), eth, is_buy=False) == Decimal("3000.76")
    assert RULES.min_notional(eth) == Decimal("5")


async def test_find_order_finds_a_filled_ioc_and_not_an_unknown_id(bybit_ex, bybit_venue):
    cid = RULES.client_id((7, Decimal("0.3")), 0)
    await bybit_ex.create_order(ETH, "limit", "buy", "0.3", str(BEST_ASK),
                                RULES.order_params(cid, False))
    found = await RULES.find_order(bybit_ex, ETH, cid)
    assert found is not None
    assert (found["clientOrderId"], found["status"], found["filled"], found["side"]) == \
        (cid, "closed", 0.3, "buy")
    assert await RULES.find_order(bybit_ex, ETH, RULES.client_id((8, Decimal("0.3")), 0)) is None


async def test_find_order_sees_a_reduce_only_partial(bybit_ex):
    await bybit_ex.create_order(ETH, "limit", "buy", "0.3", str(BEST_ASK), {"timeInForce": "IOC"})
    cid = RULES.client_id((9, Decimal("0.5")), 1)
    await bybit_ex.create_order(ETH, "limit", "sell", "0.5", str(BEST_BID),
                                RULES.order_params(cid, True))
    found = await RULES.find_order(bybit_ex, ETH, cid)
    assert (found["filled"], found["reduceOnly"], found["status"]) == (0.3, True, "canceled")


async def test_find_order_falls_back_to_history(bybit_ex, bybit_venue):
    """After a bybit restart closed orders are only in /v5/order/history."""
    cid = RULES.client_id((10, Decimal("0.2")), 0)
    await bybit_ex.create_order(ETH, "limit", "buy", "0.2", str(BEST_ASK),
                                RULES.order_params(cid, False))
    bybit_venue.state.realtime_closed_kept = 0
    assert await bybit_ex.fetch_open_orders(ETH, params={"orderLinkId": cid}) == []
    found = await RULES.find_order(bybit_ex, ETH, cid)
    assert found is not None and found["filled"] == 0.2


@pytest.mark.parametrize("bad", ["lh-1-0.01", "", "x" * 37, "lh 1"])
def test_rule_refuses_what_bybit_refuses(bad):
    assert not RULES.client_id_rule.fullmatch(bad)
