"""int8 export: the quantized model is written, runs through predict and eval, reads as fp32 does;
and its bad input (no quantization tools, no readable calibration crops)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.lprtrain import lprtrain
from lprtrain.data.plate_data import load_data
from lprtrain.data.testdata import synthetic_plates
from lprtrain.deploy.export import write_onnx
from lprtrain.deploy.quantize import calibration_sample, quantize_onnx
from lprtrain.evaluation.scoring import predict_texts
from lprtrain.model.inference import ort_session
from lprtrain.model.lprnet import TrainingModel
from lprtrain.model.run import lprnet_pytorch_model, save_run
from plategen.io import write_image_atomic

from .test_export import trained_like

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
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


@pytest.mark.skipif(not (SHARED / "lprnet-pretrained").is_dir(), reason="needs ../shared/data")
def test_int8_reads_the_published_model_as_fp32_does(tmp_path: Path) -> None:
    """Calibrated on real-crops' train split, checked on plate-crops (never tuned on)."""
    model = lprnet_pytorch_model(SHARED / "lprnet-pretrained" / "Final_LPRNet_model.pth")
    calib = calibration_sample(load_data(SHARED / "real-crops", "train"), "real-crops", 200)
    test = load_data(SHARED / "plate-crops")
    write_onnx(model, tmp_path / "fp32.onnx")
    quantize_onnx(tmp_path / "fp32.onnx", tmp_path / "int8.onnx", calib, 100)
    fp32 = predict_texts(model, test.images, 100, session=ort_session(tmp_path / "fp32.onnx"))
    int8 = predict_texts(model, test.images, 100, session=ort_session(tmp_path / "int8.onnx"))
    same = sum(a == b for (a, _), (b, _) in zip(fp32, int8))
    right = [sum(p == t for (p, _), t in zip(r, test.texts)) for r in (fp32, int8)]
    assert same >= 0.9 * len(test) and right[1] >= right[0] - 2, (same, right)


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
