"""Bad input to lprtrain eval/import/predict/export: one `Error: …` line naming what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from cli.lprtrain import lprtrain
from lprtrain.model.lprnet import LPRNet, ModelConfig
from lprtrain.model.run import save_run


class NotWeights:
    """Pickling this needs arbitrary code: weights_only loading must refuse it."""

    def __init__(self) -> None:
        self.payload = [1, 2, 3]


def invoke(*args) -> tuple[int, str]:
    result = CliRunner().invoke(lprtrain, [str(a) for a in args])
    return result.exit_code, result.output.strip().splitlines()[-1] if result.output.strip() else ""


def test_missing_weights_file(tmp_path, crops):
    missing = tmp_path / "nope.pth"
    assert invoke("import", missing, tmp_path / "out") == (1, f"Error: {missing}: weights file not found")
    assert invoke("eval", missing, crops) == (1, f"Error: {missing}: weights file not found")
    run = tmp_path / "norun"
    assert invoke("eval", run, crops) == (1, f"Error: {run}: no such run folder or weights file")


def test_pth_needing_arbitrary_pickle_is_refused(tmp_path):
    evil = tmp_path / "evil.pth"
    torch.save(NotWeights(), evil)
    code, line = invoke("import", evil, tmp_path / "out")
    assert code == 1
    assert line.startswith(f"Error: {evil}: refused: the file needs arbitrary pickle to load")
    assert not (tmp_path / "out").exists()


def test_wrong_shape_weights_name_key_and_shapes(tmp_path):
    pth = tmp_path / "lprnet.pth"
    torch.save(LPRNet(ModelConfig()).state_dict(), pth)
    classes = ModelConfig().num_classes
    code, line = invoke("import", pth, tmp_path / "out", "--charset", "0123456789")  # 11 classes
    assert code == 1
    assert line == (
        f"Error: {pth}: key 'backbone.20.weight': file has shape ({classes}, 256, 13, 1), "
        "model expects (11, 256, 13, 1)"
    )


def test_charset_mismatch_names_the_characters(tmp_path, crops):
    run = save_run(tmp_path / "run", LPRNet(ModelConfig(charset="0123456789")), {})
    assert invoke("eval", run, crops) == (
        1,
        "Error: the model's charset lacks 2 characters used by the data: 'A' (2 texts), '皖' (2 texts)",
    )


def test_missing_data_folder(tmp_path):
    run = save_run(tmp_path / "run", LPRNet(ModelConfig()), {})
    missing = tmp_path / "no-crops"
    assert invoke("eval", run, missing) == (1, f"Error: {missing}: no such folder or file")
    assert invoke("predict", run, missing) == (1, f"Error: {missing}: no such image or folder")


def test_export_of_a_missing_run(tmp_path):
    run = tmp_path / "norun"
    assert invoke("export", run, "--onnx", tmp_path / "m.onnx") == (
        1,
        f"Error: {run}: no such run folder or weights file",
    )


# ---- every file an lprtrain command reads: wrong, truncated, empty or wrong encoding ----


@pytest.fixture
def run(tmp_path) -> Path:
    return save_run(tmp_path / "run", LPRNet(ModelConfig()), {})


def test_eval_skips_unreadable_crops_and_strict_makes_it_an_error(run, crops):
    (crops / "皖A99999.jpg").write_bytes(b"")  # empty
    (crops / "皖A88888.png").write_bytes(b"not an image")
    result = CliRunner().invoke(lprtrain, ["eval", str(run), str(crops)])
    assert result.exit_code == 0, result.output
    assert "plates 2 " in result.output and "skipped 2 unreadable crops" in result.output
    assert (
        f"skipped {crops / '皖A88888.png'}: {crops / '皖A88888.png'}: failed to decode image" in result.output
    )
    strict = CliRunner().invoke(lprtrain, ["eval", str(run), str(crops), "--strict"])
    assert strict.exit_code == 1
    assert strict.output.strip().splitlines()[-1] == "Error: 2 crops skipped as unreadable (--strict)"


def test_eval_json_lists_the_skipped_crops(run, crops):
    (crops / "皖A99999.jpg").write_bytes(b"")
    result = CliRunner().invoke(lprtrain, ["eval", str(run), str(crops), "--json", "-"])
    assert result.exit_code == 0, result.output
    assert '"skipped": [' in result.output and "皖A99999.jpg" in result.output


def test_manifest_that_is_not_utf8(run, tmp_path):
    manifest = tmp_path / "labels.tsv"
    manifest.write_bytes("a.jpg\t皖A12345\n".encode("gb18030"))
    code, line = invoke("eval", run, manifest)
    assert code == 1 and line.startswith(f"Error: {manifest}: ") and "UTF-8" in line


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "not a readable ONNX model"),
        (b"\x08\x07garbage that is no protobuf", "not a readable ONNX model"),
        (None, "ONNX model not found"),
    ],
)
def test_predict_onnx_that_is_not_onnx(run, crops, tmp_path, content, reason):
    pytest.importorskip("onnxruntime")
    onnx = tmp_path / "model.onnx"
    if content is not None:
        onnx.write_bytes(content)
    code, line = invoke("predict", run, crops, "--onnx", onnx)
    assert code == 1 and line.startswith(f"Error: {onnx}: {reason}")


def test_predict_onnx_of_another_model(tmp_path, crops):
    pytest.importorskip("onnxruntime")
    other = save_run(tmp_path / "other", LPRNet(ModelConfig(charset="0123456789")), {})
    onnx = tmp_path / "other.onnx"
    assert invoke("export", other, "--onnx", onnx, "--check-data", crops)[0] == 0
    run = save_run(tmp_path / "run", LPRNet(ModelConfig()), {})
    assert invoke("predict", run, crops, "--onnx", onnx) == (
        1,
        f"Error: {onnx}: the model gives 11 classes, the run's charset needs {ModelConfig().num_classes}",
    )


@pytest.mark.parametrize(
    "text, message",
    [
        (b"\xff\xfe{", "not UTF-8 text (invalid start byte at byte 0)"),
        (b'{"model": ', "not valid JSON"),
        (b"", "not valid JSON"),
        (b"[1, 2]", "key 'model' missing"),
    ],
)
def test_config_json_unreadable(run, crops, text, message):
    (run / "config.json").write_bytes(text)
    code, line = invoke("eval", run, crops)
    assert code == 1 and line.startswith(f"Error: {run / 'config.json'}: {message}")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: c.update(written_by_v2=True), "unknown key 'written_by_v2'"),
        (lambda c: c["model"].update(decoder_v2="x"), "model: ModelConfig: unknown key 'decoder_v2'"),
        (lambda c: c.update(format=2), "format 2, this version reads format 1"),
    ],
)
def test_config_json_from_a_newer_version_is_refused_naming_the_key(run, crops, change, message):
    import json

    config = json.loads((run / "config.json").read_text(encoding="utf-8"))
    change(config)
    (run / "config.json").write_text(json.dumps(config), encoding="utf-8")
    code, line = invoke("eval", run, crops)
    assert code == 1 and line.startswith(f"Error: {run / 'config.json'}: {message}")


@pytest.mark.parametrize("keep", [0, 300])
def test_truncated_or_empty_weights(run, crops, tmp_path, keep):
    weights = run / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:keep])
    code, line = invoke("eval", run, crops)
    assert code == 1 and line.startswith(f"Error: {weights}: not a valid safetensors file")
    pth = tmp_path / "lprnet.pth"
    torch.save(LPRNet(ModelConfig()).state_dict(), pth)
    pth.write_bytes(pth.read_bytes()[: keep or 1000])
    code, line = invoke("import", pth, tmp_path / "out")
    assert code == 1 and line.startswith(f"Error: {pth}: not a torch checkpoint")
