"""Command-line options built from a config dataclass, so a setting's default, help and check live
once, in the dataclass (`lprtrain.config.FitConfig`), and `fit` and `compare` cannot drift apart."""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Callable

import click

from .common import parse_size


def _option(f: dataclasses.Field, hints: dict) -> Callable:
    meta = f.metadata
    name = "--" + meta.get("option", f.name).replace("_", "-")
    kind = hints[f.name]
    extra: dict = {}
    if kind is bool:
        return click.option(name, f.name, is_flag=True, help=meta["help"])
    if meta.get("size"):
        default = "x".join(map(str, f.default))
        extra = {"callback": parse_size, "default": default, "show_default": True}
    elif meta.get("choices"):
        extra = {"type": click.Choice(list(meta["choices"])), "default": f.default}
    else:
        base = next(t for t in (int, float, str) if t == kind or t in typing.get_args(kind))
        extra = {"type": base, "default": f.default}
    extra.setdefault("show_default", f.default is not None)
    return click.option(name, f.name, help=meta["help"], **extra)


def config_options(cls: type, names: tuple[str, ...], into: str = "config") -> Callable:
    """Decorator: one click option per field of `cls` in `names` (their help, default and type from
    the field's metadata), collected into an instance of `cls` passed as the keyword `into`.

    A value the config rejects (its ConfigError names the field) is a usage error naming the option:
    exit status 2, as click's own type errors are."""
    hints = typing.get_type_hints(cls)
    chosen = [f for f in dataclasses.fields(cls) if f.name in names]
    flags = {f.name: "--" + f.metadata.get("option", f.name).replace("_", "-") for f in chosen}

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def wrapper(**kwargs):
            from lprtrain.errors import ConfigError

            values = {name: kwargs.pop(name) for name in flags}
            try:
                kwargs[into] = cls(**values)
            except ConfigError as exc:
                field = str(exc).split(":")[0]
                raise click.BadParameter(str(exc), param_hint=f"'{flags.get(field, field)}'") from None
            return command(**kwargs)

        for f in reversed(chosen):
            wrapper = _option(f, hints)(wrapper)
        return wrapper

    return decorate
