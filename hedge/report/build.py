"""`python run.py report [RUN_DIR]`: read a run's files, write RUN_DIR/report.html."""
from __future__ import annotations

import json
from pathlib import Path

from hedge.report import figures
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
    log = read_run_log(run / "bot.log")
    book = read_book_series(run / "ws_lighter.jsonl")
    rows = read_trades(run / "trades.csv")
    fees = summary.get("fees") or {}
    if not fees:
        notes.append("summary.json records no fee rates: fees are shown as 0.")
    tf = trade_figures(rows, _float(fees.get("lighter_maker_bps")), _float(fees.get("hedge_taker_bps")))
    markets = sorted({r.market for r in rows if r.market})
    if len(markets) > 1:
        notes.append(f"This run traded {len(markets)} markets ({', '.join(markets)}): the plots show "
                     f"the first market's book and every market's fills together.")
    if not tf.makers:
        notes.append("No fills in this run: the quotes and the mid are shown, and there is no "
                     "latency, PnL split or markout to draw.")
    starts = [t for t in (log.first_ts, book.first_ts) if t is not None]
    ends = [t for t in (log.last_ts, book.last_ts, rows[-1].ts if rows else None) if t is not None]
    start_ts, end_ts = (min(starts) if starts else None), (max(ends) if ends else None)
    if log.summary_ts is not None:       # lines after the summary (the report's own) are not the run
        end_ts = log.summary_ts
    duration = end_ts - start_ts if start_ts is not None and end_ts is not None else None
    def timed(plot: figures.Plot) -> figures.Plot:
        return figures.set_span(plot, start_ts, end_ts)
    plots = [timed(figures.prices(book, tf)),
             timed(figures.position_plot(rows, log, end_ts)),
             figures.latency_plot(log, summary.get("latency_ms") or {}),
             timed(figures.pnl_plot(rows, tf, book, end_ts)),
             figures.markout_plot(markouts(tf.makers, book.mid, book.last_ts)),
             timed(figures.requests_plot(log, summary))]
    page = render(summary, header_rows(summary, duration, tf.volume_quote if rows else None),
                  plots, notes, str(run.resolve().name))
    out = run / REPORT_NAME
    temp = out.with_name(f".{REPORT_NAME}.tmp")
    temp.write_text(page, encoding="utf-8")
    temp.replace(out)
    return out


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
