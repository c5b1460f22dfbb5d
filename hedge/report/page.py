"""The HTML page: a header table of the run's figures, then each plot with its caption.

plotly.js is embedded once, inline, so the file opens offline and anywhere it is copied.
"""
from __future__ import annotations

import html
from datetime import datetime, timezone

from plotly.offline import get_plotlyjs

from hedge.report.figures import Plot

STYLE = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px} table.header{border-collapse:collapse;margin:12px 0 24px}
table.header td,table.header th{border:1px solid #ddd;padding:4px 10px;text-align:left;font-size:14px}
table.header th{background:#f4f4f4;font-weight:600} .note{background:#fff4d6;padding:8px 12px;border-radius:4px}
section{margin-bottom:28px} p.caption{color:#555;font-size:13px;margin:2px 0 0} .empty{color:#888;font-style:italic}
"""


def header_rows(summary: dict, duration_s: float | None, volume_quote: float | None) -> list[tuple[str, str, str]]:
    """(data-key, label, value): the values are summary.json's, as written there."""
    lighter, hedge = summary.get("lighter") or {}, summary.get("hedge") or {}
    rel, pos = summary.get("reliability") or {}, summary.get("position") or {}
    fees = summary.get("fees") or {}
    volume = lighter.get("volume_quote")
    volume_value = _float(volume) if volume is not None else volume_quote
    pnl = _float(summary.get("pnl_quote"))
    per_million = (f"{pnl / volume_value * 1e6:.2f}" if pnl is not None and volume_value
                   else "n/a (no volume)")
    rows = [
        ("run_id", "run id", summary.get("run_id", "?")),
        ("mode", "mode", summary.get("mode", "?")),
        ("duration", "duration", f"{duration_s:.1f} s" if duration_s is not None else "?"),
        ("exit_reason", "exit reason", summary.get("exit_reason", "? (no summary.json)")),
        ("fills", "Lighter fills", str(lighter.get("fills", "?"))),
        ("filled_base", "volume (base)", str(lighter.get("filled_base", "?"))),
        ("volume_quote", "volume (quote)", "?" if volume_value is None else f"{volume_value:.2f}"),
        ("hedges", "hedge orders / failures",
         f"{hedge.get('orders', '?')} / {hedge.get('failures', '?')}"),
        ("pnl_quote", "PnL (quote)", str(summary.get("pnl_quote", "?"))),
        ("pnl_per_million", "PnL per $1M volume", per_million),
        ("max_unhedged_base", "worst unhedged size (base)", str(rel.get("max_unhedged_base", "?"))),
        ("max_unhedged_ms", "worst unhedged age (ms)", str(rel.get("max_unhedged_ms", "?"))),
        ("net_base", "final positions Lighter / hedge / net",
         f"{pos.get('lighter_base', '?')} / {pos.get('hedge_base', '?')} / {pos.get('net_base', '?')}"),
    ]
    if fees:
        rows.append(("fees", "fees Lighter / hedge (quote)",
                     f"{fees.get('lighter_quote', '?')} / {fees.get('hedge_quote', '?')} "
                     f"(maker {fees.get('lighter_maker_bps', '?')} bps{_source(fees, 'lighter')}, "
                     f"taker {fees.get('hedge_taker_bps', '?')} bps{_source(fees, 'hedge')})"))
    return rows


def _source(fees: dict, venue: str) -> str:
    """Where the fee in force came from (summary.json's `*_source`), when the run records it."""
    key = "lighter_maker_source" if venue == "lighter" else "hedge_taker_source"
    return f" from {fees[key]}" if fees.get(key) else ""


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def render(summary: dict, rows: list[tuple[str, str, str]], plots: list[Plot], notes: list[str],
           source: str) -> str:
    table = "\n".join(f'<tr><th>{html.escape(label)}</th><td data-key="{key}">{html.escape(str(value))}'
                      f"</td></tr>" for key, label, value in rows)
    sections = []
    for index, plot in enumerate(plots):
        if plot.figure is None:
            body = f'<p class="empty" data-plot-empty="{plot.key}">{html.escape(plot.caption)}</p>'
        else:
            body = plot.figure.to_html(full_html=False, include_plotlyjs=False,
                                       div_id=f"plot-{plot.key}", config={"displaylogo": False})
            body += f'<p class="caption">{html.escape(plot.caption)}</p>'
        sections.append(f'<section data-plot="{plot.key}"><h2>{html.escape(plot.title)}</h2>{body}</section>')
    note_html = "".join(f'<p class="note">{html.escape(n)}</p>' for n in notes)
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    title = f"lighter-hedge run {summary.get('run_id', '')}"
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style><script type=\"text/javascript\">{get_plotlyjs()}</script></head>"
            f"<body><h1>{html.escape(title)}</h1>{note_html}<table class=\"header\">{table}</table>"
            f"{''.join(sections)}<p class=\"caption\">Built {made} from {html.escape(source)}.</p>"
            f"</body></html>\n")
