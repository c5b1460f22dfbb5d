"""The pricing policy under the running engine: a quote that would lose is canceled at once
(never kept by the band, never modified), the inventory skew, the fees read from the venues,
and the attribution of each fill to the hedge price its quote version assumed."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

from loguru import logger

from hedge.adapters.lighter.request_budget import Priority
from hedge.app.fees_in_force import read_fees, with_fees
from hedge.app.fill_attribution import FillAttribution
from hedge.core.fill_split import SPLIT_TERMS, fill_pnl_quote
from hedge.core.pricing import PricingParams
from hedge.infra.config import parse_config
from tests.harness import frames as f
from tests.harness.fakes import FakeHedgeVenue, FakeRest
from tests.harness.rig import PARAMS, Options, build_rig, live_rig, trades_rows


def calls(rig, kind: str) -> list[tuple]:
    return [c for c in rig.orders.calls if c[0] == kind]


async def resting_bid(rig) -> int:
    """Start the engine; the bid it places (1999.01, priced against a 1999.5 hedge bid) is
    shown open on the stream. Returns its client index."""
    rig.start()
    await rig.clock.advance(0.05)
    (place,) = [c for c in calls(rig, "place") if c[1] == "bid"]
    assert place[3] == D("1999.01")
    rig.feed(f.account_orders(f.order(200, coi=place[4], price="1999.01")))
    await rig.settle()
    return place[4]


async def test_a_quote_whose_edge_turns_negative_is_canceled_at_cancel_priority_in_one_decision(
        tmp_path):
    # The standard tier's real budget, its quote share spent: a modify could not go, a cancel can.
    rig = build_rig(tmp_path / "journal.sqlite", Options(tier="standard", budget_per_window=None))
    await rig.live()
    try:
        coi = await resting_bid(rig)
        budget = rig.orders.budget
        while budget.room(Priority.QUOTE) > 0:
            await budget.acquire("sendTx", Priority.CANCEL)
        rig.venue.bid = D("1999.0")          # loss line 1998.60: the resting 1999.01 would lose
        await rig.clock.advance(0.05)        # one quote decision
        assert calls(rig, "cancel") == [("cancel", coi)]
        assert calls(rig, "modify") == []    # never moved: taken down
    finally:
        await rig.close()


async def test_the_band_never_keeps_a_losing_quote(tmp_path):
    rig = build_rig(tmp_path / "journal.sqlite", Options(tolerance_bps=D(50)))
    await rig.live()
    try:
        coi = await resting_bid(rig)
        rig.venue.bid = D("1999.6")          # edge grows: inside the band, kept
        await rig.clock.tick(0.05, 5)
        assert calls(rig, "cancel") == [] and calls(rig, "modify") == []
        rig.venue.bid = D("1999.3")          # loss line 1998.90: 0.6 bp beyond it, 50 bp band
        await rig.clock.advance(0.05)
        assert calls(rig, "cancel") == [("cancel", coi)]
    finally:
        await rig.close()


async def placed_prices(tmp_path, position: D) -> dict[str, D]:
    terms = PricingParams(inventory_skew_bps=D(6))
    rig = build_rig(tmp_path / f"journal{position}.sqlite",
                    Options(params=replace(PARAMS, terms=terms), start_lighter_position=position,
                            start_hedge_position=-position))
    rig.engine.pricing.volatility.bps_per_sqrt_s = lambda: 20.0   # a 10 bp volatility edge
    await rig.live(bid="1999.90", ask="2000.10")                  # tight: the hedge side binds
    try:
        rig.start()
        await rig.clock.advance(0.05)
        return {c[1]: c[3] for c in calls(rig, "place")}
    finally:
        await rig.close()


async def test_the_skew_moves_both_prices_the_right_way(tmp_path):
    flat = await placed_prices(tmp_path, D(0))
    long = await placed_prices(tmp_path, D("0.025"))              # half of max_position
    short = await placed_prices(tmp_path, D("-0.025"))
    assert long["bid"] < flat["bid"] and long["ask"] < flat["ask"]
    assert short["bid"] > flat["bid"] and short["ask"] > flat["ask"]
    assert flat["bid"] - long["bid"] == D("0.60")                 # 3 bp of 1999.5, one tick


def default_config():
    return parse_config({"mode": "paper"})


async def fee_read(venue: FakeHedgeVenue, rest: FakeRest):
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), level="INFO", format="{level} {message}")
    try:
        config = default_config()
        fees = await read_fees(config, venue, "ETH/USDT:USDT", rest, 7, "token")
    finally:
        logger.remove(sink)
    return config, fees, with_fees(config, fees), lines


async def test_a_configured_fee_below_the_venues_is_raised_with_a_warning_naming_both():
    rest = FakeRest()
    rest.fee_ticks = (40, 280)                                    # 0.4 bp maker on Lighter
    config, fees, in_force, lines = await fee_read(FakeHedgeVenue(fee_answer="5.0"), rest)
    assert config.hedge.taker_fee_bps == D("4.0")
    assert in_force.hedge.taker_fee_bps == D("5.0")
    assert in_force.strategy.maker_fee_bps == D("0.4")
    warned = [line for line in lines if line.startswith("WARNING")]
    assert any("hedge.taker_fee_bps=4.0 bp" in w and "5.0 bp the venue charges" in w
               for w in warned)
    assert any("strategy.maker_fee_bps=0.0 bp" in w and "0.4" in w for w in warned)


async def test_a_fee_that_cannot_be_read_keeps_the_configured_one_with_a_warning():
    config, fees, in_force, lines = await fee_read(FakeHedgeVenue(fee_answer=None), FakeRest())
    assert in_force.hedge.taker_fee_bps == config.hedge.taker_fee_bps == D("4.0")
    assert in_force.strategy.maker_fee_bps == D("0.0")
    warned = [line for line in lines if line.startswith("WARNING")]
    assert len(warned) == 2 and all("keeping the configured" in w for w in warned)


async def test_a_configured_fee_above_the_venues_is_kept():
    rest = FakeRest()
    rest.fee_ticks = (0, 0)
    _, _, in_force, lines = await fee_read(FakeHedgeVenue(fee_answer="3.0"), rest)
    assert in_force.hedge.taker_fee_bps == D("4.0")
    assert not [line for line in lines if line.startswith("WARNING")]


async def test_a_fill_during_an_in_flight_modify_is_attributed_to_the_old_assumed_price(tmp_path):
    async with live_rig(tmp_path, trades_csv=True) as rig:
        coi = await resting_bid(rig)
        rig.venue.bid = D("2000.0")                               # hedge price up: bid moves up
        rig.feed(f.book([("1999.50", "1")], [("2001.00", "1")]))
        await rig.clock.advance(0.05)
        assert calls(rig, "modify") == [("modify", coi, D("0.0100"), D("1999.51"))]
        # The old version fills before the stream shows the modify.
        rig.feed(f.account_orders(f.order(200, coi=coi, price="1999.01", filled="0.0040")))
        await rig.settle()
        # Then the modify lands and the new version fills.
        rig.feed(f.account_orders(f.order(200, coi=coi, price="1999.51", filled="0.0040",
                                          filled_quote="7.99604")))
        rig.feed(f.account_orders(f.order(200, coi=coi, price="1999.51", filled="0.0070",
                                          filled_quote="13.99457")))
        await rig.settle()
        makers = trades_rows(rig, "maker")
        assert [(r["price"], r["hedge_price_assumed"]) for r in makers] == [
            ("1999.01", "1999.5"), ("1999.51", "2000.0")]


async def test_the_split_adds_up_to_each_fills_pnl(tmp_path):
    async with live_rig(tmp_path, trades_csv=True) as rig:
        rig.desk.attribution = FillAttribution(D("0.4"), D(5))
        coi = await resting_bid(rig)                              # assumed 1999.5
        rig.venue.bid = D("1999.3")                               # the hedge book moves away
        rig.feed(f.account_orders(f.order(200, coi=coi, price="1999.01", filled="0.0100",
                                          status="filled")))
        await rig.clock.advance(0.05)
        rig.venue.bid = D("1999.8")
        rig.feed(f.account_orders(f.order(201, coi=coi + 99, is_ask=True, price="2001.00",
                                          filled="0.0100", status="filled")))
        await rig.clock.advance(0.05)
        makers, hedges = trades_rows(rig, "maker"), trades_rows(rig, "hedge")
        assert len(makers) == len(hedges) == 2
        for maker, hedge in zip(makers, hedges):
            pnl = fill_pnl_quote(maker["side"], D(maker["size"]), D(maker["price"]),
                                 D(hedge["price"]), D("0.4"), D(5))
            pnl_bps = pnl / (D(maker["size"]) * D(maker["price"])) * 10_000
            split = sum(D(hedge[f"split_{t}_bps"]) for t in SPLIT_TERMS)
            assert abs(split - pnl_bps) < D("0.00001")
        first = hedges[0]
        assert first["hedge_price_assumed"] == "1999.5" and first["hedge_price_at_fill"] == "1999.3"
        assert D(first["split_adverse_bps"]) < 0 < D(first["split_spread_bps"])


async def test_a_side_pulled_across_its_loss_line_waits_the_paced_lifetime_to_return(tmp_path):
    rig = build_rig(tmp_path / "journal.sqlite", Options(min_lifetime_ms=1000))
    await rig.live()
    try:
        coi = await resting_bid(rig)
        rig.venue.bid = D("1999.0")
        await rig.clock.advance(0.05)
        assert calls(rig, "cancel") == [("cancel", coi)]
        rig.feed(f.account_orders(f.order(200, coi=coi, price="1999.01", status="canceled")))
        await rig.clock.tick(0.05, 10)                     # 0.5 s: not yet
        assert [c for c in calls(rig, "place") if c[1] == "bid"][1:] == []
        await rig.clock.tick(0.05, 12)                     # past 1 s: placed again
        again = [c for c in calls(rig, "place") if c[1] == "bid"][1:]
        assert len(again) == 1 and again[0][3] < D("1999.01")
    finally:
        await rig.close()


async def test_the_size_follows_the_hedge_depth_and_fixed_ignores_it(tmp_path):
    sizes = {}
    for model in ("adaptive", "fixed"):
        params = replace(PARAMS, terms=PricingParams(edge_model=model), size_step=D("0.0001"))
        rig = build_rig(tmp_path / f"{model}.sqlite", Options(params=params))
        rig.venue.depth = D("0.02")                                # a quarter of it: 0.005
        await rig.live()
        try:
            rig.start()
            await rig.clock.advance(0.05)
            sizes[model] = {c[1]: c[2] for c in calls(rig, "place")}
        finally:
            await rig.close()
    assert sizes["adaptive"] == {"bid": D("0.005"), "ask": D("0.005")}
    assert sizes["fixed"] == {"bid": D("0.0100"), "ask": D("0.0100")}
