"""Bad input to lprtrain eval/import/predict/export: one `Error: …` line naming what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from cli.lprtrain import lprtrain
from lprtrain.model import LPRNet, ModelConfig
from lprtrain.run import save_run
from lprtrain.testdata import synthetic_plates
from plategen.io import write_image_atomic


class NotWeights:
    """Pickling this needs arbitrary code: weights_only loading must refuse it."""

    def __init__(self) -> None:
        self.payload = [1, 2, 3]


def invoke(*args) -> tuple[int, str]:
    result = CliRunner().invoke(lprtrain, [str(a) for a in args])
    return result.exit_code, result.output.strip().splitlines()[-1] if result.output.strip() else ""


@pytest.fixture
def crops(tmp_path) -> Path:
    folder = tmp_path / "crops"
    for i, image in enumerate(synthetic_plates(2, (94, 24)).numpy()):
        write_image_atomic(folder / f"皖A1234{i}.png", image)
    return folder


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
    torch.save(LPRNet(ModelConfig()).state_dict(), pth)  # 68 classes
    code, line = invoke("import", pth, tmp_path / "out", "--charset", "0123456789")  # 11 classes
    assert code == 1
    assert line == (
        f"Error: {pth}: key 'backbone.20.weight': file has shape (68, 256, 13, 1), "
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
