"""The commands and greps quoted in the guide and the checklist, against a real paper run.

Every fenced shell block is read: each `python run.py ...` line must parse with the CLI; each
`grep` line must match the healthy run's file (bot.log or ws_lighter.jsonl), unless the line is
marked `# failure sign`, in which case it must match nothing in that healthy run.
"""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from hedge.cli.parser import build_parser
from tests.diagnostics.conftest import REPO

DOCS = ("DIAGNOSTIC_GUIDE.md", "TESTING_CHECKLIST.md")
FENCE = re.compile(r"```(?:bash|sh|shell)\n(.*?)```", re.S)
FAILURE_MARK = "# failure sign"


def shell_lines(doc: str) -> list[str]:
    text = (REPO / "docs" / doc).read_text(encoding="utf-8")
    return [line.strip() for block in FENCE.findall(text) for line in block.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def commands(prefix: str) -> list[tuple[str, str]]:
    return [(doc, line) for doc in DOCS for line in shell_lines(doc) if line.startswith(prefix)]


def _words(line: str) -> list[str]:
    code = line.split(FAILURE_MARK)[0]
    words = shlex.split(code, comments=True)
    return words[:words.index("|")] if "|" in words else words


@pytest.mark.parametrize("doc, line", commands("python run.py"))
def test_documented_command_parses(doc, line):
    for part in line.split("&&"):
        words = _words(part.strip())
        if words[:2] == ["python", "run.py"]:
            build_parser().parse_args(words[2:])      # SystemExit on a bad flag fails the test


def parse_grep(line: str) -> tuple[str, set[str], str]:
    words = _words(line)
    assert words[0] == "grep", line
    flags = {w for w in words[1:] if w.startswith("-")}
    rest = [w for w in words[1:] if not w.startswith("-")]
    assert len(rest) == 2, f"one pattern and one file expected: {line}"
    letters = {c for f in flags for c in f[1:]}
    assert letters <= {"E", "F", "c", "i", "n"}, f"unsupported grep flags in {line}"
    assert "E" in letters or "F" in letters, f"use grep -E or grep -F in the docs: {line}"
    return rest[0], letters, rest[1]


def matches(pattern: str, letters: set[str], path: Path) -> int:
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if "F" in letters:
        return sum(pattern in line for line in text)
    regex = re.compile(pattern, re.I if "i" in letters else 0)
    return sum(bool(regex.search(line)) for line in text)


GREPS = commands("grep")


def test_docs_quote_greps_and_failure_signs():
    assert len(GREPS) >= 20
    assert sum(FAILURE_MARK in line for _, line in GREPS) >= 10


@pytest.mark.slow   # the fault_runs fixture runs the bot once per fault profile
@pytest.mark.parametrize("doc, line", GREPS)
def test_documented_grep_against_a_healthy_run(fault_runs, doc, line):
    pattern, letters, file = parse_grep(line)
    run = fault_runs["none"]
    target = run / Path(file).name
    assert target.name in ("bot.log", "ws_lighter.jsonl"), line
    hits = matches(pattern, letters, target)
    if FAILURE_MARK in line:
        assert hits == 0, f"failure sign matches a healthy run: {line}"
    else:
        assert hits > 0, f"no line of a healthy run matches: {line}"


def test_guide_has_a_section_for_every_scenario_and_finding():
    from hedge.diagnostics.decision_tree import ACTIONS
    from hedge.diagnostics.findings import RULES
    text = (REPO / "docs" / "DIAGNOSTIC_GUIDE.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^#{2,3} (\w+)$", text, re.M))
    missing = (set(ACTIONS) | {rule.__name__ for rule in RULES}) - headings
    assert not missing


def test_config_doc_names_every_key():
    import dataclasses

    from hedge.infra.config_schema import SECTIONS, BotConfig
    text = (REPO / "docs" / "CONFIG.md").read_text(encoding="utf-8")
    keys = [f.name for f in dataclasses.fields(BotConfig) if f.name not in SECTIONS]
    keys += [f"{s}.{f.name}" for s, cls in SECTIONS.items() for f in dataclasses.fields(cls)]
    assert [k for k in keys if f"`{k}`" not in text] == []


def test_docs_exist():
    for name in ("DIAGNOSTIC_GUIDE.md", "TESTING_CHECKLIST.md", "LOGGING.md", "CONFIG.md",
                 "ARCHITECTURE.md"):
        assert (REPO / "docs" / name).stat().st_size > 1000
