"""trades.csv as rows, and what follows from them alone: positions and the PnL split.

PnL split (quote currency), fill by fill:
- spread at fill: the maker price against the hedge price the quote assumed (the edge the quote
  was built to keep);
- hedge slippage: the hedge fill against that assumed price;
- fees: the Lighter maker fee and the hedge taker fee, at the rates summary.json records;
- inventory: the rest (what is unhedged, marked at the Lighter mid).
A run without `hedge_price_assumed` (older trades.csv) takes the hedge fill itself as assumed:
its slippage shows as zero and the spread as realised.

Hedge rows of newer runs also carry the five-way split of the fills they covered
(`split_<term>_bps`, hedge/core/fill_split.py): the report plots it over time and by side.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from hedge.core.fill_split import SPLIT_TERMS


@dataclass
class TradeRow:
    ts: float
    venue: str
    role: str            # maker | hedge
    side: str            # bid/ask (maker), buy/sell (hedge)
    size: float
    price: float | None
    fill_key: str
    assumed: float | None
    market: str = ""
    split_bps: dict[str, float] | None = None     # hedge rows: the split of the fills covered

    @property
    def signed(self) -> float:
        """Base bought (+) or sold (-)."""
        return self.size if self.side in ("bid", "buy") else -self.size


def read_trades(path: Path) -> list[TradeRow]:
    if not path.exists():
        return []
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        for raw in csv.DictReader(handle):
            try:
                rows.append(TradeRow(
                    ts=datetime.fromisoformat(raw["ts"]).timestamp(), venue=raw.get("venue", ""),
                    role=raw.get("role", ""), side=raw.get("side", ""), size=float(raw["size"]),
                    price=_float(raw.get("price")), fill_key=raw.get("fill_key", ""),
                    assumed=_float(raw.get("hedge_price_assumed")), market=raw.get("market") or "",
                    split_bps=_split(raw)))
            except (KeyError, ValueError, TypeError):
                continue      # a torn last line of a killed run
    rows.sort(key=lambda r: r.ts)
    return rows


def _split(raw: dict) -> dict[str, float] | None:
    values = {term: _float(raw.get(f"split_{term}_bps")) for term in SPLIT_TERMS}
    if any(v is None for v in values.values()):
        return None
    return values  # type: ignore[return-value]


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


@dataclass
class PnlPoint:
    ts: float
    spread: float
    slippage: float
    lighter_fees: float
    hedge_fees: float


@dataclass
class TradeFigures:
    makers: list[TradeRow] = field(default_factory=list)
    hedges: list[TradeRow] = field(default_factory=list)
    pnl_steps: list[PnlPoint] = field(default_factory=list)
    assumed_known: bool = False
    volume_quote: float = 0.0


def trade_figures(rows: list[TradeRow], maker_fee_bps: float, taker_fee_bps: float) -> TradeFigures:
    out = TradeFigures(makers=[r for r in rows if r.role == "maker"],
                       hedges=[r for r in rows if r.role == "hedge"])
    out.assumed_known = any(r.assumed is not None for r in out.makers)
    first_hedge = {}
    for r in out.hedges:
        first_hedge.setdefault(r.fill_key, r.price)
    assumed = {r.fill_key: (r.assumed if r.assumed is not None else first_hedge.get(r.fill_key))
               for r in out.makers}
    spread = slippage = lighter_fees = hedge_fees = 0.0
    for r in rows:
        if r.price is None:
            continue
        a = assumed.get(r.fill_key)
        if r.role == "maker":
            out.volume_quote += r.size * r.price
            lighter_fees += r.size * r.price * maker_fee_bps / 10_000
            if a is not None:      # bought on Lighter (bid) and sold at a, or the reverse
                spread += (a - r.price) * r.signed
        elif r.role == "hedge":
            hedge_fees += r.size * r.price * taker_fee_bps / 10_000
            if a is not None:
                slippage += (a - r.price) * r.signed
        out.pnl_steps.append(PnlPoint(r.ts, spread, slippage, lighter_fees, hedge_fees))
    return out


def positions(rows: list[TradeRow], start_lighter: float, start_hedge: float
              ) -> tuple[list[float], list[float], list[float]]:
    """(ts, lighter, hedge) step points, one per trade."""
    ts, lighter, hedge = [], [], []
    lp, hp = start_lighter, start_hedge
    for r in rows:
        if r.role == "maker":
            lp += r.signed
        elif r.role == "hedge":
            hp += r.signed
        ts.append(r.ts)
        lighter.append(round(lp, 10))
        hedge.append(round(hp, 10))
    return ts, lighter, hedge
