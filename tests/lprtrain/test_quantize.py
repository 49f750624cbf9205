"""int8 export: the quantized model is written, runs through predict and eval, reads as fp32 does;
and its bad input (no quantization tools, no readable calibration crops)."""

from __future__ import annotations

import errno
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.lprtrain import lprtrain
from lprtrain.data.testdata import synthetic_plates
from lprtrain.deploy.convert import import_pretrained
from lprtrain.deploy.export import write_onnx
from lprtrain.deploy.quantize import int8_from_run, quantize_onnx
from lprtrain.evaluation.scoring import predict_texts
from lprtrain.model.inference import ort_session
from lprtrain.model.lprnet import TrainingModel
from lprtrain.model.run import load_model, save_run, shipped_model
from plategen.io import write_image_atomic

from .test_export import trained_like

TEXTS = ["皖A12345", "沪B6789C", "京N0A123", "浙D55D88"]


@pytest.fixture
def run(tmp_path):
    training = TrainingModel(trained_like().config, (94, 24))
    training.lprnet = trained_like()
    return save_run(tmp_path / "run", training.lprnet, {"label_size": [94, 24]}, training.decoder)


@pytest.fixture
def crops(tmp_path) -> Path:
    """12 plate-like crops named after their text."""
    folder = tmp_path / "crops"
    for i, image in enumerate(synthetic_plates(12, (94, 24)).numpy()):
        write_image_atomic(folder / f"{TEXTS[i % 4][:-1]}{i % 10}.png", image)
    return folder


def test_int8_export_runs_through_predict_and_eval(run: Path, crops: Path, tmp_path: Path) -> None:
    int8 = tmp_path / "model-int8.onnx"
    cli = CliRunner()
    result = cli.invoke(
        lprtrain,
        ["export", str(run), "--int8", str(int8), "--calibrate", str(crops), "--check-data", str(crops)],
    )
    assert result.exit_code == 0, result.output
    assert "int8" in result.output and "exact-plate accuracy" in result.output and "fp32" in result.output
    import onnx

    ops = {n.op_type for n in onnx.load(str(int8)).graph.node}
    assert "QuantizeLinear" in ops and "DequantizeLinear" in ops
    predicted = cli.invoke(lprtrain, ["predict", str(run), str(crops), "--onnx", str(int8), "--json"])
    assert predicted.exit_code == 0, predicted.output
    assert predicted.output.count('"text"') == 12
    evaluated = cli.invoke(lprtrain, ["eval", str(run), str(crops), "--onnx", str(int8)])
    assert evaluated.exit_code == 0, evaluated.output
    assert "plates 12" in evaluated.output


def _int8_within(run: Path, real_crops: Path, plate_crops: Path, out: Path, points: float):
    """int8 of `run` as `lprtrain export --int8` makes it (calibrated on real-crops' train split),
    checked on plate-crops (a test set: never tuned on) with `points` as the refusal threshold."""
    return int8_from_run(run, out, real_crops, plate_crops, max_loss=points)


def test_int8_of_the_shipped_reader_keeps_its_accuracy(real_crops, plate_crops, tmp_path) -> None:
    report = _int8_within(shipped_model(), real_crops, plate_crops, tmp_path / "int8.onnx", 0.5)
    assert report.check.total == 200 and report.check.loss <= 0.5, report.summary()
    assert (tmp_path / "int8.onnx").is_file()


def test_int8_of_the_imported_weights_keeps_their_accuracy(
    pretrained_pth, real_crops, plate_crops, tmp_path
) -> None:
    """Issue 26: with 8-bit weights these lost 8 points on a CPU without VNNI (int16 overflow)."""
    run = import_pretrained(pretrained_pth, tmp_path / "run")
    report = _int8_within(run, real_crops, plate_crops, tmp_path / "int8.onnx", 0.5)
    assert report.check.fp32 == 179, report.summary()  # the published figure: the import is faithful
    assert report.check.loss <= 0.5, report.summary()


def test_no_uint8_int8_product_pair_overflows_int16(tmp_path: Path) -> None:
    """CPUs without VNNI add two uint8×int8 products in an int16 (ORT's U8S8 kernels, vpmaddubsw),
    which saturates at 32767: every int8 weight must keep 2·255·|w| within it, so the model reads
    the same on every CPU."""
    import onnx
    from onnx import numpy_helper

    write_onnx(trained_like(), tmp_path / "fp32.onnx")
    quantize_onnx(tmp_path / "fp32.onnx", tmp_path / "int8.onnx", synthetic_plates(16, (94, 24)), 8)
    convs = sum(n.op_type == "Conv" for n in onnx.load(str(tmp_path / "fp32.onnx")).graph.node)
    graph = onnx.load(str(tmp_path / "int8.onnx")).graph
    int8 = onnx.TensorProto.INT8
    weights = {i.name: numpy_helper.to_array(i) for i in graph.initializer if i.data_type == int8}
    weights = {name: w for name, w in weights.items() if w.ndim == 4}  # not the zero points
    assert len(weights) == convs - 1  # every conv but the context branch's classifier
    worst = {name: int(abs(w.astype(int)).max()) for name, w in weights.items()}
    assert all(2 * 255 * w <= 32767 for w in worst.values()), worst


def _own_readings(run: Path, folder: Path) -> Path:
    """A manifest of synthetic crops labelled with what the fp32 ONNX model reads in them, so fp32
    reads every one right and any int8 difference is a loss (the shipped reader's int8 reads about
    a quarter of these strokes otherwise). Every row is in the train split."""
    model = load_model(run)
    write_onnx(model, folder / "fp32.onnx")
    images = synthetic_plates(32, (94, 24), seed=5)
    readings = predict_texts(model, images, 32, session=ort_session(folder / "fp32.onnx"))
    rows = []
    for i, (image, (text, _)) in enumerate(zip(images.numpy(), readings)):
        if text:  # a manifest row needs a text
            write_image_atomic(folder / f"{i}.png", image)
            rows.append(f"{i}.png\t{text}\ttrain\n")
    (folder / "own.tsv").write_text("".join(rows), encoding="utf-8")
    return folder / "own.tsv"


def test_export_refuses_int8_that_loses_more_than_allowed(tmp_path: Path) -> None:
    run = shipped_model()
    own = _own_readings(run, tmp_path)
    kept = int8_from_run(run, tmp_path / "kept.onnx", own, own, max_loss=100).check
    assert kept.fp32 == kept.total >= 16 and kept.int8 < kept.fp32, kept  # int8 does lose here
    out = tmp_path / "m8.onnx"
    args = ["export", str(run), "--int8", str(out), "--calibrate", str(own), "--check-data", str(own)]
    result = CliRunner().invoke(lprtrain, [*args, "--max-int8-loss", "0"])
    assert result.exit_code == 1, result.output
    assert result.output == (
        f"Error: {out}: int8 loses {kept.loss:.2f} points against fp32 on {own} "
        f"({kept.int8 / kept.total:.4f} vs 1.0000), more than --max-int8-loss 0; "
        "not written (raise --max-int8-loss to keep it)\n"
    )
    assert not out.exists() and not list(tmp_path.glob(".m8.onnx*"))


def test_int8_without_check_data_says_it_was_not_checked(run: Path, crops: Path, tmp_path) -> None:
    report = int8_from_run(run, tmp_path / "q.onnx", crops, None)
    assert report.check is None
    assert "int8 accuracy not checked: no check data" in report.summary()


@pytest.mark.parametrize("cause", ["parent is a file", "disk full"])
def test_int8_write_failure_is_one_error_line_and_leaves_no_file(
    run: Path, crops: Path, tmp_path: Path, monkeypatch, cause: str
) -> None:
    import lprtrain.deploy.quantize as quantize

    (tmp_path / "afile").write_text("x")
    out = tmp_path / "afile" / "q.onnx"
    reason = f"{tmp_path / 'afile'} is a file, not a folder"
    if cause == "disk full":
        out, reason = tmp_path / "q.onnx", "No space left on device"

        def full(q, prepared, dest, reader, keep_fp32):
            Path(dest).write_bytes(b"half a model")
            raise OSError(errno.ENOSPC, reason)  # as a write() on a full disk: no file name

        monkeypatch.setattr(quantize, "_quantize", full)
    args = ["export", str(run), "--int8", str(out), "--calibrate", str(crops), "--check-data", str(crops)]
    result = CliRunner().invoke(lprtrain, args)
    assert result.exit_code == 1, result.output
    assert result.output == f"Error: {out}: cannot write: {reason}\n"
    assert not out.exists() and not list(out.parent.glob(".q.onnx*"))


def test_int8_without_quantization_tools_is_one_error_line(run, crops, tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime.quantization", None)  # import now raises ImportError
    result = CliRunner().invoke(
        lprtrain, ["export", str(run), "--int8", str(tmp_path / "q.onnx"), "--calibrate", str(crops)]
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: int8 export needs onnxruntime's quantization tools")
    assert "pip install 'plategen[export]'" in result.output and result.output.count("\n") == 1


def test_calibration_folder_without_readable_crops(run, tmp_path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "皖A12345.jpg").write_bytes(b"not a jpeg")
    result = CliRunner().invoke(
        lprtrain, ["export", str(run), "--int8", str(tmp_path / "q.onnx"), "--calibrate", str(bad)]
    )
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {bad}: none of its 1 crops could be read")
    assert result.output.count("\n") == 1
    assert not (tmp_path / "q.onnx").exists()


def test_int8_needs_calibration_data_or_a_run_with_shards(run, tmp_path) -> None:
    result = CliRunner().invoke(lprtrain, ["export", str(run), "--int8", str(tmp_path / "q.onnx")])
    assert result.exit_code == 1
    assert "names no training shards" in result.output and "--calibrate" in result.output


def test_int8_of_a_run_that_records_its_shards_by_name_asks_for_calibration_data(tmp_path) -> None:
    shards = {"name": "synth-shards", "of": "shards", "sha256": "ab" * 32}
    run = save_run(tmp_path / "run", trained_like(), {"shards": shards})
    result = CliRunner().invoke(lprtrain, ["export", str(run), "--int8", str(tmp_path / "q.onnx")])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {run}: the run records its training shards as 'synth-shards' (sha256 abababababab…), "
        "not where they are; pass --calibrate\n"
    )


def test_export_needs_an_output(run) -> None:
    result = CliRunner().invoke(lprtrain, ["export", str(run)])
    assert result.exit_code == 2 and "--onnx PATH and/or --int8 PATH" in result.output


def _dequantized_inputs(graph, node) -> list[str]:
    """The inputs of `node` that come straight from a DequantizeLinear (i.e. are int8 in QDQ form)."""
    dq = {out for n in graph.node if n.op_type == "DequantizeLinear" for out in n.output}
    return [name for name in node.input if name in dq]


def test_int8_keeps_the_context_branch_in_fp32_and_quantizes_the_backbone(tmp_path: Path) -> None:
    """The context maps are scaled by their mean square and concatenated; one int8 scale over the
    concatenation loses the small ones (about -2 points), so the concat and the classifier conv must
    read fp32 tensors, while the backbone's convs read int8 ones."""
    import onnx

    write_onnx(trained_like(), tmp_path / "fp32.onnx")
    quantize_onnx(tmp_path / "fp32.onnx", tmp_path / "int8.onnx", synthetic_plates(16, (94, 24)), 8)
    graph = onnx.load(str(tmp_path / "int8.onnx")).graph
    (concat,) = [n for n in graph.node if n.op_type == "Concat" and len(n.input) == 4]
    classifier = next(n for n in graph.node if n.op_type == "Conv" and concat.output[0] in n.input)
    assert _dequantized_inputs(graph, concat) == []
    assert _dequantized_inputs(graph, classifier) == []
    first_conv = next(n for n in graph.node if n.op_type == "Conv")
    assert len(_dequantized_inputs(graph, first_conv)) >= 2  # activations and weights


def test_the_fp32_nodes_are_found_by_structure_not_by_name(tmp_path: Path) -> None:
    """Renaming every node (as another torch release's exporter might) keeps the same nodes fp32."""
    import onnx

    from lprtrain.deploy.quantize import context_branch

    write_onnx(trained_like(), tmp_path / "fp32.onnx")
    graph = onnx.load(str(tmp_path / "fp32.onnx")).graph
    kept = context_branch(graph)
    ops = sorted(n.op_type for n in graph.node if n.name in kept)
    assert "Concat" in ops and "Conv" in ops and "Relu" not in ops
    assert ops.count("Conv") == 1  # the classifier alone; every backbone conv is quantized
    index = {n.name: i for i, n in enumerate(graph.node)}
    for i, node in enumerate(graph.node):
        node.name = f"n{i:03d}"
    assert context_branch(graph) == [f"n{index[name]:03d}" for name in kept]
