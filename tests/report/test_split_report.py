"""The report's five-way split plots, the requests-per-minute of a partial first minute, and a
quote still resting at the end drawn to the end."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal as D

import pytest

from hedge.core.fill_split import HedgeSplit, fill_split
from hedge.infra.run_files import TradesCsv
from hedge.report import figures, split_figures
from hedge.report.book_series import BookSeries
from hedge.report.build import build_report
from hedge.report.trades import read_trades, trade_figures
from tests.report.run_dir import SUMMARY, T0, write_run_dir


def _split(side: str, price: str, hedge: str, assumed: str, at_fill: str) -> HedgeSplit:
    s = fill_split(side, D(price), D(hedge), D(assumed), D(at_fill), D(at_fill), D(0), D(4))
    return HedgeSplit(side, D(price), D(assumed), D(at_fill), D(at_fill), s)


def _write(path) -> list[HedgeSplit]:
    at = [datetime.fromtimestamp(T0 + i, timezone.utc) for i in range(4)]
    splits = [_split("bid", "2999", "3000", "3000.5", "3000.2"),
              _split("ask", "3001", "3000.4", "3000", "3000.3")]
    with TradesCsv(path) as trades:
        trades.maker_fill("bid", D("0.01"), D("2999"), "1-0.01", ts=at[0])
        trades.hedge_fill("x", "sell", D("0.01"), D("3000"), "1-0.01", "lh-1", ts=at[1],
                          split=splits[0])
        trades.maker_fill("ask", D("0.01"), D("3001"), "2-0.01", ts=at[2])
        trades.hedge_fill("x", "buy", D("0.01"), D("3000.4"), "2-0.01", "lh-2", ts=at[3],
                          split=splits[1])
    return splits


def test_the_split_over_time_adds_up_to_the_hedged_pnl(tmp_path):
    splits = _write(tmp_path / "trades.csv")
    tf = trade_figures(read_trades(tmp_path / "trades.csv"), 0, 4)
    plot = split_figures.split_over_time(tf)
    traces = {t.name: list(t.y) for t in plot.figure.data}
    terms = [traces[t][-1] for t in ("spread", "adverse", "latency", "execution", "fees")]
    pnl = (3000 - 2999) * 0.01 + (3001 - 3000.4) * 0.01 - (30.0 + 30.004) * 4 / 10_000
    assert sum(terms) == pytest.approx(traces["sum (hedged PnL)"][-1])
    assert traces["sum (hedged PnL)"][-1] == pytest.approx(pnl, abs=1e-5)
    assert traces["spread"][0] == pytest.approx(float(splits[0].split.spread_bps) * 30 / 10_000)


def test_the_split_by_side_shows_each_sides_mean(tmp_path):
    splits = _write(tmp_path / "trades.csv")
    tf = trade_figures(read_trades(tmp_path / "trades.csv"), 0, 4)
    bars = {t.name: list(t.y) for t in split_figures.split_by_side(tf).figure.data}
    assert bars["bid fills (n=1)"][1] == pytest.approx(float(splits[0].split.adverse_bps), abs=1e-6)
    assert bars["ask fills (n=1)"][1] == pytest.approx(float(splits[1].split.adverse_bps), abs=1e-6)
    assert bars["ask fills (n=1)"][-1] == pytest.approx(float(splits[1].split.total_bps), abs=1e-5)


def test_the_report_carries_the_split_plots(tmp_path):
    run = write_run_dir(tmp_path / "logs" / SUMMARY["run_id"])
    (run / "trades.csv").unlink()
    _write(run / "trades.csv")
    page = build_report(run).read_text()
    assert 'id="plot-split-time"' in page and 'id="plot-split-side"' in page


def test_a_full_minute_of_requests_is_its_rate_and_a_partial_one_is_not_extrapolated():
    points = [(T0 + 5 * n, 3 * n) for n in range(1, 25)]          # 3 every 5 s for 2 minutes
    ts, rates = figures._rate_per_min(points, T0)
    assert rates[:3] == [3, 6, 9]                                  # 8 s of a run: never 150/min
    assert all(rate == pytest.approx(36) for t, rate in zip(ts, rates) if t - T0 >= 60)
    assert max(rates) == pytest.approx(36)


def test_a_quote_still_resting_is_drawn_to_the_end_of_the_run():
    book = BookSeries()
    book.mid.add(T0, 3000.0)
    book.our_bid.add(T0 + 1, 2999.0)
    book.our_ask.add(T0 + 1, 3001.0)
    book.our_ask.add(T0 + 5, None)                                 # the ask was taken down
    plot = figures.prices(book, trade_figures([], 0, 0), T0 + 40)
    lines = {t.name: t for t in plot.figure.data}
    assert lines["our bid"].x[-1] == figures._times([T0 + 40])[0]
    assert lines["our bid"].y[-1] == 2999.0
    assert lines["our ask"].x[-1] == figures._times([T0 + 5])[0]   # not drawn on once down
