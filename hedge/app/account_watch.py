"""The preflight's margin and hedge-position checks, repeated while quoting.

Every `preflight.check_every_s`: free collateral on both venues against what max_position needs
(low margin pauses quoting with a WARNING and an alert, and the pause lifts once the margin is
back), and each hedge symbol's position against what the journal expects (a divergence pauses
that market for good and is reported: only an operator can say which side is right).
"""
from __future__ import annotations

import asyncio

from loguru import logger

from hedge.app.preflight import TAG, PreflightFacts, free_margin
from hedge.app.session import Session
from hedge.infra.alerts import Alert, AlertSender
from hedge.infra.config_schema import BotConfig

LOW_MARGIN = "low margin"
HEDGE_DIVERGES = "hedge position diverges"


class AccountWatch:
    def __init__(self, config: BotConfig, session: Session, engines: list, facts: PreflightFacts,
                 alerts: AlertSender | None = None) -> None:
        self.config = config
        self.session = session
        self.engines = engines
        self.facts = facts
        self.alerts = alerts

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.config.preflight.check_every_s)
            try:
                await self.check_once()
            except Exception as exc:  # a failed read: the next round asks again
                logger.warning("{} running check failed: {}: {}", TAG, type(exc).__name__,
                               str(exc)[:200])

    async def check_once(self) -> None:
        await self._check_margin()
        for engine in self.engines:
            await self._check_hedge_position(engine)

    async def _check_margin(self) -> None:
        need = self.facts.margin_need_quote
        lighter_free, asset, hedge_free = await free_margin(self.session)
        short = [text for text, free in ((f"Lighter {lighter_free} USDC", lighter_free),
                                         (f"{self.config.hedge.exchange} {hedge_free} {asset}",
                                          hedge_free)) if free < need]
        for engine in self.engines:
            paused = engine.state.paused_reason
            if short and not paused:
                reason = f"{LOW_MARGIN}: {' and '.join(short)} free, each venue needs {need:.2f}"
                logger.warning("{} {}; quoting paused until it is back", TAG, reason)
                engine.pause(reason)
                self._alert("quoting_paused", "Low margin: quoting paused", reason)
            elif not short and paused.startswith(LOW_MARGIN):
                engine.state.paused_reason = ""
                logger.info("{} margin is back (Lighter {}, hedge {} {}): quoting resumes", TAG,
                            lighter_free, hedge_free, asset)

    async def _check_hedge_position(self, engine) -> None:
        desk = engine.desk
        if desk.busy:
            return              # a hedge in flight: the expectation is about to move
        venue_position = await self.session.hedge.position(desk.symbol)
        expected = desk.hedge_position
        if abs(venue_position - expected) <= desk.rules.amount_step / 2 or desk.busy:
            return
        reason = (f"{HEDGE_DIVERGES}: {self.config.hedge.exchange} {desk.symbol} holds "
                  f"{venue_position}, the journal expects {expected} "
                  f"(difference {venue_position - expected})")
        if not engine.state.paused_reason.startswith(HEDGE_DIVERGES):
            logger.error("{} {}; quoting paused: check the hedge account by hand", TAG, reason)
            engine.pause(reason)
            self._alert("quoting_paused", "Hedge position diverges: quoting paused", reason)

    def _alert(self, kind: str, title: str, body: str) -> None:
        if self.alerts is not None:
            self.alerts.send(Alert(kind, title, body, level="warning"))

