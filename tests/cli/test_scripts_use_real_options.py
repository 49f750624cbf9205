"""Every `plategen` / `lprtrain` command line in the shell scripts (the demo, the shipped reader's
recipe) names a command and options that exist: a renamed or removed option breaks `make demo` or
`make reader` long after the suite ran, unless this test reads them."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from cli.lprtrain import lprtrain
from cli.plategen import plategen

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = sorted([*REPO.glob("examples/*.sh"), *REPO.glob("recipes/*.sh")])
GROUPS = {"plategen": plategen, "lprtrain": lprtrain}


def command_lines(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, words) of each plategen/lprtrain call, continuation lines joined."""
    logical, start, pending = [], 1, ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not pending:
            start = number
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        logical.append((start, pending + raw))
        pending = ""
    calls = []
    for number, line in logical:
        line = line.split(" #")[0].strip()
        for part in re.split(r"\s*(?:&&|\|\||;|\|)\s*", line):
            words = part.replace('"', "").replace("'", "").split()
            if words and words[0] in GROUPS and len(words) > 1 and not words[1].startswith("-"):
                calls.append((number, words))
    return calls


def test_the_scripts_hold_command_lines() -> None:
    assert {p.name for p in SCRIPTS} >= {"demo.sh", "shipped_reader.sh"}
    assert sum(len(command_lines(p)) for p in SCRIPTS) >= 20


def problems(path: Path) -> list[str]:
    """Each call in `path` to a command or an option that does not exist."""
    found = []
    for number, words in command_lines(path):
        command = GROUPS[words[0]].commands.get(words[1])
        if command is None:
            found.append(f"{path.name}:{number}: no command {words[0]} {words[1]}")
            continue
        known = {o for p in command.params if isinstance(p, click.Option) for o in p.opts + p.secondary_opts}
        for word in words[2:]:
            option = word.split("=", 1)[0]
            if option.startswith("--") and option not in known | {"--help"}:
                found.append(f"{path.name}:{number}: {words[0]} {words[1]} has no option {option}")
    return found


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_every_command_and_option_in_the_scripts_exists(path: Path) -> None:
    assert problems(path) == []


def test_a_removed_option_or_command_is_caught(tmp_path: Path) -> None:
    script = tmp_path / "x.sh"
    script.write_text(
        'plategen synth "$OUT" --count 3 \\\n  --green-fraction 0.1\nlprtrain fitt x # typo\n',
        encoding="utf-8",
    )
    assert problems(script) == [
        "x.sh:1: plategen synth has no option --green-fraction",
        "x.sh:3: no command lprtrain fitt",
    ]
