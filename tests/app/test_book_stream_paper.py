"""A paper run on the streamed hedge book, through a stream gap and a stream drop.

The bot quotes on the book ccxt's binanceusdm pro class keeps from the local venue's depth
stream; mid-run the venue skips an event (ccxt resyncs from a new snapshot) and then drops every
stream connection and refuses new ones for 2 s (the bot polls REST meanwhile, then streams
again). summary.json carries the book age at quote and at hedge; positions, asked of both venues,
net to zero. The bot runs in the test's loop; its stop is the run's own SIGTERM handler.
"""
from __future__ import annotations

import asyncio
import json
import re
import time
from decimal import Decimal

import pytest

from hedge.sim.binance.app import HEDGE_STATE_KEY
from hedge.sim.hedge_venue.streams import DEPTH_STREAMS_KEY
from hedge.sim.lighter import market_life
from tests.app.bot_process import (hedge_position, lighter_state, register_bot, start_in_process,
                                   wait_for_log, write_config)

pytestmark = pytest.mark.slow   # runs the bot, for seconds

HEDGE_STEP = Decimal("0.001")
STREAM_UP = r"\[HEDGE\] book ETH/USDT:USDT stream up"


def _count(logs, pattern: str) -> int:
    return len(re.findall(pattern, (logs / "latest" / "bot.log").read_text()))


async def _wait_for_count(logs, pattern: str, count: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while _count(logs, pattern) < count:
        assert time.monotonic() < deadline, f"fewer than {count} lines matching {pattern!r}"
        await asyncio.sleep(0.1)


@pytest.fixture(autouse=True)
def busy_market(monkeypatch):
    monkeypatch.setattr(market_life, "TAKERS_PER_S", 10.0)


async def test_paper_run_on_the_streamed_book_through_a_gap_and_a_drop(venues, tmp_path,
                                                                       monkeypatch):
    account = await register_bot(venues)
    config = write_config(tmp_path, account, duration_s=0, strategy={"pricing": "join"})
    bot = await start_in_process(config, account, monkeypatch)
    logs = tmp_path / "logs"
    faults = venues.hedge_app[HEDGE_STATE_KEY].faults
    streams = venues.hedge_app[DEPTH_STREAMS_KEY]
    try:
        await wait_for_log(logs, STREAM_UP, timeout_s=60)
        await wait_for_log(logs, r"\[HEDGE\] ack .* filled", timeout_s=60)
        faults.book_stream_gap = 1
        await wait_for_log(logs, r"\[HEDGE\] book .* sequence gap: resyncing", timeout_s=20)
        faults.book_stream_refuse_s = 2.0
        faults.book_stream_drop = True
        await wait_for_log(logs, r"\[HEDGE\] book .* stream unavailable", timeout_s=20)
        ups = _count(logs, STREAM_UP)
        assert streams.drops == 1
        await _wait_for_count(logs, STREAM_UP, ups + 1, timeout_s=30)   # back on the stream
        assert streams.refused >= 1   # it knocked while refused, and was polling meanwhile
    finally:
        bot.stop()
        code = await bot.wait(60)
    assert code == 0
    assert len(streams.connections) == 0   # the bot closed its stream at the stop

    summary = json.loads((logs / "latest" / "summary.json").read_text())
    latency, book = summary["latency_ms"], summary["hedge"]["book"]
    at_quote, at_hedge = latency["hedge_book_age_at_quote"], latency["hedge_book_age_at_hedge"]
    assert at_quote["n"] > 0 and at_hedge["n"] > 0
    assert 0 <= at_quote["p50"] <= 1000 and 0 <= at_hedge["p50"] <= 1000   # never stale
    assert book["streamed"] is True
    assert book["resyncs"] >= 1 and book["stream_failures"] >= 1 and book["polls"] >= 1

    lighter_pos, resting = await lighter_state(account)
    hedge_pos = await hedge_position(account)
    assert resting == 0
    assert abs(lighter_pos + hedge_pos) < HEDGE_STEP, (lighter_pos, hedge_pos)
    assert summary["reliability"]["double_hedges"] == 0
