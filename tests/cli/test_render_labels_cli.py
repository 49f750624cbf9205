from __future__ import annotations

import json

from click.testing import CliRunner

from cli.plategen import plategen
from plategen.data.shards import read_shard_split
from tests.plategen.test_labels import make_dataset


def invoke(*args: str):
    return CliRunner().invoke(plategen, ["render-labels", *map(str, args)])


def test_render_labels_writes_shards_and_prints_a_summary(tmp_path) -> None:
    root, alignment = make_dataset(tmp_path)
    out = tmp_path / "out"
    result = invoke(
        root,
        "--alignment",
        alignment,
        out,
        "--manifest",
        root / "labels.txt",
        "--shard-size",
        "3",
        "--workers",
        "1",
        "--label-size",
        "47x12",
        "--resample",
        "bicubic",
        "--preview",
        "4",
        "--png-dir",
        tmp_path / "pngs",
    )
    assert result.exit_code == 0, result.output
    assert "7 labels (train: 4, val: 3)" in result.output and "skipped 0" in result.output
    assert read_shard_split(out, "train").labels.shape == (4, 12, 47)
    assert (out / "preview.png").is_file() and len(list((tmp_path / "pngs").rglob("*.png"))) == 7


def test_bad_input_gives_one_error_line(tmp_path) -> None:
    root, alignment = make_dataset(tmp_path)
    (tmp_path / "empty").mkdir()
    result = invoke(tmp_path / "empty", "--alignment", alignment, tmp_path / "o")
    assert result.exit_code == 1 and result.output == f"Error: {tmp_path / 'empty'}: no images found\n"

    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text(json.dumps({"version": 2, "layouts": {}}))
    result = invoke(root, "--alignment", corrupt, tmp_path / "o", "--manifest", root / "labels.txt")
    assert result.exit_code == 1
    assert result.output == f"Error: {corrupt}: key 'version': expected 1, got 2\n"

    bogus = tmp_path / "bogus.ttf"
    bogus.write_text("hello")
    result = invoke(
        root, "--alignment", alignment, tmp_path / "o", "--manifest", root / "labels.txt", "--font", bogus
    )
    assert result.exit_code == 1 and result.output.startswith(f"Error: {bogus}: not a TrueType/OpenType font")


def test_strict_fails_on_a_skip_and_usage_errors_exit_2(tmp_path) -> None:
    root, alignment = make_dataset(tmp_path)
    with open(root / "labels.txt", "a", encoding="utf-8") as f:
        f.write("c0.png\tAB\ttrain\n")
    result = invoke(
        root, "--alignment", alignment, tmp_path / "o", "--manifest", root / "labels.txt", "--strict"
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: 1 crops skipped (--strict); first: ")
    assert "no layout for text length 2" in result.output
    assert invoke(root, tmp_path / "o").exit_code == 2  # --alignment missing
    assert invoke(root, "--alignment", alignment, tmp_path / "o", "--label-size", "big").exit_code == 2
