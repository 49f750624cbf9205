"""The README's CLI reference, generated from `--help` so the two cannot drift.

python -m cli.reference --write README.md   # regenerate the block between the markers
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

START, END = "<!-- cli-reference:start -->", "<!-- cli-reference:end -->"


def cli_reference() -> str:
    """Markdown with every command's --help text, plategen first."""
    from .lprtrain import lprtrain
    from .plategen import plategen

    parts = []
    for group in (plategen, lprtrain):
        for name in sorted(group.commands):
            command = group.commands[name]
            # the help options a real call inherits from the group's context_settings
            with click.Context(
                command,
                info_name=f"{group.name} {name}",
                terminal_width=100,
                help_option_names=["-h", "--help"],
            ) as ctx:
                parts.append(f"### `{group.name} {name}`\n\n```text\n{command.get_help(ctx)}\n```\n")
    return "\n".join(parts)


def splice(readme: str) -> str:
    """`readme` with the block between the markers replaced by the current reference."""
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{cli_reference()}{END}{tail}"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        path = Path(sys.argv[2])
        path.write_text(splice(path.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(cli_reference())
