"""Every GA 36 plate kind through `align` and `render-labels`: each kind's layout is measured in its
own polarity, falls back to its own geometry, and its labels put glyphs where that geometry says."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from plategen.align.spans import STANDARDS, standard_chars
from plategen.align.stage import AlignConfig, align_images, detect_polarity, mean_images, to_grey
from plategen.data import load_samples
from plategen.data.shards import read_shard_split
from plategen.io import read_jsonl, write_image_atomic
from plategen.labels.stage import render_labels
from plategen.plates.fonts import default_font_path
from plategen.plates.grammar import KINDS, LAYOUT_KINDS, random_text
from plategen.plates.rows import crop_size
from plategen.synth.plate import render_plate
from tests.conftest import shared

W, H = 94, 24
LIGHT_ON_DARK = {"blue", "embassy", "consulate", "hk", "macau"}  # GA 36 Table 1: white characters
# Index of the widest gap, where the separator sits (GA 36-2014 Figures 1-3, GA 36-2018)
SEPARATOR_AFTER = {"police7": 0, "embassy7": 3}  # every other layout: after the 2nd character (1)


def kind_crops(name: str, n: int, seed: int = 0, surround: int = 0) -> tuple[list, list[str]]:
    """`n` crops of kind `name` from the project's plate renderer, 94×24 (a two-row plate 188×94, as
    `plategen crop` cuts it), with the texts they read. `surround` rows of dark car body above and
    below the plate, as a loosely cut crop has."""
    rng = np.random.default_rng(seed)
    w, h = crop_size((W, H), name)
    surround = surround * h // H
    crops, texts = [], []
    for _ in range(n):
        text = random_text(rng, name)
        plate = render_plate(text, KINDS[name], default_font_path(), 1.0, rng)
        bgr = plate[..., :3] * (plate[..., 3:] / 255)
        crop = cv2.resize(bgr, (w, h - 2 * surround), interpolation=cv2.INTER_AREA)
        crop = cv2.copyMakeBorder(crop, surround, surround, 0, 0, cv2.BORDER_CONSTANT, value=(25, 30, 30))
        crops.append(np.clip(crop, 0, 255).astype(np.uint8))
        texts.append(text)
    return crops, texts


def write_index(folder: Path, rows: list[tuple[np.ndarray, str, str]]) -> Path:
    """A crop index like `plategen crop` writes: (crop, text, plate type) per row."""
    lines = []
    for i, (img, text, plate_type) in enumerate(rows):
        name = f"c{i:04d}.png"
        write_image_atomic(folder / name, img)
        row = {"crop": name, "text": text, "plate_type": plate_type}
        if plate_type.rstrip("0123456789") in KINDS:  # a layout of no kind ("len7"): a crop of none
            row["kind"] = plate_type.rstrip("0123456789")
        lines.append(json.dumps({**row, "split": "train"}, ensure_ascii=False) + "\n")
    (folder / "index.jsonl").write_text("".join(lines), "utf-8")
    return folder


def kind_index(folder: Path, kinds, n: int, layout=None, **kw) -> Path:
    rows = []
    for name in kinds:
        crops, texts = kind_crops(name, n, **kw)
        rows += [(c, t, layout or f"{name}{len(t)}") for c, t in zip(crops, texts)]
    return write_index(folder, rows)


def centres(chars) -> np.ndarray:
    return np.array([(a + b) / 2 for a, b in chars])


def align(folder: Path, **kw):
    return align_images(folder, AlignConfig(**kw), workers=1, progress=False)


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory):
    """12 crops of each kind in one index, aligned once; the alignment saved beside it."""
    folder = kind_index(tmp_path_factory.mktemp("kinds"), KINDS, 12)
    result = align(folder)
    result.alignment.save(folder / "alignment.json")
    return folder, result


def test_every_kind_has_a_layout_and_a_polarity() -> None:
    assert set(LAYOUT_KINDS) == set(STANDARDS) and len(STANDARDS) == len(KINDS)
    for name, kind in KINDS.items():
        assert kind.dark_on_light == (name not in LIGHT_ON_DARK), name


@pytest.mark.parametrize("layout", sorted(STANDARDS))
def test_each_kind_measures_its_own_layout_in_its_own_polarity(every_kind, layout) -> None:
    _, result = every_kind
    lay, kind = result.alignment[layout], LAYOUT_KINDS[layout]
    assert not [w for w in result.warnings if w.startswith(f"{layout}:")]
    assert lay.source == "measured" and lay.count == 12 and lay.length == kind.length
    assert lay.extra["polarity"] == ("dark" if kind.dark_on_light else "light")
    _, _, standard = standard_chars(STANDARDS[layout], W, H)
    assert np.abs(centres(lay.chars) - centres(standard)).max() <= 1.5, lay.chars
    assert int(np.argmax(np.diff(centres(lay.chars)))) == SEPARATOR_AFTER.get(layout, 1)
    assert lay.scales == (0.8,) + (1.0,) * (kind.length - 1)  # the Chinese first glyph drawn smaller


def test_the_kind_decides_the_polarity_when_the_surround_misleads_detection(tmp_path) -> None:
    """A yellow plate cut with dark car body above and below looks light-on-dark to the detector
    (the premise, checked first); named `yellow7`, its glyphs are dark, as the kind says."""
    kind_index(tmp_path / "yellow", ["yellow"], 12, surround=3)
    mean = mean_images(load_samples(tmp_path / "yellow"), AlignConfig(), progress=False)[0]["yellow7"][0]
    assert detect_polarity(to_grey(mean)) == "light"
    lay = align(tmp_path / "yellow").alignment["yellow7"]
    assert lay.source == "measured" and lay.extra["polarity"] == "dark"
    _, _, standard = standard_chars(STANDARDS["yellow7"], W, H)
    assert np.abs(centres(lay.chars) - centres(standard)).max() <= 1.5, lay.chars
    # a name that is no kind is detected as before; a polarity set in the config wins over the kind
    kind_index(tmp_path / "other", ["yellow"], 12, layout="len7", surround=3)
    assert align(tmp_path / "other").alignment["len7"].extra["polarity"] == "light"
    assert align(tmp_path / "yellow", polarity="light").alignment["yellow7"].extra["polarity"] == "light"


@pytest.mark.parametrize("layout", sorted(STANDARDS))
def test_too_few_crops_fall_back_to_the_kinds_own_geometry(tmp_path, layout) -> None:
    kind_index(tmp_path, [LAYOUT_KINDS[layout].name], 3)
    result = align(tmp_path)
    lay, geometry = result.alignment[layout], STANDARDS[layout]
    assert lay.source == "template" and list(lay.chars) == standard_chars(geometry, W, H)[2]
    assert result.warnings == [
        f"{layout}: only 3 crops (min_images 10); using the {geometry.name} standard template"
    ]
    assert int(np.argmax(np.diff(centres(lay.chars)))) == SEPARATOR_AFTER.get(layout, 1)


def test_layout_names_that_are_no_kind_keep_the_spread_template(tmp_path) -> None:
    crops, texts = kind_crops("police", 3)
    write_index(
        tmp_path, [(c, t, "purple7") for c, t in zip(crops, texts)] + [(crops[0], "京A1234警8", "police7")]
    )
    result = align(tmp_path)
    other, odd = result.alignment["purple7"], result.alignment["police7"]
    assert other.source == "template" and other.extra["method"] == "spread" and other.length == 7
    assert other.scales == (1.0,) * 7 and other.extra["polarity"] == "dark"  # detected: white plate
    assert len({b - a for a, b in other.chars}) <= 2  # evenly spread
    # a kind's name over texts of another length: no standard fits, so spread, without a crash
    assert odd.source == "template" and odd.extra["method"] == "spread" and odd.length == 8


def test_spread_pools_kinds_of_both_polarities_with_their_glyphs_alike(tmp_path) -> None:
    """`spread` lays a small group's cells over the band of all crops pooled: blue plates' light glyphs
    and yellow plates' dark ones pool as glyphs (averaged as colours, they would partly cancel)."""
    rows = []
    for name, n, layout, seed in (
        ("blue", 12, "blue7", 0),
        ("yellow", 12, "yellow7", 0),
        ("blue", 2, "purple7", 5),
    ):
        crops, texts = kind_crops(name, n, seed=seed)
        rows += [(c, t, layout) for c, t in zip(crops, texts)]
    write_index(tmp_path, rows)
    result = align(tmp_path, spread=True)
    blue, small = result.alignment["blue7"], result.alignment["purple7"]
    assert small.source == "template" and small.extra["method"] == "spread"
    assert abs(small.chars[0][0] - blue.chars[0][0]) <= 1 and abs(small.chars[-1][1] - blue.chars[-1][1]) <= 1
    assert abs(small.top - blue.top) <= 1 and abs(small.bottom - blue.bottom) <= 1


def labels_by_layout(out: Path) -> dict[str, list[tuple[str, np.ndarray, np.ndarray]]]:
    split = read_shard_split(out, "train")
    found: dict[str, list] = {}
    for crop, label, meta in zip(split.crops, split.labels, split.meta):
        found.setdefault(meta["plate_type"], []).append((meta["text"], crop, label))
    return found


def test_a_label_is_the_same_glyph_map_whatever_the_plates_colours(tmp_path) -> None:
    """Blue (light glyphs) and yellow (dark glyphs) plates share one geometry: same text, same label."""
    blue, texts = kind_crops("blue", 3)
    yellow, _ = kind_crops("yellow", 3)  # the same seed: the same texts
    write_index(
        tmp_path,
        [(c, t, "blue7") for c, t in zip(blue, texts)] + [(c, t, "yellow7") for c, t in zip(yellow, texts)],
    )
    result = align(tmp_path)  # 3 crops each: both the GA 36 blue-plate template
    assert result.alignment["blue7"] == result.alignment["yellow7"]
    result.alignment.save(tmp_path / "alignment.json")
    render_labels(tmp_path, tmp_path / "alignment.json", tmp_path / "out", progress=False)
    found = labels_by_layout(tmp_path / "out")
    for (text, b_crop, b_label), (y_text, y_crop, y_label) in zip(found["blue7"], found["yellow7"]):
        assert text == y_text and np.abs(b_crop.astype(int) - y_crop).mean() > 40  # unlike plates
        np.testing.assert_array_equal(b_label, y_label)
        assert b_label.max() == 255 and (b_label == 0).mean() > 0.5  # white glyphs on black


def separator_x(label: np.ndarray) -> float:
    """Centre of the widest glyph-free column run between the first and last glyph column."""
    ink = np.flatnonzero(label.max(axis=0) > 64)
    gaps = np.diff(ink)
    i = int(np.argmax(gaps))
    return (ink[i] + ink[i + 1]) / 2


@pytest.mark.parametrize("layout", sorted(STANDARDS))
def test_labels_put_each_kinds_glyphs_where_its_geometry_says(every_kind, layout) -> None:
    folder, _ = every_kind
    out = folder / "out"
    if not (out / "manifest.json").exists():
        report = render_labels(folder, folder / "alignment.json", out, progress=False)
        assert report.counts == {"train": 12 * len(KINDS)} and not report.skipped
    found = labels_by_layout(out)[layout]
    geometry = STANDARDS[layout]
    dot = geometry.dot_x * W / geometry.width
    assert len(found) == 12
    mean = np.mean([label for _, _, label in found], axis=0)
    if LAYOUT_KINDS[layout].rows == 2:  # the top row's dot and the break between the rows: both wide
        ink = np.flatnonzero(mean.max(axis=0) > 64)
        gaps = sorted(np.diff(ink), reverse=True)
        assert gaps[1] > gaps[2], gaps[:4]
        return
    assert abs(separator_x(mean) - dot) <= 2.0, (separator_x(mean), dot)
    _, _, standard = standard_chars(geometry, W, H)
    for x0, x1 in standard:  # ink in every character cell of the standard
        assert mean[:, x0:x1].max() > 127


def test_a_kind_without_its_layout_borrows_only_the_same_geometry(tmp_path) -> None:
    """An alignment with only blue7: a yellow plate takes its boxes, a police plate is skipped."""
    rows = []
    for name in ("blue", "yellow", "police"):
        crops, texts = kind_crops(name, 2)
        rows += [(c, t, f"{name}7") for c, t in zip(crops, texts)]
    write_index(tmp_path, rows)
    align(tmp_path).alignment.save(tmp_path / "all.json")
    only_blue = json.loads((tmp_path / "all.json").read_text("utf-8"))
    only_blue["layouts"] = {"blue7": only_blue["layouts"]["blue7"]}
    (tmp_path / "blue.json").write_text(json.dumps(only_blue), "utf-8")
    report = render_labels(tmp_path, tmp_path / "blue.json", tmp_path / "out", progress=False)
    assert report.counts == {"train": 4}
    assert {m["plate_type"]: m["layout"] for m in read_shard_split(tmp_path / "out", "train").meta} == {
        "blue7": "blue7",
        "yellow7": "blue7",
    }
    reasons = [r["reason"] for r in read_jsonl(tmp_path / "out" / "skipped.jsonl")]
    assert len(reasons) == 2 and all(
        r.endswith("a police plate takes only a layout with the GA 36-2014 police plate's boxes")
        for r in reasons
    )


def test_real_green_and_blue_gate_crops_measure_in_their_polarities(tmp_path) -> None:
    """Real plates of both polarities: 10 green new-energy (dark glyphs), 7 blue (light glyphs)."""
    crops = shared("gate-photos/crops")
    rows = []
    for path in sorted(crops.glob("*.png")):
        text = path.stem
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        rows.append((img, text, "green8" if len(text) == 8 else "blue7"))
    write_index(tmp_path, rows)
    result = align(tmp_path, min_images=5)
    for layout, polarity, count in (("green8", "dark", 10), ("blue7", "light", 7)):
        lay = result.alignment[layout]
        assert (lay.source, lay.count, lay.extra["polarity"]) == ("measured", count, polarity), (
            result.warnings
        )
        _, _, standard = standard_chars(STANDARDS[layout], lay.width, lay.height)
        scale = lay.width / W
        assert np.abs(centres(lay.chars) - centres(standard)).max() <= 2.0 * scale, lay.chars
