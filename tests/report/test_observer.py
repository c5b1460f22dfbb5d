"""Metrics and alerts without a run: alert conditions and their once-per-episode rule, delivery
to a local webhook, a dead target, URL redaction, and the dashboard's metric names."""
from __future__ import annotations

import asyncio
import json
import re
import socket
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from aiohttp import web
from loguru import logger
from prometheus_client import generate_latest

from hedge.app.observer import EngineObserver
from hedge.core.quoting import QuoteTarget
from hedge.infra.alerts import Alert, AlertSender
from hedge.core.latency_histogram import LatencyHistogram
from hedge.infra.config_schema import AlertsConfig
from hedge.infra.metrics import BotMetrics
from hedge.infra.redact import redact_text, register_url_secrets, shown_url

REPO = Path(__file__).resolve().parents[2]


class RecordingSender(AlertSender):
    def __init__(self) -> None:
        super().__init__(())
        self.queued: list[Alert] = []

    def send(self, alert: Alert) -> None:
        self.queued.append(alert)


def engine_state(**over):
    """The parts of the engine the observer reads, as plain values."""
    desk = SimpleNamespace(stats=SimpleNamespace(maker_fills=0, by_status={}, submit_ms=LatencyHistogram(),
                                                              ack_ms=LatencyHistogram()),
                           ledger=SimpleNamespace(owed=Decimal(0)), unhedged_age_ms=lambda: 0.0,
                           hedge_position=Decimal(0), unresolved=[])
    engine = SimpleNamespace(desk=desk, state=SimpleNamespace(lighter_position=Decimal(0), exit_reason=""),
                             target=QuoteTarget(Decimal(1), Decimal(2)), stream_live=True,
                             ws=SimpleNamespace(counters=SimpleNamespace(reconnects=0, book_resyncs=0)),
                             orders=SimpleNamespace(counters=SimpleNamespace(
                                 orders_placed=0, orders_modified=0, orders_canceled=0,
                                 cancel_alls=0, rate_limited=0)),
                             risk_snapshot=lambda: SimpleNamespace(pnl_quote=Decimal("-0.5")))
    for key, value in over.items():
        setattr(engine, key, value)
    return engine


def test_each_alert_fires_once_per_episode_and_a_healthy_engine_sends_none(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("hedge.app.observer.monotonic_s", lambda: clock[0])
    engine, sender = engine_state(), RecordingSender()
    observer = EngineObserver(engine, "ETH", BotMetrics(), sender,
                              AlertsConfig(quoting_paused_s=5, stream_lost_s=3), "r1")
    for _ in range(20):
        observer.tick()
        clock[0] += 1
    assert sender.queued == []                                     # healthy: nothing
    engine.target = QuoteTarget(None, None, "no Lighter book", "no Lighter book")
    for _ in range(4):
        observer.tick()
        clock[0] += 1
    assert sender.queued == []                                     # 4 s < 5 s
    for _ in range(10):
        observer.tick()
        clock[0] += 1
    assert [a.kind for a in sender.queued] == ["quoting_paused"]   # once, however long
    assert "no Lighter book" in sender.queued[0].body
    engine.stream_live = False
    for _ in range(5):
        observer.tick()
        clock[0] += 1
    engine.desk.unresolved.append("lh-9-0.01")
    engine.state.exit_reason = "kill_switch:hedge_failures (3 in a row)"
    observer.tick()
    observer.stopped(engine.state.exit_reason)
    kinds = [a.kind for a in sender.queued]
    assert kinds == ["quoting_paused", "stream_lost", "kill_switch", "hedge_unresolved"]
    assert "hedge_failures (3 in a row)" in sender.queued[2].body


def test_metrics_reflect_the_engine_and_carry_the_market_label():
    engine, metrics = engine_state(), BotMetrics()
    observer = EngineObserver(engine, "ETH", metrics, RecordingSender(), AlertsConfig())
    engine.desk.stats.maker_fills = 3
    engine.desk.stats.by_status = {"filled": 2, "rejected": 1}
    engine.desk.stats.submit_ms.extend([2.0, 4.0])
    engine.desk.stats.ack_ms.extend([10.0, 20.0])
    engine.state.lighter_position = Decimal("0.01")
    engine.target = QuoteTarget(None, None, "max_position reached", "fill stream down")
    observer.tick()
    observer.tick()                                               # counters are not doubled
    text = generate_latest(metrics.registry).decode()
    assert 'hedgebot_fills_total{market="ETH"} 3.0' in text
    assert 'hedgebot_hedges_total{market="ETH",status="rejected"} 1.0' in text
    assert 'hedgebot_fill_to_hedge_seconds_count{market="ETH",stage="ack"} 2.0' in text
    assert 'hedgebot_position_base{market="ETH",venue="net"} 0.01' in text
    assert 'hedgebot_quoting{market="ETH",reason="fill stream down; max_position reached"} 0.0' in text
    assert "hedgebot_kill_switch 0.0" in text and 'hedgebot_pnl_quote{market="ETH"} -0.5' in text
    engine.target = QuoteTarget(Decimal(1), None, "", "max_position reached")
    observer.tick()
    text = generate_latest(metrics.registry).decode()
    assert 'hedgebot_quoting{market="ETH",reason=""} 1.0' in text and "fill stream down" not in text


def test_every_market_is_labelled_and_named_and_the_account_is_counted_once(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("hedge.app.observer.monotonic_s", lambda: clock[0])
    metrics, sender = BotMetrics(), RecordingSender()
    eth, btc = engine_state(), engine_state()
    for engine in (eth, btc):
        engine.ws.counters.reconnects = 2                          # one stream, seen by both
    settings = AlertsConfig(quoting_paused_s=5, stream_lost_s=3)
    observers = [EngineObserver(eth, "ETH", metrics, sender, settings, "r1",
                                account_markets=("ETH", "BTC")),
                 EngineObserver(btc, "BTC", metrics, sender, settings, "r1", account_markets=())]
    btc.desk.stats.maker_fills = 4
    btc.target = QuoteTarget(None, None, "paused: loss", "paused: loss")
    for _ in range(7):
        for observer in observers:
            observer.tick()
        clock[0] += 1
    eth.state.exit_reason = btc.state.exit_reason = "kill_switch:total_loss (-60 < -50)"
    for observer in observers:
        observer.tick()
    text = generate_latest(metrics.registry).decode()
    assert 'hedgebot_fills_total{market="BTC"} 4.0' in text
    assert 'hedgebot_fills_total{market="ETH"} 0.0' in text
    assert 'hedgebot_quoting{market="BTC",reason="paused: loss"} 0.0' in text
    assert "hedgebot_ws_reconnects_total 2.0" in text                # not 4
    assert [(a.kind, a.body.split(":")[0]) for a in sender.queued][:1] == [("quoting_paused", "BTC")]
    kills = [a for a in sender.queued if a.kind == "kill_switch"]
    assert len(kills) == 1 and "markets ETH, BTC" in kills[0].body


def test_the_dashboard_uses_only_metrics_the_bot_exports():
    dashboard = (REPO / "docs" / "grafana-dashboard.json").read_text()
    json.loads(dashboard)
    used = set(re.findall(r"hedgebot_\w+", dashboard))
    exported = set(re.findall(r"^# TYPE (\w+) (\w+)", generate_latest(BotMetrics().registry).decode(), re.M))
    names = set()
    for name, kind in exported:
        names |= {name, name + "_total"} if kind == "counter" else {name}
        if kind == "histogram":
            names |= {name + "_bucket", name + "_count", name + "_sum"}
    assert used and used <= names, used - names


def test_alert_urls_are_shown_without_their_tokens():
    register_url_secrets("tgram://123456789:AAbbccddeeffgghhii/987654321")
    assert shown_url("tgram://123456789:AAbbccddeeffgghhii/987654321") == "tgram://<redacted>"
    assert shown_url("json://127.0.0.1:9000/hook-secret-path") == "json://127.0.0.1:9000/<redacted>"
    assert "AAbbccddeeffgghhii" not in redact_text("token AAbbccddeeffgghhii leaked")
    assert redact_text("ws://127.0.0.1:9000/stream") == "ws://127.0.0.1:9000/stream"


async def test_alerts_reach_a_webhook_and_a_dead_target_is_only_logged():
    received = []

    async def hook(request):
        received.append(await request.json())
        return web.Response(text="ok")
    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    with socket.socket() as s:                         # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), level="WARNING")
    sender = AlertSender([f"json://127.0.0.1:{port}/hook", f"json://127.0.0.1:{dead}/secret-path"])
    try:
        sender.start()
        sender.send(Alert("kill_switch", "KILL SWITCH tripped", "loss"))    # returns at once
        await asyncio.to_thread(sender.close)
    finally:
        logger.remove(sink)
        await runner.cleanup()
    assert [(r["title"], r["message"]) for r in received] == [("KILL SWITCH tripped", "loss")]
    assert sender.failed == 1
    assert any(f"json://127.0.0.1:{dead}/<redacted>" in line and "failed" in line for line in lines)
    assert not any("secret-path" in line for line in lines)
