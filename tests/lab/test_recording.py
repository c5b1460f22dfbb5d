"""Recorded markets: the reader on the repository's real Lighter frames, the queue behind
recorded depth through the replay, a replay through the lab, and a recording of the local
venues replayed to completion."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from hedge.cli.main import main
from hedge.lab.command import LabOptions, run_lab
from hedge.lab.recorded_market import RecordedMarket, load_replay
from hedge.lab.recording import (HEDGE_BOOK, LIGHTER_BOOK, LIGHTER_TRADES, StreamWriter,
                                 read_recording, write_meta)
from hedge.market.model_file import MarketModel

FIXTURES = Path("tests/fixtures/lighter")
TICK, LOT = 0.01, 0.0001
S_NS = 1_000_000_000


def write_recording(out: Path, books: list, trades: list, hedge: list, compress: bool = True,
                    **meta) -> Path:
    """A recording directory from (ts_ns, frame) lists and hedge (ts_ns, bids, asks)."""
    out.mkdir(parents=True, exist_ok=True)
    for stream, lines in ((LIGHTER_BOOK, books), (LIGHTER_TRADES, trades)):
        writer = StreamWriter(out, stream, compress)
        for ts_ns, frame in lines:
            writer.write({"ts_ns": ts_ns, "frame": frame})
        writer.close()
    writer = StreamWriter(out, HEDGE_BOOK, compress)
    for ts_ns, bids, asks in hedge:
        writer.write({"ts_ns": ts_ns, "source": "stream", "bids": bids, "asks": asks})
    writer.close()
    write_meta(out, {"lighter_market": "ETH", "lighter_market_id": 0, "tick": str(TICK),
                     "lot": str(LOT), "hedge_venue": "binanceusdm",
                     "hedge_symbol": "ETH/USDT:USDT", **meta})
    return out


def book(kind: str, bids: list, asks: list, nonce: int) -> dict:
    return {"type": f"{kind}/order_book", "channel": "order_book:0",
            "order_book": {"code": 0, "nonce": nonce,
                           "bids": [{"price": p, "size": s} for p, s in bids],
                           "asks": [{"price": p, "size": s} for p, s in asks]}}


def trade(trade_id: int, price: str, size: str, taker_sells: bool) -> dict:
    return {"type": "update/trade", "channel": "trade:0", "liquidation_trades": None,
            "trades": [{"trade_id": trade_id, "market_id": 0, "size": size, "price": price,
                        "ask_id": 1, "bid_id": 2, "is_maker_ask": not taker_sells,
                        "timestamp": 0}]}


HEDGE = [["3000.00", "100"]], [["3000.50", "100"]]


def test_the_reader_reads_the_repository_s_real_lighter_frames(tmp_path):
    """Real captures (market 0 snapshot, updates and trades of Oct 2025) as a recording."""
    def data(name):
        return json.loads((FIXTURES / name).read_text())

    snapshot = data("qubx_orderbook_snapshot_market0_top25.json")["data"]
    updates = [f["data"] for f in data("qubx_orderbook_updates_first120.json")
               if f["data"].get("channel") == "order_book:0"]
    trades = [data("qubx_trade_update_market0_sample03.json")["data"]]
    books = [(i * 10_000_000, f) for i, f in enumerate([snapshot, *updates])]
    bid = snapshot["order_book"]["bids"][0]["price"]
    ask = snapshot["order_book"]["asks"][0]["price"]
    rec = write_recording(tmp_path / "real", books, [(5_000_000, trades[0])],
                          [(0, [[bid, "10"]], [[ask, "10"]])], compress=False)
    recording = read_recording(rec)
    kinds = [e.stream for e in recording.events]
    assert kinds.count(LIGHTER_BOOK) == len(books) and kinds.count(LIGHTER_TRADES) == 1
    trade_event = next(e for e in recording.events if e.stream == LIGHTER_TRADES)
    assert trade_event.payload.trades[0].trade_id == 212746642
    assert not any(e.payload.malformed for e in recording.events if e.stream == LIGHTER_BOOK)
    market = RecordedMarket(recording, MarketModel(), queue="conservative")
    market.advance_to(recording.duration_s * 1000)
    live = market.lighter_book.book
    assert live.is_live and live.updates_applied > 0
    assert live.best_bid().price < live.best_ask().price


def queue_recording(level_steps: list[tuple[float, str]],
                    trades: list[tuple[float, str]]) -> tuple[list, list]:
    """Bid level 2999.00 showing 2.0 at t 0; then level sizes and taker sells at the price."""
    books = [(0, book("subscribed", [("2999.00", "2.0")], [("3001.00", "1.0")], 1))]
    books += [(int(t * S_NS), book("update", [("2999.00", size)], [], i + 2))
              for i, (t, size) in enumerate(level_steps)]
    sells = [(int(t * S_NS), trade(i + 1, "2999.00", size, taker_sells=True))
             for i, (t, size) in enumerate(trades)]
    return sells, books


def replay_of(tmp_path, books, trades, queue) -> RecordedMarket:
    rec = write_recording(tmp_path / queue, books, trades, [(0, *HEDGE), (10 * S_NS, *HEDGE)])
    replay = load_replay(str(rec), MarketModel(), queue)
    return RecordedMarket(replay.recording, replay.model, queue=queue)


def fills_until(market: RecordedMarket, t_s: float) -> list:
    return [e for e in market.advance_to(t_s * 1000) if e.kind == "fill"]


def test_a_quote_behind_recorded_depth_fills_only_after_the_trades_ahead_of_it(tmp_path):
    trades, books = queue_recording([], [(1.0, "0.5"), (1.2, "0.5"), (1.4, "0.5"),
                                                   (1.6, "0.5"), (1.8, "0.05")])
    market = replay_of(tmp_path, books, trades, "conservative")
    market.place(0.0, 7, False, 299900, 1000)            # 0.1 base, lands after 200 ms
    assert [e.kind for e in market.advance_to(500)] == ["open"]
    assert fills_until(market, 1.7) == []                 # 2.0 ahead: four trades of 0.5
    fill, = fills_until(market, 1.9)
    assert (fill.order_id, fill.lots, fill.remaining_lots) == (7, 500, 500)
    assert market.lighter_book.orders[7].queue.ahead_base == 0


def test_a_trade_through_the_price_fills_the_whole_quote_and_the_other_side_never(tmp_path):
    trades = [(1.0, trade(1, "3001.00", "5", taker_sells=False)),     # buys: asks only
              (1.5, trade(2, "2998.00", "0.01", taker_sells=True))]   # a sell through 2999
    trades = [(int(t * S_NS), f) for t, f in trades]
    books = [(0, book("subscribed", [("2999.00", "2.0")], [("3001.00", "1.0")], 1))]
    market = replay_of(tmp_path, books, trades, "conservative")
    market.place(0.0, 7, False, 299900, 1000)
    assert fills_until(market, 1.2) == []
    fill, = fills_until(market, 2.0)
    assert (fill.lots, fill.remaining_lots) == (1000, 0) and 7 not in market.lighter_book.orders


@pytest.mark.parametrize("queue, fills", [("conservative", 0), ("probabilistic", 1)])
def test_size_leaving_the_level_moves_the_quote_up_only_in_the_probabilistic_model(
        tmp_path, queue, fills):
    """2.0 ahead; 2.0 joins behind, then 2.0 leaves without a trade: half of it was ahead of
    us in the probabilistic model, so a 1.5 sell reaches us there and not in the other."""
    trades, books = queue_recording([(0.5, "4.0"), (0.8, "2.0")], [(1.0, "1.5")])
    market = replay_of(tmp_path, books, trades, queue)
    market.place(0.0, 7, False, 299900, 1000)
    assert len(fills_until(market, 2.0)) == fills


def lab_recording(tmp_path: Path, name: str = "lab") -> Path:
    """A wide, quiet Lighter book over a tight hedge book for 60 s, then sells and buys that
    trade through any quote the bot can have, every 10 s."""
    books = [(0, book("subscribed", [("2990.00", "5")], [("3010.00", "5")], 1))]
    hedge = [(int(t * S_NS), *HEDGE) for t in range(0, 61, 5)]
    trades = []
    for i, t in enumerate(range(10, 60, 10)):
        taker_sells = i % 2 == 0
        trades.append((int(t * S_NS), trade(i + 1, "2990.00" if taker_sells else "3010.00",
                                            "5", taker_sells)))
    return write_recording(tmp_path / name, books, trades, hedge)


def test_the_lab_replays_a_recording_and_hedges_its_fills(tmp_path):
    result = run_lab(LabOptions(recording=str(lab_recording(tmp_path)), seeds=[1],
                                out=tmp_path / "out", json=True))
    t, = result["trials"]
    assert t["exit_reason"] == "duration"
    assert t["sim_hours"] == pytest.approx(60 / 3600, rel=0.01)
    assert t["fills"] == 5                       # every trade through reached a quote
    assert t["max_abs_position_base"] > 0 and t["volume_quote"] > 0
    assert t["split_bps"]["spread"] > 0          # bought under, sold over the hedge book
    assert (tmp_path / "out" / "results.csv").is_file()


def test_bad_recordings_are_refused_naming_the_problem(tmp_path, capsys):
    assert main(["lab", "--recording", str(tmp_path / "nowhere")]) == 2
    assert "no such directory" in capsys.readouterr().err
    rec = lab_recording(tmp_path)
    (rec / "hedge_book.jsonl.gz").unlink()
    assert main(["lab", "--recording", str(rec), "--out", str(tmp_path / "o")]) == 2
    assert "no hedge_book.jsonl" in capsys.readouterr().err
    with gzip.open(rec / "hedge_book.jsonl.gz", "wb") as handle:
        handle.write(b'{"no": "ts"}\n')
    assert main(["lab", "--recording", str(rec), "--out", str(tmp_path / "o")]) == 2
    assert "no integer ts_ns" in capsys.readouterr().err
    rec = lab_recording(tmp_path, "btc")
    meta = json.loads((rec / "meta.json").read_text())
    (rec / "meta.json").write_text(json.dumps({**meta, "lighter_market": "BTC"}))
    assert main(["lab", "--recording", str(rec), "--out", str(tmp_path / "o")]) == 2
    assert "is of Lighter market BTC, the config trades ETH" in capsys.readouterr().err


@pytest.mark.slow
def test_a_recording_of_the_local_venues_replays_to_completion(tmp_path, capsys):
    rec = tmp_path / "paper"
    assert main(["record", "--duration", "4", "--out", str(rec)]) == 0
    meta = json.loads((rec / "meta.json").read_text())
    assert meta["paper"] and meta["lighter_market"] == "ETH" and meta["hedge_book_streamed"]
    assert all(meta["lines"][s] > 0 for s in (LIGHTER_BOOK, LIGHTER_TRADES, HEDGE_BOOK))
    capsys.readouterr()
    assert main(["lab", "--recording", str(rec), "--queue", "probabilistic",
                 "--out", str(tmp_path / "out"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    t, = result["trials"]
    assert t["exit_reason"] == "duration" and 0 < t["sim_hours"] <= 4.5 / 3600
    assert t["fills"] >= 0 and t["quoting_fraction"] > 0
