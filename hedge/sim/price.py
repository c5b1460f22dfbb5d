"""The local venues' prices, drawn from the market model (hedge/market), the same code the lab
steps.

Per asset: the fair X(t) (what the hedge venues quote around) and Lighter's fair, X(t - lag)
shifted by the model's OU basis and divided by the quote-currency rate. Time into the model is
the venue's clock since `origin_ms`, in the model's steps; a step's value depends only on the
seed, the asset and the step index, so two venues asking at different moments, in any order,
see one path, and the bot's own traffic never moves it.

Tests pin prices by replacing `mid` on the instance (tests/sim/ccxt_loopback.freeze_prices);
a pinned mid is then both venues' fair, with no lag and no basis, so a test can compute the
exact books it trades against.
"""
from __future__ import annotations

import time
from decimal import Decimal

from hedge.market.fair import Basis, FairPath
from hedge.market.model_file import (DEFAULT_MODEL_FILE, USUAL_PRICES, MarketModel, load_model,
                                     usual_price)

STEP_MS = 100                       # the default model's step (hedge venues' publishing cadence)


def default_model() -> MarketModel:
    """config/models/default.yaml: paper mode's market when the config names no model."""
    return load_model(DEFAULT_MODEL_FILE)


class _AssetPath:
    """One asset's fair and basis, one entry per model step, drawn on demand."""

    def __init__(self, model: MarketModel, seed: int, asset: str) -> None:
        start = model.fair.start if model.fair.start is not None else usual_price(asset)
        self.fair = FairPath(model.fair, model.step_ms, start, seed, asset, 0)
        self.basis = Basis(model.lighter, model.step_ms, seed, asset)
        self.x = [self.fair.x]
        self.basis_bps = [self.basis.bps]

    def extend_to(self, k: int) -> None:
        while len(self.x) <= k:
            self.x.append(self.fair.advance())
            self.basis_bps.append(self.basis.advance())


class PriceProcess:
    """Fair prices of every asset from one model and seed, keyed by step index."""

    def __init__(self, seed: int, model: MarketModel | None = None,
                 origin_ms: int | None = None, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        self.seed = seed
        self.model = model or default_model()
        self.step_ms = self.model.step_ms
        # The market's clock runs `speed` times the wall clock: price steps here, and the
        # Lighter venue's book ticks and takers (hedge/sim/lighter/market_life.py). A soak at
        # speed 20 lives an hour of market in three minutes (bench/soak.py).
        self.speed = speed
        self.origin_ms = int(time.time() * 1000) if origin_ms is None else origin_ms
        self._lag_steps = round(self.model.lighter.lag_ms / self.step_ms)
        self._paths: dict[str, _AssetPath] = {}

    @property
    def assets(self) -> tuple[str, ...]:
        return tuple(USUAL_PRICES)

    @property
    def pinned(self) -> bool:
        """A test replaced `mid` on this instance (tests/sim/ccxt_loopback.freeze_prices)."""
        return "mid" in vars(self)

    def step_index(self, now_ms: int | None = None) -> int:
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        return max(0, int((now_ms - self.origin_ms) * self.speed) // self.step_ms)

    def _path(self, asset: str, k: int) -> _AssetPath:
        path = self._paths.get(asset)
        if path is None:
            path = self._paths[asset] = _AssetPath(self.model, self.seed, asset)
        path.extend_to(k)
        return path

    def mid(self, asset: str, now_ms: int | None = None) -> float:
        """The fair X of `asset` at `now_ms` (wall clock when omitted), hedge quote currency."""
        k = self.step_index(now_ms)
        return self._path(asset, k).x[k]

    def lighter_mid(self, asset: str, now_ms: int | None = None, lagged: bool = True) -> float:
        """Lighter's fair: X(t - lag) with the basis, in Lighter's quote currency (`lagged`
        False: X(t), what an informed taker knows); a pinned `mid` is taken as it is."""
        if self.pinned:
            return self.mid(asset, now_ms)
        k = self.step_index(now_ms)
        path = self._path(asset, k)
        x = path.x[max(0, k - self._lag_steps)] if lagged else path.x[k]
        return x * (1 + path.basis_bps[k] / 1e4) / self.model.lighter.quote_rate

    def mid_decimal(self, asset: str, now_ms: int | None = None, places: int = 2) -> Decimal:
        return Decimal(repr(round(self.mid(asset, now_ms), places)))
