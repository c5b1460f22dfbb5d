"""Fixtures for every test: the local venues on loopback, and the captured Lighter frames
(tests/fixtures/README.md says where each came from)."""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import ccxt.async_support
import freezegun
import pytest

from hedge.infra.run_files import LATEST, LOGS_DIR_ENV
from hedge.sim.runner import RunningVenues
from tests.app.bot_process import kill_leftovers
from tests.shared_venues import VenuePool, venue_pair

SAMPLES_DIR = Path(__file__).resolve().parent / "fixtures" / "lighter"
REPO_LATEST = Path(__file__).resolve().parents[1] / "logs" / LATEST
# ccxt's close() waits 250 ms for TLS connections to wind down; on loopback there is no TLS,
# and the tests close several clients each (about 0.5 s a hedging test).
ccxt.async_support.Exchange.timeout_on_exit = 0
# freezegun patches every loaded module that holds a clock function, and ccxt alone loads
# hundreds (about 0.4 s a freeze); the frozen code is ours, never a library's.
freezegun.configure(extend_ignore_list=["ccxt", "lighter", "optuna", "eth_account", "eth_utils",
                                        "eth_abi", "aiohttp", "websockets", "sqlalchemy",
                                        "plotly", "numpy", "loguru", "yaml", "Crypto"])
# The first test that uses `fault_runs` makes all six runs (two at a time) in its setup.
FAULT_RUNS_TIMEOUT_S = 400


def _latest_target() -> str | None:
    """Where the checkout's logs/latest points (None: there is none)."""
    if REPO_LATEST.is_symlink():
        return os.readlink(REPO_LATEST)
    return REPO_LATEST.read_text() if REPO_LATEST.is_file() else None


def pytest_configure(config):
    """Where the environment asks Python not to write bytecode (PYTHONDONTWRITEBYTECODE),
    every process of every run would compile and assertion-rewrite each test module again
    (about 6 s of each collection): the test processes keep theirs (in __pycache__, ignored
    by git); the bot processes they start follow the environment.

    Every bot run a test starts, in this process or a child, writes under a temporary
    directory (HEDGE_LOGS_DIR), never into the user's logs/; a test that names its own
    `logging.dir` (tmp_path) still gets it where the bot runs in-process."""
    sys.dont_write_bytecode = False
    config._user_latest = _latest_target()
    config._logs_tmp = tempfile.mkdtemp(prefix="hedge-test-logs-")
    config._logs_env_before = os.environ.get(LOGS_DIR_ENV)
    os.environ[LOGS_DIR_ENV] = config._logs_tmp


def pytest_unconfigure(config):
    before = getattr(config, "_logs_env_before", None)
    if before is None:
        os.environ.pop(LOGS_DIR_ENV, None)
    else:
        os.environ[LOGS_DIR_ENV] = before
    shutil.rmtree(getattr(config, "_logs_tmp", ""), ignore_errors=True)


def pytest_sessionfinish(session, exitstatus):
    """The suite fails if a test run moved the checkout's logs/latest."""
    if hasattr(session.config, "workerinput"):
        return                     # the controller checks once, after every worker
    now = _latest_target()
    if now != session.config._user_latest:
        session.config.get_terminal_writer().line(
            f"error: a test moved {REPO_LATEST} (now -> {now}); every bot run in a test must "
            f"write under tmp_path or ${LOGS_DIR_ENV}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def no_bot_left_running():
    """Whatever a test did, no bot process it started outlives it."""
    yield
    kill_leftovers()


@pytest.fixture(scope="session")
def venue_pool():
    """This process's shared venue pairs (tests/shared_venues.py), stopped at the end."""
    pool = VenuePool()
    yield pool
    pool.stop()


@pytest.fixture
async def venues(request) -> RunningVenues:
    """Both local venues (binanceusdm on the hedge side), no faults, seed 7: the shared pair,
    reset after the test (accounts kept: register your own), or a fresh one (`fresh_venue`)."""
    async for running in venue_pair(request):
        yield running


def load_sample(name: str):
    """A captured frame from tests/fixtures/lighter (Qubx wrappers unwrapped)."""
    data = json.loads((SAMPLES_DIR / name).read_text())
    if isinstance(data, dict) and "data" in data and ("captured_at" in data or "message_number" in data):
        return data["data"]
    return data


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """A test that needs real bot runs (the fault_runs fixture) must be marked slow, or the
    fast suite (`-m "not slow"`) would start the bot after all. First of the hooks: xdist's
    worker reads the `xdist_group` marks in its own hook, registered after this conftest (so
    called before it, without `tryfirst`: the fault runs were made once on each worker)."""
    unmarked = [item.nodeid for item in items
                if "fault_runs" in getattr(item, "fixturenames", ())
                and item.get_closest_marker("slow") is None]
    if unmarked:
        raise pytest.UsageError("mark these tests @pytest.mark.slow (they use fault_runs): "
                                + ", ".join(unmarked))
    for item in items:       # one worker makes the session's fault runs, and runs the matrix
        if "fault_runs" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.timeout(FAULT_RUNS_TIMEOUT_S))
        if "fault_runs" in getattr(item, "fixturenames", ()) or "reliability" in item.nodeid:
            item.add_marker(pytest.mark.xdist_group("bot_batches"))
    long_not_slow = [item.nodeid for item in items
                     if item.get_closest_marker("long") and not item.get_closest_marker("slow")]
    if long_not_slow:
        raise pytest.UsageError("a `long` test is `slow` too (so `-m \"not slow\"` never runs "
                                "it); add @pytest.mark.slow: " + ", ".join(long_not_slow))
