"""Fixtures for every test: the local venues on loopback, and the captured Lighter frames
(tests/fixtures/README.md says where each came from)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from hedge.sim.runner import RunningVenues, start_venues

SAMPLES_DIR = Path(__file__).resolve().parent / "fixtures" / "lighter"


@pytest.fixture
async def venues() -> RunningVenues:
    """Both local venues on free loopback ports, no faults, seed 7."""
    running = await start_venues(seed=7)
    try:
        yield running
    finally:
        await running.stop()


def load_sample(name: str):
    """A captured frame from tests/fixtures/lighter (Qubx wrappers unwrapped)."""
    data = json.loads((SAMPLES_DIR / name).read_text())
    if isinstance(data, dict) and "data" in data and ("captured_at" in data or "message_number" in data):
        return data["data"]
    return data


def pytest_collection_modifyitems(config, items):
    """A test that needs real bot runs (the fault_runs fixture) must be marked slow, or the
    fast suite (`-m "not slow"`) would start the bot after all."""
    unmarked = [item.nodeid for item in items
                if "fault_runs" in getattr(item, "fixturenames", ())
                and item.get_closest_marker("slow") is None]
    if unmarked:
        raise pytest.UsageError("mark these tests @pytest.mark.slow (they use fault_runs): "
                                + ", ".join(unmarked))
