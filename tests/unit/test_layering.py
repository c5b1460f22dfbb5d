"""Import rules between the packages, checked by reading the source (no imports executed)."""
from __future__ import annotations

import ast
import functools
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


# The units whose imports between each other must form no cycle: each package under hedge/,
# with hedge/adapters split into its venues (they are independent of each other).
SPLIT = {"adapters"}


def units() -> list[str]:
    out = []
    for d in sorted(p for p in HEDGE.iterdir() if (p / "__init__.py").exists()):
        if d.name in SPLIT:
            out += [f"hedge.{d.name}.{c.name}" for c in sorted(d.iterdir())
                    if (c / "__init__.py").exists()]
        else:
            out.append(f"hedge.{d.name}")
    return out


def unit_of(module: str, names: list[str]) -> str | None:
    return next((u for u in names if starts(module, u)), None)


@functools.cache
def import_graph() -> dict[str, dict[str, str]]:
    """unit -> {unit it imports: the first file that does} (read once per session; callers
    copy before changing it)."""
    names = units()
    graph: dict[str, dict[str, str]] = {u: {} for u in names}
    for path in sorted(HEDGE.rglob("*.py")):
        module = ".".join(path.relative_to(HEDGE.parent).with_suffix("").parts)
        src = unit_of(module, names)
        if src is None:
            continue
        for imported in imported_modules(path):
            dst = unit_of(imported, names)
            if dst is not None and dst != src:
                graph[src].setdefault(dst, str(path.relative_to(HEDGE.parent)))
    return graph


def find_cycle(graph: dict[str, dict[str, str]]) -> list[str] | None:
    """One cycle as a path [a, b, ..., a], or None."""
    state: dict[str, int] = {}            # 1 = on the current path, 2 = finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in graph.get(node, {}):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in graph:
        if node not in state and (found := visit(node)):
            return found
    return None


def describe(cycle: list[str], graph: dict[str, dict[str, str]]) -> str:
    return " -> ".join(cycle) + "\n" + "\n".join(
        f"  {a} -> {b} (in {graph[a][b]})" for a, b in zip(cycle, cycle[1:]))


def test_the_packages_import_each_other_without_a_cycle():
    graph = import_graph()
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle between packages: " + describe(cycle, graph)


def test_app_and_diagnostics_stay_apart():
    graph = import_graph()
    assert "hedge.diagnostics" not in graph["hedge.app"], graph["hedge.app"]
    assert "hedge.app" not in graph["hedge.diagnostics"], graph["hedge.diagnostics"]


def test_only_the_cli_imports_the_cli():
    graph = import_graph()
    importers = {u: files["hedge.cli"] for u, files in graph.items() if "hedge.cli" in files}
    assert not importers, importers


def test_the_graph_covers_every_package_and_finds_a_planted_cycle():
    graph = import_graph()
    assert {"hedge.core", "hedge.infra", "hedge.adapters.lighter", "hedge.adapters.hedging",
            "hedge.app", "hedge.diagnostics", "hedge.sim", "hedge.cli"} <= set(graph)
    assert "hedge.app" in graph["hedge.cli"] and "hedge.core" in graph["hedge.app"]
    planted = {**graph, "hedge.core": {**graph["hedge.core"], "hedge.app": "planted.py"}}
    cycle = find_cycle(planted)
    assert cycle is not None and cycle[0] == cycle[-1] and "hedge.app" in cycle


def test_the_report_reads_run_files_and_imports_nothing_of_the_bot():
    problems = [f"{path}: {module}" for path in files_under("report")
                for module in imported_modules(path)
                if any(starts(module, p) for p in ("hedge.app", "hedge.diagnostics", "hedge.cli",
                                                  "hedge.sim"))]
    assert not problems, problems


def test_the_market_model_imports_only_core():
    problems = [f"{path}: {module}" for path in files_under("market")
                for module in imported_modules(path)
                if starts(module, "hedge") and not (starts(module, "hedge.core")
                                                    or starts(module, "hedge.market"))]
    assert not problems, problems


LAB_MAY_IMPORT = ("hedge.lab", "hedge.app", "hedge.adapters", "hedge.infra", "hedge.market",
                  "hedge.core")


def test_the_lab_imports_the_bot_and_the_model_and_only_the_cli_imports_the_lab():
    problems = [f"{path}: {module}" for path in files_under("lab")
                for module in imported_modules(path)
                if starts(module, "hedge") and not any(starts(module, p) for p in LAB_MAY_IMPORT)]
    graph = import_graph()
    if "hedge.lab" in graph:
        problems += [f"{unit} imports the lab ({files['hedge.lab']})"
                     for unit, files in graph.items()
                     if "hedge.lab" in files and unit != "hedge.cli"]
    assert not problems, problems
