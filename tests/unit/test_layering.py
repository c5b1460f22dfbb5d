"""Import rules from DESIGN.md, checked by reading the source (no imports executed)."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

HEDGE = Path(__file__).resolve().parents[2] / "hedge"


def imported_modules(path: Path) -> list[str]:
    """Absolute module names imported by a file (relative imports resolved)."""
    package = ".".join(path.relative_to(HEDGE.parent).with_suffix("").parts[:-1])
    out = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            out.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                out.append(".".join(base + ([node.module] if node.module else [])))
            elif node.module:
                out.append(node.module)
    return out


def files_under(sub: str) -> list[Path]:
    return sorted((HEDGE / sub).rglob("*.py"))


def starts(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_core_is_stdlib_only_and_imports_only_core():
    problems = []
    for path in files_under("core"):
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top == "hedge":
                if not starts(module, "hedge.core"):
                    problems.append(f"{path.name}: {module}")
            elif top not in sys.stdlib_module_names and top != "__future__":
                problems.append(f"{path.name}: non-stdlib {module}")
    assert not problems, problems


def test_adapters_never_import_app_and_venues_stay_apart():
    problems = []
    for path in files_under("adapters"):
        venue = path.relative_to(HEDGE / "adapters").parts[0]
        for module in imported_modules(path):
            if starts(module, "hedge.app"):
                problems.append(f"{path}: {module}")
            if venue == "lighter" and starts(module, "hedge.adapters.hedging"):
                problems.append(f"{path}: {module}")
            if venue == "hedging" and starts(module, "hedge.adapters.lighter"):
                problems.append(f"{path}: {module}")
    assert not problems, problems


def test_sim_never_imports_adapters():
    problems = [f"{path}: {module}" for path in files_under("sim")
                for module in imported_modules(path) if starts(module, "hedge.adapters")]
    assert not problems, problems


def test_the_checker_sees_imports():
    assert "hedge.core.types" in imported_modules(HEDGE / "core" / "fill_detector.py")


def test_the_report_reads_run_files_and_imports_nothing_of_the_bot():
    problems = [f"{path}: {module}" for path in files_under("report")
                for module in imported_modules(path)
                if any(starts(module, p) for p in ("hedge.app", "hedge.diagnostics", "hedge.cli",
                                                  "hedge.sim"))]
    assert not problems, problems
