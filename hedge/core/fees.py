"""Which fee the bot books: the configured one, or the venue's when the venue charges more.

A configured fee below what the account pays would price quotes that lose on every fill, so the
venue's figure wins; a configured fee above it is kept (the operator may want the margin). A fee
the bot cannot read keeps the configured one, and says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class FeeReading:
    what: str                        # e.g. "hedge taker fee (binanceusdm ETH/USDT:USDT)"
    key: str                         # the config key it overrides
    configured_bps: Decimal
    venue_bps: Decimal | None        # None: could not be read
    source: str                      # the endpoint it came from
    error: str = ""                  # why it could not be read

    @property
    def in_force_bps(self) -> Decimal:
        if self.venue_bps is None:
            return self.configured_bps
        return max(self.configured_bps, self.venue_bps)

    @property
    def raised(self) -> bool:
        return self.venue_bps is not None and self.venue_bps > self.configured_bps

    def message(self) -> tuple[str, str]:
        """(log level, text) for the startup log."""
        if self.venue_bps is None:
            return ("WARNING", f"{self.what}: could not read it from {self.source} ({self.error}); "
                               f"keeping the configured {self.key}={self.configured_bps} bp")
        if self.raised:
            return ("WARNING", f"{self.what}: the configured {self.key}={self.configured_bps} bp "
                               f"is below the {self.venue_bps} bp the venue charges "
                               f"({self.source}); booking {self.venue_bps} bp")
        return ("INFO", f"{self.what}: {self.in_force_bps} bp in force (venue {self.venue_bps} bp "
                        f"from {self.source}, configured {self.key}={self.configured_bps} bp)")


def ticks_to_bps(ticks: int) -> Decimal:
    """Lighter's fee ticks (lighter-sdk AccountLimits) are 1e-6 of notional: 100 ticks = 1 bp."""
    return Decimal(ticks) / 100
