"""Shared CLI plumbing: library errors become one `Error: …` line and exit status 1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import click

from plategen.errors import PlategenError


def _library_error_types() -> tuple[type[BaseException], ...]:
    try:  # lprtrain needs torch (the `train` extra); plategen alone works without it
        from lprtrain.errors import LprtrainError
    except ImportError:
        return (PlategenError,)
    return (PlategenError, LprtrainError)


@contextmanager
def library_errors() -> Iterator[None]:
    """Turn the libraries' own exceptions into click errors (no traceback, exit 1)."""
    try:
        yield
    except _library_error_types() as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        raise click.ClickException("interrupted; finished work is kept and a re-run resumes") from None


def default_workers() -> int:
    return os.cpu_count() or 1


workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=default_workers,
    show_default="all cores",
    help="Worker processes.",
)


def parse_size(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    """click callback: "94x24" → (94, 24); None stays None."""
    if value is None:
        return None
    try:
        width, height = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not WIDTHxHEIGHT, e.g. 94x24") from None
    return width, height
