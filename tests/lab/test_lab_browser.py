"""lab.html opened in a real headless Chromium: every plot draws, no script error. Slow: it
starts the browser (a process) twice."""
from __future__ import annotations

import pytest

from hedge.lab.command import LabOptions, run_lab
from tests.report.browser import browser_or_skip, render

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_lab_page_draws_every_plot_in_chromium(tmp_path):
    browser_or_skip()
    out = tmp_path / "out"
    run_lab(LabOptions(model="config/models/alt-wide.yaml", hours=0.005, seeds=[1],
                       sets=["strategy.min_profit_bps=0..4", "strategy.refresh_tolerance_bps=1,3"],
                       search=4, out=out))
    shown = render(out / "lab.html", tmp_path)
    assert shown.errors == [] and shown.console_errors == []
    for key in ("pnl_vs_volume", "markouts", "importance"):
        plot = shown.plots.get(key)
        assert plot is not None and plot["points"] > 0 and plot["drawn"] > 0, (key, shown.plots)
