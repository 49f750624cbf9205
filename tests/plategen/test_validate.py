"""`validate_dataset`: each finding is detected on data planted with exactly that problem, on every
source kind `load_data` reads, and the counts on the real sets are the true ones."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from plategen.data.shards import shard_name, write_manifest, write_shard
from plategen.data.validate import FINDINGS, ValidateConfig, read_charset, validate_dataset
from plategen.errors import ConfigError, DatasetError
from plategen.io import encode_image

# (file, text, split): one clean sample of four kinds, in every split
CLEAN = [
    ("a.png", "京A12345", "train"),
    ("b.png", "沪B54321", "train"),
    ("c.png", "皖AD12345", "val"),
    ("d.png", "粤Z1234港", "test"),
]
# a real CCPD2019 name: plate 皖AYL375, corners up to x 361, y 494
CCPD_NAME = (
    "00622964559386-91_90-226&433_358&500-360&494_230&484_231&438_361&448-0_0_22_10_27_31_29-121-11.jpg"
)


def image_bytes(seed: int, size: tuple[int, int] = (94, 24), ext: str = ".png") -> bytes:
    """Noise of `size` (W, H): every seed gives other bytes, so no two planted images are equal."""
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    return encode_image(pixels, ext)


def manifest(folder: Path, rows: list[tuple[str, str, str]], sizes: dict | None = None) -> Path:
    """Write an image per row (unless the test wrote it; `sizes`: {file: (W, H)} other than 94x24)
    and a path<TAB>text<TAB>split manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    for seed, (name, _, _) in enumerate(rows):
        if not (folder / name).exists():
            (folder / name).write_bytes(image_bytes(seed, (sizes or {}).get(name, (94, 24))))
    path = folder / "labels.tsv"
    path.write_text("".join(f"{n}\t{t}\t{s}\n" for n, t, s in rows), encoding="utf-8")
    return path


def check(source: Path, **config):
    return validate_dataset(source, ValidateConfig(**config), workers=1, progress=False)


def found(report, name: str) -> list[tuple[str, str]]:
    return [(Path(f.path).name, f.reason) for f in report.findings[name]]


def test_clean_data_has_no_problem_and_true_counts(tmp_path) -> None:
    report = check(manifest(tmp_path, CLEAN))
    assert report.problems == 0 and report.summary() == "no problems"
    assert report.reader == "manifest" and report.samples == 4
    assert report.splits == {"train": 2, "val": 1, "test": 1}
    assert report.kinds == {"blue": 2, "green": 1, "hk": 1}
    assert report.provinces == {"京": 1, "沪": 1, "皖": 1, "粤": 1}
    assert report.sizes == {
        "width": {"min": 94, "median": 94, "max": 94},
        "height": {"min": 24, "median": 24, "max": 24},
    }
    assert list(report.findings) == [n for n in FINDINGS if n not in ("shard", "corners")]
    assert report.findings["charset"] is None  # no charset given: off, not clean


def test_unreadable_images_are_found_with_the_reason(tmp_path) -> None:
    (tmp_path / "junk.png").write_bytes(b"not an image")
    (tmp_path / "cut.jpg").write_bytes(image_bytes(7, ext=".jpg")[:-200])  # decodes, greyed: a trap
    (tmp_path / "empty.png").write_bytes(b"")
    rows = CLEAN + [("junk.png", "京A11111", "train"), ("cut.jpg", "京A22222", "train")]
    source = manifest(tmp_path, rows + [("empty.png", "京A33333", "train"), ("gone.png", "京A44444", "val")])
    (tmp_path / "gone.png").unlink()
    report = check(source)
    assert sorted(found(report, "unreadable")) == [
        ("cut.jpg", "truncated JPEG (no end-of-image marker)"),
        ("empty.png", "empty file"),
        ("gone.png", "cannot read file (No such file or directory)"),
        ("junk.png", "failed to decode image"),
    ]
    assert report.problems == 4 and report.samples == 8
    assert report.sizes["width"]["min"] == 94  # sizes count readable images only


def test_tiny_images_are_found_below_the_minimum_size(tmp_path) -> None:
    source = manifest(tmp_path, CLEAN + [("t.png", "京A54321", "train")], {"t.png": (3, 2)})
    assert found(check(source), "tiny") == [("t.png", "3x2 is smaller than 16x8")]
    assert found(check(source, min_size=(3, 2)), "tiny") == []
    assert found(check(source, min_size=(95, 8)), "tiny")[0] == ("a.png", "94x24 is smaller than 95x8")


def test_duplicate_images_are_found_by_content(tmp_path) -> None:
    manifest(tmp_path, CLEAN)
    shutil.copy(tmp_path / "a.png", tmp_path / "copy.png")
    report = check(manifest(tmp_path, CLEAN + [("copy.png", "京A99999", "train")]))
    assert found(report, "duplicate-image") == [("copy.png", f"same bytes as {tmp_path / 'a.png'}")]
    assert report.problems == 1


def test_duplicate_texts_are_found_within_a_split(tmp_path) -> None:
    report = check(manifest(tmp_path, CLEAN + [("e.png", "京A12345", "train")]))
    assert found(report, "duplicate-text") == [("e.png", f"text '京A12345' also at {tmp_path / 'a.png'}")]
    assert report.findings["leak"] == [] and report.problems == 1


def test_texts_no_kind_accepts_are_found_with_the_reason(tmp_path) -> None:
    source = manifest(tmp_path, CLEAN + [("e.png", "京A1警345", "train")])
    (name, reason), *rest = found(check(source), "no-kind")
    assert name == "e.png" and not rest
    assert reason.startswith(
        "text '京A1警345': no plate kind accepts it (character 4 is '警', expected a serial"
    )
    off = check(source, kinds=False)
    assert off.findings["no-kind"] is None and off.kinds == {} and off.provinces == {} and off.problems == 0


def test_a_text_its_stated_kind_rejects_is_found(tmp_path) -> None:
    rows = [{"crop": n, "text": t, "split": s} for n, t, s in CLEAN]
    rows[0]["kind"], rows[1]["kind"] = "police", "tractor"
    manifest(tmp_path, CLEAN)
    (tmp_path / "index.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = check(tmp_path)
    assert report.reader == "crop-index"
    no_kind = dict(found(report, "no-kind"))
    assert no_kind["a.png"] == "text '京A12345': police: character 7 is '5', expected '警'"
    assert no_kind["b.png"].startswith("kind 'tractor' is not a plate kind; known kinds: blue, yellow")
    assert report.kinds == {"police": 1, "tractor": 1, "green": 1, "hk": 1}


def test_characters_outside_the_charset_are_found(tmp_path) -> None:
    report = check(manifest(tmp_path, CLEAN), charset="京沪皖ABD0123456789")
    assert found(report, "charset") == [("d.png", "text '粤Z1234港': '粤', 'Z', '港' not in the charset")]
    assert report.missing == {"粤": 1, "Z": 1, "港": 1}
    assert check(manifest(tmp_path, CLEAN), charset="京沪皖粤港ABDZ0123456789").findings["charset"] == []


def test_texts_shared_by_train_and_val_or_test_are_a_leak(tmp_path) -> None:
    rows = CLEAN + [("e.png", "京A12345", "val"), ("f.png", "沪B54321", "test")]
    report = check(manifest(tmp_path, rows))
    assert found(report, "leak") == [
        ("e.png", f"val text '京A12345' is also in train ({tmp_path / 'a.png'})"),
        ("f.png", f"test text '沪B54321' is also in train ({tmp_path / 'b.png'})"),
    ]
    assert report.findings["duplicate-text"] == [] and report.problems == 2


def ccpd_tree(root: Path, photo: tuple[int, int] = (720, 1160)) -> Path:
    (root / "ccpd_base").mkdir(parents=True)
    (root / "ccpd_base" / CCPD_NAME).write_bytes(image_bytes(0, photo, ".jpg"))
    return root


def test_ccpd_photos_are_checked_with_their_corners_and_skips(tmp_path) -> None:
    report = check(ccpd_tree(tmp_path / "ok"))
    assert report.reader == "ccpd" and report.samples == 1 and report.problems == 0
    assert report.kinds == {"blue": 1} and report.sizes["height"]["max"] == 1160
    small = ccpd_tree(tmp_path / "small", (400, 300))
    (small / "ccpd_base" / "photo.jpg").write_bytes(image_bytes(1, (40, 30), ".jpg"))
    report = check(small)
    assert found(report, "corners") == [(CCPD_NAME, "corner (231, 438) outside the 400x300 photo")]
    (skipped, *rest) = report.findings["skipped"]
    assert skipped.path == "ccpd_base/photo.jpg" and skipped.reason.startswith("not a CCPD name") and not rest


def shards(out: Path, texts: dict[str, list[str]]) -> Path:
    """A shard folder with one tar per split, written the way `render-labels` writes them."""
    splits = {}
    for split, names in texts.items():
        samples = [
            (f"{split}{i}", {"crop.png": image_bytes(len(split) * 10 + i), "label.png": image_bytes(99 + i),
             "json": json.dumps({"text": t}).encode()})
            for i, t in enumerate(names)
        ]  # fmt: skip
        record = write_shard(out / shard_name(split, 0), samples)
        splits[split] = {"count": len(names), "shards": [record]}
    write_manifest(out, {"splits": splits, "charset": "京A0123456789"})
    return out


def test_shards_are_read_without_torch_and_a_bad_shard_is_a_finding(tmp_path) -> None:
    out = shards(tmp_path / "s", {"train": ["京A12345", "京A12346"], "val": ["京A12345"]})
    report = check(out)
    assert report.reader == "shards" and report.samples == 3 and report.splits == {"train": 2, "val": 1}
    assert found(report, "leak") == [
        ("val-00000.tar:val0", f"val text '京A12345' is also in train ({out}/train-00000.tar:train0)")
    ]
    tar = out / "val-00000.tar"
    tar.write_bytes(tar.read_bytes()[:1500])
    assert found(check(out), "shard") == [
        ("val-00000.tar", "checksum mismatch (truncated or modified shard)")
    ]


@pytest.mark.parametrize("kind", ["manifest", "crop-index", "text-folder", "ccpd", "shards"])
def test_every_source_kind_load_data_reads_is_validated(tmp_path, kind: str) -> None:
    if kind in ("manifest", "crop-index"):
        source = manifest(tmp_path, CLEAN)
        if kind == "crop-index":
            rows = "".join(json.dumps({"crop": n, "text": t, "split": s}) + "\n" for n, t, s in CLEAN)
            (tmp_path / "index.jsonl").write_text(rows, encoding="utf-8")
            source = tmp_path
    elif kind == "text-folder":
        for seed, (_, text, _) in enumerate(CLEAN):
            (tmp_path / f"{text}.png").write_bytes(image_bytes(seed))
        source = tmp_path
    elif kind == "ccpd":
        source = ccpd_tree(tmp_path)
    else:
        source = shards(tmp_path, {"train": [t for _, t, _ in CLEAN]})
    report = check(source)
    assert report.reader == kind and report.problems == 0
    assert report.samples == (1 if kind == "ccpd" else 4)


def test_a_missing_source_is_an_error_naming_it(tmp_path) -> None:
    with pytest.raises(DatasetError, match=f"^{tmp_path / 'nope'}: no such folder or file$"):
        check(tmp_path / "nope")


def test_the_report_as_json_holds_every_finding(tmp_path) -> None:
    rows = CLEAN + [(f"t{i}.png", f"京A5432{i}", "train") for i in range(3)]
    report = check(manifest(tmp_path, rows, {f"t{i}.png": (3, 2) for i in range(3)}), examples=1)
    d = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert d["problems"] == 3 and len(d["findings"]["tiny"]) == 3 and d["findings"]["charset"] is None
    assert d["min_size"] == [16, 8] and d["sizes"]["width"]["min"] == 3
    table = report.table()
    assert "  tiny                 3  images smaller than 16x8" in table
    assert "  charset            off" in table
    assert "  t0.png: 3x2 is smaller than 16x8\n  … 2 more" in table
    assert table.endswith("3 problems (tiny 3)")


def test_charset_from_characters_a_run_folder_or_its_config(tmp_path) -> None:
    assert read_charset("京A0") == "京A0"
    (tmp_path / "config.json").write_text(json.dumps({"charset": "沪B1"}), encoding="utf-8")
    assert read_charset(str(tmp_path)) == read_charset(str(tmp_path / "config.json")) == "沪B1"
    (tmp_path / "bad.json").write_text(json.dumps({"charset": ""}), encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.json: field 'charset': expected a non-empty string, got ''"):
        read_charset(str(tmp_path / "bad.json"))
    with pytest.raises(ConfigError, match="nope/config.json: run config not found"):
        read_charset(str(tmp_path / "nope/config.json"))


@pytest.mark.parametrize(
    "values, message",
    [
        ({"min_size": (0, 8)}, "min_size: (0, 8) must be two integers >= 1"),
        ({"min_size": (16,)}, "min_size: (16,) must be two integers >= 1"),
        ({"examples": -1}, "examples: -1 must be an integer >= 0"),
        ({"charset": ""}, "charset: empty"),
    ],
)
def test_config_rejects_bad_values_naming_the_field(values: dict, message: str) -> None:
    with pytest.raises(ConfigError, match="^" + re.escape(message)):
        ValidateConfig(**values)


def test_real_crops_are_all_readable_and_split_by_text(real_crops) -> None:
    report = check(
        real_crops, charset=read_charset(str(Path(__file__).parents[2] / "lprtrain/models/default"))
    )
    assert report.samples == 1102 and report.splits == {"train": 855, "val": 247}
    assert report.problems == 0  # readable, no repeated name or text, every plate blue, in the charset
    assert report.kinds == {"blue": 1102} and list(report.provinces)[:4] == ["浙", "沪", "皖", "京"]
    assert report.sizes["width"] == {"min": 110, "median": 222, "max": 560}


def test_plate_crops_are_all_94x24_and_clean(plate_crops) -> None:
    report = check(plate_crops)
    assert report.samples == 200 and report.problems == 0 and report.provinces["皖"] == 191
    assert report.sizes == {
        "width": {"min": 94, "median": 94, "max": 94},
        "height": {"min": 24, "median": 24, "max": 24},
    }
