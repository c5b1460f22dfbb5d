"""The report opened in a real headless Chromium: every plot draws its points, no script error,
the header is summary.json's. A screenshot is kept beside each test's output (tmp_path). The
paper run is in the test's loop; its stop is the run's own SIGTERM handler."""
from __future__ import annotations

import asyncio
import json

import pytest

from hedge.report.build import build_report
from hedge.sim.lighter import market_life
from tests.app.bot_process import (register_bot, start_in_process, sweep_the_bid, wait_for_log,
                                   write_config)
from tests.report.browser import browser_or_skip, render
from tests.report.run_dir import SUMMARY, write_run_dir
from tests.sim.ccxt_loopback import freeze_prices

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
PLOTS = ("prices", "positions", "latency", "pnl", "markouts", "requests")


def header_matches_summary(header: dict[str, str], summary: dict) -> None:
    assert header["run_id"] == summary["run_id"]
    assert header["exit_reason"] == summary["exit_reason"]
    assert header["fills"] == str(summary["lighter"]["fills"])
    assert header["filled_base"] == summary["lighter"]["filled_base"]
    assert header["pnl_quote"] == summary["pnl_quote"]
    assert header["max_unhedged_base"] == summary["reliability"]["max_unhedged_base"]
    assert header["max_unhedged_ms"] == str(summary["reliability"]["max_unhedged_ms"])
    volume = float(summary["lighter"]["volume_quote"])
    if volume:
        assert header["pnl_per_million"] == f"{float(summary['pnl_quote']) / volume * 1e6:.2f}"


def test_hand_made_run_report_renders_every_plot_in_chromium(tmp_path):
    browser_or_skip()
    run = write_run_dir(tmp_path / "run")
    shown = render(build_report(run), tmp_path)
    assert shown.errors == [] and shown.console_errors == []
    for key in PLOTS:
        plot = shown.plots[key]
        assert plot is not None and plot["points"] > 0 and plot["drawn"] > 0, (key, plot)
    header_matches_summary(shown.header, SUMMARY)
    assert shown.screenshot.stat().st_size > 10_000


@pytest.fixture(autouse=True)
def busy_market(monkeypatch):
    """More takers than the default, so a short run sees several fills."""
    monkeypatch.setattr(market_life, "TAKERS_PER_S", 10.0)


async def test_a_paper_runs_report_is_written_at_the_end_and_renders(venues, tmp_path,
                                                                    monkeypatch, capsys):
    browser_or_skip()
    account = await register_bot(venues)
    config = write_config(tmp_path, account, duration_s=0)
    pins = freeze_prices(venues.prices)
    bot = await start_in_process(config, account, monkeypatch, report=True)
    try:
        await sweep_the_bid(venues, pins, account.account_index)
        await wait_for_log(tmp_path / "logs", r"\[HEDGE\] ack .* filled", timeout_s=60)
        await asyncio.sleep(6)                      # a markout horizon and a status line more
    finally:
        bot.stop()
        code = await bot.wait(60)
    assert code == 0
    out = capsys.readouterr().out.strip().splitlines()
    run = (tmp_path / "logs" / "latest").resolve()
    report = tmp_path / "logs" / run.name / "report.html"
    assert out[-1] == f"report: {report}", out[-3:]          # the run ends with the report's path
    summary = json.loads((run / "summary.json").read_text())
    assert summary["lighter"]["fills"] >= 1
    shown = render(report, tmp_path)
    assert shown.errors == [] and shown.console_errors == []
    for key in PLOTS:
        plot = shown.plots[key]
        assert plot is not None and plot["points"] > 0 and plot["drawn"] > 0, (key, plot)
    header_matches_summary(shown.header, summary)
