"""What the hedge desk books for each fill and each hedge: the cash and volume of both legs, the
outcome counts the metrics read, the latencies, trades.csv's rows and the hedge events that
diagnose and the report read."""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal as D

import pytest

from hedge.adapters.hedging.venue import HedgeTiming
from hedge.core.types import FillDelta
from hedge.infra import events
from tests.harness import frames as f
from tests.harness.fakes import FakeHedgeVenue
from tests.harness.rig import build_rig, live_rig, trades_rows

DESK_EVENTS = (events.HEDGE_SUBMIT, events.HEDGE_ACK, events.HEDGE_FAILURE)


@pytest.fixture
def emitted(monkeypatch):
    """The hedge events emitted, as (event, market, fields)."""
    seen: list[tuple[str, str, dict]] = []

    def record(event: str, market: str = "", **fields) -> None:
        if event in DESK_EVENTS:
            seen.append((event, market, fields))
    monkeypatch.setattr(events, "emit", record)
    return seen


@pytest.fixture
async def booked(tmp_path):
    """A rig whose desk writes trades.csv."""
    async with live_rig(tmp_path, trades_csv=True) as rig:
        yield rig


def fields_of(emitted, event: str) -> list[dict]:
    """The fields of each `event` emitted (the submit event is written after the hedge is on
    its way, so it may follow the answer of a venue that answers at once)."""
    return [fields for name, _, fields in emitted if name == event]


def journal_rows(rig, client_id: str) -> list[tuple]:
    """What the journal recorded of one client id's answers (for the forensics of a run)."""
    found = rig.journal._db.execute("SELECT status, filled, avg_price, reason FROM hedge_results "
                                    "WHERE client_id = ? ORDER BY id", (client_id,)).fetchall()
    return [(s, D(f), None if a is None else D(a), r) for s, f, a, r in found]


async def test_a_bid_fill_and_its_sale_book_both_legs_cash_and_volume(booked, emitted):
    rig = booked
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", price="1990.00", status="filled")))
    await rig.settle()
    s = rig.desk.stats
    assert (s.maker_fills, s.maker_filled_abs, s.maker_cash, s.maker_notional) == \
        (1, D("0.0100"), D("-19.9"), D("19.9"))
    assert (s.hedge_filled_abs, s.hedge_cash, s.hedge_notional, s.filled_base) == \
        (D("0.0100"), D("19.995"), D("19.995"), D("-0.0100"))
    assert (s.orders, s.failures, s.consecutive_failures, s.lookups) == (1, 0, 0, 0)
    assert s.by_status == {"filled": 1} and s.halted_reason == ""
    assert rig.desk.maker_filled_base == D("0.0100") and rig.desk.hedge_position == D("-0.0100")
    assert not rig.desk.busy and rig.desk.unhedged_age_ms() == 0
    assert fields_of(emitted, events.HEDGE_SUBMIT) == [
        {"fill_id": "5-0.01", "side": "sell", "size_base": D("0.0100"), "owed_base": D("-0.0100"),
         "assumed_price": None}]
    assert fields_of(emitted, events.HEDGE_ACK) == [
        {"client_ids": "lh-5-0.01", "filled_base": D("-0.0100"), "avg_price": D("1999.5"),
         "lookups": 0, "submit_ms": None, "ack_ms": None}]
    assert {market for _, market, _ in emitted} == {"ETH"}
    maker, hedge = trades_rows(rig)
    assert (maker["venue"], maker["role"], maker["side"], D(maker["size"]), D(maker["price"]),
            maker["fill_key"], maker["client_id"]) == \
        ("lighter", "maker", "bid", D("0.0100"), D("1990"), "5-0.01", "")
    assert D(maker["hedge_price_at_fill"]) == D("1999.5")       # the book's bid for the size
    assert (hedge["venue"], hedge["role"], hedge["side"], D(hedge["size"]), D(hedge["price"]),
            hedge["fill_key"], hedge["client_id"]) == \
        ("hedge", "hedge", "sell", D("0.0100"), D("1999.5"), "5-0.01", "lh-5-0.01")
    assert maker["market"] == hedge["market"] == "ETH"
    assert journal_rows(rig, "lh-5-0.01") == [("filled", D("-0.0100"), D("1999.5"), "")]
    assert D(hedge["hedge_price_at_submit"]) == D("1999.5")
    spread = (D("1999.5") - D("1990")) / D("1990") * 10_000        # nothing assumed: all spread
    assert D(hedge["split_spread_bps"]) == spread.quantize(D("0.000001"))
    assert D(hedge["split_execution_bps"]) == 0


async def test_an_ask_fill_and_its_purchase_book_the_opposite_signs(booked, emitted):
    rig = booked
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, is_ask=True, filled="0.0100", price="2010.00",
                                      status="filled")))
    await rig.settle()
    s = rig.desk.stats
    assert (s.maker_cash, s.maker_notional, s.maker_filled_abs) == \
        (D("20.1"), D("20.1"), D("0.0100"))
    assert (s.hedge_cash, s.hedge_notional, s.filled_base) == \
        (D("-20.005"), D("20.005"), D("0.0100"))
    assert rig.desk.maker_filled_base == D("-0.0100")
    assert fields_of(emitted, events.HEDGE_SUBMIT) == [
        {"fill_id": "5-0.01", "side": "buy", "size_base": D("0.0100"), "owed_base": D("0.0100"),
         "assumed_price": None}]
    maker, hedge = trades_rows(rig)
    assert (maker["side"], hedge["side"], D(hedge["price"])) == ("ask", "buy", D("2000.5"))


async def test_a_refused_hedge_is_counted_by_status_and_a_fill_clears_the_streak(rig, emitted):
    rig.venue.script = ["reject", "reject"]
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()
    s = rig.desk.stats
    assert (s.failures, s.consecutive_failures, s.orders) == (1, 1, 0)
    assert s.by_status == {"rejected": 1} and s.halted_reason == ""
    assert fields_of(emitted, events.HEDGE_FAILURE) == [
        {"client_ids": "", "status": "rejected", "filled_base": D(0),
         "reason": "insufficient margin"}]
    assert rig.desk.in_flight_sides == {"bid"} and rig.desk.unhedged_age_ms() == 0.0
    await rig.desk.retry_owed()
    assert (s.failures, s.consecutive_failures) == (2, 2) and s.by_status == {"rejected": 2}
    rig.feed(f.account_orders(f.order(6, filled="0.0010", status="filled")))
    await rig.settle()
    assert (s.failures, s.consecutive_failures) == (2, 0)
    assert s.by_status == {"rejected": 2, "filled": 1}
    assert (s.maker_fills, s.maker_filled_abs, s.maker_notional) == (2, D("0.0110"), D("22"))
    assert rig.desk.maker_filled_base == D("0.0110")
    assert rig.venue.sent[-1] == (D("-0.0110"), False)


async def test_a_halted_venue_leaves_its_reason_for_the_kill_switch(rig, emitted):
    rig.venue.script = ["halt"]
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()
    assert rig.desk.stats.halted_reason == "API key rejected"
    assert rig.desk.stats.by_status == {"halted": 1}
    assert rig.engine.risk_snapshot().halted_reason == "API key rejected"
    assert [e["status"] for e in fields_of(emitted, events.HEDGE_FAILURE)] == ["halted"]


@dataclass
class TimedVenue(FakeHedgeVenue):
    """Answers as the fake does, with the latencies and lookups a real venue reports, and an
    earlier IOC of the same hedge that traded nothing (its client id listed first)."""

    async def submit_hedge(self, request):
        outcome = await super().submit_hedge(request)
        seen = request.fill_seen_ns
        return replace(outcome, lookups=2, book_age_ms=12.5,
                       client_ids=("lh-earlier",) + outcome.client_ids,
                       timings=(HedgeTiming(seen + 2_500_000, seen + 4_000_000),))


async def test_the_latencies_and_lookups_a_venue_reports_are_kept(tmp_path, emitted):
    rig = build_rig(tmp_path / "journal.sqlite", venue=TimedVenue())
    await rig.live()
    try:
        rig.start_desk()
        rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
        await rig.settle()
        s = rig.desk.stats
        assert (s.submit_ms.last, s.ack_ms.last, s.book_age_ms.last) == (2.5, 4.0, 12.5)
        assert s.lookups == 2 and s.orders == 2
        [ack] = fields_of(emitted, events.HEDGE_ACK)
        assert (ack["submit_ms"], ack["ack_ms"], ack["lookups"]) == (2.5, 4.0, 2)
        assert ack["client_ids"] == "lh-earlier,lh-5-0.01"
        rig.feed(f.account_orders(f.order(6, filled="0.0100", status="filled")))
        await rig.settle()
        assert s.lookups == 4 and s.orders == 4
        assert (s.filled_base, s.hedge_filled_abs, s.hedge_notional) == \
            (D("-0.0200"), D("0.0200"), D("39.990"))
    finally:
        await rig.close()


async def test_only_the_last_id_of_an_unknown_outcome_is_looked_up_again(tmp_path, emitted):
    rig = build_rig(tmp_path / "journal.sqlite", venue=TimedVenue(script=["unresolved"]))
    rig.desk.market = "ETH"
    await rig.live()
    try:
        rig.start_desk()
        rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
        await rig.settle()
        assert rig.desk.unresolved == ["lh-5-0.01"]
        [failure] = [(m, e) for name, m, e in emitted if name == events.HEDGE_FAILURE]
        assert failure == ("ETH", {"client_ids": "lh-earlier,lh-5-0.01", "status": "unresolved",
                                   "filled_base": D(0), "reason": "timeout"})
        assert journal_rows(rig, "lh-5-0.01") == [("unresolved", D(0), None, "timeout")]
    finally:
        await rig.close()


async def test_a_hedge_resolved_by_lookup_books_its_cash(rig):
    rig.venue.script = ["unresolved"]
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()
    assert rig.desk.stats.hedge_cash == 0 and rig.desk.busy
    await rig.desk.retry_owed()
    s = rig.desk.stats
    assert (s.hedge_cash, s.hedge_notional, s.hedge_filled_abs) == \
        (D("19.995"), D("19.995"), D("0.0100"))
    assert not rig.desk.busy


async def test_a_fill_journaled_before_is_neither_counted_nor_hedged_again(rig):
    delta = FillDelta(order_index=5, client_order_index=0, market_id=0, is_ask=False,
                      size=D("0.0100"), price=D("2000"), cum_filled_base=D("0.0100"),
                      cum_filled_quote=D("20"), status="filled")
    assert rig.desk.on_fill(delta, 123_456) is True
    assert rig.desk.on_fill(delta, 0) is False
    [journaled] = rig.journal.unhedged_fills()
    assert (journaled.fill_key, journaled.seen_ns) == ("5-0.01", 123_456)
    assert rig.desk.stats.maker_fills == 1 and rig.desk.maker_filled_base == D("0.0100")
    assert rig.desk.busy
