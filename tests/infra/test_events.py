"""events.jsonl: every event kind written through the run's writer and read back by diagnose and
the report; a run from before it (bot.log only) reads back to the same figures."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from hedge.core.types import Side
from hedge.diagnostics.decision_tree import diagnose
from hedge.diagnostics.diagnose_command import render_text
from hedge.diagnostics.run_facts import RunFacts, read_run
from hedge.infra import events as ev
from hedge.infra.redact import Redactor
from hedge.infra.run_events import read_run_events
from hedge.report.run_log import RunLog, read_run_log

T0_S = 1_790_000_000
URL = "ws://127.0.0.1:9/stream"
BUDGET_FAIL = "InsufficientFunds: binanceusdm -2019 Margin is insufficient."
KILL_WHY = "total_loss (-12.00 < -10, all markets)"
PAUSE_WHY = "hedge_failures (3 in a row)"

# (second after T0, event, market, fields): a two-market run that meets every event kind once.
RUN = [
    (0, ev.START, "", {"run_id": "20260911T000000Z-abc123", "mode": "paper"}),
    (1, ev.STARTUP_RECONCILED, "ETH", {"lighter_base": Decimal("0.5"),
                                       "hedge_base": Decimal("-0.5"), "lookups": 1,
                                       "rehedged": 0}),
    (1, ev.STARTUP_RECONCILED, "BTC", {"lighter_base": Decimal("0.01"),
                                       "hedge_base": Decimal("-0.01"), "lookups": 0,
                                       "rehedged": 0}),
    (2, ev.FILL, "ETH", {"fill_id": "5-0.0100", "order_index": 5, "client_order_index": 11,
                         "side": Side.BUY, "size_base": Decimal("0.0100"),
                         "price": Decimal("2999.19"), "status": "filled"}),
    (2, ev.HEDGE_SUBMIT, "ETH", {"fill_id": "5-0.0100", "side": "sell",
                                 "size_base": Decimal("0.010"), "owed_base": Decimal("-0.0100"),
                                 "assumed_price": Decimal("3000.5")}),
    (3, ev.HEDGE_ACK, "ETH", {"client_ids": "lh-1", "filled_base": Decimal("-0.010"),
                              "avg_price": Decimal("2999.33"), "lookups": 0, "submit_ms": 2.5,
                              "ack_ms": 4.25}),
    (4, ev.FILL, "BTC", {"fill_id": "8-0.001", "order_index": 8, "client_order_index": 12,
                         "side": Side.SELL, "size_base": Decimal("0.001"),
                         "price": Decimal("90000.1"), "status": "filled"}),
    (4, ev.HEDGE_SUBMIT, "BTC", {"fill_id": "8-0.001", "side": "buy", "size_base": Decimal("0.001"),
                                 "owed_base": Decimal("0.001"), "assumed_price": None}),
    (5, ev.HEDGE_FAILURE, "BTC", {"client_ids": "lh-2", "status": "rejected",
                                  "filled_base": Decimal("0"), "reason": BUDGET_FAIL}),
    (5, ev.STATUS, "ETH", {"mid": Decimal("3000"), "bid": Decimal("2999"), "ask": Decimal("3001"),
                           "paused": "", "lighter_base": Decimal("0.51"),
                           "hedge_base": Decimal("-0.51"), "fills": 1, "hedges": 1,
                           "owed_base": Decimal("0"), "lighter_tx": 6, "lighter_requests": 9}),
    (5, ev.STATUS, "BTC", {"mid": Decimal("90000"), "bid": None, "ask": Decimal("90001"),
                           "paused": "", "lighter_base": Decimal("0.009"),
                           "hedge_base": Decimal("-0.01"), "fills": 1, "hedges": 1,
                           "owed_base": Decimal("0.001"), "lighter_tx": 6, "lighter_requests": 9}),
    (6, ev.MARKET_PAUSED, "BTC", {"reason": PAUSE_WHY}),
    (7, ev.WS_CONNECT_FAILED, "", {"url": URL, "error": "ConnectionRefusedError: refused"}),
    (8, ev.WS_DISCONNECT, "", {"url": URL, "code": 1008, "reason": "no pong"}),
    (9, ev.WS_RECONNECT, "", {"reconnects": 1, "channels": 3}),
    (9, ev.BOOK_RESYNC, "", {"market_id": 0, "reason": "nonce gap"}),
    (10, ev.RATE_LIMITED, "", {"venue": "lighter", "endpoint": "sendTx", "code": 23000}),
    (10, ev.STATUS, "ETH", {"mid": Decimal("3001"), "bid": Decimal("3000"),
                            "ask": Decimal("3002"), "paused": "", "lighter_base": Decimal("0.51"),
                            "hedge_base": Decimal("-0.51"), "fills": 1, "hedges": 1,
                            "owed_base": Decimal("0"), "lighter_tx": 12, "lighter_requests": 21}),
    (10, ev.STATUS, "BTC", {"mid": Decimal("90000"), "bid": None, "ask": None,
                            "paused": PAUSE_WHY, "lighter_base": Decimal("0.009"),
                            "hedge_base": Decimal("-0.01"), "fills": 1, "hedges": 1,
                            "owed_base": Decimal("0.001"), "lighter_tx": 12,
                            "lighter_requests": 21}),
    (11, ev.MARKET_RESUMED, "BTC", {"reason": "hedge venue reachable again"}),
    (12, ev.KILL, "", {"reason": KILL_WHY}),
    (12, ev.STOP, "", {"reason": f"kill_switch:{KILL_WHY}"}),
]


class SteppedClock:
    """The events' wall clock, set by the test: T0 + the scenario's second."""

    def __init__(self) -> None:
        self.second = 0

    def __call__(self) -> int:
        return (T0_S + self.second) * 1_000_000_000


@pytest.fixture
def clock(monkeypatch) -> SteppedClock:
    stepped = SteppedClock()
    monkeypatch.setattr(ev, "wall_clock_ns", stepped)
    return stepped


def write_events(run_dir, clock: SteppedClock, redactor: Redactor | None = None) -> ev.EventLog:
    log = ev.EventLog(redactor) if redactor else ev.EventLog()
    log.open(run_dir)
    for second, name, market, fields in RUN:
        clock.second = second
        log.emit(name, market, **fields)
    log.close()
    return log


def _t(second: float) -> str:
    return datetime.fromtimestamp(T0_S + second).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _line(second: float, level: str, message: str) -> str:
    return f"{_t(second)} | {level:<8} | hedge.x:1 | {message}"


# The same run as bot.log writes it (docs/LOGGING.md): a run from before events.jsonl.
BOT_LOG = [
    _line(0, "INFO", f"run {RUN[0][3]['run_id']} (paper mode) logs in logs/x"),
    _line(1, "INFO", "startup reconciled ETH: lighter 0.5 hedge -0.5 (lookups 1, re-hedged 0)"),
    _line(1, "INFO", "startup reconciled BTC: lighter 0.01 hedge -0.01 (lookups 0, re-hedged 0)"),
    _line(2, "DEBUG", "📨 [LIGHTER WS]   order order_index=5 client_order_index=11 market=0 "
                      "status=filled side=buy initial=0.0100 remaining=0 filled=0.0100 price=2999.19"),
    _line(2, "INFO", "✅ [LIGHTER WS] Order FILLED order_index=5 client_order_index=11 market=0 "
                     "side=buy size=0.0100 price=2999.19 cum_filled=0.0100 status=filled "
                     "fill_id=5-0.0100"),
    _line(2, "INFO", "[HEDGE] submit sell 0.010 for fill 5-0.0100 (owed -0.0100) "
                     "assumed_price=3000.5"),
    _line(3, "INFO", "[HEDGE] ack lh-1 filled -0.010 avg 2999.33 lookups 0 submit 2.50 ms "
                     "ack 4.25 ms"),
    _line(4, "INFO", "✅ [LIGHTER WS] Order FILLED order_index=8 client_order_index=12 market=1 "
                     "side=sell size=0.001 price=90000.1 cum_filled=0.001 status=filled "
                     "fill_id=8-0.001"),
    _line(4, "INFO", "[HEDGE] submit buy 0.001 for fill 8-0.001 (owed 0.001) assumed_price=-"),
    _line(5, "WARNING", f"[HEDGE] failure lh-2 status=rejected filled=0 reason={BUDGET_FAIL}"),
    _line(5, "INFO", "[STATUS] markets=2 unhedged=90.00 | ETH: mid=3000 bid=2999 ask=3001 "
                     "pos=0.51/-0.51 fills=1 owed=0 | BTC: mid=90000 bid=None ask=90001 "
                     "pos=0.009/-0.01 fills=1 owed=0.001 | lighter_tx=6 lighter_requests=9 "
                     "lighter_budget=9/60 per 60s"),
    _line(6, "ERROR", f"MARKET PAUSED BTC: {PAUSE_WHY}"),
    _line(7, "INFO", f"ℹ️ [LIGHTER WS] connection to {URL} failed: ConnectionRefusedError: refused"),
    _line(8, "INFO", f"ℹ️ [LIGHTER WS] disconnected from {URL} code=1008 reason='no pong'"),
    _line(9, "INFO", "ℹ️ [LIGHTER WS] reconnected and resubscribed 3 channels (reconnect #1)"),
    _line(9, "INFO", "ℹ️ [LIGHTER WS] order book 0 needs resync (nonce gap): resubscribing"),
    _line(10, "WARNING", "Lighter rate limit (429) on sendTx: code=23000 Too Many Requests"),
    _line(10, "INFO", "[STATUS] markets=2 unhedged=90.00 | ETH: mid=3001 bid=3000 ask=3002 "
                      "pos=0.51/-0.51 fills=1 owed=0 | BTC: mid=90000 bid=None ask=None "
                      f"pos=0.009/-0.01 fills=1 owed=0.001 PAUSED({PAUSE_WHY}) | lighter_tx=12 "
                      "lighter_requests=21 lighter_budget=21/60 per 60s"),
    _line(12, "ERROR", f"KILL SWITCH: {KILL_WHY}"),
    _line(12, "INFO", f"stopping: kill_switch:{KILL_WHY}"),
    _line(13, "INFO", "summary: logs/x/summary.json"),
    _line(14, "INFO", "report: logs/x/report.html"),
]


def test_the_scenario_meets_every_event_kind():
    assert {name for _, name, _, _ in RUN} == set(ev.FIELDS)
    for _, name, _, fields in RUN:
        assert set(fields) == set(ev.FIELDS[name]), name


def test_every_event_reads_back_with_its_fields(tmp_path, clock):
    write_events(tmp_path, clock)
    run = read_run_events(tmp_path)
    assert run.source == "events.jsonl" and run.malformed == 0
    assert [(e.ts_ns // 1_000_000_000 - T0_S, e.name, e.market) for e in run.events] == \
        [(second, name, market) for second, name, market, _ in RUN]
    fill = run.of(ev.FILL)[0]
    assert fill.fields["side"] == "buy" and fill.fields["size_base"] == "0.0100"   # Decimal: text
    ack = run.of(ev.HEDGE_ACK)[0]
    assert ack.fields["submit_ms"] == 2.5 and ack.fields["filled_base"] == "-0.010"
    assert run.of(ev.HEDGE_SUBMIT)[1].fields["assumed_price"] is None


def assert_diagnose_reads_the_run(f: RunFacts) -> None:
    assert [e.text for e in f.fills] == ["5-0.0100 side=buy size=0.0100", "8-0.001 side=sell size=0.001"]
    assert f.fill_signed_base == pytest.approx(0.009)
    assert len(f.hedge_submits) == 2 and len(f.hedge_acks) == 1
    assert f.hedge_acked_base == pytest.approx(0.01) and f.hedge_signed_base == pytest.approx(-0.01)
    assert len(f.hedge_failures) == 1 and "-2019" in f.hedge_failures[0].text
    assert [e.text for e in f.kill_switch] == [KILL_WHY]
    assert [e.text for e in f.market_pauses] == [f"BTC: {PAUSE_WHY}"]
    assert [e.text for e in f.connect_failures] == ["ConnectionRefusedError: refused"]
    assert [e.text for e in f.disconnects] == ["code=1008 reason=no pong"]
    assert len(f.resyncs) == 1 and "nonce gap" in f.resyncs[0].text
    assert len(f.status_lines) == 4 and len(f.startup) == 2
    assert f.kill_switch[0].time == _t(12) and f.fills[0].time == _t(2)
    found = {x.id for x in diagnose(f).findings}
    assert {"no_pong", "kill_switch", "market_paused", "hedge_failures", "reconnects"} <= found


def assert_report_reads_the_run(log: RunLog) -> None:
    assert log.hedge_latency_ms == [(T0_S + 3, 2.5, 4.25)]
    assert [(s.ts - T0_S, s.lighter_tx, s.lighter_requests) for s in log.status] == \
        [(5, 6, 9), (10, 12, 21)]                    # one point per tick, both markets' pauses
    assert log.status[1].paused == f"BTC: {PAUSE_WHY}"
    assert log.start_lighter_base == pytest.approx(0.51)   # "startup reconciled ETH:" and BTC
    assert log.start_hedge_base == pytest.approx(-0.51)
    assert log.first_ts == T0_S and log.last_ts == T0_S + 12
    kinds = [e.kind for e in log.events]
    for kind in ("disconnect", "reconnect", "book resync", "rate limited", "kill switch",
                 "hedge failure", "market paused"):
        assert kind in kinds, kind


def test_diagnose_and_the_report_read_every_event_from_events_jsonl(tmp_path, clock):
    write_events(tmp_path, clock)
    (tmp_path / "bot.log").write_text("\n".join(BOT_LOG[:1]) + "\n", encoding="utf-8")
    f = read_run(tmp_path)
    assert f.events_source == "events.jsonl"
    assert_diagnose_reads_the_run(f)
    assert [e.text for e in f.market_resumes] == ["BTC: hedge venue reachable again"]
    log = read_run_log(tmp_path)
    assert log.source == "events.jsonl"
    assert_report_reads_the_run(log)
    assert "market resumed" in [e.kind for e in log.events]
    assert "events read from: events.jsonl" in render_text(tmp_path, diagnose(f))


def test_a_run_from_before_events_jsonl_reads_the_same_from_bot_log(tmp_path):
    (tmp_path / "bot.log").write_text("\n".join(BOT_LOG) + "\n", encoding="utf-8")
    f = read_run(tmp_path)
    assert f.events_source == "bot.log"
    assert_diagnose_reads_the_run(f)
    log = read_run_log(tmp_path)
    assert log.source == "bot.log"
    assert_report_reads_the_run(log)
    assert "bot.log (no events.jsonl" in render_text(tmp_path, diagnose(f))


def test_with_events_jsonl_bot_logs_event_lines_are_not_counted_twice(tmp_path, clock):
    write_events(tmp_path, clock)
    (tmp_path / "bot.log").write_text("\n".join(BOT_LOG) + "\n", encoding="utf-8")
    f = read_run(tmp_path)
    assert len(f.fills) == 2 and len(f.hedge_submits) == 2 and len(f.kill_switch) == 1


def test_emit_is_buffered_until_a_status_kill_or_stop_and_a_closed_log_writes_nothing(tmp_path,
                                                                                     clock):
    closed = ev.EventLog()
    closed.emit(ev.FILL, "ETH", fill_id="1-1")          # never opened: a no-op
    assert closed.written == 0 and not list(tmp_path.iterdir())
    log = ev.EventLog()
    path = log.open(tmp_path)
    for _ in range(400):                                # a burst of fills between two statuses
        log.emit(ev.FILL, "ETH", fill_id="1-1")
        log.emit(ev.HEDGE_SUBMIT, "ETH", fill_id="1-1")
        log.emit(ev.HEDGE_ACK, "ETH", client_ids="lh-1")
    assert path.read_bytes() == b""                     # the fill path wrote nothing
    log.emit(ev.STATUS, "ETH", fills=400)
    assert len(path.read_text().splitlines()) == 1201
    log.emit(ev.FILL, "ETH", fill_id="2-1")
    log.close()
    assert len(path.read_text().splitlines()) == 1202 and log.written == 1202
    log.emit(ev.FILL, "ETH", fill_id="3-1")               # after close: dropped, no error
    assert len(path.read_text().splitlines()) == 1202


def test_a_secret_in_an_event_never_reaches_the_file(tmp_path, clock):
    redactor = Redactor()
    secret = "s3cr3t-api-key-0123456789abcdef"
    redactor.register(secret)
    log = ev.EventLog(redactor)
    log.open(tmp_path)
    log.emit(ev.HEDGE_FAILURE, "ETH", client_ids="lh-1", status="rejected", filled_base=0,
             reason=f"AuthenticationError: key {secret} refused")
    log.close()
    text = (tmp_path / ev.EVENTS_FILE).read_text()
    assert secret not in text and "<redacted>" in text
    assert read_run_events(tmp_path).of(ev.HEDGE_FAILURE)[0].fields["status"] == "rejected"


def test_malformed_and_truncated_lines_are_counted_and_said(tmp_path, clock):
    write_events(tmp_path, clock)
    with open(tmp_path / ev.EVENTS_FILE, "a", encoding="utf-8") as fh:
        fh.write('["not an event"]\n{"ts_ns": 5}\n{"ts_ns": 17900000')
    run = read_run_events(tmp_path)
    assert run.malformed == 3 and len(run.events) == len(RUN)
    (tmp_path / "bot.log").write_text("\n".join(BOT_LOG[:1]) + "\n", encoding="utf-8")
    f = read_run(tmp_path)
    unreadable = [x for x in diagnose(f).findings if x.id == "unreadable_logs"]
    assert unreadable and "3 malformed events.jsonl lines" in unreadable[0].evidence


def test_a_run_dir_with_neither_file_says_where_events_would_come_from(tmp_path):
    (tmp_path / "summary.json").write_text('{"exit_reason": "duration"}')
    f = read_run(tmp_path)
    assert f.events_source == "" and read_run_log(tmp_path).source == ""
    assert "events read from: nowhere" in render_text(tmp_path, diagnose(f))
