"""Markouts: where the Lighter mid went after each maker fill, in basis points of the fill price.

Positive means the market moved our way after the fill (we bought below the later mid, or sold
above it); consistently negative markouts mean the quotes are being picked off (adverse
selection). A fill whose horizon runs past the end of the recording is left out.
"""
from __future__ import annotations

from dataclasses import dataclass

from hedge.report.book_series import Series
from hedge.report.trades import TradeRow

HORIZONS_S = (1, 5, 30)


@dataclass
class Markout:
    horizon_s: int
    side: str           # bid | ask
    mean_bps: float | None
    n: int


def markouts(makers: list[TradeRow], mid: Series, end_ts: float | None) -> list[Markout]:
    out = []
    for horizon in HORIZONS_S:
        for side in ("bid", "ask"):
            values = []
            for fill in makers:
                if fill.side != side or fill.price is None or end_ts is None:
                    continue
                if fill.ts + horizon > end_ts:
                    continue
                later = mid.at(fill.ts + horizon)
                if later is None:
                    continue
                move = (later - fill.price) if side == "bid" else (fill.price - later)
                values.append(move / fill.price * 10_000)
            out.append(Markout(horizon, side, sum(values) / len(values) if values else None,
                               len(values)))
    return out
