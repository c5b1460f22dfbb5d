"""events.jsonl: the run's events as data, for diagnose and the report (bot.log is for people).

The one place that names the events and their fields (docs/LOGGING.md lists them), writes them
and reads them back. One JSON object a line: `ts_ns` (wall clock, ns), `event`, `market` (the
Lighter symbol, on events of one market), then the event's fields. Decimal amounts are strings,
as in summary.json.

`emit()` only appends to a list: no encoding, no write on the fill-to-hedge path. The buffer is
encoded, redacted (hedge/infra/redact.py, as bot.log) and written (one write, no fsync) at each
status, kill, pause and stop event (none of them on that path; the status every 5 s bounds the
buffer) and on close. A process killed hard loses at most the events since the last status line.
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from hedge.infra.redact import REDACTOR, Redactor

EVENTS_FILE = "events.jsonl"

START = "start"
STARTUP_RECONCILED = "startup_reconciled"
STATUS = "status"
FILL = "fill"
HEDGE_SUBMIT = "hedge_submit"
HEDGE_ACK = "hedge_ack"
HEDGE_FAILURE = "hedge_failure"
MARKET_PAUSED = "market_paused"
MARKET_RESUMED = "market_resumed"
KILL = "kill"
WS_CONNECT_FAILED = "ws_connect_failed"
WS_DISCONNECT = "ws_disconnect"
WS_RECONNECT = "ws_reconnect"
BOOK_RESYNC = "book_resync"
RATE_LIMITED = "rate_limited"
STOP = "stop"

# Each event's fields besides ts_ns, event and market (docs/LOGGING.md, "events.jsonl").
FIELDS: dict[str, tuple[str, ...]] = {
    START: ("run_id", "mode"),
    STARTUP_RECONCILED: ("lighter_base", "hedge_base", "lookups", "rehedged"),
    STATUS: ("mid", "bid", "ask", "paused", "lighter_base", "hedge_base", "fills", "hedges",
             "owed_base", "lighter_tx", "lighter_requests"),
    FILL: ("fill_id", "order_index", "client_order_index", "side", "size_base", "price",
           "status"),
    HEDGE_SUBMIT: ("fill_id", "side", "size_base", "owed_base", "assumed_price"),
    HEDGE_ACK: ("client_ids", "filled_base", "avg_price", "lookups", "submit_ms", "ack_ms"),
    HEDGE_FAILURE: ("client_ids", "status", "filled_base", "reason"),
    MARKET_PAUSED: ("reason",),
    MARKET_RESUMED: ("reason",),
    KILL: ("reason",),
    WS_CONNECT_FAILED: ("url", "error"),
    WS_DISCONNECT: ("url", "code", "reason"),
    WS_RECONNECT: ("reconnects", "channels"),
    BOOK_RESYNC: ("market_id", "reason"),
    RATE_LIMITED: ("venue", "endpoint", "code"),
    STOP: ("reason",),
}
# Events after which the buffer is written at once (none of them is on the fill-to-hedge path).
FLUSH_ON = frozenset({START, STARTUP_RECONCILED, STATUS, MARKET_PAUSED, MARKET_RESUMED, KILL,
                      STOP})
# A memory bound only: 5 s between status events never gathers this many.
MAX_PENDING_EVENTS = 100_000
wall_clock_ns = time.time_ns          # the events' clock (a test sets its own)


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value"):          # enums (order sides, statuses)
        return value.value
    return str(value)


class EventLog:
    """The run's events.jsonl writer. Closed (every emit a no-op) until `open()`."""

    def __init__(self, redactor: Redactor = REDACTOR) -> None:
        self._redactor = redactor
        self.path: Path | None = None
        self._file = None
        self._pending: list[tuple[int, str, str, dict[str, Any]]] = []
        self.written = 0

    def open(self, run_dir: str | Path) -> Path:
        self.close()
        self.path = Path(run_dir) / EVENTS_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "ab")  # noqa: SIM115 - closed in close()
        return self.path

    def emit(self, event: str, market: str = "", **fields: Any) -> None:
        if self._file is None:
            return
        self._pending.append((wall_clock_ns(), event, market, fields))
        if event in FLUSH_ON or len(self._pending) >= MAX_PENDING_EVENTS:
            self.flush()

    def flush(self) -> None:
        if self._file is None or not self._pending:
            return
        pending, self._pending = self._pending, []
        lines = []
        for ts_ns, event, market, fields in pending:
            record = {"ts_ns": ts_ns, "event": event}
            if market:
                record["market"] = market
            record.update(fields)
            lines.append(orjson.dumps(record, default=_encode))
        text = self._redactor.redact_text(b"\n".join(lines).decode() + "\n")
        self._file.write(text.encode())
        self._file.flush()
        self.written += len(lines)

    def close(self) -> None:
        if self._file is not None:
            self.flush()
            self._file.close()
            self._file = None


# The process's one event log, like loguru's logger: the run opens it beside bot.log.
EVENTS = EventLog()
emit = EVENTS.emit


@dataclass(frozen=True)
class Event:
    ts_ns: int
    name: str
    market: str = ""
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def ts_s(self) -> float:
        return self.ts_ns / 1e9

    @property
    def time(self) -> str:
        """Local wall-clock time as bot.log prints it, to the ms."""
        return format_ts(self.ts_ns)

    def get(self, key: str, default: Any = None) -> Any:
        value = self.fields.get(key)
        return default if value is None else value

    def number(self, key: str, default: float = 0.0) -> float:
        try:
            return float(self.fields.get(key))
        except (TypeError, ValueError):
            return default

    def text(self) -> str:
        """The event's fields as `key=value` words: evidence for diagnose and the report."""
        head = f"{self.market}: " if self.market else ""
        return head + " ".join(f"{k}={v}" for k, v in self.fields.items() if v not in (None, ""))


@dataclass
class RunEvents:
    """A run's events and where they came from: `events.jsonl`, `bot.log` (a run from before
    events.jsonl) or "" (neither file)."""

    source: str = ""
    events: list[Event] = field(default_factory=list)
    malformed: int = 0

    def of(self, *names: str) -> list[Event]:
        return [e for e in self.events if e.name in names]


def format_ts(ts_ns: int) -> str:
    return datetime.fromtimestamp(ts_ns / 1e9).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def event_from_record(record: Any) -> Event | None:
    """One decoded line as an Event; None when it is not one (unknown names are kept)."""
    if not isinstance(record, dict):
        return None
    ts_ns, name = record.get("ts_ns"), record.get("event")
    if not isinstance(ts_ns, int) or not isinstance(name, str):
        return None
    market = record.get("market")
    fields = {k: v for k, v in record.items() if k not in ("ts_ns", "event", "market")}
    return Event(ts_ns, name, market if isinstance(market, str) else "", fields)


def read_event_lines(lines: Iterable[str | bytes], into: RunEvents | None = None) -> RunEvents:
    """events.jsonl lines as Events; a malformed or truncated line is counted, never raised."""
    out = into if into is not None else RunEvents(source=EVENTS_FILE)
    for line in lines:
        if not line.strip():
            continue
        try:
            event = event_from_record(orjson.loads(line))
        except orjson.JSONDecodeError:
            event = None
        if event is None:
            out.malformed += 1
        else:
            out.events.append(event)
    return out


def read_events_file(path: str | Path) -> RunEvents:
    with open(path, "rb") as lines:
        return read_event_lines(lines)
