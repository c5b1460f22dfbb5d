"""Everything one run talks to, built from the config, and closed again in one place.

Building checks what can be checked before money moves: the market exists on both venues, the
Lighter key is the registered one, the order size clears both venues' minimums.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from loguru import logger

from hedge.adapters.hedging.ccxt_venue import CcxtHedgeVenue
from hedge.adapters.hedging.venue import MarketRules
from hedge.adapters.hedging.venues import UnsupportedVenueError, rules_for
from hedge.adapters.lighter.markets import MarketSpec
from hedge.adapters.lighter.order_client import LighterOrderClient
from hedge.adapters.lighter.request_budget import Priority
from hedge.adapters.lighter.rest import LighterRest
from hedge.app.paper import PaperVenues, register_paper_accounts
from hedge.app.settings import hedge_venue_settings, lighter_request_budget
from hedge.infra.config_schema import BotConfig
from hedge.infra.credentials import Credentials, load_credentials
from hedge.sim.runner import HEDGE_VENUE_APPS


class SessionError(RuntimeError):
    """The run cannot start; the message names the problem and the fix."""


@dataclass
class Session:
    config: BotConfig
    lighter_url: str
    hedge_url: str | None                    # None = the hedge venue's real URLs
    account_index: int
    specs: list[MarketSpec]                  # every market (one or more), config order
    orders: LighterOrderClient
    rest: LighterRest
    hedge: CcxtHedgeVenue
    hedge_rules: dict[str, MarketRules] = field(default_factory=dict)   # by hedge symbol
    paper_venues: PaperVenues | None = None
    closers: list = field(default_factory=list)

    @property
    def pad_small_hedges(self) -> bool:
        """Padding needs the venue's verified reduce-only exemption; the config can only
        turn it off (hedge.pad_small_hedges)."""
        return self.hedge.venue_rules.pad_small_hedges_ok and self.config.hedge.pad_small_hedges is not False

    @property
    def owns_venues(self) -> bool:
        return self.paper_venues is not None

    async def close(self) -> None:
        for close in (self.orders.close, self.rest.close, self.hedge.close, *self.closers):
            with contextlib.suppress(Exception):
                await close()
        if self.paper_venues is not None:
            await self.paper_venues.stop()


def _check_hedge_venue(config: BotConfig) -> None:
    """Refuse, before anything starts, a hedge venue without verified rules (unless opted in)
    or a local venue that does not exist."""
    try:
        rules_for(config.hedge.exchange, config.hedge.allow_untested_venue)
    except UnsupportedVenueError as exc:
        raise SessionError(str(exc)) from None
    if config.hedge.is_sim and config.hedge.exchange not in HEDGE_VENUE_APPS:
        raise SessionError(
            f"hedge.url is sim, but no local venue speaks {config.hedge.exchange!r} (local "
            f"venues: {', '.join(sorted(HEDGE_VENUE_APPS))}); set hedge.url to real or a URL")


async def open_session(config: BotConfig, accounts_path: str | Path) -> Session:
    _check_hedge_venue(config)
    paper: PaperVenues | None = None
    lighter_url = config.lighter.base_url
    hedge_url = config.hedge.base_url
    if config.lighter.is_sim or config.hedge.is_sim:
        local_hedge = config.hedge.exchange if config.hedge.is_sim else "binanceusdm"
        paper = PaperVenues(config.sim.seed, config.sim.faults, local_hedge, config.market_model)
        await paper.start()
        lighter_url = paper.lighter_url if config.lighter.is_sim else lighter_url
        hedge_url = paper.hedge_url if config.hedge.is_sim else hedge_url
        logger.info("paper venues ready: lighter {} hedge {}", lighter_url, hedge_url)
    try:
        creds = await _credentials(config, accounts_path, paper, lighter_url, hedge_url)
        return await _connect(config, creds, lighter_url, hedge_url, paper)
    except BaseException:
        if paper is not None:
            await paper.stop()
        raise


async def _credentials(config: BotConfig, accounts_path, paper: PaperVenues | None,
                       lighter_url: str, hedge_url: str | None) -> Credentials:
    creds = load_credentials(accounts_path, config_account_index=config.lighter.account_index,
                             config_api_key_index=config.lighter.api_key_index)
    needed = rules_for(config.hedge.exchange, config.hedge.allow_untested_venue).credentials
    if config.is_live:
        creds.require_live(needed)
        return creds
    if paper is not None and creds.missing(needed):
        fresh = await register_paper_accounts(lighter_url, hedge_url,
                                              hedge_exchange=config.hedge.exchange,
                                              tier=config.lighter.account_tier)
        logger.info("paper mode: fresh Lighter key registered for account {}", fresh.lighter_account_index)
        return Credentials(fresh.lighter_account_index, fresh.lighter_api_key_index,
                           fresh.lighter_private_key, fresh.hedge_api_key, fresh.hedge_api_secret,
                           fresh.hedge_api_passphrase, fresh.hedge_wallet_address,
                           fresh.hedge_private_key)
    creds.require_live(needed)  # paper against venues someone else runs: their registered keys
    return creds


async def _connect(config: BotConfig, creds: Credentials, lighter_url: str, hedge_url: str | None,
                   paper: PaperVenues | None) -> Session:
    budget = lighter_request_budget(config)    # one for everything sent to Lighter
    rest = LighterRest(lighter_url, budget)
    markets = config.trading_markets
    try:
        catalog = await rest.markets()
        specs = [catalog.by_symbol(market.lighter_market) for market in markets]
    except Exception as exc:
        await rest.close()
        if isinstance(exc, LookupError):
            raise
        raise SessionError(f"cannot read Lighter markets from {lighter_url}: "
                           f"{type(exc).__name__}: {exc}") from None
    for spec in specs:
        refusal = spec.why_not_quotable()
        if refusal:
            await rest.close()
            raise SessionError(f"{refusal}: the bot will not quote it; choose another "
                               f"lighter.market (or markets[].lighter_market) or wait until the "
                               f"venue lists it active")
    orders = LighterOrderClient(lighter_url, creds.lighter_account_index, creds.lighter_api_key_index,
                                creds.lighter_private_key, catalog, budget=budget)
    try:
        hedge = CcxtHedgeVenue(hedge_venue_settings(
            config, hedge_url, creds.hedge_api_key, creds.hedge_api_secret,
            passphrase=creds.hedge_api_passphrase, wallet_address=creds.hedge_wallet_address,
            private_key=creds.hedge_private_key))
    except BaseException:
        await orders.close()
        await rest.close()
        raise
    session = Session(config, lighter_url, hedge_url, creds.lighter_account_index, specs, orders,
                      rest, hedge, paper_venues=paper)
    try:
        await budget.acquire("apikeys", Priority.READ)     # check_key reads the registered key
        await orders.check_key()
        await hedge.start()
        if config.hedge.pad_small_hedges and not hedge.venue_rules.pad_small_hedges_ok:
            logger.warning("hedge.pad_small_hedges is set, but {} does not verifiably exempt "
                           "reduce-only orders from its minimum: small hedges are carried, not "
                           "padded", config.hedge.exchange)
        for i, (market, market_spec) in enumerate(zip(markets, specs)):
            rules = hedge.rules(market.hedge_symbol)
            session.hedge_rules[market.hedge_symbol] = rules
            await hedge.refresh_book(market.hedge_symbol)
            key = "strategy.order_size" if not config.markets else f"markets[{i}].order_size"
            _check_sizes(market.order_size, key, market_spec, rules,
                         hedge.executable_price(market.hedge_symbol, market.order_size, False))
    except BaseException:
        session.paper_venues = None  # the caller stops them
        await session.close()
        raise
    return session


def _check_sizes(size: Decimal, key: str, spec: MarketSpec, rules: MarketRules,
                 price: Decimal | None) -> None:
    problems = []
    if size < spec.min_base:
        problems.append(f"Lighter's minimum order size for {spec.symbol} is {spec.min_base}")
    if price is not None and size * price < spec.min_quote:
        problems.append(f"Lighter's minimum order value is {spec.min_quote} (this is {size * price:.2f})")
    if size < rules.min_amount:
        problems.append(f"the hedge venue's minimum amount for {rules.symbol} is {rules.min_amount}")
    if price is not None and size * price < rules.min_notional:
        problems.append(f"the hedge venue's minimum notional is {rules.min_notional} "
                        f"(this is {size * price:.2f}): a fill could not be hedged")
    if problems:
        raise SessionError(f"{key} {size} is too small: " + "; ".join(problems)
                           + f"; raise {key}")
