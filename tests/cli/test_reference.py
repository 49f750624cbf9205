from __future__ import annotations

import difflib
from pathlib import Path

from cli.reference import WRITE, cli_reference, groups

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_reference_is_current() -> None:
    """docs/cli.md is exactly what the generator writes from today's --help texts."""
    assert DOC.is_file(), f"{DOC} is missing: run {WRITE}"
    current, expected = DOC.read_text(encoding="utf-8"), cli_reference()
    if current != expected:
        diff = difflib.unified_diff(
            current.splitlines(), expected.splitlines(), "docs/cli.md", "--help", lineterm="", n=1
        )
        shown = "\n".join(list(diff)[:40])
        raise AssertionError(f"docs/cli.md is stale: run {WRITE}\n{shown}")


def test_cli_reference_covers_every_command() -> None:
    """Each group and each of its commands has a section, so a new command cannot be left out."""
    text = cli_reference()
    for group in groups():
        assert f"## `{group.name}`\n" in text
        for name in group.commands:
            assert f"### `{group.name} {name}`\n" in text
