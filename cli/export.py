"""`lprtrain export`: the deployable LPRNet (no decoder) as ONNX, checked against torch."""

from __future__ import annotations

from pathlib import Path

import click

from lprtrain.deploy.export import export_onnx
from lprtrain.deploy.quantize import int8_from_run

from .common import library_errors, path_option
from .options import param_option

# Real crops for the check, when the shared data sits beside the repository (as on dev machines).
DEFAULT_CHECK_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "plate-crops"


@click.command("export")
@click.argument("paths", nargs=-1, metavar="[RUN]", type=click.Path(path_type=Path))
@path_option("--onnx", "Where to write the fp32 ONNX model.", "onnx_path")
@path_option(
    "--int8",
    "Also (or only) write an int8 ONNX model here: ONNX Runtime static quantization, QDQ.",
    "int8_path",
)
@path_option(
    "--calibrate",
    "Crops to calibrate --int8 on (shards, a crop folder or index, a manifest). Needed for runs "
    "that record their data by name and hash; older runs default to a sample of their shards.",
)
@param_option(export_onnx, "opset", "ONNX opset version.", type=click.IntRange(min=11))
@path_option(
    "--check-data",
    "Real crops for the ONNX Runtime check (default: ../shared/data/plate-crops if present, "
    "else synthetic plates).",
)
@param_option(
    int8_from_run,
    "max_loss",
    "Refuse to write --int8 when it reads more than this many points of exact-plate accuracy below "
    "fp32 on the check data.",
    flag="--max-int8-loss",
    type=click.FloatRange(min=0),
)
def export(
    paths: tuple[Path, ...],
    onnx_path: Path | None,
    int8_path: Path | None,
    calibrate: Path | None,
    opset: int,
    check_data: Path | None,
    max_loss: float,
) -> None:
    """Export RUN's deployable LPRNet to ONNX (dynamic batch, no decoder) and check it.

    --onnx: compares ONNX Runtime with torch on random and real input (tolerance 1e-4) and prints the
    parameter count and FLOPs per plate. --int8: quantizes it (calibrated on --calibrate crops) and
    prints the exact-plate accuracy of fp32 and int8 on the check data; an int8 model that loses more
    than --max-int8-loss points is not written. The ONNX input is normalised BGR, (x - 127.5) / 128,
    NCHW.

    Without RUN, the reader shipped in the package (lprtrain/models/default).

    Example: lprtrain export runs/alt --onnx runs/alt/model.onnx --int8 runs/alt/model-int8.onnx
    """
    from lprtrain.data.plate_data import load_data
    from lprtrain.deploy.export import TOLERANCE

    if onnx_path is None and int8_path is None:
        raise click.UsageError("name an output: --onnx PATH and/or --int8 PATH")
    if len(paths) > 1:
        raise click.UsageError("expected at most one RUN")
    report = None
    with library_errors():
        from lprtrain.model.run import shipped_model

        run = paths[0] if paths else shipped_model()
        source = check_data or (DEFAULT_CHECK_DATA if DEFAULT_CHECK_DATA.is_dir() else None)
        if onnx_path is not None:
            real = load_data(source, None, _input_size(run)) if source else None
            report = export_onnx(run, onnx_path, opset, real, str(source))
            click.echo(report.summary())
        if int8_path is not None:
            click.echo(int8_from_run(run, int8_path, calibrate, source, opset, max_loss).summary())
    if report is not None and not report.ok:
        raise click.ClickException(f"ONNX Runtime differs from torch by more than {TOLERANCE:g}; see above")


def _input_size(run: Path) -> tuple[int, int]:
    from lprtrain.model.run import load_model

    return load_model(run).config.input_size
