"""`plategen crop`: rectify every annotated plate into an upright crop."""

from __future__ import annotations

from pathlib import Path

import click

from plategen.crop.stage import CropConfig, crop_dataset

from .common import library_errors, strict_option, workers_option
from .options import config_options


@click.command("crop")
@click.argument("root", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(path_type=Path))
@config_options(CropConfig, ("mode", "size", "val_fraction", "margin", "ext"))
@workers_option
@strict_option("Exit non-zero if any input was skipped.")
@click.option(
    "--force",
    is_flag=True,
    help="Start over: delete the crops an earlier run made in OUT, whatever its settings.",
)
def crop(root: Path, out: Path, config: CropConfig, workers: int, strict: bool, force: bool) -> None:
    """Crop and rectify every annotated CCPD plate under ROOT into OUT.

    Writes OUT/<split>/…/<name>.png, OUT/index.jsonl (text, split, subset and every name field per
    crop), OUT/skipped.jsonl (inputs skipped, with reasons) and OUT/crop.json (the settings). A
    re-run with the same settings resumes; other settings are an error (crop into another folder,
    or start over with --force).

    Example: plategen crop data/CCPD2019 crops --mode point --workers 8
    """
    with library_errors():
        report = crop_dataset(root, out, config, workers=workers, force=force)
    click.echo(report.summary())
    if strict and report.skipped:
        path, reason = report.skipped[0]
        raise click.ClickException(
            f"{len(report.skipped)} inputs skipped (first: {path}: {reason}); see {report.path}"
        )
