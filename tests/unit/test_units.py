"""The shared units: grid rounding, one text per amount, the fill key and the ids built on it."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from hedge.core.hedge_order import hedge_client_id
from hedge.core.types import FillDelta, fill_key_text
from hedge.core.units import BPS, decimal_text, round_to_step


@pytest.mark.parametrize("value, step, up, expected", [
    (D("3000.123"), D("0.01"), False, D("3000.12")),
    (D("3000.123"), D("0.01"), True, D("3000.13")),
    (D("3000.12"), D("0.01"), True, D("3000.12")),       # on the grid: unchanged either way
    (D("3000.12"), D("0.01"), False, D("3000.12")),
    (D("0.0149"), D("0.001"), False, D("0.014")),
    (D("0.0141"), D("0.001"), True, D("0.015")),
    (D("-1.05"), D("0.1"), False, D("-1.1")),            # floor, not toward zero
    (D("-1.05"), D("0.1"), True, D("-1.0")),
    (D("17"), D("5"), False, D("15")),
])
def test_round_to_step(value, step, up, expected):
    assert round_to_step(value, step, up) == expected


@pytest.mark.parametrize("amount, text", [
    (D("1.50"), "1.5"), (D("1E+2"), "100"), (D("0.00"), "0"), (D(0), "0"),
    (D("0.0100"), "0.01"), (D("-2.50"), "-2.5"), (D("123456.78901"), "123456.78901"),
])
def test_decimal_text_is_one_text_per_value(amount, text):
    assert decimal_text(amount) == text


def test_bps_is_ten_thousand():
    assert BPS == 10_000 and D(5) / BPS == D("0.0005")


def test_fill_key_text_is_the_fill_id_and_ignores_trailing_zeros():
    delta = FillDelta(order_index=12, client_order_index=1, market_id=0, is_ask=False,
                      size=D("0.5"), price=D(3000), cum_filled_base=D("1.50"),
                      cum_filled_quote=D(4500), status="partial")
    assert fill_key_text(12, D("1.50")) == fill_key_text(12, D("1.5")) == delta.fill_id == "12-1.5"
    assert fill_key_text(5, D("0.0100")) == "5-0.01"


@pytest.mark.parametrize("order_index, cum, attempt, expected", [
    (7036874567915800, D("0.0150"), 0, "lh-19000008f31918-0.015"),
    (281476929711062, D("0.0100"), 0, "lh-1000074686bd6-0.01"),
    (5, D("1E+2"), 0, "lh-5-100"),
    (1, D("0.00"), 1, "lh-1-0-r1"),
    (2**64 - 1, D("123456.78901"), 99, "lh-ffffffffffffffff-123456.78901-r99"),
])
def test_hedge_client_ids_keep_their_values(order_index, cum, attempt, expected):
    """A restart must derive the id an earlier run (an earlier version) sent: pinned values."""
    assert hedge_client_id(order_index, cum, attempt=attempt) == expected
