"""Export the deployable LPRNet (no decoder) to ONNX with a dynamic batch, and check it.

The check runs ONNX Runtime and torch on the same random and real input. Logits of LPRNet can reach
~100 (its context maps are divided by their mean square), so besides the absolute logit difference
the report gives the difference of the softmax probabilities, which is what decoding reads; the
1e-4 tolerance applies to the probabilities and to the logit difference relative to the logit range.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from plategen.io import atomic_path, check_writable

from ..data.plate_data import PlateData
from ..data.testdata import synthetic_plates
from ..errors import DependencyError
from ..model.flops import count_macs
from ..model.inference import ort_session
from ..model.lprnet import LPRNet, count_parameters
from ..model.preprocess import to_input
from ..model.run import load_model

TOLERANCE = 1e-4


# The ONNX opset of every export (fp32 and int8) unless a caller asks for another.
OPSET = 17


@dataclass(frozen=True)
class ExportReport:
    path: Path
    opset: int
    parameters: int
    macs: int  # per plate
    diffs: dict  # input name → {"logits": max abs diff, "relative": …, "probs": …}
    real_input: str  # what the "real" check read

    @property
    def flops(self) -> int:
        return 2 * self.macs

    @property
    def ok(self) -> bool:
        return all(d["probs"] <= TOLERANCE and d["relative"] <= TOLERANCE for d in self.diffs.values())

    def summary(self) -> str:
        lines = [
            f"wrote {self.path} (opset {self.opset}, dynamic batch, no decoder)",
            f"parameters {self.parameters:,} ({self.parameters / 1e6:.3f} M)",
            f"per plate: {self.flops / 1e9:.3f} GFLOPs = {self.macs / 1e9:.3f} G multiply-adds × 2",
        ]
        for name, d in self.diffs.items():
            lines.append(
                f"ONNX Runtime vs torch, {name}: max |Δlogit| {d['logits']:.2e} "
                f"(relative {d['relative']:.2e}), max |Δprob| {d['probs']:.2e}"
            )
        lines.append(f"real input: {self.real_input}")
        return "\n".join(lines)


def _diff(torch_out: np.ndarray, ort_out: np.ndarray) -> dict:
    logits = float(np.abs(torch_out - ort_out).max())
    scale = float(np.abs(torch_out).max()) or 1.0
    probs = np.abs(
        torch.from_numpy(torch_out).softmax(1).numpy() - torch.from_numpy(ort_out).softmax(1).numpy()
    )
    return {"logits": logits, "relative": logits / scale, "probs": float(probs.max())}


def write_onnx(model: LPRNet, path: Path, opset: int = OPSET) -> None:
    """Trace `model` (eval mode) to ONNX at `path` (atomic, its folder made when missing), batch
    axis dynamic. Raises WriteError naming `path` when it cannot be written."""
    w, h = model.config.input_size
    dummy = torch.zeros(2, 3, h, w)
    with atomic_path(path) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy exporter's deprecation and tracer notes
        torch.onnx.export(
            model.eval(),
            (dummy,),
            str(tmp),
            dynamo=False,
            opset_version=opset,
            input_names=["images"],
            output_names=["logits"],
            dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}},
        )


def export_onnx(
    run: str | Path,
    path: str | Path,
    opset: int = OPSET,
    real: PlateData | None = None,
    real_name: str = "synthetic plates",
    seed: int = 0,
) -> ExportReport:
    """Export RUN's deployable LPRNet to `path` and compare ONNX Runtime with torch.

    `real` supplies real crops for the second check (else synthetic plate-like images are used).
    Input is normalised BGR (B, 3, H, W) as `preprocess` makes it; output logits (B, classes, T).
    Raises WriteError naming `path` when it cannot be written (a parent that is a file, a full disk;
    nothing is left there), RunError/WeightsError for a bad run, DependencyError when
    onnx/onnxruntime are missing.
    """
    try:
        import onnx  # noqa: F401  (torch.onnx.export needs it)
    except ImportError:
        raise DependencyError("onnx is not installed: pip install 'plategen[export]'") from None
    check_writable(path)  # before loading anything
    model, path = load_model(run), Path(path)
    write_onnx(model, path, opset)
    session = ort_session(path)
    w, h = model.config.input_size
    gen = torch.Generator().manual_seed(seed)
    inputs = {
        "random input": torch.randn(8, 3, h, w, generator=gen),
        "real input": to_input(real.images[:32] if real is not None else synthetic_plates(16, (w, h), seed)),
    }
    diffs = {}
    with torch.inference_mode():
        for name, x in inputs.items():
            diffs[name] = _diff(model(x).numpy(), session.run(None, {"images": x.numpy()})[0])
    macs = count_macs(model, torch.zeros(1, 3, h, w))
    return ExportReport(
        path,
        opset,
        count_parameters(model),
        macs,
        diffs,
        real_name if real is not None else "synthetic plates",
    )
