"""Greedy CTC decoding: argmax per time step, collapse repeats, drop blanks."""
from __future__ import annotations

import torch


def greedy_decode(logits: torch.Tensor, charset: str) -> list[tuple[str, float]]:
    """(B, classes, T) logits → [(text, confidence)], blank = the last class.

    The confidence is the probability of the best path: the product over time steps of the top
    softmax probability.
    """
    probs = logits.float().softmax(dim=1)
    top, best = probs.max(dim=1)  # (B, T)
    confidence = top.log().sum(dim=1).exp()
    blank = len(charset)
    out = []
    for row, conf in zip(best.tolist(), confidence.tolist()):
        chars, prev = [], blank
        for c in row:
            if c != prev and c != blank:
                chars.append(charset[c])
            prev = c
        out.append(("".join(chars), conf))
    return out
