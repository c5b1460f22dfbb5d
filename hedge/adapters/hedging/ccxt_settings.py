"""What a CcxtHedgeVenue is told: which exchange, where, with which credentials, how patient.

Which credentials an exchange reads is its rule (`VenueRules.credentials`, ccxt attribute
names); CREDENTIAL_FIELDS says where each is held here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from hedge.adapters.hedging.book_feed import FeedTimings
from hedge.infra.secret import Secret

# ccxt attribute name of a credential -> the CcxtVenueSettings field holding it
CREDENTIAL_FIELDS = {"apiKey": "api_key", "secret": "api_secret", "password": "passphrase",
                     "walletAddress": "wallet_address", "privateKey": "private_key"}


@dataclass(frozen=True)
class CcxtVenueSettings:
    exchange_id: str = "binanceusdm"
    base_url: str | None = None          # None = the venue's real URLs
    api_key: Secret = field(default_factory=lambda: Secret(""))
    api_secret: Secret = field(default_factory=lambda: Secret(""))
    passphrase: Secret = field(default_factory=lambda: Secret(""))       # okx
    wallet_address: Secret = field(default_factory=lambda: Secret(""))   # hyperliquid
    private_key: Secret = field(default_factory=lambda: Secret(""))      # hyperliquid
    allow_untested_venue: bool = False   # a ccxt id without verified rules: generic rules
    max_slippage_bps: Decimal = Decimal(10)
    timeout_ms: int = 3000
    remainder_attempts: int = 3          # IOCs per hedge when earlier ones fill partially
    retry_limit: int = 6                 # rate-limit / refused-connection retries per IOC
    lookup_deadline_ms: int = 15_000     # keep asking this long before calling it unresolved
    lookup_grace_ms: int = 300           # a just-sent order may not be indexed yet
    ack_poll_ms: int = 20                # first pause when an acknowledged order is not final
    backoff_base_ms: int = 50
    backoff_max_ms: int = 2000
    order_rate_per_s: float = 10.0
    order_burst: float = 10.0
    read_rate_per_s: float = 20.0
    book_max_age_ms: int = 1000          # an older hedge book pauses quoting
    book_depth: int = 20
    book_stream: bool = True             # stream the book through ccxt.pro where ccxt has it
    book_feed: FeedTimings = field(default_factory=FeedTimings)
    lookup_lag_ms: int | None = None     # None: the venue's rule (venue_rules.lookup_lag_ms)
    approved_builder_fee: bool = False   # hyperliquid: ccxt's builder fee approved already
