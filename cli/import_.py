"""`lprtrain import`: a LPRNet_Pytorch checkpoint → our run format."""

from __future__ import annotations

from pathlib import Path

import click

from .common import library_errors


@click.command("import")
@click.argument("pth", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(path_type=Path))
@click.option(
    "--charset",
    default=None,
    help="Characters of the checkpoint's classes, blank excluded (default: LPRNet_Pytorch's 68-class set).",
)
def import_(pth: Path, out: Path, charset: str | None) -> None:
    """Convert a LPRNet_Pytorch checkpoint PTH into the run folder OUT.

    The file is read with weights_only=True (tensors saved on CUDA load on CPU); a file that needs
    arbitrary pickle is refused. The run keeps that code's batch-wide context scaling.

    Example: lprtrain import ../shared/data/lprnet-pretrained/Final_LPRNet_model.pth runs/pretrained
    """
    from lprtrain.deploy.convert import import_pretrained
    from lprtrain.model.lprnet import LPRNET_PYTORCH_CHARSET

    with library_errors():
        run = import_pretrained(pth, out, charset or LPRNET_PYTORCH_CHARSET)
    click.echo(f"imported {pth} → {run} (model.safetensors, config.json)")
