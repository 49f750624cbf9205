"""Tiny training shards made by the project's own pipeline: synth → crop → align → render-labels.

Built once per test session (cached on the session's base temp folder) and shared by the lprtrain
and CLI tests; 40 synthetic plates of synth's default mix (every kind), 34 train and 6
val (a hash of the text), in about 5 s.
"""

from __future__ import annotations

import functools
from pathlib import Path

from plategen.align.stage import align_images
from plategen.crop.stage import crop_dataset
from plategen.labels.stage import render_labels
from plategen.synth.stage import SynthConfig, synthesize

COUNT = 40


@functools.cache
def tiny_shards(base: Path, count: int = COUNT, kinds: str | None = None) -> Path:
    """`count` plates (~90 % train): fewer make a run of several epochs cheap. `kinds`: synth's."""
    root = base / ("tiny-pipeline" if count == COUNT else f"tiny-pipeline-{count}")
    config = SynthConfig() if kinds is None else SynthConfig(kinds=kinds)
    if kinds is not None:
        root = root.with_name(root.name + "-" + kinds.replace(",", "+").replace(":", "="))
    synthesize(root / "photos", count, seed=0, config=config, workers=1, progress=False)
    crop_dataset(root / "photos", root / "crops", workers=1, progress=False)
    align_images(root / "crops", workers=1, progress=False).alignment.save(root / "alignment.json")
    render_labels(root / "crops", root / "alignment.json", root / "shards", shard_size=100, progress=False)
    return root / "shards"
