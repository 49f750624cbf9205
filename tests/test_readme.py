"""README.md stays a front page that points at things that exist (issue 27): at most 250 lines, none
over 110 characters, every repository path and `plategen.…` / `lprtrain.…` name it gives is there,
its layout tree lists every subpackage and everything in docs/, and it links every docs/ page. The
docs pages' links and paths resolve too. Paths under ../shared are exempt: a fresh clone lacks them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
DOCS = REPO / "docs"
MAX_LINES, MAX_WIDTH = 250, 110
# A word that starts with one of these folders names a path in the repository.
ROOTS = ("plategen", "lprtrain", "cli", "docs", "recipes", "benchmarks", "examples", "fonts", "tests")
REPO_PATH = re.compile(rf"(?<![\w./~-])((?:{'|'.join(ROOTS)})/[\w./-]*)")
MODULE_NAME = re.compile(r"(?<![\w./-])((?:plategen|lprtrain)(?:\.\w+)+)")
LINK = re.compile(r"\]\(([^)\s]+)\)")
TREE_COLUMN = 23  # where the layout tree's descriptions start


def linked(text: str) -> list[str]:
    """Each relative link target of a markdown text, without its #anchor."""
    targets = (t.split("#")[0] for t in LINK.findall(text))
    return [t for t in targets if t and not re.match(r"[a-z]+:", t)]


def missing_paths(text: str, base: Path) -> list[str]:
    """Each repository path the text names (a link, relative to `base`; or a word starting with a
    top-level folder, relative to the repository) that does not exist."""
    named = [(t, base / t) for t in linked(text)] + [(p, REPO / p) for p in REPO_PATH.findall(text)]
    shared = (REPO.parent / "shared").resolve()
    return sorted(
        {name for name, path in named if not path.resolve().is_relative_to(shared) and not path.exists()}
    )


def defined_names(module: Path) -> set[str]:
    """The names a module defines or imports at its top level, read with `ast` (nothing is imported)."""
    names = set()
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def unresolved_names(text: str) -> list[str]:
    """Each `plategen.…` / `lprtrain.…` name in the text that is neither a module nor a name defined
    at the top of one (`plategen.data.splits`, `plategen.plates.rows.as_line`)."""
    bad = []
    for name in sorted(set(MODULE_NAME.findall(text))):
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            stem = REPO.joinpath(*parts[:i])
            module = next((m for m in (stem.with_suffix(".py"), stem / "__init__.py") if m.exists()), None)
            if module is not None:
                break
        if module is None or (parts[i:] and parts[i] not in defined_names(module)):
            bad.append(name)
    return bad


def tree(text: str) -> dict[str, str]:
    """The layout tree under "Where things live": {path: description}, a child two spaces in from its
    folder, a description that runs on over the next lines joined to its entry."""
    block = text.split("## Where things live", 1)[1].split("```")[1]
    entries: dict[str, str] = {}
    parents: list[str] = []
    last = ""
    for line in block.splitlines()[1:]:
        name, description = line[:TREE_COLUMN].rstrip(), line[TREE_COLUMN:].strip()
        if not name.strip():  # a description running on
            entries[last] += " " + description
            continue
        depth = (len(name) - len(name.lstrip())) // 2
        parents = parents[:depth]
        last = "".join(parents) + name.strip()
        entries[last] = description
        if last.endswith("/"):
            parents.append(name.strip())
    return entries


README_TEXT = README.read_text(encoding="utf-8")


def test_the_readme_is_a_front_page() -> None:
    lines = README_TEXT.splitlines()
    assert len(lines) <= MAX_LINES, f"README.md has {len(lines)} lines; move reference material to docs/"
    wide = [f"{n}: {len(line)}" for n, line in enumerate(lines, 1) if len(line) > MAX_WIDTH]
    assert wide == [], f"README.md lines over {MAX_WIDTH} characters (line: width): {wide}"


def test_every_path_the_readme_names_exists() -> None:
    assert len(REPO_PATH.findall(README_TEXT)) >= 10
    assert missing_paths(README_TEXT, REPO) == []


def test_every_module_name_the_readme_gives_resolves() -> None:
    assert MODULE_NAME.findall(README_TEXT)
    assert unresolved_names(README_TEXT) == []


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_every_path_each_docs_page_names_exists(page: Path) -> None:
    assert missing_paths(page.read_text(encoding="utf-8"), page.parent) == []


def test_the_architecture_page_exists_and_fits_a_screen() -> None:
    page = DOCS / "architecture.md"
    assert page.exists()
    assert len(page.read_text(encoding="utf-8").splitlines()) <= 80


def test_the_layout_tree_names_what_exists_and_every_subpackage() -> None:
    entries = tree(README_TEXT)
    assert [p for p in entries if not (REPO / p).exists()] == []
    packages = {
        f"{init.parent.relative_to(REPO).as_posix()}/"
        for pkg in ("plategen", "lprtrain")
        for init in (REPO / pkg).glob("*/__init__.py")
    }
    assert sorted(packages - set(entries)) == [], "subpackages the README's layout tree leaves out"


def test_the_layout_tree_lists_everything_in_docs_and_the_readme_links_every_page() -> None:
    listed = re.sub(r"\s*\([^)]*\)", "", tree(README_TEXT)["docs/"]).split(", ")
    present = [p.name + ("/" if p.is_dir() else "") for p in DOCS.iterdir() if not p.name.startswith(".")]
    assert sorted(listed) == sorted(present)
    assert sorted(f"docs/{p.name}" for p in DOCS.glob("*.md")) == sorted(
        {t for t in linked(README_TEXT) if t.startswith("docs/") and t.endswith(".md")}
    )


def test_the_checks_catch_a_renamed_file_a_stale_tree_and_a_stale_name() -> None:
    """Each check, fed a README whose path, tree entry or module name has gone stale, says so."""
    text = (
        "See [the kinds](docs/kind.md), `benchmarks/two_rows.py`, [data](../shared/data/nothing) and\n"
        "`plategen.data.split` next to `plategen.data.splits.hash_split`.\n"
        "## Where things live\n```\nplategen/              data\n  plate/               gone\n```\n"
    )
    assert missing_paths(text, REPO) == ["benchmarks/two_rows.py", "docs/kind.md"]
    assert unresolved_names(text) == ["plategen.data.split"]
    assert [p for p in tree(text) if not (REPO / p).exists()] == ["plategen/plate/"]
