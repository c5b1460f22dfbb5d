"""The bot as a process on each Lighter account tier, against the local venues that enforce it:
no 429, at most 60 requests in any rolling minute (the venue's own count), fills hedged,
nothing resting at stop; and a market that is not active refused with exit 2."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from lighter.signer_client import create_api_key

from tests.app.bot_process import (ROOT, BotAccount, hedge_position, lighter_state,
                                   start_bot, sweep_the_bid, wait_exit, write_config)
from tests.sim.ccxt_loopback import freeze_prices, register_account
from tests.sim.lighter_helpers import register, venue

RATE_WINDOW_S = 5       # the venue's and the bot's "minute" (rate_window_s), so a run crosses
STANDARD_RUN_S = 16     # three whole rolling windows of requoting in seconds
PREMIUM_RUN_S = 12      # the premium budget is never near its cap: the run proves fills, quota


async def _account(venues, index: int, tier: str) -> BotAccount:
    private, public, err = create_api_key()
    assert err is None
    await register(venues.lighter_url, index, 4, public, tier=tier)
    key, secret = f"tier-key-{index}", f"tier-secret-{index}-{os.urandom(8).hex()}"
    await register_account(venues.hedge_url, key, secret, balance="100000")
    return BotAccount(venues.lighter_url, venues.hedge_url, index, private, key, secret)


async def _run_on_tier(venues, tmp_path, index: int, tier: str, run_s: int,
                       pins: dict[str, float]) -> None:
    """`pins` (from freeze_prices): the mid is pinned and moved under the bot's first bid, so
    the fill does not depend on the price path. The venue and the bot both count over a
    `RATE_WINDOW_S` window instead of a minute (the same cap, reached 12 times sooner)."""
    account = await _account(venues, index, tier)
    venue(venues).faults.rate_window_s = RATE_WINDOW_S
    config = write_config(tmp_path, account, duration_s=run_s,
                          lighter={"account_tier": tier, "rate_window_s": RATE_WINDOW_S},
                          strategy={"pricing": "join", "min_quote_lifetime_ms": 500})
    limiter = venue(venues).limiter
    out_path = tmp_path / "bot.out"
    with open(out_path, "w") as out:          # a file, not a pipe: INFO lines fill one
        proc = subprocess.Popen([sys.executable, "run.py", "run", "--config", str(config)],
                                cwd=ROOT, env=account.env(), stdout=out, stderr=subprocess.STDOUT)
        sweep = asyncio.create_task(sweep_the_bid(venues, pins, index))
        most = 0
        while proc.poll() is None:                # the venue's own count, sampled
            most = max(most, limiter.requests_last_window(index)[0])
            await asyncio.sleep(0.25)
    code = await wait_exit(proc, 5)
    assert code == 0, out_path.read_text()[-3000:]
    await sweep
    summary = json.loads(next((tmp_path / "logs").glob("*/summary.json")).read_text())
    lighter = summary["lighter"]
    acct = venue(venues).accounts[index]
    assert acct.rate_limited == 0 and lighter["rate_limited"] == 0          # no 429
    if tier == "standard":
        assert most <= 60 and lighter["max_requests_per_min"] <= 60
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
async def test_paper_run_on_a_standard_account_lives_within_its_60_requests(venues, tmp_path):
    await _run_on_tier(venues, tmp_path, 930_001, "standard", STANDARD_RUN_S,
                       pins=freeze_prices(venues.prices))


@pytest.mark.slow
async def test_paper_run_on_a_premium_account(venues, tmp_path):
    await _run_on_tier(venues, tmp_path, 930_002, "premium", PREMIUM_RUN_S,
                       pins=freeze_prices(venues.prices))


@pytest.mark.slow
async def test_an_inactive_market_is_refused_with_exit_2(venues, tmp_path):
    venue(venues).faults.market_status = {"ETH": "inactive"}
    account = await _account(venues, 930_003, "standard")
    proc = start_bot(write_config(tmp_path, account), account)
    assert await wait_exit(proc, 120) == 2
    out = proc.stdout.read() + proc.stderr.read()
    assert "market ETH is inactive on Lighter" in out
    assert await lighter_state(account) == (Decimal(0), 0)
