"""The lab agrees with paper mode (issue 22, item 6): the same config, model and seeds run in
real time over sockets and in virtual time give PnL per fill and fills per minute within a
tolerance drawn from each side's run-to-run spread (bench/lab_agreement.py): the difference of
the means within three standard errors of it."""
from __future__ import annotations

import pytest

from bench.lab_agreement import agreement, compare

pytestmark = [pytest.mark.slow, pytest.mark.long, pytest.mark.timeout(900)]


def test_agreement_refuses_means_further_apart_than_the_spread_allows():
    paper = [{"pnl_per_fill_bps": x, "fills_per_min": 10.0 + x} for x in (1.0, 1.2, 0.8)]
    near = [{"pnl_per_fill_bps": x, "fills_per_min": 10.0 + x} for x in (1.1, 0.9, 1.0)]
    far = [{"pnl_per_fill_bps": x + 5, "fills_per_min": 10.0 + x} for x in (1.1, 0.9, 1.0)]
    assert all(m["agree"] for m in agreement(paper, near).values())
    assert not agreement(paper, far)["pnl_per_fill_bps"]["agree"]


def test_paper_mode_and_the_lab_agree_on_the_default_model():
    result = compare("config/paper.yaml", "config/models/default.yaml", [1, 2, 3], 45.0)
    assert all(run["fills"] > 0 for run in result["paper"] + result["lab"]), result
    assert result["agree"], result["metrics"]
