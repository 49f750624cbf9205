"""`lprtrain eval`: the paper's accuracy and LCR, per-subset and per-character tables."""

from __future__ import annotations

import json
from pathlib import Path

import click

from lprtrain.evaluation.scoring import evaluate

from .common import library_errors, path_option, split_model, strict_option
from .options import param_option


@click.command("eval")
@click.argument("paths", nargs=-1, required=True, metavar="[MODEL] DATA", type=click.Path(path_type=Path))
@click.option(
    "--split",
    help="Split to read: train, val or test (default: shards' test, else val, else train; every "
    "sample of other data).",
)
@param_option(
    evaluate,
    "batch_size",
    "Plates per forward pass. Imported LPRNet_Pytorch models scale their context over "
    "the whole batch, so their published figures hold at that code's batch of 100.",
    type=click.IntRange(min=1),
)
@path_option(
    "--json",
    "Also write the report as JSON to FILE ('-' for stdout, replacing the table).",
    "json_out",
    allow_dash=True,
)
@param_option(
    evaluate,
    "top",
    "How many of the most frequent confusions to list.",
    flag="--top-confusions",
    type=click.IntRange(min=0),
)
@path_option(
    "--onnx",
    "Read with this ONNX file (from `lprtrain export`, fp32 or --int8) under ONNX Runtime; "
    "MODEL gives the charset.",
)
@strict_option("Exit non-zero if any crop was skipped as unreadable.")
def eval_(
    paths: tuple[Path, ...],
    split: str | None,
    batch_size: int,
    json_out: Path | None,
    top: int,
    onnx: Path | None,
    strict: bool,
) -> None:
    """Evaluate MODEL (a run folder, model.safetensors or LPRNet_Pytorch .pth) on DATA.

    Without MODEL, the reader shipped in the package (lprtrain/models/default, see its model card).

    DATA is a shard folder, a crop folder or index, a folder of crops named after their text, or a
    `path<TAB>text` manifest. Reports accuracy, LCR (TP, TN1 = wrong length, TN2 = wrong character),
    how many readings are no plate text (invalid) or a text of another kind than the plate's, a row
    per plate kind (the data's "kind" field, else the kind the text implies), per-subset rows,
    per-character precision/recall/F1 and the most frequent confusions. A crop that
    cannot be read is skipped and listed in the report (and on stderr); --strict makes that an error.

    Example: lprtrain eval ../shared/data/plate-crops   (or: lprtrain eval runs/alt DATA --json r.json)
    """
    from lprtrain.data.plate_data import load_data
    from lprtrain.model.inference import ort_session
    from lprtrain.model.run import load_model, refuse_model

    model, (data,) = split_model(paths, 1, 1)
    with library_errors():
        refuse_model(data, "data", f"to evaluate it: lprtrain eval {data} DATA")
        net = load_model(model)
        plates = load_data(data, split, net.config.input_size, skip_unreadable=True)
        # which samples were scored, on stderr when stdout carries the JSON
        click.echo(plates.origin(), err=str(json_out) == "-")
        session = ort_session(onnx, config=net.config) if onnx is not None else None
        report = evaluate(net, plates, batch_size, top, progress=True, session=session)
        if json_out is not None:
            text = json.dumps(report.to_json(), ensure_ascii=False, indent=2)
            if str(json_out) == "-":
                click.echo(text)
            else:
                from plategen.io import write_text_atomic

                write_text_atomic(json_out, text + "\n")
    if json_out is None or str(json_out) != "-":
        click.echo(report.table())
    for path, reason in report.skipped:
        click.echo(f"skipped {path}: {reason}", err=True)
    if strict and report.skipped:
        raise click.ClickException(f"{len(report.skipped)} crops skipped as unreadable (--strict)")
