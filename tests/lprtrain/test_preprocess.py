"""The model's input resize (`preprocess.resize_input`) and plategen's crop resize (`io.resize_to`)
are one rule kept in two packages (plategen cannot import lprtrain): prove they agree."""

from __future__ import annotations

import numpy as np
import pytest

from lprtrain.model.preprocess import read_crops, resize_all, resize_input
from plategen.io import resize_to, write_image_atomic


@pytest.mark.parametrize(
    "shape, size",
    [
        ((24, 94, 3), (94, 24)),  # already there: returned as it is
        ((140, 560, 3), (94, 24)),  # shrinking: area
        ((12, 47, 3), (94, 24)),  # enlarging: bilinear
        ((20, 200, 3), (94, 24)),  # narrower but taller: counts as shrinking
        ((48, 188), (94, 24)),  # grey
    ],
)
def test_input_resize_is_plategens_rule(shape: tuple[int, ...], size: tuple[int, int]) -> None:
    image = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    ours, theirs = resize_input(image, size), resize_to(image, size)
    assert ours.shape[:2] == (size[1], size[0])
    assert np.array_equal(ours, theirs)
    if shape[:2] == (size[1], size[0]):
        assert ours is image  # bit-exact: no resampling at the input size


def test_read_crops_resizes_each_crop_once_to_what_resize_all_gives(tmp_path) -> None:
    rng = np.random.default_rng(1)
    images = [rng.integers(0, 256, s, dtype=np.uint8) for s in ((30, 120, 3), (24, 94, 3), (10, 40, 3))]
    paths = []
    for i, image in enumerate(images):
        paths.append(tmp_path / f"{i}.png")
        write_image_atomic(paths[-1], image)
    kept, batch = read_crops(paths, (94, 24))
    assert kept == [0, 1, 2]
    assert np.array_equal(batch.numpy(), resize_all(images, (94, 24)))
