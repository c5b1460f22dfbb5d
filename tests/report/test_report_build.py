"""The run report from a small hand-made run directory: every figure it derives is known."""
from __future__ import annotations

import json
import re
import shutil

import pytest

from hedge.cli.main import main
from hedge.report import figures
from hedge.report.book_series import read_book_series
from hedge.report.build import ReportError, build_report
from hedge.report.markouts import markouts
from hedge.report.run_log import read_run_log
from hedge.report.trades import read_trades, trade_figures
from tests.report.run_dir import SUMMARY, T0, write_run_dir


@pytest.fixture
def run_dir(tmp_path):
    return write_run_dir(tmp_path / "logs" / SUMMARY["run_id"])


def test_pnl_split_spread_slippage_fees(run_dir):
    tf = trade_figures(read_trades(run_dir / "trades.csv"), maker_fee_bps=0, taker_fee_bps=4)
    last = tf.pnl_steps[-1]
    assert tf.assumed_known
    assert last.spread == pytest.approx(0.015 + 0.010)        # (3000.5-2999)*.01 + (3001-3000)*.01
    assert last.slippage == pytest.approx(-0.005 - 0.012)     # sold 0.5 lower, bought 1.2 higher
    assert last.hedge_fees == pytest.approx((30.00 + 30.012) * 4 / 10_000)
    assert last.lighter_fees == 0
    assert tf.volume_quote == pytest.approx(29.99 + 30.01)


def test_without_the_assumed_price_the_hedge_fill_stands_in(run_dir):
    text = (run_dir / "trades.csv").read_text().replace(",3000.50", ",").replace(",3000.00\n", ",\n")
    (run_dir / "trades.csv").write_text(text)
    tf = trade_figures(read_trades(run_dir / "trades.csv"), 0, 4)
    assert not tf.assumed_known
    assert tf.pnl_steps[-1].slippage == 0
    assert tf.pnl_steps[-1].spread == pytest.approx((3000 - 2999) * 0.01 + (3001 - 3001.2) * 0.01)


def test_mid_quotes_and_markouts_from_the_recorded_frames(run_dir):
    book = read_book_series(run_dir / "ws_lighter.jsonl")
    assert book.mid.at(T0 + 5) == 3000 and book.mid.at(T0 + 15) == 3001 and book.mid.at(T0 + 25) == 2999
    assert book.our_bid.at(T0 + 1) == 2999 and book.our_bid.at(T0 + 6) is None
    assert book.our_ask.at(T0 + 6) == 3001 and book.our_ask.at(T0 + 13) is None
    found = {(m.horizon_s, m.side): m for m in markouts(
        [r for r in read_trades(run_dir / "trades.csv") if r.role == "maker"], book.mid, book.last_ts)}
    assert found[(1, "bid")].mean_bps == pytest.approx(1 / 2999 * 10_000)
    assert found[(5, "bid")].mean_bps == pytest.approx(2 / 2999 * 10_000)
    assert found[(30, "bid")].mean_bps == pytest.approx(0)
    assert found[(5, "ask")].mean_bps == pytest.approx(0) and found[(5, "ask")].n == 1
    assert found[(30, "ask")].n == 0                           # 12 s + 30 s runs past the end


def test_requests_per_minute_from_the_status_lines(run_dir):
    plot = figures.requests_plot(read_run_log(run_dir), SUMMARY)
    rates = plot.figure.data[0].y
    # 3 tx every 5 s in a 40 s run: what was sent in the (partial) first minute, not 36/min.
    assert list(rates) == [3 * n for n in range(1, 9)]
    assert any(trace.name == "stream events" for trace in plot.figure.data)  # the reconnect


def test_report_html_is_self_contained_and_its_header_is_summary_json(run_dir):
    page = build_report(run_dir).read_text()
    assert not re.search(r"<script[^>]+src=", page), "the page must not load any script"
    assert "cdn" not in re.sub(r"<script.*?</script>", "", page, flags=re.S).lower()
    for key in ("prices", "positions", "latency", "pnl", "markouts", "requests"):
        assert f'id="plot-{key}"' in page, key
    cells = dict(re.findall(r'<td data-key="(\w+)">(.*?)</td>', page))
    assert cells["run_id"] == SUMMARY["run_id"] and cells["exit_reason"] == "duration"
    assert cells["fills"] == "2" and cells["pnl_quote"] == SUMMARY["pnl_quote"]
    assert cells["max_unhedged_base"] == "0.0100" and cells["max_unhedged_ms"] == "20.5"
    assert cells["pnl_per_million"] == f"{-0.004002 / 60 * 1e6:.2f}"
    assert cells["duration"] == "40.0 s"


def test_a_run_without_fills_gets_a_report_that_says_so(tmp_path):
    run = write_run_dir(tmp_path / "run", fills=False)
    page = build_report(run).read_text()
    assert "No fills in this run" in page
    assert 'id="plot-prices"' in page and 'data-plot-empty="latency"' in page


def test_a_copied_run_dir_with_files_missing_still_reports(run_dir, tmp_path):
    copy = tmp_path / "elsewhere" / "copied"
    shutil.copytree(run_dir, copy)
    (copy / "ws_lighter.jsonl").unlink()
    (copy / "summary.json").unlink()
    page = build_report(copy).read_text()
    assert "No summary.json" in page and 'id="plot-positions"' in page


def test_report_command_prints_the_path_and_refuses_a_non_run_dir(run_dir, tmp_path, capsys):
    assert main(["report", str(run_dir)]) == 0
    assert capsys.readouterr().out.strip() == str(run_dir / "report.html")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["report", str(empty)]) == 2
    assert "not a run directory" in capsys.readouterr().err
    with pytest.raises(ReportError):
        build_report(tmp_path / "missing")


def test_a_failing_report_is_logged_and_never_fails_the_run(tmp_path, capsys):
    from hedge.app.run_command import _write_report

    def broken(run_dir):
        raise RuntimeError("plot broke")
    _write_report(broken, tmp_path)            # no exception
    assert "report:" not in capsys.readouterr().out


def test_a_run_of_several_markets_gets_a_section_per_market(run_dir):
    """The hand-made run, its second fill moved to BTC: each market's own positions and figures."""
    rows = (run_dir / "trades.csv").read_text().splitlines()
    rows[0] += ",market"
    rows[1:] = [row + (",BTC" if row.split(",")[6] == "2-0.01" else ",ETH") for row in rows[1:]]
    (run_dir / "trades.csv").write_text("\n".join(rows) + "\n")
    log = (run_dir / "bot.log").read_text().replace(
        "startup reconciled: lighter 0 hedge 0", "startup reconciled ETH: lighter 0 hedge 0")
    (run_dir / "bot.log").write_text(log)
    summary = json.loads((run_dir / "summary.json").read_text())
    summary["markets"] = {
        "ETH": {"hedge_symbol": "ETH/USDT:USDT", "paused": "", "lighter": {"fills": 1, "filled_base": "0.01"},
                "hedge": {"orders": 1, "filled_base": "0.01", "failures": 0},
                "position": {"net_base": "0"}, "pnl_quote": "0.01"},
        "BTC": {"hedge_symbol": "BTC/USDT:USDT", "paused": "loss (-21 < -20)",
                "lighter": {"fills": 1, "filled_base": "0.01"},
                "hedge": {"orders": 1, "filled_base": "0.01", "failures": 0},
                "position": {"net_base": "0"}, "pnl_quote": "-21"}}
    (run_dir / "summary.json").write_text(json.dumps(summary))
    html = build_report(run_dir).read_text()
    assert 'data-plot="market-ETH"' in html and 'data-plot="market-BTC"' in html
    assert "ETH (hedged as ETH/USDT:USDT): Lighter fills 1" in html
    assert "PnL -21 quote; paused: loss (-21 &lt; -20)" in html
    assert read_run_log(run_dir).start_by_market == {"ETH": (0.0, 0.0)}
