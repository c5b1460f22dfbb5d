"""Every collection a run fills as time passes keeps its bound (docs/LOGGING.md, "Bounds")
under 10^6 events (the fill detector: 10^5, 100 times its capacity): a run of weeks must hold
what a run of minutes holds."""
from __future__ import annotations

import random
from decimal import Decimal

import pytest

from hedge.adapters.lighter.ws_client import WsCounters
from hedge.core import latency_histogram as lh
from hedge.core.fill_detector import FillDetector
from hedge.core.latency_histogram import LatencyHistogram
from hedge.core.types import OrderUpdate
from hedge.core.quoting import QuoteTarget
from hedge.infra.run_files import RunSummary

EVENTS = 10**6
# The detector's bound is its retired capacity (1000): 10^5 retired orders pass through it 100
# times over (10^6 took 15 s, the rest of the file 5 s).
DETECTOR_EVENTS = 10**5
HISTOGRAM_ITEMS = lh.EXACT_SAMPLES + lh.BUCKETS + lh.RECENT


@pytest.mark.slow   # seconds of work: the whole suite runs it
def test_a_latency_histogram_keeps_its_size_and_its_percentiles_under_a_million_samples():
    rng = random.Random(24)
    histogram = LatencyHistogram()
    values = [rng.lognormvariate(2, 0.8) for _ in range(EVENTS)]
    histogram.extend(values)
    assert histogram.memory_items() == HISTOGRAM_ITEMS
    ordered = sorted(values)
    stats = histogram.stats()
    assert stats["n"] == EVENTS and stats["max"] == round(ordered[-1], 3)
    for q, exact in (("p50", ordered[EVENTS // 2 - 1]), ("p99", ordered[EVENTS * 99 // 100 - 1])):
        assert exact <= stats[q] <= exact * lh.GROWTH * 1.0001, (q, stats[q], exact)


def test_a_short_run_keeps_exact_nearest_rank_percentiles():
    histogram = LatencyHistogram([5.0, 1.0, 3.0])
    assert histogram.stats() == {"n": 3, "p50": 3.0, "p99": 5.0, "max": 5.0}
    assert LatencyHistogram().stats() == {"n": 0, "p50": None, "p99": None, "max": None}


def test_every_latency_the_run_collects_is_a_bounded_histogram(rig):
    """The desk's, the quote keeper's, the engine's, the stream's and the summary's figures."""
    stats, counters = rig.desk.stats, rig.quotes.counters
    summary, ws = RunSummary(run_id="r", mode="paper"), WsCounters()
    collected = [stats.submit_ms, stats.ack_ms, stats.book_age_ms, counters.tx_latency_ms,
                 rig.engine.book_age_at_quote_ms, ws.reconnect_ms, summary.fill_to_hedge_submit_ms,
                 summary.lighter.tx_latency_ms, summary.reliability.reconnect_ms]
    for histogram in collected:
        assert isinstance(histogram, LatencyHistogram)
    sink = stats.submit_ms
    for i in range(EVENTS):
        sink.append(i % 500 / 10)
    assert sink.memory_items() == HISTOGRAM_ITEMS and len(sink) == EVENTS
    summary.fill_to_hedge_submit_ms.merge(sink)
    summary.fill_to_hedge_submit_ms.merge(sink)                  # two markets
    figures = summary.to_dict()["latency_ms"]["fill_to_hedge_submit"]
    assert figures["n"] == 2 * EVENTS and figures["max"] == 49.9
    assert summary.fill_to_hedge_submit_ms.memory_items() <= HISTOGRAM_ITEMS


def test_the_fill_detector_forgets_retired_orders_beyond_its_capacity():
    detector = FillDetector(retired_capacity=1000, trade_capacity=1000)
    one = Decimal("0.01")
    for index in range(DETECTOR_EVENTS):
        detector.on_update(OrderUpdate(order_index=index, client_order_index=index, market_id=0,
                                       status="filled", is_ask=False, initial_base=one,
                                       remaining_base=Decimal(0), filled_base=one,
                                       filled_quote=one, price=Decimal(1)))
    assert detector.fills_emitted == DETECTOR_EVENTS
    assert detector.live_count == 0 and detector.retired_count == 1000


async def test_the_quote_keeper_remembers_a_window_of_its_quotes(rig):
    rig.quotes.own_client_indexes.extend(range(EVENTS))
    await rig.quotes.apply(QuoteTarget(Decimal("1999.01"), None))
    assert len(rig.quotes.own_client_indexes) == 500
