"""`can_see_fills`: every cause that must stop quoting does, and quoting comes back after."""
from __future__ import annotations

from decimal import Decimal as D

from tests.harness import frames as f
from tests.harness.rig import build_rig


def can_see(rig) -> bool:
    return rig.engine.market_view().can_see_fills


async def test_a_live_stream_can_see_fills(rig):
    assert can_see(rig)
    view = rig.engine.market_view()
    assert (view.lighter_bid, view.lighter_ask) == (D("1999.00"), D("2001.00"))
    assert (view.hedge_sell_price, view.hedge_buy_price) == (D("1999.5"), D("2000.5"))


async def test_not_before_the_account_snapshot(tmp_path):
    rig = build_rig(tmp_path / "j.sqlite")
    try:
        rig.feed(f.connected())
        rig.feed(f.book([("1999.00", "1")], [("2001.00", "1")]))
        assert not can_see(rig)
        rig.feed(f.account_orders(snapshot=True))
        assert can_see(rig)
    finally:
        await rig.close()


async def test_not_while_the_socket_is_down(rig):
    rig.stream.connected.clear()
    assert not can_see(rig)
    rig.stream.connected.set()
    assert can_see(rig)


async def test_not_after_a_reconnect_until_the_account_snapshot_is_back(rig):
    rig.feed(f.connected())
    assert not can_see(rig)
    rig.feed(f.account_orders(snapshot=True))
    assert can_see(rig)


async def test_not_after_an_auth_error_of_either_code(rig):
    for code in (20001, 20013):
        rig.feed(f.error(code))
        assert not can_see(rig), code
        rig.feed(f.account_orders(snapshot=True))
        assert can_see(rig), code


async def test_other_error_frames_leave_the_stream_live(rig):
    rig.feed(f.error(30003, "too many subscriptions"))
    assert can_see(rig)


async def test_not_once_the_stream_is_silent_for_the_stale_limit(rig):
    await rig.clock.advance(9.999)             # stale_stream_ms is 10 000
    assert can_see(rig)
    await rig.clock.advance(0.001)
    assert not can_see(rig)
    rig.feed(f.book([("1999.00", "2")], [("2001.00", "1")], snapshot=False, nonce=2,
                    begin_nonce=1, offset=2))
    assert can_see(rig)


async def test_not_while_the_stream_is_suspect(rig):
    rig.engine.state.account_stream_suspect = "fills missing from the account stream"
    assert not can_see(rig)


async def test_not_while_a_hedge_outcome_is_unknown(rig):
    rig.venue.script = ["unresolved"]
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()
    assert rig.desk.unresolved == ["lh-5-0.01"]
    assert not can_see(rig)
    await rig.desk.retry_owed()                 # the lookup finds it traded
    assert rig.desk.unresolved == []
    assert can_see(rig)


async def test_quotes_come_down_when_fills_cannot_be_seen_and_go_back_up(rig):
    rig.start()
    await rig.clock.advance(0.05)
    placed = [c for c in rig.orders.calls if c[0] == "place"]
    assert [(c[1], c[3]) for c in placed] == [("bid", D("1999.01")), ("ask", D("2000.99"))]
    coi = {c[1]: c[4] for c in placed}
    rig.feed(f.account_orders(f.order(1, coi=coi["bid"], price="1999.01"),     # open: settled
                              f.order(2, coi=coi["ask"], is_ask=True, price="2000.99")))
    rig.feed(f.error(20013))
    await rig.clock.advance(0.05)
    assert rig.orders.calls[-2:] == [("cancel", coi["bid"]), ("cancel", coi["ask"])]
    target = rig.engine._target
    assert (target.bid, target.ask) == (None, None)
    assert target.bid_off == "fill stream down or positions unknown"


async def test_own_trades_on_the_stream_feed_the_fill_cross_check(rig):
    rig.feed(f.account_all(f.trade(1, bid_id=5), f.trade(2, bid_id=6, market=1)))
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    check = rig.detector.cross_check()
    assert check.ok, check
    rig.feed(f.account_all(f.trade(3, bid_id=7)))                     # a fill never shown
    assert rig.detector.cross_check().trades_without_fill == {7: D("0.0100")}
