"""Alerts to the operator (Telegram, Discord, Slack, email, a JSON webhook...) through apprise.

`AlertSender.send` only puts the message on a bounded queue; one daemon thread delivers, so a
slow or dead target never holds up the event loop. A failing target is logged at WARNING with
its URL shown without tokens; nothing about alerting can stop the bot.
"""
from __future__ import annotations

import queue
import threading
from dataclasses import dataclass

from loguru import logger

from hedge.infra.redact import register_url_secrets, shown_url

QUEUE_SIZE = 100
TAG = "[ALERT]"


@dataclass(frozen=True)
class Alert:
    kind: str          # kill_switch | hedge_unresolved | quoting_paused | stream_lost | start | stop
    title: str
    body: str
    level: str = "warning"   # info | warning | failure (apprise's notify types)


class AlertSender:
    def __init__(self, urls: tuple[str, ...] | list[str], timeout_s: float = 10.0) -> None:
        self.urls = tuple(urls)
        for url in self.urls:
            register_url_secrets(url)
        self.timeout_s = timeout_s
        self.sent: list[Alert] = []
        self.failed = 0
        self.dropped = 0
        self._queue: queue.Queue[Alert | None] = queue.Queue(maxsize=QUEUE_SIZE)
        self._thread: threading.Thread | None = None
        self._targets = []

    @property
    def enabled(self) -> bool:
        return bool(self.urls)

    def start(self) -> None:
        if not self.urls or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._deliver_all, name="alerts", daemon=True)
        self._thread.start()
        logger.info("{} alerts to {}", TAG, ", ".join(shown_url(u) for u in self.urls))

    def send(self, alert: Alert) -> None:
        """Never blocks: a full queue drops the alert (and says so)."""
        if not self.urls:
            return
        logger.warning("{} {}: {}", TAG, alert.title, alert.body)
        try:
            self._queue.put_nowait(alert)
        except queue.Full:
            self.dropped += 1
            logger.warning("{} queue full: alert {!r} dropped", TAG, alert.title)

    def close(self, timeout_s: float = 10.0) -> None:
        """Deliver what is queued (up to `timeout_s`), then stop the thread."""
        if self._thread is None:
            return
        try:
            self._queue.put(None, timeout=timeout_s)
        except queue.Full:
            pass
        self._thread.join(timeout_s)
        self._thread = None

    def _deliver_all(self) -> None:
        import apprise   # imported here: a run without alerts never loads it

        asset = apprise.AppriseAsset(async_mode=False)
        for url in self.urls:
            target = apprise.Apprise(asset=asset)
            if not target.add(url):
                logger.warning("{} {} is not a URL apprise understands: alerts to it are off",
                               TAG, shown_url(url))
                continue
            self._targets.append((url, target))
        while True:
            alert = self._queue.get()
            if alert is None:
                return
            for url, target in self._targets:
                try:
                    ok = target.notify(title=alert.title, body=alert.body,
                                       notify_type=_notify_type(apprise, alert.level))
                except Exception as exc:  # a target must never take the thread down
                    ok = False
                    logger.warning("{} {} failed: {}", TAG, shown_url(url), type(exc).__name__)
                if ok:
                    self.sent.append(alert)
                else:
                    self.failed += 1
                    logger.warning("{} delivery of {!r} to {} failed", TAG, alert.title, shown_url(url))


def _notify_type(apprise, level: str):
    return {"info": apprise.NotifyType.INFO, "failure": apprise.NotifyType.FAILURE}.get(
        level, apprise.NotifyType.WARNING)
