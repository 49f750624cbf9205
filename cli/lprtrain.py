"""`lprtrain`: train LPRNet with the auxiliary image-label decoder, evaluate, predict, export."""

from __future__ import annotations

import click

from .common import options_once
from .compare import compare
from .eval import eval_
from .export import export
from .fit import fit
from .import_ import import_
from .predict import predict


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="plategen")
def lprtrain() -> None:
    """Train and use LPRNet: fit, eval, predict, export, import, compare.

    Example: lprtrain fit shards --out runs/alt --aux alternate && lprtrain eval runs/alt shards
    """


# Every command refuses a value option given twice (click would keep the last one silently).
for command in (fit, eval_, predict, export, import_, compare):
    lprtrain.add_command(options_once(command))


def main() -> None:
    lprtrain()
