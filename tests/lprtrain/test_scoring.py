"""eval's per-kind rows and its count of readings that are no plate text, end to end: a crop index
whose rows carry (or lack) a "kind", read by the shipped reader."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cli.lprtrain import lprtrain
from lprtrain.evaluation.predict import predict
from plategen.io import write_image_atomic


@pytest.fixture
def right_crop(plate_crops) -> Path:
    """A real crop the shipped reader reads right (its text is its name)."""
    return next(p for p in sorted(plate_crops.glob("*.jpg")) if predict(None, [p]).rows[0]["text"] == p.stem)


def write_index(folder: Path, rows: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    (folder / "index.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_eval_reports_each_kind_and_the_readings_that_are_no_plate(tmp_path, right_crop):
    text = right_crop.stem  # a blue text, read right
    shutil.copy(right_crop, tmp_path / "real.jpg")
    write_image_atomic(tmp_path / "black.png", np.zeros((24, 94, 3), np.uint8))  # read as no plate text
    green = text[:2] + "D12345"  # a green plate's text, same province and letter
    data = write_index(
        tmp_path,
        [
            {"crop": "real.jpg", "text": text},  # blue (implied): right
            {"crop": "real.jpg", "text": text, "kind": "yellow"},  # yellow (given): right
            {"crop": "real.jpg", "text": green},  # green: read as a valid blue text, a wrong kind
            {"crop": "black.png", "text": text},  # blue: an invalid reading
            {"crop": "real.jpg", "text": text[:-1]},  # a text no kind accepts: kind unknown
        ],
    )
    result = CliRunner().invoke(lprtrain, ["eval", str(data), "--json", "-"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["total"], report["correct"], report["invalid"], report["wrong_kind"]) == (5, 2, 1, 1)
    rows = {
        k: (r["total"], r["correct"], r["invalid"], r["wrong_kind"]) for k, r in report["per_kind"].items()
    }
    assert rows == {
        "blue": (2, 1, 1, 0),
        "yellow": (1, 1, 0, 0),
        "green": (1, 0, 0, 1),
        "unknown": (1, 0, 0, 0),
    }
    table = CliRunner().invoke(lprtrain, ["eval", str(data)]).output
    assert (
        "readings that are no plate text (invalid) 1  valid but of another kind than the plate's 1" in table
    )
    assert f"{'blue':<16}{2:>8}{0.5:>8.4f}{0.5:>8.4f}{1:>9}{0:>12}" in table  # the black crop: wrong length


def test_a_kind_the_grammar_does_not_know_is_an_error_naming_the_crop(tmp_path, right_crop):
    shutil.copy(right_crop, tmp_path / "real.jpg")
    data = write_index(tmp_path, [{"crop": "real.jpg", "text": right_crop.stem, "kind": "purple"}])
    result = CliRunner().invoke(lprtrain, ["eval", str(data)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        f"Error: {tmp_path / 'real.jpg'}: kind 'purple' is not a plate kind; known kinds: blue, yellow, "
        "coach, police, embassy, consulate, hk, macau, green, green-large, yellow-rear, trailer"
    )
