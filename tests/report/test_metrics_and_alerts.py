"""The operator's live view of a paper run: the metrics endpoint follows what the venues report,
and alerts reach a local webhook exactly when they should (one for a kill switch, none when
healthy). The bot runs in the test's loop (its metrics server in its own thread, as in a
process); its stop is the run's own SIGTERM handler."""
from __future__ import annotations

import asyncio
import re
import socket
import time
import urllib.request
from decimal import Decimal

import pytest
from aiohttp import web

from hedge.sim.binance.app import HEDGE_STATE_KEY
from hedge.sim.lighter import market_life
from hedge.sim.lighter.app import LIGHTER_STATE
from hedge.sim.lighter.control import state_summary
from tests.app.bot_process import (hedge_position, lighter_state, register_bot, run_in_process,
                                   start_in_process, sweep_the_bid, write_config)
from tests.sim.ccxt_loopback import freeze_prices

pytestmark = pytest.mark.slow
SAMPLE = re.compile(r"^(\w+)(\{[^}]*\})? (\S+)$", re.M)


@pytest.fixture(autouse=True)
def busy_market(monkeypatch):
    monkeypatch.setattr(market_life, "TAKERS_PER_S", 10.0)


@pytest.fixture
async def receiver():
    """A JSON webhook on 127.0.0.1 that keeps every POST body."""
    received: list[dict] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        yield f"json://127.0.0.1:{port}/hook", received
    finally:
        await runner.cleanup()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port: int) -> dict[str, float] | None:
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    except OSError:
        return None
    return {name + (labels or ""): float(value) for name, labels, value in SAMPLE.findall(text)}


def venue_fill_count(venues, account) -> int:
    fills = state_summary(venues.lighter_app[LIGHTER_STATE])["accounts"][
        str(account.account_index)]["fills"].get("0")
    return fills["count"] if fills else 0


def hedge_orders_filled(venues, account) -> int:
    acct = venues.hedge_app[HEDGE_STATE_KEY].accounts[account.hedge_key]
    return sum(1 for order in acct.orders.values() if order.executed_qty > 0)


async def test_metrics_follow_the_venues_and_a_healthy_run_sends_no_alert(venues, receiver, tmp_path,
                                                                          monkeypatch):
    url, received = receiver
    port = free_port()
    account = await register_bot(venues)
    config = write_config(tmp_path, account, duration_s=0, alerts={"urls": [url]})
    pins = freeze_prices(venues.prices)
    bot = await start_in_process(config, account, monkeypatch, **{"metrics.port": port})
    market = 'market="ETH"'
    matched, deadline, last = None, time.monotonic() + 90, None
    try:
        swept = {await sweep_the_bid(venues, pins, account.account_index)}
        await sweep_the_bid(venues, pins, account.account_index, swept)     # a second fill
        while time.monotonic() < deadline and bot.poll() is None:
            await asyncio.sleep(0.5)
            last = await asyncio.to_thread(scrape, port)
            if not last or last.get(f"hedgebot_fills_total{{{market}}}", 0) < 2:
                continue
            lighter_pos, _ = await lighter_state(account)
            hedge_pos = await hedge_position(account)
            now = await asyncio.to_thread(scrape, port)
            if now is None:
                continue
            fills, hedges = venue_fill_count(venues, account), hedge_orders_filled(venues, account)
            if (now[f"hedgebot_fills_total{{{market}}}"] == fills
                    and now.get(f'hedgebot_hedges_total{{{market},status="filled"}}') == hedges
                    and Decimal(str(now[f'hedgebot_position_base{{{market},venue="lighter"}}']))
                    == lighter_pos
                    and Decimal(str(now[f'hedgebot_position_base{{{market},venue="hedge"}}']))
                    == hedge_pos):
                matched = now
                break
    finally:
        bot.stop()
        code = await bot.wait(60)
    assert matched is not None, f"metrics never agreed with the venues; last scrape: {last}"
    assert code == 0
    assert matched[f'hedgebot_quoting{{{market},reason=""}}'] in (0.0, 1.0)
    assert matched["hedgebot_kill_switch"] == 0
    assert matched[f'hedgebot_fill_to_hedge_seconds_count{{{market},stage="submit"}}'] >= 2
    assert matched[f'hedgebot_fill_to_hedge_seconds_count{{{market},stage="ack"}}'] >= 2
    assert matched["hedgebot_lighter_requests_total"] > 0
    assert "hedgebot_ws_reconnects_total" in matched
    assert "hedgebot_lighter_rate_limited_total" in matched
    assert f"hedgebot_unhedged_base{{{market}}}" in matched
    assert f"hedgebot_unhedged_age_seconds{{{market}}}" in matched
    assert f"hedgebot_pnl_quote{{{market}}}" in matched
    assert received == [], received                       # healthy: no alert at all


async def test_a_kill_switch_sends_exactly_one_alert_with_the_reason(venues, receiver, tmp_path,
                                                                    monkeypatch):
    url, received = receiver
    account = await register_bot(venues)
    config = write_config(tmp_path, account, duration_s=0, alerts={"urls": [url]},
                          strategy={"pricing": "join"})            # join the best level: filled soon
    venues.hedge_app[HEDGE_STATE_KEY].faults.reject_hedges = True
    pins = freeze_prices(venues.prices)
    sweep = asyncio.create_task(sweep_the_bid(venues, pins, account.account_index))
    assert await asyncio.wait_for(run_in_process(config, account, monkeypatch), 90) == 1
    await sweep
    summary = (tmp_path / "logs" / "latest" / "summary.json").read_text()
    reason = re.search(r'"exit_reason": "kill_switch:([^"]+)"', summary).group(1)
    assert len(received) == 1, received
    assert "KILL SWITCH" in received[0]["title"] and reason in received[0]["message"]
    log = (tmp_path / "logs" / "latest" / "bot.log").read_text()
    assert url not in log and "/hook" not in log          # the URL is shown without its path
