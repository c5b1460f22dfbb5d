"""`python run.py report [RUN_DIR]`: read a run's files, write RUN_DIR/report.html."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from hedge.report import figures, split_figures
from hedge.report.book_series import read_book_series
from hedge.report.markouts import markouts
from hedge.report.page import header_rows, render
from hedge.report.run_log import read_run_log
from hedge.report.trades import read_trades, trade_figures

REPORT_NAME = "report.html"


class ReportError(Exception):
    """The run directory cannot be reported on; the message says why and what to do."""


def build_report(run_dir: str | Path) -> Path:
    run = Path(run_dir)
    if not run.is_dir():
        raise ReportError(f"{run} is not a run directory; pass logs/<run_id> (default logs/latest)")
    if not any((run / name).exists() for name in ("summary.json", "bot.log", "trades.csv")):
        raise ReportError(f"{run} has none of summary.json, bot.log, trades.csv: not a run directory")
    summary, notes = _summary(run / "summary.json")
    log = read_run_log(run)
    book = read_book_series(run / "ws_lighter.jsonl")
    rows = read_trades(run / "trades.csv")
    fees = summary.get("fees") or {}
    if not fees:
        notes.append("summary.json records no fee rates: fees are shown as 0.")
    tf = trade_figures(rows, _float(fees.get("lighter_maker_bps")), _float(fees.get("hedge_taker_bps")))
    markets = list(summary.get("markets") or {}) or sorted({r.market for r in rows if r.market})
    if len(markets) > 1:
        notes.append(f"This run traded {len(markets)} markets ({', '.join(markets)}): the plots "
                     f"above the per-market sections show the first market's book and every "
                     f"market's fills together; each market then has a section of its own.")
    if not log.source:
        notes.append("Neither events.jsonl nor bot.log: no latencies, request rates or stream "
                     "events to show.")
    elif log.source != "events.jsonl":
        notes.append("No events.jsonl (a run from before it): latencies, request rates and "
                     "stream events are read from bot.log.")
    if not tf.makers:
        notes.append("No fills in this run: the quotes and the mid are shown, and there is no "
                     "latency, PnL split or markout to draw.")
    starts = [t for t in (log.first_ts, book.first_ts) if t is not None]
    # The report's own bot.log lines come after the run's last event: they are not read.
    ends = [t for t in (log.last_ts, book.last_ts, rows[-1].ts if rows else None) if t is not None]
    start_ts, end_ts = (min(starts) if starts else None), (max(ends) if ends else None)
    duration = end_ts - start_ts if start_ts is not None and end_ts is not None else None
    def timed(plot: figures.Plot) -> figures.Plot:
        return figures.set_span(plot, start_ts, end_ts)
    plots = [timed(figures.prices(book, tf, end_ts)),
             timed(figures.position_plot(rows, log, end_ts)),
             figures.latency_plot(log, summary.get("latency_ms") or {}),
             timed(figures.pnl_plot(rows, tf, book, end_ts)),
             timed(split_figures.split_over_time(tf)), split_figures.split_by_side(tf),
             figures.markout_plot(markouts(tf.makers, book.mid, book.last_ts)),
             timed(figures.requests_plot(log, summary))]
    if len(markets) > 1:
        plots += [timed(market_section(symbol, rows, log, end_ts, summary)) for symbol in markets]
    page = render(summary, header_rows(summary, duration, tf.volume_quote if rows else None),
                  plots, notes, str(run.resolve().name))
    out = run / REPORT_NAME
    temp = out.with_name(f".{REPORT_NAME}.tmp")
    temp.write_text(page, encoding="utf-8")
    temp.replace(out)
    return out


def market_section(symbol: str, rows, log, end_ts: float | None, summary: dict) -> figures.Plot:
    """One market of several: its positions over the run, its figures from summary.json."""
    lighter, hedge = log.start_by_market.get(symbol, (0.0, 0.0))
    own_log = replace(log, start_lighter_base=lighter, start_hedge_base=hedge)
    plot = figures.position_plot([r for r in rows if r.market == symbol], own_log, end_ts)
    facts = (summary.get("markets") or {}).get(symbol) or {}
    lit, hdg, pos = facts.get("lighter") or {}, facts.get("hedge") or {}, facts.get("position") or {}
    text = (f"{symbol} (hedged as {facts.get('hedge_symbol', '?')}): Lighter fills "
            f"{lit.get('fills', '-')} ({lit.get('filled_base', '-')}), hedges {hdg.get('orders', '-')} "
            f"({hdg.get('filled_base', '-')}), failures {hdg.get('failures', '-')}; net position "
            f"{pos.get('net_base', '-')} base; PnL {facts.get('pnl_quote', '-')} quote"
            + (f"; paused: {facts['paused']}" if facts.get("paused") else "") + ". "
            + plot.caption)
    return figures.Plot(f"market-{symbol}", f"Market {symbol}", text, plot.figure)


def _summary(path: Path) -> tuple[dict, list[str]]:
    if not path.exists():
        return {}, ["No summary.json: the run did not stop cleanly; the header is incomplete."]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return {}, [f"summary.json is unreadable ({type(exc).__name__}): the header is incomplete."]
    if not isinstance(data, dict):
        return {}, []
    if data.get("final") is False:
        return data, ["summary.json is not final: it was written while the run went (every "
                      "logging.summary_every_s), so the run is still going or was killed; its "
                      "figures stop at that write."]
    return data, []


def _float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0
