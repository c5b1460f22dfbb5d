"""canary and markets against the local venues (paper config: the venues start in a child)."""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest

from hedge.adapters.lighter.markets import UnknownMarketError
from hedge.cli.commands import canary_report, canary_reports
from hedge.diagnostics.canary import CanaryOptions
from hedge.infra.config import load_config
from tests.diagnostics.conftest import REPO, paper_config

pytestmark = pytest.mark.slow   # paper venues in a child process, or run.py itself


def test_canary_passes_and_leaves_nothing_resting(tmp_path):
    out = tmp_path / "canary.json"
    result = subprocess.run([sys.executable, "run.py", "canary", "--config", "config/paper.yaml",
                             "--out", str(out)], cwd=REPO, capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(out.read_text())
    assert report == json.loads(result.stdout)
    assert report["compliance_pass"] is True and report["terminal_state"] == "canceled"
    assert report["resting_after"] == 0 and report["rejection_reason"] is None
    names = [s["name"] for s in report["steps"]]
    assert names == ["session", "hedge_read_only", "account_stream", "place_post_only", "seen_open",
                     "cancel", "seen_canceled", "rest_confirms"]
    assert all(s["ok"] and s["duration_ms"] >= 0 for s in report["steps"])
    assert Decimal(report["hedge"]["balance"]) > 0


async def test_canary_reports_the_rejection_reason(tmp_path):
    config = load_config(paper_config(tmp_path, "canary"), {})
    report = await canary_report(config, CanaryOptions(size=Decimal("0.0010")))   # below the minimum
    d = report.to_dict()
    assert d["compliance_pass"] is False and d["terminal_state"] == "rejected"
    assert "21706" in d["rejection_reason"], d
    assert d["resting_after"] == 0


async def test_canary_takes_a_markets_list_and_checks_each_on_its_own_hedge_symbol(tmp_path):
    config = load_config(REPO / "config" / "paper-multi.yaml", {"logging.dir": str(tmp_path)})
    reports = await canary_reports(config, markets=["SOL", "BTC"])
    assert [(r.market, r.terminal_state, r.resting_after, r.hedge["symbol"]) for r in reports] == [
        ("SOL", "canceled", 0, "SOL/USDT:USDT"), ("BTC", "canceled", 0, "BTC/USDT:USDT")]
    assert all(r.compliance_pass for r in reports)
    with pytest.raises(UnknownMarketError, match="DOGE: not a market of this config"):
        await canary_reports(config, markets=["DOGE"])


def test_markets_table_lists_eth_and_btc():
    result = subprocess.run([sys.executable, "run.py", "markets", "--config", "config/paper.yaml"],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0][:6] == ["symbol", "id", "tick", "lot", "min_base", "min_quote"]
    by_symbol = {r[0]: r for r in rows[1:]}
    assert by_symbol["ETH"][1:5] == ["0", "0.01", "0.0001", "0.0050"]
    assert by_symbol["BTC"][1:5] == ["1", "0.1", "0.00001", "0.00020"]


def test_canary_without_config_file_is_a_one_line_error(tmp_path):
    result = subprocess.run([sys.executable, "run.py", "canary", "--config", str(tmp_path / "no.yaml")],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
