"""FillDetector: every rise of cumulative filled size is one delta, exactly once."""
from __future__ import annotations

import random
from decimal import Decimal as D

import pytest

from hedge.core.fill_detector import FillDetector
from hedge.core.types import ORDER_STATUSES, OrderUpdate, Trade


def upd(order_index=1, filled="0", quote="0", status="open", initial="1.0", price="100", cid=7, **kw):
    filled_d = D(filled)
    return OrderUpdate(order_index=order_index, client_order_index=cid, market_id=0, status=status,
                       is_ask=kw.pop("is_ask", False), initial_base=D(initial),
                       remaining_base=D(initial) - filled_d, filled_base=filled_d, filled_quote=D(quote),
                       price=D(price), timestamp=1760287839, timestamp_ms=1760287839000, **kw)


def test_partial_then_full():
    det = FillDetector()
    assert det.on_update(upd(filled="0")) is None
    first = det.on_update(upd(filled="0.4", quote="40.4"))
    assert first.size == D("0.4") and first.price == D("101") and first.key == (1, D("0.4"))
    second = det.on_update(upd(filled="1.0", quote="99.8", status="filled"))
    assert second.size == D("0.6") and second.price == D("99") and second.cum_filled_base == D("1.0")
    assert second.status == "filled" and det.live_count == 0 and det.retired_count == 1
    assert first.fill_id == "1-0.4" and second.fill_id == "1-1"


def test_duplicates_yield_nothing():
    det = FillDetector()
    frame = upd(filled="0.5", quote="50")
    assert det.on_update(frame) is not None
    for _ in range(5):
        assert det.on_update(frame) is None


def test_replay_of_whole_sequence_is_harmless():
    seq = [upd(filled="0"), upd(filled="0.2", quote="20"), upd(filled="0.5", quote="50"),
           upd(filled="1.0", quote="100", status="filled")]
    det = FillDetector()
    fills = det.on_updates(seq)
    assert [f.size for f in fills] == [D("0.2"), D("0.3"), D("0.5")]
    assert det.on_updates(seq) == []
    assert sum(f.size for f in fills) == D("1.0")


def test_out_of_order_never_negative_or_double():
    det = FillDetector()
    assert det.on_update(upd(filled="0.7", quote="70")).size == D("0.7")
    assert det.on_update(upd(filled="0.3", quote="30")) is None  # older frame after newer
    assert det.stale_frames == 1
    assert det.on_update(upd(filled="1.0", quote="100", status="filled")).size == D("0.3")


def test_random_shuffles_sum_to_final_fill():
    seq = [upd(filled=str(D(i) / 10), quote=str(D(i) * 10)) for i in range(11)]
    rng = random.Random(3)
    for _ in range(50):
        shuffled = seq + seq[:5]
        rng.shuffle(shuffled)
        fills = FillDetector().on_updates(shuffled)
        assert all(f.size > 0 for f in fills)
        assert sum(f.size for f in fills) == D("1.0")
        assert len({f.key for f in fills}) == len(fills)


def test_several_orders_in_one_frame():
    det = FillDetector()
    fills = det.on_updates([upd(1, filled="0.1", quote="10"), upd(2, filled="0.2", quote="21", is_ask=True),
                            upd(3, filled="0")])
    assert [(f.order_index, f.size) for f in fills] == [(1, D("0.1")), (2, D("0.2"))]
    assert fills[1].is_ask and fills[1].price == D("105")


def test_fill_after_cancel_request_still_counts():
    det = FillDetector()
    det.on_update(upd(filled="0"))
    # we asked to cancel; the venue filled part before the cancel landed
    fill = det.on_update(upd(filled="0.3", quote="30", status="canceled"))
    assert fill is not None and fill.size == D("0.3") and fill.status == "canceled"


@pytest.mark.parametrize("status", [s for s in ORDER_STATUSES if s.startswith("canceled")])
def test_canceled_terminal_with_late_higher_frame(status):
    det = FillDetector()
    det.on_update(upd(filled="0.2", quote="20"))
    assert det.on_update(upd(filled="0.2", quote="20", status=status)) is None
    assert det.live_count == 0 and det.retired_count == 1
    late = det.on_update(upd(filled="0.5", quote="50", status=status))
    assert late is not None and late.size == D("0.3")
    assert det.on_update(upd(filled="0.5", quote="50", status=status)) is None
    assert det.live_count == 0


def test_retired_orders_are_bounded():
    det = FillDetector(retired_capacity=10)
    for i in range(100):
        det.on_update(upd(i, filled="1.0", quote="100", status="filled"))
    assert det.retired_count == 10 and det.live_count == 0
    assert det.on_update(upd(99, filled="1.0", quote="100", status="filled")) is None


def test_price_falls_back_to_order_price_without_quote():
    det = FillDetector()
    fill = det.on_update(upd(filled="0.5", quote="0", price="123.45"))
    assert fill.price == D("123.45")
    # quote unknown for the first part, so the next delta cannot use the quote either
    assert det.on_update(upd(filled="1.0", quote="100", price="123.45")).price == D("123.45")


def test_seed_suppresses_already_known_fills():
    det = FillDetector()
    det.seed(5, D("0.4"), D("40"))
    assert det.on_update(upd(5, filled="0.4", quote="40")) is None
    fill = det.on_update(upd(5, filled="0.6", quote="62"))
    assert fill.size == D("0.2") and fill.price == D("110")


def trade(trade_id, ask_id, bid_id, size, me_ask=True):
    return Trade(trade_id=trade_id, market_id=0, size=D(size), price=D("100"), usd_amount=D(size) * 100,
                 ask_id=ask_id, bid_id=bid_id, ask_account_id=1 if me_ask else 9,
                 bid_account_id=9 if me_ask else 1, is_maker_ask=me_ask)


def test_cross_check_with_trades():
    det = FillDetector()
    det.on_update(upd(10, filled="0.5", quote="50", is_ask=True))
    assert det.on_trade(trade(1, 10, 99, "0.5"), account_index=1)
    assert not det.on_trade(trade(1, 10, 99, "0.5"), account_index=1)  # same id twice
    assert det.cross_check().ok
    det.on_update(upd(11, filled="0.2", quote="20"))  # fill, trade not seen yet
    det.on_trade(trade(2, 98, 12, "0.3", me_ask=False), account_index=1)  # trade, no fill yet
    check = det.cross_check()
    assert check.fills_without_trade == {11: D("0.2")}
    assert check.trades_without_fill == {12: D("0.3")}


def test_reordered_open_frame_does_not_revive_a_retired_order():
    det = FillDetector()
    assert det.on_update(upd(filled="1.0", quote="100", status="filled")).size == D("1.0")
    assert det.on_update(upd(filled="0.5", quote="50", status="open")) is None
    assert det.live_count == 0 and det.cum_filled(1) == D("1.0")


def test_status_codes_and_classification():
    from hedge.core.types import is_live
    assert len(ORDER_STATUSES) == 17
    assert ORDER_STATUSES[3] == "filled" and ORDER_STATUSES[5] == "canceled-post-only"
    assert is_live("open") and not is_live("filled")
