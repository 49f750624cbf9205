"""`lprtrain fit SHARDS --out RUN`: train LPRNet with the auxiliary image-label decoder."""

from __future__ import annotations

from pathlib import Path

import click

from lprtrain.config import FitConfig

from .common import library_errors
from .options import config_options

# FitConfig fields with an option here, in --help order (defaults, help and checks come from FitConfig)
FIT_OPTIONS = (
    "aux",
    "aux_weight",
    "epochs",
    "batch_size",
    "lr",
    "weight_decay",
    "input_size",
    "max_steps",
    "time_budget_s",
    "seed",
    "resume",
    "device",
    "threads",
    "augment",
    "precision",
)


@click.command("fit")
@click.argument("shards", type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Run folder to write.")
@config_options(FitConfig, FIT_OPTIONS)
def fit(shards: Path, out: Path, config: FitConfig) -> None:
    """Train LPRNet on SHARDS (from `plategen render-labels`) and write the run to --out.

    Defaults are the paper's Table 1. Writes model.safetensors (best epoch, no decoder),
    decoder.safetensors, config.json, train_state.pt, metrics.jsonl and curves.png. For several
    processes or GPUs run it under torchrun: torchrun --nproc_per_node=2 -m lprtrain fit ...

    Example: lprtrain fit shards --out runs/alt --aux alternate --epochs 10
    """
    from lprtrain.fit import fit as fit_run

    with library_errors():
        result = fit_run(shards, out, config)
    if result.files:  # only rank 0 reports under torchrun
        click.echo(result.summary())
