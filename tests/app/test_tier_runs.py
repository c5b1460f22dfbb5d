"""The bot (in-process) on each Lighter account tier, against the local venues that enforce it:
no 429, at most 60 requests in any rolling minute (the venue's own count), fills hedged,
nothing resting at stop; and a market that is not active refused with exit 2."""
from __future__ import annotations

import asyncio
import itertools
import json
import os
from decimal import Decimal

import pytest
from lighter.signer_client import create_api_key

from tests.app.bot_process import (BotAccount, hedge_position, lighter_state, run_in_process,
                                   sweep_the_bid, write_config)
from tests.sim.ccxt_loopback import freeze_prices, register_account
from tests.sim.lighter_helpers import register, venue

RATE_WINDOW_S = 5       # the venue's and the bot's "minute" (rate_window_s), so a run crosses
STANDARD_RUN_S = 30     # six rolling windows: the model's book moves the join target only
                        # every few wiggles, so the cap is crossed over several windows
PREMIUM_RUN_S = 12      # the premium budget is never near its cap: the run proves fills, quota


async def _account(venues, index: int, tier: str) -> BotAccount:
    private, public, err = create_api_key()
    assert err is None
    await register(venues.lighter_url, index, 4, public, tier=tier)
    key, secret = f"tier-key-{index}", f"tier-secret-{index}-{os.urandom(8).hex()}"
    await register_account(venues.hedge_url, key, secret, balance="100000")
    return BotAccount(venues.lighter_url, venues.hedge_url, index, private, key, secret)


async def _run_on_tier(venues, tmp_path, monkeypatch, index: int, tier: str, run_s: int,
                       pins: dict[str, float]) -> None:
    """`pins` (from freeze_prices): the mid is pinned and moved under the bot's first bid, so
    the fill does not depend on the price path, then wiggled by a basis point every 0.1 s
    (and requoted on any move) so the bot wants to requote far more often than its budget
    lets it. The venue and
    the bot both count over a `RATE_WINDOW_S` window instead of a minute: the same cap,
    reached 12 times sooner."""
    account = await _account(venues, index, tier)
    venue(venues).faults.rate_window_s = RATE_WINDOW_S
    config = write_config(tmp_path, account, duration_s=run_s,
                          lighter={"account_tier": tier, "rate_window_s": RATE_WINDOW_S},
                          strategy={"pricing": "join", "min_quote_lifetime_ms": 100,
                                    "refresh_tolerance_bps": 0})
    limiter = venue(venues).limiter
    most = 0

    async def sample_and_wiggle() -> None:
        nonlocal most
        await sweep_the_bid(venues, pins, index)
        for step in itertools.count():
            most = max(most, limiter.requests_last_window(index)[0])   # the venue's own count
            pins["ETH"] *= 1.0001 if step % 2 else 0.9999
            await asyncio.sleep(0.1)

    market = asyncio.create_task(sample_and_wiggle())
    try:
        assert await run_in_process(config, account, monkeypatch) == 0
    finally:
        market.cancel()
    summary = json.loads(next((tmp_path / "logs").glob("*/summary.json")).read_text())
    lighter = summary["lighter"]
    acct = venue(venues).accounts[index]
    assert acct.rate_limited == 0 and lighter["rate_limited"] == 0          # no 429
    if tier == "standard":
        assert most <= 60 and lighter["max_requests_per_min"] <= 60
        # More than one window's cap in the run: the budget bound, on the shortened window.
        assert lighter["requests"] > 60, lighter
        assert lighter["volume_quota_remaining"] is None
    else:
        assert isinstance(lighter["volume_quota_remaining"], int)
    assert lighter["account_tier"] == tier and lighter["requests"] > 0
    assert lighter["fills"] > 0, "no fill in the run: the test proves nothing"
    position, resting = await lighter_state(account)
    assert resting == 0                                                     # nothing left
    assert position + await hedge_position(account) == Decimal(0)          # every fill hedged
    assert summary["hedge"]["failures"] == 0


@pytest.mark.slow
@pytest.mark.long
async def test_paper_run_on_a_standard_account_lives_within_its_60_requests(venues, tmp_path,
                                                                          monkeypatch):
    await _run_on_tier(venues, tmp_path, monkeypatch, 930_001, "standard", STANDARD_RUN_S,
                       pins=freeze_prices(venues.prices))


@pytest.mark.slow
async def test_paper_run_on_a_premium_account(venues, tmp_path, monkeypatch):
    await _run_on_tier(venues, tmp_path, monkeypatch, 930_002, "premium", PREMIUM_RUN_S,
                       pins=freeze_prices(venues.prices))


@pytest.mark.slow
async def test_an_inactive_market_is_refused_with_exit_2(venues, tmp_path, monkeypatch):
    venue(venues).faults.market_status = {"ETH": "inactive"}
    account = await _account(venues, 930_003, "standard")
    assert await run_in_process(write_config(tmp_path, account), account, monkeypatch) == 2
    summary = json.loads(next((tmp_path / "logs").glob("*/summary.json")).read_text())
    assert "market ETH is inactive on Lighter" in summary["exit_reason"]
    assert await lighter_state(account) == (Decimal(0), 0)
