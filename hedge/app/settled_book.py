"""SettledBookWait: quotes are placed from nothing only on a hedge book read as it streams.

At startup (and whenever both sides are down) the hedge book the engine sees can be one the
event loop read late: the stream's first book is the REST snapshot ccxt builds it from, and on
a busy loop the diffs behind it wait in the socket while the startup work of every market runs.
A quote priced on it rests on a price already `book_age_ms` old. So a market with nothing
resting waits until the book is at most `SETTLED_BOOK_AGE_MS` old (the stream's 100 ms cadence
plus the trip), and quotes anyway after `SETTLE_WAIT_MAX_S` (a venue far away never gets that
young; `hedge.book_max_age_ms` still bounds it). Moving a resting quote never waits: the quote
resting is older than any book at hand.
"""
from __future__ import annotations

from loguru import logger

SETTLED_BOOK_AGE_MS = 150.0
SETTLE_WAIT_MAX_S = 5.0


class SettledBookWait:
    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self._since_s: float | None = None   # when the wait for a settled book began
        self.waits = 0                       # quote decisions skipped on an unsettled book

    def allows(self, book_age_ms: float | None, resting: bool, now_s: float) -> bool:
        """May quotes be placed now? `resting`: some quote is on the book already."""
        if resting or book_age_ms is None:   # no book: no price, nothing is placed anyway
            self._since_s = None
            return True
        if book_age_ms <= SETTLED_BOOK_AGE_MS:
            self._since_s = None
            return True
        if self._since_s is None:
            self._since_s = now_s
        if now_s - self._since_s >= SETTLE_WAIT_MAX_S:
            if self.waits:
                logger.info("[QUOTE] {} hedge book never under {:.0f} ms in {:.0f} s: quoting on "
                            "one {:.0f} ms old", self.symbol, SETTLED_BOOK_AGE_MS,
                            SETTLE_WAIT_MAX_S, book_age_ms)
            self._since_s = now_s              # log again only after another full wait
            self.waits = 0
            return True
        self.waits += 1
        return False
