"""The bot within Lighter's real rules, against the local venue through the official SDK:
ghost quotes, stalled calls, the one-queued cancel-all, volume quota, market status."""
from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from lighter.signer_client import create_api_key

from hedge.adapters.hedging.ccxt_venue import CcxtHedgeVenue
from hedge.adapters.lighter.order_client import LighterOrderClient
from hedge.adapters.lighter.request_budget import RequestBudget
from hedge.adapters.lighter.rest import LighterRest, LighterRestError, load_markets
from hedge.app.dead_mans_switch import DeadMansSwitch
from hedge.app.engine import Engine
from hedge.app.ghost_quotes import GhostQuoteCheck
from hedge.app.hedge_desk import HedgeDesk
from hedge.app.quote_keeper import QuoteKeeper
from hedge.app.session import SessionError, open_session
from hedge.app.settings import EngineSettings, hedge_venue_settings
from hedge.core.fill_detector import FillDetector
from hedge.core.quoting import QuotaPacing, QuoteParams, QuoteTarget
from hedge.core.risk import RiskLimits
from hedge.infra.config import parse_config
from hedge.infra.journal import Journal
from hedge.infra.run_files import TradesCsv
from hedge.infra.secret import Secret
from tests.lighter.conftest import API_KEY_INDEX, ETH
from tests.sim.lighter_helpers import best_prices, poll, register, venue

SIZE = Decimal("0.01")


async def _client(venues, index: int, tier: str = "standard"):
    private, public, err = create_api_key()
    assert err is None
    await register(venues.lighter_url, index, API_KEY_INDEX, public, tier=tier)
    catalog = await load_markets(venues.lighter_url)
    budget = RequestBudget(tier)
    orders = LighterOrderClient(venues.lighter_url, index, API_KEY_INDEX, Secret(private), catalog,
                                budget=budget)
    return orders, LighterRest(venues.lighter_url, budget), private


def _far_bid(venues) -> Decimal:
    bid_ticks, _ = best_prices(venues, ETH)
    return (Decimal(bid_ticks) * Decimal("0.8")).quantize(Decimal(1)) / 100


def _keeper(orders: LighterOrderClient, **kw) -> QuoteKeeper:
    return QuoteKeeper(orders, orders.catalog.by_id(ETH), SIZE, Decimal(2), 0, None, None,
                       settle_timeout_s=0.2, **kw)


async def test_a_silently_rejected_quote_is_found_and_cleared_as_a_ghost(venues, caplog):
    venue(venues).faults.silent_reject_prob = 1.0
    orders, rest, _ = await _client(venues, 820_001)
    try:
        quotes = _keeper(orders)
        seen = []
        ghosts = GhostQuoteCheck(quotes, rest, 820_001, orders.mint_auth_token, seen.append)
        await quotes.apply(QuoteTarget(_far_bid(venues), None))
        placed = quotes.sides["bid"]
        assert placed is not None and placed.state == "placing" and placed.accepted_at_s
        await poll(lambda: quotes.overdue(), timeout=10)
        assert await ghosts.check_once() == 1
        assert quotes.sides["bid"] is None and seen == []
        assert quotes.counters.silent_rejects_found == 1
        acct = venue(venues).accounts[820_001]
        assert not list(acct.live_orders())            # nothing of ours rests on the venue
    finally:
        await orders.close()
        await rest.close()


async def test_an_accepted_quote_the_stream_never_confirmed_is_adopted_from_rest(venues):
    orders, rest, _ = await _client(venues, 820_002)
    try:
        quotes = _keeper(orders)
        seen = []
        ghosts = GhostQuoteCheck(quotes, rest, 820_002, orders.mint_auth_token, seen.append)
        price = _far_bid(venues)
        await quotes.apply(QuoteTarget(price, None))
        await poll(lambda: quotes.overdue(), timeout=10)     # no stream in this test
        await poll(lambda: list(venue(venues).accounts[820_002].live_orders()), timeout=10)
        assert await ghosts.check_once() == 1
        quote = quotes.sides["bid"]
        assert quote is not None and quote.state == "open" and quote.price == price
        assert quotes.counters.silent_rejects_found == 0
        assert [o.client_order_index for o in seen] == [quote.client_order_index]
    finally:
        await orders.close()
        await rest.close()


async def test_a_side_turned_off_sends_one_cancel_however_often_quoting_runs(venues):
    orders, rest, _ = await _client(venues, 820_003)
    try:
        quotes = _keeper(orders)
        quotes.settle_timeout_s = 3600                     # no resend inside this test
        await quotes.apply(QuoteTarget(_far_bid(venues), None))
        quotes.sides["bid"].state = "open"                 # as if the stream had confirmed it
        for _ in range(20):
            await quotes.apply(QuoteTarget(None, None))
        assert orders.counters.orders_canceled == 1
        assert quotes.sides["bid"].state == "canceling"
    finally:
        await orders.close()
        await rest.close()


async def test_a_queued_cancel_all_is_aborted_and_the_switch_renewed(venues):
    orders, rest, _ = await _client(venues, 820_004)
    try:
        acct = venue(venues).accounts[820_004]
        assert (await orders.schedule_cancel_all(900_000)).accepted    # left queued by "a run"
        await poll(lambda: acct.cancel_all_time > 0)
        first = acct.cancel_all_time
        refused = await orders.schedule_cancel_all(400_000)
        assert refused.code == 21712                       # the venue's one-queued rule holds
        switch = DeadMansSwitch(orders, 300)
        assert await switch.renew(abort_first=False)      # 21712 met with abort + schedule
        await poll(lambda: 0 < acct.cancel_all_time < first)
        second = acct.cancel_all_time
        assert await switch.renew(abort_first=True)       # the regular renewal near expiry
        await poll(lambda: acct.cancel_all_time > second)
        assert switch.stats.scheduled == 2 and switch.stats.failures == 0
    finally:
        await orders.close()
        await rest.close()


async def test_volume_quota_running_low_slows_requotes_then_pauses_quoting(venues):
    venue(venues).faults.volume_quota_start = 4
    venue(venues).faults.volume_quota_refill_s = 3600
    orders, rest, _ = await _client(venues, 820_005, tier="premium")
    try:
        quotes = _keeper(orders, quota_pacing=QuotaPacing(slow_below=4, pause_below=3))
        price = _far_bid(venues)
        await quotes.apply(QuoteTarget(price, None))                    # quota 4 -> 3
        assert orders.counters.volume_quota_remaining == 3
        quotes.sides["bid"].state = "open"
        quotes.sides["bid"].moved_at_s -= 60                            # rested long enough
        moved = (price * Decimal("1.0003")).quantize(Decimal("0.01"))  # 3 bps > tolerance 2
        await quotes.apply(QuoteTarget(moved, None))
        assert quotes.quota == "slow" and orders.counters.orders_modified == 0   # 3 < 2 x 4 bps
        further = (price * Decimal("1.0012")).quantize(Decimal("0.01"))
        await quotes.apply(QuoteTarget(further, None))                  # beyond the slow tolerance
        assert orders.counters.orders_modified == 1
        assert orders.counters.volume_quota_remaining == 2
        quotes.sides["bid"].state = "open"
        quotes.sides["bid"].moved_at_s -= 60
        await quotes.apply(QuoteTarget(price, None))
        assert quotes.quota == "paused" and quotes.counters.quota_pauses == 1
        assert orders.counters.orders_canceled == 1                     # taken down, not moved
        assert orders.counters.orders_modified == 1
        quotes.sides["bid"] = None
        await quotes.apply(QuoteTarget(price, None))
        assert orders.counters.orders_placed == 1                       # no new quote while paused
    finally:
        await orders.close()
        await rest.close()


@pytest.mark.slow
async def test_a_stalled_position_check_never_holds_the_kill_switch(venues, tmp_path):
    """While the position check hangs on a stalled REST call, the kill switch still fires.
    (Slow: the venue's stalled handler holds its shutdown until the stall ends.)"""
    orders, rest, _ = await _client(venues, 820_006)
    rest.timeout_s = 3600                                 # the stall outlasts the test
    faults = venue(venues).faults
    hedge = CcxtHedgeVenue(hedge_venue_settings(parse_config({}), venues.hedge_url,
                                                Secret("k"), Secret("s")))
    journal, trades = Journal(tmp_path / "j.sqlite"), TradesCsv(tmp_path / "t.csv")
    try:
        await hedge.start()
        spec = orders.catalog.by_id(ETH)
        params = QuoteParams("profit", SIZE, spec.tick_size, Decimal(1), Decimal(20), Decimal(0),
                             Decimal(4), Decimal("0.1"))
        limits = RiskLimits(Decimal("0.05"), 5000, 3, 60_000, Decimal(50))
        settings = EngineSettings(spec=spec, account_index=820_006, hedge_symbol="ETH/USDT:USDT",
                                  quote=params, risk=limits, position_check_s=0.0)
        engine = Engine(settings, orders=orders, ws=_NoStream(), rest=rest,
                        desk=HedgeDesk(hedge, "ETH/USDT:USDT", journal, trades),
                        quotes=_keeper(orders), detector=FillDetector(), hedge_venue=hedge,
                        start_lighter_position=Decimal(0), auth_token=orders.mint_auth_token)
        faults.rest_stall_ms = 20_000                     # far beyond what the test needs
        faults.rest_stall_paths = ["/api/v1/account"]
        watch = asyncio.create_task(engine._watch_loop())
        await poll(lambda: engine._position_task is not None, timeout=10)
        await asyncio.sleep(0.3)                          # the check is in the stalled call
        assert not engine._position_task.done()
        engine.desk.stats.halted_reason = "key revoked"             # a kill condition
        await asyncio.wait_for(watch, 30)
        assert engine.state.exit_reason.startswith("kill_switch:hedge_halted")
        assert not engine._position_task.done()          # the stall still holds
        await engine.stop_all_tasks()
    finally:
        faults.rest_stall_ms = 0
        journal.close()
        trades.close()
        await hedge.close()
        await orders.close()
        await rest.close()


class _NoStream:
    """The engine's view of a stream that never connected (this test needs no book)."""

    on_message = None

    def best_bid_ask(self, market):
        return None, None


@pytest.mark.parametrize("status, words", [("inactive", "is inactive"), ("frozen", "is frozen"),
                                           ("reduce_only", "is reduce-only")])
async def test_startup_refuses_a_market_that_is_not_active(venues, monkeypatch, status, words):
    venue(venues).faults.market_status = {"ETH": status}
    private, public, _ = create_api_key()
    await register(venues.lighter_url, 820_010, API_KEY_INDEX, public)
    for name, value in (("LIGHTER_ACCOUNT_INDEX", "820010"),
                        ("LIGHTER_API_KEY_INDEX", str(API_KEY_INDEX)),
                        ("LIGHTER_API_PRIVATE_KEY", private), ("HEDGE_API_KEY", "k"),
                        ("HEDGE_API_SECRET", "s")):
        monkeypatch.setenv(name, value)
    config = parse_config({"lighter": {"url": venues.lighter_url}, "hedge": {"url": venues.hedge_url}})
    with pytest.raises(SessionError, match=f"market ETH {words} on Lighter"):
        await open_session(config, "/nonexistent/accounts.toml")


async def test_a_rest_answer_carrying_an_error_code_is_an_error_not_an_empty_list(venues):
    orders, rest, _ = await _client(venues, 820_011)
    try:
        with pytest.raises(LighterRestError) as caught:
            await rest.active_orders(820_011, ETH, "not-a-token")
        assert caught.value.code not in (None, 200)
    finally:
        await orders.close()
        await rest.close()


async def test_an_http_200_whose_body_carries_an_error_code_is_an_error():
    """Lighter sometimes answers HTTP 200 with {"code": <error>}: not an empty list."""
    from aiohttp import web

    async def answer(request):
        return web.json_response({"code": 20001, "message": "account not found", "orders": []})

    app = web.Application()
    app.router.add_get("/api/v1/accountActiveOrders", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    rest = LighterRest(f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(LighterRestError, match="code=20001 account not found"):
            await rest.active_orders(1, ETH, "token")
    finally:
        await rest.close()
        await runner.cleanup()
