"""`lprtrain fit SHARDS --out RUN`: train LPRNet with the auxiliary image-label decoder."""

from __future__ import annotations

from pathlib import Path

import click

from lprtrain.train.config import PRESETS, FitConfig

from .common import library_errors
from .options import config_options, data_sources

# What a fine-tune sets, shared by `fit` and `compare` (compare's fine-tune setting)
FINE_TUNE_OPTIONS = ("init", "select_on", "schedule", "warmup", "milestones")
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
    "augment_frame",
    "degrade",
    *FINE_TUNE_OPTIONS,
    "decoder",
    "context_norm",
    "labels",
    "precision",
)


@click.command("fit")
@data_sources
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Run folder to write.")
@config_options(FitConfig, FIT_OPTIONS, presets=PRESETS)
def fit(sources: tuple, out: Path, config: FitConfig) -> None:
    """Train LPRNet on SHARDS (from `plategen render-labels`) and write the run to --out.

    Several sources: --data synth=shards/:1 --data real=realshards/:3 draws a quarter of every
    batch from synth and three quarters from real; each is validated on its own, and --select-on
    names the one whose accuracy keeps the best model. --init starts from a trained model, which is
    validated first and stays the best model unless a step beats it.

    Defaults are the paper's Table 1. Writes model.safetensors (best epoch, no decoder),
    decoder.safetensors, config.json, train_state.pt, metrics.jsonl and curves.png. For several
    processes or GPUs run it under torchrun: torchrun --nproc_per_node=2 -m lprtrain fit ...

    Example: lprtrain fit --data synth=shards:1 --data real=realshards:3 --init runs/pre --out runs/ft
    """
    from lprtrain.train.fit import fit as fit_run

    with library_errors():
        result = fit_run(sources, out, config)
    if result.files:  # only rank 0 reports under torchrun
        click.echo(result.summary())
