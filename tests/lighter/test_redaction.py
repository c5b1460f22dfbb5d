"""No secret and no auth token in anything a run writes; the bot.log tags and jsonl format hold."""
from __future__ import annotations

import asyncio
import logging
import re
import sys
import time
from decimal import Decimal

import orjson
import pytest
from loguru import logger

from hedge.adapters.lighter import frame_log
from hedge.adapters.lighter import messages as m
from hedge.core.fill_detector import FillDetector
from hedge.infra.logs import setup_logging
from hedge.infra.recorder import FrameRecorder
from hedge.infra.redact import REDACTED, Redactor
from hedge.sim.lighter import market_life
from tests.lighter.conftest import ETH
from tests.sim.ccxt_loopback import freeze_prices
from tests.sim.lighter_helpers import best_prices, poll, venue

TOKEN_RE = re.compile(r"\d{9,}:\d+:\d+:[0-9a-f]{20,}")


@pytest.fixture
def run_logs(tmp_path):
    root_handlers = logging.getLogger().handlers[:]
    setup_logging(tmp_path, "INFO", console=False)
    try:
        yield tmp_path
    finally:
        logger.remove()
        logger.configure(patcher=None)
        logger.add(sys.stderr, level="DEBUG")
        logging.getLogger().handlers = root_handlers


def test_patterns_and_registry_without_registration():
    r = Redactor()
    token = f"{int(time.time()) + 600}:123456:5:" + "ab12" * 20
    text = f'token {token} ro:1:single:1795301417:{"cd" * 20} key 0x{"11" * 32} {{"auth": "x"}}'
    out = r.redact_text(text)
    assert token not in out and "cdcd" not in out and "1111" not in out and '"auth": "x"' not in out
    r.register("plain-secret-value")
    assert r.redact_text("a plain-secret-value b") == f"a {REDACTED} b"
    frame = {"type": "subscribe", "channel": "account_all/1", "auth": token}
    assert r.redact_frame(frame) == {"type": "subscribe", "channel": "account_all/1", "auth": REDACTED}


def test_recorder_splices_inbound_text_and_redacts_auth(tmp_path):
    rec = FrameRecorder(tmp_path / "ws.jsonl", flush_ms=0)
    text = '{"type":"update/order_book","channel":"order_book:0","order_book":{"asks":[],"bids":[]}}'
    rec.record_in("c1", text, orjson.loads(text), ts_ns=5)
    rec.record_in("c1", '{"type":"x","auth":"1795301417:1:2:abcdefabcdefabcdefabcdef"}',
                  {"type": "x", "auth": "1795301417:1:2:abcdefabcdefabcdefabcdef"})
    rec.record_in("c1", "{not json", None)
    rec.record_out("c1", {"type": "subscribe", "auth": "secret-token"})
    rec.close()
    lines = (tmp_path / "ws.jsonl").read_bytes().splitlines()
    assert lines[0] == b'{"ts_ns":5,"conn":"c1","dir":"in","frame":' + text.encode() + b"}"
    parsed = [orjson.loads(line) for line in lines]
    assert parsed[1]["frame"]["auth"] == REDACTED and parsed[2]["frame"] == "{not json"
    assert parsed[3]["dir"] == "out" and parsed[3]["frame"]["auth"] == REDACTED


@pytest.mark.fresh_venue   # its quote must be the touch: no order another test left in flight
@pytest.mark.slow   # waits for token refreshes and a fill
async def test_a_run_writes_no_secret_and_the_tagged_lines(venues, account, run_logs, monkeypatch):
    monkeypatch.setattr(market_life, "TAKERS_PER_S", 12.0)
    freeze_prices(venues.prices)
    venue(venues).faults.tier_latency = False    # at the touch now, not where it was 200 ms ago
    minted: list[str] = []
    mint = account.orders.mint_auth_token

    async def recording_mint(lifetime_s: int = 600) -> str:
        token = await mint(lifetime_s)
        minted.append(token)
        return token

    account.orders.mint_auth_token = recording_mint
    recorder = FrameRecorder(run_logs / "ws_lighter.jsonl")
    ws = account.ws(recorder=recorder, token_lifetime_s=2, token_refresh_fraction=0.5)
    ws.start()
    detector, fills = FillDetector(), []
    try:
        await ws.wait_book(ETH)
        # Subscribes are paced: the order goes in once the account stream is there to see it.
        while not isinstance(msg := await asyncio.wait_for(ws.queue.get(), 10), m.AccountOrders):
            pass
        logger.info("planted: key {} token {}", account.private_key, minted[0])
        try:
            raise RuntimeError(f"sdk said: bad key {account.private_key} / {minted[0]}")
        except RuntimeError:
            logger.exception("planted exception")
        logging.getLogger("lighter").error("stdlib planted %s", account.private_key)
        # Alone one tick above the best bid, with the mid pinned, the order is the first a selling
        # taker meets: the fill comes whatever the price path does.
        await poll(lambda: best_prices(venues)[1] - best_prices(venues)[0] > 1)
        bid, _ = best_prices(venues)
        res = await account.orders.create_post_only(ETH, False, Decimal("0.0200"),
                                                    Decimal(bid + 1).scaleb(-2), 301)
        assert res.accepted
        deadline = time.monotonic() + 15
        while not fills and time.monotonic() < deadline:
            msg = await ws.queue.get()
            if isinstance(msg, m.AccountOrders):
                for delta in detector.on_updates(msg.all_orders()):
                    frame_log.log_fill(delta)
                    fills.append(delta)
        assert fills, "no fill within 15 s"
        await account.orders.cancel_all()
        deadline = time.monotonic() + 1.5
        while ws.counters.token_refreshes < 1 and time.monotonic() < deadline:
            await ws.queue.get()
        assert ws.counters.token_refreshes >= 1
        # The refreshed token's resubscribes are paced (a few a second): both are sent.
        deadline = time.monotonic() + 3
        while not ws.pacer.idle and time.monotonic() < deadline:
            await ws.queue.get()
    finally:
        await ws.close()
        recorder.close()
    assert len(minted) >= 2
    secrets = [account.private_key, *minted]
    files = [p for p in run_logs.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"bot.log", "ws_lighter.jsonl"}
    for path in files:
        text = path.read_text(encoding="utf-8")
        for secret in secrets:
            assert secret not in text, f"secret leaked into {path.name}"
        assert not TOKEN_RE.search(text), f"token-shaped text in {path.name}"

    lines = [orjson.loads(line) for line in (run_logs / "ws_lighter.jsonl").read_bytes().splitlines()]
    assert all(set(line) == {"ts_ns", "conn", "dir", "frame"} for line in lines)
    assert {line["dir"] for line in lines} == {"in", "out"}
    subs = [line["frame"] for line in lines if line["dir"] == "out" and line["frame"]["type"] == "subscribe"
            and line["frame"]["channel"].startswith("account")]
    assert len(subs) >= 4 and all(f["auth"] == REDACTED for f in subs)
    assert any(line["frame"].get("type") == "update/account_orders" for line in lines)

    log = (run_logs / "bot.log").read_text(encoding="utf-8")
    assert "📨 [LIGHTER WS] update/order_book channel=order_book:0" in log
    assert "📨 [LIGHTER WS]   order order_index=" in log and "client_order_index=301" in log
    assert re.search(r"✅ \[LIGHTER WS\] Order (FILLED|partial fill) order_index=", log)
    assert "ℹ️ [LIGHTER WS] subscribe account_orders/0/" in log
    assert "planted: key <redacted> token <redacted>" in log
    assert "planted exception" in log and "RuntimeError: sdk said: bad key <redacted>" in log
    assert "stdlib planted <redacted>" in log
