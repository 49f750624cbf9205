"""What every stage config shares: the one plate input size, and `setting`, the dataclass field that
carries its command-line option's help (so a default, its help and its check live in one place).

A field's `metadata` is read by `plategen_cli.options.config_options`:

    help      the option's help text (a field without help has no option)
    option    the flag's name when it is not the field's (`--time-budget` for `time_budget_s`)
    choices   the allowed words; `choice_values` maps each word to the field's value instead
    size      a WIDTHxHEIGHT option;  ints: a comma-separated list of whole numbers
    range     (low, high) bounds of a number, None for open; `max_open` excludes the high bound
    path      a filesystem path;  multiple: the option repeats and the field is a tuple
"""

from __future__ import annotations

from dataclasses import field

# (W, H) of LPRNet's input: the default size of a crop, a label and the model's input.
INPUT_SIZE = (94, 24)


def setting(default, help: str | None = None, **cli):
    """A dataclass field with its default and the metadata its command-line option is built from."""
    return field(default=default, metadata={"help": help, **cli})


def changed_setting(made: dict, now: dict) -> tuple[str, object, object] | None:
    """The first setting of `now` that a stage's record `made` holds with another value, as (name,
    recorded, asked), else None. Settings the record lacks (written by an older version) agree."""
    for name, value in now.items():
        if name in made and made[name] != value:
            return name, made[name], value
    return None


__all__ = ["INPUT_SIZE", "changed_setting", "setting"]
