"""int8 LPRNet for x86 CPUs: ONNX Runtime static quantization (QDQ) of the exported model, calibrated
on real crops read through `lprtrain.model.preprocess`, and refused when it reads worse than fp32.

What is quantized, and why. Choices were measured on real-crops' val split (247 plates) and the gate
crops (17), for the shipped reader and the imported LPRNet_Pytorch weights; plate-crops only
confirmed them. Speed by `benchmarks/infer.py`.
- the backbone's convolutions, per output channel, with uint8 activations and int8 weights (U8S8: the
  form ORT's integer kernels run fastest; S8S8 ran at about half the speed here);
- the weights in 7 bits (±64, ORT's `reduce_range`), so that the model computes the same on every x86
  CPU. Without VNNI (AVX2; AVX-512 before Cascade Lake) ORT's U8S8 kernels add two uint8×int8
  products into an int16 that saturates: 2·255·127 overflows it, 2·255·64 = 32640 does not. With
  8-bit weights the LPRNet_Pytorch weights read 81 of the 247 val plates on an AVX2 CPU (fp32 123;
  issue 26's 163 of plate-crops' 200 against 179) and 118 with VNNI; with 7-bit weights 123 on both,
  with bit-identical logits (AVX2 emulated by `qemu-x86_64 -cpu Haswell`). The overflow is mostly
  in the first conv: its input is the image, whose uint8 codes sit near 255 for every bright pixel
  (zero point 128), while a ReLU output seldom reaches its top code. Keeping that conv (or the last
  one) fp32 instead moved no more than 2 of the 264 validation readings either way, for either model,
  and would leave the readings CPU-dependent; so every backbone conv stays int8;
- the global-context branch stays fp32: the four context maps are divided by their mean square and
  concatenated, and one int8 scale over the concatenation loses the small ones (-2 points); it is a
  1×1 conv on a 4×18 map, a few percent of the FLOPs;
- activation ranges are the 99.99th percentile of the calibration values, not their min/max: one
  bright outlier otherwise stretches a scale (min/max lost 1-3 points).

`export_int8` reads the check data with both models and writes nothing when int8 loses more than
`max_loss` points (QuantizationError): a loss is a property of the weights and the data, not only of
this code, so it is checked on every export rather than trusted.
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch

from plategen.io import atomic_path, check_writable

from ..data.plate_data import PlateData, load_data
from ..errors import DependencyError, QuantizationError, RunError
from ..evaluation.scoring import DEFAULT_BATCH, evaluate
from ..model.inference import MICRO_BATCH, forward_batch, ort_session
from ..model.lprnet import LPRNet
from ..model.preprocess import to_input
from ..model.run import load_model, read_config
from .export import OPSET, write_onnx

# Crops drawn for calibration. Fewer cost the imported LPRNet_Pytorch weights readings on real-crops' val
# split (128: -8, 256: -4, 512: 0 of 247 against fp32); the shipped reader moved by at most 2 either way.
CALIBRATION_SAMPLES = 512
PERCENTILE = 99.99
# Points of exact-plate accuracy int8 may lose against fp32 on the check data before export refuses it.
MAX_INT8_LOSS = 1.0


@dataclass(frozen=True)
class Int8Check:
    """fp32 and int8 read the same labelled crops under ONNX Runtime (as `lprtrain eval` reads)."""

    data: str  # what was read
    fp32: int  # plates read exactly right
    int8: int
    same: int  # plates both read alike
    total: int

    @property
    def loss(self) -> float:
        """Points of exact-plate accuracy int8 loses against fp32 (negative: it gains)."""
        return 100 * (self.fp32 - self.int8) / self.total if self.total else 0.0

    def line(self) -> str:
        a, b = self.fp32 / self.total, self.int8 / self.total
        return (
            f"exact-plate accuracy on {self.data} ({self.total} plates): fp32 {a:.4f}, int8 {b:.4f} "
            f"({-self.loss:+.2f} points); {self.same} of {self.total} readings identical"
        )


@dataclass(frozen=True)
class Int8Report:
    path: Path
    calibration: str  # what was read, and how many crops
    check: Int8Check | None  # None: no labelled crops were given to check on

    def summary(self) -> str:
        lines = [f"wrote {self.path} (int8, QDQ; calibrated on {self.calibration})"]
        if self.check:
            lines.append(self.check.line())
        else:
            lines.append("int8 accuracy not checked: no check data (name labelled crops with --check-data)")
        return "\n".join(lines)


def _quantization_tools():
    """onnxruntime.quantization, or DependencyError naming the extra."""
    try:
        import onnxruntime.quantization as quantization
    except ImportError:
        raise DependencyError(
            "int8 export needs onnxruntime's quantization tools (onnxruntime.quantization, with onnx): "
            "pip install 'plategen[export]'"
        ) from None
    return quantization


def calibration_sample(data: PlateData, source: str | Path, n: int = CALIBRATION_SAMPLES, seed: int = 0):
    """uint8 (≤ n, H, W, 3) BGR crops drawn from `data` without replacement.

    Raises RunError naming `source` when it holds no readable crop."""
    if len(data) == 0:
        reason = f" ({len(data.skipped)} unreadable, e.g. {data.skipped[0][1]})" if data.skipped else ""
        raise RunError(f"{source}: no readable crops to calibrate the int8 model on{reason}")
    idx = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))[:n]
    return data.images[idx.sort().values]


def quantize_onnx(fp32_path: Path, out: Path, images: torch.Tensor, batch: int = MICRO_BATCH) -> None:
    """Write the int8 (QDQ) form of the ONNX model at `fp32_path` to `out` (atomic), calibrated on
    uint8 (N, H, W, 3) BGR `images` in passes of `batch`. Raises DependencyError without the tools,
    WriteError naming `out` when it cannot be written."""
    with atomic_path(Path(out)) as dest:
        _quantize_into(Path(fp32_path), dest, images, batch)


def _quantize_into(fp32_path: Path, dest: Path, images: torch.Tensor, batch: int) -> None:
    """quantize_onnx's work, writing `dest` directly (its caller makes the write atomic)."""
    q = _quantization_tools()
    import onnx

    # equal batches only: the percentile calibrator stacks every batch's values into one array
    full = max(len(images) // batch * batch, min(len(images), batch))
    batches = [{"images": to_input(images[i : i + batch]).numpy()} for i in range(0, full, batch)]

    class Reader(q.CalibrationDataReader):
        def __init__(self) -> None:
            self.it = iter(batches)

        def get_next(self):
            return next(self.it, None)

    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        q.shape_inference.quant_pre_process(str(fp32_path), str(prepared))
        keep_fp32 = context_branch(onnx.load(str(prepared)).graph)
        quiet = contextlib.redirect_stdout(io.StringIO())  # its calibrator prints progress notes
        with quiet, _logging_off():
            _quantize(q, prepared, dest, Reader(), keep_fp32)


def context_branch(graph) -> list[str]:
    """Names of the nodes kept in fp32: everything after the backbone (the context maps, their
    scaling and concat, the classifier), found from the graph's structure, not the exporter's names.

    The backbone is the last ReLU (LPRNet's tap 22; the context branch has no ReLU) and everything it
    is computed from; an ONNX graph lists its nodes in topological order. Raises RunError when the
    graph has no ReLU or a node of the branch has no name to exclude it by."""
    producers = {out: node for node in graph.node for out in node.output}
    relus = [node for node in graph.node if node.op_type == "Relu"]
    if not relus:
        raise RunError("int8: the ONNX graph has no ReLU; not an LPRNet export")
    backbone: set[int] = set()
    stack = [relus[-1]]
    while stack:
        node = stack.pop()
        if id(node) not in backbone:
            backbone.add(id(node))
            stack += [producers[name] for name in node.input if name in producers]
    branch = [node for node in graph.node if id(node) not in backbone]
    if any(not node.name for node in branch):
        raise RunError("int8: a node after the backbone has no name, so it cannot be kept in fp32")
    return [node.name for node in branch]


@contextlib.contextmanager
def _logging_off():
    """Silence the quantizer's advisory log warnings (pre-processing hints) for the duration."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)


def _quantize(q, prepared: Path, dest: Path, reader, keep_fp32: list[str]) -> None:
    """quantize_static with this module's choices (see its docstring)."""
    q.quantize_static(
        str(prepared),
        str(dest),
        reader,
        quant_format=q.QuantFormat.QDQ,
        per_channel=True,
        activation_type=q.QuantType.QUInt8,
        weight_type=q.QuantType.QInt8,
        reduce_range=True,  # 7-bit weights: no int16 overflow in the kernels of CPUs without VNNI
        calibrate_method=q.CalibrationMethod.Percentile,
        nodes_to_exclude=keep_fp32,
        extra_options={"CalibPercentile": PERCENTILE},
    )


def export_int8(
    model: LPRNet,
    out: str | Path,
    calibration: torch.Tensor,
    calibration_name: str,
    check: PlateData | None = None,
    check_name: str = "",
    opset: int = OPSET,
    batch_size: int = DEFAULT_BATCH,
    max_loss: float = MAX_INT8_LOSS,
) -> Int8Report:
    """Export `model` to ONNX, quantize it to int8 at `out`, and with `check` compare the exact-plate
    accuracy of the fp32 and int8 models under ONNX Runtime (read as `lprtrain eval` reads).

    Raises QuantizationError, and leaves nothing at `out`, when int8 loses more than `max_loss`
    points against fp32 on `check`; WriteError naming `out` when it cannot be written;
    DependencyError when onnx or onnxruntime's quantization tools are missing."""
    _quantization_tools()
    out = Path(out)
    step = forward_batch(model.config, batch_size)
    with tempfile.TemporaryDirectory() as tmp, atomic_path(out) as dest:  # `out` appears once checked
        fp32 = Path(tmp) / "fp32.onnx"
        write_onnx(model, fp32, opset)
        _quantize_into(fp32, dest, calibration, step)
        result = None
        if check is not None:
            result = _compare(model, check, check_name, batch_size, fp32, dest)
            if result.loss > max_loss + 1e-9:  # the loss is a ratio of whole plates: spare rounding
                raise QuantizationError(
                    f"{out}: int8 loses {result.loss:.2f} points against fp32 on {check_name} "
                    f"({result.int8 / result.total:.4f} vs {result.fp32 / result.total:.4f}), more than "
                    f"--max-int8-loss {max_loss:g}; not written (raise --max-int8-loss to keep it)"
                )
    return Int8Report(out, f"{len(calibration)} crops from {calibration_name}", result)


def _compare(model: LPRNet, check: PlateData, name: str, batch_size: int, fp32: Path, int8: Path):
    """Int8Check of the ONNX models at `fp32` and `int8` on `check`."""
    a = evaluate(model, check, batch_size, session=ort_session(fp32, config=model.config))
    b = evaluate(model, check, batch_size, session=ort_session(int8, config=model.config))
    same = sum(x["pred"] == y["pred"] for x, y in zip(a.predictions, b.predictions))
    return Int8Check(name, a.metrics.counts.tp, b.metrics.counts.tp, same, len(check))


def int8_from_run(
    run: str | Path,
    path: str | Path,
    calibrate: str | Path | None = None,
    check: str | Path | None = None,
    opset: int = OPSET,
    max_loss: float = MAX_INT8_LOSS,
) -> Int8Report:
    """Quantize RUN's deployable LPRNet to an int8 ONNX model at `path` (`lprtrain.deploy.quantize`).

    Calibrates on a sample of the train split of `calibrate` (any dataset `load_data` reads; every
    sample has a split, see `plategen.data.splits`). Without `calibrate`, a run whose config.json
    names its training shards by path (one written before runs recorded their data by name and hash)
    calibrates on those. With `check` (labelled crops) the report gives fp32 and int8 accuracy, and
    a loss of more than `max_loss` points raises QuantizationError (nothing is written).
    Raises WriteError naming `path` when it cannot be written (checked before any slow reading),
    RunError when no calibration data is named or readable, DatasetError naming the splits a
    source without train samples has, DependencyError when onnxruntime's quantization tools are
    missing."""
    _quantization_tools()  # before any slow reading
    check_writable(path)
    model = load_model(run)
    size = model.config.input_size
    if calibrate is None:
        run_dir = Path(run) if Path(run).is_dir() else Path(run).parent
        calibrate = (read_config(run_dir) if (run_dir / "config.json").is_file() else {}).get("shards")
        if calibrate is None:
            raise RunError(
                f"{run}: the run names no training shards (config.json 'shards'); pass --calibrate"
            )
        if isinstance(calibrate, dict):  # runs record their data by name and hash, not where it lay
            raise RunError(
                f"{run}: the run records its training shards as {calibrate.get('name')!r} "
                f"(sha256 {str(calibrate.get('sha256'))[:12]}…), not where they are; pass --calibrate"
            )
    data = load_data(calibrate, "train", size, skip_unreadable=True)
    images = calibration_sample(data, calibrate)
    labelled = load_data(check, None, size, skip_unreadable=True) if check is not None else None
    return export_int8(model, path, images, str(calibrate), labelled, str(check), opset, max_loss=max_loss)


__all__ = [
    "CALIBRATION_SAMPLES",
    "MAX_INT8_LOSS",
    "Int8Check",
    "Int8Report",
    "calibration_sample",
    "export_int8",
    "int8_from_run",
    "quantize_onnx",
]
