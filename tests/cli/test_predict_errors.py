"""`lprtrain predict` (and `eval`) given nothing they can read, a model where images belong, or an
output they cannot write: one `Error:` line naming what was given and why, and a non-zero exit."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.lprtrain import lprtrain
from lprtrain.model.lprnet import ModelConfig, TrainingModel
from lprtrain.model.run import SHIPPED_MODEL, save_run

NO_IMAGES = "no images to read (no .jpg, .jpeg, .png, .bmp, .webp file in it or below)"
NO_ROWS = "two rows were asked for, but no gap between two rows of characters was found"


def invoke(*args) -> tuple[int, str]:
    result = CliRunner().invoke(lprtrain, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output.strip().splitlines()[-1] if result.output.strip() else ""


@pytest.fixture
def run(tmp_path) -> Path:
    training = TrainingModel(ModelConfig(), (94, 24))
    return save_run(tmp_path / "run", training.lprnet, {"label_size": [94, 24]}, training.decoder)


def test_an_empty_folder_reads_nothing(run, tmp_path):
    (tmp_path / "empty").mkdir()
    assert invoke("predict", run, tmp_path / "empty") == (1, f"Error: {tmp_path / 'empty'}: {NO_IMAGES}")


def test_a_folder_of_empty_subfolders_and_other_files_reads_nothing(run, tmp_path):
    folder = tmp_path / "nested"
    (folder / "a" / "b").mkdir(parents=True)
    (folder / "a" / "notes.txt").write_text("not an image")
    assert invoke("predict", run, folder) == (1, f"Error: {folder}: {NO_IMAGES}")


def test_every_image_unreadable_reads_nothing(run, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.png").write_bytes(b"not an image")
    (bad / "y.jpg").write_bytes(b"")
    assert invoke("predict", run, bad) == (
        1,
        f"Error: nothing read from {bad}: all 2 images were skipped; the first: "
        f"{bad / 'x.png'}: failed to decode image",
    )


def test_a_single_file_that_is_no_image_reads_nothing(run, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    assert invoke("predict", run, notes) == (
        1,
        f"Error: nothing read from {notes}: its one image was skipped: {notes}: failed to decode image",
    )


def test_two_rows_asked_of_one_row_crops_reads_nothing(run, crops):
    code, line = invoke("predict", run, crops, "--rows", "2")
    assert code == 1
    first = crops / "皖A12340.png"
    assert line.startswith(
        f"Error: nothing read from {crops}: all 2 images were skipped; the first: {first}: {NO_ROWS}"
    ), line


def test_some_images_read_is_success(run, crops, tmp_path):
    (crops / "broken.png").write_bytes(b"not an image")
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(lprtrain, ["predict", str(run), str(crops), str(tmp_path / "empty")])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 2


@pytest.mark.parametrize("what", ["the shipped model", "a run folder", "a folder of runs", "a weights file"])
def test_a_model_given_as_images_is_refused(run, crops, tmp_path, what):
    """A run folder holds curves.png: read as a plate, it printed a reading and exit 0."""
    (run / "curves.png").write_bytes((crops / "皖A12340.png").read_bytes())
    given, named, kind = {
        "the shipped model": (SHIPPED_MODEL, SHIPPED_MODEL, "a model run"),
        "a run folder": (run, run, "a model run"),
        "a folder of runs": (tmp_path, run, "a model run"),
        "a weights file": (run / "model.safetensors", run / "model.safetensors", "a weights file"),
    }[what]
    hint = f"to read images with it: lprtrain predict {named} IMAGES"
    assert invoke("predict", given) == (1, f"Error: {named}: {kind}, not images; {hint}")
    assert invoke("predict", run, given) == (1, f"Error: {named}: {kind}, not images; {hint}")


def test_images_then_the_run_suggests_the_order(run, crops):
    assert invoke("predict", crops, run) == (
        1,
        f"Error: {run}: a model run, not images; to read images with it: lprtrain predict {run} IMAGES",
    )


def test_label_preview_under_a_file_is_refused_before_reading(run, crops, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file where a folder must be")
    assert invoke("predict", run, crops, "--label-preview", blocker / "previews") == (
        1,
        f"Error: {blocker / 'previews'}: cannot write label previews there: "
        f"{blocker} is a file, not a folder",
    )
    assert invoke("predict", run, crops, "--label-preview", blocker) == (
        1,
        f"Error: {blocker}: cannot write label previews there: it is a file, not a folder",
    )
    assert blocker.read_text() == "a file where a folder must be"


def test_label_preview_on_a_full_disk_names_the_file_and_leaves_no_part(run, crops, tmp_path, monkeypatch):
    def full(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full)
    previews = tmp_path / "previews"
    assert invoke("predict", run, crops, "--label-preview", previews) == (
        1,
        f"Error: {previews / '00000_皖A12340.png'}: cannot write: No space left on device",
    )
    assert list(previews.iterdir()) == []


OUT_OF_RANGE = "Error: Invalid value for '{}': {} is not in the range {}."


@pytest.mark.parametrize(
    "option, message",
    [
        (["--min-confidence", "nan"], "Error: min_confidence: nan must be in [0, 1]"),
        (["--min-confidence", "1.5"], OUT_OF_RANGE.format("--min-confidence", 1.5, "0<=x<=1")),
        (["--batch-size", "0"], OUT_OF_RANGE.format("--batch-size", 0, "x>=1")),
    ],
)
def test_option_values_out_of_range(run, crops, option, message):
    code, line = invoke("predict", run, crops, *option)
    assert (code, line) == (1 if "nan" in option else 2, message)


def test_eval_given_a_run_as_data_names_it(run):
    assert invoke("eval", run) == (
        1,
        f"Error: {run}: a model run, not data; to evaluate it: lprtrain eval {run} DATA",
    )


def test_eval_on_an_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    assert invoke("eval", tmp_path / "empty") == (1, f"Error: {tmp_path / 'empty'}: no images found")
