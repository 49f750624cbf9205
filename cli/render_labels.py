from __future__ import annotations

from pathlib import Path

import click

from plategen.labels.renderer import RESAMPLE, RenderConfig
from plategen.labels.stage import render_labels as render_labels_

from .common import library_errors, parse_size, workers_option


@click.command("render-labels")
@click.argument("crops", type=click.Path(path_type=Path))
@click.option(
    "--alignment",
    "alignment",
    type=click.Path(path_type=Path),
    required=True,
    help="alignment.json from `plategen align`.",
)
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--manifest", type=click.Path(path_type=Path), help="Lines of path<TAB>text (any OCR dataset).")
@click.option(
    "--font", type=click.Path(path_type=Path), help="Font file [default: the bundled CJK plate font]."
)
@click.option(
    "--supersample", type=click.IntRange(1, 8), default=2, show_default=True, help="Draw at this multiple."
)
@click.option(
    "--resample",
    type=click.Choice(sorted(RESAMPLE)),
    default="area",
    show_default=True,
    help="Downsampling filter.",
)
@click.option("--label-size", callback=parse_size, help="Label size WIDTHxHEIGHT [default: the crop size].")
@click.option("--png-dir", type=click.Path(path_type=Path), help="Also write every label as a PNG here.")
@click.option(
    "--preview",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Write OUT/preview.png with this many crops and their labels overlaid.",
)
@click.option(
    "--shard-size", type=click.IntRange(min=1), default=10000, show_default=True, help="Samples per shard."
)
@workers_option
@click.option("--strict", is_flag=True, help="Fail if any crop is skipped.")
def render_labels(
    crops: Path,
    alignment: Path,
    out: Path,
    manifest: Path | None,
    font: Path | None,
    supersample: int,
    resample: str,
    label_size: tuple[int, int] | None,
    png_dir: Path | None,
    preview: int,
    shard_size: int,
    workers: int,
    strict: bool,
) -> None:
    """Render an image label for every crop in CROPS and write training shards to OUT.

    CROPS is a `plategen crop` folder or index, a folder of crops named by their text, or a folder
    with a --manifest of path<TAB>text lines. Writes OUT/<split>-NNNNN.tar (crop, label, json per
    sample), OUT/manifest.json and OUT/skipped.jsonl. A re-run keeps finished shards.

    Example: plategen render-labels crops --alignment alignment.json shards --preview 32
    """
    with library_errors():
        config = RenderConfig(supersample=supersample, resample=resample, label_size=label_size)
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
        )
    click.echo(report.summary())
