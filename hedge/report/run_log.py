"""What the run's events say, as the report's series: hedge latencies, status points, stream
events, the positions found at startup.

The events come from `hedge.infra.run_events` (events.jsonl, or bot.log for a run from before
it), the same reader diagnose uses. Every field may be missing: the report shows what a run has
and says what it does not.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hedge.infra import events as ev
from hedge.infra.events import RunEvents
from hedge.infra.run_events import read_run_events

# Event name -> the marker kind the requests plot shows.
_MARKERS = {ev.WS_RECONNECT: "reconnect", ev.WS_DISCONNECT: "disconnect",
            ev.WS_CONNECT_FAILED: "disconnect", ev.BOOK_RESYNC: "book resync",
            ev.KILL: "kill switch", ev.HEDGE_FAILURE: "hedge failure",
            ev.RATE_LIMITED: "rate limited", ev.MARKET_PAUSED: "market paused",
            ev.MARKET_RESUMED: "market resumed"}


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
    source: str = ""                     # events.jsonl, bot.log, or "" (neither)
    first_ts: float | None = None
    last_ts: float | None = None
    hedge_latency_ms: list[tuple[float, float, float]] = field(default_factory=list)  # ts, submit, ack
    status: list[StatusPoint] = field(default_factory=list)   # one per status tick
    events: list[LogEvent] = field(default_factory=list)
    start_lighter_base: float = 0.0      # summed over the markets, as trades.csv's rows are
    start_hedge_base: float = 0.0
    start_by_market: dict[str, tuple[float, float]] = field(default_factory=dict)  # lighter, hedge


def read_run_log(run_dir: Path) -> RunLog:
    return run_log_from_events(read_run_events(run_dir))


def run_log_from_events(run: RunEvents) -> RunLog:
    log = RunLog(source=run.source)
    for e in run.events:
        ts = e.ts_s
        log.first_ts = ts if log.first_ts is None else log.first_ts
        log.last_ts = ts
        if e.name == ev.HEDGE_ACK:
            if e.get("submit_ms") is not None and e.get("ack_ms") is not None:
                log.hedge_latency_ms.append((ts, e.number("submit_ms"), e.number("ack_ms")))
        elif e.name == ev.STATUS:
            _add_status(log, ts, e)
        elif e.name == ev.STARTUP_RECONCILED:
            start = (e.number("lighter_base"), e.number("hedge_base"))
            log.start_lighter_base += start[0]
            log.start_hedge_base += start[1]
            log.start_by_market[e.market or ""] = start
        elif e.name in _MARKERS:
            log.events.append(LogEvent(ts, _MARKERS[e.name], f"{e.name} {e.text()}"[:200]))
    return log


def _add_status(log: RunLog, ts: float, e: ev.Event) -> None:
    """Several markets write one status event each per tick: one point per tick (the request
    counts are the account's), their pauses joined."""
    paused = str(e.get("paused", ""))
    if log.status and log.status[-1].ts == ts:
        last = log.status[-1]
        if paused:
            last.paused = f"{last.paused}; {e.market}: {paused}" if last.paused else \
                f"{e.market}: {paused}"
        return
    tx, requests = e.get("lighter_tx"), e.get("lighter_requests")
    log.status.append(StatusPoint(ts, tx if isinstance(tx, int) else None,
                                  requests if isinstance(requests, int) else None,
                                  f"{e.market}: {paused}" if paused and e.market else paused))
