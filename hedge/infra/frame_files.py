"""A run's frame record as one stream: the closed parts (oldest first), then the live file.

The recorder (hedge/infra/recorder.py) writes `ws_lighter.jsonl` and, past
`logging.frames_rotate_mb`, closes it as `ws_lighter.<n>.jsonl` and compresses that to
`ws_lighter.<n>.jsonl.gz` (n counts up from 1). Replay, diagnose and the report read frames only
through `frame_lines`, given the run directory or the live file, so they see every part once.
"""
from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Iterator

LIVE_NAME = "ws_lighter.jsonl"
PART_PATTERN = re.compile(r"^ws_lighter\.(\d+)\.jsonl(\.gz)?$")


def part_name(number: int, compressed: bool = True) -> str:
    return f"ws_lighter.{number}.jsonl" + (".gz" if compressed else "")


def run_dir_of(path: str | Path) -> Path:
    """The directory holding a run's frame files, given that directory, the live file or a part."""
    source = Path(path)
    return source if source.is_dir() else source.parent


def is_frame_record(path: str | Path) -> bool:
    """A run directory with frames, the live file or one of its parts."""
    source = Path(path)
    if source.is_dir():
        return bool(frame_parts(source))
    return source.name == LIVE_NAME or bool(PART_PATTERN.match(source.name))


def part_numbers(run_dir: Path) -> list[int]:
    """Numbers of the closed parts on disk, oldest first (a part being compressed counts once)."""
    numbers = set()
    try:
        names = [p.name for p in run_dir.iterdir()]
    except OSError:
        return []
    for name in names:
        if match := PART_PATTERN.match(name):
            numbers.add(int(match.group(1)))
    return sorted(numbers)


def frame_parts(path: str | Path) -> list[Path]:
    """Every file of the record in stream order; a part still being compressed is read plain.
    A file that is neither the live file nor a part (a copied capture) is read alone."""
    source = Path(path)
    if source.is_file() and not is_frame_record(source):
        return [source]
    run = run_dir_of(source)
    out = []
    for number in part_numbers(run):
        plain = run / part_name(number, compressed=False)
        out.append(plain if plain.exists() else run / part_name(number))
    live = run / LIVE_NAME
    if live.exists():
        out.append(live)
    return out


def frame_lines(path: str | Path) -> Iterator[bytes]:
    """Each line of the record (bytes, newline kept), across every part, oldest first.

    A part removed under the reader (compressed, or deleted by the directory cap) is read from
    its compressed copy if there is one, and skipped otherwise.
    """
    for part in frame_parts(path):
        yield from _lines_of(part)


def _lines_of(part: Path) -> Iterator[bytes]:
    candidates = [part] if part.suffix == ".gz" else [part, part.with_name(part.name + ".gz")]
    for candidate in candidates:
        try:
            opened = gzip.open(candidate, "rb") if candidate.suffix == ".gz" else open(candidate, "rb")
        except FileNotFoundError:
            continue
        with opened as lines:
            try:
                yield from lines
            except (EOFError, gzip.BadGzipFile, OSError):
                return          # a truncated part (the machine stopped mid-write): what was read
        return


def frame_bytes(path: str | Path) -> int:
    """Bytes on disk of the record's files."""
    total = 0
    for part in frame_parts(path):
        try:
            total += part.stat().st_size
        except OSError:
            continue
    return total
