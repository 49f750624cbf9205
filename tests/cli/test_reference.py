from __future__ import annotations

from pathlib import Path

from cli.reference import END, START, splice

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_cli_reference_matches_help() -> None:
    """Regenerate with `python -m cli.reference --write README.md` when a command's help changes."""
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text
    assert splice(text) == text, (
        "README CLI reference is stale: run python -m cli.reference --write README.md"
    )
