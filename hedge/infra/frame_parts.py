"""The recorder's closed parts: numbered, compressed off the event loop, capped per run directory.

One worker thread compresses each closed part (`ws_lighter.<n>.jsonl` -> `.jsonl.gz`, written
to a temporary name and renamed, so a reader sees either the plain part or the whole `.gz`), then
deletes the oldest compressed parts while the run directory is over `max_run_bytes`. What it
deletes is logged as a WARNING: a gap in the frame record is never silent.
"""
from __future__ import annotations

import gzip
import os
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from loguru import logger

from hedge.infra.frame_files import part_name, part_numbers

GZIP_LEVEL = 6                # JSON frames shrink about 10x; a 100 MB part takes seconds


class FramePartKeeper:
    def __init__(self, live: Path, max_run_bytes: int) -> None:
        self.live = live
        self.run_dir = live.parent
        self.max_run_bytes = max_run_bytes
        numbers = part_numbers(self.run_dir)
        self._next = (numbers[-1] + 1) if numbers else 1
        self._worker: ThreadPoolExecutor | None = None
        self._pending: list[Future] = []
        self.deleted: list[str] = []          # parts removed by the cap, oldest first
        self._over_cap_warned = False

    def close_live(self) -> Path:
        """Rename the (closed) live file to the next part number; returns the part."""
        part = self.run_dir / part_name(self._next, compressed=False)
        self._next += 1
        os.replace(self.live, part)
        return part

    def compress(self, part: Path) -> None:
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="frame-parts")
        self._pending = [f for f in self._pending if not f.done()]
        self._pending.append(self._worker.submit(self._compress_then_cap, part))

    def wait(self) -> None:
        """Finish the compressions under way (at close) and stop the worker."""
        for future in self._pending:
            future.result()
        self._pending.clear()
        if self._worker is not None:
            self._worker.shutdown(wait=True)
            self._worker = None

    def _compress_then_cap(self, part: Path) -> None:
        try:
            compress_part(part)
        except OSError as exc:
            logger.warning("frame part {} not compressed ({}): kept as it is", part.name, exc)
        self.enforce_cap()

    def enforce_cap(self) -> None:
        """Delete the oldest closed frame parts while the run directory is over its cap."""
        size = directory_bytes(self.run_dir)
        if size <= self.max_run_bytes:
            return
        gone: list[str] = []
        for number in part_numbers(self.run_dir):
            if size <= self.max_run_bytes:
                break
            for name in (part_name(number), part_name(number, compressed=False)):
                path = self.run_dir / name
                try:
                    freed = path.stat().st_size
                    path.unlink()
                except OSError:
                    continue
                size -= freed
                gone.append(name)
        if gone:
            self.deleted.extend(gone)
            logger.warning("run directory over logging.max_run_mb ({:.0f} MB): deleted the oldest "
                           "frame parts {} ({} parts); the frame record now starts later",
                           self.max_run_bytes / 1e6, ", ".join(gone), len(gone))
        if size > self.max_run_bytes and not self._over_cap_warned:
            self._over_cap_warned = True
            logger.warning("run directory {} is {:.0f} MB with no frame part left to delete, over "
                           "logging.max_run_mb ({:.0f} MB): bot.log and the live frame file fill "
                           "it", self.run_dir.name, size / 1e6, self.max_run_bytes / 1e6)


def compress_part(part: Path) -> Path:
    """`ws_lighter.<n>.jsonl` -> `ws_lighter.<n>.jsonl.gz` (temp name, rename, then unlink)."""
    target = part.with_name(part.name + ".gz")
    temp = part.with_name(f".{target.name}.tmp")
    with open(part, "rb") as source, gzip.open(temp, "wb", compresslevel=GZIP_LEVEL) as out:
        shutil.copyfileobj(source, out, 1 << 20)
    os.replace(temp, target)
    part.unlink()
    return target


def directory_bytes(path: Path) -> int:
    total = 0
    for entry in path.rglob("*"):
        try:
            if entry.is_file() and not entry.is_symlink():
                total += entry.stat().st_size
        except OSError:
            continue
    return total
