"""The five-way split of each hedged fill's PnL (spread, adverse, latency, execution, fees), over
time and by side, from the hedge rows of trades.csv (hedge/core/fill_split.py defines it)."""
from __future__ import annotations

import plotly.graph_objects as go

from hedge.core.fill_split import SPLIT_TERMS
from hedge.report.figures import Plot, _figure, _times
from hedge.report.trades import TradeFigures, TradeRow

COLORS = {"spread": "#2a9d3f", "adverse": "#e76f51", "latency": "#f4a261",
          "execution": "#457b9d", "fees": "#8d99ae"}


def _split_rows(tf: TradeFigures) -> list[TradeRow]:
    return [r for r in tf.hedges if r.split_bps is not None and r.price is not None]


def _maker_side(hedge: TradeRow) -> str:
    return "bid" if hedge.side == "sell" else "ask"   # a sale hedges a Lighter bid fill


def split_over_time(tf: TradeFigures) -> Plot:
    rows = _split_rows(tf)
    if not rows:
        return Plot("split-time", "PnL split over time",
                    "No hedge rows with a split in trades.csv (no hedged fills, or a run from "
                    "before the split columns): nothing to draw.", None)
    fig = _figure("Five-way PnL split, cumulative", "time (UTC)", "PnL (quote currency)")
    times = _times([r.ts for r in rows])
    total = [0.0] * len(rows)
    for term in SPLIT_TERMS:
        running, ys = 0.0, []
        for i, r in enumerate(rows):
            running += r.split_bps[term] * r.size * r.price / 10_000
            ys.append(running)
            total[i] += running
        fig.add_trace(go.Scatter(x=times, y=ys, name=term, mode="lines",
                                 line=dict(shape="hv", color=COLORS[term])))
    fig.add_trace(go.Scatter(x=times, y=total, name="sum (hedged PnL)", mode="lines",
                             line=dict(shape="hv", color="#1d3557", width=2.5)))
    return Plot("split-time", "PnL split over time",
                "Each hedged fill's PnL in five terms, cumulative: spread = maker price vs the "
                "hedge price the quote assumed; adverse = the hedge book's move until the fill "
                "was seen; latency = its move until the hedge was sent; execution = the hedge "
                "fill vs the book at submit; fees at the rates in force. The terms add up to "
                "the hedged PnL (bp x the hedge leg's notional).", fig)


def split_by_side(tf: TradeFigures) -> Plot:
    rows = _split_rows(tf)
    if not rows:
        return Plot("split-side", "PnL split by side",
                    "No hedge rows with a split in trades.csv: nothing to draw.", None)
    fig = _figure("Five-way PnL split by side, mean per fill", "term", "mean (bps of notional)")
    for side, color in (("bid", "#2a9d3f"), ("ask", "#d1495b")):
        mine = [r for r in rows if _maker_side(r) == side]
        if not mine:
            continue
        means = [sum(r.split_bps[t] for r in mine) / len(mine) for t in SPLIT_TERMS]
        fig.add_trace(go.Bar(x=[*SPLIT_TERMS, "total"], y=[*means, sum(means)],
                             name=f"{side} fills (n={len(mine)})", marker_color=color))
    fig.update_layout(barmode="group")
    return Plot("split-side", "PnL split by side",
                "Mean of each split term per hedged fill, by the Lighter side that filled; "
                "adverse and latency below 0 on one side show which side the flow picks off.",
                fig)
