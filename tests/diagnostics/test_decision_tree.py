"""The decision tree and the secondary findings over small hand-written log snippets."""
from __future__ import annotations

import json

import pytest

from hedge.diagnostics.decision_tree import diagnose
from hedge.diagnostics.findings import findings
from hedge.diagnostics.run_facts import (RunFacts, facts_from_jsonl_lines, facts_from_log_lines,
                                         read_run)

T = "2026-11-21 23:52:{:02d}.000 | {:<8} | hedge.x:1 | {}"
WS = "hedge.adapters.lighter.frame_log"

CONNECT = ["ℹ️ [LIGHTER WS] connected ws://127.0.0.1:1/stream"]
BOOK = ["ℹ️ [LIGHTER WS] subscribe order_book/0",
        "📨 [LIGHTER WS] subscribed/order_book channel=order_book:0 market=0 nonce=1 asks=20 bids=20",
        "📨 [LIGHTER WS] update/order_book channel=order_book:0 market=0 nonce=2 begin_nonce=1"]
ACCOUNT = ["ℹ️ [LIGHTER WS] subscribe account_orders/0/7",
           "📨 [LIGHTER WS] subscribed/account_orders channel=account_orders:0 account=7 orders=0 snapshot=True"]
PLACED = ["[QUOTE] place bid 0.01 @ 2999.19 coi=11 accepted (8.14 ms, sign 4.89 ms)"]
UPDATE = ["📨 [LIGHTER WS] update/account_orders channel=account_orders:0 account=7 market=0 orders=1 snapshot=False",
          "📨 [LIGHTER WS]   order order_index=5 client_order_index=11 market=0 status=open side=buy "
          "initial=0.0100 remaining=0.0100 filled=0 price=2999.19"]
FILL = ["📨 [LIGHTER WS]   order order_index=5 client_order_index=11 market=0 status=filled side=buy "
        "initial=0.0100 remaining=0 filled=0.0100 price=2999.19",
        "✅ [LIGHTER WS] Order FILLED order_index=5 client_order_index=11 market=0 side=buy size=0.0100 "
        "price=2999.19 cum_filled=0.0100 status=filled fill_id=5-0.01",
        "[HEDGE] submit sell 0.010 for fill 5-0.01 (owed -0.0100)"]
ACK = ["[HEDGE] ack lh-1-0.01 filled -0.01 avg 2999.33 lookups 0 submit 2.70 ms ack 4.52 ms"]
FAIL = ['[HEDGE] failure lh-1-0.01 status=rejected filled=0 reason=InsufficientFunds: binanceusdm '
        '{"code": -2019, "msg": "Margin is insufficient."}']


def facts(*messages: str, level: str = "INFO", summary: dict | None = None) -> RunFacts:
    lines = []
    for i, msg in enumerate(messages):
        lvl = "WARNING" if msg.startswith(("⚠️", "[HEDGE] failure")) else level
        lvl = "ERROR" if msg.startswith("KILL SWITCH") else lvl
        lines.append(T.format(i % 60, lvl, msg) + "\n")
    f = facts_from_log_lines(lines)
    f.summary = summary if summary is not None else {"exit_reason": "duration"}
    return f


@pytest.mark.parametrize("messages, scenario", [
    (CONNECT + BOOK + ACCOUNT + PLACED + UPDATE + FILL + ACK, "healthy"),
    (["ℹ️ [LIGHTER WS] connection to ws://h/stream failed: InvalidStatus: server rejected "
      "WebSocket connection: HTTP 503"], "no_connection"),
    (CONNECT + ["ℹ️ [LIGHTER WS] subscribe order_book/9",
                "⚠️ [LIGHTER WS] error code=30005 message='Invalid Channel:  (9)' channel="], "no_order_book"),
    (CONNECT + BOOK + ["ℹ️ [LIGHTER WS] subscribe account_orders/0/7",
                       "⚠️ [LIGHTER WS] error code=20013 message='invalid auth: expired token: "
                       "account_orders:0:7' channel="], "auth_failed"),
    (CONNECT + BOOK + ACCOUNT + PLACED, "no_account_updates"),
    (CONNECT + BOOK + ACCOUNT, "not_quoting"),
    (CONNECT + BOOK + ACCOUNT + PLACED + UPDATE, "no_fills"),
    (CONNECT + BOOK + ACCOUNT + PLACED + UPDATE + FILL + FAIL + FAIL + FAIL
     + ["KILL SWITCH: hedge_failures (3 in a row)"], "fills_not_hedged"),
    (CONNECT + BOOK + ACCOUNT + PLACED + UPDATE + FILL, "fills_not_hedged"),
])
def test_scenarios(messages, scenario):
    d = diagnose(facts(*messages))
    assert d.scenario == scenario, d.to_dict()
    assert d.guide.endswith("#" + scenario) and d.action


def test_key_refused_before_any_connection_is_auth_failed():
    f = facts("hedge.app.run_command | API key does not match", summary={
        "exit_reason": "error:LighterKeyError: the key is not registered"})
    assert diagnose(f).scenario == "auth_failed"


def test_opposite_fills_netted_into_no_hedge_are_healthy():
    sell = [FILL[0].replace("side=buy", "side=sell"),
            FILL[1].replace("side=buy", "side=sell").replace("fill_id=5-0.01", "fill_id=6-0.01")]
    d = diagnose(facts(*(CONNECT + BOOK + ACCOUNT + PLACED + UPDATE + FILL[:2] + sell),
                       summary={"exit_reason": "duration", "position": {"net_base": "0"}}))
    assert d.scenario == "healthy"


HEALTHY = CONNECT + BOOK + ACCOUNT + PLACED + UPDATE + FILL + ACK


@pytest.mark.parametrize("extra, finding", [
    (ACCOUNT + ["⚠️ [LIGHTER WS] error code=20013 message='invalid auth: expired token: "
                "account_orders:0:7' channel="], "auth_token_expired"),
    (["ℹ️ [LIGHTER WS] disconnected from ws://h/stream code=1008 reason='no pong'"], "no_pong"),
    (["[QUOTE] place bid 0.01 @ 1 coi=3 rejected: code=21104 invalid nonce"], "nonce_errors"),
    (["[HEDGE] failure lh-2 status=rejected filled=0 reason=RateLimitExceeded: binanceusdm 429 "
      "Too Many Requests"], "rate_limited"),
    (["ℹ️ [LIGHTER WS] order book 0 needs resync (nonce gap: begin_nonce 5 != last nonce 4): "
      "resubscribing"] * 3, "book_resync_storm"),
    (["📨 [LIGHTER WS]   order order_index=9 client_order_index=12 market=0 status=canceled-post-only "
      "side=buy initial=0.01 remaining=0.01 filled=0 price=1"] * 4, "post_only_rejects"),
    (['[HEDGE] failure lh-3 status=rejected filled=0 reason=InvalidNonce: binanceusdm {"code":-1021,'
      '"msg":"Timestamp for this request is outside of the recvWindow."}'], "clock_skew"),
    (["⚠️ [LIGHTER WS] UNEXPECTED MESSAGE TYPE: update/height reason=unknown type payload={}"],
     "unexpected_frames"),
    (["ℹ️ [LIGHTER WS] disconnected from ws://h/stream code=1006 reason=''"], "reconnects"),
    (FAIL, "hedge_failures"),
    (["KILL SWITCH: stale_stream (12000 ms)"], "kill_switch"),
])
def test_findings(extra, finding):
    healthy_ids = {f.id for f in findings(facts(*HEALTHY))}
    assert finding not in healthy_ids
    ids = {f.id for f in findings(facts(*(HEALTHY + extra)))}
    assert finding in ids, ids


def test_numbers_that_merely_contain_429_are_not_rate_limits():
    f = facts(*(HEALTHY + ["[STATUS] mid=3429.10 bid=4290.01 fills=1429 last_fill_to_hedge=0.429/1.42 ms"]))
    assert "rate_limited" not in {x.id for x in findings(f)}


def test_run_incomplete_and_unreadable_logs(tmp_path):
    (tmp_path / "bot.log").write_text(T.format(1, "INFO", CONNECT[0]) + "\n\ufffd\ufffd garbage\n"
                                      + "2026-11-21 23:5")
    (tmp_path / "ws_lighter.jsonl").write_text('{"ts_ns":1,"conn":"lighter","dir":"in","frame":'
                                               '{"type":"connected"}}\n{"ts_ns":2,"conn"\n')
    f = read_run(tmp_path)
    ids = {x.id for x in findings(f)}
    assert {"run_incomplete", "unreadable_logs"} <= ids
    assert f.jsonl_malformed == 1 and f.unreadable_lines == 1 and f.continuation_lines == 1
    assert diagnose(f).scenario == "no_order_book"


def test_jsonl_alone_counts_frames_and_errors():
    lines = [json.dumps({"ts_ns": 1, "conn": "lighter", "dir": d, "frame": fr}) for d, fr in (
        ("in", {"type": "connected"}), ("out", {"type": "subscribe", "channel": "order_book/0"}),
        ("in", {"error": {"code": 20013, "message": "invalid auth: expired token"}}))]
    f = facts_from_jsonl_lines(lines + ["not json", ""])
    assert f.jsonl_in["connected"] == 1 and f.jsonl_out["subscribe"] == 1
    assert f.jsonl_errors == [(20013, "invalid auth: expired token")] and f.jsonl_malformed == 1
