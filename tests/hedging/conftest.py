"""Fixtures of the hedging tests: the local venues with the hedge venue of each case."""
from __future__ import annotations

import pytest

from hedge.sim.runner import start_venues
from tests.hedging.venue_cases import CASES


@pytest.fixture(params=CASES, ids=str)
def case(request):
    return request.param


@pytest.fixture
async def case_venues(case):
    """Both local venues, the hedge one being the case's, no faults, seed 7."""
    running = await start_venues(seed=7, hedge_exchange=case.exchange_id)
    try:
        yield running
    finally:
        await running.stop()
