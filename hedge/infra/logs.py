"""Loguru for a run: console at the chosen level, `bot.log` at DEBUG, every line redacted.

The patcher scrubs each message (and folds any traceback into the message, scrubbed,
so that an exception text cannot leak a secret). Standard-library logging from the
SDK, websockets, ccxt and aiohttp is routed into loguru; noisy libraries only at WARNING+.
"""
from __future__ import annotations

import asyncio
import logging
import sys
import traceback
from collections import deque
from pathlib import Path

from loguru import logger

from hedge.infra.redact import REDACTOR, Redactor

NOISY_LIBRARIES = ("lighter", "websockets", "ccxt", "aiohttp", "urllib3", "asyncio", "apprise")
FILE_FORMAT = "{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <8} | {name}:{line} | {message}"
CONSOLE_FORMAT = "<green>{time:HH:mm:ss.SSS}</green> | <level>{level: <8}</level> | {message}"
# Starts every bot.log line about hedging (written by the app, read back by diagnose).
HEDGE_TAG = "[HEDGE]"


_LATER: deque[tuple] = deque()      # what after_this_step holds, oldest first


def after_this_step(fn, *args) -> None:
    """`fn(*args)` after every task that is ready now has run its step: what only records (a
    log line, a trades.csv row) leaves the way of fills to their hedges, even of several fills
    read in one frame (a zero-delay timer runs after the loop's ready queue). In call order."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:                 # no loop (a script, a test): now
        fn(*args)
        return
    if not _LATER:
        loop.call_later(0, _run_later)
    _LATER.append((fn, args))


def _run_later() -> None:
    while _LATER:
        fn, args = _LATER.popleft()
        try:
            fn(*args)
        except Exception as exc:         # a record that failed must not drop the ones after it
            logger.opt(exception=exc).error("deferred {} failed: {}", getattr(fn, "__name__", fn),
                                            exc)


class InterceptHandler(logging.Handler):
    """Send stdlib log records to loguru, keeping the caller's level and location."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        frame, depth = logging.currentframe(), 2
        while frame is not None and frame.f_code.co_filename == logging.__file__:
            frame, depth = frame.f_back, depth + 1
        logger.opt(depth=depth, exception=record.exc_info).log(level, record.getMessage())


def _redacting_patcher(redactor: Redactor):
    def patch(record) -> None:
        exc = record["exception"]
        if exc is not None and exc.type is not None:
            text = "".join(traceback.format_exception(exc.type, exc.value, exc.traceback))
            record["message"] = f"{record['message']}\n{text.rstrip()}"
            record["exception"] = None
        record["message"] = redactor.redact_text(record["message"])
    return patch


def setup_logging(run_dir: str | Path | None, console_level: str = "INFO", *,
                  rotation: str = "100 MB", retention: int = 10,
                  redactor: Redactor = REDACTOR, console: bool = True) -> Path | None:
    """Replace loguru's sinks with console + `run_dir/bot.log`; returns the bot.log path."""
    logger.remove()
    logger.configure(patcher=_redacting_patcher(redactor))
    if console:
        logger.add(sys.stderr, level=console_level.upper(), format=CONSOLE_FORMAT,
                   backtrace=False, diagnose=False)
    path = None
    if run_dir is not None:
        path = Path(run_dir) / "bot.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        logger.add(path, level="DEBUG", format=FILE_FORMAT, rotation=rotation, retention=retention,
                   enqueue=False, backtrace=False, diagnose=False, encoding="utf-8")
    root = logging.getLogger()
    root.handlers = [InterceptHandler()]
    root.setLevel(logging.INFO)
    for name in NOISY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    return path
