"""Hedge order math: ids, IOC limit prices, truncation and the residual ledger."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from hedge.core.hedge_order import (CLIENT_ID_PATTERN, ExposureLedger, hedge_client_id, ioc_limit_price,
                                    truncate_to_step)

ASKS = [(D("3000.00"), D("0.5")), (D("3000.50"), D("1.0")), (D("3002.00"), D("5"))]
BIDS = [(D("2999.90"), D("0.5")), (D("2999.10"), D("1.0")), (D("2995.00"), D("5"))]


def test_client_id_is_deterministic_and_fits_binance():
    a = hedge_client_id(7036874567915800, D("0.0150"))
    assert a == hedge_client_id(7036874567915800, D("0.015"))
    assert a != hedge_client_id(7036874567915800, D("0.0300"))
    assert hedge_client_id(7036874567915800, D("0.015"), attempt=2).endswith("-r2")
    assert CLIENT_ID_PATTERN.match(a) and len(a) <= 36


def test_client_id_largest_inputs_still_fit():
    cid = hedge_client_id(2**64 - 1, D("123456.78901"), attempt=99)
    assert len(cid) <= 36


def test_buy_limit_is_the_slippage_cap_above_the_best_ask():
    # 10 bp above 3000.00: the IOC takes what it needs at the best prices, up to 3003.00.
    assert ioc_limit_price(ASKS, D("1.2"), True, D("10"), D("0.01")) == D("3003.00")


def test_sell_limit_is_the_slippage_cap_below_the_best_bid():
    # 10 bp below 2999.90 is 2996.90010: rounded up to stay inside the allowance.
    assert ioc_limit_price(BIDS, D("1.2"), False, D("10"), D("0.01")) == D("2996.91")


def test_cap_rounding_for_a_buy_stays_inside_the_cap():
    # 0.5 bp above 3000.00 is 3000.15: on the grid already; 0.7 bp is 3000.21 floored.
    assert ioc_limit_price(ASKS, D("1"), True, D("0.7"), D("0.01")) == D("3000.21")


def test_zero_slippage_still_reaches_the_touch():
    assert ioc_limit_price(ASKS, D("1"), True, D("0"), D("0.01")) == D("3000.00")
    assert ioc_limit_price(BIDS, D("1"), False, D("0"), D("0.01")) == D("2999.90")


def test_empty_book_has_no_price():
    assert ioc_limit_price([], D("1"), True, D("10"), D("0.01")) is None


@pytest.mark.parametrize("amount,step,expected", [
    (D("0.0123456"), D("0.001"), D("0.012")),
    (D("-0.0119"), D("0.001"), D("-0.011")),
    (D("0.0009"), D("0.001"), D("0")),
])
def test_truncate_to_step(amount, step, expected):
    assert truncate_to_step(amount, step) == expected


def test_ledger_carries_the_residual_until_it_reaches_a_step():
    ledger = ExposureLedger(step=D("0.001"), min_amount=D("0.001"))
    ledger.add_maker_fill(D("0.0056"))          # maker buy -> owe a sell
    assert ledger.next_order_amount() == D("-0.005")
    ledger.add_hedge_fill(D("-0.005"))
    assert ledger.owed == D("-0.0006") and ledger.next_order_amount() == 0
    ledger.add_maker_fill(D("0.0007"))
    assert ledger.next_order_amount() == D("-0.001")
    ledger.add_hedge_fill(D("-0.001"))
    assert ledger.owed == D("-0.0003")


def test_ledger_nets_opposite_fills():
    ledger = ExposureLedger(step=D("0.001"), min_amount=D("0.001"))
    ledger.add_maker_fill(D("0.010"))
    ledger.add_maker_fill(D("-0.004"))
    assert ledger.next_order_amount() == D("-0.006")


def test_average_price_walks_levels_and_refuses_a_thin_book():
    from hedge.core.hedge_order import average_price
    assert average_price(ASKS, D("1")) == (D("0.5") * D("3000.00") + D("0.5") * D("3000.50"))
    assert average_price(ASKS, D("100")) is None
    assert average_price(ASKS, D("0")) is None
