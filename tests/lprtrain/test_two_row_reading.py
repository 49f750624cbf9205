"""The shipped reader reads two-row plates (yellow-rear, trailer) through every stage that reads crops:
synth → crop (2:1) → eval (kind from the crop index) and predict (--rows auto finds them alone), with
an exact text check. Reading the same crops squeezed as one row must do far worse: that is what the
unfold buys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lprtrain.data.plate_data import load_data
from lprtrain.deploy.export import export_onnx
from lprtrain.evaluation.predict import predict
from lprtrain.evaluation.scoring import evaluate
from lprtrain.model.run import load_model, shipped_model
from plategen.crop.stage import CropConfig, crop_dataset
from plategen.synth.stage import SynthConfig, synthesize

COUNT = 40
SEED = 7_777  # the recipe draws its photos at seed 21


@pytest.fixture(scope="module")
def crops(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("two-row-reading")
    synthesize(root / "photos", COUNT, SEED, SynthConfig(kinds="yellow-rear,trailer"), progress=False)
    crop_dataset(root / "photos", root / "crops", CropConfig(mode="rect"), progress=False)
    return root / "crops"


def texts(crops: Path) -> dict[str, str]:
    rows = [json.loads(line) for line in (crops / "index.jsonl").read_text("utf-8").splitlines()]
    return {str(crops / r["crop"]): r["text"] for r in rows}


def test_predict_finds_and_reads_two_row_plates_exactly(crops: Path) -> None:
    truth = texts(crops)
    auto = predict(None, [crops]).rows
    assert len(auto) == COUNT
    assert sum(r["rows"] == 2 for r in auto) >= 0.9 * COUNT  # found without being told
    right = sum(r["text"] == truth[r["path"]] for r in auto)
    assert right >= 0.8 * COUNT, right
    forced = predict(None, [crops], rows="2").rows
    assert sum(r["text"] == truth[r["path"]] for r in forced) >= right
    squeezed = predict(None, [crops], rows="1").rows
    assert sum(r["text"] == truth[r["path"]] for r in squeezed) <= 0.3 * COUNT


def test_two_row_readings_report_a_two_row_kind(crops: Path) -> None:
    """`predict --json` said "blue" for yellow-rear plates read as two rows."""
    index = [json.loads(line) for line in (crops / "index.jsonl").read_text("utf-8").splitlines()]
    truth = {str(crops / r["crop"]): r for r in index}
    for rows in ("auto", "2"):
        read = [r for r in predict(None, [crops], rows=rows).rows if r["rows"] == 2 and r["valid"]]
        assert len(read) >= 0.8 * COUNT, rows
        assert {r["kind"] for r in read} <= {"yellow-rear", "trailer"}, rows
        right = [r for r in read if r["text"] == truth[r["path"]]["text"]]
        assert all(r["kind"] == truth[r["path"]]["kind"] for r in right), rows


def test_onnx_reads_two_row_plates_through_the_same_unfold(crops: Path, tmp_path: Path) -> None:
    export_onnx(shipped_model(), tmp_path / "m.onnx")
    torch_rows = predict(None, [crops]).rows
    ort_rows = predict(None, [crops], onnx=tmp_path / "m.onnx").rows
    assert [(r["text"], r["rows"]) for r in torch_rows] == [(r["text"], r["rows"]) for r in ort_rows]


def test_eval_reads_two_row_crops_by_their_kind(crops: Path) -> None:
    data = load_data(crops)
    assert set(data.kinds) == {"yellow-rear", "trailer"}
    assert tuple(data.images.shape[1:3]) == (24, 94)  # the rows side by side, at the model's input
    result = evaluate(load_model(shipped_model()), data)
    assert result.accuracy >= 0.8, result.accuracy


def test_auto_leaves_one_row_crops_as_they_are(plate_crops: Path) -> None:
    paths = sorted(plate_crops.glob("*.jpg"))[:40]
    auto, one = predict(None, paths).rows, predict(None, paths, rows="1").rows
    assert [r["text"] for r in auto] == [r["text"] for r in one]
    assert all(r["rows"] == 1 for r in auto)
