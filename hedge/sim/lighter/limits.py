"""Request caps over rolling windows: per account (by tier), per IP, and the WebSocket's caps.

A request counts against the IP it came from and against every registered account it names.
A refused request is not counted (a client that waits gets back in as the window slides).
The window length is the `rate_window_s` knob (a minute, as on the real venue, by default).
"""
from __future__ import annotations

import time
from collections import deque
from typing import TYPE_CHECKING

from hedge.sim.lighter.tiers import TIERS, endpoint_cap, endpoint_weight

if TYPE_CHECKING:
    from hedge.sim.lighter.venue import LighterVenue

TOO_MANY_REQUESTS = {"code": 23000, "message": "Too Many Requests!"}
TX_ENDPOINTS = ("sendTx", "sendTxBatch")


class RollingLog:
    """(time, endpoint, weight) of the requests admitted in the current window."""

    def __init__(self) -> None:
        self.entries: deque[tuple[float, str, int]] = deque()

    def prune(self, now: float, window_s: float) -> RollingLog:
        while self.entries and self.entries[0][0] <= now - window_s:
            self.entries.popleft()
        return self

    def count(self, endpoint: str | None = None) -> int:
        if endpoint is None:
            return len(self.entries)
        return sum(1 for _, e, _ in self.entries if e == endpoint)

    def weight(self) -> int:
        return sum(w for _, _, w in self.entries)

    def add(self, now: float, endpoint: str = "", weight: int = 1) -> None:
        self.entries.append((now, endpoint, weight))


class RequestLimiter:
    """The venue's caps; `admit` says whether one more request fits and records it if so."""

    def __init__(self, venue: LighterVenue) -> None:
        self.venue = venue
        self.by_account: dict[int, RollingLog] = {}
        self.by_ip: dict[str, RollingLog] = {}
        self.ws_messages: dict[str, RollingLog] = {}
        self.ws_connections: dict[str, RollingLog] = {}
        self.refused_by_ip: dict[str, int] = {}

    def _log(self, table: dict, key, now: float) -> RollingLog:
        return table.setdefault(key, RollingLog()).prune(now, self.venue.faults.rate_window_s)

    def admit(self, ip: str, accounts: set[int], endpoint: str) -> bool:
        """One REST request or sendTx (REST or WS) from `ip` naming `accounts`."""
        faults, now = self.venue.faults, time.monotonic()
        weight = endpoint_weight(endpoint)
        ip_log = self._log(self.by_ip, ip, now)
        over = ip_log.count() >= faults.ip_requests_per_window
        named = [self.venue.accounts[a] for a in sorted(accounts) if a in self.venue.accounts]
        logs = []
        for acct in named:
            log = self._log(self.by_account, acct.index, now)
            logs.append(log)
            tier = TIERS[acct.tier]
            if tier.weighted:
                over = over or log.weight() + weight > tier.requests_per_window
            else:
                cap = endpoint_cap(tier, endpoint)
                over = over or log.count() >= tier.requests_per_window or (
                    cap is not None and log.count(endpoint) >= cap)
        if endpoint in TX_ENDPOINTS and faults.rate_limit_next > 0:
            faults.rate_limit_next -= 1
            over = True
        if over:
            for acct in named:
                acct.rate_limited += 1
            self.refused_by_ip[ip] = self.refused_by_ip.get(ip, 0) + 1
            return False
        ip_log.add(now, endpoint, weight)
        for log in logs:
            log.add(now, endpoint, weight)
        return True

    def requests_last_window(self, account: int) -> tuple[int, int]:
        """(requests, weight) admitted for `account` in the current window."""
        log = self._log(self.by_account, account, time.monotonic())
        return log.count(), log.weight()

    def ip_summary(self) -> dict[str, dict]:
        now = time.monotonic()
        return {ip: {"requests_last_window": self._log(self.by_ip, ip, now).count(),
                     "rate_limited": self.refused_by_ip.get(ip, 0)} for ip in list(self.by_ip)}

    def admit_ws_message(self, ip: str) -> bool:
        log = self._log(self.ws_messages, ip, time.monotonic())
        if log.count() >= self.venue.faults.ws_messages_per_min:
            return False
        log.add(time.monotonic())
        return True

    def admit_ws_connection(self, ip: str) -> bool:
        log = self._log(self.ws_connections, ip, time.monotonic())
        if log.count() >= self.venue.faults.ws_connections_per_min:
            return False
        log.add(time.monotonic())
        return True
