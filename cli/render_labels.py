from __future__ import annotations

from pathlib import Path

import click

from plategen.labels.renderer import RenderConfig
from plategen.labels.stage import render_labels as render_labels_

from .common import library_errors, path_option, strict_option, workers_option
from .options import config_options, param_option


@click.command("render-labels")
@click.argument("crops", type=click.Path(path_type=Path))
@path_option("--alignment", "alignment.json from `plategen align`.", required=True)
@click.argument("out", type=click.Path(path_type=Path))
@path_option("--manifest", "Lines of path<TAB>text (any OCR dataset).")
@path_option("--font", "Font file [default: the bundled CJK plate font].")
@config_options(RenderConfig, ("supersample", "resample", "label_size"))
@path_option("--png-dir", "Also write every label as a PNG here.")
@param_option(
    render_labels_,
    "preview",
    "Write OUT/preview.png with this many crops and their labels overlaid.",
    type=click.IntRange(min=0),
)
@param_option(render_labels_, "shard_size", "Samples per shard.", type=click.IntRange(min=1))
@workers_option
@strict_option("Fail if any crop is skipped.")
@click.option(
    "--force",
    is_flag=True,
    help="Start over: delete the shards an earlier run made in OUT, whatever its settings.",
)
def render_labels(
    crops: Path,
    alignment: Path,
    out: Path,
    manifest: Path | None,
    font: Path | None,
    config: RenderConfig,
    png_dir: Path | None,
    preview: int,
    shard_size: int,
    workers: int,
    strict: bool,
    force: bool,
) -> None:
    """Render an image label for every crop in CROPS and write training shards to OUT.

    CROPS is a `plategen crop` folder or index, a folder of crops named by their text, or a folder
    with a --manifest of path<TAB>text lines. Writes OUT/<split>-NNNNN.tar (crop, label, json per
    sample), OUT/manifest.json, OUT/skipped.jsonl and OUT/render.json (the settings). A re-run with
    the same settings keeps finished shards; other settings are an error (render into another folder,
    or start over with --force).

    Example: plategen render-labels crops --alignment alignment.json shards --preview 32
    """
    with library_errors():
        report = render_labels_(
            crops,
            alignment,
            out,
            config,
            font=font,
            manifest=manifest,
            shard_size=shard_size,
            png_dir=png_dir,
            preview=preview,
            workers=workers,
            strict=strict,
            force=force,
        )
    click.echo(report.summary())
