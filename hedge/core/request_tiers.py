"""Lighter's account tiers as numbers: request caps, the bot's headroom, request weights.

Standard (every new account): 60 requests per rolling minute, every REST call and sendTx alike.
Premium: 24,000 weighted requests per rolling minute (sendTx and nextNonce weigh 6, most reads
300). The bot budgets below the cap so a request of someone else's (or a clock skew) does not
tip it into 429s.
"""
from __future__ import annotations

from dataclasses import dataclass

TIERS = ("standard", "premium")
WINDOW_S = 60.0


@dataclass(frozen=True)
class TierLimits:
    cap_per_window: int          # the venue's cap
    budget_per_window: int       # what the bot allows itself (headroom below the cap)
    weighted: bool


TIER_LIMITS = {
    "standard": TierLimits(60, 50, weighted=False),
    "premium": TierLimits(24_000, 20_000, weighted=True),
}

# Lighter's documented weights (premium); every endpoint not listed weighs 300.
PREMIUM_WEIGHTS = {"sendTx": 6, "sendTxBatch": 6, "nextNonce": 6, "accountInactiveOrders": 100,
                   "publicPools": 50, "txFromL1TxHash": 50, "apikeys": 150,
                   "transferFeeInfo": 500, "trades": 600, "recentTrades": 600}
PREMIUM_DEFAULT_WEIGHT = 300


def request_weight(tier: str, kind: str) -> int:
    """What one request of `kind` (the endpoint name, e.g. `sendTx`) costs on `tier`."""
    if not TIER_LIMITS[tier].weighted:
        return 1
    return PREMIUM_WEIGHTS.get(kind, PREMIUM_DEFAULT_WEIGHT)


def max_tx_per_min(tier: str) -> int:
    """The most sendTx a minute the tier's budget could carry: the ceiling for
    `lighter.tx_rate_per_min`."""
    return TIER_LIMITS[tier].budget_per_window // request_weight(tier, "sendTx")
