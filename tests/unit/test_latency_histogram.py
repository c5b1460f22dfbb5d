"""The latency figures a run reports (summary.json, metrics): exact while the samples fit,
read from 1 %-wide buckets beyond, merged across markets without losing n or max."""
from __future__ import annotations

import pytest

from hedge.core import latency_histogram as lh
from hedge.core.latency_histogram import LatencyHistogram, nearest_rank


def test_nearest_rank_is_always_one_of_the_values():
    assert nearest_rank([], 50) is None
    assert nearest_rank([4.0, 1.0, 3.0, 2.0], 0) == 1.0
    assert nearest_rank([4.0, 1.0, 3.0, 2.0], 50) == 2.0
    assert nearest_rank([4.0, 1.0, 3.0, 2.0], 51) == 3.0
    assert nearest_rank([4.0, 1.0, 3.0, 2.0], 100) == 4.0
    assert nearest_rank([float(v) for v in range(1, 1001)], 50) == 500.0


@pytest.mark.parametrize("q", [-0.5, 100.5])
def test_a_percentile_outside_0_to_100_is_refused(q):
    with pytest.raises(ValueError, match=f"percentile q must be in 0..100, got {q}"):
        nearest_rank([1.0], q)
    full = LatencyHistogram([1.0] * (lh.EXACT_SAMPLES + 1))        # read from the buckets
    with pytest.raises(ValueError, match=f"percentile q must be in 0..100, got {q}"):
        full.percentile(q)
    assert full.percentile(0) == pytest.approx(1.0, rel=0.011)
    assert full.percentile(100) == 1.0


def test_n_max_last_and_truth_follow_every_value():
    histogram = LatencyHistogram()
    assert not histogram and len(histogram) == 0 and histogram.last is None
    assert histogram.percentile(50) is None and histogram.max is None
    histogram.append(3)
    assert histogram and len(histogram) == 1                 # one value is something
    histogram.append(7.5)
    histogram.append(2)
    assert histogram and len(histogram) == 3 and histogram.n == 3
    assert histogram.max == 7.5 and histogram.last == 2.0
    assert isinstance(histogram.last, float)
    assert list(histogram.recent) == [3.0, 7.5, 2.0]


def test_beyond_the_exact_samples_the_buckets_answer_within_one_percent_and_never_above_max():
    histogram = LatencyHistogram([10.0] * lh.EXACT_SAMPLES)
    histogram.extend([20.0] * (lh.EXACT_SAMPLES + 2))        # 20 is now the median
    assert histogram.n == 2 * lh.EXACT_SAMPLES + 2
    assert len(histogram._exact) == lh.EXACT_SAMPLES
    assert 20.0 <= histogram.percentile(50) <= 20.0 * lh.GROWTH
    assert histogram.percentile(99) == 20.0                   # capped at the max
    assert 10.0 <= histogram.percentile(40) <= 10.0 * lh.GROWTH
    assert histogram.percentile(50) == pytest.approx(20.0, rel=0.011)


def test_the_newest_values_since_a_reader_last_looked():
    histogram = LatencyHistogram([1.0, 2.0, 3.0])
    assert histogram.since(3) == [] and histogram.since(5) == []
    assert histogram.since(1) == [2.0, 3.0]
    assert histogram.since(2) == [3.0]
    assert histogram.since(0) == [1.0, 2.0, 3.0]
    histogram.extend(float(v) for v in range(lh.RECENT + 10))
    assert histogram.since(0) == [float(v) for v in range(10, lh.RECENT + 10)]   # the newest kept


def test_merging_keeps_n_max_the_exact_samples_and_the_recent_values():
    one, two = LatencyHistogram([1.0, 5.0]), LatencyHistogram([3.0, 9.0, 2.0])
    one.merge(LatencyHistogram())                       # nothing to fold in
    assert one.n == 2 and one.max == 5.0
    one.merge(two)
    assert one.n == 5 and one.max == 9.0 and one.last == 2.0
    assert one.stats() == {"n": 5, "p50": 3.0, "p99": 9.0, "max": 9.0}
    lower = LatencyHistogram([0.5])
    lower.merge(LatencyHistogram([0.25]))
    assert lower.max == 0.5
    empty = LatencyHistogram()
    empty.merge(LatencyHistogram([4.0]))
    assert empty.max == 4.0 and empty.stats()["p50"] == 4.0


def test_a_merge_past_the_exact_samples_reads_the_merged_buckets():
    low = LatencyHistogram([1.0] * lh.EXACT_SAMPLES)
    high = LatencyHistogram([100.0] * (lh.EXACT_SAMPLES // 2 + 1))
    low.merge(high)
    assert low.n == lh.EXACT_SAMPLES * 3 // 2 + 1
    assert len(low._exact) == lh.EXACT_SAMPLES                # not extended beyond the bound
    assert low.percentile(99) == 100.0
    assert low.percentile(10) == pytest.approx(1.0, rel=0.011)


def test_the_summary_figures_are_rounded_to_the_microsecond():
    assert LatencyHistogram([1.23456, 2.0004]).stats() == {"n": 2, "p50": 1.235, "p99": 2.0,
                                                           "max": 2.0}


def test_the_buckets_cover_zero_to_two_days_and_clamp_beyond():
    assert lh._bucket(0.0) == 0 and lh._bucket(lh.LOWEST_MS) == 0
    assert lh._bucket(lh.LOWEST_MS * 1.5) == 1 + int(lh.math.log(1.5) / lh.math.log(lh.GROWTH))
    assert lh._bucket(1e30) == lh.BUCKETS - 1
    assert lh._bucket_value(0) == lh.LOWEST_MS
    assert lh._bucket_value(2) == pytest.approx(lh.LOWEST_MS * lh.GROWTH ** 2)
    for value in (0.01, 1.0, 37.0, 5_000.0):
        index = lh._bucket(value)
        assert lh._bucket_value(index - 1) <= value <= lh._bucket_value(index) * 1.0000001


def test_a_merge_that_just_fits_stays_exact_and_a_larger_one_adds_the_buckets():
    fits = LatencyHistogram([1.0] * (lh.EXACT_SAMPLES - 24))
    fits.merge(LatencyHistogram([2.0] * 24))
    assert len(fits._exact) == lh.EXACT_SAMPLES and fits.percentile(50) == 1.0
    high = LatencyHistogram([100.0] * lh.EXACT_SAMPLES)
    high.merge(LatencyHistogram([1.0] * 513))               # a third of the values are 1 ms
    assert high.percentile(10) == pytest.approx(1.0, rel=0.011)
    zero = LatencyHistogram([0.5])
    zero.merge(LatencyHistogram([0.0]))                     # a zero latency is a value too
    assert zero.max == 0.5
