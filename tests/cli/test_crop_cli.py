"""`plategen crop` through click: exit codes, summary, and the exact Error lines."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from cli.plategen import plategen
from plategen.data.ccpd import PlateName, format_name
from plategen.io import read_jsonl

NAME = format_name(
    PlateName(
        "01",
        (90, 90),
        ((50, 40), (150, 70)),
        ((150, 70), (50, 70), (50, 40), (150, 40)),
        (0, 0, 1, 2, 3, 4, 5),
        100,
        10,
    )
)


def make_root(tmp_path: Path, bad: bool = False) -> Path:
    root = tmp_path / "root" / "ccpd_base"
    root.mkdir(parents=True)
    img = np.full((100, 200, 3), 40, np.uint8)
    (root / NAME).write_bytes(cv2.imencode(".jpg", img)[1].tobytes())
    if bad:
        (root / "notes.jpg").write_bytes(b"x")
    return root.parent


def run(*args: str):
    return CliRunner().invoke(plategen, ["crop", *args])


def test_crop_writes_index_and_prints_summary(tmp_path):
    root = make_root(tmp_path)
    result = run(str(root), str(tmp_path / "out"), "--mode", "affine", "--size", "64x16", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "1 crops written, 0 already done, 0 skipped" in result.output
    (row,) = read_jsonl(tmp_path / "out" / "index.jsonl")
    assert cv2.imread(str(tmp_path / "out" / row["crop"])).shape == (16, 64, 3)
    again = run(str(root), str(tmp_path / "out"), "--mode", "affine", "--size", "64x16", "--workers", "1")
    assert "0 crops written, 1 already done" in again.output


@pytest.mark.parametrize(
    "changed, message",
    [
        ({"--size": "94x24"}, "size 64x16, this run asks for 94x24"),
        ({"--mode": "point"}, 'mode "affine", this run asks for "point"'),
        ({"--margin": "0.1"}, "margin 0.0, this run asks for 0.1"),
        ({"--ext": ".jpg"}, 'ext ".png", this run asks for ".jpg"'),
        ({"--val-fraction": "0.5"}, "val_fraction 0.2, this run asks for 0.5"),
    ],
)
def test_a_rerun_with_other_settings_is_refused_naming_the_setting(tmp_path, changed, message):
    root, out = make_root(tmp_path), tmp_path / "out"
    first = run(str(root), str(out), "--mode", "affine", "--size", "64x16", "--workers", "1")
    assert first.exit_code == 0, first.output
    index = (out / "index.jsonl").read_bytes()
    options = {"--mode": "affine", "--size": "64x16", **changed}  # an option given twice is refused
    again = run(str(root), str(out), *(x for pair in options.items() for x in pair), "--workers", "1")
    assert again.exit_code == 1
    assert again.output.strip().splitlines() == [
        f"Error: {out}: its crops were made with {message}; crop into another folder, repeat the "
        "first run's settings, or pass --force to start over"
    ]
    assert (out / "index.jsonl").read_bytes() == index  # nothing of the refused run was written


def test_strict_exits_non_zero_when_something_was_skipped(tmp_path):
    root = make_root(tmp_path, bad=True)
    lenient = run(str(root), str(tmp_path / "a"), "--workers", "1")
    assert lenient.exit_code == 0 and "1 skipped" in lenient.output
    strict = run(str(root), str(tmp_path / "b"), "--workers", "1", "--strict")
    assert strict.exit_code == 1
    assert "Error: 1 inputs skipped (first: " in strict.output
    assert f"expected 7 or 8); see {tmp_path / 'b' / 'skipped.jsonl'}" in strict.output


def test_missing_root_and_bad_options(tmp_path):
    missing = run(str(tmp_path / "nope"), str(tmp_path / "out"))
    assert missing.exit_code == 1
    assert missing.output.strip().endswith(f"Error: {tmp_path / 'nope'}: no such folder")
    (tmp_path / "empty").mkdir()
    empty = run(str(tmp_path / "empty"), str(tmp_path / "out"))
    assert empty.exit_code == 1 and f"Error: {tmp_path / 'empty'}: no images found" in empty.output
    frac = run(str(make_root(tmp_path)), str(tmp_path / "out"), "--val-fraction", "2")
    # the config's own check, reported as a usage error that names the option (as `fit` does)
    assert frac.exit_code == 2
    assert "Error: Invalid value for '--val-fraction': val_fraction: 2.0 must lie in [0, 1]" in frac.output
    size = run(str(tmp_path / "root"), str(tmp_path / "out"), "--size", "94by24")
    assert size.exit_code == 2 and "'94by24' is not WIDTHxHEIGHT" in size.output


def test_help_has_summary_and_example():
    result = run("--help")
    assert result.exit_code == 0
    assert (
        "Crop and rectify every annotated CCPD plate" in result.output
        and "Example: plategen crop" in result.output
    )
