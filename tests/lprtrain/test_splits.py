"""Issue 19's split check, as a new user would make it: fit trains on `train` and validates on `val`
whatever the source, never reads `test`, and a split that no sample has is an error, not every row."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from cli.lprtrain import lprtrain
from lprtrain.data.plate_data import default_split, load_data, splits_of
from lprtrain.errors import ConfigError
from lprtrain.evaluation.compare import test_sets as compare_test_sets
from lprtrain.train.config import FitConfig
from lprtrain.train.distributed import Dist
from lprtrain.train.fit import fit
from lprtrain.train.sources import Source, train_and_val
from plategen.data.splits import hash_split
from plategen.errors import DatasetError

from ..bites_fixtures import random_run


def texts(n: int, start: int = 0) -> list[str]:
    return [f"皖A{i:05d}" for i in range(start, start + n)]


def manifest(folder: Path, rows: list[tuple[str, str]]) -> Path:
    """A manifest of `rows` (text, split; split "" for none) over tiny 94×24 crops, one per row."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for k, (text, split) in enumerate(rows):
        image = np.full((24, 94, 3), (150, 60, 20), np.uint8)
        image[4:20, 6 + (k % 7) * 12 : 14 + (k % 7) * 12] = 235
        cv2.imencode(".png", image)[1].tofile(str(folder / f"{k:03d}.png"))
        lines.append(f"{k:03d}.png\t{text}" + (f"\t{split}" if split else ""))
    path = folder / "labels.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def thirty_ten_ten(tmp_path: Path) -> Path:
    rows = [(t, "train") for t in texts(30)] + [(t, "val") for t in texts(10, 30)]
    return manifest(tmp_path / "data", rows + [(t, "test") for t in texts(10, 40)])


def test_fit_trains_on_train_and_validates_on_val(thirty_ten_ten: Path, tmp_path: Path) -> None:
    args = ["fit", str(thirty_ten_ten), "--out", str(tmp_path / "run"), "--aux", "off", "--max-steps", "1"]
    result = CliRunner().invoke(lprtrain, [*args, "--batch-size", "8", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    # before issue 19: "on 45 samples" and "on 5 samples" (every row, every 10th held out)
    assert " on 30 samples in " in result.output, result.output
    assert "best validation accuracy on 10 samples" in result.output, result.output


def test_the_validated_and_trained_plates_are_the_manifests_own(thirty_ten_ten: Path) -> None:
    train, val = train_and_val(thirty_ten_ten, FitConfig(), Dist())
    assert (sorted(train.texts), sorted(val.texts)) == (texts(30), texts(10, 30))
    half0, val0 = train_and_val(thirty_ten_ten, FitConfig(), Dist(0, 2))
    half1, val1 = train_and_val(thirty_ten_ten, FitConfig(), Dist(1, 2))
    assert sorted(half0.texts + half1.texts) == texts(30) and val0.texts == val.texts and val1 is None


def test_a_source_without_val_is_held_out_by_the_text_hash(tmp_path: Path) -> None:
    # 60 train rows, two photos of each of 30 plates, and test rows that must never be read
    rows = [(t, "train") for t in texts(30) * 2] + [(t, "test") for t in texts(10, 30)]
    source = manifest(tmp_path / "data", rows)
    train, val = train_and_val(source, FitConfig(), Dist())
    held = {t for t in texts(30) if hash_split(t) == "val"}
    assert 0 < len(held) < 30  # the rule can fail here: both sides hold plates
    assert set(val.texts) == held and set(train.texts) == set(texts(30)) - held
    assert len(val) == 2 * len(held)  # both photos of a held-out plate, none left in train
    half0, val0 = train_and_val(source, FitConfig(), Dist(0, 2))
    half1, val1 = train_and_val(source, FitConfig(), Dist(1, 2))
    assert val0.texts == val.texts and val1 is None  # the same plates held out; rank 0 validates
    assert sorted(half0.texts + half1.texts) == sorted(train.texts)
    fitted = fit(source, tmp_path / "run", FitConfig(aux="off", max_steps=1, batch_size=8, device="cpu"))
    assert (fitted.train_samples, fitted.val_samples) == (60 - 2 * len(held), 2 * len(held))


def test_a_source_without_train_is_an_error_naming_its_splits(tmp_path: Path) -> None:
    source = manifest(tmp_path / "data", [(t, "test") for t in texts(4)])
    with pytest.raises(DatasetError) as err:
        train_and_val(source, FitConfig(), Dist())
    assert str(err.value) == f"{source}: no sample has split 'train' (it has test: 4)"


def test_a_split_no_sample_has_is_an_error_not_every_sample(thirty_ten_ten: Path, shards: Path) -> None:
    assert splits_of(thirty_ten_ten) == {"train": 30, "val": 10, "test": 10}
    assert len(load_data(thirty_ten_ten, "test")) == 10 and len(load_data(thirty_ten_ten)) == 50
    with pytest.raises(DatasetError) as err:
        load_data(thirty_ten_ten, "tset")
    assert (
        str(err.value)
        == f"{thirty_ten_ten}: no sample has split 'tset' (it has train: 30, val: 10, test: 10)"
    )
    counts = splits_of(shards)
    assert "test" not in counts
    with pytest.raises(DatasetError, match=rf"^{shards}: no sample has split 'test' \(it has train: "):
        load_data(shards, "test")
    with pytest.raises(DatasetError, match=rf"^{shards}: no sample has split 'test' \(it has train: "):
        default_split(shards, ("test",))  # never another split in its place


def test_compare_tests_on_test_else_val_and_never_on_train(thirty_ten_ten: Path, tmp_path: Path) -> None:
    sets = compare_test_sets((Source("mine", str(thirty_ten_ten)),), (), (94, 24))
    assert list(sets) == ["mine:test"] and sets["mine:test"].origin().startswith(
        "split: test (10 plates) of "
    )
    only_train = manifest(tmp_path / "t", [(t, "train") for t in texts(3)] + [(texts(1, 9)[0], "train")])
    with pytest.raises(ConfigError, match="no test or val sample, and no --test set was given"):
        compare_test_sets((Source("t", str(only_train)),), (), (94, 24))


def test_eval_says_which_split_it_read_and_refuses_a_missing_one(thirty_ten_ten: Path, tmp_path_factory):
    run = random_run(tmp_path_factory.getbasetemp())
    ok = CliRunner().invoke(lprtrain, ["eval", str(run), str(thirty_ten_ten), "--split", "val"])
    assert ok.exit_code == 0, ok.output
    assert ok.output.splitlines()[0] == f"split: val (10 plates) of {thirty_ten_ten}"
    whole = CliRunner().invoke(lprtrain, ["eval", str(run), str(thirty_ten_ten), "--json", "-"])
    assert whole.exit_code == 0 and whole.stdout.startswith("{")  # the JSON stays clean
    assert f"split: all (50 plates) of {thirty_ten_ten}" in whole.output
    bad = CliRunner().invoke(lprtrain, ["eval", str(run), str(thirty_ten_ten), "--split", "dev"])
    assert bad.exit_code == 1
    assert bad.output.strip().splitlines() == [
        f"Error: {thirty_ten_ten}: no sample has split 'dev' (it has train: 30, val: 10, test: 10)"
    ]


def test_fit_on_a_manifest_with_an_unknown_split_word_is_one_error_line(tmp_path: Path) -> None:
    source = manifest(tmp_path / "data", [(t, "train") for t in texts(3)] + [(texts(1, 5)[0], "testing")])
    args = ["fit", str(source), "--out", str(tmp_path / "run"), "--aux", "off", "--max-steps", "1"]
    result = CliRunner().invoke(lprtrain, args)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {source}:4: column 3 (split): unknown split 'testing' (expected one of train, val, test)"
    ]
