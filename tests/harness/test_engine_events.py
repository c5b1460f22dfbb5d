"""The engine's events (events.jsonl, read by diagnose and the report): each fill, each status,
a kill; the mid that still marks exposure when the book goes away; what each fill teaches the
adaptive pricing; the fills found over REST."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from hedge.core.pricing import PricingParams
from hedge.core.quoting import QuoteTarget
from hedge.core.types import Side
from hedge.infra import events
from tests.harness import frames as f
from tests.harness.rig import PARAMS, Options, build_rig


@pytest.fixture
def emitted(monkeypatch):
    seen: list[tuple[str, str, dict]] = []
    monkeypatch.setattr(events, "emit",
                        lambda event, market="", **fields: seen.append((event, market, fields)))
    return seen


def of(emitted, event: str) -> list[tuple[str, dict]]:
    return [(market, fields) for name, market, fields in emitted if name == event]


async def test_each_fill_is_an_event_of_its_market(rig, emitted):
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, coi=3, is_ask=True, filled="0.0040", price="2001.00")))
    await rig.settle()
    assert of(emitted, events.FILL) == [("ETH", {
        "fill_id": "5-0.004", "order_index": 5, "client_order_index": 3, "side": Side.SELL,
        "size_base": D("0.0040"), "price": D("2001.00"), "status": "open"})]


async def test_the_status_event_carries_positions_counts_and_why_quoting_is_off(rig, emitted):
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()
    rig.engine.emit_status()
    assert of(emitted, events.STATUS) == [("ETH", {
        "mid": D("2000.00"), "bid": None, "ask": None, "paused": "",
        "lighter_base": D("0.0100"), "hedge_base": D("-0.0100"), "fills": 1, "hedges": 1,
        "owed_base": D(0), "lighter_tx": 0, "lighter_requests": 0})]
    rig.engine._target = QuoteTarget(None, D("2000.99"), bid_off="max_position reached")
    rig.engine.emit_status()
    assert of(emitted, events.STATUS)[-1][1]["paused"] == "max_position reached"
    rig.engine.state.paused_reason = "loss (-12 < -10)"
    rig.engine.emit_status()
    assert of(emitted, events.STATUS)[-1][1]["paused"] == "loss (-12 < -10)"


async def test_the_quotes_resting_and_the_transactions_sent_are_in_the_status(rig, emitted):
    await rig.quotes.apply(QuoteTarget(D("1999.01"), D("2000.99")))
    rig.orders.counters.orders_placed = 2
    rig.orders.counters.cancel_alls = 1
    rig.engine.emit_status()
    [(_, status)] = of(emitted, events.STATUS)
    assert (status["bid"], status["ask"], status["lighter_tx"]) == (D("1999.01"), D("2000.99"), 3)
    assert rig.engine.lighter_use().startswith("lighter_tx=3 lighter_requests=0 lighter_budget=")


async def test_a_kill_is_an_event_and_the_first_stop_reason(rig, emitted):
    rig.engine.kill("unhedged_age (5001 ms > 5000 ms)")
    rig.engine.kill("loss (-1 < 0)")
    assert of(emitted, events.KILL) == [("ETH", {"reason": "unhedged_age (5001 ms > 5000 ms)"}),
                                        ("ETH", {"reason": "loss (-1 < 0)"})]
    assert rig.engine.state.exit_reason == "kill_switch:unhedged_age (5001 ms > 5000 ms)"


async def test_exposure_is_marked_at_the_last_mid_once_the_book_is_gone(rig):
    assert rig.engine.mid() == D("2000.00")
    rig.feed(f.book([], [("2001.00", "1")]))                    # no bids: no mid now
    assert rig.engine.mid() is None
    assert rig.engine.marking_mid() == D("2000.00")
    rig.feed(f.book([("1999.50", "1")], [("2000.50", "1")]))
    assert rig.engine.marking_mid() == D("2000.00") == rig.engine.mid()


async def test_each_fill_is_marked_out_on_its_own_side_5_s_later(tmp_path):
    terms = PricingParams(markout_buffer=True, markout_window_fills=10)
    rig = build_rig(tmp_path / "journal.sqlite", Options(params=replace(PARAMS, terms=terms)))
    await rig.live()
    try:
        rig.engine.market_view()                                   # hedge mid 2000
        rig.feed(f.account_orders(f.order(5, price="2000.00", filled="0.0100", status="filled"),
                                  f.order(6, is_ask=True, price="2000.00", filled="0.0100",
                                          status="filled")))
        await rig.clock.advance(5)
        rig.venue.bid, rig.venue.ask = D("1997.5"), D("1998.5")    # mid 1998: -10 bp a bid
        view = rig.engine.market_view()
        assert (view.bid_markout_bps, view.ask_markout_bps) == (D(10), D(0))
    finally:
        await rig.close()


async def test_every_fill_found_over_rest_is_counted(rig):
    rig.quotes.own_client_indexes.extend([7, 8])
    rig.rest.put_order(f.order(5, coi=7, filled="0.0100", status="filled"))
    rig.rest.put_order(f.order(6, coi=8, filled="0.0030", status="filled"))
    await rig.engine.reconcile_orders()
    assert rig.engine.state.fills_found_by_rest == 2
    assert rig.engine.state.lighter_position == D("0.0130") and rig.engine.unattributed_fills == 0
