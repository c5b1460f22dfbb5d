"""Fixtures of the hedging tests: the local venues with the hedge venue of each case."""
from __future__ import annotations

import pytest

from tests.shared_venues import venue_pair
from tests.hedging.venue_cases import CASES


@pytest.fixture(params=CASES, ids=str)
def case(request):
    return request.param


@pytest.fixture
async def case_venues(case, request):
    """Both local venues, the hedge one being the case's, no faults, seed 7 (the shared pair
    of that exchange, reset after the test; `fresh_venue` for a pair of its own)."""
    async for running in venue_pair(request, case.exchange_id):
        yield running


@pytest.fixture
async def counted(case, case_venues):
    """`await counted()`: (order requests, executed ones) the venue counted since the test
    began; the venue is shared, so its totals hold every earlier test's orders too."""
    base = await case.counters(case_venues.hedge_url)

    async def since() -> tuple[int, int]:
        posts, executed = await case.counters(case_venues.hedge_url)
        return posts - base[0], executed - base[1]
    return since
