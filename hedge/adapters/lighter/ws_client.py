"""The Lighter `/stream` connection: subscribe, keep alive, heal, and hand typed messages on.

One reader task per connection stamps each frame with `time.perf_counter_ns()` as soon
as it is read, records it, logs it, keeps the per-market OrderBook, and puts the typed
message on `queue`. The client heals itself: reconnect with full-jitter exponential
backoff (fresh auth token, every channel resubscribed), a silence watchdog, a fresh
book snapshot on a nonce gap or crossed book, and a re-minted token before expiry or
on error 20013. After a reconnect the consumer sees a new `Connected` message: account
frames sent while disconnected are not replayed by the venue, so that is the cue to
reconcile orders over REST.
"""
from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from hedge.adapters.lighter import frame_log
from hedge.adapters.lighter import messages as m
from hedge.adapters.lighter.parse import parse_frame
from hedge.adapters.lighter.subscriptions import SubscriptionPacer
from hedge.core.order_book import BookState, OrderBook
from hedge.core.types import BookLevel
from hedge.infra import events
from hedge.infra.logs import after_this_step
from hedge.core.latency_histogram import LatencyHistogram
from hedge.infra.retry import backoff_s
from hedge.infra.recorder import FrameRecorder
from hedge.infra.clock import monotonic_s, perf_ns

TokenProvider = Callable[[int], str | Awaitable[str]]


@dataclass
class WsCounters:
    frames_in: int = 0
    frames_out: int = 0
    reconnects: int = 0
    book_resyncs: int = 0
    unexpected_frames: int = 0
    dropped_entries: int = 0        # orders, trades, positions or levels a frame carried unreadable
    error_frames: int = 0
    auth_errors: int = 0
    token_refreshes: int = 0
    pings_answered: int = 0
    reconnect_ms: LatencyHistogram = field(default_factory=LatencyHistogram)  # disconnect -> resubscribed


class LighterWsClient:
    def __init__(self, base_url: str, *, markets: Sequence[int] = (), account_index: int | None = None,
                 token_provider: TokenProvider | None = None, queue: asyncio.Queue | None = None,
                 recorder: FrameRecorder | None = None, conn_name: str = "lighter",
                 keepalive_s: float = 20.0, silence_timeout_s: float = 15.0,
                 token_lifetime_s: int = 600, token_refresh_fraction: float = 0.8,
                 backoff_initial_s: float = 0.05, backoff_max_s: float = 5.0,
                 auth_retry_min_s: float = 1.0, open_timeout_s: float = 5.0,
                 greeting_timeout_s: float = 5.0, subscribes_per_s: float = 3.0) -> None:
        if account_index is not None and token_provider is None:
            raise ValueError("account channels need a token_provider")
        self.url = stream_url(base_url)
        self.markets = tuple(markets)
        self.account_index = account_index
        self.queue: asyncio.Queue[m.Message] = queue if queue is not None else asyncio.Queue()
        self.books = {mk: OrderBook(mk) for mk in self.markets}
        self.counters = WsCounters()
        self.connected = asyncio.Event()
        # Set to handle every message synchronously in the reader task instead of the queue.
        self.on_message: Callable[[m.Message], None] | None = None
        self._token_provider = token_provider
        self._recorder = recorder
        self._conn_name = conn_name
        self._keepalive_s = keepalive_s
        self._silence_timeout_s = silence_timeout_s
        self._token_lifetime_s = token_lifetime_s
        self._token_refresh_s = token_lifetime_s * token_refresh_fraction
        self._backoff_initial_s = backoff_initial_s
        self._backoff_max_s = backoff_max_s
        self._open_timeout_s = open_timeout_s
        self._greeting_timeout_s = greeting_timeout_s
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task | None = None
        self._closing = False
        self._token: str | None = None
        self._token_minted_s = 0.0
        self._auth_retry_at_s: float | None = None
        self._auth_retry_min_s = auth_retry_min_s
        self._auth_retry_delay_s = auth_retry_min_s
        self._last_frame_s = monotonic_s()
        self._resyncing: set[int] = set()
        self._disconnected_at_s: float | None = None
        self._sessions = 0
        self.pacer = SubscriptionPacer(self._subscribe_now, per_s=subscribes_per_s,
                                       unsubscribe=self._unsubscribe_now)

    # -- public ----------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"{self._conn_name}-ws")

    async def wait_book(self, market: int, timeout_s: float = 10.0) -> OrderBook:
        """The market's book once it is live (snapshot applied, not crossed)."""
        deadline = monotonic_s() + timeout_s
        book = self.books[market]
        while not (book.is_live and book.best_bid() and book.best_ask()):
            if monotonic_s() > deadline:
                raise TimeoutError(f"no live order book for market {market} after {timeout_s}s")
            await asyncio.sleep(0.01)
        return book

    def best_bid_ask(self, market: int) -> tuple[BookLevel | None, BookLevel | None]:
        book = self.books[market]
        if not book.is_live:
            return None, None
        return book.best_bid(), book.best_ask()

    @property
    def channels(self) -> list[str]:
        out = [f"order_book/{mk}" for mk in self.markets]
        return out + self._account_channels()

    async def close(self) -> None:
        self._closing = True
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._recorder is not None:
            self._recorder.flush()
        frame_log.log_state("closed {} frames_in={} reconnects={} book_resyncs={}", self.url,
                            self.counters.frames_in, self.counters.reconnects, self.counters.book_resyncs)

    # -- connection loop ---------------------------------------------------------

    async def _run(self) -> None:
        attempt = 0
        while not self._closing:
            got_frames = False
            try:
                async with connect(self.url, ping_interval=None, max_size=None,
                                   open_timeout=self._open_timeout_s) as ws:
                    self._ws = ws
                    frame_log.log_state("connected {}", self.url)
                    got_frames = await self._session(ws)
            except (OSError, WebSocketException, asyncio.TimeoutError) as exc:
                if not self._closing:
                    frame_log.log_state("connection to {} failed: {}: {}", self.url, type(exc).__name__, exc)
                    events.emit(events.WS_CONNECT_FAILED, url=self.url,
                                error=f"{type(exc).__name__}: {exc}")
            finally:
                self._ws = None
                self.connected.clear()
            if self._closing:
                return
            if self._disconnected_at_s is None:
                self._disconnected_at_s = monotonic_s()
            attempt = 0 if got_frames else attempt + 1
            delay = backoff_s(attempt + 1, self._backoff_initial_s, self._backoff_max_s)
            frame_log.log_state("reconnecting in {:.3f}s (attempt {})", delay, attempt + 1)
            await asyncio.sleep(delay)

    async def _session(self, ws: ClientConnection) -> bool:
        """Serve one connection until it closes; True if any frame arrived."""
        self._last_frame_s = monotonic_s()
        self._sessions += 1
        for book in self.books.values():
            book.state = BookState.AWAITING_SNAPSHOT     # stale until this connection's snapshot
        self._resyncing.clear()
        timers = asyncio.create_task(self._timers(ws))
        pacing = asyncio.create_task(self.pacer.run(), name=f"{self._conn_name}-subscribes")
        frames = 0
        try:
            async for text in ws:
                recv_ns = perf_ns()
                frames += 1
                await self._on_text(ws, text, recv_ns)
        finally:
            for task in (timers, pacing):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if not self._closing:
                frame_log.log_state("disconnected from {} code={} reason={!r}", self.url,
                                    ws.close_code, ws.close_reason)
                events.emit(events.WS_DISCONNECT, url=self.url, code=ws.close_code,
                            reason=ws.close_reason)
        return frames > 0

    async def _timers(self, ws: ClientConnection) -> None:
        """Keepalive ping, silence and greeting watchdogs, token refresh, recorder flush."""
        opened = monotonic_s()
        next_ping = opened + self._keepalive_s
        while True:
            await asyncio.sleep(min(0.1, self._keepalive_s))
            now = monotonic_s()
            if self._recorder is not None:
                self._recorder.flush_if_due()
            if not self.connected.is_set() and now - opened > self._greeting_timeout_s:
                # Without the greeting nothing gets subscribed; answers to our keepalive would
                # keep the silence watchdog happy on a connection that carries no data.
                frame_log.log_state("no connected greeting after {:.1f}s: reconnecting", now - opened)
                await ws.close(code=4001, reason="no connected greeting")
                return
            if now - self._last_frame_s > self._silence_timeout_s:
                frame_log.log_state("no frame for {:.1f}s: reconnecting", now - self._last_frame_s)
                await ws.close(code=4000, reason="silence watchdog")
                return
            if now >= next_ping:
                await self._send(ws, {"type": "ping"})
                next_ping = now + self._keepalive_s
            if self._auth_retry_at_s is not None and now >= self._auth_retry_at_s:
                self._auth_retry_at_s = None
                await self._refresh_token(ws, reason="auth rejected", unsubscribe=False)
            elif self._token is not None and now - self._token_minted_s >= self._token_refresh_s:
                await self._refresh_token(ws, reason="token near expiry", unsubscribe=True)

    # -- inbound -------------------------------------------------------------------

    async def _on_text(self, ws: ClientConnection, text: str | bytes, recv_ns: int) -> None:
        self._last_frame_s = monotonic_s()
        self.counters.frames_in += 1
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        try:
            raw = orjson.loads(text)
        except orjson.JSONDecodeError:
            raw = None
        msg = parse_frame(raw if raw is not None else text, recv_ns)
        after_this_step(frame_log.log_frame, msg)     # a fill's frame reaches its desk first
        early = self.on_message is not None and isinstance(msg, m.AccountOrders)
        try:
            if early:           # the fills' hedges go before this frame is recorded
                self.on_message(msg)
        finally:
            if self._recorder is not None:
                self._recorder.record_in(self._conn_name, text, raw)
        self.pacer.on_frame(raw)
        if isinstance(msg, m.Ping):
            await self._send(ws, {"type": "pong"})
            self.counters.pings_answered += 1
        elif isinstance(msg, m.Connected):
            await self._on_connected(ws)
        elif isinstance(msg, m.OrderBookFrame):
            await self._on_book(ws, msg)
        elif isinstance(msg, m.ErrorFrame):
            self.counters.error_frames += 1
            if msg.is_auth_refusal and self._token is not None:
                self.counters.auth_errors += 1
                self._on_auth_error()
        elif isinstance(msg, m.AccountOrders) and msg.is_snapshot:
            self._auth_retry_delay_s = self._auth_retry_min_s
        elif isinstance(msg, m.Unknown):
            self.counters.unexpected_frames += 1
        self.counters.dropped_entries += len(m.dropped_entries(msg))
        if early:
            return
        if self.on_message is not None:
            self.on_message(msg)       # in this task: a fill reaches its hedge without a queue hop
        else:
            self.queue.put_nowait(msg)

    async def _on_connected(self, ws: ClientConnection) -> None:
        if self._account_channels():
            await self._mint_token()
        self.pacer.reset(self.channels)     # paced, each waiting for its acknowledgement
        if self._sessions > 1:
            self.counters.reconnects += 1
            if self._disconnected_at_s is not None:
                self.counters.reconnect_ms.append((monotonic_s() - self._disconnected_at_s) * 1000)
            frame_log.log_state("reconnected and resubscribed {} channels (reconnect #{})",
                                len(self.channels), self.counters.reconnects)
            events.emit(events.WS_RECONNECT, reconnects=self.counters.reconnects,
                        channels=len(self.channels))
        self._disconnected_at_s = None
        self.connected.set()

    async def _on_book(self, ws: ClientConnection, msg: m.OrderBookFrame) -> None:
        book = self.books.get(msg.market_id)
        if book is None:
            return
        if isinstance(msg, m.OrderBookSnapshot):
            book.apply_snapshot(msg.asks, msg.bids, nonce=msg.nonce, offset=msg.offset)
            if msg.market_id in self._resyncing:
                self._resyncing.discard(msg.market_id)
                frame_log.log_state("order book {} resynced from a fresh snapshot", msg.market_id)
        else:
            book.apply_update(msg.asks, msg.bids, nonce=msg.nonce, begin_nonce=msg.begin_nonce,
                              offset=msg.offset)
        if msg.malformed:       # a level we could not read: the book cannot be trusted
            book.mark_needs_resync(f"unreadable level: {msg.malformed[0]}")
        if book.state is BookState.NEEDS_RESYNC and msg.market_id not in self._resyncing:
            self._resyncing.add(msg.market_id)
            self.counters.book_resyncs += 1
            frame_log.log_state("order book {} needs resync ({}): resubscribing", msg.market_id,
                                book.resync_reason)
            events.emit(events.BOOK_RESYNC, market_id=msg.market_id, reason=book.resync_reason)
            channel = f"order_book/{msg.market_id}"
            self.pacer.request(channel, renew=True)

    def _on_auth_error(self) -> None:
        """Schedule a fresh token + resubscribe; repeated rejections back off up to 30 s."""
        if self._auth_retry_at_s is None:
            self._auth_retry_at_s = monotonic_s() + self._auth_retry_delay_s
            frame_log.log_state("account subscription refused; new token in {:.1f}s", self._auth_retry_delay_s)
            self._auth_retry_delay_s = min(30.0, self._auth_retry_delay_s * 2)

    # -- outbound ------------------------------------------------------------------

    def _account_channels(self) -> list[str]:
        if self.account_index is None:
            return []
        a = self.account_index
        return [f"account_orders/{mk}/{a}" for mk in self.markets] + [f"account_all/{a}"]

    async def _mint_token(self) -> None:
        assert self._token_provider is not None
        token = self._token_provider(self._token_lifetime_s)
        if inspect.isawaitable(token):
            token = await token
        self._token = token
        self._token_minted_s = monotonic_s()

    async def _refresh_token(self, ws: ClientConnection, *, reason: str, unsubscribe: bool) -> None:
        await self._mint_token()
        self.counters.token_refreshes += 1
        frame_log.log_state("auth token re-minted ({}); resubscribing account channels", reason)
        for channel in self._account_channels():
            self.pacer.request(channel, renew=unsubscribe)

    async def _subscribe_now(self, channel: str) -> None:
        if self._ws is not None:
            await self._subscribe(self._ws, channel)

    async def _unsubscribe_now(self, channel: str) -> None:
        if self._ws is not None:
            await self._send(self._ws, {"type": "unsubscribe", "channel": channel})

    async def _subscribe(self, ws: ClientConnection, channel: str) -> None:
        frame = {"type": "subscribe", "channel": channel}
        if channel.startswith("account") and self._token is not None:
            frame["auth"] = self._token
        frame_log.log_state("subscribe {}", channel)
        await self._send(ws, frame)

    async def _send(self, ws: ClientConnection, frame: dict) -> None:
        if self._recorder is not None:
            self._recorder.record_out(self._conn_name, frame)
        self.counters.frames_out += 1
        try:
            await ws.send(orjson.dumps(frame).decode())
        except WebSocketException:
            pass        # the reader sees the close and reconnects


def stream_url(base_url: str) -> str:
    """The WebSocket URL of a Lighter REST base URL."""
    url = base_url.rstrip("/")
    if url.startswith("http://"):
        url = "ws://" + url[len("http://"):]
    elif url.startswith("https://"):
        url = "wss://" + url[len("https://"):]
    return url if url.endswith("/stream") else url + "/stream"
