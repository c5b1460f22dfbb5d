"""The fees the bot books, read from the venues at startup.

`read_fees` is what the startup (and the preflight) calls: it reads the hedge venue's taker fee
through ccxt and Lighter's maker fee ticks from `accountLimits`, logs each with its source, and
`with_fees` gives the config the run then uses, so quoting, the PnL, the summary, trades.csv and
the report all book the fees in force.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from loguru import logger

from hedge.core.fees import FeeReading, ticks_to_bps
from hedge.infra.config_schema import BotConfig

TAG = "[FEES]"


@dataclass(frozen=True)
class FeesInForce:
    hedge_taker: FeeReading
    lighter_maker: FeeReading


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:160]}"


async def read_hedge_taker(venue, symbol: str, venue_name: str, configured_bps) -> FeeReading:
    what = f"hedge taker fee ({venue_name} {symbol})"
    source = f"{venue_name} fetch_trading_fee"
    try:
        venue_bps = await venue.taker_fee_bps(symbol)
    except Exception as exc:  # any failure of a read keeps the configured fee, with a warning
        return FeeReading(what, "hedge.taker_fee_bps", configured_bps, None, source, _why(exc))
    return FeeReading(what, "hedge.taker_fee_bps", configured_bps, venue_bps, source)


async def read_lighter_maker(rest, account: int, token: str, configured_bps) -> FeeReading:
    what = f"Lighter maker fee (account {account})"
    try:
        maker_ticks, _ = await rest.account_fee_ticks(account, token)
    except Exception as exc:  # as above: the configured fee stays, with a warning
        return FeeReading(what, "strategy.maker_fee_bps", configured_bps, None, "accountLimits",
                          _why(exc))
    return FeeReading(what, "strategy.maker_fee_bps", configured_bps, ticks_to_bps(maker_ticks),
                      "accountLimits")


def log_reading(reading: FeeReading) -> None:
    level, text = reading.message()
    logger.log(level, "{} {}", TAG, text)


async def read_fees(config: BotConfig, hedge_venue, symbol: str, rest, account: int,
                    token: str) -> FeesInForce:
    """Both venues' fees for this account, each logged with its source."""
    fees = FeesInForce(
        await read_hedge_taker(hedge_venue, symbol, config.hedge.exchange,
                               config.hedge.taker_fee_bps),
        await read_lighter_maker(rest, account, token, config.strategy.maker_fee_bps))
    log_reading(fees.hedge_taker)
    log_reading(fees.lighter_maker)
    return fees


def fee_sources(fees: FeesInForce) -> tuple[str, str]:
    """summary.json's `fees.lighter_maker_source` and `hedge_taker_source`: which figure each
    booked rate is."""
    def source(reading: FeeReading) -> str:
        if reading.venue_bps is None:
            return "config (venue unreadable)"
        return "venue" if reading.raised else "config"
    return source(fees.lighter_maker), source(fees.hedge_taker)


def with_fees(config: BotConfig, fees: FeesInForce) -> BotConfig:
    """The config with the fees in force in place of the configured ones."""
    return replace(config,
                   hedge=replace(config.hedge, taker_fee_bps=fees.hedge_taker.in_force_bps),
                   strategy=replace(config.strategy, maker_fee_bps=fees.lighter_maker.in_force_bps))
