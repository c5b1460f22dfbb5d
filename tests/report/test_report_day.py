"""The report of a day-long run of one market (bench/report_hour.py's synthetic run, 24 h: ~900,000
book frames, 17,279 fills and as many hedges) stays under 20 MB and keeps every count exact: the
series are thinned, never the fills and hedges. The build time target (<= 60 s) is measured by
`python bench/report_hour.py --hours 24` (docs/PERFORMANCE.md), not asserted here."""
from __future__ import annotations

import json
import re

import pytest

from bench.report_hour import write_hour
from hedge.report.build import build_report
from hedge.report.trades import read_trades, trade_figures

pytestmark = [pytest.mark.long, pytest.mark.slow, pytest.mark.timeout(900)]

MAX_REPORT_BYTES = 20_000_000


def test_a_day_of_one_market_builds_a_bounded_page_with_exact_counts(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    made = write_hour(run, hours=24)
    assert made["fills"] == 17_279 and made["book_frames"] > 850_000
    page = build_report(run).read_text(encoding="utf-8")
    assert len(page.encode()) <= MAX_REPORT_BYTES
    header = dict(re.findall(r'<td data-key="(\w+)">([^<]*)', page))
    assert header.get("fills") == "17279", header
    assert f"of {made['fills']} fills in all" in page          # markers thinned, and said so
    rows = read_trades(run / "trades.csv")
    tf = trade_figures(rows, 0, 4)
    assert len(tf.makers) == made["fills"] and len(tf.hedges) == made["fills"]
    # Markouts count every fill whose horizon fits in the run (a fill every 5 s, the last 5 s
    # before the end): 1 s fits them all, 5 s all but the last, 30 s all but the last six.
    n = [int(v) for v in re.findall(r'"n=(\d+)"', page)]        # bid 1/5/30 s, then ask
    assert [n[0] + n[3], n[1] + n[4], n[2] + n[5]] == [17_279, 17_278, 17_273], n
    assert json.loads((run / "summary.json").read_text())["lighter"]["fills"] == made["fills"]
