"""The shape the code keeps: one report builder, one event loop at the edge, no branch on a
protocol or task name outside the registry and the command line's flag mapping, no import
cycle (the layer contract itself is `lint-imports`, run beside the tests)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from videoeval.protocols import REGISTRY
from videoeval.protocols.tasks import TASKS

SOURCE = Path(__file__).resolve().parents[1] / "src" / "videoeval"
NAMES = set(REGISTRY) | set(TASKS)
ALLOWED = ("protocols/", "cli/")
"""The registry decides by name; the command line maps its flags (``--kind grounding``)."""
JUDGE_MODES = "judges/"
"""The video judge's prompt modes share their names with the audit protocols: the judge
picks its prompt by its mode (the protocols hand it over from their config)."""


def _modules() -> list[tuple[str, ast.Module]]:
    return [
        (str(path.relative_to(SOURCE)), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(SOURCE.rglob("*.py"))
    ]


def _named(node: ast.AST) -> bool:
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_named(e) for e in node.elts)
    return isinstance(node, ast.Constant) and node.value in NAMES


def _subject(node: ast.AST) -> str:
    return ast.unparse(node)


def test_no_branch_on_a_protocol_or_task_name() -> None:
    found = []
    for name, tree in _modules():
        if name.startswith(ALLOWED):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            if not any(_named(s) for s in sides):
                continue
            subjects = [_subject(s) for s in sides if not _named(s)]
            if name.startswith(JUDGE_MODES) and all(s.endswith("mode") for s in subjects):
                continue
            if name == "predictions/reference_outputs.py":  # a foreign file's own "task" key
                continue
            if name == "training/sft_data.py" and subjects == ["kind"]:  # --kind's own values
                continue
            found.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
    assert found == []


def test_one_report_builder() -> None:
    builders = [
        name
        for name, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _subject(node.func) == "MetricsReport"
    ]
    assert builders == ["scoring/report.py"]


def test_one_event_loop_at_the_edge() -> None:
    runs = [
        name
        for name, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _subject(node.func) == "asyncio.run"
    ]
    assert runs == ["api/sync.py"]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return out


def test_no_import_cycles() -> None:
    import grimp

    graph = grimp.build_graph("videoeval", exclude_type_checking_imports=True)
    modules = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert _cycles(modules) == []
    packages: dict[str, set[str]] = {}
    for module, imported in modules.items():
        top = ".".join(module.split(".")[:2])
        packages.setdefault(top, set()).update(
            ".".join(m.split(".")[:2]) for m in imported if not m.startswith(top + ".")
        )
        packages[top].discard(top)
    assert _cycles(packages) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
