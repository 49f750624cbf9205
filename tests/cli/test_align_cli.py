"""`plategen align` through click: outputs, summary, warnings, --strict, and the exact Error lines."""

from __future__ import annotations

import cv2
from click.testing import CliRunner

from cli.plategen import plategen
from plategen.align.layout import Alignment
from tests.plategen.test_align import lines, write_index, write_manifest


def run(*args: str):
    return CliRunner().invoke(plategen, ["align", *args, "--workers", "1"])


def test_align_writes_json_and_headless_figure(tmp_path, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    write_index(tmp_path / "crops", lines(12), ["皖A12345"] * 12)
    out = tmp_path / "out" / "alignment.json"
    result = run(str(tmp_path / "crops"), "--out", str(out), "--show")
    assert result.exit_code == 0, result.output
    assert "blue7: measured, 12 crops, rows [5,19)" in result.output
    assert f"wrote {out} and {out.with_name('alignment.png')}" in result.output
    lay = Alignment.load(out)["blue7"]
    assert lay.source == "measured" and lay.length == 7
    png = cv2.imread(str(out.with_name("alignment.png")))
    assert png is not None and png.std() > 20


def test_template_fallback_is_warned_and_strict_fails(tmp_path):
    write_index(tmp_path / "crops", lines(3), ["皖A12345"] * 3)
    out = str(tmp_path / "a.json")
    result = run(str(tmp_path / "crops"), "--out", out)
    assert result.exit_code == 0
    assert (
        "Warning: blue7: only 3 crops (min_images 10); using the GA 36-2018 blue plate standard template"
        in result.output
    )
    strict = run(str(tmp_path / "crops"), "--out", out, "--strict")
    assert strict.exit_code == 1
    assert "Error: --strict: 0 crops skipped, 1 layouts from a template" in strict.output


def test_unreadable_crop_is_reported_and_strict_fails(tmp_path):
    crops = write_index(tmp_path / "crops", lines(12), ["皖A12345"] * 12)
    (crops / "c000.png").write_bytes(b"garbage")
    result = run(str(crops), "--out", str(tmp_path / "a.json"), "--strict")
    assert f"skipped {crops / 'c000.png'}: failed to decode image\n" in result.output
    assert result.exit_code == 1
    assert "Error: --strict: 1 crops skipped, 0 layouts from a template" in result.output


def test_manifest_with_layout_spread(tmp_path):
    manifest = write_manifest(
        tmp_path / "words",
        {
            "ABC": lines(12, [(10, 30), (37, 57), (64, 84)], frame=False),
            "WXYZ": lines(2, [(8, 25), (29, 46), (50, 67), (71, 88)], frame=False),
        },
    )
    out = tmp_path / "a.json"
    result = run(
        str(tmp_path / "words"), "--manifest", str(manifest), "--out", str(out), "--layout", "spread"
    )
    assert result.exit_code == 0, result.output
    alignment = Alignment.load(out)
    assert alignment["len3"].source == "measured"
    assert alignment["len4"].source == "template" and alignment["len4"].extra["method"] == "spread"
    assert "Warning: len4: only 2 crops (min_images 10); using the spread template" in result.output


def test_empty_folder_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run(str(tmp_path / "empty"))
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {tmp_path / 'empty'}: no images found"


def test_missing_folder_and_bad_manifest_are_clear_errors(tmp_path):
    result = run(str(tmp_path / "nope"))
    assert (
        result.exit_code == 1
        and result.output.strip() == f"Error: {tmp_path / 'nope'}: no such folder or file"
    )
    (tmp_path / "m.txt").write_text("a.png\n", "utf-8")
    bad = run(str(tmp_path), "--manifest", str(tmp_path / "m.txt"))
    assert bad.exit_code == 1
    assert bad.output.strip() == f"Error: {tmp_path / 'm.txt'}:1: expected 'path<TAB>text', got 'a.png'"


def test_bad_layout_choice_is_a_usage_error(tmp_path):
    result = run(str(tmp_path), "--layout", "grid")
    assert result.exit_code == 2
