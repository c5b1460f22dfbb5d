"""The request budget: a rolling window shaped to the tier, spent in priority order."""
from __future__ import annotations

import asyncio

import pytest

from hedge.adapters.lighter.request_budget import (Priority, RequestBudget, max_tx_per_min,
                                                   request_weight)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_standard_counts_every_request_as_one_and_keeps_headroom():
    budget = RequestBudget("standard", clock=FakeClock())
    assert budget.capacity == 50 < 60
    assert request_weight("standard", "sendTx") == request_weight("standard", "account") == 1


def test_premium_weights_follow_the_venue_table():
    assert request_weight("premium", "sendTx") == 6
    assert request_weight("premium", "nextNonce") == 6
    assert request_weight("premium", "accountInactiveOrders") == 100
    assert request_weight("premium", "account") == 300
    budget = RequestBudget("premium", clock=FakeClock())
    assert budget.try_acquire("account", Priority.READ)
    assert budget.try_acquire("sendTx", Priority.QUOTE)
    assert budget.used() == 306
    assert max_tx_per_min("standard") == 50
    assert max_tx_per_min("premium") == 20_000 // 6


def test_unknown_tier_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown Lighter account tier 'gold'"):
        RequestBudget("gold")


def test_rolling_window_frees_room_as_old_requests_leave_it():
    clock = FakeClock()
    budget = RequestBudget("standard", budget_per_window=10, clock=clock)
    for _ in range(10):
        assert budget.try_acquire("sendTx", Priority.CANCEL)
    assert not budget.try_acquire("sendTx", Priority.CANCEL)
    clock.now += 30
    assert not budget.try_acquire("sendTx", Priority.CANCEL)   # all ten still inside 60 s
    clock.now += 30.001
    assert budget.used() == 0
    assert budget.try_acquire("sendTx", Priority.CANCEL)
    assert budget.stats.max_in_window == 10
    assert budget.stats.requests == 11


def test_each_priority_stops_at_its_share_so_cancels_always_find_room():
    budget = RequestBudget("standard", budget_per_window=20, clock=FakeClock())
    taken = {p: 0 for p in Priority}
    for priority in sorted(Priority, reverse=True):          # least urgent first
        while budget.try_acquire("x", priority):
            taken[priority] += 1
    assert taken[Priority.READ] == 14          # 70% of 20
    assert taken[Priority.QUOTE] == 2          # up to 80%
    assert taken[Priority.DEAD_MANS] == 2      # up to 90%
    assert taken[Priority.SAFETY] == 1         # up to 95%
    assert taken[Priority.CANCEL] == 1         # the last one
    assert budget.used() == 20


def test_after_a_429_only_cancels_and_safety_reads_go_until_the_cooldown_ends():
    clock = FakeClock()
    budget = RequestBudget("standard", clock=clock)
    budget.note_rate_limited(cooldown_s=5)
    assert not budget.try_acquire("sendTx", Priority.QUOTE)
    assert not budget.try_acquire("sendTx", Priority.DEAD_MANS)
    assert budget.try_acquire("sendTx", Priority.CANCEL)
    assert budget.try_acquire("account", Priority.SAFETY)
    clock.now += 5.01
    assert budget.try_acquire("sendTx", Priority.QUOTE)
    assert budget.stats.rate_limited == 1


def test_waiting_requests_are_served_most_urgent_first():
    async def scenario() -> list[str]:
        budget = RequestBudget("standard", budget_per_window=4, window_s=0.4)
        for _ in range(4):
            assert budget.try_acquire("sendTx", Priority.CANCEL)
        order: list[str] = []

        async def one(name: str, priority: Priority) -> None:
            await budget.acquire(name, priority)
            order.append(name)

        tasks = [asyncio.create_task(one("read", Priority.READ)),
                 asyncio.create_task(one("place", Priority.QUOTE)),
                 asyncio.create_task(one("cancel", Priority.CANCEL)),
                 asyncio.create_task(one("position", Priority.SAFETY))]
        await asyncio.sleep(0)
        assert not budget.try_acquire("other", Priority.READ)   # the queue is ahead of it
        await asyncio.wait_for(asyncio.gather(*tasks), 30)
        return order

    assert asyncio.run(scenario()) == ["cancel", "position", "place", "read"]


def test_a_lower_priority_request_waits_while_a_cancel_goes_at_once():
    async def scenario() -> tuple[bool, bool]:
        budget = RequestBudget("standard", budget_per_window=10, window_s=30)
        while budget.try_acquire("sendTx", Priority.QUOTE):
            pass
        placement = asyncio.create_task(budget.acquire("sendTx", Priority.QUOTE))
        await asyncio.sleep(0.01)
        cancel_waited = await asyncio.wait_for(budget.acquire("sendTx", Priority.CANCEL), 5)
        done = placement.done()
        placement.cancel()
        return cancel_waited == 0.0, done

    cancel_at_once, placement_done = asyncio.run(scenario())
    assert cancel_at_once and not placement_done
