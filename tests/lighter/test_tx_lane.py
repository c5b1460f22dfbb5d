"""The account's transaction lane: a cancel never waits behind a quote waiting for budget room,
markets take turns within a priority, and nothing but the lane moves the nonce."""
from __future__ import annotations

import asyncio
from decimal import Decimal

from hedge.adapters.lighter.order_client import OrderCounters, TxResult
from hedge.adapters.lighter.request_budget import REQUEST_OWNER, Priority, RequestBudget
from hedge.adapters.lighter.tx_lane import SendAnswer, TransactionLane
from tests.lighter.conftest import ETH
from tests.sim.lighter_helpers import best_prices

SIZE = Decimal("0.0100")


def far_bid(venues) -> Decimal:
    bid, _ = best_prices(venues)
    return (Decimal(bid) * Decimal("0.8")).quantize(Decimal(1)) / 100


async def as_market(owner: str, call):
    token = REQUEST_OWNER.set(owner)
    try:
        return await call
    finally:
        REQUEST_OWNER.reset(token)


async def test_a_cancel_overtakes_a_quote_waiting_for_room_while_another_market_holds_the_budget(
        venues, account):
    orders = account.orders
    resting = await as_market("ETH", orders.create_post_only(ETH, False, SIZE, far_bid(venues), 61))
    assert resting.accepted
    small = RequestBudget("standard", budget_per_window=10, window_s=3600)
    orders.budget = orders.lane.budget = small
    for _ in range(8):                                    # BTC's quotes fill the quote share
        await as_market("BTC", small.acquire("sendTx", Priority.QUOTE))
    quote = asyncio.create_task(as_market(
        "ETH", orders.create_post_only(ETH, False, SIZE, far_bid(venues), 62)))
    await asyncio.sleep(0.2)
    assert not quote.done() and orders.lane.waiting == 1     # waiting for room (an hour)
    canceled = await asyncio.wait_for(as_market("SOL", orders.cancel(ETH, 61)), 20)
    assert canceled.accepted and canceled.nonce == resting.nonce + 1
    assert not quote.done()                               # still waiting: the cancel went first
    quote.cancel()
    await asyncio.gather(quote, return_exceptions=True)


class _Venue:
    """The lane's three steps, recording what was sent (tags stand for signed transactions)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int]] = []
        self.answers: list[SendAnswer] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.nonce_reads = 0

    async def fetch_nonce(self) -> int:
        self.nonce_reads += 1
        return 100

    async def sign(self, tag, nonce: int) -> tuple:
        await self.gate.wait()
        return 0, tag, "", None

    async def send(self, tx_type: int, tag: str) -> SendAnswer:
        self.sent.append((tag, 0))
        return self.answers.pop(0) if self.answers else SendAnswer(200, "")


def lane_for(venue: _Venue, budget: RequestBudget | None = None) -> TransactionLane:
    return TransactionLane(budget or RequestBudget("premium"), fetch_nonce=venue.fetch_nonce,
                           sign=venue.sign, send=venue.send, result=TxResult,
                           counters=OrderCounters(), redact=str, rate_limit_backoff_s=0.01)


async def test_markets_take_turns_within_a_priority_and_a_cancel_goes_first():
    venue = _Venue()
    lane = lane_for(venue)
    venue.gate.clear()                                    # the first transaction is being signed
    calls = [asyncio.create_task(as_market("ETH", lane.submit("eth-1", Priority.QUOTE)))]
    await asyncio.sleep(0.01)
    for tag, owner, priority in (("eth-2", "ETH", Priority.QUOTE), ("eth-3", "ETH", Priority.QUOTE),
                                 ("eth-4", "ETH", Priority.QUOTE), ("btc-1", "BTC", Priority.QUOTE),
                                 ("btc-2", "BTC", Priority.QUOTE),
                                 ("sol-cancel", "SOL", Priority.CANCEL)):
        calls.append(asyncio.create_task(as_market(owner, lane.submit(tag, priority))))
    await asyncio.sleep(0.01)
    venue.gate.set()
    results = await asyncio.gather(*calls)
    assert [tag for tag, _ in venue.sent] == ["eth-1", "sol-cancel", "eth-2", "btc-1", "eth-3",
                                             "btc-2", "eth-4"]
    assert sorted(r.nonce for r in results) == list(range(100, 107))   # one nonce each, in order
    assert venue.nonce_reads == 1
    await lane.close()


async def test_a_rate_limited_transaction_steps_aside_and_keeps_its_nonce():
    venue = _Venue()
    venue.answers = [SendAnswer(429, "too many", rate_limited=True)]
    lane = lane_for(venue)
    venue.gate.clear()
    first = asyncio.create_task(lane.submit("quote", Priority.QUOTE))
    await asyncio.sleep(0.01)                             # the quote is being signed
    cancel = asyncio.create_task(lane.submit("cancel", Priority.CANCEL))
    await asyncio.sleep(0.01)
    venue.gate.set()
    quote_result, cancel_result = await asyncio.gather(first, cancel)
    assert [tag for tag, _ in venue.sent] == ["quote", "cancel", "quote"]
    assert quote_result.accepted and cancel_result.accepted
    assert (cancel_result.nonce, quote_result.nonce) == (100, 101)
    await lane.close()


async def test_an_invalid_nonce_is_read_again_once():
    venue = _Venue()
    venue.answers = [SendAnswer(21104, "invalid nonce")]
    lane = lane_for(venue)
    result = await lane.submit("quote", Priority.QUOTE)
    assert result.accepted and venue.nonce_reads == 2
    assert [tag for tag, _ in venue.sent] == ["quote", "quote"]
    await lane.close()


async def test_a_failure_in_one_transaction_reaches_its_caller_and_the_lane_goes_on():
    venue = _Venue()
    original = venue.sign

    async def sign(tag, nonce):
        if tag == "broken":
            raise RuntimeError("signer gone")
        return await original(tag, nonce)
    venue.sign = sign
    lane = lane_for(venue)
    broken = asyncio.create_task(lane.submit("broken", Priority.QUOTE))
    fine = asyncio.create_task(lane.submit("fine", Priority.QUOTE))
    results = await asyncio.gather(broken, fine, return_exceptions=True)
    assert isinstance(results[0], RuntimeError) and results[1].accepted
    assert [tag for tag, _ in venue.sent] == ["fine"] and results[1].nonce == 100
    await lane.close()
