"""How the fill path scales with markets: fill -> hedge submit with 1, 5 and 20 markets.

N real market engines (Engine, FillDetector, HedgeDesk, one sqlite Journal, one trades.csv)
under one AccountEngine; each round is one account_orders frame carrying fills on up to five
markets at once (a burst), handed to `AccountEngine.on_message` as the stream reader does. The
hedge venue is a stand-in that stamps the moment `submit_hedge` is entered, so the figure is
the bot's own cost from the frame read to the hedge request handed to the venue client (the
HTTP round trip is bench/fill_hedge.py's); it then yields once, as a real submit does while its
request is on the wire, so the next market's desk does not wait for this one's bookkeeping. Each market's book and quoting are idle here.

Frames are 5 ms apart (GAP_S). Run as `python -m bench.markets --rounds N --markets 1,5,20`; bench/run.py runs it in a child.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hedge.adapters.hedging.venue import (HedgeLeg, HedgeOutcome, HedgeStatus,  # noqa: E402
                                          HedgeTiming, MarketRules)
from hedge.adapters.lighter import messages as m  # noqa: E402
from hedge.adapters.lighter.markets import MarketSpec  # noqa: E402
from hedge.app.account_engine import AccountEngine  # noqa: E402
from hedge.app.engine import Engine  # noqa: E402
from hedge.app.hedge_desk import HedgeDesk  # noqa: E402
from hedge.app.settings import engine_settings  # noqa: E402
from hedge.core.fill_detector import FillDetector  # noqa: E402
from hedge.core.types import OrderUpdate  # noqa: E402
from hedge.infra.config import parse_config  # noqa: E402
from hedge.infra.journal import Journal  # noqa: E402
from hedge.infra.logs import setup_logging  # noqa: E402
from hedge.infra.run_files import TradesCsv  # noqa: E402

FILLS_PER_BURST = 5
# Between frames: fills do not arrive back to back, and what waits for after_this_step (log
# lines, trades.csv rows of the previous frame) must not count against the next frame's hedges.
GAP_S = 0.005
PRICE = Decimal("100")
SIZE = Decimal("1")


class StampingVenue:
    """Fills every hedge at once; records frame-read -> submit_hedge entered, in ms."""

    def __init__(self) -> None:
        self.submit_ms: list[float] = []
        self.submitted = 0

    def rules(self, symbol):
        return MarketRules(symbol, Decimal("0.001"), Decimal("0.01"), Decimal("0.001"), Decimal(5))

    def executable_price(self, symbol, amount, is_buy):
        return PRICE

    async def submit_hedge(self, request):
        now = time.perf_counter_ns()
        self.submit_ms.append((now - request.fill_seen_ns) / 1e6)
        self.submitted += 1
        await asyncio.sleep(0)       # a real submit awaits its HTTP request: the other desks go
        leg = HedgeLeg(f"b{self.submitted}", HedgeStatus.FILLED, request.amount, PRICE)
        return HedgeOutcome(request, HedgeStatus.FILLED, request.amount, PRICE, (leg.client_id,),
                            timings=(HedgeTiming(now, now),), legs=(leg,))


class IdleStream:
    on_message = None


class EveryIndex(list):
    """Every client index is this run's: the bench's fills are on our own quotes (a fill on
    an order the run did not place costs a WARNING line on the path, not measured here)."""

    def __contains__(self, index: object) -> bool:
        return True


class IdleQuotes:
    sides = {"bid": None, "ask": None}
    own_client_indexes = EveryIndex()

    def on_order(self, order) -> None:
        pass

    def hedge_price_assumed(self, client_order_index, fill_price=None):
        return None


def _engines(count: int, venue: StampingVenue, work: Path) -> tuple[AccountEngine, list[Engine]]:
    config = parse_config({"markets": [
        {"lighter_market": f"M{i}", "hedge_symbol": f"M{i}/USDT:USDT", "order_size": "1",
         "max_position": "1000000", "risk": {"max_unhedged_base": "1000000"}}
        for i in range(count)]})
    run = work / f"run-{count}-{time.perf_counter_ns()}"      # a fresh journal every pass
    run.mkdir()
    journal, trades = Journal(run / "journal.sqlite"), TradesCsv(run / "trades.csv")
    engines = []
    for i, market in enumerate(config.trading_markets):
        spec = MarketSpec(symbol=market.lighter_market, market_id=i, size_decimals=4,
                          price_decimals=2, min_base=Decimal("0.001"), min_quote=Decimal(1))
        desk = HedgeDesk(venue, market.hedge_symbol, journal, trades, market=spec.symbol)
        engines.append(Engine(engine_settings(config, spec, 1, market), orders=None,
                              ws=IdleStream(), rest=None, desk=desk, quotes=IdleQuotes(),
                              detector=FillDetector(), hedge_venue=venue,
                              start_lighter_position=Decimal(0), auth_token=None))
    account = AccountEngine(engines, ws=IdleStream(), dead_mans_switch=None,
                            max_total_unhedged_quote=None, max_total_loss_quote=Decimal(1),
                            taker_fee_bps=Decimal(0))
    return account, engines


async def _measure(count: int, rounds: int, work: Path) -> dict:
    venue = StampingVenue()
    account, engines = _engines(count, venue, work)
    desks = [asyncio.create_task(e.desk.run()) for e in engines]
    order_index = 1_000
    try:
        for r in range(rounds):
            markets = [(r * FILLS_PER_BURST + k) % count for k in range(min(FILLS_PER_BURST, count))]
            orders: dict[str, tuple[OrderUpdate, ...]] = {}
            for k, market in enumerate(markets):
                order_index += 1
                order = OrderUpdate(order_index=order_index, client_order_index=order_index,
                                    market_id=market, status="filled", is_ask=(r + k) % 2 == 0,
                                    initial_base=SIZE, remaining_base=Decimal(0), filled_base=SIZE,
                                    filled_quote=SIZE * PRICE, price=PRICE)
                orders[str(market)] = orders.get(str(market), ()) + (order,)
            expected = venue.submitted + len(markets)
            account.on_message(m.AccountOrders(orders=orders, recv_ns=time.perf_counter_ns()))
            deadline = time.monotonic() + 10
            while venue.submitted < expected:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{count} markets, round {r}: {venue.submitted} hedges of "
                                       f"{expected} ({account.exit_reason or 'no stop'})")
                await asyncio.sleep(0)
            await asyncio.sleep(GAP_S)      # the frame's bookkeeping (log lines, rows) is done
    finally:
        for task in desks:
            task.cancel()
        await asyncio.gather(*desks, return_exceptions=True)
        engines[0].desk.journal.close()
    samples = sorted(venue.submit_ms)
    return {"n": len(samples), "p50": round(statistics.median(samples), 3),
            "p99": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 3),
            "fills_per_frame": min(FILLS_PER_BURST, count)}


def run(rounds: int, market_counts: list[int]) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-markets-") as tmp:
        work = Path(tmp)
        setup_logging(work, "WARNING", console=False)     # bot.log at DEBUG, as in a run
        asyncio.run(_measure(1, 20, work))                 # warm-up
        by_markets = {str(n): asyncio.run(_measure(n, rounds, work)) for n in market_counts}
    return {"fill_to_hedge_submit_ms_by_markets": by_markets}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--markets", default="1,5,20")
    args = ap.parse_args()
    print(json.dumps(run(args.rounds, [int(n) for n in args.markets.split(",")])))


if __name__ == "__main__":
    main()
