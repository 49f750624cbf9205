"""Every command of both groups refuses a value option given twice (click keeps the last one
silently: `--kinds blue --kinds police` drew police plates alone, issue 26)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from cli.lprtrain import lprtrain
from cli.plategen import plategen


def value_options() -> list[tuple[click.Group, str, str]]:
    found = []
    for group in (plategen, lprtrain):
        for name, command in group.commands.items():
            for p in command.params:
                once = isinstance(p, click.Option) and not (p.multiple or p.count or p.is_flag)
                if once and p.opts[0].startswith("--"):
                    found.append((group, name, p.opts[0]))
    return found


def test_every_command_has_value_options_to_check() -> None:
    commands = {(g.name, name) for g, name, _ in value_options()}
    assert len(commands) == len(plategen.commands) + len(lprtrain.commands) - 1  # `kind` takes none


@pytest.mark.parametrize("group, name, option", value_options(), ids=lambda x: getattr(x, "name", x))
def test_a_value_option_given_twice_is_a_usage_error(group, name, option) -> None:
    result = CliRunner().invoke(group, [name, option, "1", option, "2"])
    assert result.exit_code == 2, result.output
    assert f"Error: {option} given twice; give it once" in result.output
