"""Issue 26: `crop`, `align` and `render-labels` fail loudly and lose nothing.

A write that fails (a full disk, an output under a file) is one `Error:` line naming the path, and
leaves no half-finished output that a re-run would take as done; a re-run resumes. A re-run with other
settings, or from other crops, is refused naming what differs; `--force` starts over.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from cli.plategen import plategen
from plategen.align.layout import Alignment
from plategen.data.shards import read_shard_manifest, verify_shards
from plategen.io import read_jsonl, write_image_atomic
from tests.plategen.test_align import lines, write_index
from tests.plategen.test_crop import ccpd_name, write_tiny
from tests.plategen.test_labels import make_dataset
from tests.plategen.test_render import standard_layout

FULL = os.strerror(errno.ENOSPC)  # "No space left on device"


def invoke(*args) -> object:
    return CliRunner().invoke(plategen, [str(a) for a in args])


def full_disk(monkeypatch, when) -> None:
    """Writes whose target `when(path)` accepts fail as on a full disk: the rename that completes each
    atomic write raises ENOSPC. This mocks the machine; the code under test runs as it is."""
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if when(Path(dst)):
            raise OSError(errno.ENOSPC, FULL, str(src))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("not a folder")
    return path


def error_line(result) -> str:
    """The one line a failure prints (progress bars go to stderr, which CliRunner mixes in)."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.output.strip().splitlines()[-1]


# ---- crop ------------------------------------------------------------------------------------------


def photos(tmp_path: Path, n: int = 5) -> Path:
    root = tmp_path / "root"
    for i in range(n):
        write_tiny(root / "ccpd_base" / ccpd_name(indices=(0, 0, 1, 2, 3, 4, 5 + i)))
    return root


def crop(root: Path, out: Path, *extra):
    return invoke("crop", root, out, "--workers", "1", *extra)


def test_crop_into_a_path_under_a_file_is_one_error_line(tmp_path):
    notes = a_file(tmp_path)
    for out in (notes / "crops", notes):
        result = crop(photos(tmp_path, 1), out)
        assert result.exit_code == 1
        assert error_line(result) == f"Error: {out}/crop.json: cannot write: {notes} is a file, not a folder"


def test_crop_root_that_is_a_file_is_named(tmp_path):
    result = crop(a_file(tmp_path), tmp_path / "crops")
    assert result.exit_code == 1 and error_line(result) == f"Error: {a_file(tmp_path)}: not a folder"


def test_crop_full_disk_mid_run_indexes_exactly_the_crops_written_and_a_rerun_completes(
    tmp_path, monkeypatch
):
    root, out = photos(tmp_path), tmp_path / "crops"
    victim = ccpd_name(indices=(0, 0, 1, 2, 3, 4, 7)).replace(".jpg", ".png")
    with monkeypatch.context() as m:
        full_disk(m, lambda path: path.name == victim)
        failed = crop(root, out)
    assert failed.exit_code == 1
    on_disk = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
    assert len(on_disk) == 2  # the two crops before it; nothing half-written, no temporary file left
    assert not [p for p in out.rglob(".*")]
    assert error_line(failed).startswith(f"Error: {out}/")  # then the crop's split
    assert error_line(failed).endswith(
        f"/ccpd_base/{victim}: cannot write: {FULL}; the 2 crops written are indexed, and a re-run "
        "resumes from them"
    )
    assert sorted(row["crop"] for row in read_jsonl(out / "index.jsonl")) == on_disk
    again = crop(root, out)
    assert again.exit_code == 0, again.output
    assert "3 crops written, 2 already done, 0 skipped" in again.output
    assert len(read_jsonl(out / "index.jsonl")) == 5


def test_crop_full_disk_on_the_index_fails_and_a_rerun_writes_it(tmp_path, monkeypatch):
    root, out = photos(tmp_path), tmp_path / "crops"
    with monkeypatch.context() as m:
        full_disk(m, lambda path: path.name == "index.jsonl")
        failed = crop(root, out)
    assert failed.exit_code == 1
    assert error_line(failed) == (
        f"Error: {out}/index.jsonl: cannot write: {FULL}; 5 crops are written, and a re-run resumes from them"
    )
    assert not (out / "index.jsonl").exists()
    again = crop(root, out)
    assert again.exit_code == 0 and "0 crops written, 5 already done" in again.output
    assert len(read_jsonl(out / "index.jsonl")) == 5


def test_crop_force_starts_over_with_other_settings(tmp_path):
    root, out = photos(tmp_path, 2), tmp_path / "crops"
    assert crop(root, out).exit_code == 0
    refused = crop(root, out, "--size", "64x16")
    assert refused.exit_code == 1 and error_line(refused).endswith("or pass --force to start over")
    forced = crop(root, out, "--size", "64x16", "--force")
    assert forced.exit_code == 0, forced.output
    assert "2 crops written, 0 already done" in forced.output
    for row in read_jsonl(out / "index.jsonl"):
        assert cv2.imread(str(out / row["crop"])).shape == (16, 64, 3)
    assert json.loads((out / "crop.json").read_text())["size"] == [64, 16]


# ---- align -----------------------------------------------------------------------------------------


def align(crops: Path, out: Path, *extra):
    return invoke("align", crops, "--out", out, "--workers", "1", *extra)


@pytest.fixture
def plates(tmp_path) -> Path:
    return write_index(tmp_path / "crops", lines(12), ["皖A12345"] * 12)


def test_align_out_under_a_file_is_refused_before_measuring(tmp_path, plates):
    notes = a_file(tmp_path)
    result = align(plates, notes / "alignment.json")
    assert result.exit_code == 1
    assert result.output == f"Error: {notes}/alignment.json: cannot write: {notes} is a file, not a folder\n"
    folder = align(plates, plates)
    assert folder.exit_code == 1 and folder.output == f"Error: {plates}: cannot write: it is a folder\n"


def test_align_show_on_a_full_disk_keeps_the_alignment_before_it(tmp_path, plates, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    out = tmp_path / "alignment.json"
    assert align(plates, out).exit_code == 0
    good = out.read_bytes()
    with monkeypatch.context() as m:
        full_disk(m, lambda path: path.suffix == ".png")
        failed = align(plates, out, "--show", "--min-images", "5", "--force")  # would replace `good`
    assert failed.exit_code == 1
    assert error_line(failed) == f"Error: {tmp_path / 'alignment.png'}: cannot write: {FULL}"
    assert out.read_bytes() == good and not list(tmp_path.glob(".*"))


def test_align_rerun_with_other_settings_is_refused_and_force_replaces(tmp_path, plates):
    out = tmp_path / "alignment.json"
    assert align(plates, out).exit_code == 0
    good = out.read_bytes()
    refused = align(plates, out, "--min-images", "5")
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: {out}: was measured with min_images 10, this run asks for 5; write to another path, "
        "repeat the first run's settings, or pass --force to replace it\n"
    )
    assert out.read_bytes() == good
    forced = align(plates, out, "--min-images", "5", "--force")
    assert forced.exit_code == 0, forced.output
    assert Alignment.load(out).settings["min_images"] == 5
    assert align(plates, out, "--min-images", "5").exit_code == 0  # the same settings again: replaced


def test_align_on_a_folder_of_non_plates_keeps_a_good_alignment(tmp_path, plates):
    out = tmp_path / "alignment.json"
    assert align(plates, out).exit_code == 0
    good = out.read_bytes()
    rng = np.random.default_rng(0)
    noise = [rng.integers(0, 255, (24, 94, 3), dtype=np.uint8) for _ in range(3)]
    others = write_index(tmp_path / "holiday", noise, ["皖A00000"] * 3)
    result = align(others, out)
    assert result.exit_code == 1
    made = Alignment.load(out).settings["input"]
    assert result.output.startswith(
        f"Error: {out}: was measured from 12 crops of crops (sha256 {made['sha256'][:12]}), "
        "this run reads 3 crops of holiday (sha256 "
    )
    assert out.read_bytes() == good


def test_align_does_not_overwrite_a_file_that_is_not_an_alignment(tmp_path, plates):
    index = plates / "index.jsonl"
    before = index.read_bytes()
    result = align(plates, index)
    assert result.exit_code == 1
    assert error_line(result).startswith(f"Error: {index}: not replaced: it is not an alignment file (")
    assert error_line(result).endswith("; write to another path, or pass --force to replace it")
    assert index.read_bytes() == before


def test_align_refuses_a_layout_key_no_sample_has(tmp_path, plates):
    result = align(plates, tmp_path / "a.json", "--layout-key", "colour")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: layout_key: no sample in {plates} has a field 'colour'; "
        "their fields: crop, plate_type, split, text\n"
    )
    assert not (tmp_path / "a.json").exists()


def test_align_warns_when_some_crops_lack_the_layout_key(tmp_path, plates):
    rows = read_jsonl(plates / "index.jsonl")
    rows[0].pop("plate_type")
    (plates / "index.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    result = align(plates, tmp_path / "a.json", "--layout-key", "plate_type")
    assert result.exit_code == 0, result.output
    assert "Warning: layout_key 'plate_type': 1 of 12 crops lack it; they are grouped by text length" in (
        result.output
    )


def test_a_two_row_skip_names_the_crop_once(tmp_path, plates):
    blank = plates / "rear.png"
    write_image_atomic(blank, np.full((48, 94, 3), 128, np.uint8))
    with (plates / "index.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps({"crop": "rear.png", "text": "皖A12345", "plate_type": "yellow-rear7"}) + "\n")
    result = align(plates, tmp_path / "a.json")
    (line,) = [x for x in result.output.splitlines() if x.startswith("skipped ")]
    assert line.startswith(f"skipped {blank}: a yellow-rear plate has two rows, but no gap")
    assert line.count(str(blank)) == 1


# ---- render-labels ---------------------------------------------------------------------------------


def render(root: Path, alignment: Path, out: Path, *extra):
    args = ("--manifest", root / "labels.txt", "--workers", "1")
    size = () if "--shard-size" in extra else ("--shard-size", "2")
    return invoke("render-labels", root, "--alignment", alignment, out, *args, *size, *extra)


def test_render_labels_out_under_a_file_is_one_error_line(tmp_path):
    root, alignment = make_dataset(tmp_path)
    notes = a_file(tmp_path)
    result = render(root, alignment, notes / "shards")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {notes}/shards/manifest.json: cannot write: {notes} is a file, not a folder\n"
    )


def test_render_labels_full_disk_leaves_no_manifest_and_a_rerun_resumes(tmp_path, monkeypatch):
    root, alignment = make_dataset(tmp_path)
    out = tmp_path / "shards"
    with monkeypatch.context() as m:
        full_disk(m, lambda path: path.name == "train-00001.tar")
        failed = render(root, alignment, out)
    assert failed.exit_code == 1
    assert error_line(failed) == (
        f"Error: {out / 'train-00001.tar'}: cannot write: {FULL}; the shards finished so far are kept, "
        "and a re-run resumes"
    )
    assert not (out / "manifest.json").exists() and not list(out.glob(".*.part*"))
    again = render(root, alignment, out)
    assert again.exit_code == 0, again.output
    assert "shards written 3, kept 1" in again.output
    verify_shards(out)


def test_render_labels_full_disk_on_the_manifest_then_a_rerun_keeps_every_shard(tmp_path, monkeypatch):
    root, alignment = make_dataset(tmp_path)
    out = tmp_path / "shards"
    with monkeypatch.context() as m:
        full_disk(m, lambda path: path.name == "manifest.json")
        failed = render(root, alignment, out)
    assert failed.exit_code == 1
    assert error_line(failed) == f"Error: {out / 'manifest.json'}: cannot write: {FULL}"
    again = render(root, alignment, out)
    assert again.exit_code == 0 and "shards written 0, kept 4" in again.output
    verify_shards(out)


def other_alignment(tmp_path: Path) -> Path:
    path = tmp_path / "other.json"
    Alignment({"len7": standard_layout(scales=(0.6,) + (1.0,) * 6)}).save(path)
    return path


def shard_bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.tar"))}


@pytest.mark.parametrize(
    "change, made",
    [
        (("--label-size", "47x12"), "with label_size null, this run asks for 47x12"),
        (("--resample", "bicubic"), 'with resample "area", this run asks for "bicubic"'),
        (("--shard-size", "3"), "with shard_size 2, this run asks for 3"),
    ],
)
def test_render_labels_rerun_with_other_settings_is_refused(tmp_path, change, made):
    root, alignment = make_dataset(tmp_path)
    out = tmp_path / "shards"
    assert render(root, alignment, out).exit_code == 0
    before = shard_bytes(out)
    result = render(root, alignment, out, *change)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {out}: its shards were made {made}; render into another folder, repeat the first run's "
        "settings, or pass --force to start over\n"
    )
    assert shard_bytes(out) == before


def test_render_labels_with_another_alignment_is_refused_and_force_starts_over(tmp_path):
    root, alignment = make_dataset(tmp_path)
    out = tmp_path / "shards"
    assert render(root, alignment, out).exit_code == 0
    before = shard_bytes(out)
    other = other_alignment(tmp_path)
    result = render(root, other, out)
    assert result.exit_code == 1
    first = read_shard_manifest(out)["settings"]["alignment"]["sha256"][:12]
    assert result.output.startswith(
        f"Error: {out}: its shards were made with alignment alignment.json (sha256 {first}), this run "
        "asks for other.json (sha256 "
    )
    assert shard_bytes(out) == before
    forced = render(root, other, out, "--force", "--shard-size", "3")
    assert forced.exit_code == 0, forced.output
    assert "shards written 3, kept 0" in forced.output
    assert sorted(shard_bytes(out)) == ["train-00000.tar", "train-00001.tar", "val-00000.tar"]
    verify_shards(out)


def test_render_labels_from_other_crops_is_refused(tmp_path):
    root, alignment = make_dataset(tmp_path)
    out = tmp_path / "shards"
    assert render(root, alignment, out).exit_code == 0
    labels = root / "labels.txt"
    labels.write_text("".join(labels.read_text(encoding="utf-8").splitlines(True)[:3]), encoding="utf-8")
    result = render(root, alignment, out)
    assert result.exit_code == 1
    assert f"Error: {out}: its shards were made from 7 crops of crops/labels.txt (sha256 " in result.output
    assert "this run reads 3 crops of crops/labels.txt (sha256 " in result.output


def test_render_labels_refuses_an_older_manifest_with_another_alignment(tmp_path):
    """Shards made before render.json existed: what their manifest records is compared."""
    root, alignment = make_dataset(tmp_path)
    out = tmp_path / "shards"
    assert render(root, alignment, out).exit_code == 0
    (out / "render.json").unlink()
    manifest = read_shard_manifest(out)
    del manifest["settings"]
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
    result = render(root, other_alignment(tmp_path), out)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {out}: its shards were made with alignment (sha256 ")


def test_render_labels_into_the_crops_folder_is_refused(tmp_path):
    root, alignment = make_dataset(tmp_path)
    result = render(root, alignment, root)
    assert result.exit_code == 1
    assert result.output == f"Error: {root}: the output folder must differ from the crops folder\n"


def test_render_labels_alignment_that_is_a_folder_is_named(tmp_path):
    root, _ = make_dataset(tmp_path)
    result = render(root, root, tmp_path / "shards")
    assert result.exit_code == 1
    assert result.output == f"Error: {root}: cannot read alignment file (Is a directory)\n"


def test_render_labels_strict_names_a_skipped_crop_once(tmp_path):
    root, alignment = make_dataset(tmp_path)
    (root / "c0.png").write_bytes(b"not a png")
    result = render(root, alignment, tmp_path / "shards", "--strict")
    assert result.exit_code == 1
    assert error_line(result).startswith(f"Error: 1 crops skipped (--strict); first: {root / 'c0.png'}: ")
    assert error_line(result).count(str(root / "c0.png")) == 1
