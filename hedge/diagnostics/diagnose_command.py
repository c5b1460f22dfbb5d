"""`python run.py diagnose [RUN_DIR] [--json]`: read a run's logs, print the checks and the verdict.

Exit 0 for `healthy`, 1 for any other scenario, 2 when the run directory does not exist.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from hedge.diagnostics.decision_tree import Diagnosis, diagnose
from hedge.diagnostics.run_facts import read_run


class RunDirError(Exception):
    """The run directory is missing or holds no run files."""


def diagnose_run(run_dir: str | Path) -> Diagnosis:
    path = Path(run_dir)
    if not path.is_dir():
        raise RunDirError(f"no run directory at {path} (run `python run.py run` first, or pass "
                          "a directory under logs/)")
    if not any((path / name).exists() for name in ("bot.log", "ws_lighter.jsonl", "summary.json")):
        raise RunDirError(f"{path} holds no bot.log, ws_lighter.jsonl or summary.json")
    return diagnose(read_run(path))


def render_text(run_dir: str | Path, d: Diagnosis) -> str:
    lines = [f"diagnose {run_dir}", f"  events read from: {_events_from(d.events_from)}"]
    for check in d.checks:
        lines.append(f"  {'PASS' if check.ok else 'FAIL'} {check.name}: {check.evidence}")
    if len(d.markets) > 1:
        lines.append("markets:")
        for check in d.markets:
            lines.append(f"  {'PASS' if check.ok else 'FAIL'} {check.evidence}")
    if d.findings:
        lines.append("findings:")
        for found in d.findings:
            lines.append(f"  - {found.id}: {found.evidence}")
            lines.append(f"      do: {found.action} ({found.to_dict()['guide']})")
    lines += [f"scenario: {d.scenario}", f"action: {d.action}", f"guide: {d.guide}"]
    return "\n".join(lines)


def _events_from(source: str) -> str:
    if source == "bot.log":
        return "bot.log (no events.jsonl: a run from before it)"
    return source or "nowhere (no events.jsonl, no bot.log): fills and hedges unknown"


def run_diagnose(run_dir: str, as_json: bool) -> int:
    d = diagnose_run(run_dir)
    if as_json:
        print(json.dumps({"run_dir": str(run_dir), **d.to_dict()}, indent=2))
    else:
        print(render_text(run_dir, d))
    sys.stdout.flush()
    return 0 if d.scenario == "healthy" else 1
