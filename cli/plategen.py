"""`plategen`: data preparation and graphical-supervision signals for plate recognition."""

from __future__ import annotations

import click

from .align import align
from .common import options_once
from .crop import crop
from .kind import kind
from .parse import parse
from .render_labels import render_labels
from .synth import synth
from .validate import validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="plategen")
def plategen() -> None:
    """Prepare plate crops and image labels: parse, kind, synth, crop, align, render-labels.

    Example: plategen synth data/synth --count 200 --seed 0 && plategen crop data/synth crops
    """


# Every command refuses a value option given twice (click would keep the last one silently).
for command in (parse, kind, synth, crop, align, render_labels, validate):
    plategen.add_command(options_once(command))


def main() -> None:
    plategen()
