"""What the hedge desk counts over a run: both legs' cash and volume, hedge outcomes and their
latencies (the metrics, the summary and the kill switch read them)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from hedge.core.latency_histogram import LatencyHistogram


@dataclass
class HedgeStats:
    maker_fills: int = 0
    maker_filled_abs: Decimal = Decimal(0)
    maker_cash: Decimal = Decimal(0)           # quote received (+) or paid (-) on Lighter
    maker_notional: Decimal = Decimal(0)       # quote volume of the maker fills
    hedge_cash: Decimal = Decimal(0)           # quote received (+) or paid (-) on the hedge venue
    hedge_filled_abs: Decimal = Decimal(0)
    hedge_notional: Decimal = Decimal(0)
    orders: int = 0
    filled_base: Decimal = Decimal(0)          # signed
    failures: int = 0
    consecutive_failures: int = 0
    lookups: int = 0
    # Fixed memory whatever the run's length (hedge/core/latency_histogram.py).
    submit_ms: LatencyHistogram = field(default_factory=LatencyHistogram)
    ack_ms: LatencyHistogram = field(default_factory=LatencyHistogram)
    book_age_ms: LatencyHistogram = field(default_factory=LatencyHistogram)  # book age at each hedge
    max_unhedged_ms: float = 0.0
    max_unhedged_base: Decimal = Decimal(0)
    halted_reason: str = ""
    by_status: dict[str, int] = field(default_factory=dict)   # hedge outcomes, for the metrics
