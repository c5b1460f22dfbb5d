"""Journal on a real sqlite file: idempotent fills, write-ahead intents, restart semantics."""
from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from freezegun import freeze_time

from hedge.core.hedge_order import hedge_client_id
from hedge.core.types import FillDelta
from hedge.infra.journal import Journal, fill_key_text

ROOT = Path(__file__).resolve().parents[2]


def fill(order_index: int = 7, cum: str = "0.5", size: str = "0.5", is_ask: bool = False) -> FillDelta:
    return FillDelta(order_index=order_index, client_order_index=42, market_id=0, is_ask=is_ask,
                     size=Decimal(size), price=Decimal("3000.5"), cum_filled_base=Decimal(cum),
                     cum_filled_quote=Decimal(cum) * 3000, status="partial")


def test_wal_mode_with_normal_sync(tmp_path):
    with Journal(tmp_path / "journal.sqlite") as journal:
        assert journal._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert journal._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_duplicate_fill_is_journaled_once(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        assert journal.record_fill(fill(cum="0.5"), seen_ns=1) is True
        assert journal.record_fill(fill(cum="0.50"), seen_ns=2) is False  # same key, other text
        assert journal.record_fill(fill(cum="1", size="0.5"), seen_ns=3) is True
        totals = journal.totals()
        assert (totals.fills, totals.filled_base) == (2, Decimal("1.0"))
        assert journal.filled_orders() == [(7, Decimal(1))]


def test_fill_key_text_matches_fill_delta_id():
    delta = fill(order_index=12, cum="1.50")
    assert fill_key_text(12, Decimal("1.50")) == delta.fill_id == "12-1.5"
    assert fill_key_text(3, Decimal("100")) == "3-100"


def test_intent_and_result_lifecycle(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        first, second = fill(cum="0.5"), fill(cum="1")
        journal.record_fill(first)
        journal.record_fill(second)
        assert [f.fill_key for f in journal.unhedged_fills()] == ["7-0.5", "7-1"]
        cid = hedge_client_id(7, Decimal("0.5"))
        assert journal.record_hedge_intent(cid, first.fill_id, "ETH/USDT:USDT", Decimal("0.5"))
        assert not journal.record_hedge_intent(cid, first.fill_id, "ETH/USDT:USDT", Decimal("0.5"))
        assert [i.client_id for i in journal.intents_without_result()] == [cid]
        journal.record_hedge_result(cid, "unresolved", Decimal(0), reason="timeout")
        assert [i.client_id for i in journal.intents_without_result()] == [cid]
        journal.record_hedge_result(cid, "filled", Decimal("0.5"), Decimal("3001"))
        journal.record_hedge_result(cid, "filled", Decimal("0.5"), Decimal("3001"))  # re-recorded
        assert journal.intents_without_result() == []
        assert [f.fill_key for f in journal.unhedged_fills()] == ["7-1"]
        totals = journal.totals()
        assert (totals.hedge_intents, totals.hedged_base) == (1, Decimal("0.5"))
        assert (totals.unhedged_fills, totals.intents_without_result) == (1, 0)


def test_remainder_intent_keeps_the_fill_open_until_it_answers(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.record_fill(fill(cum="1", size="1"))
        first, rest = hedge_client_id(7, Decimal(1)), hedge_client_id(7, Decimal(1), attempt=1)
        journal.record_hedge_intent(first, "7-1", "ETH/USDT:USDT", Decimal(1))
        journal.record_hedge_result(first, "partial", Decimal("0.6"))
        journal.record_hedge_intent(rest, "7-1", "ETH/USDT:USDT", Decimal("0.4"))
        assert [f.fill_key for f in journal.unhedged_fills()] == ["7-1"]
        journal.record_hedge_result(rest, "filled", Decimal("0.4"))
        assert journal.unhedged_fills() == []
        assert journal.totals().hedged_base == Decimal(1)


@pytest.mark.slow   # writes from a child process
def test_reopen_after_a_crash_reads_back_everything_written(tmp_path):
    path = tmp_path / "j.sqlite"
    script = f"""
import os
from decimal import Decimal
from hedge.core.types import FillDelta
from hedge.infra.journal import Journal
j = Journal({str(path)!r})
f = FillDelta(order_index=9, client_order_index=1, market_id=0, is_ask=True, size=Decimal('2'),
              price=Decimal('10'), cum_filled_base=Decimal('2'), cum_filled_quote=Decimal('20'),
              status='filled')
j.record_fill(f, seen_ns=123)
j.record_hedge_intent('lh-9-2', '9-2', 'ETH/USDT:USDT', Decimal('2'))
os._exit(0)  # no close, no commit hook, no atexit: a crash right after sending
"""
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=30)
    with Journal(path) as journal:
        [unhedged] = journal.unhedged_fills()
        assert (unhedged.fill_key, unhedged.side, unhedged.size, unhedged.seen_ns) == (
            "9-2", "ask", Decimal(2), 123)
        [intent] = journal.intents_without_result()
        assert (intent.client_id, intent.amount) == ("lh-9-2", Decimal(2))
        assert journal.filled_orders() == [(9, Decimal(2))]
        assert journal.record_fill(fill(order_index=9, cum="2")) is False  # replay after restart


def test_second_instance_without_close_sees_the_writes(tmp_path):
    path = tmp_path / "j.sqlite"
    first = Journal(path)
    first.record_fill(fill())
    second = Journal(path)  # the first one is never closed
    assert [f.fill_key for f in second.unhedged_fills()] == ["7-0.5"]
    assert second.record_fill(fill()) is False
    second.close()
    first.close()


@freeze_time("2025-03-01 12:00:00")
def test_timestamps_come_from_the_clock(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.record_hedge_intent("lh-1-1", "1-1", "ETH/USDT:USDT", Decimal(-1))
        [intent] = journal.intents_without_result()
        assert intent.created_at_s == 1740830400.0 and intent.amount == Decimal(-1)


def test_signed_totals_count_each_client_id_once_by_its_last_final_answer(tmp_path):
    from decimal import Decimal as D

    from hedge.core.types import FillDelta
    from hedge.infra.journal import Journal

    with Journal(tmp_path / "j.sqlite") as journal:
        buy = FillDelta(order_index=5, client_order_index=1, market_id=0, is_ask=False, size=D("0.03"),
                        price=D("3000"), cum_filled_base=D("0.03"), cum_filled_quote=D("90"),
                        status="open", timestamp_ms=0)
        sell = FillDelta(order_index=6, client_order_index=2, market_id=0, is_ask=True, size=D("0.01"),
                         price=D("3001"), cum_filled_base=D("0.01"), cum_filled_quote=D("30.01"),
                         status="filled", timestamp_ms=0)
        assert journal.record_fill(buy) and journal.record_fill(sell)
        journal.record_hedge_intent("a", "5-0.03", "ETH/USDT:USDT", D("-0.03"))
        # Two final answers for "a": a partial, then the lookup that found all of it.
        journal.record_hedge_result("a", "partial", D("-0.01"))
        journal.record_hedge_result("a", "resolved", D("-0.03"))
        journal.record_hedge_intent("b", "6-0.01", "ETH/USDT:USDT", D("0.01"))
        journal.record_hedge_result("b", "filled", D("0.01"))
        journal.record_hedge_result("b", "unresolved", D("0"))       # not final: ignored
        assert journal.signed_totals() == (D("0.02"), D("-0.02"))
        assert journal.totals().hedged_base == D("0.04")
        assert journal.filled_orders() == [(5, D("0.03")), (6, D("0.01"))]
        assert journal.last_fill_key() == (6, D("0.01"))
        assert journal.intents_without_result() == []


def test_owned_orders_are_written_ahead_and_listed_newest_first(tmp_path):
    from hedge.infra.journal import DuplicateOrderIndex, Journal

    with Journal(tmp_path / "j.sqlite") as journal:
        for index in (11, 12, 13):
            journal.record_order(index, 0, "bid")
        with pytest.raises(DuplicateOrderIndex):     # a second order under 12 would be lost
            journal.record_order(12, 1, "ask")
        journal.record_order(99, 1, "ask")
    with Journal(tmp_path / "j.sqlite") as reopened:
        assert reopened.recent_orders(0) == [13, 12, 11]
        assert reopened.recent_orders(1) == [99]
