"""The fill -> hedge path, measured on the whole bot while it quotes and requotes (signing).

The bot runs in this process exactly as `python run.py run` runs it (run_command.run_bot, paper
config), with both local venues in their own child process. Once it quotes, this module sends
account_orders frames through the Lighter venue (`POST /sim/frames/account_orders`): each frame
carries 1 or 10 fills of our resting quote's client index, so they reach the bot over its real
socket, through its real reader, fill detector, journal and hedge desk, and are hedged on the
local hedge venue over HTTP. The latencies are the bot's own (HedgeOutcome.fill_to_submit_ms /
fill_to_ack_ms, from the frame's read stamp). Between hedges, the same signed IOC order is sent
with a bare aiohttp client to the same venue: the loopback round trip, the physical floor.

Run as `python -m bench.fill_hedge --singles N --batches M [--duration S]`; prints one JSON line.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import pstats
import hashlib
import hmac
import itertools
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import orjson

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import hedge.app.run_command as run_command  # noqa: E402
from hedge.infra.config import load_config  # noqa: E402

FAKE_ORDER_BASE = 7_000_000_000_000      # order indexes of injected fills (never the venue's)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1)))))
    return ordered[k]


def stats(values: list[float]) -> dict:
    return {"p50": _r(pct(values, 50)), "p99": _r(pct(values, 99)),
            "max": _r(max(values) if values else None), "n": len(values)}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


class Probe:
    """Watches one engine: hedge outcomes by fill key, signatures by kind, requotes."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.outcomes: dict[int, tuple[float, float, str]] = {}
        self.natural: list[tuple[float, float]] = []
        self.signs: dict[str, int] = {}
        self.hedged = asyncio.Event()
        self.modify_calls = 0
        self.modify_signs = 0
        desk, quotes, client = engine.desk, engine.quotes, engine.orders._client
        original_record = desk.record_outcome

        def record(outcome) -> None:
            original_record(outcome)
            key = outcome.request.fill_key[0]
            row = (outcome.fill_to_submit_ms, outcome.fill_to_ack_ms, outcome.status.value)
            if key >= FAKE_ORDER_BASE:
                self.outcomes[key] = row
                self.hedged.set()
            elif outcome.fill_to_submit_ms is not None:
                self.natural.append(row[:2])
        desk.record_outcome = record
        self.stages: dict[str, list[float]] = {}
        self.profile: cProfile.Profile | None = None    # --profile: ccxt's create_order, to HTTP
        self._trace(engine)

        for name in ("sign_create_order", "sign_modify_order", "sign_cancel_order",
                     "sign_cancel_all_orders"):
            self._count_signs(client, name)
        original_modify = quotes._modify

        async def modify(*args, **kwargs):
            before = sum(self.signs.values())
            await original_modify(*args, **kwargs)
            self.modify_calls += 1
            self.modify_signs += sum(self.signs.values()) - before
        quotes._modify = modify

    def _stage(self, name: str, ms: float) -> None:
        self.stages.setdefault(name, []).append(ms)

    def _trace(self, engine) -> None:
        """Where a fill's milliseconds go: each step's own cost, and the queue hops."""
        journal, desk, venue = engine.desk.journal, engine.desk, engine.hedge_venue

        def timed(owner, name: str, label: str) -> None:
            original = getattr(owner, name)

            def wrapper(*args, **kwargs):
                t0 = time.perf_counter_ns()
                try:
                    return original(*args, **kwargs)
                finally:
                    self._stage(label, (time.perf_counter_ns() - t0) / 1e6)
            setattr(owner, name, wrapper)

        timed(journal, "record_fill", "journal fill (its insert; the frame's commit follows)")
        original_one_commit = journal.one_commit

        @contextlib.contextmanager
        def one_commit():
            frame_commit = original_one_commit()
            frame_commit.__enter__()
            try:
                yield
            except BaseException:
                if not frame_commit.__exit__(*sys.exc_info()):
                    raise
            else:
                writes = journal._db.in_transaction      # a frame with fills
                t0 = time.perf_counter_ns()
                frame_commit.__exit__(None, None, None)
                if writes:
                    self._stage("journal: the frame's one commit",
                                (time.perf_counter_ns() - t0) / 1e6)
        journal.one_commit = one_commit
        timed(journal, "record_hedge_intent", "journal hedge intent (sqlite commit)")
        timed(engine, "on_order", "engine.on_order (detector, log, journal, queue)")
        traced_on_order = engine.on_order

        def on_order(order, recv_ns, *args, **kwargs):
            if order.order_index >= FAKE_ORDER_BASE and recv_ns != self._last_recv:
                self._last_recv = recv_ns
                self._stage("frame read -> engine.on_order (first order of the frame)",
                            (time.perf_counter_ns() - recv_ns) / 1e6)
            return traced_on_order(order, recv_ns, *args, **kwargs)
        self._last_recv = 0
        engine.on_order = on_order
        reader = engine.ws
        original_on_text = reader._on_text

        async def on_text(ws, text, recv_ns):
            t0 = time.perf_counter_ns()
            await original_on_text(ws, text, recv_ns)
            if str(FAKE_ORDER_BASE)[:6] in (text if isinstance(text, str) else text.decode()):
                self._stage("ws reader step for the fill frame (decode, record, parse, log)", (time.perf_counter_ns() - t0) / 1e6)
        reader._on_text = on_text
        original_owed = desk._hedge_owed

        async def hedge_owed(fill_key, seen_ns, *args, **kwargs):
            if seen_ns:
                self._stage("frame read -> hedge task running", (time.perf_counter_ns() - seen_ns) / 1e6)
            return await original_owed(fill_key, seen_ns, *args, **kwargs)
        desk._hedge_owed = hedge_owed
        original_submit = venue.submit_hedge

        async def submit(request):
            if request.fill_seen_ns:
                self._stage("frame read -> venue.submit_hedge", (time.perf_counter_ns() - request.fill_seen_ns) / 1e6)
            return await original_submit(request)
        venue.submit_hedge = submit
        original_create = venue.exchange.create_order

        async def create(*args, **kwargs):
            stamp = time.perf_counter_ns()
            self._pending_create = stamp
            if self.profile is not None:
                self.profile.enable()
            return await original_create(*args, **kwargs)
        venue.exchange.create_order = create
        original_fetch = venue.exchange.fetch

        async def fetch(*args, **kwargs):
            started = getattr(self, "_pending_create", None)
            if started is not None:
                if self.profile is not None:
                    self.profile.disable()
                self._stage("ccxt create_order -> request handed to HTTP", (time.perf_counter_ns() - started) / 1e6)
                self._pending_create = None
            return await original_fetch(*args, **kwargs)
        venue.exchange.fetch = fetch

    def _count_signs(self, client, name: str) -> None:
        original = getattr(client, name)

        def counted(*args, **kwargs):
            self.signs[name] = self.signs.get(name, 0) + 1
            return original(*args, **kwargs)
        setattr(client, name, counted)


def order_wire(index: int, coi: int, market: int, is_ask: bool, size: Decimal, price: Decimal) -> dict:
    """One filled-by-`size` resting order as Lighter's account_orders frame carries it."""
    now_us = time.time_ns() // 1000
    return {"order_index": index, "client_order_index": coi, "order_id": str(index),
            "client_order_id": str(coi), "market_index": market, "owner_account_index": 0,
            "initial_base_amount": str(size * 2), "price": str(price), "nonce": 0,
            "remaining_base_amount": str(size), "is_ask": is_ask,
            "filled_base_amount": str(size), "filled_quote_amount": str(size * price),
            "type": "limit", "time_in_force": "post-only", "reduce_only": False, "status": "open",
            "timestamp": now_us // 1_000_000, "updated_at": now_us // 1_000_000,
            "transaction_time": now_us}


class RawClient:
    """The hedge venue's signed order request, sent with a bare aiohttp session."""

    def __init__(self, engine) -> None:
        venue = engine.hedge_venue
        self.venue = venue
        self.url = venue.settings.base_url.rstrip("/") + "/fapi/v1/order"
        self.base = venue.settings.base_url.rstrip("/")
        self.key = "rawbench-" + hashlib.sha256(str(time.time_ns()).encode()).hexdigest()[:16]
        self.secret = hashlib.sha256(self.key.encode()).hexdigest().encode()
        self.symbol = engine.hedge_symbol
        self.market_id = venue.exchange.market(self.symbol)["id"]
        self.rules = venue.rules(self.symbol)
        self.session = aiohttp.ClientSession()
        self.ids = itertools.count(1)
        self.rtt_ms: list[float] = []

    async def register(self) -> None:
        """Its own account on the hedge venue, so its trades never touch the bot's position."""
        async with self.session.post(f"{self.base}/sim/accounts", json={
                "api_key": self.key, "secret": self.secret.decode(), "balance": "100000"}) as resp:
            if resp.status != 200:
                raise RuntimeError(f"hedge venue refused the raw client's account: {await resp.text()}")

    async def send(self, is_buy: bool, amount: Decimal) -> None:
        book = self.venue.feed(self.symbol).book()
        if book is None:
            return
        best = (book.asks if is_buy else book.bids)[0][0]
        price = (best * (Decimal(1) + (Decimal("0.001") if is_buy else Decimal("-0.001")))
                 ).quantize(self.rules.price_tick)
        params = {"symbol": self.market_id, "side": "BUY" if is_buy else "SELL", "type": "LIMIT",
                  "quantity": str(amount), "price": str(price), "timeInForce": "IOC",
                  "newClientOrderId": f"rawbench{time.time_ns() % 10**9}x{next(self.ids)}",
                  "timestamp": str(int(time.time() * 1000)), "recvWindow": "10000"}
        body = urlencode(params)
        body += "&signature=" + hmac.new(self.secret, body.encode(), hashlib.sha256).hexdigest()
        t0 = time.perf_counter_ns()
        async with self.session.post(self.url, data=body, headers={
                "X-MBX-APIKEY": self.key, "Content-Type": "application/x-www-form-urlencoded"}) as resp:
            answer = orjson.loads(await resp.read())
        elapsed = (time.perf_counter_ns() - t0) / 1e6
        if resp.status == 200 and "orderId" in answer:
            self.rtt_ms.append(elapsed)
        else:
            raise RuntimeError(f"raw order refused: {resp.status} {answer}")

    async def close(self) -> None:
        await self.session.close()


async def drive(engine_box: dict, singles: int, batches: int, batch_size: int, gap_s: float,
                result: dict, profile: bool = False) -> None:
    while "engine" not in engine_box:
        await asyncio.sleep(0.05)
    engine = engine_box["engine"]
    probe = Probe(engine)
    if profile:
        probe.profile = cProfile.Profile()
    deadline = time.monotonic() + 30
    while not (engine.quotes.own_client_indexes and engine.mid() is not None
               and engine._tasks and engine.hedge_venue.book_age_ms(engine.hedge_symbol) is not None):
        if time.monotonic() > deadline:
            raise RuntimeError("the bot never started quoting")
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)                        # quoting under way, book fresh
    lighter_http = engine.ws.url.replace("ws://", "http://").removesuffix("/stream")
    spec, size = engine.spec, engine.params.order_size
    raw = RawClient(engine)
    http = aiohttp.ClientSession()
    indexes = itertools.count(FAKE_ORDER_BASE)
    by_count: dict[int, list[int]] = {1: [], batch_size: []}
    try:
        await raw.register()
        await raw.send(True, size)                  # warm both connections
        await raw.send(False, size)
        raw.rtt_ms.clear()
        plan = [1] * singles + [batch_size] * batches
        for i, n in enumerate(plan):
            is_ask = i % 2 == 0                     # alternate, so positions stay near flat
            mid = engine.mid()
            price = (mid if mid is not None else Decimal(3000)).quantize(spec.tick_size)
            coi = engine.quotes.own_client_indexes[-1]
            fills = [order_wire(next(indexes), coi, spec.market_id, is_ask, size, price) for _ in range(n)]
            key = fills[-1]["order_index"]
            probe.hedged.clear()
            async with http.post(f"{lighter_http}/sim/frames/account_orders", json={
                    "account": engine.account_index, "market": spec.market_id, "orders": fills,
                    "delay_ms": 30}) as resp:      # our answer is read before the frame comes
                if resp.status != 200:
                    raise RuntimeError(f"inject refused: {await resp.text()}")
            wait_until = time.monotonic() + 5
            while key not in probe.outcomes and time.monotonic() < wait_until:
                try:
                    await asyncio.wait_for(probe.hedged.wait(), 0.5)
                except asyncio.TimeoutError:
                    pass
                probe.hedged.clear()
            if key not in probe.outcomes:
                raise RuntimeError(f"no hedge for injected fill {key} within 5 s")
            by_count[n].append(key)
            if n == 1:
                await asyncio.sleep(gap_s / 2)
                await raw.send(i % 4 < 2, size)     # the same order, bare client; net flat
            await asyncio.sleep(gap_s / 2)
        # the native signer's own cost: back-to-back signatures of a modify, no I/O
        orders = engine.orders
        native = []
        for k in range(40):
            t0 = time.perf_counter()
            orders._client.sign_modify_order(spec.market_id, coi, spec.size_to_int(size),
                                             spec.price_to_int(price), nonce=10**9 + k,
                                             api_key_index=orders.api_key_index)
            native.append((time.perf_counter() - t0) * 1000)
        rows = probe.outcomes
        single = [rows[k] for k in by_count[1]]
        batch = [rows[k] for k in by_count[batch_size]]
        bad = [r for r in single + batch if r[2] != "filled"]
        requote_signs = probe.modify_signs
        result.update({
            "fill_to_hedge_submit_ms": stats([r[0] for r in single]),
            "fill_to_hedge_ack_ms": stats([r[1] for r in single]),
            "raw_loopback_rtt_ms": stats(raw.rtt_ms),
            "signed_tx_per_requote": round(requote_signs / probe.modify_calls, 3) if probe.modify_calls else None,
            "sign_ms_per_tx": round(statistics.median(native), 3),
            "sign_ms_in_bot_p50": _r(pct(orders.counters.sign_ms, 50)),
            f"fill_to_hedge_submit_ms_{batch_size}_fills": stats([r[0] for r in batch]),
            f"fill_to_hedge_ack_ms_{batch_size}_fills": stats([r[1] for r in batch]),
            "natural_fill_to_hedge_submit_ms": stats([r[0] for r in probe.natural]),
            "requotes": probe.modify_calls, "signs": dict(probe.signs),
            "hedges_not_filled": len(bad),
            "stages_ms_p50": {k: _r(pct(v, 50)) for k, v in probe.stages.items()},
            "stages_ms_p99": {k: _r(pct(v, 99)) for k, v in probe.stages.items()},
        })
        if probe.profile is not None:
            out = io.StringIO()
            pstats.Stats(probe.profile, stream=out).sort_stats("cumulative").print_stats(40)
            print(out.getvalue(), file=sys.stderr)
    finally:
        await raw.close()
        await http.close()
        engine.request_stop("duration")


async def main_async(args) -> dict:
    captured: dict = {}

    class CapturingEngine(run_command.Engine):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            captured["engine"] = self

    run_command.Engine = CapturingEngine
    result: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-fill-") as tmp:
        config = load_config(ROOT / "config" / "paper.yaml", {
            "duration_s": args.duration, "logging.dir": tmp, "logging.level": "WARNING",
            "risk.max_unhedged_base": "1"})       # a 10-fill frame owes 0.1 until hedged
        driver = asyncio.create_task(drive(captured, args.singles, args.batches, args.batch_size,
                                           args.gap_s, result, args.profile))
        code = await run_command.run_bot(config)
        if driver.done() and driver.exception() is not None:
            raise driver.exception()
        if not driver.done():
            driver.cancel()
            raise RuntimeError(f"the bot stopped (exit {code}) before the measurements finished")
        summary = orjson.loads(next(Path(tmp).glob("*/summary.json")).read_bytes())
        result["run_exit"] = summary.get("exit_reason")
        result["double_hedges"] = summary.get("reliability", {}).get("double_hedges")
        latency = summary.get("latency_ms", {})
        result["hedge_book_age_at_quote_ms"] = latency.get("hedge_book_age_at_quote")
        result["hedge_book_age_at_hedge_ms"] = latency.get("hedge_book_age_at_hedge")
        result["hedge_book"] = summary.get("hedge", {}).get("book")
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--singles", type=int, default=200)
    ap.add_argument("--batches", type=int, default=50)
    ap.add_argument("--batch-size", type=int, default=10)
    ap.add_argument("--gap-s", type=float, default=0.15)
    ap.add_argument("--duration", type=float, default=600)
    ap.add_argument("--profile", action="store_true",
                    help="cProfile ccxt's create_order up to its HTTP call; the table to stderr")
    args = ap.parse_args()
    print(orjson.dumps(asyncio.run(main_async(args))).decode(), flush=True)


if __name__ == "__main__":
    main()
