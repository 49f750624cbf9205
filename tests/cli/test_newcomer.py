"""Issue 5's newcomer check: each command fed one bad input gives one `Error: …` line, a non-zero
exit, and never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.lprtrain import lprtrain
from cli.plategen import plategen
from lprtrain.model.lprnet import LPRNet, ModelConfig
from lprtrain.model.run import save_run
from tests.lprtrain.tiny import tiny_shards

GOOD = "025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("newcomer")
    shards = tiny_shards(tmp_path_factory.getbasetemp())
    bad = base / "truncated-shards"
    shutil.copytree(shards, bad)
    tar = sorted(bad.glob("train-*.tar"))[0]
    tar.write_bytes(tar.read_bytes()[: tar.stat().st_size // 2])
    photos = base / "photos"
    photos.mkdir()
    (photos / GOOD).write_bytes(b"\xff\xd8\xff\xe0 definitely not a whole JPEG")
    (photos / "holiday.jpg").write_bytes((photos / GOOD).read_bytes())
    font = base / "font.ttf"
    font.write_text("not a font")
    run = save_run(base / "run", LPRNet(ModelConfig()), {})
    crops = shards.parent / "crops"
    return {
        "base": base,
        "shards": shards,
        "bad_shards": bad,
        "photos": photos,
        "font": font,
        "run": run,
        "crops": crops,
        "alignment": shards.parent / "alignment.json",
    }


CASES = [
    # (group, args, expected start of the error line)
    (plategen, ["crop", "{base}/missing", "{base}/out"], "Error: {base}/missing: no such folder"),
    (plategen, ["align", "{base}/missing"], "Error: {base}/missing: no such folder or file"),
    (lprtrain, ["eval", "{run}", "{base}/missing"], "Error: {base}/missing: no such folder or file"),
    (plategen, ["parse", "holiday.jpg"], "Error: holiday.jpg: not a CCPD annotation"),
    (
        plategen,
        ["crop", "{photos}", "{base}/crops-strict", "--strict", "--workers", "1"],
        "Error: 2 inputs skipped (first: ",
    ),
    (
        plategen,
        ["render-labels", "{crops}", "--alignment", "{alignment}", "{base}/s2", "--font", "{font}"],
        "Error: {font}: not a TrueType/OpenType font",
    ),
    (
        plategen,
        ["synth", "{base}/synth", "--count", "1", "--font", "{font}"],
        "Error: {font}: not a TrueType/OpenType font",
    ),
    (
        lprtrain,
        ["fit", "{bad_shards}", "--out", "{base}/fit", "--max-steps", "1"],
        "Error: {bad_shards}/train-00000.tar:",
    ),
    (lprtrain, ["eval", "{run}", "{bad_shards}", "--split", "train"], "Error: {bad_shards}/train-00000.tar:"),
    (
        lprtrain,
        ["eval", "{base}/missing.safetensors", "{shards}"],
        "Error: {base}/missing.safetensors: no such run folder or weights file",
    ),
    (
        lprtrain,
        ["import", "{base}/missing.pth", "{base}/imported"],
        "Error: {base}/missing.pth: weights file not found",
    ),
    (lprtrain, ["predict", "{base}/missing-run", "{photos}"], "Error: {base}/missing-run"),
]


@pytest.mark.parametrize(
    "group, args, expected", CASES, ids=[" ".join(c[1][:1] + [c[2][7:40]]) for c in CASES]
)
def test_one_clear_error_line(world, group, args: list[str], expected: str) -> None:
    args = [a.format(**world) for a in args]
    result = CliRunner().invoke(group, args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert errors[0].startswith(expected.format(**world)), errors[0]
