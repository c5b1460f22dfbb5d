"""One seeded price process shared by both local venues.

Both venues quote around the same mid (the hedge venue adds a small basis), so a quote that
looks profitable against the hedge venue's book really is, and a test run replays the same
path for the same seed however often or whenever the venues ask for a price.
"""
from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from decimal import Decimal

STEP_MS = 100


@dataclass(frozen=True)
class AssetPath:
    """Start price and volatility of one asset (ETH, BTC, ...); each asset walks its own path,
    seeded by (seed, asset), so adding an asset never moves another's prices."""

    asset: str
    start_price: float
    vol_bps_per_step: float


DEFAULT_ASSETS = (
    AssetPath("ETH", 3000.0, 0.6),
    AssetPath("BTC", 100000.0, 0.5),
    AssetPath("SOL", 200.0, 0.8),
    AssetPath("DOGE", 0.25, 1.0),
    AssetPath("1000PEPE", 0.01, 1.2),
)


class PriceProcess:
    """Geometric random walk in 100 ms steps, keyed by step index rather than by call order.

    `mid(asset, now_ms)` depends only on the seed and on how many steps have elapsed since
    `origin_ms`, so two venues asking at different moments see one consistent path.
    """

    def __init__(self, seed: int, assets: tuple[AssetPath, ...] = DEFAULT_ASSETS,
                 origin_ms: int | None = None, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        self.seed = seed
        # The market's clock runs `speed` times the wall clock: price steps here, and the
        # Lighter venue's book ticks and takers (hedge/sim/lighter/market_life.py). A soak at
        # speed 20 lives an hour of market in three minutes (bench/soak.py).
        self.speed = speed
        self.origin_ms = int(time.time() * 1000) if origin_ms is None else origin_ms
        self._assets = {a.asset: a for a in assets}
        self._paths: dict[str, list[float]] = {a.asset: [a.start_price] for a in assets}
        self._rngs = {a.asset: random.Random(f"{seed}:{a.asset}") for a in assets}

    @property
    def assets(self) -> tuple[str, ...]:
        return tuple(self._assets)

    def step_index(self, now_ms: int | None = None) -> int:
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        return max(0, int((now_ms - self.origin_ms) * self.speed) // STEP_MS)

    def mid(self, asset: str, now_ms: int | None = None) -> float:
        """Mid price of `asset` at `now_ms` (wall clock when omitted)."""
        path = self._paths[asset]
        k = self.step_index(now_ms)
        if k >= len(path):
            spec = self._assets[asset]
            rng = self._rngs[asset]
            sigma = spec.vol_bps_per_step / 10_000
            price = path[-1]
            for _ in range(len(path), k + 1):
                # Mean-reverting toward the start keeps long paper runs in a sane range.
                pull = 0.001 * math.log(spec.start_price / price)
                price *= math.exp(rng.gauss(0.0, sigma) + pull)
                path.append(price)
        return path[k]

    def mid_decimal(self, asset: str, now_ms: int | None = None, places: int = 2) -> Decimal:
        return Decimal(repr(round(self.mid(asset, now_ms), places)))
