"""`python run.py replay FILE`: recorded frames through the bot's own parser, book and detector.

Accepts a run's `ws_lighter.jsonl` or its run directory (recorder lines
`{"ts_ns","conn","dir","frame"}`; only `dir: in` frames are fed; the rotated parts
`ws_lighter.<n>.jsonl.gz` are read first, as one stream), a jsonl of bare frames, a JSON file holding one frame, a list of
frames, or capture wrappers `{"data": frame}`, or a directory of such `.json` files (read in
name order). Malformed lines are counted, never fatal.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from hedge.adapters.lighter import messages as m
from hedge.adapters.lighter.parse import parse_frame
from hedge.core.fill_detector import FillDetector
from hedge.core.order_book import BookState, OrderBook
from hedge.core.types import FillDelta
from hedge.infra.frame_files import LIVE_NAME, frame_lines, frame_parts


@dataclass
class ReplayReport:
    frames_in: int = 0
    frames_out: int = 0
    malformed_lines: int = 0
    types: dict[str, int] = field(default_factory=dict)
    fills: list[FillDelta] = field(default_factory=list)
    book_resyncs: list[str] = field(default_factory=list)
    books: dict[int, dict[str, Any]] = field(default_factory=dict)
    unexpected: list[str] = field(default_factory=list)
    dropped_entries: list[str] = field(default_factory=list)   # "<type>: <reason>" per entry
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "frames_in": self.frames_in, "frames_out": self.frames_out,
            "malformed_lines": self.malformed_lines, "types": self.types,
            "fills": [{"fill_id": d.fill_id, "order_index": d.order_index,
                       "client_order_index": d.client_order_index, "market": d.market_id,
                       "side": d.side.value, "size": str(d.size), "price": str(d.price),
                       "cum_filled": str(d.cum_filled_base), "status": d.status} for d in self.fills],
            "book_resyncs": self.book_resyncs, "books": self.books,
            "unexpected": self.unexpected, "dropped_entries": self.dropped_entries,
            "errors": self.errors,
        }


class FrameReplayer:
    """The stream path of the bot without the socket: parse, keep books, detect fills."""

    def __init__(self) -> None:
        self.report = ReplayReport()
        self.detector = FillDetector()
        self.books: dict[int, OrderBook] = {}
        self._resyncing: set[int] = set()

    def feed(self, frame: Any) -> None:
        r = self.report
        r.frames_in += 1
        msg = parse_frame(frame)
        kind = msg.type or type(msg).__name__
        r.types[kind] = r.types.get(kind, 0) + 1
        r.dropped_entries.extend(f"{kind}: {reason}" for reason in m.dropped_entries(msg))
        if isinstance(msg, m.Unknown):
            r.unexpected.append(f"{kind or '?'}: {msg.reason}")
        elif isinstance(msg, m.ErrorFrame):
            r.errors.append(f"code={msg.code} {msg.message}")
        elif isinstance(msg, m.OrderBookFrame):
            self._on_book(msg)
        elif isinstance(msg, m.AccountOrders):
            r.fills.extend(self.detector.on_updates(msg.all_orders()))

    def _on_book(self, msg: m.OrderBookFrame) -> None:
        book = self.books.setdefault(msg.market_id, OrderBook(msg.market_id))
        if isinstance(msg, m.OrderBookSnapshot):
            book.apply_snapshot(msg.asks, msg.bids, nonce=msg.nonce, offset=msg.offset)
            self._resyncing.discard(msg.market_id)
        else:
            book.apply_update(msg.asks, msg.bids, nonce=msg.nonce, begin_nonce=msg.begin_nonce,
                              offset=msg.offset)
        if book.state is BookState.NEEDS_RESYNC and msg.market_id not in self._resyncing:
            self._resyncing.add(msg.market_id)
            self.report.book_resyncs.append(f"market {msg.market_id}: {book.resync_reason}")

    def finish(self) -> ReplayReport:
        for market, book in self.books.items():
            bid, ask = book.best_bid(), book.best_ask()
            self.report.books[market] = {
                "state": book.state.name.lower(), "snapshots": book.snapshots_applied,
                "updates": book.updates_applied, "best_bid": str(bid.price) if bid else None,
                "best_ask": str(ask.price) if ask else None}
        return self.report


def _frames_of_json(value: Any) -> Iterator[Any]:
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict) and "frame" in item and "dir" in item:
            if item.get("dir") == "in":
                yield item["frame"]
        elif isinstance(item, dict) and "data" in item and "type" not in item:
            yield item["data"]                                 # capture wrapper
        else:
            yield item


def replay_path(path: str | Path) -> ReplayReport:
    """Replay a file or a directory of files; FileNotFoundError when it does not exist."""
    source = Path(path)
    if not source.exists():
        raise FileNotFoundError(f"no such file or directory: {source}")
    replayer = FrameReplayer()
    if _is_run_record(source):
        _replay_lines(frame_lines(source), replayer)
        return replayer.finish()
    files = sorted(p for p in source.iterdir() if p.suffix in (".json", ".jsonl")) \
        if source.is_dir() else [source]
    for file in files:
        _replay_file(file, replayer)
    return replayer.finish()


def _is_run_record(source: Path) -> bool:
    """A run directory (or its live file): the recorder's parts, read as one stream."""
    if source.is_dir():
        return (source / LIVE_NAME).exists() or any(p.name != LIVE_NAME for p in frame_parts(source))
    return source.name == LIVE_NAME


def _replay_file(file: Path, replayer: FrameReplayer) -> None:
    text = file.read_text(encoding="utf-8", errors="replace")
    if file.suffix == ".json":
        try:
            value = json.loads(text)
        except ValueError:
            replayer.report.malformed_lines += 1
            return
        for frame in _frames_of_json(value):
            replayer.feed(frame)
        return
    _replay_lines(text.splitlines(), replayer)


def _replay_lines(lines, replayer: FrameReplayer) -> None:
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            replayer.report.malformed_lines += 1
            continue
        if isinstance(record, dict) and "dir" in record and "frame" in record:
            if record["dir"] == "in":
                replayer.feed(record["frame"])
            else:
                replayer.report.frames_out += 1
        else:
            for frame in _frames_of_json(record):
                replayer.feed(frame)


def render_text(path: str | Path, r: ReplayReport) -> str:
    lines = [f"replay {path}: {r.frames_in} frames in, {r.frames_out} out, "
             f"{r.malformed_lines} malformed lines skipped"]
    lines.append("frame types: " + ", ".join(f"{k}={v}" for k, v in sorted(r.types.items())))
    lines.append(f"fills: {len(r.fills)}")
    for d in r.fills:
        lines.append(f"  fill {d.fill_id} market={d.market_id} side={d.side.value} size={d.size} "
                     f"price={d.price} cum_filled={d.cum_filled_base} status={d.status}")
    lines.append(f"book resyncs: {len(r.book_resyncs)}")
    lines += [f"  {text}" for text in r.book_resyncs]
    for market, book in sorted(r.books.items()):
        lines.append(f"book {market}: {book}")
    lines.append(f"dropped entries: {len(r.dropped_entries)}")
    lines += [f"  {text}" for text in r.dropped_entries[:20]]
    lines.append(f"unexpected frames: {len(r.unexpected)}")
    lines += [f"  {text}" for text in r.unexpected[:20]]
    lines.append(f"error frames: {len(r.errors)}")
    lines += [f"  {text}" for text in r.errors[:20]]
    return "\n".join(lines)
