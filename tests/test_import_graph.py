"""The packages' import graph, read with `ast`: no cycles, and no import that runs upward.

Every import counts: at module level, inside functions, and under `TYPE_CHECKING`. Importing
`a.b.c` also runs `a/b/__init__.py`, so an import of a module adds an edge to each package above it
(except the importer's own packages, which are already running).

Layers, lowest first; a module may import its own subpackage and any lower layer, never a higher one:

    plategen:  core (errors, io, pool) < plates < data < crop < align < labels < synth
    lprtrain:  core (errors) < model < data < train < evaluation < deploy
    cli (installed as plategen_cli) sits above both; plategen never imports lprtrain.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("plategen", "lprtrain", "cli")
LAYERS = {
    "plategen": ("", "plates", "data", "crop", "align", "labels", "synth"),
    "lprtrain": ("", "model", "data", "train", "evaluation", "deploy"),
}
# Which top-level packages each may import (plategen_cli is cli's installed name).
ALLOWED_TOP = {"plategen": {"plategen"}, "lprtrain": {"plategen", "lprtrain"}, "cli": set(PACKAGES)}


def modules() -> dict[str, Path]:
    found = {}
    for pkg in PACKAGES:
        for path in (REPO / pkg).rglob("*.py"):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def is_package(name: str, mods: dict[str, Path]) -> bool:
    return mods[name].name == "__init__.py"


def imported_names(name: str, path: Path, mods: dict[str, Path]) -> set[str]:
    """Every module of ours that `name` names in an import statement, anywhere in the file."""
    base = name.split(".") if is_package(name, mods) else name.split(".")[:-1]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                stem = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # `from pkg import mod` names the module; `from mod import thing` names mod.
            targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in mods else stem for a in node.names]
        else:
            continue
        for target in targets:
            target = "cli" + target[len("plategen_cli") :] if target.startswith("plategen_cli") else target
            while target and target not in mods:  # `import a.b.c` of an attribute: its module
                target = target.rpartition(".")[0]
            if target:
                out.add(target)
    return out


def graph() -> dict[str, set[str]]:
    mods = modules()
    edges: dict[str, set[str]] = {}
    for name, path in mods.items():
        own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 2)}
        targets = set()
        for target in imported_names(name, path, mods):
            parts = target.split(".")
            ancestors = {".".join(parts[:i]) for i in range(1, len(parts))}
            targets |= {target} | (ancestors - own)
        edges[name] = targets - {name}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
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
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def layer(name: str) -> tuple[str, int] | None:
    """(package, rank) of a library module; None for a package's own __init__/__main__ (its API)."""
    parts = name.split(".")
    top = parts[0]
    if top not in LAYERS or len(parts) == 1 or parts[1] == "__main__":
        return None
    sub = parts[1] if len(parts) > 2 or parts[1] in LAYERS[top] else ""
    return top, LAYERS[top].index(sub)


def upward(edges: dict[str, set[str]]) -> list[str]:
    bad = []
    for src, targets in edges.items():
        top = src.split(".")[0]
        for dst in sorted(targets):
            if dst.split(".")[0] not in ALLOWED_TOP[top]:
                bad.append(f"{src} -> {dst}")
                continue
            a, b = layer(src), layer(dst)
            if a is None or b is None or a[0] != b[0]:
                continue
            if b[1] > a[1]:
                bad.append(f"{src} -> {dst}")
    return bad


def test_the_graph_reads_real_imports() -> None:
    """The walk itself must see imports, or every check below passes on an empty graph."""
    edges = graph()
    assert "plategen.errors" in edges["plategen.data.registry"]
    assert "plategen.data.samples" in edges["plategen.data.registry"]  # under TYPE_CHECKING
    assert "plategen.align" in edges["plategen.labels.stage"]  # the package above align.layout
    assert "lprtrain.model.lprnet" in edges["lprtrain.train.fit"]
    assert sum(len(t) for t in edges.values()) > 300


def test_the_checks_catch_a_cycle_and_an_upward_import() -> None:
    edges = {k: set(v) for k, v in graph().items()}
    edges["plategen.errors"].add("plategen.io")  # io imports errors
    assert ["plategen.errors", "plategen.io"] in cycles(edges)
    edges = {"plategen.data.samples": {"plategen.synth.stage"}, "lprtrain.model.run": {"cli.fit"}}
    assert upward(edges) == ["plategen.data.samples -> plategen.synth.stage", "lprtrain.model.run -> cli.fit"]


def test_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_no_upward_imports() -> None:
    assert upward(graph()) == []


@pytest.mark.parametrize("pkg", ["plategen", "lprtrain"])
def test_no_folder_holds_more_than_a_dozen_modules(pkg: str) -> None:
    for folder in [REPO / pkg, *(p for p in (REPO / pkg).rglob("*") if p.is_dir())]:
        count = len([p for p in folder.glob("*.py") if p.name != "__init__.py"])
        assert count <= 12, f"{folder.relative_to(REPO)}: {count} modules"
