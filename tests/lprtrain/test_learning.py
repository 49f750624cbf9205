"""Training learns: `fit` overfits 16 crops to 100 % as `eval` reads them, in each of the three modes.

The crops are 16 real ones from ../shared/data/real-crops where it is present, else 16 synthetic ones
from the project's own `plategen synth` (so a clone without the data still proves learning). A
manifest lists each crop twice, as `train` and as `val`, so the run trains on all 16 and validates
on them; shards from align + render-labels carry the image labels that `alternate` and `joint` need.

What breaks these tests (and tests/mutations.py checks each): a wrong CTC blank, a crop paired with
another sample's text, a learning rate of 0, the image label of another sample (alternate: the
decoder's drawing is checked against each crop's own label). MixedBatches' offsets are checked in
test_fit_sources.py.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest
import torch

from lprtrain import FitConfig, evaluate, fit, load_data, load_model
from lprtrain.model.preprocess import to_input
from lprtrain.model.run import load_decoder
from plategen import AlignConfig, align_images, crop_dataset, load_samples, render_labels, synthesize
from plategen.data.ccpd import CCPD_CHARSET, DEFAULT_KINDS
from plategen.synth import SynthConfig
from tests.conftest import SHARED_DATA

CROPS = 16
# The budget every mode must reach 100 % within. Measured on the 16 real crops at these settings
# (cosine over 240-300 steps): off from step 138 on, joint from 130, alternate from 127.
STEPS = 260
# CCPD's 67-character charset, as when these settings were tuned: the default (every kind's, 73) draws
# other random weights for the same seed, and at 260 steps `alternate` then read 15 of the 16.
SETTINGS = dict(
    batch_size=16,
    epochs=10_000,
    lr=3e-3,
    dropout=0.0,
    weight_decay=0.0,
    schedule="cosine",
    warmup=10,
    charset=CCPD_CHARSET,
)
# Without ../shared/data the crops are synthetic: tests/fresh_clone.py runs that path in CI too.
pytestmark = pytest.mark.fresh_clone


def synthetic_rows(root: Path) -> list[tuple[Path, str]]:
    """(crop, text) of 16 synthetic plates, for a clone without ../shared/data."""
    # CCPD2019's blue plates, as the real crops are: synth's default mix draws 澳, 港, 使… that
    # SETTINGS' charset lacks, and fit refused the data on a fresh clone (issue 26). With green
    # plates mixed in (two lengths), `off` read 15 of the 16 at STEPS; blue alone, all three read 16.
    kinds = DEFAULT_KINDS[7]
    synthesize(root / "photos", CROPS, seed=5, config=SynthConfig(kinds=kinds), workers=1, progress=False)
    crop_dataset(root / "photos", root / "crops", workers=1, progress=False)
    return [(s.path, s.text) for s in load_samples(root / "crops")]


@functools.cache
def sixteen(base: Path) -> tuple[Path, Path]:
    """(manifest, shards) of 16 crops, each listed as train and as val."""
    root = base / "sixteen"
    real = SHARED_DATA / "real-crops"
    if real.is_dir() and not os.environ.get("LEARNING_SYNTHETIC"):
        files = sorted(real.iterdir())[:: len(list(real.iterdir())) // CROPS][:CROPS]
        rows = [(f, f.stem.split("_")[0]) for f in files]
    else:
        rows = synthetic_rows(root)
    assert len(rows) == CROPS and len({t for _, t in rows}) == CROPS  # 16 distinct plates
    root.mkdir(parents=True, exist_ok=True)
    manifest = root / "manifest.tsv"
    lines = [f"{path}\t{text}\t{split}\n" for split in ("train", "val") for path, text in rows]
    manifest.write_text("".join(lines), encoding="utf-8")
    config = AlignConfig(min_images=8)
    align_images(manifest, config, workers=1, progress=False).alignment.save(root / "alignment.json")
    render_labels(manifest, root / "alignment.json", root / "shards", progress=False)
    return manifest, root / "shards"


@pytest.fixture
def data(tmp_path_factory) -> tuple[Path, Path]:
    return sixteen(tmp_path_factory.getbasetemp())


def accuracy(run: Path, manifest: Path) -> float:
    model = load_model(run)
    return evaluate(model, load_data(manifest, "train", model.config.input_size)).accuracy


def test_the_fallback_plates_are_spelled_by_the_charset(tmp_path: Path) -> None:
    rows = synthetic_rows(tmp_path)
    assert len(rows) == CROPS and len({t for _, t in rows}) == CROPS
    assert set("".join(t for _, t in rows)) <= set(SETTINGS["charset"])


@pytest.mark.slow
def test_off_reads_all_sixteen(data, tmp_path: Path) -> None:
    manifest, shards = data
    result = fit(shards, tmp_path / "run", FitConfig(aux="off", max_steps=STEPS, **SETTINGS), progress=False)
    assert (result.steps, result.train_samples, result.val_samples) == (STEPS, CROPS, CROPS)
    assert accuracy(tmp_path / "run", manifest) == 1.0


@pytest.mark.slow
def test_joint_reads_all_sixteen(data, tmp_path: Path) -> None:
    manifest, shards = data
    fit(shards, tmp_path / "run", FitConfig(aux="joint", max_steps=STEPS, **SETTINGS), progress=False)
    assert accuracy(tmp_path / "run", manifest) == 1.0


@pytest.mark.slow
def test_alternate_reads_all_sixteen_and_draws_each_crops_own_label(data, tmp_path: Path) -> None:
    manifest, shards = data
    fit(shards, tmp_path / "run", FitConfig(aux="alternate", max_steps=STEPS, **SETTINGS), progress=False)
    assert accuracy(tmp_path / "run", manifest) == 1.0
    # the decoder learned to redraw each crop's own image label, not its neighbour's
    model = load_model(tmp_path / "run")
    train = load_data(shards, "train", model.config.input_size)
    decoder = load_decoder(tmp_path / "run", model, (train.labels.shape[2], train.labels.shape[1]))
    with torch.no_grad():
        drawn = decoder(model.eval().features(to_input(train.images)))[:, 0]  # (16, h, w)
    labels = train.labels.float() / 255
    own = ((drawn - labels) ** 2).mean()
    other = ((drawn - labels.roll(1, dims=0)) ** 2).mean()
    assert own < 0.5 * other, (float(own), float(other))
