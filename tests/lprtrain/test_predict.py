"""predict: text, confidence, validity and kind per crop; torch and ONNX agree; previews need a decoder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from cli.lprtrain import lprtrain
from lprtrain.data.testdata import synthetic_plates
from lprtrain.deploy.export import export_onnx
from lprtrain.evaluation.predict import PREVIEW_SCALE, predict
from lprtrain.evaluation.reading import PLATE_MIN_CONFIDENCE
from lprtrain.model.lprnet import ModelConfig, TrainingModel
from lprtrain.model.preprocess import preprocess
from lprtrain.model.run import load_model, save_run
from plategen.io import read_image, write_image_atomic
from plategen.plates.grammar import accepts, implied_kind


@pytest.fixture
def run(tmp_path) -> Path:
    torch.manual_seed(0)
    training = TrainingModel(ModelConfig(), (94, 24)).eval()
    return save_run(tmp_path / "run", training.lprnet, {"label_size": [94, 24]}, training.decoder)


@pytest.fixture
def crops(tmp_path) -> Path:
    folder = tmp_path / "crops"
    for i, image in enumerate(synthetic_plates(3, (94, 24)).numpy()):
        write_image_atomic(folder / f"皖A1234{i}.png", image)
    (folder / "broken.jpg").write_bytes(b"not an image")
    return folder


def test_predict_reads_folders_and_skips_bad_images(run, crops):
    report = predict(run, [crops])
    assert [Path(r["path"]).name for r in report.rows] == [f"皖A1234{i}.png" for i in range(3)]
    # each row is the model's own reading: best path by argmax, confidence its probability
    model = load_model(run).eval()
    images = preprocess([read_image(Path(r["path"])) for r in report.rows], model.config.input_size)
    with torch.no_grad():
        probs = model(images).softmax(dim=1)  # (3, classes, T)
    for row, p in zip(report.rows, probs):
        best = p.argmax(dim=0).tolist()
        blank = len(model.config.charset)
        text = "".join(
            model.config.charset[c] for i, c in enumerate(best) if c != blank and (i == 0 or c != best[i - 1])
        )
        assert row["text"] == text
        assert row["confidence"] == pytest.approx(float(p.max(dim=0).values.prod()), rel=1e-4)
    assert [Path(p).name for p, _ in report.skipped] == ["broken.jpg"]


def test_onnx_runtime_reads_the_same(run, crops, tmp_path):
    export_onnx(run, tmp_path / "m.onnx")
    torch_rows, ort_rows = predict(run, [crops]).rows, predict(run, [crops], onnx=tmp_path / "m.onnx").rows
    assert [r["text"] for r in torch_rows] == [r["text"] for r in ort_rows]
    np.testing.assert_allclose(
        [r["confidence"] for r in torch_rows], [r["confidence"] for r in ort_rows], atol=1e-4
    )


def test_label_preview_writes_crop_beside_decoder_output(run, crops, tmp_path):
    report = predict(run, [crops], label_preview=tmp_path / "previews")
    assert len(report.previews) == 3
    image = read_image(report.previews[0])
    assert image.shape[0] == 24 * PREVIEW_SCALE and image.shape[1] > 2 * 94 * PREVIEW_SCALE


def test_predict_cli_prints_tab_separated_rows(run, crops):
    result = CliRunner().invoke(lprtrain, ["predict", str(run), str(crops / "皖A12340.png")])
    assert result.exit_code == 0, result.output
    path, text, confidence, valid = result.output.strip().splitlines()[-1].split("\t")
    assert path.endswith("皖A12340.png") and 0 <= float(confidence) <= 1
    assert valid == ("valid" if accepts(text) else "invalid")


def test_predict_json_says_whether_each_reading_is_a_plate_text(tmp_path, plate_crops):
    # a real crop the shipped reader reads right, and a black frame, which it reads as no plate text
    crop = next(p for p in sorted(plate_crops.glob("*.jpg")) if predict(None, [p]).rows[0]["text"] == p.stem)
    black = tmp_path / "black.png"
    write_image_atomic(black, np.zeros((24, 94, 3), np.uint8))
    result = CliRunner().invoke(lprtrain, ["predict", str(crop), str(black), "--json"])
    assert result.exit_code == 0, result.output
    real, blank = [json.loads(line) for line in result.stdout.splitlines()]
    assert real == {
        "path": str(crop),
        "text": crop.stem,
        "confidence": pytest.approx(real["confidence"]),
        "valid": True,
        "kind": "blue",
        "plate": real["confidence"] >= PLATE_MIN_CONFIDENCE,
        "rows": 1,
    }
    assert real["plate"]
    assert (blank["valid"], blank["kind"], blank["plate"]) == (False, None, False), blank
    lines = CliRunner().invoke(lprtrain, ["predict", str(crop), str(black)]).stdout.splitlines()
    assert [line.split("\t")[3] for line in lines] == ["valid", "invalid"]


def test_predict_rows_follow_the_grammar(plate_crops, tmp_path):
    # every row of 200 real crops and a few non-plates: valid and kind are the grammar's verdict on
    # the text, plate the rule; some readings are invalid and some valid, so neither can be constant
    write_image_atomic(tmp_path / "grey.png", np.full((24, 94, 3), 128, np.uint8))
    rows = predict(None, [plate_crops, tmp_path]).rows
    for r in rows:
        assert r["valid"] == accepts(r["text"]) and r["kind"] == implied_kind(r["text"]), r
        assert r["plate"] == (r["valid"] and r["confidence"] >= PLATE_MIN_CONFIDENCE), r
    assert {r["valid"] for r in rows} == {True, False}


def test_label_preview_without_decoder_is_a_clear_error(tmp_path, crops):
    training = TrainingModel(ModelConfig(), (94, 24))
    run = save_run(tmp_path / "nodec", training.lprnet, {})
    result = CliRunner().invoke(
        lprtrain, ["predict", str(run), str(crops), "--label-preview", str(tmp_path / "p")]
    )
    assert result.exit_code == 1
    assert f"Error: {run / 'decoder.safetensors'}: this run kept no decoder" in result.output
