from __future__ import annotations

import json
import tarfile
from pathlib import Path

import numpy as np
import pytest

from plategen.align.layout import Alignment
from plategen.data.shards import read_shard_manifest, read_shard_split, sha256_file, verify_shards
from plategen.errors import AlignmentError, ConfigError, DatasetError, FontCoverageError, FontError
from plategen.io import read_image, read_jsonl, write_image_atomic
from plategen.labels.renderer import LabelRenderer, RenderConfig
from plategen.labels.stage import render_labels

from .test_render import DATA, standard_layout

TEXTS = ["皖A12345", "沪C8GK31", "京PL3N67", "浙D335DZ", "苏E77777", "粤B0A1B2", "川A9X8Y7"]


def make_dataset(
    tmp_path: Path, splits=("train", "train", "train", "train", "val", "val", "val")
) -> tuple[Path, Path]:
    """Crops drawn from the standard layout plus noise, a path<TAB>text<TAB>split manifest, alignment.json."""
    rng = np.random.default_rng(0)
    renderer = LabelRenderer(standard_layout())
    root = tmp_path / "crops"
    lines = []
    for i, (text, split) in enumerate(zip(TEXTS, splits)):
        glyphs = renderer.render(text).astype(np.float32)
        crop = np.clip(
            np.stack([glyphs * 0.6 + 90, glyphs * 0.6 + 40, glyphs * 0.5 + 20], -1)
            + rng.normal(0, 8, (24, 94, 3)),
            0,
            255,
        ).astype(np.uint8)
        write_image_atomic(root / f"c{i}.png", crop)
        lines.append(f"c{i}.png\t{text}\t{split}")
    (root / "labels.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    alignment = tmp_path / "alignment.json"
    Alignment({"len7": standard_layout(scales=(0.8,) + (1.0,) * 6)}).save(alignment)
    return root, alignment


def run(tmp_path: Path, root: Path, alignment: Path, **kwargs):
    kwargs.setdefault("shard_size", 2)
    return render_labels(
        root, alignment, tmp_path / "out", manifest=root / "labels.txt", progress=False, **kwargs
    )


def test_shards_hold_crop_label_and_json(tmp_path) -> None:
    root, alignment = make_dataset(tmp_path)
    report = run(tmp_path, root, alignment)
    out = tmp_path / "out"
    assert report.counts == {"train": 4, "val": 3} and report.written == 4 and not report.skipped
    assert sorted(p.name for p in out.glob("*.tar")) == [
        "train-00000.tar",
        "train-00001.tar",
        "val-00000.tar",
        "val-00001.tar",
    ]
    with tarfile.open(out / "train-00000.tar") as tar:
        assert tar.getnames() == [
            "0000000.crop.png",
            "0000000.label.png",
            "0000000.json",
            "0000001.crop.png",
            "0000001.label.png",
            "0000001.json",
        ]
    train = read_shard_split(out, "train")
    assert train.crops.shape == (4, 24, 94, 3) and train.labels.shape == (4, 24, 94)
    assert train.texts == TEXTS[:4]
    meta = train.meta[1]
    assert meta["text"] == "沪C8GK31" and meta["layout"] == "len7" and meta["split"] == "train"
    assert meta["crop"] == "c1.png" and meta["source"] == str(root / "c1.png") and "subset" in meta
    # The stored label is the rendering of the text, and it sits on the crop's glyphs.
    expected = LabelRenderer(standard_layout(scales=(0.8,) + (1.0,) * 6)).render("沪C8GK31")
    np.testing.assert_array_equal(train.labels[1], expected)
    bright = train.crops[1].astype(int).sum(-1) > 3 * 110
    assert (bright & (train.labels[1] > 127)).sum() > 0.5 * bright.sum()


def test_manifest_records_counts_charset_font_and_checksums(tmp_path) -> None:
    root, alignment = make_dataset(tmp_path)
    run(tmp_path, root, alignment, config=RenderConfig(label_size=(47, 12)))
    out = tmp_path / "out"
    m = read_shard_manifest(out)
    assert m["splits"]["val"]["count"] == 3 and len(m["splits"]["val"]["shards"]) == 2
    assert m["charset"] == "".join(sorted(set("".join(TEXTS))))
    assert m["alignment"] == Alignment.load(alignment).to_dict()
    assert m["font"]["sha256"] == sha256_file(Path(m["font"]["path"])) and "PlateSans" in m["font"]["name"]
    assert m["crop_size"] == [94, 24] and m["label_size"] == [47, 12] and m["skipped"] == 0
    assert m["render"]["supersample"] == 2
    for rec in m["splits"]["train"]["shards"]:
        assert sha256_file(out / rec["name"]) == rec["sha256"]
    verify_shards(out)
    assert read_shard_split(out, "val").labels.shape == (3, 12, 47)


def test_rerun_resumes_and_redoes_a_damaged_shard(tmp_path) -> None:
    root, alignment = make_dataset(tmp_path)
    run(tmp_path, root, alignment)
    out = tmp_path / "out"
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.tar")}
    again = run(tmp_path, root, alignment)
    assert again.written == 0 and again.reused == 4 and again.counts == {"train": 4, "val": 3}
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.tar")} == before
    (out / "val-00000.tar").write_bytes(b"truncated")
    third = run(tmp_path, root, alignment)
    assert third.written == 1 and third.reused == 3
    verify_shards(out)
    # Other settings: refused, naming the setting; --force starts over and keeps nothing.
    with pytest.raises(ConfigError, match="made with supersample 2, this run asks for 3"):
        run(tmp_path, root, alignment, config=RenderConfig(supersample=3))
    assert run(tmp_path, root, alignment, config=RenderConfig(supersample=3), force=True).written == 4


def test_bad_crops_are_skipped_and_reported(tmp_path) -> None:
    root, alignment = make_dataset(tmp_path)
    (root / "c2.png").write_bytes(b"not an image")
    with open(root / "labels.txt", "a", encoding="utf-8") as f:
        f.write("c0.png\t皖A1234\ttrain\n")  # 6 characters: no layout
    report = run(tmp_path, root, alignment)
    reasons = {
        Path(r["path"]).name + ":" + r["text"]: r["reason"]
        for r in read_jsonl(tmp_path / "out" / "skipped.jsonl")
    }
    assert len(report.skipped) == 2 and report.counts == {"train": 3, "val": 3}
    assert "failed to decode image" in reasons["c2.png:京PL3N67"]
    assert reasons["c0.png:皖A1234"].startswith("no layout for text length 6")
    assert read_shard_manifest(tmp_path / "out")["skipped"] == 2
    with pytest.raises(
        DatasetError, match=r"^1 crops skipped \(--strict\); first: .*c0.png: no layout for text length 6"
    ):
        run(tmp_path, root, alignment, strict=True)


def test_png_dir_and_preview(tmp_path) -> None:
    root, alignment = make_dataset(tmp_path)
    run(tmp_path, root, alignment, png_dir=tmp_path / "pngs", preview=5)
    pngs = sorted((tmp_path / "pngs").rglob("*.png"))
    assert len(pngs) == 7 and (tmp_path / "pngs" / "val" / "0000004_苏E77777.png") in pngs
    assert read_image(pngs[0]).shape == (24, 94, 3)
    sheet = read_image(tmp_path / "out" / "preview.png")
    assert sheet.shape[0] == 2 * (24 + 3) * 3  # 5 pairs: 2 rows of 4


def test_workers_give_the_same_shards(tmp_path) -> None:
    root, alignment = make_dataset(tmp_path)
    one = render_labels(
        root, alignment, tmp_path / "a", manifest=root / "labels.txt", shard_size=2, progress=False
    )
    two = render_labels(
        root, alignment, tmp_path / "b", manifest=root / "labels.txt", shard_size=2, workers=2, progress=False
    )
    assert one.counts == two.counts
    for p in (tmp_path / "a").glob("*.tar"):
        assert sha256_file(p) == sha256_file(tmp_path / "b" / p.name)


def test_bad_inputs_raise_clear_errors(tmp_path) -> None:
    root, alignment = make_dataset(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="no images found"):
        render_labels(tmp_path / "empty", alignment, tmp_path / "o", progress=False)
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps({"version": 1, "layouts": {"len7": {"width": 94}}}))
    with pytest.raises(AlignmentError, match="key 'height'"):
        run(tmp_path, root, foreign)
    bogus = tmp_path / "bogus.otf"
    bogus.write_bytes(b"\0" * 64)
    with pytest.raises(FontError, match=f"^{bogus}: not a TrueType/OpenType font"):
        run(tmp_path, root, alignment, font=bogus)
    (root / "labels.txt").write_text("c0.png\tAB€€€€€\nc1.png\tAB€CDEF\n", encoding="utf-8")
    with pytest.raises(FontCoverageError, match=r"lacks glyphs for 1 characters: '€' \(U\+20AC, 2 texts\)"):
        run(tmp_path, root, alignment)


def test_labels_overlap_real_glyphs(tmp_path) -> None:
    """Reality check: mean rendered label vs binarized mean real crop (blue7), glyph-pixel IoU ≥ 0.5."""
    if not (DATA / "ccpd-images").is_dir():
        pytest.skip("real CCPD photos not available")
    from skimage.filters import threshold_otsu

    from plategen.align.stage import AlignConfig, align_images, binarize, detect_polarity, to_grey
    from plategen.crop.stage import CropConfig, crop_dataset
    from plategen.data import load_samples

    crop_dataset(DATA / "ccpd-images", tmp_path / "crops", CropConfig(), progress=False)
    result = align_images(tmp_path / "crops", AlignConfig(), workers=1, progress=False)
    layout = result.alignment["blue7"]
    samples = [s for s in load_samples(tmp_path / "crops") if s.layout == "blue7"]
    grey = to_grey(np.mean([read_image(s.path).astype(np.float64) for s in samples], 0))
    real, _ = binarize(grey, "otsu", detect_polarity(grey))
    renderer = LabelRenderer(layout)
    mean_label = np.mean([renderer.render(s.text) for s in samples], 0)
    rendered = mean_label > threshold_otsu(mean_label)
    iou = (real & rendered).sum() / (real | rendered).sum()
    print(f"glyph-pixel IoU {iou:.3f}")
    assert iou >= 0.5, f"IoU {iou:.3f} over {len(samples)} crops, layout {layout.chars}"
