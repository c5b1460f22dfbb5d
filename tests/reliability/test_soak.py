"""bench/soak.py's short form: two minutes of the bot on a market running 20 times fast (40
simulated minutes). Judged by what the soak reads from the bot and the venues: every fill
hedged once, the frame record rotated into compressed parts, the run directory under its cap,
descriptors and tasks flat. The cap leaves room for the ~5 MB report.html written at the stop
(the cap's deletions are tested in tests/infra/test_frame_rotation.py). The 30-minute figures (docs/PERFORMANCE.md) come from the full run."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = ("rss_mb_start", "rss_mb_end", "fds_start", "fds_end", "tasks_start", "tasks_end",
        "run_dir_mb", "max_run_mb", "frames", "sim_hours", "fills", "fills_lost", "double_hedges")

pytestmark = [pytest.mark.long, pytest.mark.slow, pytest.mark.timeout(600)]


def test_a_two_minute_soak_keeps_its_bounds_and_every_fill(tmp_path):
    done = subprocess.run([sys.executable, "bench/soak.py", "--minutes", "2", "--speed", "20",
                           "--out", str(tmp_path), "--rotate-mb", "2", "--max-run-mb", "20",
                           "--json"], cwd=ROOT, capture_output=True, text=True, timeout=540)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(KEYS) <= set(result)
    assert result["final"] is True and result["exit_reason"] == "duration"
    assert result["fills"] >= 1 and (result["fills_lost"], result["double_hedges"]) == (0, 0)
    assert result["sim_hours"] >= 0.5                      # the market ran ~20x the wall clock
    assert result["frame_parts"] and result["run_dir_mb"] <= result["max_run_mb"]
    assert result["fds_end"] <= result["fds_start"] + 3
    assert result["tasks_end"] <= result["tasks_start"] + 5
    assert result["rss_mb_end"] <= result["rss_mb_start"] * 1.5
    saved = json.loads((tmp_path / "soak.json").read_text())
    assert len(saved["samples"]) >= 6 and (tmp_path / "soak.html").stat().st_size > 0
    run_dir = Path(result["run_dir"])
    assert run_dir.parent == tmp_path / "logs" and (run_dir / "summary.json").exists()
