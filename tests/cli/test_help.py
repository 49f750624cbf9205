"""Every command has help text: a one-line summary and an example (sqlite-utils' habit)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.lprtrain import lprtrain
from cli.plategen import plategen

COMMANDS = [(plategen, name) for name in plategen.commands] + [(lprtrain, name) for name in lprtrain.commands]


def test_both_groups_have_every_command() -> None:
    assert set(plategen.commands) == {"parse", "kind", "synth", "crop", "align", "render-labels", "validate"}
    assert set(lprtrain.commands) >= {"fit", "eval", "predict", "export", "import", "compare"}


@pytest.mark.parametrize("group, name", COMMANDS, ids=[n for _, n in COMMANDS])
def test_command_help_has_summary_and_example(group, name: str) -> None:
    result = CliRunner().invoke(group, [name, "--help"])
    assert result.exit_code == 0, result.output
    command = group.commands[name]
    summary = command.get_short_help_str(limit=200)
    assert summary and not summary.lower().startswith("not yet"), f"{name}: no summary"
    assert "Example:" in result.output, f"{name}: --help lacks an example"


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(plategen, ["nope"])
    assert result.exit_code == 2
