"""The lifecycle check from the operator's checklist, against the configured venues.

Lighter: a post-only bid far below the market at minimum size -> seen `open` on account_orders
-> cancel -> seen `canceled` -> REST confirms it is canceled and nothing of it rests. The hedge
venue is checked read-only (markets, symbol, balance: the key is accepted). Whatever happens, a
stop-time cancel runs for the order, so nothing is ever left resting.

The canary is handed its venue clients already built (`python run.py canary` builds them from the
config); it opens nothing itself, so the same check can run against any venues.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import AsyncContextManager, Callable

from hedge.adapters.hedging.venue import HedgeVenue
from hedge.adapters.lighter import messages as m
from hedge.adapters.lighter.markets import MarketSpec
from hedge.adapters.lighter.order_client import LighterOrderClient
from hedge.adapters.lighter.rest import LighterRest
from hedge.adapters.lighter.ws_client import LighterWsClient
from hedge.core.types import OrderUpdate
from hedge.core.units import BPS, round_to_step


@dataclass(frozen=True)
class CanaryVenues:
    """The connected clients the canary works with (the Lighter key already checked)."""

    lighter_url: str
    spec: MarketSpec
    account_index: int
    orders: LighterOrderClient
    rest: LighterRest
    hedge: HedgeVenue
    hedge_exchange: str
    hedge_symbol: str
    auth_token_lifetime_s: int = 600


@dataclass
class CanaryOptions:
    far_bps: Decimal = Decimal(500)        # how far below the best bid the order rests
    size: Decimal | None = None            # None = the market's minimum (value included)
    timeout_s: float = 10.0


@dataclass
class Step:
    name: str
    ok: bool
    duration_ms: float
    detail: str = ""

    def to_dict(self) -> dict:
        return {"name": self.name, "ok": self.ok, "duration_ms": round(self.duration_ms, 3),
                "detail": self.detail}


@dataclass
class CanaryReport:
    steps: list[Step] = field(default_factory=list)
    terminal_state: str = "not_placed"
    rejection_reason: str | None = None
    market: str = ""
    order: dict = field(default_factory=dict)
    hedge: dict = field(default_factory=dict)
    resting_after: int | None = None

    @property
    def compliance_pass(self) -> bool:
        return (bool(self.steps) and all(s.ok for s in self.steps)
                and self.terminal_state == "canceled" and self.resting_after == 0)

    def to_dict(self) -> dict:
        return {"compliance_pass": self.compliance_pass, "terminal_state": self.terminal_state,
                "rejection_reason": self.rejection_reason, "market": self.market,
                "order": self.order, "hedge": self.hedge, "resting_after": self.resting_after,
                "steps": [s.to_dict() for s in self.steps]}


class OrderWatch:
    """Reads the stream queue: account snapshot seen, auth refusals, every state of our order."""

    def __init__(self, ws: LighterWsClient, client_order_index: int) -> None:
        self.ws = ws
        self.coi = client_order_index
        self.snapshot = asyncio.Event()
        self.auth_errors: list[str] = []
        self.states: list[OrderUpdate] = []
        self.changed = asyncio.Event()

    async def run(self) -> None:
        while True:
            msg = await self.ws.queue.get()
            if isinstance(msg, m.AccountOrders):
                if msg.is_snapshot:
                    self.snapshot.set()
                for order in msg.all_orders():
                    if order.client_order_index == self.coi:
                        self.states.append(order)
                        self.changed.set()
            elif isinstance(msg, m.ErrorFrame) and msg.is_auth_refusal:
                self.auth_errors.append(f"code={msg.code} {msg.message}")
                self.changed.set()

    async def wait_status(self, want, timeout_s: float) -> OrderUpdate | None:
        """The first state matching `want(status)`, or a terminal one, or None on timeout."""
        deadline = time.monotonic() + timeout_s
        while True:
            for state in self.states:
                if want(state.status) or state.is_terminal:
                    return state
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except asyncio.TimeoutError:
                return None


class _Timer:
    def __init__(self, report: CanaryReport, name: str) -> None:
        self.report, self.name, self.start = report, name, time.perf_counter()

    def done(self, ok: bool, detail: str = "") -> bool:
        self.report.steps.append(Step(self.name, ok, (time.perf_counter() - self.start) * 1000, detail))
        return ok


async def run_canary(connect: Callable[[], AsyncContextManager[CanaryVenues]], market: str,
                     options: CanaryOptions | None = None) -> CanaryReport:
    """Run every step; `connect()` opens the venues (a refusal there propagates: the canary
    cannot start) and closes them when the canary is done."""
    options = options or CanaryOptions()
    report = CanaryReport(market=market)
    step = _Timer(report, "session")
    async with connect() as venues:
        step.done(True, f"market {venues.spec.symbol} id {venues.spec.market_id}; "
                        "Lighter key accepted")
        await _check_hedge(venues, report)
        await _lifecycle(venues, options, report)
    return report


async def _check_hedge(venues: CanaryVenues, report: CanaryReport) -> None:
    step = _Timer(report, "hedge_read_only")
    symbol = venues.hedge_symbol
    try:
        rules = venues.hedge.rules(symbol)
        quote_asset = symbol.split("/")[1].split(":")[0] if "/" in symbol else "USDT"
        balance = await venues.hedge.balance(quote_asset)
        position = await venues.hedge.position(symbol)
    except Exception as exc:  # any refusal is the finding: report it, do not crash
        step.done(False, f"{type(exc).__name__}: {exc}")
        report.hedge = {"symbol": symbol, "error": f"{type(exc).__name__}: {exc}"}
        return
    report.hedge = {"exchange": venues.hedge_exchange, "symbol": symbol,
                    "min_amount": str(rules.min_amount), "amount_step": str(rules.amount_step),
                    "min_notional": str(rules.min_notional), "balance": str(balance),
                    "position": str(position)}
    step.done(True, f"{symbol} exists; balance {balance} {quote_asset}; position {position}")


async def _lifecycle(venues: CanaryVenues, options: CanaryOptions, report: CanaryReport) -> None:
    spec, account = venues.spec, venues.account_index
    coi = int(time.time() * 1000) % (1 << 47)
    ws = LighterWsClient(venues.lighter_url, markets=[spec.market_id], account_index=account,
                         token_provider=venues.orders.mint_auth_token,
                         token_lifetime_s=venues.auth_token_lifetime_s)
    watch = OrderWatch(ws, coi)
    reader = asyncio.create_task(watch.run())
    placed = False
    try:
        ws.start()
        step = _Timer(report, "account_stream")
        try:
            book = await ws.wait_book(spec.market_id, timeout_s=options.timeout_s)
            await asyncio.wait_for(watch.snapshot.wait(), options.timeout_s)
        except (TimeoutError, asyncio.TimeoutError):
            step.done(False, "no book or no account_orders snapshot; auth errors: "
                      f"{watch.auth_errors or 'none'}")
            report.rejection_reason = "; ".join(watch.auth_errors[:2]) or "stream not ready"
            return
        step.done(True, "order_book live; account_orders snapshot received (auth accepted)")
        price, size = _far_bid(spec, book.best_bid().price, options)
        report.order = {"client_order_index": coi, "side": "buy", "price": str(price), "size": str(size)}
        step = _Timer(report, "place_post_only")
        result = await venues.orders.create_post_only(spec.market_id, False, size, price, coi)
        placed = result.accepted
        if not step.done(result.accepted, f"code={result.code} {result.message}".strip()):
            report.terminal_state = "rejected"
            report.rejection_reason = f"code={result.code} {result.message}"
            return
        if not await _seen(watch, report, "seen_open", lambda s: s == "open", options.timeout_s):
            return
        step = _Timer(report, "cancel")
        result = await venues.orders.cancel(spec.market_id, coi)
        if not step.done(result.accepted, f"code={result.code} {result.message}".strip()):
            report.rejection_reason = f"cancel refused: code={result.code} {result.message}"
            return
        if not await _seen(watch, report, "seen_canceled", lambda s: s.startswith("canceled"),
                           options.timeout_s):
            return
        placed = False
        await _rest_confirms(venues, coi, report)
    finally:
        if placed:                                   # the stop-time cancel: never leave it resting
            result = await venues.orders.cancel(spec.market_id, coi)
            report.steps.append(Step("stop_time_cancel", result.accepted, 0.0,
                                     f"code={result.code} {result.message}".strip()))
            await asyncio.sleep(0.3)
        if report.resting_after is None:
            report.resting_after = await _count_resting(venues, coi)
        reader.cancel()
        await ws.close()


async def _seen(watch: OrderWatch, report: CanaryReport, name: str, want, timeout_s: float) -> bool:
    step = _Timer(report, name)
    state = await watch.wait_status(want, timeout_s)
    if state is None:
        report.rejection_reason = report.rejection_reason or f"{name}: no account_orders update in {timeout_s}s"
        return step.done(False, "timed out")
    report.terminal_state = state.status
    ok = want(state.status)
    if not ok:
        report.rejection_reason = f"order ended {state.status}"
    return step.done(ok, f"status={state.status} order_index={state.order_index}")


async def _rest_confirms(venues: CanaryVenues, coi: int, report: CanaryReport) -> None:
    step = _Timer(report, "rest_confirms")
    token = await venues.orders.mint_auth_token(600)
    try:
        found = await venues.rest.orders_by_client_index(venues.account_index, [coi], token)
        active = await venues.rest.active_orders(venues.account_index, venues.spec.market_id, token)
    except Exception as exc:  # REST refused: the finding, not a crash
        step.done(False, f"{type(exc).__name__}: {str(exc)[:200]}")
        return
    statuses = [o.status for o in found]
    report.resting_after = sum(1 for o in active if o.client_order_index == coi)
    ok = bool(statuses) and all(s.startswith("canceled") for s in statuses) and report.resting_after == 0
    step.done(ok, f"REST status {statuses or 'not found'}; resting now {report.resting_after}")


async def _count_resting(venues: CanaryVenues, coi: int) -> int | None:
    """Ask the venue whether the canary order rests (None when REST cannot say)."""
    try:
        token = await venues.orders.mint_auth_token(600)
        active = await venues.rest.active_orders(venues.account_index, venues.spec.market_id, token)
    except Exception:  # noqa: BLE001 - unknown stays unknown, and fails the canary
        return None
    return sum(1 for o in active if o.client_order_index == coi)


def _far_bid(spec, best_bid: Decimal, options: CanaryOptions) -> tuple[Decimal, Decimal]:
    price = round_to_step(best_bid * (1 - options.far_bps / BPS), spec.tick_size, up=False)
    if options.size is not None:
        return price, options.size
    by_value = round_to_step(spec.min_quote * Decimal("1.05") / price, spec.lot_size, up=True)
    return price, max(spec.min_base, by_value)
