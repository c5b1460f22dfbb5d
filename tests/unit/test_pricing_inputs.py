"""What the adaptive terms learn as the run goes: markouts 5 s after each fill, the basis."""
from __future__ import annotations

from decimal import Decimal as D

from hedge.app.pricing_inputs import PricingInputs
from hedge.core.pricing import PricingParams


def test_a_fill_marked_out_5_s_later_feeds_its_sides_buffer():
    inputs = PricingInputs(PricingParams(markout_buffer=True, markout_window_fills=10))
    inputs.observe(0.0, D(1999), D(2001), D(1999), D(2001))
    inputs.on_fill(0.0, "bid", D(2000))
    inputs.observe(4.9, D(1997), D(1999), D(1997), D(1999))      # not 5 s yet
    assert inputs.view_fields(None, None)["bid_markout_bps"] == 0
    inputs.observe(5.0, D(1997), D(1999), D(1997), D(1999))      # mid 1998: -10 bp for a bid
    fields = inputs.view_fields(D(1), None)
    assert fields["bid_markout_bps"] == D(10) and fields["ask_markout_bps"] == 0
    assert fields["hedge_bid_depth_base"] == D(1)


def test_without_the_buffer_no_fill_is_kept_and_the_basis_follows_lighter_minus_hedge():
    inputs = PricingInputs(PricingParams(basis_ewma_s=30.0))
    inputs.on_fill(0.0, "ask", D(2000))
    inputs.observe(0.0, D(2001), D(2003), D(1999), D(2001))      # Lighter 2002, hedge 2000
    inputs.observe(6.0, D(2001), D(2003), D(1999), D(2001))
    fields = inputs.view_fields(None, None)
    assert fields["basis"] == D(2) and fields["ask_markout_bps"] == 0
