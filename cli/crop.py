from __future__ import annotations

from pathlib import Path

import click

from plategen.crop.rectify import MODES
from plategen.crop.stage import CropConfig, crop_dataset

from .common import library_errors, parse_size, workers_option


@click.command("crop")
@click.argument("root", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(path_type=Path))
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="point",
    show_default=True,
    help="point: perspective warp of the 4 corners; affine: least-squares affine; rect: bbox resized.",
)
@click.option(
    "--size", default="94x24", show_default=True, callback=parse_size, help="Crop size WIDTHxHEIGHT."
)
@workers_option
@click.option(
    "--val-fraction",
    type=float,
    default=0.1,
    show_default=True,
    help="Share of images sent to val when neither split files nor folders give a split.",
)
@click.option(
    "--margin",
    type=click.FloatRange(0, 0.5, max_open=True),
    default=0.0,
    show_default=True,
    help="Extra border on each side, as a fraction of the plate size.",
)
@click.option("--ext", default=".png", show_default=True, help="Crop image format.")
@click.option("--strict", is_flag=True, help="Exit non-zero if any input was skipped.")
def crop(
    root: Path,
    out: Path,
    mode: str,
    size: tuple[int, int],
    workers: int,
    val_fraction: float,
    margin: float,
    ext: str,
    strict: bool,
) -> None:
    """Crop and rectify every annotated CCPD plate under ROOT into OUT.

    Writes OUT/<split>/…/<name>.png, OUT/index.jsonl (text, split, subset and every name field per
    crop) and OUT/skipped.jsonl (inputs skipped, with reasons). A re-run resumes.

    Example: plategen crop data/CCPD2019 crops --mode point --workers 8
    """
    with library_errors():
        config = CropConfig(mode=mode, size=size, val_fraction=val_fraction, margin=margin, ext=ext)
        report = crop_dataset(root, out, config, workers=workers)
    click.echo(report.summary())
    if strict and report.skipped:
        path, reason = report.skipped[0]
        raise click.ClickException(
            f"{len(report.skipped)} inputs skipped (first: {path}: {reason}); see {report.path}"
        )
