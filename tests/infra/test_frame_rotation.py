"""ws_lighter.jsonl rotates into compressed parts; replay, diagnose and the report read the set
as one stream from the run directory or the live file; the run directory keeps its cap."""
from __future__ import annotations

import gzip
import json

import orjson
import pytest
from loguru import logger

from hedge.diagnostics.replay import replay_path
from hedge.diagnostics.run_facts import read_run
from hedge.infra.config import ConfigError, parse_config
from hedge.infra.frame_files import LIVE_NAME, frame_lines, frame_parts
from hedge.infra.recorder import FrameRecorder
from hedge.report.book_series import read_book_series
from tests.harness import frames as f

FRAMES = 600


def book_frame(i: int) -> dict:
    size = f"{1 + i % 7}.0"
    return f.book([("1999.00", size)], [("2001.00", size)], snapshot=i == 0, nonce=i + 1,
                  begin_nonce=i - 1 if i % 50 == 26 else i,   # a fill frame came between
                  offset=i + 1)


def fill_frame(i: int) -> dict:
    """Order i fills completely: one fill per frame the detector must see, whatever part it is in."""
    return f.account_orders(f.order(10_000 + i, coi=i, filled="0.0100", status="filled"))


def record_run(run_dir, rotate_bytes: int, max_run_bytes: int = 10**9) -> FrameRecorder:
    recorder = FrameRecorder(run_dir / LIVE_NAME, rotate_bytes=rotate_bytes,
                             max_run_bytes=max_run_bytes)
    for i in range(FRAMES):
        frame = fill_frame(i) if i % 50 == 25 else book_frame(i)
        text = orjson.dumps(frame).decode()
        recorder.record_in("lighter", text, frame, ts_ns=1_000_000_000 * (1_800_000_000 + i))
    recorder.close()
    return recorder


def test_the_frame_record_rotates_into_compressed_parts_read_back_as_one_stream(tmp_path):
    record_run(tmp_path, rotate_bytes=20_000)
    parts = frame_parts(tmp_path)
    assert len(parts) > 5 and parts[-1].name == LIVE_NAME
    assert [p.name for p in parts[:3]] == ["ws_lighter.1.jsonl.gz", "ws_lighter.2.jsonl.gz",
                                           "ws_lighter.3.jsonl.gz"]
    assert not list(tmp_path.glob("ws_lighter.*.jsonl")), "a closed part left uncompressed"
    with gzip.open(parts[0]) as first:
        assert json.loads(first.readline())["ts_ns"] == 1_800_000_000 * 10**9
    stamps = [json.loads(line)["ts_ns"] for line in frame_lines(tmp_path)]
    assert stamps == [10**9 * (1_800_000_000 + i) for i in range(FRAMES)]   # every frame, in order
    assert list(frame_lines(tmp_path / LIVE_NAME)) == list(frame_lines(tmp_path))


def test_replay_diagnose_and_the_report_read_every_part(tmp_path):
    record_run(tmp_path, rotate_bytes=20_000)
    fills = FRAMES // 50
    for source in (tmp_path, tmp_path / LIVE_NAME):
        report = replay_path(source)
        assert report.frames_in == FRAMES and len(report.fills) == fills
        assert report.book_resyncs == [] and report.books[f.MARKET]["updates"] == FRAMES - 1 - fills
    facts = read_run(tmp_path)
    assert facts.jsonl_lines == FRAMES and facts.jsonl_malformed == 0
    book = read_book_series(tmp_path / LIVE_NAME)
    assert book.frames == FRAMES - fills                 # its book frames, all parts
    assert book.first_ts == 1_800_000_000 and book.last_ts == 1_800_000_000 + FRAMES - 1


def test_the_run_directory_cap_deletes_the_oldest_frame_parts_and_says_so(tmp_path):
    warnings: list[str] = []
    sink = logger.add(lambda message: warnings.append(message.record["message"]), level="WARNING")
    try:
        recorder = record_run(tmp_path, rotate_bytes=20_000, max_run_bytes=30_000)
    finally:
        logger.remove(sink)
    deleted = recorder.parts.deleted
    assert deleted[0] == "ws_lighter.1.jsonl.gz"
    left = [p.name for p in frame_parts(tmp_path)]
    assert left[-1] == LIVE_NAME and not set(deleted) & set(left)
    newest = max(int(name.split(".")[1]) for name in deleted + left[:-1])
    assert f"ws_lighter.{newest}.jsonl.gz" in left            # the newest part is kept
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) <= 30_000
    assert any("deleted the oldest frame parts ws_lighter.1.jsonl.gz" in w for w in warnings)
    stamps = [json.loads(line)["ts_ns"] for line in frame_lines(tmp_path)]
    assert stamps == sorted(stamps) and stamps[-1] == 10**9 * (1_800_000_000 + FRAMES - 1)


def test_the_logging_bounds_have_documented_defaults_and_a_cap_must_hold_two_parts():
    logs = parse_config({"mode": "paper"}).logging
    assert (logs.frames_rotate_mb, logs.max_run_mb, logs.summary_every_s) == (100.0, 2000.0, 60.0)
    with pytest.raises(ConfigError) as caught:
        parse_config({"mode": "paper", "logging": {"frames_rotate_mb": 50, "max_run_mb": 80}})
    assert "logging.max_run_mb" in str(caught.value) and "frames_rotate_mb" in str(caught.value)
    with pytest.raises(ConfigError, match="logging.summary_every_s"):
        parse_config({"mode": "paper", "logging": {"summary_every_s": 0}})
