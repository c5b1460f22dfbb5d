"""What the markets of one account share besides the stream: the client order indexes and the
cap on quote transactions (`lighter.tx_rate_per_min` is per account, not per market).

Lighter knows an order by (account, client order index): two markets handing out the same index
would make one order unfindable, and a restart reusing one would confuse recovery. So one source
per account serves every market, never repeating within a run, and starts above every index the
journal holds (and above the wall clock's milliseconds x 64, for a journal that was lost).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hedge.infra.clock import REAL_CLOCK
from hedge.infra.journal import Journal
from hedge.infra.rate_limit import TokenBucket

CLIENT_INDEX_MAX = 2**48 - 1


class ClientIndexExhausted(RuntimeError):
    """No client order index left below Lighter's maximum."""


class ClientIndexSource:
    """Strictly increasing client order indexes for one account."""

    def __init__(self, journal: Journal | None = None, clock=REAL_CLOCK) -> None:
        floor = int(clock.wall_s() * 1000) * 64
        journaled = journal.max_client_order_index() if journal is not None else 0
        self._last = max(floor, journaled or 0)

    def __iter__(self) -> ClientIndexSource:
        return self

    def __next__(self) -> int:
        self._last += 1
        if self._last > CLIENT_INDEX_MAX:
            raise ClientIndexExhausted(f"client order index {self._last} is above Lighter's "
                                       f"maximum {CLIENT_INDEX_MAX}")
        return self._last


@dataclass
class AccountWide:
    """Built once per run and handed to every market's quote keeper."""

    tx_bucket: TokenBucket | None = None
    journal: Journal | None = None
    client_indexes: ClientIndexSource = field(init=False)

    def __post_init__(self) -> None:
        self.client_indexes = ClientIndexSource(self.journal)
