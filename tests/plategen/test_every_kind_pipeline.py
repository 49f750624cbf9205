"""Every GA 36 kind, one row or two, through the real pipeline: synth → crop → align → render-labels.

Each stage must carry the kind: synth names it, crop's index records it, align measures a layout
for it, and the labels draw its glyphs in its own layout (the police separator after the province,
the embassy one after the 4th character), whatever the plate's colours. Two-row plates are cut
with their 2:1 outline and reach the shards with their rows side by side, as the reader sees them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from plategen.align.stage import AlignConfig, align_images
from plategen.crop.stage import CropConfig, crop_dataset
from plategen.data.ccpd import parse_name
from plategen.data.shards import read_shard_split
from plategen.labels.stage import render_labels
from plategen.plates.grammar import KINDS, format_mix
from plategen.synth.stage import SynthConfig, synthesize

PER_KIND = 4
CLEAN = SynthConfig(
    kinds=format_mix({k: 1.0 for k in KINDS}),
    image_size=(240, 320),
    plate_width=(110, 160),
    blur=(0.0, 0.0),
    noise=(0.0, 0.0),
    motion_fraction=0.0,
    max_yaw=10,
    max_pitch=10,
    max_roll=3,
    bbox_slack=(0.0, 0.0),
)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("every-kind")
    report = synthesize(root / "photos", PER_KIND * len(KINDS), 3, CLEAN, progress=False)
    assert not report.failed and set(report.kinds) == set(KINDS)
    assert all(abs(n - PER_KIND) <= 1 for n in report.kinds.values()), report.kinds
    crop_dataset(root / "photos", root / "crops", CropConfig(mode="point"), progress=False)
    # 4 crops per kind are too few to measure from (the helper tests in test_kind_layouts measure):
    # every layout falls back to its kind's own GA 36 geometry, which the labels must then follow
    result = align_images(root / "crops", AlignConfig(min_images=50), progress=False)
    result.alignment.save(root / "alignment.json")
    render_labels(root / "crops", root / "alignment.json", root / "shards", strict=True, progress=False)
    return root


def test_synth_names_and_crop_indexes_every_kind(pipeline: Path) -> None:
    names = sorted(p.name for p in (pipeline / "photos").glob("*.jpg"))
    rows = [json.loads(line) for line in (pipeline / "crops" / "index.jsonl").read_text("utf-8").splitlines()]
    assert len(rows) == len(names) == PER_KIND * len(KINDS)
    for row in rows:
        plate = parse_name(row["name"])
        assert row["kind"] == plate.kind and row["text"] == plate.text
        assert row["plate_type"] == f"{plate.kind}{KINDS[plate.kind].length}"
    assert {r["kind"] for r in rows} == set(KINDS)
    assert any(r["text"].startswith("使") for r in rows) and any(r["text"].endswith("港") for r in rows)


def test_align_gives_every_kind_its_layout(pipeline: Path) -> None:
    layouts = json.loads((pipeline / "alignment.json").read_text())["layouts"]
    assert set(layouts) == {f"{k}{v.length}" for k, v in KINDS.items()}
    for name, layout in layouts.items():
        kind = KINDS[name.rstrip("0123456789")]
        assert len(layout["chars"]) == kind.length, name


def _gaps(label: np.ndarray, n: int) -> list[int]:
    """Widths of the empty column runs between the `n` glyph columns of a label."""
    ink = (label > 127).any(axis=0)
    runs, start = [], None
    for x, on in enumerate(np.concatenate([ink, [False]])):
        if on and start is None:
            start = x
        elif not on and start is not None:
            runs.append((start, x))
            start = None
    return [b[0] - a[1] for a, b in zip(runs, runs[1:])]


def test_labels_draw_each_kind_in_its_own_layout(pipeline: Path) -> None:
    by_kind: dict[str, list[np.ndarray]] = {}
    for split in ("train", "val", "test"):
        try:
            arrays = read_shard_split(pipeline / "shards", split)
        except Exception:  # a split with no crops has no shards
            continue
        for label, text, meta in zip(arrays.labels, arrays.texts, arrays.meta):
            kind = meta.get("kind") or parse_name(meta["name"]).kind
            assert label.max() == 255 and label.min() == 0, text  # a glyph map: glyphs on black
            by_kind.setdefault(kind, []).append(label)
    assert set(by_kind) == set(KINDS)
    separator = {"police": 0, "embassy": 3}  # index of the widest gap; the others after the 2nd glyph
    for kind, labels in by_kind.items():
        mean = np.mean(labels, axis=0)
        gaps = _gaps(mean, KINDS[kind].length)
        assert len(gaps) == KINDS[kind].length - 1, (kind, gaps)
        if KINDS[kind].rows == 2:  # the top row's dot, then the break between the rows
            assert sorted(np.argsort(gaps)[-2:]) == [0, 1], (kind, gaps)
        else:
            assert int(np.argmax(gaps)) == separator.get(kind, 1), (kind, gaps)


def test_two_row_plates_are_cut_whole_and_stored_as_one_line(pipeline: Path) -> None:
    import cv2

    rows = [json.loads(line) for line in (pipeline / "crops" / "index.jsonl").read_text("utf-8").splitlines()]
    for row in rows:
        h, w = cv2.imread(str(pipeline / "crops" / row["crop"])).shape[:2]
        two = KINDS[row["kind"]].rows == 2
        assert (w, h) == ((188, 94) if two else (94, 24)), row["kind"]
    arrays = read_shard_split(pipeline / "shards", "train")
    assert any(KINDS[m["kind"]].rows == 2 for m in arrays.meta)
    assert all(crop.shape[:2] == (24, 94) for crop in arrays.crops)
