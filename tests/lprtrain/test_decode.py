"""Greedy CTC decoding: repeats collapse, blanks drop, confidence is the best path's probability."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lprtrain.model.decode import greedy_decode

CHARSET = "AB1"  # blank = class 3


def one_hot_path(path: list[int], classes: int = 4, margin: float = 5.0) -> torch.Tensor:
    """(1, classes, T) logits whose argmax per step is `path`."""
    logits = torch.zeros(1, classes, len(path))
    logits[0, path, torch.arange(len(path))] = margin
    return logits


@pytest.mark.parametrize(
    "path, text",
    [
        ([0, 0, 3, 0, 1], "AAB"),  # a blank separates a real repeat
        ([0, 0, 0, 1, 1, 2], "AB1"),  # adjacent repeats collapse
        ([3, 3, 3], ""),  # all blank
        ([3, 2, 3, 2, 2, 3], "11"),
    ],
)
def test_collapse_and_blanks(path, text):
    assert greedy_decode(one_hot_path(path), CHARSET)[0][0] == text


def test_confidence_is_the_product_of_top_probabilities_for_torch_and_numpy_input():
    torch.manual_seed(0)
    logits = torch.randn(5, 4, 18) * 30  # large logits: the log-sum-exp must not overflow
    ref = logits.softmax(dim=1).max(dim=1).values.double().prod(dim=1)
    for given in (logits, logits.numpy()):
        got = [conf for _, conf in greedy_decode(given, CHARSET)]
        np.testing.assert_allclose(got, ref.numpy(), rtol=1e-4)
        assert all(0 < c <= 1 for c in got)
