"""Several markets under one runner: each frame reaches only the market it is about, each
market is live by its own snapshot, fills of one frame are all queued before any hedge goes,
client order indexes never repeat, and the account's limits cover every market."""
from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from decimal import Decimal as D

import pytest

from hedge.core.order_book import OrderBook
from hedge.core.quoting import QuoteTarget
from hedge.infra.journal import DuplicateOrderIndex, Journal
from hedge.infra.rate_limit import TokenBucket
from tests.harness import frames as f
from tests.harness.clock import settle
from tests.harness.rig import MARKET_IDS, build_markets

ETH, BTC, SOL = MARKET_IDS["ETH"], MARKET_IDS["BTC"], MARKET_IDS["SOL"]


@pytest.fixture
async def markets(tmp_path):
    rig = build_markets(tmp_path / "journal.sqlite")
    try:
        yield rig
    finally:
        await rig.close()
        rig.journal.close()


def live(rig) -> dict[str, bool]:
    return {symbol: e.state.account_stream_live for symbol, e in rig.engines.items()}


async def test_no_snapshot_of_another_market_marks_this_one_live(markets):
    markets.feed(f.connected())
    markets.feed(f.market_orders(BTC, snapshot=True))
    assert live(markets) == {"ETH": False, "BTC": True, "SOL": False}
    markets.feed(f.market_orders(ETH, f.order(5, market=ETH)))       # an update, not a snapshot
    assert live(markets) == {"ETH": False, "BTC": True, "SOL": False}
    assert not markets.engines["ETH"].market_view().can_see_fills
    markets.feed(f.market_orders(ETH, snapshot=True))
    assert live(markets) == {"ETH": True, "BTC": True, "SOL": False}


async def test_a_reconnect_or_an_auth_refusal_takes_every_market_off_live(markets):
    await markets.live()
    assert all(live(markets).values())
    markets.feed(f.error(20_013))
    assert not any(live(markets).values())
    for market in (ETH, BTC, SOL):
        markets.feed(f.market_orders(market, snapshot=True))
    markets.feed(f.connected())
    assert not any(live(markets).values())


async def test_fills_on_several_markets_in_one_frame_are_all_journaled_before_any_hedge_goes(
        markets, tmp_path):
    """The frame's three fills are read, journaled in one commit and owed before the first
    hedge is handed to the venue; then each market's hedge goes in the reader's own step,
    once."""
    await markets.live()
    for engine in markets.engines.values():
        markets.tasks.append(asyncio.create_task(engine.desk.run()))
    await settle()
    seen_at_send = []      # (fills, intents committed; owed per market) as each hedge is sent
    reader = sqlite3.connect(tmp_path / "journal.sqlite")   # sees committed rows only
    submit = markets.venue.submit_hedge

    async def watched(request):
        def sending(client_id, amount):           # the write-ahead hook, right before the send
            request.before_send(client_id, amount)
            seen_at_send.append((
                reader.execute("SELECT COUNT(*) FROM fills").fetchone()[0],
                reader.execute("SELECT COUNT(*) FROM hedge_intents").fetchone()[0],
                [e.desk.ledger.owed for e in markets.engines.values()]))
        return await submit(replace(request, before_send=sending))
    markets.venue.submit_hedge = watched
    statements: list[str] = []
    markets.journal._db.set_trace_callback(statements.append)
    markets.feed(f.account_orders(f.order(5, filled="0.0100", status="filled", market=ETH),
                                  f.order(6, filled="0.0100", status="filled", market=BTC),
                                  f.order(7, is_ask=True, filled="0.0100", status="filled",
                                          market=SOL)))
    markets.journal._db.set_trace_callback(None)
    reader.close()
    # The frame's handling returned: every hedge was sent in it, each with all three fills
    # and its own intent committed, all three owed when the first went.
    assert [(fills, intents) for fills, intents, _ in seen_at_send] == [(3, 1), (3, 2), (3, 3)]
    assert seen_at_send[0][2] == [D("-0.0100"), D("-0.0100"), D("0.0100")]
    assert sorted(r.amount for r in markets.venue.requests) == [D("-0.0100"), D("-0.0100"),
                                                                 D("0.0100")]
    # One transaction: the three fills and the first hedge's intent, one commit.
    writes = [s.split(" (")[0] for s in statements if s.startswith(("INSERT", "BEGIN", "COMMIT"))]
    assert writes[:6] == ["BEGIN"] + ["INSERT OR IGNORE INTO fills VALUES"] * 3 + [
        "INSERT OR IGNORE INTO hedge_intents VALUES", "COMMIT"]
    assert writes.count("COMMIT") == 1 and writes.count("BEGIN") == 1
    await settle()
    assert len(markets.venue.requests) == 3                       # once each
    assert [e.state.lighter_position for e in markets.engines.values()] == [
        D("0.0100"), D("0.0100"), D("-0.0100")]
    assert all(e.desk.ledger.owed == 0 for e in markets.engines.values())


async def test_an_order_of_a_market_this_run_does_not_trade_reaches_no_engine(markets):
    await markets.live()
    markets.feed(f.account_orders(f.order(5, filled="0.0100", status="filled", market=9)))
    assert markets.runner.unrouted_orders == 1
    assert all(e.desk.ledger.owed == 0 for e in markets.engines.values())
    assert markets.journal.totals().fills == 0


async def test_own_trades_reach_only_their_market_detector(markets):
    await markets.live()
    markets.feed(f.account_all(f.trade(70, bid_id=5, market=BTC)))
    assert markets.engines["BTC"].detector._trade_base == {5: D("0.0100")}
    assert markets.engines["ETH"].detector._trade_base == {}


async def test_client_order_indexes_stay_unique_across_three_markets_and_a_restart(tmp_path):
    path = tmp_path / "journal.sqlite"
    placed: list[int] = []
    for run in range(2):
        rig = build_markets(path)
        try:
            await rig.live()
            for engine in rig.engines.values():
                await engine.quotes.apply(QuoteTarget(D("1999.01"), D("2000.99")))
            placed += [call[-1] for call in rig.orders.calls if call[0] == "place"]
        finally:
            await rig.close()
            rig.journal.close()
    assert len(placed) == 12 and len(set(placed)) == 12
    assert min(placed[6:]) > max(placed[:6])            # the restart starts above the journal


async def test_a_restart_starts_above_the_journal_even_when_the_clock_went_back(tmp_path):
    path = tmp_path / "journal.sqlite"
    journal = Journal(path)
    far_ahead = int(2_000_000_000_000 * 64)            # an index from a clock running ahead
    journal.record_order(far_ahead, ETH, "bid")
    rig = build_markets(path, journal=journal)
    try:
        await rig.live()
        await rig.engines["BTC"].quotes.apply(QuoteTarget(D("1999.01"), None))
        assert [c[-1] for c in rig.orders.calls if c[0] == "place"] == [far_ahead + 1]
    finally:
        await rig.close()
        journal.close()


def test_owned_orders_refuse_a_duplicate_index_loudly(tmp_path):
    with Journal(tmp_path / "journal.sqlite") as journal:
        journal.record_order(77, ETH, "bid")
        with pytest.raises(DuplicateOrderIndex, match="77 .* already in the journal"):
            journal.record_order(77, BTC, "ask")
        assert journal.recent_orders(ETH) == [77] and journal.recent_orders(BTC) == []


async def test_the_tx_cap_is_the_account_s_not_each_market_s(markets):
    await markets.live()
    bucket = TokenBucket(1 / 3600, 2)                   # two quote transactions, then none
    for engine in markets.engines.values():
        engine.quotes._bucket = bucket
    await markets.engines["ETH"].quotes.apply(QuoteTarget(D("1999.01"), D("2000.99")))
    await markets.engines["BTC"].quotes.apply(QuoteTarget(D("1999.01"), D("2000.99")))
    assert [c[1] for c in markets.orders.calls if c[0] == "place"] == ["bid", "ask"]
    assert markets.engines["BTC"].quotes.counters.skipped_by_rate == 2


async def test_the_total_unhedged_limit_defaults_to_each_market_s_limit_at_its_mid(markets):
    assert markets.runner.total_unhedged_limit_quote() is None     # no mid yet: none
    await markets.live()
    assert markets.runner.total_unhedged_limit_quote() == 3 * D("0.1") * D("2000.00")


async def test_a_market_without_a_mid_counts_at_its_last_known_mid(markets):
    await markets.live()
    markets.engines["BTC"].mid()                                    # 2000.00 seen
    markets.engines["BTC"].desk.ledger.add_maker_fill(D("0.0500"))
    markets.stream.books[BTC] = OrderBook(BTC)                      # the book is gone
    assert markets.engines["BTC"].mid() is None
    assert markets.runner.total_unhedged_quote() == D("0.0500") * D("2000.00")


async def test_the_run_stops_only_when_no_market_could_trade_again(markets):
    await markets.live()
    markets.engines["ETH"].pause("loss (-21 < -20)")
    markets.engines["BTC"].pause("position_mismatch (Lighter 1, fills seen 0)")
    markets.engines["SOL"].pause("stale_stream (10100 ms without a frame)")   # lifts by itself
    assert markets.runner.global_kill_reason() is None
    markets.engines["SOL"].pause("loss (-30 < -20)")
    assert markets.runner.global_kill_reason() == "loss (-21 < -20)"
