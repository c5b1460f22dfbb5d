"""A recorded market on disk: the layout `record` writes and `lab --recording` reads.

One directory: `meta.json` (markets, tick, lot, venue) and one JSON line per received message
in a file per stream, each line carrying `ts_ns` (wall clock at receipt):
- `lighter_book.jsonl[.gz]`: Lighter `order_book` frames as received (`{"ts_ns", "frame"}`);
- `lighter_trades.jsonl[.gz]`: Lighter public `trade` frames as received (same shape);
- `hedge_book.jsonl[.gz]`: the hedge venue's book as ccxt gave it (`{"ts_ns", "source",
  "bids": [[price, base], ...], "asks": [...]}`), best first.
Raw Lighter frames are kept so the reader goes through the production parser and book.
"""
from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator

import orjson

from hedge.adapters.lighter import messages as m
from hedge.adapters.lighter.parse import parse_frame

FORMAT = 1
META = "meta.json"
LIGHTER_BOOK = "lighter_book"
LIGHTER_TRADES = "lighter_trades"
HEDGE_BOOK = "hedge_book"
STREAMS = (LIGHTER_BOOK, LIGHTER_TRADES, HEDGE_BOOK)
META_KEYS = ("lighter_market", "lighter_market_id", "tick", "lot", "hedge_venue", "hedge_symbol")


class RecordingError(ValueError):
    """A recording directory that cannot be replayed; the message names the file and the fix."""


class StreamWriter:
    """One stream's lines, gzip-compressed unless told otherwise."""

    def __init__(self, out: Path, stream: str, compress: bool = True) -> None:
        self.path = out / f"{stream}.jsonl{'.gz' if compress else ''}"
        self._file: IO[bytes] = (gzip.open(self.path, "wb", compresslevel=5) if compress
                                 else open(self.path, "wb"))  # noqa: SIM115 - closed in close()
        self.lines = 0

    def write(self, line: dict[str, Any]) -> None:
        self._file.write(orjson.dumps(line) + b"\n")
        self.lines += 1

    def close(self) -> None:
        self._file.close()


def write_meta(out: Path, meta: dict[str, Any]) -> None:
    (out / META).write_text(json.dumps({"format": FORMAT, **meta}, indent=2) + "\n",
                            encoding="utf-8")


@dataclass(frozen=True)
class RecordedEvent:
    t_ms: float                    # since the recording's start
    stream: str
    payload: Any                   # a parsed Lighter message, or a hedge book dict


@dataclass(frozen=True)
class Recording:
    meta: dict[str, Any]
    events: list[RecordedEvent]    # time order; at one instant trades come before books
    duration_s: float


def stream_path(directory: Path, stream: str) -> Path | None:
    for name in (f"{stream}.jsonl.gz", f"{stream}.jsonl"):
        if (directory / name).is_file():
            return directory / name
    return None


def _lines(path: Path) -> Iterator[tuple[int, dict]]:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            for number, text in enumerate(handle, 1):
                if not text.strip():
                    continue
                try:
                    line = orjson.loads(text)
                except orjson.JSONDecodeError:
                    raise RecordingError(f"{path} line {number} is not JSON; a recording's "
                                         f"lines are JSON objects with ts_ns") from None
                if not isinstance(line, dict) or not isinstance(line.get("ts_ns"), int):
                    raise RecordingError(f"{path} line {number} has no integer ts_ns")
                yield number, line
    except EOFError:           # a recording cut short (killed mid-write): keep what is whole
        return
    except (OSError, gzip.BadGzipFile) as exc:
        raise RecordingError(f"{path}: cannot read it ({exc})") from None


def read_meta(directory: Path) -> dict[str, Any]:
    if not directory.is_dir():
        raise RecordingError(f"--recording {directory}: no such directory; give the directory "
                             f"`python run.py record` wrote")
    path = directory / META
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecordingError(f"{path} is missing; a recording directory holds meta.json and "
                             f"the stream files `python run.py record` writes") from None
    except json.JSONDecodeError as exc:
        raise RecordingError(f"{path} is not JSON ({exc})") from None
    missing = [k for k in META_KEYS if not isinstance(meta, dict) or k not in meta]
    if missing:
        raise RecordingError(f"{path} lacks {', '.join(missing)}; it needs {', '.join(META_KEYS)}")
    return meta


def read_recording(directory: str | Path) -> Recording:
    """Every stream parsed and merged in time order (the Lighter frames by the production
    parser); times are ms since the first line of any stream."""
    directory = Path(directory)
    meta = read_meta(directory)
    raw: list[tuple[int, int, str, Any]] = []
    for order, stream in enumerate((LIGHTER_TRADES, LIGHTER_BOOK, HEDGE_BOOK)):
        path = stream_path(directory, stream)
        if path is None:
            raise RecordingError(f"{directory} has no {stream}.jsonl(.gz); re-record with "
                                 f"`python run.py record`")
        for number, line in _lines(path):
            raw.append((line["ts_ns"], order, stream, _payload(path, number, stream, line)))
    raw = [r for r in raw if r[3] is not None]
    if not any(r[2] == LIGHTER_BOOK for r in raw) or not any(r[2] == HEDGE_BOOK for r in raw):
        raise RecordingError(f"{directory} holds no Lighter book or no hedge book; record for "
                             f"longer (`--duration`)")
    raw.sort(key=lambda r: (r[0], r[1]))
    start_ns = raw[0][0]
    events = [RecordedEvent((ts - start_ns) / 1e6, stream, payload)
              for ts, _, stream, payload in raw]
    return Recording(meta, events, events[-1].t_ms / 1000)


def _payload(path: Path, number: int, stream: str, line: dict) -> Any:
    """The parsed message a line carries; None for what the replay does not use (acks)."""
    if stream == HEDGE_BOOK:
        try:
            return {side: [(float(p), float(s)) for p, s, *_ in line[side]]
                    for side in ("bids", "asks")}
        except (KeyError, TypeError, ValueError):
            raise RecordingError(f"{path} line {number}: a hedge book line needs bids and "
                                 f"asks as [[price, base], ...]") from None
    message = parse_frame(line.get("frame"), 0)
    wanted = m.OrderBookFrame if stream == LIGHTER_BOOK else m.Trades
    return message if isinstance(message, wanted) else None
