"""The reader shipped in the package: what it is, and that predict/eval/export use it by default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from safetensors import safe_open

from cli.lprtrain import lprtrain
from lprtrain.model.run import SHIPPED_MODEL, read_config
from tests.lprtrain.tiny import tiny_shards


def test_the_shipped_model_is_a_small_decoder_free_lprnet_with_a_card() -> None:
    weights = SHIPPED_MODEL / "model.safetensors"
    assert weights.stat().st_size < 2 * 1024 * 1024
    with safe_open(str(weights), "pt") as f:
        assert all(k.startswith(("backbone.", "container.")) for k in f.keys())
    config = read_config(SHIPPED_MODEL)
    assert config["model"]["context_norm"] == "sample"
    card = (SHIPPED_MODEL / "MODEL_CARD.md").read_text(encoding="utf-8")
    for needed in ("real-crops", "plategen synth", "make reader", "Apache-2.0", "plate-crops"):
        assert needed in card, needed


def _crops(tmp_path_factory) -> Path:
    # the kinds whose characters the shipped reader knows (it predates 使, 港, 澳, 领 and 挂)
    return tiny_shards(tmp_path_factory.getbasetemp(), kinds="blue,yellow,green,police").parent / "crops"


def test_eval_and_predict_without_a_model_read_with_the_shipped_one(tmp_path_factory) -> None:
    crops = _crops(tmp_path_factory)
    runner = CliRunner()
    implicit = runner.invoke(lprtrain, ["eval", str(crops), "--json", "-"])
    explicit = runner.invoke(lprtrain, ["eval", str(SHIPPED_MODEL), str(crops), "--json", "-"])
    assert implicit.exit_code == 0 and explicit.exit_code == 0, implicit.output + explicit.output
    a, b = json.loads(implicit.stdout), json.loads(explicit.stdout)
    assert a["total"] == b["total"] > 0 and a["correct"] == b["correct"]
    images = sorted((crops / "test").rglob("*.png"))[:6] or sorted(crops.rglob("*.png"))[:6]
    implicit = runner.invoke(lprtrain, ["predict", *map(str, images), "--json"])
    explicit = runner.invoke(lprtrain, ["predict", str(SHIPPED_MODEL), *map(str, images), "--json"])
    assert implicit.exit_code == 0, implicit.output
    rows = [json.loads(line) for line in implicit.stdout.splitlines()]
    assert [r["path"] for r in rows] == [str(p) for p in images]
    assert implicit.stdout == explicit.stdout


@pytest.mark.fresh_clone  # its check data is plate-crops when ../shared/data is present, else synthetic
def test_export_without_a_run_exports_the_shipped_model(tmp_path: Path) -> None:
    out = tmp_path / "m.onnx"
    r = CliRunner().invoke(lprtrain, ["export", "--onnx", str(out), "--check-data", "/nonexistent-data"])
    # the check data is missing: the error names it, but only after the RUN argument was accepted
    assert "nonexistent-data" in r.output and "Usage" not in r.output, r.output
    r = CliRunner().invoke(lprtrain, ["export", "--onnx", str(out)])
    assert r.exit_code == 0, r.output
    assert out.stat().st_size > 100_000


def test_the_shipped_model_reads_real_plates(real_crops: Path, plate_crops: Path) -> None:
    # a floor far under the model card's figures: proves the committed weights are a trained reader
    for data, args in ((plate_crops, []), (real_crops, ["--split", "val"])):
        r = CliRunner().invoke(lprtrain, ["eval", str(data), *args, "--json", "-"])
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["accuracy"] > 0.6, (data, json.loads(r.stdout)["accuracy"])
