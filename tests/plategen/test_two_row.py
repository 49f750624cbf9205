"""Two-row plates (GA 36 Figure 5) on a one-line reader: the rows are found where they part and set
side by side (`plategen.plates.rows`), in every stage that reads crops; a crop of a two-row kind
without two rows is refused by name, and skipped by the batch stages."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from cli.plategen import plategen
from plategen.align.stage import AlignConfig, align_images
from plategen.crop.stage import CropConfig, crop_dataset
from plategen.data.ccpd import parse_name
from plategen.io import read_image, write_image_atomic
from plategen.labels.stage import render_labels
from plategen.plates.fonts import default_font_path
from plategen.plates.geometry import TWO_ROW
from plategen.plates.grammar import KINDS, random_text
from plategen.plates.rows import RowsNotFound, as_line, candidate_line, crop_size, find_cut, unfold
from plategen.synth.plate import render_plate
from plategen.synth.stage import SynthConfig, synthesize

COUNT = 24


@pytest.fixture(scope="module")
def two_row(tmp_path_factory) -> Path:
    """24 synthetic two-row photos at synth's default look, cropped as the recipe crops them."""
    root = tmp_path_factory.mktemp("two-row")
    config = SynthConfig(kinds="yellow-rear,trailer", image_size=(360, 480), plate_width=(120, 260))
    assert not synthesize(root / "photos", COUNT, 5, config, progress=False).failed
    crop_dataset(root / "photos", root / "crops", CropConfig(mode="rect"), progress=False)
    return root


def index(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "index.jsonl").read_text("utf-8").splitlines()]


def true_cut(row: dict, crop_height: int) -> float:
    """Where the standard's cut (82.5 of 220 mm) lies in a rect crop, from the photo's corners."""
    plate = parse_name(row["name"])
    br, bl, tl, tr = (np.array(p, float) for p in plate.vertices)
    t = TWO_ROW.cut / TWO_ROW.height
    y = ((tl + (bl - tl) * t)[1] + (tr + (br - tr) * t)[1]) / 2
    (_, y1), (_, y2) = plate.bbox
    return (y - y1) / (y2 - y1 + 1) * crop_height


def test_crop_keeps_the_two_row_outline_and_the_cut_is_found_between_the_rows(two_row: Path) -> None:
    rows = index(two_row / "crops")
    assert len(rows) == COUNT and {r["kind"] for r in rows} == {"yellow-rear", "trailer"}
    for row in rows:
        image = read_image(two_row / "crops" / row["crop"], cv2.IMREAD_COLOR)
        assert image.shape[:2] == (94, 188)  # crop_size: 2:1, twice the line's width
        found = find_cut(image, KINDS[row["kind"]])
        assert found is not None, row["crop"]
        # within 2 px of the standard's cut, well inside the 6.4 px (15 mm) between the rows (measured
        # within 1.3 px; HyperLPR3's fixed cut at 40 % of the height is up to 4.7 px off here)
        assert abs(found[0] - true_cut(row, 94)) <= 2, (row["crop"], found, true_cut(row, 94))


def test_unfold_sets_the_rows_side_by_side_in_the_line_layout() -> None:
    rng = np.random.default_rng(0)
    line = TWO_ROW.line()
    for _ in range(5):
        text = random_text(rng, "trailer")
        plate = render_plate(text, KINDS["trailer"], default_font_path(), 1.0, rng)
        crop = cv2.resize(plate[..., :3].astype(np.uint8), crop_size((94, 24), "trailer"))
        out = cv2.resize(as_line(crop, "trailer"), (94, 24), interpolation=cv2.INTER_AREA)
        ink = (cv2.cvtColor(out, cv2.COLOR_BGR2GRAY) < 90)[6:18].mean(0)
        # each glyph's box is inked, the gap the layout leaves between the rows blank
        scale = 94 / line.width
        for x, _, w, _ in line.boxes():
            assert ink[round((x + w / 4) * scale) : round((x + 3 * w / 4) * scale)].max() > 0.15, text
        # and the ink lies in the boxes, not between them (rivets may mark a gap: compare means)
        inside = np.zeros(94, bool)
        for x, _, w, _ in line.boxes():
            inside[round(x * scale) : round((x + w) * scale)] = True
        span = slice(round(line.char_x[0] * scale), round((line.char_x[-1] + line.char_size[0]) * scale))
        assert ink[span][inside[span]].mean() > 3 * ink[span][~inside[span]].mean(), text
    # a plate squeezed as it is loses its top row: it is not what unfold gives
    assert unfold(crop, 35).shape[1] > crop.shape[1]


def test_a_crop_of_a_two_row_kind_without_two_rows_is_refused_by_name(tmp_path: Path) -> None:
    flat = np.full((94, 188, 3), 200, np.uint8)
    with pytest.raises(RowsNotFound, match=r"x\.png: a trailer plate has two rows, but no gap"):
        as_line(flat, "trailer", "x.png")
    with pytest.raises(RowsNotFound, match="two rows were asked for"):
        as_line(flat, None, "x.png", rows=2)
    assert as_line(flat, "blue") is flat and as_line(flat) is flat  # one row: unchanged
    assert candidate_line(flat) is None and candidate_line(np.zeros((24, 94, 3), np.uint8)) is None


def test_batch_stages_skip_a_two_row_crop_whose_rows_cannot_be_found(two_row: Path, tmp_path: Path) -> None:
    crops = tmp_path / "crops"
    rows = index(two_row / "crops")[:12]
    for row in rows:
        image = read_image(two_row / "crops" / row["crop"], cv2.IMREAD_COLOR)
        write_image_atomic(crops / row["crop"], image)
    bad = dict(rows[0], crop="train/blank.png")  # a crop with no characters, said to be two-row
    write_image_atomic(crops / bad["crop"], np.full((94, 188, 3), 128, np.uint8))
    (crops / "index.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [*rows, bad]), "utf-8"
    )
    result = align_images(crops, AlignConfig(min_images=4), progress=False)
    assert [Path(p).name for p, _ in result.skipped] == ["blank.png"]
    assert "no gap between two rows" in result.skipped[0][1]
    result.alignment.save(tmp_path / "alignment.json")
    report = render_labels(crops, tmp_path / "alignment.json", tmp_path / "shards", progress=False)
    assert [Path(s["path"]).name for s in report.skipped] == ["blank.png"]
    assert sum(report.counts.values()) == 12


def test_synth_refuses_a_kind_the_readers_charset_cannot_spell(tmp_path: Path) -> None:
    out = CliRunner().invoke(
        plategen,
        ["synth", str(tmp_path / "s"), "--count", "2", "--kinds", "blue,trailer", "--charset", "ccpd"],
    )
    assert out.exit_code != 0
    assert "kind 'trailer' writes '挂', which the charset (ccpd) cannot spell" in out.output
    assert not (tmp_path / "s").exists()
    ok = CliRunner().invoke(
        plategen, ["synth", str(tmp_path / "s"), "--count", "2", "--kinds", "police", "--charset", "ccpd"]
    )
    assert ok.exit_code == 0, ok.output  # CCPD's table has 警


def test_two_row_plates_follow_the_default_mix() -> None:
    mix = SynthConfig().mix
    assert mix["yellow-rear"] > 0 and mix["trailer"] > 0
    assert replace(SynthConfig(), kinds="trailer").mix == {"trailer": 1.0}
