"""The shared backoff: jittered, growing, capped."""
from hedge.infra.retry import backoff_s


def test_backoff_is_jittered_within_a_growing_cap():
    first = [backoff_s(1, 0.1, 5.0) for _ in range(200)]
    fifth = [backoff_s(5, 0.1, 5.0) for _ in range(200)]
    assert all(0 <= x <= 0.2 for x in first)
    assert all(0 <= x <= 3.2 for x in fifth) and max(fifth) > 0.2
    assert len(set(first)) > 100


def test_backoff_never_exceeds_its_max():
    assert all(backoff_s(40, 0.1, 2.0) <= 2.0 for _ in range(200))
