"""Shared CLI plumbing: library errors become one `Error: …` line and exit status 1."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from plategen.errors import PlategenError


@contextmanager
def library_errors() -> Iterator[None]:
    """Turn the libraries' own exceptions into click errors (no traceback, exit 1)."""
    try:
        yield
    except KeyboardInterrupt:
        raise click.ClickException("interrupted; finished work is kept and a re-run resumes") from None
    except Exception as exc:
        if not _is_library_error(exc):
            raise
        raise click.ClickException(str(exc)) from None


def _is_library_error(exc: Exception) -> bool:
    if isinstance(exc, PlategenError):
        return True
    # Importing lprtrain.errors runs lprtrain/__init__, which imports torch (seconds, 250 MB), and
    # plategen's commands never import torch. An LprtrainError exists only once that module is loaded.
    errors = sys.modules.get("lprtrain.errors")
    return errors is not None and isinstance(exc, errors.LprtrainError)


def options_once(command: click.Command) -> click.Command:
    """Decorator, over `@click.command`: a value option given twice is a usage error naming it (click
    keeps the last value silently, so `--kinds blue --kinds police` would draw police plates alone).
    Repeatable options (multiple, count) and flags are left as they are."""
    if getattr(command, "_options_once", False):  # already checked (decorated, then added to a group)
        return command
    command._options_once = True
    make_parser = command.make_parser

    def checked_parser(ctx: click.Context):
        parser = make_parser(ctx)
        parse = parser.parse_args

        def parse_once(args: list[str]):
            opts, rest, order = parse(args)
            seen = set()
            for param in order:  # one entry per occurrence on the command line
                repeatable = (
                    param.multiple or getattr(param, "count", False) or getattr(param, "is_flag", False)
                )
                if isinstance(param, click.Option) and not repeatable and param.name in seen:
                    raise click.UsageError(f"{param.opts[0]} given twice; give it once", ctx)
                seen.add(param.name)
            return opts, rest, order

        parser.parse_args = parse_once
        return parser

    command.make_parser = checked_parser
    return command


def default_workers() -> int:
    return os.cpu_count() or 1


workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=default_workers,
    show_default="all cores",
    help="Worker processes.",
)


def strict_option(help: str) -> Callable:
    """--strict: make skipped inputs an error (the message says what was skipped)."""
    return click.option("--strict", is_flag=True, help=help)


def path_option(flag: str, help: str, dest: str | None = None, **kwargs) -> Callable:
    """An optional filesystem path (None when not given). No explicit `default=None`: click 8.5 takes
    that as a given value, and a `required` option would then pass unset."""
    names = (flag, dest) if dest else (flag,)
    kind = click.Path(path_type=Path, allow_dash=kwargs.pop("allow_dash", False))
    return click.option(*names, type=kind, help=help, **kwargs)


def parse_size(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    """click callback: "94x24" → (94, 24); None stays None."""
    if value is None:
        return None
    try:
        width, height = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not WIDTHxHEIGHT, e.g. 94x24") from None
    return width, height


def split_model(
    paths: tuple[Path, ...], rest_min: int, rest_max: int | None = None
) -> tuple[Path | None, list]:
    """`[MODEL] REST...` arguments: the first path is the model when more paths are given than REST
    takes, or when it names one (a run folder, a .safetensors or a .pth) and enough remain; else
    None, the shipped model. A wrong count is a usage error."""
    from lprtrain.model.run import is_model

    paths = list(paths)
    model = None
    too_many = rest_max is not None and len(paths) > rest_max
    if len(paths) > rest_min and (too_many or is_model(paths[0])):  # loading it names what is wrong
        model, paths = paths[0], paths[1:]
    if len(paths) < rest_min or (rest_max is not None and len(paths) > rest_max):
        raise click.UsageError(
            f"expected [MODEL] and {rest_min}{'' if rest_max == rest_min else '+'} path(s)"
        )
    return model, paths
