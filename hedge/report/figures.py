"""The report's plots: one plotly figure each, with axes, units and a one-line caption.

Each builder returns a Plot (figure + caption) or a Plot whose figure is None and whose caption
says why there is nothing to draw (a run with no fills, a run without request figures).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import plotly.graph_objects as go

from hedge.infra.run_files import percentile

from hedge.report.book_series import BookSeries, Series
from hedge.report.markouts import Markout
from hedge.report.run_log import RunLog
from hedge.report.trades import TradeFigures, TradeRow, positions

MAX_POINTS = 2000          # points a line keeps (a day of fills is thinned to this)
MAX_MARKERS = 1500         # fill markers a trace keeps: every k-th beyond that, said in the caption
HISTOGRAM_BINS = 40
LAYOUT = dict(template="plotly_white", height=380, margin=dict(l=70, r=20, t=50, b=50),
              legend=dict(orientation="h", y=-0.2))


@dataclass
class Plot:
    key: str
    title: str
    caption: str
    figure: go.Figure | None


def _times(ts: list[float]) -> list[str]:
    return [datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] for t in ts]


def _figure(title: str, x_title: str, y_title: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, **LAYOUT)
    return fig


def set_span(plot: Plot, start_ts: float | None, end_ts: float | None) -> Plot:
    """Give a time plot the whole run on its x axis, so plots line up and one event is legible."""
    if plot.figure is not None and start_ts is not None and end_ts is not None and end_ts > start_ts:
        plot.figure.update_xaxes(range=_times([start_ts, end_ts]))
    return plot


def thin_steps(ts: list[float], max_points: int = MAX_POINTS) -> list[int]:
    """Indexes to draw of a step series: the first point and the last of each time bucket, so a
    long run keeps its shape in a bounded page; the figures computed from it stay exact."""
    if len(ts) <= max_points or ts[-1] <= ts[0]:
        return list(range(len(ts)))
    width = (ts[-1] - ts[0]) / max_points
    keep, bucket = [0], 0
    for i, t in enumerate(ts):
        b = int((t - ts[0]) / width)
        if b == bucket and i:
            keep[-1] = i
        elif i:
            keep.append(i)
            bucket = b
    return keep


def thin_markers(rows: list, max_markers: int = MAX_MARKERS) -> tuple[list, int]:
    """Every k-th row (k = 1 up to max_markers rows) and k."""
    k = max(1, -(-len(rows) // max_markers))
    return rows[::k], k


def _step(fig: go.Figure, series: Series, name: str, until_ts: float | None = None,
          **style) -> None:
    """A step line; `until_ts`: the last value holds until then (a quote still resting at the
    end of the run is drawn to the end, not stopped at its last move)."""
    ts, values = series.sampled(MAX_POINTS)
    if ts and until_ts is not None and until_ts > ts[-1] and values[-1] is not None:
        ts, values = [*ts, until_ts], [*values, values[-1]]
    if ts:
        fig.add_trace(go.Scatter(x=_times(ts), y=values, name=name, mode="lines",
                                 line=dict(shape="hv", **style)))


def prices(book: BookSeries, tf: TradeFigures, end_ts: float | None = None) -> Plot:
    caption = ("Lighter mid (from the recorded book) with our resting bid and ask; triangles are "
               "maker fills on Lighter, crosses the hedge fills on the hedge venue.")
    if not book.mid.ts and not tf.makers:
        return Plot("prices", "Prices", "No book frames in ws_lighter.jsonl: nothing to draw.", None)
    fig = _figure("Lighter mid, our quotes and fills", "time (UTC)", "price (quote currency)")
    _step(fig, book.mid, "Lighter mid", color="#444", width=1)
    _step(fig, book.our_bid, "our bid", end_ts, color="#2a9d3f", width=1.5)
    _step(fig, book.our_ask, "our ask", end_ts, color="#d1495b", width=1.5)
    for side, symbol, color in (("bid", "triangle-up", "#2a9d3f"), ("ask", "triangle-down", "#d1495b")):
        rows, k = thin_markers([r for r in tf.makers if r.side == side])
        if k > 1:
            caption += f" Every {k}th {side} fill is marked (of {len(tf.makers)} fills in all)."
        if rows:
            fig.add_trace(go.Scatter(x=_times([r.ts for r in rows]), y=[r.price for r in rows],
                                     mode="markers", name=f"maker fill ({side})",
                                     marker=dict(symbol=symbol, size=11, color=color)))
    hedges, k = thin_markers(tf.hedges)
    if k > 1:
        caption += f" Every {k}th hedge fill is marked (of {len(tf.hedges)})."
    if hedges:
        fig.add_trace(go.Scatter(x=_times([r.ts for r in hedges]), y=[r.price for r in hedges],
                                 mode="markers", name="hedge fill",
                                 text=[f"{r.side} {r.size}" for r in hedges],
                                 marker=dict(symbol="x", size=9, color="#1d3557")))
    return Plot("prices", "Prices", caption, fig)


def position_plot(rows: list[TradeRow], log: RunLog, end_ts: float | None) -> Plot:
    start_ts = log.first_ts
    ts, lighter, hedge = positions(rows, log.start_lighter_base, log.start_hedge_base)
    if start_ts is not None:
        ts, lighter, hedge = [start_ts] + ts, [log.start_lighter_base] + lighter, \
            [log.start_hedge_base] + hedge
    if end_ts is not None and ts:
        ts, lighter, hedge = ts + [end_ts], lighter + [lighter[-1]], hedge + [hedge[-1]]
    if not ts:
        return Plot("positions", "Positions", "No trades and no start time: nothing to draw.", None)
    keep = thin_steps(ts)
    ts, lighter, hedge = [ts[i] for i in keep], [lighter[i] for i in keep], [hedge[i] for i in keep]
    net = [round(a + b, 10) for a, b in zip(lighter, hedge)]
    fig = _figure("Positions", "time (UTC)", "position (base units)")
    for values, name, color in ((lighter, "Lighter", "#2a9d3f"), (hedge, "hedge venue", "#1d3557"),
                                (net, "net", "#e76f51")):
        fig.add_trace(go.Scatter(x=_times(ts), y=values, name=name,
                                 mode="lines+markers" if len(keep) < MAX_POINTS else "lines",
                                 line=dict(shape="hv", color=color), marker=dict(size=4)))
    return Plot("positions", "Positions",
                "Lighter position, hedge venue position and their sum (net, the unhedged "
                "exposure), from trades.csv on top of the positions found at startup.", fig)


def latency_plot(log: RunLog, summary_latency: dict) -> Plot:
    if not log.hedge_latency_ms:
        return Plot("latency", "Fill to hedge latency",
                    "No hedge was acknowledged in this run: no latency to show.", None)
    fig = _figure("Fill → hedge latency", "milliseconds from the fill frame", "hedges")
    colors = {"submit": "#457b9d", "ack": "#e63946"}
    for stage, index in (("submit", 1), ("ack", 2)):
        values = [row[index] for row in log.hedge_latency_ms]
        if len(values) <= MAX_POINTS:
            fig.add_trace(go.Histogram(x=values, name=f"fill → hedge {stage}", opacity=0.6,
                                       marker_color=colors[stage], nbinsx=HISTOGRAM_BINS))
        else:                                   # a long run: the bins counted here, exactly
            centers, counts, width = _bins(values)
            fig.add_trace(go.Bar(x=centers, y=counts, width=width, opacity=0.6,
                                 name=f"fill → hedge {stage}", marker_color=colors[stage]))
        stats = summary_latency.get(f"fill_to_hedge_{stage}") or {}
        for q in ("p50", "p99"):
            value = stats.get(q) if stats.get(q) is not None else percentile(values, int(q[1:]))
            fig.add_vline(x=value, line_dash="dash" if q == "p50" else "dot",
                          line_color=colors[stage],
                          annotation_text=f"{stage} {q} {value:.2f} ms",
                          annotation_position="top right" if stage == "ack" else "top left")
    fig.update_layout(barmode="overlay")
    return Plot("latency", "Fill to hedge latency",
                "From the moment the fill frame was read to the hedge request handed to the "
                "hedge venue's client (submit) and to its parsed answer (ack); dashed p50, "
                "dotted p99 (summary.json's).", fig)


def _bins(values: list[float]) -> tuple[list[float], list[int], float]:
    low, high = min(values), max(values)
    width = (high - low) / HISTOGRAM_BINS or 1.0
    counts = [0] * HISTOGRAM_BINS
    for value in values:
        counts[min(HISTOGRAM_BINS - 1, int((value - low) / width))] += 1
    return [round(low + (i + 0.5) * width, 6) for i in range(HISTOGRAM_BINS)], counts, width


def pnl_plot(rows: list[TradeRow], tf: TradeFigures, book: BookSeries, end_ts: float | None) -> Plot:
    if not tf.makers:
        return Plot("pnl", "PnL", "No fills in this run: no PnL to split.", None)
    grid = sorted({r.ts for r in rows} | set(book.mid.sampled(MAX_POINTS // 2)[0])
                  | ({end_ts} if end_ts else set()))
    grid = [t for t in grid if t >= rows[0].ts]
    grid = [grid[i] for i in thin_steps(grid)]      # every row still counts; fewer points drawn
    total = []
    fees_at = _steps_at(tf, grid)
    i, cash, net = 0, 0.0, 0.0
    for t, fees in zip(grid, fees_at):
        while i < len(rows) and rows[i].ts <= t:
            if rows[i].price is not None:
                cash -= rows[i].signed * rows[i].price
            net += rows[i].signed
            i += 1
        mid = book.mid.at(t)
        total.append(cash + (net * mid if mid is not None else 0.0) - fees[2] - fees[3])
    fig = _figure("PnL split", "time (UTC)", "PnL (quote currency)")
    times = _times(grid)
    for index, name, sign, color in ((0, "spread captured at fill", 1, "#2a9d3f"),
                                     (1, "hedge slippage", 1, "#f4a261"),
                                     (2, "Lighter fees", -1, "#8d99ae"),
                                     (3, "hedge taker fees", -1, "#d1495b")):
        fig.add_trace(go.Scatter(x=times, y=[sign * f[index] for f in fees_at], name=name,
                                 mode="lines", line=dict(shape="hv", color=color)))
    fig.add_trace(go.Scatter(x=times, y=total, name="total (marked at the Lighter mid)",
                             mode="lines", line=dict(color="#1d3557", width=2.5)))
    note = "" if tf.assumed_known else (" This run's trades.csv has no hedge_price_assumed: the "
                                        "hedge fill stands in for it, so slippage shows as 0.")
    return Plot("pnl", "PnL",
                "Cumulative: spread = maker price vs the hedge price the quote assumed; slippage "
                "= hedge fill vs that price; fees at summary.json's rates (negative = cost); "
                "total = cash of both legs + net position at the mid − fees." + note, fig)


def _steps_at(tf: TradeFigures, grid: list[float]) -> list[tuple[float, float, float, float]]:
    out, i, last = [], 0, (0.0, 0.0, 0.0, 0.0)
    steps = tf.pnl_steps
    for t in grid:
        while i < len(steps) and steps[i].ts <= t:
            s = steps[i]
            last = (s.spread, s.slippage, s.lighter_fees, s.hedge_fees)
            i += 1
        out.append(last)
    return out


def markout_plot(values: list[Markout]) -> Plot:
    if not any(v.n for v in values):
        return Plot("markouts", "Markouts", "No fills with a recorded mid after them: no markouts.",
                    None)
    fig = _figure("Markouts after maker fills", "horizon after the fill", "mean markout (bps)")
    for side, color in (("bid", "#2a9d3f"), ("ask", "#d1495b")):
        rows = [v for v in values if v.side == side]
        fig.add_trace(go.Bar(x=[f"{v.horizon_s} s" for v in rows],
                             y=[v.mean_bps if v.mean_bps is not None else 0 for v in rows],
                             text=[f"n={v.n}" for v in rows], name=f"{side} fills",
                             marker_color=color))
    return Plot("markouts", "Markouts",
                "Lighter mid 1 s, 5 s and 30 s after each fill vs the fill price, averaged by "
                "side; positive = the market moved our way, negative = adverse selection.", fig)


def requests_plot(log: RunLog, summary: dict) -> Plot:
    lighter = summary.get("lighter") or {}
    points = [(s.ts, s.lighter_requests if s.lighter_requests is not None else s.lighter_tx)
              for s in log.status if (s.lighter_requests if s.lighter_requests is not None
                                      else s.lighter_tx) is not None]
    events = [e for e in log.events if e.kind in ("reconnect", "disconnect", "book resync",
                                                 "rate limited", "kill switch", "market paused",
                                                 "market resumed")]
    if len(points) < 2 and not events:
        return Plot("requests", "Requests and stream events",
                    "No request figures (status lines) and no stream events in this run.", None)
    fig = _figure("Lighter requests per minute, stream events", "time (UTC)", "requests / min")
    if len(points) >= 2:
        ts, rates = _rate_per_min(points, log.first_ts)
        what = ("requests" if any(s.lighter_requests is not None for s in log.status)
                else "transactions")
        fig.add_trace(go.Scatter(x=_times(ts), y=rates, name=f"Lighter {what} / min (rolling 60 s)",
                                 mode="lines+markers", line=dict(color="#457b9d")))
        cap = _cap_per_min(lighter)
        if cap is not None:
            fig.add_hline(y=cap, line_dash="dash", line_color="#d1495b",
                          annotation_text=f"tier cap {cap}/min")
    for e in events:
        fig.add_vline(x=_times([e.ts])[0], line_color="#e76f51", line_dash="dot")
    if events:
        fig.add_trace(go.Scatter(x=_times([e.ts for e in events]), y=[0] * len(events),
                                 mode="markers", name="stream events", text=[e.text for e in events],
                                 marker=dict(symbol="diamond", size=10, color="#e76f51")))
    tier = lighter.get("account_tier")
    cap_note = f" (tier {tier})" if tier else ""
    return Plot("requests", "Requests and stream events",
                f"Requests sent to Lighter per minute{cap_note}, from the 5 s status lines, "
                f"against the tier's cap when the run records it; diamonds: reconnects, "
                f"disconnects, book resyncs, rate limits, market pauses and resumes, kill switch.", fig)


def _rate_per_min(points: list[tuple[float, int]],
                  start_ts: float | None = None) -> tuple[list[float], list[float]]:
    """Requests in the rolling minute before each status point (the counts are cumulative).
    Within the first minute that is what was sent since the start, never extrapolated to a
    minute: 20 requests in 8 s are 20 in the window, not 150 a minute against a cap of 60."""
    start = min(start_ts if start_ts is not None else points[0][0], points[0][0])
    counted = [(start, 0)] + list(points) if points[0][1] else list(points)
    ts, rates = [], []
    for i, (t, count) in enumerate(counted[1:], start=1):
        j = i - 1
        while j > 0 and t - counted[j - 1][0] <= 60:
            j -= 1
        span = t - counted[j][0]
        if span > 0:
            ts.append(t)
            full_minute = t - start >= 60             # else: no extrapolation
            rates.append(round((count - counted[j][1]) * (60 / span if full_minute else 1), 2))
    return ts, rates


# Lighter's documented caps a minute, for runs whose summary.json names the tier but not the cap.
TIER_CAPS_PER_MIN = {"standard": 60, "premium": 24_000}


def _cap_per_min(lighter: dict) -> float | None:
    for key in ("request_cap_per_min", "cap_per_min", "requests_cap_per_min"):
        if isinstance(lighter.get(key), (int, float)):
            return lighter[key]
    return TIER_CAPS_PER_MIN.get(lighter.get("account_tier") or "")
