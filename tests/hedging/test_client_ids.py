"""Every client id the bot makes fits its venue's rule, and one fill key always names one id."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from hedge.adapters.hedging.venues import rules_for, supported_venues
from hedge.core.hedge_order import hedge_client_id

# Lighter order indexes fit 48 bits; cumulative fills carry up to 8 decimals; retry attempts
# reach 1000 + 9e6 (HedgeDesk numbers re-hedges so a restart never reuses one).
order_indexes = st.integers(min_value=0, max_value=2**56)
cum_filled = st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("100000"),
                         places=8, allow_nan=False, allow_infinity=False)
attempts = st.integers(min_value=0, max_value=10_000_000)
VENUES = supported_venues()


def test_the_supported_venues():
    assert set(VENUES) == {"binanceusdm", "bybit", "hyperliquid", "okx"}


@settings(max_examples=300, deadline=None)
@given(order_index=order_indexes, cum=cum_filled, attempt=attempts)
def test_every_id_fits_its_venue_and_is_the_same_for_the_same_fill_key(order_index, cum, attempt):
    padded = cum + Decimal("0E-12")      # 0.0150000... and 0.015 are one fill key
    for name in VENUES:
        rules = rules_for(name)
        made = rules.client_id((order_index, cum), attempt)
        assert rules.client_id_rule.fullmatch(made), (name, made)
        assert rules_for(name).client_id((order_index, padded), attempt) == made, name
        if attempt:
            assert rules.client_id((order_index, cum), 0) != made, name


@settings(max_examples=200, deadline=None)
@given(order_index=st.integers(min_value=0, max_value=2**48), attempt=attempts,
       cum=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1000"), places=4))
def test_binanceusdm_ids_keep_their_readable_form(order_index, cum, attempt):
    """A restart after an upgrade must find orders sent under the earlier ids."""
    assert rules_for("binanceusdm").client_id((order_index, cum), attempt) == \
        hedge_client_id(order_index, cum, attempt=attempt)


@settings(max_examples=100, deadline=None)
@given(a=st.tuples(order_indexes, cum_filled, attempts), b=st.tuples(order_indexes, cum_filled, attempts))
def test_different_fill_keys_get_different_ids(a, b):
    if (a[0], a[1].normalize(), a[2]) == (b[0], b[1].normalize(), b[2]):
        return
    for name in VENUES:
        rules = rules_for(name)
        assert rules.client_id(a[:2], a[2]) != rules.client_id(b[:2], b[2]), name
