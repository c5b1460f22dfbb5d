"""Queue position of our order in a recorded book: the conservative and probabilistic models."""
from __future__ import annotations

import pytest

from hedge.market.queue_model import QueuePosition


def test_a_new_order_fills_only_after_the_queue_ahead_is_traded():
    q = QueuePosition.join(level_base=3.0, size_base=1.0)
    assert q.on_trade(2.0) == 0.0 and q.ahead_base == 1.0
    assert q.on_trade(1.5) == 0.5 and q.remaining_base == 0.5
    assert q.on_trade(5.0) == 0.5 and q.remaining_base == 0.0


def test_conservative_ignores_cancels_unless_the_level_shows_less_than_ahead():
    q = QueuePosition.join(level_base=4.0, size_base=1.0)
    q.on_level(3.0)                      # 1 left without a trade: assumed behind us
    assert q.ahead_base == 3.0
    q.on_level(1.0)                      # the level now shows less than was ahead
    assert q.ahead_base == 1.0
    q.on_level(5.0)                      # size joining arrives behind us
    assert q.ahead_base == 1.0


def test_probabilistic_moves_forward_by_the_share_ahead():
    q = QueuePosition.join(level_base=4.0, size_base=1.0, model="probabilistic")
    q.on_level(6.0)                      # 2 joined behind: ahead 4, behind 2
    q.on_level(3.0)                      # 3 left: 3 x 4/6 of it was ahead
    assert q.ahead_base == pytest.approx(2.0)
    assert QueuePosition.join(4.0, 1.0, "conservative").ahead_base == 4.0


def test_a_trade_through_our_price_fills_the_rest():
    q = QueuePosition.join(level_base=10.0, size_base=2.0)
    assert q.on_trade_through() == 2.0 and q.remaining_base == 0.0


def test_an_unknown_model_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown queue model 'fifo'"):
        QueuePosition.join(1.0, 1.0, "fifo")
