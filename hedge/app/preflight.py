"""The preflight: both accounts checked before the first quote, one log line a step.

Order: Lighter key and tier; markets and status; the hedge account's position mode; margin on
both venues; fees; clocks; positions and journal. Anything the operator must fix refuses the
start (exit 2) with the fix named. Hedge (dual-side) position mode is refused, not supported:
the bot sends no position-side field.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from loguru import logger

from hedge.adapters.hedging import account_reads
from hedge.adapters.lighter.request_budget import Priority
from hedge.adapters.lighter.server_clock import lighter_clock_offset_ms
from hedge.app.session import Session
from hedge.core.request_tiers import TIERS
from hedge.infra.config_schema import BotConfig
from hedge.infra.journal import Journal

TAG = "[PREFLIGHT]"


class PreflightRefused(RuntimeError):
    """The accounts are not ready to trade; the message names the problem and the fix."""


@dataclass
class PreflightFacts:
    """What the preflight read, for the checks repeated while running."""

    lighter_clock_offset_ms: float = 0.0
    hedge_clock_offset_ms: float | None = None
    margin_need_quote: Decimal = Decimal(0)        # per venue, headroom included
    prices: dict[str, Decimal] = field(default_factory=dict)   # hedge symbol -> price used


def _step(number: int, name: str, text: str, *args) -> None:
    logger.info(f"{TAG} {number}/7 {name}: " + text, *args)


async def run_preflight(config: BotConfig, session: Session, journal: Journal) -> PreflightFacts:
    """Every check before the first quote; PreflightRefused names what to fix."""
    facts = PreflightFacts()
    await _key_and_tier(config, session)
    _markets(session)
    await _position_mode(config, session)
    await _margin(config, session, facts)
    _fees(config)
    await _clocks(config, session, facts)
    await _positions_and_journal(config, session, journal)
    return facts


async def _key_and_tier(config: BotConfig, session: Session) -> None:
    account, configured = session.account_index, config.lighter.account_tier
    try:
        token = await session.orders.mint_auth_token()
        reported = await session.rest.account_tier(account, token)
    except Exception as exc:
        raise PreflightRefused(f"Lighter accountLimits unreadable for account {account}: "
                               f"{type(exc).__name__}: {exc}; check lighter.url and the account "
                               "index (LIGHTER_ACCOUNT_INDEX)") from None
    if reported is None:
        raise PreflightRefused(f"Lighter accountLimits gives no user_tier for account {account}; "
                               "check lighter.url points at Lighter's API")
    if reported not in TIERS:
        logger.warning("{} Lighter reports tier {!r}, which the bot does not know; budgeting as "
                       "standard", TAG, reported)
        reported = "standard"
    if TIERS.index(configured) > TIERS.index(reported):
        raise PreflightRefused(
            f"lighter.account_tier is {configured} but Lighter's accountLimits says account "
            f"{account} is {reported}: the request budget would overrun the venue's cap; set "
            f"lighter.account_tier: {reported} (or switch the account's tier on Lighter first)")
    if configured != reported:
        logger.warning("{} Lighter says account {} is {}; lighter.account_tier {} budgets fewer "
                       "requests than it may send", TAG, account, reported, configured)
    _step(1, "Lighter key and tier", "account {} api key {} registered; tier {} (configured {})",
          account, session.orders.api_key_index, reported, configured)


def _markets(session: Session) -> None:
    shown = ", ".join(f"{s.symbol} id {s.market_id} {s.status}" for s in session.specs)
    _step(2, "markets and status", "{}", shown)


async def _position_mode(config: BotConfig, session: Session) -> None:
    symbols = sorted({m.hedge_symbol for m in config.trading_markets})
    modes = {}
    for symbol in symbols:
        try:
            modes[symbol] = await account_reads.position_mode(session.hedge, symbol)
        except Exception as exc:   # a venue that cannot say: its first hedge halts if hedge mode
            logger.warning("{} {} position mode unreadable: {}: {}; a hedge-mode account halts "
                           "at its first hedge", TAG, config.hedge.exchange,
                           type(exc).__name__, str(exc)[:200])
            modes[symbol] = "unknown"
    if "hedge" in modes.values():
        raise PreflightRefused(
            f"the {config.hedge.exchange} account is in hedge (dual-side) position mode, which "
            f"the bot does not support (its orders carry no position side and would be "
            f"refused); set {account_reads.position_mode_setting(session.hedge)}")
    _step(3, "hedge position mode", "{} {}", config.hedge.exchange,
          ", ".join(f"{s} {m}" for s, m in modes.items()))


async def margin_need(config: BotConfig, session: Session, facts: PreflightFacts) -> Decimal:
    """Collateral each venue must have free: max_position at the configured leverage, for
    every market, times preflight.margin_headroom."""
    need = Decimal(0)
    for market in config.trading_markets:
        price = (session.hedge.executable_price(market.hedge_symbol, market.max_position, True)
                 or facts.prices.get(market.hedge_symbol))
        if price is None:
            book = await session.hedge.refresh_book(market.hedge_symbol)
            price = book.asks[0][0] if book.asks else Decimal(0)
        facts.prices[market.hedge_symbol] = Decimal(price)
        need += market.max_position * Decimal(price) / config.preflight.leverage
    return need * config.preflight.margin_headroom


async def free_margin(session: Session) -> tuple[Decimal, str, Decimal]:
    """(Lighter available balance, hedge asset, hedge free collateral)."""
    account = await session.rest.account(session.account_index, Priority.READ)
    lighter_free = Decimal(str(account.get("available_balance") or account.get("collateral") or 0))
    first_symbol = next(iter(session.hedge_rules))    # every market margins in one asset
    asset, hedge_free = await account_reads.free_collateral(session.hedge, first_symbol)
    return lighter_free, asset, hedge_free


async def _margin(config: BotConfig, session: Session, facts: PreflightFacts) -> None:
    facts.margin_need_quote = await margin_need(config, session, facts)
    lighter_free, asset, hedge_free = await free_margin(session)
    short = []
    if lighter_free < facts.margin_need_quote:
        short.append(f"Lighter has {lighter_free} USDC available")
    if hedge_free < facts.margin_need_quote:
        short.append(f"{config.hedge.exchange} has {hedge_free} {asset} free")
    if short:
        raise PreflightRefused(
            f"not enough margin: {' and '.join(short)}, and each venue needs "
            f"{facts.margin_need_quote:.2f} (max_position at leverage {config.preflight.leverage} "
            f"x preflight.margin_headroom {config.preflight.margin_headroom}); deposit "
            "collateral or lower strategy.max_position")
    _step(4, "margin", "Lighter {} USDC, {} {} {} free; each needs {:.2f}", lighter_free,
          config.hedge.exchange, hedge_free, asset, facts.margin_need_quote)


def _fees(config: BotConfig) -> None:
    _step(5, "fees", "configured: Lighter maker {} bp (strategy.maker_fee_bps), {} taker {} bp "
          "(hedge.taker_fee_bps)", config.strategy.maker_fee_bps, config.hedge.exchange,
          config.hedge.taker_fee_bps)


async def _clocks(config: BotConfig, session: Session, facts: PreflightFacts) -> None:
    facts.lighter_clock_offset_ms = await lighter_clock_offset_ms(session.lighter_url,
                                                                  session.specs[0].market_id)
    try:
        facts.hedge_clock_offset_ms = await account_reads.clock_offset_ms(session.hedge)
    except Exception as exc:
        logger.warning("{} {} server time unreadable: {}: {}", TAG, config.hedge.exchange,
                       type(exc).__name__, str(exc)[:200])
    warn_ms, refuse_ms = config.preflight.clock_warn_ms, config.preflight.clock_refuse_ms
    for venue, offset in (("Lighter", facts.lighter_clock_offset_ms),
                          (config.hedge.exchange, facts.hedge_clock_offset_ms)):
        if offset is None:
            continue
        if abs(offset) >= refuse_ms:
            raise PreflightRefused(
                f"this host's clock is {abs(offset):.0f} ms {'behind' if offset > 0 else 'ahead of'} "
                f"{venue}'s (preflight.clock_refuse_ms {refuse_ms}); synchronise the host clock "
                "(chrony or systemd-timesyncd) and start again")
        if abs(offset) >= warn_ms:
            logger.warning("{} this host's clock is {:.0f} ms {} {}'s (preflight.clock_warn_ms "
                           "{}); Lighter deadlines use the venue's clock", TAG, abs(offset),
                           "behind" if offset > 0 else "ahead of", venue, warn_ms)
    session.orders.venue_clock_offset_ms = int(facts.lighter_clock_offset_ms)
    hedge_shown = ("unread" if facts.hedge_clock_offset_ms is None
                   else f"{facts.hedge_clock_offset_ms:+.0f} ms")
    _step(6, "clocks", "offset to Lighter {:+.0f} ms, to {} {}", facts.lighter_clock_offset_ms,
          config.hedge.exchange, hedge_shown)


async def _positions_and_journal(config: BotConfig, session: Session, journal: Journal) -> None:
    lighter = await session.rest.account_positions(session.account_index, Priority.READ)
    shown = []
    for market, spec in zip(config.trading_markets, session.specs):
        hedge = await session.hedge.position(market.hedge_symbol)
        maker, hedged = journal.signed_totals(spec.market_id, market.hedge_symbol)
        shown.append(f"{spec.symbol} Lighter {lighter.get(spec.market_id, Decimal(0))} "
                     f"hedge {hedge} journal owes {-maker - hedged}")
    _step(7, "positions and journal", "{}", "; ".join(shown))
