"""Command-line options built from a config dataclass, so a setting's default, help and check live
once, in the dataclass (`FitConfig`, `CropConfig`, `AlignConfig`, …; metadata keys in
`plategen.config`), and two commands that share a setting cannot drift apart."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable
from pathlib import Path

import click

from plategen.errors import ConfigError

from .common import parse_size


def _option(f: dataclasses.Field, hints: dict) -> Callable:
    """The click option of one config field, from its metadata (see `plategen.config`)."""
    meta = f.metadata
    name = "--" + meta.get("option", f.name).replace("_", "-")
    kind = hints[f.name]
    if kind is bool and not meta.get("choice_values"):
        return click.option(name, f.name, is_flag=True, help=meta["help"])
    return click.option(name, f.name, help=meta["help"], **_value_type(f, kind, meta))


def _value_type(f: dataclasses.Field, kind, meta) -> dict:
    default = f.default
    if meta.get("ints"):
        return {"callback": parse_ints, "default": ",".join(map(str, default)), "show_default": True}
    if meta.get("size"):
        shown = default is not None
        return {"callback": parse_size, "default": "x".join(map(str, default)) if shown else None} | (
            {"show_default": True} if shown else {}
        )
    if meta.get("choice_values"):  # a word per value: `--layout spread` sets spread=True
        words = meta["choice_values"]
        word = next(w for w, v in words.items() if v == default)
        return {
            "type": click.Choice(list(words)),
            "default": word,
            "show_default": True,
            "callback": lambda ctx, param, value: words[value],
        }
    if meta.get("choices"):
        return {"type": click.Choice(list(meta["choices"])), "default": default, "show_default": True}
    if meta.get("path"):
        extra = {"type": click.Path(dir_okay=False, path_type=Path)}
        if meta.get("multiple"):
            return extra | {"multiple": True, "default": None}
        return extra | {"default": default}
    base = next(t for t in (int, float, str) if t == kind or t in typing.get_args(kind))
    if "range" in meta:
        low, high = meta["range"]
        ranged = click.IntRange if base is int else click.FloatRange
        base = ranged(low, high, max_open=meta.get("max_open", False))
    return {"type": base, "default": default, "show_default": default is not None}


def param_option(function: Callable, name: str, help: str, flag: str | None = None, **kwargs) -> Callable:
    """A click option for a library function's keyword `name`, its default read from the function's
    signature (so the default lives once, where the function uses it)."""
    default = inspect.signature(function).parameters[name].default
    kwargs.setdefault("show_default", default is not None and not isinstance(default, bool))
    if isinstance(default, bool):
        return click.option(flag or "--" + name.replace("_", "-"), name, is_flag=True, help=help)
    return click.option(flag or "--" + name.replace("_", "-"), name, default=default, help=help, **kwargs)


def parse_ints(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, ...] | None:
    """click callback: "4,8,12" → (4, 8, 12)."""
    if value is None:
        return None
    try:
        return tuple(int(v) for v in value.split(",") if v.strip())
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a comma-separated list of whole numbers, e.g. 4,8"
        ) from None


def config_options(
    cls: type, names: tuple[str, ...], into: str = "config", presets: dict[str, dict] | None = None
) -> Callable:
    """Decorator: one click option per field of `cls` in `names` (their help, default and type from
    the field's metadata), collected into an instance of `cls` passed as the keyword `into`.

    A value the config rejects (its ConfigError names the field) is a usage error naming the option:
    exit status 2, as click's own type errors are. With `presets`, a `--preset NAME` option sets a
    preset's values for every option the command line does not give explicitly."""
    hints = typing.get_type_hints(cls)
    chosen = [f for f in dataclasses.fields(cls) if f.name in names]
    repeatable = {f.name for f in chosen if f.metadata.get("multiple")}
    flags = {f.name: "--" + f.metadata.get("option", f.name).replace("_", "-") for f in chosen}

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def wrapper(**kwargs):
            values = {name: kwargs.pop(name) for name in flags}
            # a repeatable option given no times keeps the field's own default
            values = {k: v for k, v in values.items() if not (v == () and k in repeatable)}
            preset = kwargs.pop("preset", None)
            if preset:
                ctx = click.get_current_context()
                for name, value in presets[preset].items():
                    if (
                        name in values
                        and ctx.get_parameter_source(name) == click.core.ParameterSource.DEFAULT
                    ):
                        values[name] = value
                    elif name not in values:
                        values[name] = value
            try:
                kwargs[into] = cls(**values)
            except ConfigError as exc:
                field = str(exc).split(":")[0].rpartition(".")[2]  # "SynthConfig.x: …" names x
                raise click.BadParameter(str(exc), param_hint=f"'{flags.get(field, field)}'") from None
            return command(**kwargs)

        for f in reversed(chosen):
            wrapper = _option(f, hints)(wrapper)
        if presets:
            wrapper = click.option(
                "--preset",
                type=click.Choice(sorted(presets)),
                help="Settings of a reference setup (explicit options win): "
                + "; ".join(
                    f"{k}: {', '.join(f'{n}={v}' for n, v in p.items())}" for k, p in presets.items()
                ),
            )(wrapper)
        return wrapper

    return decorate


def _parse_sources(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]):
    """click callback: each --data NAME=PATH[:WEIGHT] as a Source (a bad one is a usage error)."""
    from lprtrain.train.sources import Source

    try:
        return tuple(Source.parse(v) for v in value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc)) from None


def data_sources(command: Callable) -> Callable:
    """Decorator: the training data of `fit` and `compare`, as SHARDS arguments and/or repeatable
    --data NAME=PATH[:WEIGHT] options, passed on as one tuple `sources` (none is a usage error)."""

    @functools.wraps(command)
    def wrapper(shards: tuple, data: tuple, **kwargs):
        sources = tuple(str(s) for s in shards) + data
        if not sources:
            raise click.UsageError("give SHARDS or at least one --data NAME=PATH[:WEIGHT]")
        return command(sources=sources, **kwargs)

    wrapper = click.option(
        "--data",
        "data",
        multiple=True,
        callback=_parse_sources,
        metavar="NAME=PATH[:WEIGHT]",
        help="A data source; repeat to train on several, each batch drawing from them by weight.",
    )(wrapper)
    return click.argument("shards", nargs=-1, type=click.Path())(wrapper)
