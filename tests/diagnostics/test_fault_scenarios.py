"""Each fault profile, run for real against the local venues, is diagnosed as its scenario."""
from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from hedge.diagnostics.diagnose_command import diagnose_run
from hedge.diagnostics.replay import replay_path
from tests.diagnostics.conftest import REPO

pytestmark = pytest.mark.slow   # judges real bot runs (the fault_runs fixture) or runs run.py

EXPECTED = {
    "refuse_ws": "no_connection",
    "reject_auth": "auth_failed",
    "mute_account_orders": "no_account_updates",
    "no_taker_flow": "no_fills",
    "reject_hedges": "fills_not_hedged",
}


def diagnose_cli(run_dir, *flags) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", "diagnose", str(run_dir), *flags], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("profile", sorted(EXPECTED))
def test_fault_profile_is_diagnosed_as_its_scenario(fault_runs, profile):
    diagnosis = diagnose_run(fault_runs[profile])
    assert diagnosis.scenario == EXPECTED[profile], diagnosis.to_dict()
    failing = [c for c in diagnosis.checks if not c.ok]
    assert len(failing) == 1 and failing[0].evidence


def test_reject_hedges_findings_name_the_refusal_and_the_kill_switch(fault_runs):
    found = {f.id: f for f in diagnose_run(fault_runs["reject_hedges"]).findings}
    assert "-2019" in found["hedge_failures"].evidence
    assert "kill_switch" in found


def test_refuse_ws_evidence_names_the_http_status(fault_runs):
    check = diagnose_run(fault_runs["refuse_ws"]).checks[0]
    assert check.name == "connected" and "503" in check.evidence


def test_reject_auth_evidence_shows_20013(fault_runs):
    checks = diagnose_run(fault_runs["reject_auth"]).checks
    assert checks[-1].name.startswith("subscribed account_orders") and "20013" in checks[-1].evidence


def test_healthy_run_exits_zero_with_json(fault_runs):
    result = diagnose_cli(fault_runs["none"], "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 0, report
    assert report["scenario"] == "healthy"
    assert {"name", "ok", "evidence"} <= set(report["checks"][0])
    assert all(c["ok"] for c in report["checks"]) and len(report["checks"]) == 6
    assert isinstance(report["findings"], list)


def test_unhealthy_run_exits_one_and_prints_the_guide(fault_runs):
    result = diagnose_cli(fault_runs["no_taker_flow"])
    assert result.returncode == 1
    assert "scenario: no_fills" in result.stdout
    assert "docs/DIAGNOSTIC_GUIDE.md#no_fills" in result.stdout


def test_missing_run_dir_is_one_line_and_exit_2(tmp_path):
    result = diagnose_cli(tmp_path / "nope")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_replay_of_a_run_finds_exactly_its_fills(fault_runs):
    run = fault_runs["none"]
    summary = json.loads((run / "summary.json").read_text())
    with open(run / "trades.csv", newline="") as fh:
        maker_keys = [row["fill_key"] for row in csv.DictReader(fh) if row["role"] == "maker"]
    report = replay_path(run / "ws_lighter.jsonl")
    assert summary["lighter"]["fills"] > 0
    assert len(report.fills) == summary["lighter"]["fills"]
    assert sorted(d.fill_id for d in report.fills) == sorted(maker_keys)
    assert report.malformed_lines == 0 and report.unexpected == []
    assert report.book_resyncs == [] and report.books[0]["state"] == "live"


def test_replay_cli_prints_the_fills(fault_runs):
    run = fault_runs["reject_hedges"]
    result = subprocess.run([sys.executable, "run.py", "replay", str(run / "ws_lighter.jsonl")],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    fills = json.loads((run / "summary.json").read_text())["lighter"]["fills"]
    assert f"fills: {fills}" in result.stdout
