"""Every read of time in hedge/app and hedge/adapters goes through hedge/infra/clock.py: the lab
swaps its source for a virtual loop's time, so a direct `time.*` read would leak wall time."""
from __future__ import annotations

import ast
from pathlib import Path

from hedge.infra import clock

HEDGE = Path(__file__).resolve().parents[2] / "hedge"
TIME_READS = {"time", "monotonic", "perf_counter", "perf_counter_ns", "time_ns", "monotonic_ns"}


def direct_time_reads(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "time" and node.attr in TIME_READS):
            out.append(f"{path.relative_to(HEDGE.parent)}:{node.lineno} time.{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module == "time":
            out.append(f"{path.relative_to(HEDGE.parent)}:{node.lineno} from time import")
    return out


def test_app_and_adapters_read_time_only_through_the_clock_seam():
    reads = [r for sub in ("app", "adapters") for p in sorted((HEDGE / sub).rglob("*.py"))
             for r in direct_time_reads(p)]
    assert not reads, reads


def test_a_swapped_source_is_what_the_seam_reads():
    class Fixed:
        def monotonic(self): return 5.0
        def wall(self): return 1_700_000_000.0
        def perf_counter(self): return 2.5

    previous = clock.use_time_source(Fixed())
    try:
        assert (clock.monotonic_s(), clock.wall_s(), clock.perf_ns()) == (5.0, 1.7e9, 2_500_000_000)
        assert clock.REAL_CLOCK.now_s() == 5.0
    finally:
        clock.use_time_source(previous)
    assert clock.monotonic_s() != 5.0
