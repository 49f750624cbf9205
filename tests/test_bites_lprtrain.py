"""lprtrain tests with exact expected values (issue 10): each fails when predict, eval or export is
broken, with or without ../shared/data. The model is overfitted on 8 synthetic plates
(tests/bites_fixtures.py), so the right reading of every crop is the text in its name."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch
from click.testing import CliRunner

from cli.lprtrain import lprtrain as lprtrain_main
from lprtrain import export_onnx, load_model

from .bites_fixtures import greedy, random_run, to_input, trained_run


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    return trained_run(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def untrained(tmp_path_factory) -> Path:
    return random_run(tmp_path_factory.getbasetemp())


def invoke(*args: str):
    result = CliRunner().invoke(lprtrain_main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def predict_json(run: Path, *inputs) -> dict[str, str]:
    rows = [json.loads(line) for line in invoke("predict", run, *inputs, "--json").stdout.splitlines()]
    return {Path(r["path"]).name: r["text"] for r in rows}


def expected(trained) -> dict[str, str]:
    return {p.name: t for p, t in zip(trained.plates.paths, trained.plates.texts)}


def test_predict_reads_every_trained_plate(trained):
    crops = trained.plates.paths[0].parent
    assert predict_json(trained.run, crops) == expected(trained)


def test_predict_tab_output_names_each_file_and_its_text(trained):
    lines = invoke("predict", trained.run, *trained.plates.paths).stdout.splitlines()
    got = {Path(line.split("\t")[0]).name: line.split("\t")[1] for line in lines}
    assert got == expected(trained)
    assert all(0.5 < float(line.split("\t")[2]) <= 1.0 for line in lines)  # overfitted: confident


def test_predict_with_an_untrained_model_reads_no_plate(trained, untrained):
    got = predict_json(untrained, trained.plates.paths[0].parent)
    want = expected(trained)
    assert set(got) == set(want)
    assert sum(got[k] == want[k] for k in want) == 0


def write_manifest(path: Path, rows: list[tuple[Path, str]]) -> Path:
    path.write_text("".join(f"{p}\t{t}\n" for p, t in rows), encoding="utf-8")
    return path


def other_char(c: str) -> str:
    return "7" if c != "7" else "8"


@pytest.fixture(scope="module")
def mixed_manifest(trained, tmp_path_factory) -> Path:
    """8 crops: 5 labelled right, 2 with one character changed (TN2), 1 with the last dropped (TN1)."""
    rows = []
    for k, (p, t) in enumerate(zip(trained.plates.paths, trained.plates.texts)):
        if k in (1, 4):
            t = t[:-2] + other_char(t[-2]) + t[-1]
        elif k == 6:
            t = t[:-1]
        rows.append((p, t))
    return write_manifest(tmp_path_factory.mktemp("bites-manifest") / "mixed.tsv", rows)


def eval_json(run: Path, data: Path) -> dict:
    return json.loads(invoke("eval", run, data, "--json", "-").stdout)


def test_eval_counts_exactly_the_right_plates(trained, mixed_manifest):
    report = eval_json(trained.run, mixed_manifest)
    assert (report["total"], report["correct"], report["tn1"], report["tn2"]) == (8, 5, 1, 2)
    assert report["accuracy"] == pytest.approx(5 / 8, abs=1e-12)
    assert report["lcr"] == pytest.approx(7 / 8, abs=1e-12)


def test_eval_of_the_trained_plates_is_perfect(trained, tmp_path):
    manifest = write_manifest(tmp_path / "all.tsv", list(zip(trained.plates.paths, trained.plates.texts)))
    report = eval_json(trained.run, manifest)
    assert (report["total"], report["correct"], report["accuracy"]) == (8, 8, 1.0)


def test_eval_of_an_untrained_model_scores_zero(untrained, mixed_manifest):
    report = eval_json(untrained, mixed_manifest)
    assert (report["total"], report["correct"], report["accuracy"]) == (8, 0, 0.0)


def test_eval_table_gives_the_counts(trained, mixed_manifest):
    table = invoke("eval", trained.run, mixed_manifest).stdout
    assert "plates 8  correct (TP) 5  TN1 (wrong length) 1  TN2 (wrong character) 2" in table
    assert "accuracy 0.6250  LCR 0.8750" in table


@pytest.fixture(scope="module")
def onnx_file(trained, tmp_path_factory) -> Path:
    pytest.importorskip("onnx")
    path = tmp_path_factory.mktemp("bites-onnx") / "model.onnx"
    export_onnx(trained.run, path)
    return path


def test_exported_onnx_gives_the_torch_logits(trained, onnx_file):
    x = to_input(trained.plates.images)
    with torch.inference_mode():
        want = load_model(trained.run).eval()(x).numpy()
    session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * float(np.abs(want).max()))
    charset = load_model(trained.run).config.charset
    assert greedy(torch.from_numpy(got), charset) == list(trained.plates.texts)


def test_predict_with_the_onnx_file_reads_every_plate(trained, onnx_file):
    crops = trained.plates.paths[0].parent
    assert predict_json(trained.run, crops, "--onnx", onnx_file) == expected(trained)


def test_export_cli_writes_a_model_that_reads_the_plates(trained, tmp_path):
    pytest.importorskip("onnx")
    out = tmp_path / "cli.onnx"
    invoke("export", trained.run, "--onnx", out, "--check-data", trained.plates.paths[0].parent)
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {session.get_inputs()[0].name: to_input(trained.plates.images).numpy()})
    assert greedy(torch.from_numpy(got), load_model(trained.run).config.charset) == list(trained.plates.texts)
