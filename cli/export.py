"""`lprtrain export`: the deployable LPRNet (no decoder) as ONNX, checked against torch."""

from __future__ import annotations

from pathlib import Path

import click

from .common import library_errors

# Real crops for the check, when the shared data sits beside the repository (as on dev machines).
DEFAULT_CHECK_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "plate-crops"


@click.command("export")
@click.argument("run", type=click.Path(path_type=Path))
@click.option(
    "--onnx",
    "onnx_path",
    type=click.Path(path_type=Path),
    required=True,
    help="Where to write the ONNX model.",
)
@click.option(
    "--opset", type=click.IntRange(min=11), default=17, show_default=True, help="ONNX opset version."
)
@click.option(
    "--check-data",
    type=click.Path(path_type=Path),
    default=None,
    help="Real crops for the ONNX Runtime check (default: ../shared/data/plate-crops if present, "
    "else synthetic plates).",
)
def export(run: Path, onnx_path: Path, opset: int, check_data: Path | None) -> None:
    """Export RUN's deployable LPRNet to ONNX (dynamic batch, no decoder) and check it.

    Compares ONNX Runtime with torch on random and real input (tolerance 1e-4) and prints the
    parameter count and FLOPs per plate. The ONNX input is normalised BGR, (x - 127.5) / 128, NCHW.

    Example: lprtrain export runs/alt --onnx runs/alt/model.onnx
    """
    from lprtrain.data import load_data
    from lprtrain.export import TOLERANCE, export_onnx
    from lprtrain.run import load_model

    with library_errors():
        source = check_data or (DEFAULT_CHECK_DATA if DEFAULT_CHECK_DATA.is_dir() else None)
        real = load_data(source, None, load_model(run).config.input_size) if source else None
        report = export_onnx(run, onnx_path, opset, real, str(source))
    click.echo(report.summary())
    if not report.ok:
        raise click.ClickException(f"ONNX Runtime differs from torch by more than {TOLERANCE:g}; see above")
