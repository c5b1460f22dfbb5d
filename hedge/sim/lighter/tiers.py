"""The account tiers live in hedge/core/lighter_tiers.py (the market model reads them too)."""
from hedge.core.lighter_tiers import (DEFAULT_TIER, TIERS, Tier, UnknownTierError,  # noqa: F401
                                      endpoint_cap, endpoint_weight, fee_usdc, tier_named)
