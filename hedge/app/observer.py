"""Watches each market's engine once a second for the operator: metrics and alerts.

One observer per market, each labelling its metrics and naming its market in its alerts; the
first market's observer also reads what the account has once (the stream's counters, the
Lighter requests, the kill switch, start and stop) and names every market in those alerts.

It reads the engine's and the hedge desk's state (counters, positions, the latest quote
decision) in its own task and never touches the fill path: a slow scrape or a dead alert target
cannot delay a fill or a hedge. Each alert fires once per episode; a healthy run sends none
(unless start/stop alerts are asked for).
"""
from __future__ import annotations

import asyncio

from loguru import logger

from hedge.infra.alerts import Alert, AlertSender
from hedge.infra.config_schema import AlertsConfig
from hedge.infra.metrics import BotMetrics
from hedge.infra.clock import monotonic_s

INTERVAL_S = 1.0


class EngineObserver:
    def __init__(self, engine, market: str, metrics: BotMetrics | None, alerts: AlertSender,
                 settings: AlertsConfig, run_id: str = "", *,
                 account_markets: tuple[str, ...] | None = None) -> None:
        """`account_markets`: every market of the run, for the observer that also watches
        the account (None: this market alone, and it watches the account too)."""
        self.engine = engine
        self.market = market
        self.account_markets = account_markets if account_markets is not None else (market,)
        self.metrics = metrics
        self.alerts = alerts
        self.settings = settings
        self.run_id = run_id
        self._seen: dict[str, int] = {}
        self._quoting_labels: tuple[str, str] | None = None
        self._paused_since: float | None = None
        self._lost_since: float | None = None
        self._alerted: set[str] = set()
        self._unresolved_alerted: set[str] = set()

    async def run(self) -> None:
        while True:
            await asyncio.sleep(INTERVAL_S)
            self.tick()

    @property
    def watches_account(self) -> bool:
        return bool(self.account_markets)

    def _markets_text(self) -> str:
        names = self.account_markets
        return f"market{'s' if len(names) > 1 else ''} {', '.join(names)}"

    def started(self) -> None:
        if self.settings.on_start_stop and self.watches_account:
            self.alerts.send(Alert("start", f"hedge bot started {self.run_id}",
                                   self._markets_text(), "info"))

    def stopped(self, exit_reason: str) -> None:
        """Final reading (the kill switch may have tripped since the last tick), then stop."""
        self.tick(final=True)
        if self.settings.on_start_stop and self.watches_account:
            clean = exit_reason in ("duration", "signal")
            self.alerts.send(Alert("stop", f"hedge bot stopped {self.run_id}",
                                   f"exit reason: {exit_reason}", "info" if clean else "failure"))

    # -- one reading ---------------------------------------------------------------------

    def tick(self, final: bool = False) -> None:
        try:
            self._tick(final)
        except Exception as exc:  # observing must never stop the bot
            logger.opt(exception=exc).warning("observer tick failed: {}: {}", type(exc).__name__, exc)

    def _tick(self, final: bool) -> None:
        now = monotonic_s()
        engine, desk = self.engine, self.engine.desk
        paused_reason = self._paused_reason()
        if self.metrics is not None:
            self._update_metrics(paused_reason)
        exit_reason = engine.state.exit_reason
        if exit_reason.startswith("kill_switch:") and self.watches_account:
            self._once("kill_switch", Alert("kill_switch", "KILL SWITCH tripped",
                                            f"{exit_reason.split(':', 1)[1]} (run {self.run_id}, "
                                            f"{self._markets_text()})", "failure"))
        for client_id in desk.unresolved:
            if client_id not in self._unresolved_alerted:
                self._unresolved_alerted.add(client_id)
                self.alerts.send(Alert("hedge_unresolved", "hedge outcome unresolved",
                                       f"hedge {client_id} on {self.market}: outcome unknown, "
                                       f"being looked up; owed {desk.ledger.owed}", "failure"))
        if final:
            return
        self._paused_since = (self._paused_since or now) if paused_reason else None
        if self._paused_since is not None and now - self._paused_since >= self.settings.quoting_paused_s:
            self._once("quoting_paused", Alert("quoting_paused", "quoting paused",
                                               f"{self.market}: {paused_reason} for "
                                               f"{now - self._paused_since:.0f} s"))
        elif self._paused_since is None:
            self._alerted.discard("quoting_paused")
        self._lost_since = (self._lost_since or now) if not engine.stream_live else None
        if self._lost_since is not None and now - self._lost_since >= self.settings.stream_lost_s:
            self._once("stream_lost", Alert("stream_lost", "Lighter stream lost",
                                            f"{self.market}: no account stream for "
                                            f"{now - self._lost_since:.0f} s"))
        elif self._lost_since is None:
            self._alerted.discard("stream_lost")

    def _once(self, key: str, alert: Alert) -> None:
        if key not in self._alerted:
            self._alerted.add(key)
            self.alerts.send(alert)

    def _paused_reason(self) -> str:
        """Why neither side quotes ('' while at least one side does, or before the first quote)."""
        target = self.engine.target
        if target is None or target.bid is not None or target.ask is not None:
            return ""
        return "; ".join(sorted({target.bid_off, target.ask_off} - {""})) or "paused"

    def _update_metrics(self, paused_reason: str) -> None:
        m, engine, desk, market = self.metrics, self.engine, self.engine.desk, self.market
        stats = desk.stats
        self._count(m.fills.labels(market=market), "fills", stats.maker_fills)
        for status, count in stats.by_status.items():
            self._count(m.hedges.labels(market=market, status=status), f"hedges:{status}", count)
        m.unhedged_base.labels(market=market).set(float(abs(desk.ledger.owed)))
        m.unhedged_age.labels(market=market).set(desk.unhedged_age_ms() / 1000)
        lighter, hedge = engine.state.lighter_position, desk.hedge_position
        m.position.labels(market=market, venue="lighter").set(float(lighter))
        m.position.labels(market=market, venue="hedge").set(float(hedge))
        m.position.labels(market=market, venue="net").set(float(lighter + hedge))
        for stage, values in (("submit", stats.submit_ms), ("ack", stats.ack_ms)):
            for value in values.since(self._seen.get(f"lat:{stage}", 0)):
                m.fill_to_hedge.labels(market=market, stage=stage).observe(value / 1000)
            self._seen[f"lat:{stage}"] = len(values)
        m.pnl.labels(market=market).set(float(engine.risk_snapshot().pnl_quote))
        labels = (market, paused_reason)
        if labels != self._quoting_labels:
            if self._quoting_labels is not None:
                m.quoting.remove(*self._quoting_labels)
            self._quoting_labels = labels
        m.quoting.labels(market=market, reason=paused_reason).set(0 if paused_reason else 1)
        if self.watches_account:
            self._update_account_metrics()

    def _update_account_metrics(self) -> None:
        m, engine = self.metrics, self.engine
        try:
            m.asyncio_tasks.set(len(asyncio.all_tasks()))
        except RuntimeError:        # read outside the loop (a test ticking by hand)
            pass
        counters = engine.ws.counters
        self._count(m.ws_reconnects, "reconnects", counters.reconnects)
        self._count(m.book_resyncs, "resyncs", counters.book_resyncs)
        oc = getattr(engine.orders, "counters", None)
        if oc is not None:
            requests = getattr(oc, "requests", None)
            if requests is None:
                requests = oc.orders_placed + oc.orders_modified + oc.orders_canceled + oc.cancel_alls
            self._count(m.lighter_requests, "requests", requests)
            self._count(m.lighter_rate_limited, "rate_limited", oc.rate_limited)
        m.kill_switch.set(1 if engine.state.exit_reason.startswith("kill_switch:") else 0)

    def _count(self, counter, key: str, total: int) -> None:
        """Counters only go up: add what the bot's own total grew by since the last reading."""
        grew = total - self._seen.get(key, 0)
        if grew > 0:
            counter.inc(grew)
        self._seen[key] = max(total, self._seen.get(key, 0))
