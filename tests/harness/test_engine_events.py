"""The engine's events (events.jsonl, read by diagnose and the report): each fill, each status,
a kill; and the mid that still marks exposure when the book goes away."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from hedge.core.quoting import QuoteTarget
from hedge.core.types import Side
from hedge.infra import events
from tests.harness import frames as f


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
