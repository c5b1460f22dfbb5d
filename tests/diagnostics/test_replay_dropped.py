"""`python run.py replay --json` lists the entries a frame carried that could not be read."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.diagnostics.conftest import REPO

GOOD = {"order_index": 5, "client_order_index": 9, "market_index": 0, "status": "open",
        "is_ask": False, "initial_base_amount": "0.01", "remaining_base_amount": "0.01",
        "filled_base_amount": "0", "price": "3000.00", "timestamp": 1_700_000_000}


@pytest.mark.slow
def test_replay_json_lists_dropped_entries(tmp_path):
    frames = [
        {"type": "update/account_all_orders", "channel": "account_all_orders:7",
         "orders": {"0": [GOOD, {"order_index": "x"}]}},
        {"type": "update/height", "channel": "height", "height": 99},
    ]
    path = tmp_path / "ws_lighter.jsonl"
    path.write_text("".join(json.dumps({"ts_ns": 1, "conn": "lighter", "dir": "in", "frame": f})
                            + "\n" for f in frames))
    out = subprocess.run([sys.executable, "run.py", "replay", str(path), "--json"], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    report = json.loads(out.stdout)
    assert len(report["dropped_entries"]) == 1
    assert report["dropped_entries"][0].startswith("update/account_all_orders: parse_order")
    assert report["unexpected"] == []                 # height is a known channel
