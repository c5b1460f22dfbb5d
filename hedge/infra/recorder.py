"""Every WebSocket frame in and out, one JSON object a line, for diagnose and replay.

Inbound text is spliced into the line as received (no decode/re-encode on the hot
path) unless it carries an `auth` field or is not one line of valid JSON; then the
redacted decoded frame (or the redacted text as a string) is written instead.
Writes are buffered and flushed every `flush_ms` and on close.

Past `rotate_bytes` the live file is closed as `ws_lighter.<n>.jsonl` and a new one opened; a
worker thread compresses the closed part to `ws_lighter.<n>.jsonl.gz` (never the event loop) and
then holds the run directory under `max_run_bytes` by deleting the oldest frame parts, with a
WARNING naming what went. hedge/infra/frame_files.py reads the parts back as one stream.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import orjson

from hedge.infra.frame_parts import FramePartKeeper
from hedge.infra.redact import REDACTOR, Redactor

MB = 1_000_000
ROTATE_MB = 100          # logging.frames_rotate_mb's default
MAX_RUN_MB = 2000        # logging.max_run_mb's default


class FrameRecorder:
    def __init__(self, path: str | Path, *, flush_ms: int = 200, redactor: Redactor = REDACTOR,
                 rotate_bytes: int = ROTATE_MB * MB, max_run_bytes: int = MAX_RUN_MB * MB) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "ab", buffering=1 << 16)  # noqa: SIM115 - closed in close()
        self._flush_s = flush_ms / 1000
        self._last_flush = time.monotonic()
        self._redactor = redactor
        self.lines = 0
        self._rotate_bytes = rotate_bytes
        self._bytes = self._file.tell()
        self.parts = FramePartKeeper(self.path, max_run_bytes)

    def record_in(self, conn: str, text: str, frame: Any = None, ts_ns: int | None = None) -> None:
        """`frame` is the decoded text, or None when it did not decode."""
        head = self._head(conn, "in", ts_ns)
        if frame is not None and '"auth"' not in text and "\n" not in text:
            self._write(head + text.encode() + b"}\n")
        elif frame is not None:
            self._write(head + orjson.dumps(self._redactor.redact_frame(frame)) + b"}\n")
        else:
            self._write(head + orjson.dumps(self._redactor.redact_text(text)) + b"}\n")

    def record_out(self, conn: str, frame: Any, ts_ns: int | None = None) -> None:
        self._write(self._head(conn, "out", ts_ns) + orjson.dumps(self._redactor.redact_frame(frame)) + b"}\n")

    @staticmethod
    def _head(conn: str, direction: str, ts_ns: int | None) -> bytes:
        ts = time.time_ns() if ts_ns is None else ts_ns
        return b'{"ts_ns":%d,"conn":%s,"dir":"%s","frame":' % (ts, orjson.dumps(conn), direction.encode())

    def _write(self, line: bytes) -> None:
        if self._file.closed:
            return
        self._file.write(line)
        self.lines += 1
        self._bytes += len(line)
        if self._bytes >= self._rotate_bytes:
            self.rotate()
        self.flush_if_due()

    def rotate(self) -> None:
        """Close the live file as the next part, open a new one, compress the part off-thread."""
        if self._file.closed:
            return
        self._file.close()
        closed = self.parts.close_live()
        self._file = open(self.path, "ab", buffering=1 << 16)  # noqa: SIM115 - closed in close()
        self._bytes = 0
        self.parts.compress(closed)

    def flush_if_due(self) -> None:
        now = time.monotonic()
        if now - self._last_flush >= self._flush_s and not self._file.closed:
            self._file.flush()
            self._last_flush = now

    def flush(self) -> None:
        if not self._file.closed:
            self._file.flush()
            self._last_flush = time.monotonic()

    def close(self) -> None:
        """Flush and close; waits for the parts being compressed (the stop sequence allows it)."""
        if not self._file.closed:
            self._file.flush()
            self._file.close()
        self.parts.wait()
