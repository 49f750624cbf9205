"""`lprtrain predict`: text, confidence and plate validity for each plate crop."""

from __future__ import annotations

import json
from pathlib import Path

import click

from lprtrain.evaluation.predict import ROWS
from lprtrain.evaluation.predict import predict as predict_crops

from .common import library_errors, path_option, split_model
from .options import param_option


@click.command("predict")
@click.argument("paths", nargs=-1, required=True, metavar="[RUN] IMAGES...", type=click.Path(path_type=Path))
@path_option(
    "--onnx", "Run this ONNX file (from `lprtrain export`) with ONNX Runtime; RUN gives the charset."
)
@path_option(
    "--label-preview",
    "Write one PNG per crop into this folder: the crop beside the image label the "
    "decoder redraws (needs a run with decoder.safetensors).",
)
@param_option(predict_crops, "batch_size", "Crops per forward pass.", type=click.IntRange(min=1))
@param_option(
    predict_crops,
    "min_confidence",
    "The plate rule's threshold: `plate` is true for a valid text read with at least this confidence.",
    type=click.FloatRange(0, 1),
)
@click.option(
    "--rows",
    type=click.Choice(ROWS),
    default="auto",
    show_default=True,
    help="Rows of characters per crop: 1, 2 (two-row plates: the rows are found and set side by side), "
    "or auto (a tall crop with a gap between two rows is read both ways; the better plate reading wins).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print JSON lines {path, text, confidence, valid, kind, plate, rows} instead of tab-separated text.",
)
def predict(
    paths: tuple[Path, ...],
    onnx: Path | None,
    label_preview: Path | None,
    batch_size: int,
    min_confidence: float,
    rows: str,
    as_json: bool,
) -> None:
    """Read the plate crops IMAGES (files or folders) with the model in RUN.

    Without RUN, the reader shipped in the package (lprtrain/models/default, see its model card).

    Prints `<path>\\t<text>\\t<confidence>\\t<valid|invalid>` per crop; the confidence is the probability
    of the best CTC path, and `valid` says the text is one a plate kind of GA 36 accepts. With --json,
    also `kind` (the kind the text implies, null when invalid; blue stands for blue or yellow, which
    only colour tells apart) and `plate`: valid and at least --min-confidence, the rule that keeps
    non-plates (noise, walls, blank frames) out, and `rows`: 2 where the crop was read as a two-row
    plate, its rows set side by side (its kind is then yellow-rear or trailer). Unreadable images,
    and with --rows 2 crops without two rows, are skipped and listed on stderr; when nothing at all
    was read, that is an error (exit 1).

    Example: lprtrain predict runs/alt crops/ --label-preview previews/
    """

    run, images = split_model(paths, 1)
    with library_errors():
        report = predict_crops(
            run,
            list(images),
            onnx,
            batch_size,
            label_preview,
            progress=True,
            min_confidence=min_confidence,
            rows=rows,
        )
    for row, line in zip(report.rows, report.lines()):
        click.echo(json.dumps(row, ensure_ascii=False) if as_json else line)
    for path, reason in report.skipped:
        click.echo(f"skipped {path}: {reason}", err=True)
    if report.previews:
        click.echo(f"{len(report.previews)} label previews in {label_preview}", err=True)
