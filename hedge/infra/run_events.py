"""A run's events for its readers (diagnose, the report): events.jsonl when the run wrote one,
else the same events read back from bot.log's lines (runs from before events.jsonl).

This is the one bot.log reader of events: both readers go through `read_run_events`, or fold
`events_from_log_line` over lines they read anyway, so the two never drift apart again.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from hedge.infra import events as ev
from hedge.infra.events import Event, RunEvents

BOT_LOG = "bot.log"
# `2026-11-21 23:52:09.349 | INFO     | hedge.x:55 | message` (hedge/infra/logs.py FILE_FORMAT)
LINE_RE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) \| (\w+)\s*\| ([^|]*)\| (.*)$")
_START = re.compile(r"^run (\d{8}T\d{6}Z-[0-9a-f]{6})(?: \((\w+) mode\))?")
_STARTUP = re.compile(r"startup reconciled(?: (\S+))?: lighter (\S+) hedge (\S+)"
                      r"(?: \(lookups (\d+), re-hedged (\d+)\))?")
_FILL = re.compile(r"\[LIGHTER WS\] Order (?:FILLED|partial fill) order_index=(\S+) "
                   r"client_order_index=(\S+) market=\S+ side=(\S+) size=(\S+) price=(\S+) "
                   r".*?status=(\S+) fill_id=(\S+)")
_SUBMIT = re.compile(r"\[HEDGE\] submit (buy|sell) (\S+) for fill (\S+) \(owed (\S+)\)"
                     r"(?: assumed_price=(\S+))?")
_ACK = re.compile(r"\[HEDGE\] ack (\S+) filled (-?[\d.]+)(?: avg (\S+))?(?: lookups (\d+))?"
                  r"(?: submit ([\d.]+) ms ack ([\d.]+) ms)?")
_FAILURE = re.compile(r"\[HEDGE\] failure (\S+)(?: status=(\S+))?(?: filled=(\S+))?"
                      r"(?: reason=(.*))?")
_PAUSED = re.compile(r"MARKET PAUSED (\S+): (.*)")
_CONNECT_FAILED = re.compile(r"\[LIGHTER WS\] connection to (\S+) failed: (.*)")
_DISCONNECTED = re.compile(r"\[LIGHTER WS\] disconnected from (\S+) code=(\S+) reason=(.*)")
_RECONNECTED = re.compile(r"\[LIGHTER WS\] reconnected and resubscribed (\d+) channels "
                          r"\(reconnect #(\d+)\)")
_RESYNC = re.compile(r"\[LIGHTER WS\] order book (\d+) needs resync \((.*)\)")
_RATE_LIMIT = re.compile(r"Lighter rate limit \(429\) on (\S+): code=(\S+)")
_STOPPING = re.compile(r"^stopping: (.*)")
_WORD = re.compile(r"(\w+)=(\([^)]*\)|\S+)")
_MARKET_PART = re.compile(r"^(\S+): (.*)$")
_MARKET_PAUSED_PART = re.compile(r"PAUSED\((.*)\)")
_STATUS_NAMES = {"lighter_pos": "lighter_base", "hedge_pos": "hedge_base", "owed": "owed_base"}


def parse_time(text: str) -> int:
    """bot.log times are local wall-clock times (loguru's default), to the ms; as ns."""
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f").timestamp() * 1000) * 1_000_000


def events_from_message(ts_ns: int, msg: str) -> list[Event]:  # noqa: C901 - one table of lines
    """The events one bot.log message stands for (most stand for none)."""
    if "📨" in msg:                                  # per-frame DEBUG lines: never an event
        return []
    if "[STATUS]" in msg:
        return _status(ts_ns, msg[msg.index("[STATUS]") + len("[STATUS]"):])
    if "[HEDGE] " in msg:
        return _hedge(ts_ns, msg)
    if "[LIGHTER WS]" in msg:
        return _stream(ts_ns, msg)
    if m := _START.match(msg):
        return [Event(ts_ns, ev.START, "", {"run_id": m.group(1), "mode": m.group(2)})]
    if m := _STARTUP.search(msg):
        return [Event(ts_ns, ev.STARTUP_RECONCILED, m.group(1) or "",
                      {"lighter_base": m.group(2), "hedge_base": m.group(3),
                       "lookups": _int(m.group(4)), "rehedged": _int(m.group(5))})]
    if m := _PAUSED.search(msg):
        return [Event(ts_ns, ev.MARKET_PAUSED, m.group(1), {"reason": m.group(2)})]
    if "KILL SWITCH:" in msg:
        return [Event(ts_ns, ev.KILL, "", {"reason": msg.split("KILL SWITCH:", 1)[1].strip()})]
    if m := _RATE_LIMIT.search(msg):
        return [Event(ts_ns, ev.RATE_LIMITED, "", {"venue": "lighter", "endpoint": m.group(1),
                                                   "code": _int(m.group(2))})]
    if m := _STOPPING.match(msg):
        return [Event(ts_ns, ev.STOP, "", {"reason": m.group(1)})]
    return []


def _hedge(ts_ns: int, msg: str) -> list[Event]:
    if m := _SUBMIT.search(msg):
        return [Event(ts_ns, ev.HEDGE_SUBMIT, "", {
            "fill_id": m.group(3), "side": m.group(1), "size_base": m.group(2),
            "owed_base": m.group(4), "assumed_price": _known(m.group(5))})]
    if m := _ACK.search(msg):
        return [Event(ts_ns, ev.HEDGE_ACK, "", {
            "client_ids": m.group(1), "filled_base": m.group(2), "avg_price": _known(m.group(3)),
            "lookups": _int(m.group(4)), "submit_ms": _float(m.group(5)),
            "ack_ms": _float(m.group(6))})]
    if m := _FAILURE.search(msg):
        return [Event(ts_ns, ev.HEDGE_FAILURE, "", {
            "client_ids": m.group(1), "status": m.group(2), "filled_base": m.group(3),
            "reason": m.group(4) if m.group(4) is not None else msg.split("failure", 1)[1].strip()})]
    return []


def _stream(ts_ns: int, msg: str) -> list[Event]:
    if m := _FILL.search(msg):
        return [Event(ts_ns, ev.FILL, "", {
            "fill_id": m.group(7), "order_index": _int(m.group(1)),
            "client_order_index": _int(m.group(2)), "side": m.group(3), "size_base": m.group(4),
            "price": m.group(5), "status": m.group(6)})]
    if m := _CONNECT_FAILED.search(msg):
        return [Event(ts_ns, ev.WS_CONNECT_FAILED, "", {"url": m.group(1), "error": m.group(2)})]
    if m := _DISCONNECTED.search(msg):
        return [Event(ts_ns, ev.WS_DISCONNECT, "", {"url": m.group(1), "code": _int(m.group(2)),
                                                    "reason": m.group(3).strip("'\"")})]
    if m := _RECONNECTED.search(msg):
        return [Event(ts_ns, ev.WS_RECONNECT, "", {"reconnects": _int(m.group(2)),
                                                   "channels": _int(m.group(1))})]
    if m := _RESYNC.search(msg):
        return [Event(ts_ns, ev.BOOK_RESYNC, "", {"market_id": _int(m.group(1)),
                                                  "reason": m.group(2)})]
    return []


def _status(ts_ns: int, body: str) -> list[Event]:
    """One event per market: the single-market line, or each `SYMBOL: ...` part of the
    several-markets line (the account's request counts go on each)."""
    parts = [p.strip() for p in body.split(" | ")]
    account = _words(parts[-1])
    tx, requests = _int(account.get("lighter_tx")), _int(account.get("lighter_requests"))
    if len(parts) == 1:
        words = _words(parts[0])
        fields = {_STATUS_NAMES.get(k, k): v for k, v in words.items() if k in _SINGLE_WORDS}
        fields["paused"] = words.get("paused", "").strip("()")
        return [Event(ts_ns, ev.STATUS, "", {**fields, "lighter_tx": tx,
                                             "lighter_requests": requests})]
    out = []
    for part in parts[1:-1]:
        m = _MARKET_PART.match(part)
        if m is None:
            continue
        words = _words(m.group(2))
        lighter, _, hedge = words.get("pos", "").partition("/")
        paused = _MARKET_PAUSED_PART.search(m.group(2))
        out.append(Event(ts_ns, ev.STATUS, m.group(1).rstrip(":"), {
            "mid": words.get("mid"), "bid": words.get("bid"), "ask": words.get("ask"),
            "paused": paused.group(1) if paused else "", "lighter_base": lighter or None,
            "hedge_base": hedge or None, "fills": _int(words.get("fills")),
            "owed_base": words.get("owed"), "lighter_tx": tx, "lighter_requests": requests}))
    return out


_SINGLE_WORDS = ("mid", "bid", "ask", "lighter_pos", "hedge_pos", "fills", "hedges", "owed")


def _words(text: str) -> dict[str, str]:
    return {k: v for k, v in _WORD.findall(text)}


def _int(text) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _float(text) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _known(text: str | None) -> str | None:
    return None if text in (None, "-", "None") else text


def events_from_log_line(line: str) -> list[Event]:
    match = LINE_RE.match(line.rstrip("\n"))
    if match is None:
        return []
    return events_from_message(parse_time(match.group(1)), match.group(4))


def events_from_log_lines(lines: Iterable[str], into: RunEvents | None = None) -> RunEvents:
    out = into if into is not None else RunEvents(source=BOT_LOG)
    for line in lines:
        out.events.extend(events_from_log_line(line))
    return out


def read_run_events(run_dir: str | Path) -> RunEvents:
    """events.jsonl when the run has one; else bot.log's lines read as events; else nothing
    (`source` says which)."""
    run = Path(run_dir)
    if (run / ev.EVENTS_FILE).exists():
        return ev.read_events_file(run / ev.EVENTS_FILE)
    if (run / BOT_LOG).exists():
        with open(run / BOT_LOG, encoding="utf-8", errors="replace") as lines:
            return events_from_log_lines(lines)
    return RunEvents()
