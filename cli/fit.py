"""`lprtrain fit SHARDS --out RUN`: train LPRNet with the auxiliary image-label decoder."""

from __future__ import annotations

from pathlib import Path

import click

from .common import library_errors, parse_size


@click.command("fit")
@click.argument("shards", type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Run folder to write.")
@click.option(
    "--aux",
    type=click.Choice(["alternate", "joint", "off"]),
    default="alternate",
    show_default=True,
    help="alternate: an MSE step then a CTC step per batch (the paper); joint: CTC + w·MSE; off: plain LPRNet.",
)
@click.option("--aux-weight", type=float, default=1.0, show_default=True, help="w in CTC + w·MSE (joint).")
@click.option("--epochs", type=int, default=10, show_default=True)
@click.option(
    "--batch-size", type=int, default=256, show_default=True, help="Global batch (split over torchrun ranks)."
)
@click.option("--lr", type=float, default=1e-3, show_default=True, help="Adam learning rate.")
@click.option("--weight-decay", type=float, default=2e-5, show_default=True)
@click.option(
    "--input-size", default="94x24", show_default=True, callback=parse_size, help="Model input WIDTHxHEIGHT."
)
@click.option("--max-steps", type=int, default=None, help="Stop after this many batches in all.")
@click.option(
    "--time-budget",
    "time_budget",
    type=float,
    default=None,
    help="Stop once the run has trained SECONDS in all (resumed calls included).",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--resume", is_flag=True, help="Continue the run in --out from its train_state.pt.")
@click.option(
    "--device", type=click.Choice(["cpu", "cuda"]), default=None, help="Default: cuda if available."
)
@click.option("--threads", type=int, default=None, help="torch CPU threads per process.")
@click.option(
    "--augment", is_flag=True, help="Random affine and brightness jitter of training crops (labels follow)."
)
def fit(
    shards: Path,
    out: Path,
    aux: str,
    aux_weight: float,
    epochs: int,
    batch_size: int,
    lr: float,
    weight_decay: float,
    input_size: tuple[int, int],
    max_steps: int | None,
    time_budget: float | None,
    seed: int,
    resume: bool,
    device: str | None,
    threads: int | None,
    augment: bool,
) -> None:
    """Train LPRNet on SHARDS (from `plategen render-labels`) and write the run to --out.

    Defaults are the paper's Table 1. Writes model.safetensors (best epoch, no decoder),
    decoder.safetensors, config.json, train_state.pt, metrics.jsonl and curves.png. For several
    processes or GPUs run it under torchrun: torchrun --nproc_per_node=2 -m lprtrain fit ...

    Example: lprtrain fit shards --out runs/alt --aux alternate --epochs 10
    """
    from lprtrain.fit import FitConfig
    from lprtrain.fit import fit as fit_run

    with library_errors():
        config = FitConfig(
            epochs=epochs,
            batch_size=batch_size,
            input_size=input_size,
            lr=lr,
            weight_decay=weight_decay,
            aux=aux,
            aux_weight=aux_weight,
            seed=seed,
            max_steps=max_steps,
            time_budget_s=time_budget,
            resume=resume,
            device=device,
            threads=threads,
            augment=augment,
        )
        result = fit_run(shards, out, config)
    if result.files:  # only rank 0 reports under torchrun
        click.echo(result.summary())
