"""Account tiers as data: request caps, latencies, fees and volume quota per tier.

Every rule that differs between a standard and a premium account is a field of `Tier`; the
handlers look the account's tier up here instead of branching on its name
(apidocs "Account Types" and "Rate Limits"; research lighter-venue-rules.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WEIGHTED_CAP = 24_000          # premium weighted requests per window; also bounds standard per endpoint
DEFAULT_WEIGHT = 300
ENDPOINT_WEIGHTS = {           # path after /api/v1/ -> weight (docs "Rate Limits")
    "sendTx": 6, "sendTxBatch": 6, "nextNonce": 6,
    "publicPools": 50, "txFromL1TxHash": 50,
    "accountInactiveOrders": 100, "deposit/latest": 100,
    "apikeys": 150, "transferFeeInfo": 500,
    "trades": 600, "recentTrades": 600,
    "changeAccountTier": 3000, "setAccountMetadata": 3000, "notification/ack": 3000,
    "createIntentAddress": 3000, "fastwithdraw": 3000,
}
HEAVY_PREFIXES = ("tokens/", "referral/")   # weight 3000 too


@dataclass(frozen=True)
class Tier:
    """What one account tier gets from the venue."""

    name: str
    requests_per_window: int   # per account, per rolling window
    weighted: bool             # count endpoint weights (premium) or requests (standard)
    maker_latency_ms: int      # post-only / resting creates, modifies
    cancel_latency_ms: int     # cancels and cancel-alls
    taker_latency_ms: int      # market, IOC, and limit orders that cross on arrival
    maker_fee_ppm: int         # trade fee, 1e-6 of notional (0.4 bp = 40)
    taker_fee_ppm: int
    volume_quota: bool         # creates/modifies spend quota; sendTx answers carry what is left

    def latency_ms(self, lane: str) -> int:
        return {"maker": self.maker_latency_ms, "cancel": self.cancel_latency_ms,
                "taker": self.taker_latency_ms}[lane]


TIERS: dict[str, Tier] = {
    "standard": Tier("standard", 60, False, 200, 200, 300, 0, 0, False),
    "premium": Tier("premium", WEIGHTED_CAP, True, 0, 0, 200, 40, 280, True),
}
DEFAULT_TIER = "standard"


class UnknownTierError(ValueError):
    """A tier name the venue does not know; the message lists the allowed ones."""


def tier_named(name: object) -> Tier:
    try:
        return TIERS[str(name)]
    except KeyError:
        raise UnknownTierError(
            f"unknown tier {name!r}; allowed tiers: {', '.join(TIERS)}") from None


def endpoint_weight(endpoint: str) -> int:
    if endpoint.startswith(HEAVY_PREFIXES):
        return 3000
    return ENDPOINT_WEIGHTS.get(endpoint, DEFAULT_WEIGHT)


def endpoint_cap(tier: Tier, endpoint: str) -> int | None:
    """An unweighted tier's own cap for one endpoint, where the weighted cap is lower
    (docs: "whenever 24000/weight < 60 the former limit is applied", e.g. 8 for weight 3000)."""
    if tier.weighted:
        return None
    per_endpoint = WEIGHTED_CAP // endpoint_weight(endpoint)
    return per_endpoint if per_endpoint < tier.requests_per_window else None


def fee_usdc(notional: Decimal, fee_ppm: int) -> Decimal:
    return notional * fee_ppm / Decimal(1_000_000)
