"""Latency samples in fixed memory, so a run of weeks keeps p50/p99/max without a growing list.

The first `EXACT_SAMPLES` values are kept as they are (a short run's percentiles stay exact,
nearest rank); every value also lands in one of `BUCKETS` log-spaced buckets, each about 1 %
wide, from which the percentiles are read once the exact samples are full. `n`, `max` and the
`RECENT` newest values are always exact.
"""
from __future__ import annotations

import math
from collections import deque
from typing import Iterable

EXACT_SAMPLES = 1024          # values kept as they are, then only the buckets
RECENT = 256                  # newest values, for readers that follow the stream (metrics)
LOWEST_MS = 0.001             # bucket 0 holds everything at or below this
GROWTH = 1.01                 # each bucket is 1 % wider than the one below
BUCKETS = 2600                # up to LOWEST_MS * GROWTH**BUCKETS, about 1.7e8 ms (two days)
_LOG_GROWTH = math.log(GROWTH)


def nearest_rank(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100): always one of the values; None when empty."""
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must be in 0..100, got {q}")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


class LatencyHistogram:
    """Append-only latency figures (ms) in bounded memory: n, p50/p99 and max."""

    __slots__ = ("n", "max", "_exact", "_counts", "recent")

    def __init__(self, values: Iterable[float] = ()) -> None:
        self.n = 0
        self.max: float | None = None
        self._exact: list[float] = []
        self._counts = [0] * BUCKETS
        self.recent: deque[float] = deque(maxlen=RECENT)
        self.extend(values)

    def append(self, value_ms: float) -> None:
        value = float(value_ms)
        self.n += 1
        self.max = value if self.max is None or value > self.max else self.max
        if len(self._exact) < EXACT_SAMPLES:
            self._exact.append(value)
        self._counts[_bucket(value)] += 1
        self.recent.append(value)

    def extend(self, values: Iterable[float]) -> None:
        for value in values:
            self.append(value)

    def merge(self, other: LatencyHistogram) -> None:
        """Fold another histogram in (several markets into one summary figure)."""
        if other.n == 0:
            return
        if self.n + other.n <= EXACT_SAMPLES:       # beyond: the buckets answer
            self._exact.extend(other._exact)
        self.n += other.n
        self.max = other.max if self.max is None or (other.max or 0) > self.max else self.max
        self._counts = [a + b for a, b in zip(self._counts, other._counts)]
        self.recent.extend(other.recent)

    def since(self, seen: int) -> list[float]:
        """The values appended after the first `seen` (at most the `RECENT` newest)."""
        fresh = self.n - seen
        if fresh <= 0:
            return []
        return list(self.recent)[-min(fresh, len(self.recent)):]

    @property
    def last(self) -> float | None:
        return self.recent[-1] if self.recent else None

    def percentile(self, q: float) -> float | None:
        if self.n == 0:
            return None
        if self.n == len(self._exact):
            return nearest_rank(self._exact, q)
        if not 0 <= q <= 100:
            raise ValueError(f"percentile q must be in 0..100, got {q}")
        rank = max(1, math.ceil(q / 100 * self.n))
        seen = 0
        for index, count in enumerate(self._counts):
            seen += count
            if seen >= rank:
                return min(_bucket_value(index), self.max if self.max is not None else math.inf)
        return self.max

    def stats(self) -> dict[str, float | int | None]:
        """summary.json's shape: {"n", "p50", "p99", "max"}, rounded to the microsecond."""
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 3)
        return {"n": self.n, "p50": rounded(self.percentile(50)),
                "p99": rounded(self.percentile(99)), "max": rounded(self.max)}

    def memory_items(self) -> int:
        """What the histogram holds, whatever it was fed: the bound the harness checks."""
        return len(self._exact) + len(self._counts) + len(self.recent)

    def __len__(self) -> int:
        return self.n

    def __bool__(self) -> bool:
        return self.n > 0


def _bucket(value_ms: float) -> int:
    if value_ms <= LOWEST_MS:
        return 0
    return min(BUCKETS - 1, 1 + int(math.log(value_ms / LOWEST_MS) / _LOG_GROWTH))


def _bucket_value(index: int) -> float:
    """A bucket's upper edge: a percentile read from buckets errs high by at most 1 %."""
    return LOWEST_MS * GROWTH ** index
