"""What bot.log says, as timed events: hedge latencies, status lines, stream events, kills.

Every reader here tolerates lines it does not know and fields that older runs lack: the report
shows what a run has and says what it does not.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}) \| (\w+)\s*\|[^|]*\| (.*)$")
_ACK = re.compile(r"\[HEDGE\] ack .* submit ([\d.]+) ms ack ([\d.]+) ms")
_STARTUP = re.compile(r"startup reconciled(?: (\S+))?: lighter (\S+) hedge (\S+)")
_TX = re.compile(r"\blighter_tx=(\d+)")
_REQUESTS = re.compile(r"\blighter_requests=(\d+)")
_PAUSED = re.compile(r"paused=\(([^)]*)\)")
_EVENT_PATTERNS = (
    ("reconnect", re.compile(r"\[LIGHTER WS\] reconnected")),
    ("disconnect", re.compile(r"\[LIGHTER WS\] (disconnected|no frame for|connection to .* failed)")),
    ("book resync", re.compile(r"\[LIGHTER WS\] order book \S+ needs resync")),
    ("kill switch", re.compile(r"KILL SWITCH: ")),
    ("hedge failure", re.compile(r"\[HEDGE\] failure")),
    ("rate limited", re.compile(r"rate.limited|\b429\b", re.I)),
)


@dataclass
class StatusPoint:
    ts: float
    lighter_tx: int | None
    lighter_requests: int | None
    paused: str


@dataclass
class LogEvent:
    ts: float
    kind: str
    text: str


@dataclass
class RunLog:
    first_ts: float | None = None
    last_ts: float | None = None
    summary_ts: float | None = None      # when summary.json was written: the run's end
    hedge_latency_ms: list[tuple[float, float, float]] = field(default_factory=list)  # ts, submit, ack
    status: list[StatusPoint] = field(default_factory=list)
    events: list[LogEvent] = field(default_factory=list)
    start_lighter_base: float = 0.0          # the first market's (of a one-market run: the run's)
    start_hedge_base: float = 0.0
    start_by_market: dict[str, tuple[float, float]] = field(default_factory=dict)  # lighter, hedge
    errors: int = 0


def _ts(text: str) -> float:
    """bot.log times are local wall-clock times (loguru's default)."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f").timestamp()


def read_run_log(path: Path) -> RunLog:
    log = RunLog()
    if not path.exists():
        return log
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            match = _LINE.match(line)
            if not match:
                continue
            stamp, level, text = match.groups()
            if "📨" in text or text.startswith("   "):   # per-frame DEBUG lines: not needed here
                if log.first_ts is None:
                    log.first_ts = _ts(stamp)
                continue
            ts = _ts(stamp)
            log.first_ts = ts if log.first_ts is None else log.first_ts
            log.last_ts = ts
            if level in ("ERROR", "CRITICAL"):
                log.errors += 1
            _read_line(log, ts, text)
    return log


def _read_line(log: RunLog, ts: float, text: str) -> None:
    if "[HEDGE] ack" in text:
        ack = _ACK.search(text)
        if ack:
            log.hedge_latency_ms.append((ts, float(ack.group(1)), float(ack.group(2))))
        return
    if "[STATUS]" in text:
        tx, req, paused = _TX.search(text), _REQUESTS.search(text), _PAUSED.search(text)
        log.status.append(StatusPoint(ts, int(tx.group(1)) if tx else None,
                                      int(req.group(1)) if req else None,
                                      paused.group(1) if paused else ""))
        return
    if text.startswith("summary: "):
        log.summary_ts = ts
        return
    startup = _STARTUP.search(text)
    if startup:
        start = (_number(startup.group(2)), _number(startup.group(3)))
        if not log.start_by_market:
            log.start_lighter_base, log.start_hedge_base = start
        log.start_by_market[startup.group(1) or ""] = start
        return
    for kind, pattern in _EVENT_PATTERNS:
        if pattern.search(text):
            log.events.append(LogEvent(ts, kind, text.strip()[:200]))
            return


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0
