"""One real bot run per fault profile, two at a time, each in its own logs directory. A process:
the paper child's venues take the fault profile as `run.py sim` does, and exit codes show.
The first worker that needs them makes them, once per pytest run (`fault_runs`).

The runs use `pricing: join` (quotes at the best level) so that a short run sees fills when the
profile allows any. `refuse_ws` takes longest: the bot waits 15 s for a book, then gives up.
"""
from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PROFILES = ("none", "refuse_ws", "reject_auth", "mute_account_orders", "no_taker_flow",
            "reject_hedges")
DURATION_S = 12   # refuse_ws takes ~16 s anyway; a longer healthy run makes a fill certain
RUN_TIMEOUT_S = 90
# Two at a time (each run is a bot and its paper child): six at once on two cores ran past
# their deadline under load. A run starts as soon as a slot frees; the first test that uses
# them makes them all in its setup (tests/conftest.py gives those tests a longer timeout).
AT_ONCE = 2


# A refused hedge pauses its market; the fill it leaves unhedged trips the kill switch once it
# is this old: short, so that a fill late in the short run still ends in the kill.
RISK = {"reject_hedges": {"max_unhedged_age_ms": 2000}}


def paper_config(tmp: Path, name: str, **strategy) -> Path:
    config = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())
    config["logging"]["dir"] = str(tmp / f"logs-{name}")
    config["strategy"].update(strategy)
    config.setdefault("risk", {}).update(RISK.get(name, {}))
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def run_dir_of(logs: Path) -> Path:
    runs = sorted(p for p in logs.iterdir() if p.is_dir() and not p.is_symlink())
    assert len(runs) == 1, f"expected one run under {logs}, found {runs}"
    return runs[0]


@pytest.fixture(scope="session")
def fault_runs(tmp_path_factory) -> dict[str, Path]:
    """profile -> its run directory, after every run has stopped. Made once per pytest run:
    under xdist the first worker to ask makes them and the other waits on a lock file in the
    run's shared temporary root, then reads them (xdist 3.8's `xdist_group` does not keep these
    tests on one worker under pytest 9: it renames a node id pytest 9 no longer reads)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    tmp = root / "fault-runs"
    with open(root / "fault-runs.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (tmp / "done").exists():
            tmp.mkdir(exist_ok=True)
            _make_runs(tmp)
            (tmp / "done").write_text("")
    return {profile: run_dir_of(tmp / f"logs-{profile}") for profile in PROFILES}


def _make_runs(tmp: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for key in ("LIGHTER_ACCOUNT_INDEX", "LIGHTER_API_KEY_INDEX", "LIGHTER_API_PRIVATE_KEY",
                "HEDGE_API_KEY", "HEDGE_API_SECRET", "HEDGE_LOGS_DIR"):   # each run: its own dir
        env.pop(key, None)
    waiting, running = list(PROFILES), []
    while waiting or running:
        while waiting and len(running) < AT_ONCE:
            running.append(_start_run(tmp, waiting.pop(0), env))
        time.sleep(0.1)
        for run in [r for r in running if r.proc.poll() is not None
                    or time.monotonic() > r.deadline]:
            _finish(run)
            running.remove(run)


class _Run:
    def __init__(self, proc: subprocess.Popen, out) -> None:
        self.proc, self.out = proc, out
        self.deadline = time.monotonic() + RUN_TIMEOUT_S


def _start_run(tmp: Path, profile: str, env: dict[str, str]) -> _Run:
    config = paper_config(tmp, profile, pricing="join")
    out = open(tmp / f"{profile}.out", "wb")  # noqa: SIM115 - closed by _finish
    return _Run(subprocess.Popen(
        [sys.executable, "run.py", "run", "--config", str(config), "--duration",
         str(DURATION_S), "--faults", profile], cwd=REPO, stdout=out,
        stderr=subprocess.STDOUT, env=env), out)


def _finish(run: _Run) -> None:
    """Stopped (a run past its deadline is terminated: its run directory tells what it
    reached), its output closed."""
    if run.proc.poll() is None:
        run.proc.terminate()
        try:
            run.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            run.proc.kill()
            run.proc.wait()
    run.out.close()
