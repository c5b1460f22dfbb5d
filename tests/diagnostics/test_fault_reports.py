"""Each fault profile's run ends with its report: written, last line of the output, and opened in
headless Chromium without a script error, every plot drawn or saying why it is empty, the header
equal to the run's summary.json."""
from __future__ import annotations

import json

import pytest

from tests.diagnostics.conftest import PROFILES
from tests.report.browser import browser_or_skip, render

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.mark.parametrize("profile", PROFILES)
def test_every_fault_profiles_run_has_a_report_that_renders(fault_runs, profile, tmp_path):
    browser_or_skip()
    run = fault_runs[profile]
    report = run / "report.html"
    assert report.exists(), f"{profile}: no report.html"
    out = (run.parents[1] / f"{profile}.out").read_text(errors="replace").strip().splitlines()
    assert out[-1] == f"report: {report}", out[-3:]
    shown = render(report, tmp_path)
    assert shown.errors == [] and shown.console_errors == [], (shown.errors, shown.console_errors)
    page = report.read_text()
    for key, plot in shown.plots.items():
        drawn = plot is not None and plot["points"] > 0 and plot["drawn"] > 0
        assert drawn or f'data-plot-empty="{key}"' in page, (profile, key, plot)
    summary = json.loads((run / "summary.json").read_text())
    assert shown.header["exit_reason"] == summary["exit_reason"]
    assert shown.header["fills"] == str(summary["lighter"]["fills"])
    assert shown.header["pnl_quote"] == summary["pnl_quote"]
    assert shown.header["max_unhedged_ms"] == str(summary["reliability"]["max_unhedged_ms"])
    if profile == "none" and summary["exit_reason"] == "duration":   # a run that traded
        assert shown.plots["prices"] and shown.plots["prices"]["points"] > 0
