"""The CLI contract as a user meets it: real processes, real signals, exit codes."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from hedge.infra.run_files import LOGS_DIR_ENV

pytestmark = pytest.mark.slow   # each test starts run.py in its own process

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, timeout: float = 60, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=env)


def test_sim_prints_ready_lines_serves_and_stops_on_sigterm():
    proc = subprocess.Popen([sys.executable, "run.py", "sim", "--lighter-port", "0", "--hedge-port", "0",
                             "--seed", "3"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(2)]
        lighter = re.fullmatch(r"lighter sim ready (http://127\.0\.0\.1:\d+)\n", lines[0])
        hedge = re.fullmatch(r"hedge sim ready (http://127\.0\.0\.1:\d+)\n", lines[1])
        assert lighter and hedge, lines
        with urllib.request.urlopen(f"{lighter.group(1)}/api/v1/orderBookDetails", timeout=5) as resp:
            assert b'"ETH"' in resp.read()
        with urllib.request.urlopen(f"{hedge.group(1)}/fapi/v1/exchangeInfo", timeout=5) as resp:
            assert b'"ETHUSDT"' in resp.read()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sim_stops_cleanly_on_sigint():
    proc = subprocess.Popen([sys.executable, "run.py", "sim", "--lighter-port", "0", "--hedge-port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("lighter sim ready")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_unknown_fault_profile_is_refused_with_the_list():
    result = _run("sim", "--faults", "earthquake")
    assert result.returncode == 2
    assert "unknown fault profile 'earthquake'" in result.stderr
    assert "chaos" in result.stderr and "Traceback" not in result.stderr


def test_port_in_use_names_the_port_and_the_fix():
    proc = subprocess.Popen([sys.executable, "run.py", "sim", "--lighter-port", "0", "--hedge-port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = proc.stdout.readline().rsplit(":", 1)[1].strip()
        result = _run("sim", "--lighter-port", port, "--hedge-port", "0")
        assert result.returncode == 2
        assert f"port {port}" in result.stderr and "already in use" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_missing_config_is_a_user_error_not_a_traceback():
    result = _run("run", "--config", "config/does-not-exist.yaml")
    assert result.returncode == 2
    assert "config/does-not-exist.yaml" in result.stderr and "not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_config_value_names_the_key_and_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("strategy:\n  order_sise: 0.01\n  pricing: greedy\n")
    result = _run("run", "--config", str(bad))
    assert result.returncode == 2
    assert "strategy.order_sise" in result.stderr and "order_size" in result.stderr
    assert "strategy.pricing" in result.stderr and "Traceback" not in result.stderr


def test_paper_mode_starts_its_own_venues_and_exits_zero_by_itself(tmp_path):
    """`python run.py run` as a user types it (config/paper.yaml, `logging.dir: logs`), its
    logs sent elsewhere by HEDGE_LOGS_DIR; `diagnose` with no argument reads that run."""
    env = {**os.environ, LOGS_DIR_ENV: str(tmp_path / "logs")}
    result = _run("run", "--duration", "3", timeout=120, env=env)   # a hang fails as TimeoutExpired
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert re.search(r"run \S+: duration; lighter fills \d+", result.stdout), result.stdout
    latest = tmp_path / "logs" / "latest"
    assert json.loads((latest / "summary.json").read_text())["exit_reason"] == "duration"
    diagnosed = _run("diagnose", "--json", env=env)
    assert json.loads(diagnosed.stdout)["run_dir"] == str(latest), diagnosed.stdout[-2000:]


def test_unknown_market_is_refused_with_the_markets_that_exist(tmp_path):
    config = tmp_path / "doge.yaml"
    config.write_text(f"lighter:\n  market: XMR\nlogging:\n  dir: {tmp_path / 'logs'}\n")
    result = _run("run", "--config", str(config), "--duration", "5", timeout=90)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "XMR" in result.stderr and "ETH" in result.stderr and "BTC" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_ccxt_exchange_is_refused_with_the_ids_that_exist(tmp_path):
    config = tmp_path / "typo.yaml"
    config.write_text(f"hedge:\n  exchange: binanceusdn\nlogging:\n  dir: {tmp_path / 'logs'}\n")
    result = _run("run", "--config", str(config), "--duration", "5", timeout=90)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "binanceusdn" in result.stderr and "binanceusdm" in result.stderr
    assert "Traceback" not in result.stderr
