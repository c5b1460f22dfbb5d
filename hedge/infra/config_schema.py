"""The bot's configuration as frozen dataclasses.

Each field carries its default and the rule it must satisfy (`setting(...)`), so the schema,
the defaults and the messages that refuse a bad value come from one place. config.py reads
YAML into these classes; nothing here touches files or the network.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable
from urllib.parse import urlsplit

from hedge.core.pricing import EDGE_MODELS
from hedge.core.request_tiers import TIERS

LIGHTER_URL_ALIASES = {
    "mainnet": "https://mainnet.zklighter.elliot.ai",
    "testnet": "https://testnet.zklighter.elliot.ai",
}
# The fault profile names of hedge/sim/faults.py PROFILES (infra may not import hedge.sim;
# tests/infra/test_config.py checks that the two lists agree).
FAULT_PROFILES = ("none", "chaos", "refuse_ws", "reject_auth", "mute_account_orders",
                  "no_taker_flow", "reject_hedges")
LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL")
LOOPBACK_NAMES = ("localhost",)


@dataclass(frozen=True)
class Rule:
    """What a value must satisfy; `describe()` is the 'allowed: ...' part of a refusal."""

    minimum: Decimal | int | float | None = None
    maximum: Decimal | int | float | None = None
    above: bool = False                      # minimum is exclusive (> instead of >=)
    choices: tuple[str, ...] = ()
    check: Callable[[Any], bool] | None = None
    allowed: str = ""                        # replaces the generated description

    def describe(self, kind: str) -> str:
        if self.allowed:
            return self.allowed
        if self.choices:
            return "one of " + ", ".join(self.choices)
        low = None if self.minimum is None else f"{'>' if self.above else '>='} {self.minimum}"
        if low and self.maximum is not None:
            if self.above:
                return f"{kind} {low} and <= {self.maximum}"
            return f"{kind} from {self.minimum} to {self.maximum}"
        if low:
            return f"{kind} {low}"
        if self.maximum is not None:
            return f"{kind} <= {self.maximum}"
        return kind


def setting(default: Any, **rule: Any) -> Any:
    """A dataclass field with its default and its Rule."""
    return field(default=default, metadata={"rule": Rule(**rule)})


def is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def is_loopback_url(value: str) -> bool:
    """True for http(s) URLs whose host is 127.0.0.0/8, ::1 or localhost."""
    if not is_http_url(value):
        return False
    host = urlsplit(value).hostname or ""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _lighter_url_ok(value: str) -> bool:
    return value == "sim" or value in LIGHTER_URL_ALIASES or is_http_url(value)


def _hedge_url_ok(value: str) -> bool:
    return value in ("sim", "real") or is_http_url(value)


def _symbol_ok(value: str) -> bool:
    return 0 < len(value) <= 32 and not any(ch.isspace() for ch in value)


def _exchange_ok(value: str) -> bool:
    return 0 < len(value) <= 40 and all(ch.islower() or ch.isdigit() or ch == "_" for ch in value)


@dataclass(frozen=True)
class LighterConfig:
    url: str = setting("sim", check=_lighter_url_ok,
                       allowed="sim, mainnet, testnet or an http(s):// base URL")
    market: str = setting("ETH", check=_symbol_ok, allowed="a market symbol such as ETH")
    account_index: int | None = setting(None, minimum=0)
    api_key_index: int | None = setting(None, minimum=0, maximum=254)
    auth_token_lifetime_s: int = setting(600, minimum=60, maximum=28_800)
    ws_keepalive_s: float = setting(20.0, minimum=1, maximum=110)
    ws_silence_timeout_s: float = setting(30.0, minimum=2, maximum=600)
    dead_mans_switch_s: int = setting(300, minimum=300, maximum=1_296_000,
                                      allowed="an integer from 300 to 1296000 (Lighter's "
                                              "scheduled cancel-all needs at least 5 minutes)")
    # standard (the venue's default: 60 requests a minute, 200 ms maker latency) or premium
    account_tier: str = setting("standard", choices=TIERS)
    # An optional cap on sendTx a minute, below what the tier's request budget allows.
    tx_rate_per_min: int | None = setting(None, minimum=1, maximum=100_000)
    # WS subscribes a second, each waiting for its acknowledgement (Lighter: about 200 client
    # messages a minute per IP, 50 unanswered).
    ws_subscribes_per_s: float = setting(3.0, minimum=0.1, maximum=3.3,
                                         allowed="a number from 0.1 to 3.3 (Lighter's 200 "
                                                 "messages a minute per IP)")
    # Tests only (paper mode): the length of the request budget's rolling window, matching the
    # local venue's `rate_window_s` knob, so a minute's cap is proven in seconds. None: a minute.
    rate_window_s: float | None = setting(None, minimum=1, maximum=60)

    @property
    def is_sim(self) -> bool:
        return self.url == "sim"

    @property
    def base_url(self) -> str | None:
        """The REST base URL; None for `sim` (the app starts the local venue and knows its port)."""
        if self.is_sim:
            return None
        return LIGHTER_URL_ALIASES.get(self.url, self.url).rstrip("/")


@dataclass(frozen=True)
class HedgeConfig:
    exchange: str = setting("binanceusdm", check=_exchange_ok,
                            allowed="a ccxt exchange id such as binanceusdm")
    url: str = setting("sim", check=_hedge_url_ok, allowed="sim, real or an http(s):// base URL")
    symbol: str = setting("ETH/USDT:USDT", check=_symbol_ok,
                          allowed="a ccxt unified symbol such as ETH/USDT:USDT")
    max_slippage_bps: Decimal = setting(Decimal(10), minimum=0, maximum=500)
    timeout_ms: int = setting(3000, minimum=100, maximum=60_000)
    order_rate_per_s: float = setting(10.0, minimum=0, above=True, maximum=1000)
    order_burst: float = setting(10.0, minimum=1, maximum=1000,
                                 allowed="a number of hedge orders from 1 to 1000 sent at once "
                                         "before order_rate_per_s paces them")
    taker_fee_bps: Decimal = setting(Decimal("4.0"), minimum=0, maximum=100)
    # A hedge below the venue's minimum notional is sent larger and the excess bought back
    # reduce-only (exempt from the minimum); off: it is carried until a same-side fill.
    # Unset (null): the venue's rule (on only where the reduce-only exemption is verified);
    # false turns it off; true on a venue without the verified exemption only warns.
    pad_small_hedges: bool | None = setting(None)
    # A ccxt id without verified hedging rules runs only with this set (ccxt's defaults for
    # client ids, lookups and minimums, unverified; a warning at start).
    allow_untested_venue: bool = setting(False)
    # The hedge book: streamed over the venue's WebSocket through ccxt.pro where ccxt has the
    # venue (REST polling only while the stream is down); false: REST polling only.
    book_stream: bool = setting(True)
    book_max_age_ms: int = setting(1000, minimum=50, maximum=60_000,
                                   allowed="milliseconds from 50 to 60000: an older hedge book "
                                           "pauses quoting")
    # How long an executed hedge may stay invisible to lookups before the position is read
    # to decide a resend; null: the venue's rule (docs/CONFIG.md venue table).
    lookup_lag_ms: int | None = setting(None, minimum=0, maximum=60_000)
    # Hyperliquid with an API wallet: ccxt's builder fee was approved once with the main
    # wallet, so ccxt does not try (and fail) to approve it before every order.
    approved_builder_fee: bool = setting(False)

    @property
    def is_sim(self) -> bool:
        return self.url == "sim"

    @property
    def base_url(self) -> str | None:
        """An explicit base URL, or None for `sim` and `real` (the venue's own URLs)."""
        return None if self.url in ("sim", "real") else self.url.rstrip("/")


@dataclass(frozen=True)
class StrategyConfig:
    pricing: str = setting("profit", choices=("profit", "join"))
    order_size: Decimal = setting(Decimal("0.01"), minimum=0, above=True)
    min_profit_bps: Decimal = setting(Decimal("1.0"), minimum=-100, maximum=1000)
    maker_fee_bps: Decimal = setting(Decimal("0.0"), minimum=-100, maximum=100)
    max_position: Decimal = setting(Decimal("0.1"), minimum=0, above=True)
    refresh_tolerance_bps: Decimal = setting(Decimal("2.0"), minimum=0, maximum=1000)
    min_quote_lifetime_ms: int = setting(500, minimum=0, maximum=600_000)
    join_max_loss_bps: Decimal = setting(Decimal(20), minimum=0, maximum=1000)
    sides: str = setting("both", choices=("both", "bid", "ask"))
    # The pricing policy (docs/CONFIG.md "The pricing policy"); `fixed` keeps only the loss-line
    # cancel and the venues' fees on top of the old pricing.
    edge_model: str = setting("adaptive", choices=EDGE_MODELS)
    vol_edge_k: Decimal = setting(Decimal("1.0"), minimum=0, maximum=100)
    vol_window_s: float = setting(60.0, minimum=1, maximum=86_400)
    detect_ms: int = setting(50, minimum=0, maximum=60_000)
    markout_buffer: bool = setting(False)
    markout_window_fills: int = setting(50, minimum=1, maximum=10_000)
    quote_rate: Decimal = setting(Decimal("1.0"), minimum=Decimal("0.5"), maximum=2,
                                  allowed="USDT per USDC, a number from 0.5 to 2")
    basis_ewma_s: float = setting(0.0, minimum=0, maximum=86_400)
    inventory_skew_bps: Decimal = setting(Decimal("0.0"), minimum=0, maximum=1000)
    depth_fraction: Decimal = setting(Decimal("0.25"), minimum=0, above=True, maximum=1)


@dataclass(frozen=True)
class RiskConfig:
    max_unhedged_base: Decimal = setting(Decimal("0.05"), minimum=0, above=True)
    max_unhedged_age_ms: int = setting(5000, minimum=100, maximum=600_000)
    max_hedge_failures: int = setting(3, minimum=1, maximum=1000)
    stale_stream_ms: int = setting(10_000, minimum=1000, maximum=600_000)
    max_loss_quote: Decimal = setting(Decimal(50), minimum=0, above=True)
    kill_on_mismatch: bool = setting(True)
    # Global limits over every market (several markets: base amounts do not add up). None:
    # the sum of each market's max_unhedged_base at its last mid.
    max_total_unhedged_quote: Decimal | None = setting(None, minimum=0, above=True)
    resume_after_s: float = setting(30.0, minimum=1, maximum=3600,
                                    allowed="seconds a lost stream or an unreachable hedge "
                                            "venue must stay clear before a paused market "
                                            "quotes again (1..3600)")
    position_check_s: float = setting(5.0, minimum=1, maximum=3600,
                                      allowed="seconds between checks of the Lighter position "
                                              "against the fills seen (1..3600)")


@dataclass(frozen=True)
class MarketRiskConfig:
    """Per-market risk limits; a key left out takes the global `risk.` value."""

    max_unhedged_base: Decimal | None = setting(None, minimum=0, above=True)
    max_unhedged_age_ms: int | None = setting(None, minimum=100, maximum=600_000)
    max_hedge_failures: int | None = setting(None, minimum=1, maximum=1000)
    max_loss_quote: Decimal | None = setting(None, minimum=0, above=True)


@dataclass(frozen=True)
class MarketConfig:
    """One market the bot quotes: a Lighter market hedged on one hedge venue symbol.
    `order_size`/`max_position` left out take `strategy.`'s."""

    lighter_market: str = setting("", check=_symbol_ok, allowed="a market symbol such as ETH")
    hedge_symbol: str = setting("", check=_symbol_ok,
                                allowed="a ccxt unified symbol such as ETH/USDT:USDT")
    order_size: Decimal | None = setting(None, minimum=0, above=True)
    max_position: Decimal | None = setting(None, minimum=0, above=True)
    risk: MarketRiskConfig = field(default_factory=MarketRiskConfig)


# One Lighter WebSocket carries 2 channels a market plus one (the venue allows 100 a connection).
MAX_MARKETS = 40


@dataclass(frozen=True)
class SimConfig:
    seed: int = setting(1, minimum=0, maximum=2**63 - 1)
    faults: str = setting("none", choices=FAULT_PROFILES)


@dataclass(frozen=True)
class LoggingConfig:
    level: str = setting("INFO", choices=LOG_LEVELS)
    dir: str = setting("logs", check=lambda v: bool(v.strip()), allowed="a directory path")
    retention_runs: int = setting(20, minimum=1, maximum=10_000)
    # ws_lighter.jsonl is closed and compressed past this size (docs/LOGGING.md, "Bounds").
    frames_rotate_mb: float = setting(100.0, minimum=0.01, maximum=10_000)
    # A run directory's cap: its oldest frame parts are deleted first to stay under it.
    max_run_mb: float = setting(2000.0, minimum=1, maximum=1_000_000)
    # summary.json is rewritten this often during the run ("final": false), then at the end.
    summary_every_s: float = setting(60.0, minimum=1, maximum=86_400)


def _alert_urls_ok(value: tuple[str, ...]) -> bool:
    return all("://" in url and url.split("://", 1)[0].isalnum() and url.split("://", 1)[1]
               for url in value)


@dataclass(frozen=True)
class MetricsConfig:
    # Prometheus text format on 127.0.0.1 only; null = no endpoint (0 = any free port).
    port: int | None = setting(None, minimum=0, maximum=65535)


@dataclass(frozen=True)
class AlertsConfig:
    urls: tuple[str, ...] = setting((), check=_alert_urls_ok,
                                    allowed="a list of apprise URLs such as tgram://TOKEN/CHAT "
                                            "or json://127.0.0.1:8080/hook")
    quoting_paused_s: float = setting(60.0, minimum=1, maximum=86_400)
    stream_lost_s: float = setting(30.0, minimum=1, maximum=86_400)
    on_start_stop: bool = setting(False)


@dataclass(frozen=True)
class PreflightConfig:
    """The checks before the first quote, and the ones repeated while quoting."""
    margin_headroom: Decimal = setting(Decimal(2), minimum=1, maximum=100)
    leverage: Decimal = setting(Decimal(5), minimum=1, maximum=100,
                                allowed="the leverage the accounts run at, from 1 to 100")
    clock_warn_ms: int = setting(250, minimum=1, maximum=60_000)
    clock_refuse_ms: int = setting(2000, minimum=1, maximum=600_000)
    check_every_s: float = setting(60.0, minimum=1, maximum=86_400)


SECTIONS: dict[str, type] = {
    "lighter": LighterConfig, "hedge": HedgeConfig, "strategy": StrategyConfig,
    "risk": RiskConfig, "sim": SimConfig, "logging": LoggingConfig,
    "metrics": MetricsConfig, "alerts": AlertsConfig, "preflight": PreflightConfig,
}


@dataclass(frozen=True)
class BotConfig:
    mode: str = setting("paper", choices=("paper", "live"))
    duration_s: float = setting(60.0, minimum=0, maximum=365 * 86_400,
                                allowed="a number of seconds >= 0 (0 = until Ctrl-C/SIGTERM)")
    lighter: LighterConfig = field(default_factory=LighterConfig)
    hedge: HedgeConfig = field(default_factory=HedgeConfig)
    strategy: StrategyConfig = field(default_factory=StrategyConfig)
    risk: RiskConfig = field(default_factory=RiskConfig)
    sim: SimConfig = field(default_factory=SimConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    preflight: PreflightConfig = field(default_factory=PreflightConfig)
    markets: tuple[MarketConfig, ...] = ()   # empty: the single-market keys, as one item
    market_model: str | None = setting(None, check=lambda v: v.endswith((".yaml", ".yml")),
                                       allowed="a model file path ending .yaml (config/models/), "
                                               "or null for config/models/default.yaml")

    @property
    def is_live(self) -> bool:
        return self.mode == "live"

    @property
    def trading_markets(self) -> tuple[MarketConfig, ...]:
        """Every market to quote, sizes filled in: `markets:`, or the single-market keys
        (`lighter.market`, `hedge.symbol`, `strategy.order_size`, `strategy.max_position`)."""
        items = self.markets or (MarketConfig(self.lighter.market, self.hedge.symbol),)
        return tuple(MarketConfig(m.lighter_market, m.hedge_symbol,
                                  m.order_size if m.order_size is not None else self.strategy.order_size,
                                  m.max_position if m.max_position is not None
                                  else self.strategy.max_position, m.risk) for m in items)
