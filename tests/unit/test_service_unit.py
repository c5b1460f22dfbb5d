"""deploy/lighter-hedge.service: a copy pointed at this checkout passes `systemd-analyze verify`
(where the tool exists), and its restart and stop settings are the ones docs/OPERATIONS.md
promises."""
from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hedge.app.lifecycle import wait_for_hedges
from hedge.app.summary_markets import STOP_STEP_TIMEOUT_S

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "lighter-hedge.service"
INSTALLED = "/opt/lighter-hedge"


def service_section(text: str) -> dict[str, str]:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string(text)
    return dict(parser["Service"])


def test_the_unit_restarts_on_a_crash_and_outwaits_the_stop_sequence():
    service = service_section(UNIT.read_text())
    assert service["Restart"] == "on-failure" and int(service["RestartSec"]) >= 5
    assert set(service["RestartPreventExitStatus"].split()) == {"1", "2"}   # bot-decided stops
    assert service["EnvironmentFile"].startswith("/etc/")
    assert service["KillSignal"] == "SIGTERM" and "--duration 0" in service["ExecStart"]
    # The stop sequence's venue steps are each bounded: reconcile, abort, two summary reads
    # per market, the hedges' wait; the unit must wait longer than all of them.
    hedges_s = wait_for_hedges.__defaults__[0]
    stop_sequence_s = 4 * STOP_STEP_TIMEOUT_S + 2 * hedges_s
    assert int(service["TimeoutStopSec"]) > stop_sequence_s


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_a_copy_pointed_at_this_checkout_passes_systemd_analyze_verify(tmp_path):
    env = tmp_path / "env"
    env.write_text("LIGHTER_API_PRIVATE_KEY=\n")
    text = (UNIT.read_text()
            .replace(f"{INSTALLED}/.venv/bin/python", sys.executable)
            .replace("/etc/lighter-hedge/env", str(env))
            .replace(INSTALLED, str(ROOT)))
    text = "\n".join("User=root" if line.startswith("User=") else
                     "Group=root" if line.startswith("Group=") else line
                     for line in text.splitlines()) + "\n"
    copy = tmp_path / "lighter-hedge.service"
    copy.write_text(text)
    assert sys.executable in service_section(text)["ExecStart"]
    result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True,
                            text=True, timeout=60)
    complaints = [line for line in (result.stdout + result.stderr).splitlines()
                  if copy.name in line]               # what it says about this unit, not the host's
    assert result.returncode == 0 and not complaints, result.stdout + result.stderr
