"""Fixtures of the hedging tests: the local venues with the hedge venue of each case."""
from __future__ import annotations

import pytest

from tests.shared_venues import venue_pair
from tests.hedging.venue_cases import BINANCEUSDM, CASES

# The two venue tables run each row on all four venues in the whole suite; the fast part
# (`-m "not slow"`) keeps binanceusdm's row of each. The other venues' wire formats keep fast
# tests of their own: tests/sim/test_{okx,bybit,hyperliquid}_ccxt.py, test_contract_size.py,
# test_bybit_rules.py, test_hyperliquid_rules.py, test_day_one.py.
EVERY_VENUE_SLOW = {"test_hedge_fault_table.py", "test_venue_knobs.py"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        callspec = getattr(item, "callspec", None)
        if (item.path.name in EVERY_VENUE_SLOW and callspec is not None
                and callspec.params.get("case", BINANCEUSDM) is not BINANCEUSDM):
            item.add_marker(pytest.mark.slow)


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
