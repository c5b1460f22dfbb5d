"""Every WebSocket frame in and out, one JSON object a line, for diagnose and replay.

Inbound text is spliced into the line as received (no decode/re-encode on the hot
path) unless it carries an `auth` field or is not one line of valid JSON; then the
redacted decoded frame (or the redacted text as a string) is written instead.
Writes are buffered and flushed every `flush_ms` and on close.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import orjson

from hedge.infra.redact import REDACTOR, Redactor


class FrameRecorder:
    def __init__(self, path: str | Path, *, flush_ms: int = 200, redactor: Redactor = REDACTOR) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "ab", buffering=1 << 16)  # noqa: SIM115 - closed in close()
        self._flush_s = flush_ms / 1000
        self._last_flush = time.monotonic()
        self._redactor = redactor
        self.lines = 0

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
        self.flush_if_due()

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
        if not self._file.closed:
            self._file.flush()
            self._file.close()
