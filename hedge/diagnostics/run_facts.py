"""What a run's files say, as plain counts and samples: the facts the decision tree judges.

`read_run(run_dir)` reads events.jsonl (fills, hedges, pauses, kills, stream drops and
resyncs, status: the events the report reads too), bot.log (frames, orders, quotes, error
lines), ws_lighter.jsonl and summary.json; each reader never raises on a malformed or truncated
line (it counts it). A run from before events.jsonl gets its events from bot.log through the
one bot.log event reader (hedge/infra/run_events.py). `facts_from_log_lines`,
`facts_from_events` and `facts_from_jsonl_lines` are pure, so the decision tree is testable on
hand-written snippets.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hedge.adapters.lighter.messages import AUTH_ERROR_CODES
from hedge.infra import events as ev
from hedge.infra.events import EVENTS_FILE, read_events_file
from hedge.infra.run_events import LINE_RE, events_from_message, parse_time
from hedge.infra.frame_files import frame_lines, frame_parts
from hedge.infra.logs import HEDGE_TAG

CONNECTED_RE = re.compile(r"\[LIGHTER WS\] connected (\S+)")
SUBSCRIBE_RE = re.compile(r"\[LIGHTER WS\] subscribe (\S+)")
ERROR_FRAME_RE = re.compile(r"\[LIGHTER WS\] error code=(\S+) message=(.*?)(?: channel=\S*)?$")
FRAME_RE = re.compile(r"📨 \[LIGHTER WS\] (\S+) channel=")
ORDER_RE = re.compile(r"\[LIGHTER WS\]\s+order order_index=(\S+) client_order_index=(\S+) "
                      r"market=(\S+) status=(\S+) .*filled=(\S+) price=")
QUOTE_REJECT_RE = re.compile(r"\[QUOTE\] .* rejected: code=(\S+) (.*)")
QUOTE_ACCEPT_RE = re.compile(r"\[QUOTE\] (place|modify|cancel) .* accepted")
REST_AUTH_RE = re.compile(r"code=(" + "|".join(map(str, AUTH_ERROR_CODES)) + r") message='([^']*)'")
RATE_LIMIT_RE = re.compile(r"(?<![\d.])429(?![\d.s])|code=23000|Too Many Requests|rate.limited", re.I)
CLOCK_SKEW_RE = re.compile(r"(?<![\d.])-1021(?!\d)|recvWindow|clock skew", re.I)


@dataclass
class Event:
    """One dated sample of evidence."""

    time: str
    text: str


@dataclass
class RunFacts:
    run_dir: str = ""
    log_lines: int = 0
    continuation_lines: int = 0          # traceback / multi-line message bodies
    unreadable_lines: int = 0            # bad bytes or a truncated final line
    first_time: str = ""
    last_time: str = ""
    connected: list[str] = field(default_factory=list)          # times
    connect_failures: list[Event] = field(default_factory=list)
    disconnects: list[Event] = field(default_factory=list)      # "code=.. reason=.."
    subscribes: Counter = field(default_factory=Counter)        # channel kind -> count
    error_frames: list[tuple[str, int | None, str]] = field(default_factory=list)  # time, code, msg
    frames: Counter = field(default_factory=Counter)            # type -> count (bot.log 📨)
    frame_times: dict[str, list[str]] = field(default_factory=dict)   # type -> [first, last]
    order_statuses: Counter = field(default_factory=Counter)
    fills: list[Event] = field(default_factory=list)            # text = fill_id size
    fill_base: float = 0.0
    fill_signed_base: float = 0.0                               # buys +, sells -
    hedge_submits: list[Event] = field(default_factory=list)
    hedge_acks: list[Event] = field(default_factory=list)
    hedge_failures: list[Event] = field(default_factory=list)
    hedge_acked_base: float = 0.0
    hedge_signed_base: float = 0.0
    kill_switch: list[Event] = field(default_factory=list)
    market_pauses: list[Event] = field(default_factory=list)    # text = "<symbol>: <reason>"
    market_resumes: list[Event] = field(default_factory=list)   # text = "<symbol>: <reason>"
    quote_accepted: int = 0
    quote_rejects: list[tuple[str, int | None, str]] = field(default_factory=list)
    rest_auth_errors: list[Event] = field(default_factory=list)
    unexpected: list[Event] = field(default_factory=list)
    resyncs: list[Event] = field(default_factory=list)
    token_refreshes: list[Event] = field(default_factory=list)
    status_lines: list[Event] = field(default_factory=list)
    errors: list[Event] = field(default_factory=list)            # ERROR-level lines
    rate_limit_lines: list[Event] = field(default_factory=list)
    clock_skew_lines: list[Event] = field(default_factory=list)
    # ws_lighter.jsonl
    jsonl_present: bool = False
    jsonl_lines: int = 0
    jsonl_malformed: int = 0
    jsonl_in: Counter = field(default_factory=Counter)           # frame type -> count
    jsonl_out: Counter = field(default_factory=Counter)
    jsonl_errors: list[tuple[int | None, str]] = field(default_factory=list)
    # events.jsonl (or, for a run from before it, the same events read from bot.log)
    events_source: str = ""                                     # events.jsonl | bot.log | ""
    events_malformed: int = 0
    startup: list[Event] = field(default_factory=list)         # text = "<market>: lighter= hedge="
    # summary.json
    summary: dict[str, Any] | None = None
    summary_problem: str = ""
    log_present: bool = False

    def add_frame_time(self, kind: str, time: str) -> None:
        span = self.frame_times.setdefault(kind, [time, time])
        span[1] = time


def _int(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def facts_from_log_lines(lines, facts: RunFacts | None = None, with_events: bool = True) -> RunFacts:
    """Fold bot.log lines (str) into facts; anything unrecognised is skipped, never raised.
    `with_events`: also read the events from the lines (a run without events.jsonl)."""
    f = facts if facts is not None else RunFacts()
    if with_events:
        f.events_source = f.events_source or "bot.log"
    for raw in lines:
        f.log_lines += 1
        line = raw.rstrip("\n")
        match = LINE_RE.match(line)
        if match is None:
            if "\ufffd" in line:
                f.unreadable_lines += 1
            elif line.strip():
                f.continuation_lines += 1
            continue
        time, level, _, msg = match.group(1), match.group(2), match.group(3), match.group(4)
        f.first_time = f.first_time or time
        f.last_time = time
        _fold(f, time, level, msg)
        if with_events:
            facts_from_events(events_from_message(parse_time(time), msg), f)
    return f


def facts_from_events(events, facts: RunFacts | None = None) -> RunFacts:  # noqa: C901 - a table
    """Fold events (hedge/infra/events.py) into facts."""
    f = facts if facts is not None else RunFacts()
    for e in events:
        time = e.time
        if e.name == ev.FILL:
            size, side = e.number("size_base"), str(e.get("side", ""))
            f.fills.append(Event(time, f"{e.get('fill_id', '?')} side={side} size={e.get('size_base')}"))
            f.fill_base += size
            f.fill_signed_base += -size if side == "sell" else size
        elif e.name == ev.HEDGE_SUBMIT:
            f.hedge_submits.append(Event(time, e.text()[:300]))
        elif e.name == ev.HEDGE_ACK:
            f.hedge_acks.append(Event(time, e.text()[:300]))
            f.hedge_acked_base += abs(e.number("filled_base"))
            f.hedge_signed_base += e.number("filled_base")
        elif e.name == ev.HEDGE_FAILURE:
            f.hedge_failures.append(Event(time, e.text()[:300]))
        elif e.name == ev.KILL:
            f.kill_switch.append(Event(time, str(e.get("reason", ""))))
        elif e.name == ev.MARKET_PAUSED:
            f.market_pauses.append(Event(time, f"{e.market}: {str(e.get('reason', ''))[:200]}"))
        elif e.name == ev.MARKET_RESUMED:
            f.market_resumes.append(Event(time, f"{e.market}: {str(e.get('reason', ''))[:200]}"))
        elif e.name == ev.WS_CONNECT_FAILED:
            f.connect_failures.append(Event(time, str(e.get("error", ""))[:200]))
        elif e.name == ev.WS_DISCONNECT:
            f.disconnects.append(Event(time, f"code={e.get('code')} reason={e.get('reason', '')}"))
        elif e.name == ev.BOOK_RESYNC:
            f.resyncs.append(Event(time, f"order book {e.get('market_id')} needs resync "
                                         f"({e.get('reason', '')})"[:200]))
        elif e.name == ev.STATUS:
            f.status_lines.append(Event(time, e.text()[:300]))
        elif e.name == ev.STARTUP_RECONCILED:
            f.startup.append(Event(time, e.text()[:200]))
    return f


def _fold(f: RunFacts, time: str, level: str, msg: str) -> None:  # noqa: C901 - one table of tags
    if level in ("ERROR", "CRITICAL"):
        f.errors.append(Event(time, msg[:300]))
    if RATE_LIMIT_RE.search(msg) and "📨" not in msg:
        f.rate_limit_lines.append(Event(time, msg[:200]))
    if CLOCK_SKEW_RE.search(msg) and "📨" not in msg:
        f.clock_skew_lines.append(Event(time, msg[:200]))
    if "[LIGHTER WS]" in msg:
        _fold_ws(f, time, msg)
        return
    if m := QUOTE_REJECT_RE.search(msg):
        f.quote_rejects.append((time, _int(m.group(1)), m.group(2)[:200]))
    elif QUOTE_ACCEPT_RE.search(msg):
        f.quote_accepted += 1
    elif m := REST_AUTH_RE.search(msg):
        f.rest_auth_errors.append(Event(time, f"code={m.group(1)} {m.group(2)}"))


def _fold_ws(f: RunFacts, time: str, msg: str) -> None:
    if m := FRAME_RE.search(msg):
        f.frames[m.group(1)] += 1
        f.add_frame_time(m.group(1), time)
    elif m := ORDER_RE.search(msg):
        f.order_statuses[m.group(4)] += 1
    elif m := ERROR_FRAME_RE.search(msg):
        f.error_frames.append((time, _int(m.group(1)), m.group(2)[:200]))
    elif "UNEXPECTED MESSAGE TYPE" in msg:
        f.unexpected.append(Event(time, msg.split("UNEXPECTED MESSAGE TYPE:", 1)[-1][:200].strip()))
    elif m := CONNECTED_RE.search(msg):
        f.connected.append(time)
    elif m := SUBSCRIBE_RE.search(msg):
        f.subscribes[m.group(1).split("/", 1)[0]] += 1
    elif "auth token re-minted" in msg:
        f.token_refreshes.append(Event(time, msg.split("[LIGHTER WS]", 1)[1].strip()[:200]))


def facts_from_jsonl_lines(lines, facts: RunFacts | None = None) -> RunFacts:
    """Fold ws_lighter.jsonl lines into facts; malformed lines are counted, never raised."""
    f = facts if facts is not None else RunFacts()
    f.jsonl_present = True
    for line in lines:
        if not line.strip():
            continue
        f.jsonl_lines += 1
        try:
            record = json.loads(line)
            frame, direction = record["frame"], record["dir"]
        except (ValueError, KeyError, TypeError):
            f.jsonl_malformed += 1
            continue
        kind = frame.get("type", "?") if isinstance(frame, dict) else "?"
        if not isinstance(kind, str):
            kind = "?"
        if direction == "out":
            f.jsonl_out[kind] += 1
            continue
        f.jsonl_in[kind or "?"] += 1
        if isinstance(frame, dict) and (frame.get("error") is not None or kind == "error"):
            err = frame.get("error") if isinstance(frame.get("error"), dict) else frame
            code = err.get("code") if isinstance(err, dict) else None
            f.jsonl_errors.append((code if isinstance(code, int) else None,
                                   str(err.get("message", "") if isinstance(err, dict) else err)[:200]))
    return f


def read_summary(path: Path, facts: RunFacts) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        facts.summary_problem = "summary.json missing (the run is still going, or was killed)"
        return
    except (OSError, ValueError) as exc:
        facts.summary_problem = f"summary.json unreadable: {type(exc).__name__}"
        return
    if isinstance(data, dict):
        facts.summary = data
    else:
        facts.summary_problem = "summary.json is not an object"


def read_run(run_dir: str | Path) -> RunFacts:
    """The facts of one run directory (which must exist)."""
    run = Path(run_dir)
    facts = RunFacts(run_dir=str(run))
    events_file = run / EVENTS_FILE
    has_events = events_file.exists()
    if has_events:
        read = read_events_file(events_file)
        facts.events_source, facts.events_malformed = EVENTS_FILE, read.malformed
        facts_from_events(read.events, facts)
    log = run / "bot.log"
    if log.exists():
        facts.log_present = True
        with open(log, encoding="utf-8", errors="replace") as fh:
            facts_from_log_lines(fh, facts, with_events=not has_events)
    if frame_parts(run):                          # rotated parts and the live file, one stream
        facts_from_jsonl_lines(frame_lines(run), facts)
    read_summary(run / "summary.json", facts)
    return facts
