"""Paced WebSocket subscribes: each one waits for its acknowledgement before the next goes out.

Lighter caps client messages per IP (about 200 a minute, 50 unanswered) and answers a subscribe
over the cap with an error frame that names no channel (30009, 30010). So subscribes go out one
at a time, at most `per_s` a second, and each waits for its answer: the channel's `subscribed/*`
frame (or 30003 "already subscribed") settles it; any other error, or no answer within
`ack_timeout_s`, puts it back in the queue after a backoff. A channel that is not subscribed
carries no frames, so its market never gets the snapshot that lets it quote.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from hedge.adapters.lighter import frame_log
from hedge.infra.retry import backoff_s
from hedge.infra.clock import monotonic_s

ALREADY_SUBSCRIBED = 30003
BACKOFF_MAX_S = 30.0


def answers(frame_channel: object, pending: str) -> bool:
    """Whether a `subscribed/*` frame's channel is the pending subscribe's. Lighter writes it
    with colons and may leave the account out (`account_orders:3` answers
    `account_orders/3/<account>`); a frame without a channel answers the one pending."""
    if frame_channel is None:
        return True
    parts = str(frame_channel).replace(":", "/").split("/")
    return parts == pending.split("/")[:len(parts)]


class SubscriptionPacer:
    def __init__(self, send: Callable[[str], Awaitable[None]], per_s: float = 3.0,
                 ack_timeout_s: float = 10.0, backoff_first_s: float = 0.5,
                 unsubscribe: Callable[[str], Awaitable[None]] | None = None) -> None:
        self._send = send
        self._unsubscribe = unsubscribe
        self.min_gap_s = 1.0 / per_s
        self.ack_timeout_s = ack_timeout_s
        self.backoff_first_s = backoff_first_s
        self.subscribed: set[str] = set()
        self.refusals = 0
        self._queue: list[str] = []
        self._renew: set[str] = set()        # channels to unsubscribe right before subscribing
        self._wake = asyncio.Event()
        self._pending: str | None = None
        self._answered = asyncio.Event()
        self._accepted = False
        self._last_sent_s = 0.0
        self._failures = 0

    def reset(self, channels: list[str]) -> None:
        """A new connection: nothing is subscribed, every channel goes out again."""
        self.subscribed.clear()
        self._renew.clear()
        self._queue = list(channels)
        self._pending = None
        self._wake.set()

    @property
    def idle(self) -> bool:
        """Nothing queued and nothing waiting for its answer."""
        return not self._queue and self._pending is None

    def request(self, channel: str, renew: bool = False) -> None:
        """(Re)subscribe `channel` when its turn comes; `renew`: unsubscribe it first, back to
        back with the subscribe, so the old subscription carries frames until then."""
        if renew:
            self._renew.add(channel)
        self.subscribed.discard(channel)
        if channel not in self._queue and channel != self._pending:
            self._queue.append(channel)
        self._wake.set()

    def on_frame(self, frame: object) -> None:
        """Every frame read: a `subscribed/*` one or an error may answer the pending subscribe."""
        if not isinstance(frame, dict) or self._pending is None:
            return
        kind = str(frame.get("type") or "")
        if kind.startswith("subscribed/"):
            if answers(frame.get("channel"), self._pending):
                self._settle(True)
            return
        error = frame.get("error")
        if isinstance(error, dict) or kind == "error":
            code = (error or {}).get("code") if isinstance(error, dict) else frame.get("code")
            self._settle(str(code) == str(ALREADY_SUBSCRIBED))

    def _settle(self, accepted: bool) -> None:
        self._accepted = accepted
        self._answered.set()

    async def run(self) -> None:
        """Send what is queued, one at a time, until cancelled (one task per connection)."""
        while True:
            if not self._queue:
                self._wake.clear()
                await self._wake.wait()
                continue
            wait_s = self._last_sent_s + self.min_gap_s - monotonic_s()
            if wait_s > 0:
                await asyncio.sleep(wait_s)
            channel = self._queue.pop(0)
            self._pending, self._accepted = channel, False
            self._answered.clear()
            self._last_sent_s = monotonic_s()
            if channel in self._renew and self._unsubscribe is not None:
                self._renew.discard(channel)
                await self._unsubscribe(channel)
            await self._send(channel)
            try:
                await asyncio.wait_for(self._answered.wait(), self.ack_timeout_s)
            except asyncio.TimeoutError:
                pass
            self._pending = None
            if self._accepted:
                self.subscribed.add(channel)
                self._failures = 0
                continue
            self.refusals += 1
            self._failures += 1
            pause_s = backoff_s(self._failures, self.backoff_first_s, BACKOFF_MAX_S)
            frame_log.log_state("subscribe {} refused or unanswered; again in {:.1f}s", channel,
                                pause_s)
            self._queue.append(channel)
            await asyncio.sleep(pause_s)
