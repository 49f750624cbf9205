"""`plategen align`: measure where characters sit, per layout, from the mean crop."""

from __future__ import annotations

from pathlib import Path

import click

from plategen.align.stage import AlignConfig, align_dataset

from .common import library_errors, path_option, strict_option, workers_option
from .options import config_options


@click.command("align")
@click.argument("crops", type=click.Path(path_type=Path))
@path_option("--manifest", "path<TAB>text lines for a folder of crops.")
@path_option(
    "--out",
    "Where to write alignment.json (alignment.png goes next to it).",
    default=Path("alignment.json"),
    show_default=True,
)
@click.option(
    "--show", is_flag=True, help="Draw the Fig. 3 diagnostics; opens a window when a display exists."
)
@config_options(AlignConfig, ("spread", "layout_key", "min_images"))
@workers_option
@strict_option("Exit non-zero if any crop was skipped or any layout is a template.")
@click.option(
    "--force", is_flag=True, help="Replace --out even if it was measured with other settings or crops."
)
def align(
    crops: Path,
    manifest: Path | None,
    out: Path,
    show: bool,
    config: AlignConfig,
    workers: int,
    strict: bool,
    force: bool,
) -> None:
    """Measure the character boxes of every layout in CROPS and write alignment.json.

    CROPS is a `plategen crop` folder or index, or a folder of crops with --manifest. An --out
    measured with other settings or from other crops is not replaced (unless --force).

    Example: plategen align crops --out alignment.json --show
    """
    with library_errors():
        result = align_dataset(
            crops, out, config, manifest=manifest, workers=workers, force=force, figure=show, show=show
        )
    click.echo(result.summary())
    for path, reason in result.skipped:
        click.echo(f"skipped {path}: {reason}", err=True)
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(f"wrote {out}" + (f" and {result.figure}" if result.figure else ""))
    templates = [n for n, lay in result.alignment.layouts.items() if lay.source == "template"]
    if strict and (result.skipped or templates):
        raise click.ClickException(
            f"--strict: {len(result.skipped)} crops skipped, {len(templates)} layouts from a template"
        )
