"""`crop_dataset`: layouts, splits, resume, skipped inputs, index on real and tiny synthetic data."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from plategen.crop.stage import CropConfig, CropTask, CropWorker, _crop_one, crop_dataset, plan
from plategen.data import load_samples
from plategen.data.ccpd import PlateName, format_name, parse_name
from plategen.data.readers.ccpd_tree import assign_split
from plategen.data.registry import hash_split, read_dataset
from plategen.errors import ConfigError, DatasetError
from plategen.io import read_image, read_jsonl

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ccpd-images"


def real_files() -> list[Path]:
    if not DATA.is_dir():
        pytest.skip(f"{DATA} not present")
    return sorted(DATA.glob("*.jpg"))


def ccpd_name(vertices=((150, 70), (50, 70), (50, 40), (150, 40)), indices=(0, 0, 1, 2, 3, 4, 5)) -> str:
    xs, ys = [v[0] for v in vertices], [v[1] for v in vertices]
    return format_name(
        PlateName(
            "01", (90, 90), ((min(xs), min(ys)), (max(xs), max(ys))), tuple(vertices), tuple(indices), 100, 10
        )
    )


def write_tiny(path: Path, size=(200, 100)) -> Path:
    """A small JPEG with a bright rectangle where the default `ccpd_name` corners sit."""
    img = np.full((size[1], size[0], 3), 40, np.uint8)
    cv2.rectangle(img, (50, 40), (150, 70), (200, 120, 30), -1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cv2.imencode(".jpg", img)[1].tobytes())
    return path


@pytest.mark.parametrize("mode", ["point", "affine", "rect"])
def test_crops_every_real_photo_in_every_mode(tmp_path, mode):
    files = real_files()
    report = crop_dataset(
        DATA, tmp_path / "out", CropConfig(mode=mode), workers=2 if mode == "point" else 1, progress=False
    )
    assert (report.written, report.resumed, report.skipped) == (len(files), 0, [])
    rows = read_jsonl(tmp_path / "out" / "index.jsonl")
    assert [r["crop"] for r in rows] == sorted(r["crop"] for r in rows)
    assert sorted(r["source"] for r in rows) == sorted(f.name for f in files)
    for row in rows:
        assert read_image(tmp_path / "out" / row["crop"]).shape == (24, 94, 3)
        plate = parse_name(row["source"])
        assert {**plate.to_dict(), "name": row["source"]}.items() <= row.items()
        assert row["split"] in ("train", "val") and row["subset"] is None
    assert sum(r["plate_type"] == "green8" for r in rows) == 4
    samples = load_samples(tmp_path / "out")
    assert len(samples) == len(files) and {s.layout for s in samples} == {"blue7", "green8"}
    assert read_jsonl(report.path) == []


def test_resume_writes_nothing_twice_and_rebuilds_the_index(tmp_path):
    root = tmp_path / "root"
    for i in range(3):
        write_tiny(root / "ccpd_base" / ccpd_name(indices=(0, 0, 1, 2, 3, 4, i)))
    out = tmp_path / "out"
    first = crop_dataset(root, out, workers=1, progress=False)
    assert (first.written, first.resumed) == (3, 0)
    index = (out / "index.jsonl").read_text(encoding="utf-8")
    (out / "index.jsonl").unlink()
    second = crop_dataset(root, out, workers=1, progress=False)
    assert (second.written, second.resumed) == (0, 3)
    assert (out / "index.jsonl").read_text(encoding="utf-8") == index
    victim = out / read_jsonl(out / "index.jsonl")[0]["crop"]
    victim.unlink()
    (victim.parent / f".{victim.name}.abc.part.png").write_bytes(b"half")  # a killed worker's leftover
    third = crop_dataset(root, out, workers=1, progress=False)
    assert (third.written, third.resumed) == (1, 2) and victim.is_file()
    assert not list(out.rglob("*.part*"))


def test_bad_inputs_are_skipped_with_reasons(tmp_path):
    root = tmp_path / "root"
    good = write_tiny(root / "ccpd_base" / ccpd_name())
    (root / "ccpd_base" / ccpd_name(indices=(0, 0, 1, 2, 3, 4, 9))).write_bytes(
        b"\xff\xd8" + b"not a jpeg" * 50 + b"\xff\xd9"
    )
    data = good.read_bytes()
    (root / "ccpd_base" / ccpd_name(indices=(0, 0, 1, 2, 3, 4, 8))).write_bytes(data[: len(data) * 2 // 3])
    shutil.copy(good, root / "ccpd_base" / "holiday.jpg")
    (root / "ccpd_np").mkdir()
    shutil.copy(good, root / "ccpd_np" / "0123.jpg")
    outside = ccpd_name(vertices=((450, 70), (50, 70), (50, 40), (450, 40)), indices=(0, 0, 1, 2, 3, 4, 7))
    shutil.copy(good, root / "ccpd_base" / outside)
    report = crop_dataset(root, tmp_path / "out", workers=1, progress=False)
    reasons = dict(report.skipped)
    assert report.written == 1 and len(reasons) == 5
    assert "failed to decode image" in reasons[f"ccpd_base/{ccpd_name(indices=(0, 0, 1, 2, 3, 4, 9))}"]
    assert "truncated JPEG" in reasons[f"ccpd_base/{ccpd_name(indices=(0, 0, 1, 2, 3, 4, 8))}"]
    assert reasons["ccpd_base/holiday.jpg"].startswith("not a CCPD name: holiday.jpg: not a CCPD annotation")
    assert reasons["ccpd_np/0123.jpg"].startswith("no annotation")
    assert "corner (450, 40) outside the 200x100 image" in reasons[f"ccpd_base/{outside}"]
    assert read_jsonl(report.path) == [{"path": p, "reason": r} for p, r in report.skipped]
    assert "5 skipped" in report.summary() and str(report.path) in report.summary()


def test_split_files_win_then_folders_then_hash(tmp_path):
    root = tmp_path / "CCPD2019"
    names = [ccpd_name(indices=(0, 0, 1, 2, 3, 4, i)) for i in range(6)]
    for sub, name in [
        ("ccpd_base", names[0]),
        ("ccpd_base", names[1]),
        ("ccpd_blur", names[2]),
        ("ccpd_base", names[3]),
        ("ccpd_tilt", names[4]),
    ]:
        write_tiny(root / sub / name)
    write_tiny(root / "ccpd_green" / "val" / names[5])
    (root / "splits").mkdir()
    (root / "splits" / "train.txt").write_text(f"ccpd_base/{names[0]}\n")
    (root / "splits" / "val.txt").write_text(f"ccpd_base/{names[1]}\n")
    (root / "splits" / "ccpd_blur.txt").write_text(f"ccpd_blur/{names[2]}\nccpd_base/{names[0]}\n")
    crop_dataset(root, tmp_path / "out", CropConfig(val_fraction=1.0), workers=1, progress=False)
    rows = {r["source"]: r for r in read_jsonl(tmp_path / "out" / "index.jsonl")}
    assert rows[f"ccpd_base/{names[0]}"]["split"] == "train"  # train.txt beats the subset file
    assert rows[f"ccpd_base/{names[1]}"]["split"] == "val"
    assert rows[f"ccpd_blur/{names[2]}"]["split"] == "test"
    assert rows[f"ccpd_base/{names[3]}"]["split"] == "val"  # unlisted base image: hash, fraction 1
    assert rows[f"ccpd_tilt/{names[4]}"]["split"] == "test"  # a CCPD2019 test subset
    green = rows[f"ccpd_green/val/{names[5]}"]
    assert green["split"] == "val" and green["subset"] == "ccpd_green"
    assert green["crop"] == f"val/ccpd_green/{Path(names[5]).stem}.png"


def test_hash_split_is_deterministic_and_follows_the_fraction():
    names = [f"{i:05d}-x.jpg" for i in range(2000)]
    first = [hash_split(n, 0.1) for n in names]
    assert first == [hash_split(n, 0.1) for n in names]
    assert 0.07 < first.count("val") / len(names) < 0.13
    assert {hash_split(n, 0.0) for n in names} == {"train"} and {hash_split(n, 1.0) for n in names} == {"val"}
    from pathlib import PurePosixPath

    assert assign_split(PurePosixPath("a/test/b/x.jpg"), {}, 0.5, "皖A12345") == "test"
    assert assign_split(PurePosixPath("ccpd_weather/x.jpg"), {}, 0.0, "皖A12345") == "test"


def test_ccpd_photos_of_one_plate_share_a_split_by_its_text(tmp_path):
    # two photos of each plate, different file names: hashing the name would part some of them
    root = tmp_path / "CCPD2019"
    texts = {}
    for i in range(12):
        for shot in (0, 1):
            name = ccpd_name(indices=(0, 0, 1, 2, 3, i % 10, 10 + i // 10))
            name = f"{shot}{i:02d}" + name[name.index("-") :]  # area field: a per-photo number
            write_tiny(root / "ccpd_base" / name)
    dataset = read_dataset(root)
    for s in dataset.samples:
        texts.setdefault(s.text, set()).add(s.split)
    assert len(texts) == 12 and all(len(v) == 1 for v in texts.values())
    assert all(s.split == hash_split(s.text) for s in dataset.samples)  # the one rule, VAL_FRACTION
    assert {s.split for s in dataset.samples} == {"train", "val"}


def test_output_inside_root_is_not_read_back(tmp_path):
    write_tiny(tmp_path / ccpd_name())
    crop_dataset(tmp_path, tmp_path / "crops", workers=1, progress=False)
    again = crop_dataset(tmp_path, tmp_path / "crops", workers=1, progress=False)
    assert (again.written, again.resumed, again.skipped) == (0, 1, [])


def test_missing_and_empty_roots_raise(tmp_path):
    with pytest.raises(DatasetError, match=f"^{tmp_path / 'nope'}: no such folder$"):
        crop_dataset(tmp_path / "nope", tmp_path / "out", progress=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="empty: no images found"):
        crop_dataset(tmp_path / "empty", tmp_path / "out", progress=False)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"mode": "warp"}, "mode"),
        ({"size": (94,)}, "size"),
        ({"size": (0, 24)}, "size"),
        ({"val_fraction": 1.5}, "val_fraction"),
        ({"ext": ".txt"}, "ext"),
        ({"margin": 0.7}, "margin"),
    ],
)
def test_config_errors_name_the_field(kwargs, field):
    with pytest.raises(ConfigError, match=f"^{field}: "):
        CropConfig(**kwargs)


def test_margin_widens_the_crop(tmp_path):
    write_tiny(tmp_path / "root" / ccpd_name())
    crop_dataset(tmp_path / "root", tmp_path / "a", workers=1, progress=False)
    crop_dataset(tmp_path / "root", tmp_path / "b", CropConfig(margin=0.2), workers=1, progress=False)
    (a,), (b,) = (list((tmp_path / d).rglob("*.png")) for d in "ab")
    # the plate fills crop a; with a margin, the dark background shows around it
    assert read_image(a)[:, :3].mean() > 80 and read_image(b)[:, :3].mean() < 60
    assert json.loads((tmp_path / "b" / "index.jsonl").read_text(encoding="utf-8"))["text"] == "皖ABCDEF"


def test_a_pool_started_ahead_of_a_single_photo_still_crops_it_and_resumes(tmp_path):
    # the pool starts before the plan is known; one task then runs inline while the workers idle
    root = tmp_path / "root"
    write_tiny(root / "ccpd_base" / ccpd_name())
    first = crop_dataset(root, tmp_path / "out", workers=2, progress=False)
    assert (first.written, first.resumed, first.skipped) == (1, 0, [])
    crop = tmp_path / "out" / read_jsonl(tmp_path / "out" / "index.jsonl")[0]["crop"]
    assert read_image(crop)[12, 47].tolist() != [40, 40, 40]  # the bright plate, not the background
    again = crop_dataset(root, tmp_path / "out", workers=2, progress=False)
    assert (again.written, again.resumed) == (0, 1)


def test_the_crop_worker_gets_everything_from_its_task_and_state(tmp_path):
    """No initializer and no module globals: the task and the worker state are all a worker reads,
    so calling it in this process crops exactly as a run does, and a bad item is a reason."""
    root = tmp_path / "root"
    write_tiny(root / "ccpd_base" / ccpd_name())
    crop_dataset(root, tmp_path / "run", workers=1, progress=False)
    (item,), _ = plan(root, tmp_path / "out", CropConfig())
    worker = CropWorker(root, tmp_path / "out", CropConfig())
    assert _crop_one(CropTask.of(7, item), worker) == (7, None)
    assert (tmp_path / "out" / item.crop).read_bytes() == (tmp_path / "run" / item.crop).read_bytes()
    missing = replace(CropTask.of(8, item), source="ccpd_base/gone.jpg")
    index, reason = _crop_one(missing, worker)
    assert index == 8 and reason.startswith("unreadable file: No such file")
