"""What the engine and the venue clients are told, built from the validated config in one place.

Every value the config carries reaches its consumer through a function here, so a key that is
read nowhere, or read twice with different meanings, shows in one file.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hedge.adapters.hedging.ccxt_venue import CcxtVenueSettings
from hedge.adapters.lighter.markets import MarketSpec
from hedge.adapters.lighter.request_budget import RequestBudget
from hedge.core.pricing import CANCEL_MS_BY_TIER, PricingParams
from hedge.core.quoting import QuoteParams
from hedge.core.request_tiers import WINDOW_S
from hedge.core.risk import RiskLimits
from hedge.infra.config_schema import BotConfig, MarketConfig
from hedge.infra.rate_limit import TokenBucket
from hedge.infra.secret import Secret

# Quote transactions saved up while idle: enough to place both sides and move them once at
# start without waiting, few enough that a burst stays far inside Lighter's per-minute quota.
LIGHTER_TX_BURST = 4


@dataclass(frozen=True)
class EngineSettings:
    """What one engine trades and the limits it trades within."""

    spec: MarketSpec
    account_index: int
    hedge_symbol: str
    quote: QuoteParams
    risk: RiskLimits
    dead_mans_switch_s: int = 300
    taker_fee_bps: Decimal = Decimal(0)       # hedge venue; for the PnL the kill switch watches
    position_check_s: float = 5.0
    kill_on_mismatch: bool = True
    resume_after_s: float = 30.0              # a pause that lifts: its cause clear this long


def quote_params(config: BotConfig, spec: MarketSpec,
                 market: MarketConfig | None = None) -> QuoteParams:
    s = config.strategy
    market = market or config.trading_markets[0]
    return QuoteParams(pricing=s.pricing, order_size=market.order_size, tick=spec.tick_size,
                       min_profit_bps=s.min_profit_bps, join_max_loss_bps=s.join_max_loss_bps,
                       maker_fee_bps=s.maker_fee_bps, taker_fee_bps=config.hedge.taker_fee_bps,
                       max_position=market.max_position, quote_bid=s.sides in ("both", "bid"),
                       quote_ask=s.sides in ("both", "ask"), terms=pricing_params(config),
                       size_step=spec.lot_size, min_order_base=spec.min_base)


def pricing_params(config: BotConfig) -> PricingParams:
    """The adaptive pricing terms; the time to cancel is the account tier's."""
    s = config.strategy
    return PricingParams(edge_model=s.edge_model, vol_edge_k=s.vol_edge_k,
                         vol_window_s=s.vol_window_s, detect_ms=s.detect_ms,
                         cancel_ms=CANCEL_MS_BY_TIER[config.lighter.account_tier],
                         markout_buffer=s.markout_buffer,
                         markout_window_fills=s.markout_window_fills, quote_rate=s.quote_rate,
                         basis_ewma_s=s.basis_ewma_s, inventory_skew_bps=s.inventory_skew_bps,
                         depth_fraction=s.depth_fraction,
                         depth_within_bps=config.hedge.max_slippage_bps)


def risk_limits(config: BotConfig, market: MarketConfig | None = None) -> RiskLimits:
    """The global `risk.` limits, with the market's own `risk:` keys on top."""
    r = config.risk
    own = (market or config.trading_markets[0]).risk

    def pick(mine, shared):
        return shared if mine is None else mine
    return RiskLimits(max_unhedged_base=pick(own.max_unhedged_base, r.max_unhedged_base),
                      max_unhedged_age_ms=pick(own.max_unhedged_age_ms, r.max_unhedged_age_ms),
                      max_hedge_failures=pick(own.max_hedge_failures, r.max_hedge_failures),
                      stale_stream_ms=r.stale_stream_ms,
                      max_loss_quote=pick(own.max_loss_quote, r.max_loss_quote))


def engine_settings(config: BotConfig, spec: MarketSpec, account_index: int,
                    market: MarketConfig | None = None) -> EngineSettings:
    """One market's engine settings: the config plus what only the venue knows (the market's
    tick, the account the key belongs to). `market` None: the first (or only) market."""
    market = market or config.trading_markets[0]
    return EngineSettings(
        spec=spec, account_index=account_index, hedge_symbol=market.hedge_symbol,
        quote=quote_params(config, spec, market), risk=risk_limits(config, market),
        dead_mans_switch_s=config.lighter.dead_mans_switch_s,
        taker_fee_bps=config.hedge.taker_fee_bps, position_check_s=config.risk.position_check_s,
        kill_on_mismatch=config.risk.kill_on_mismatch, resume_after_s=config.risk.resume_after_s)


def hedge_venue_settings(config: BotConfig, base_url: str | None, api_key: Secret | None,
                         api_secret: Secret | None, *, passphrase: Secret | None = None,
                         wallet_address: Secret | None = None,
                         private_key: Secret | None = None) -> CcxtVenueSettings:
    """The ccxt hedge venue's settings; `base_url` None means the venue's own URLs. Which
    credentials the venue reads is its rule (hedge/adapters/hedging/venues/)."""
    h = config.hedge
    return CcxtVenueSettings(
        exchange_id=h.exchange, base_url=base_url, api_key=api_key or Secret(""),
        api_secret=api_secret or Secret(""), passphrase=passphrase or Secret(""),
        wallet_address=wallet_address or Secret(""), private_key=private_key or Secret(""),
        allow_untested_venue=h.allow_untested_venue, max_slippage_bps=h.max_slippage_bps,
        timeout_ms=h.timeout_ms, order_rate_per_s=h.order_rate_per_s, order_burst=h.order_burst,
        book_stream=h.book_stream, book_max_age_ms=h.book_max_age_ms,
        lookup_lag_ms=h.lookup_lag_ms, approved_builder_fee=h.approved_builder_fee)


def lighter_tx_bucket(config: BotConfig) -> TokenBucket | None:
    """The optional cap on quote placements and modifies (`lighter.tx_rate_per_min`), one for
    the account, shared by every market; None: the account's request budget alone paces them."""
    rate = config.lighter.tx_rate_per_min
    return TokenBucket(rate / lighter_window_s(config), LIGHTER_TX_BURST) if rate else None


def lighter_window_s(config: BotConfig) -> float:
    """The rolling window Lighter's caps count over: a minute, or `lighter.rate_window_s`
    (paper tests, against a local venue whose own window is shortened to match)."""
    return config.lighter.rate_window_s or WINDOW_S


def lighter_request_budget(config: BotConfig) -> RequestBudget:
    """One budget for everything sent to Lighter, shaped to the account's tier."""
    return RequestBudget(config.lighter.account_tier, window_s=lighter_window_s(config))
