"""`lprtrain compare`: the paper's ablation (off / alternate / joint) as a reproducible report."""

from __future__ import annotations

from pathlib import Path

import click

from .common import library_errors


@click.command("compare")
@click.argument("shards", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Report folder (runs go inside).")
@click.option(
    "--modes", default="off,alternate,joint", show_default=True, help="Comma-separated --aux schedules."
)
@click.option("--seeds", type=click.IntRange(min=1), default=1, show_default=True, help="Seeds per schedule.")
@click.option("--seed", type=int, default=0, show_default=True, help="First seed.")
@click.option("--epochs", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=256, show_default=True)
@click.option(
    "--time-budget",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Training seconds per run (the same budget for every run).",
)
@click.option("--max-steps", type=click.IntRange(min=1), default=None, help="Training steps per run.")
@click.option("--augment", is_flag=True, help="Random affine and brightness jitter of training crops.")
@click.option(
    "--test",
    "tests",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Extra test set (crop folder, manifest or shards); repeatable.",
)
def compare(
    shards: Path,
    out: Path,
    modes: str,
    seeds: int,
    seed: int,
    epochs: int,
    batch_size: int,
    time_budget: float | None,
    max_steps: int | None,
    augment: bool,
    tests: tuple[Path, ...],
) -> None:
    """Train off, alternate and joint on the same data and budget; write the paper's tables.

    Writes OUT/compare.md and compare.json (Table 2: accuracy and LCR per test set; Table 3: FLOPs,
    params, FPS; Table 4: per character), OUT/curves.png and OUT/fig13.png. With --seeds k every
    figure is a mean ± sd over k seeds. A re-run keeps finished runs and resumes an interrupted one.

    Example: lprtrain compare shards --out report --seeds 3 --time-budget 600 --test ../shared/data/plate-crops
    """
    from lprtrain.compare import CompareConfig
    from lprtrain.compare import compare as run_compare
    from lprtrain.fit import FitConfig

    with library_errors():
        fit_config = FitConfig(
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
            time_budget_s=time_budget,
            max_steps=max_steps,
            augment=augment,
        )
        config = CompareConfig(
            tuple(m.strip() for m in modes.split(",") if m.strip()),
            seeds,
            fit_config,
            tuple(str(t) for t in tests),
        )
        report = run_compare(shards, out, config)
    click.echo(report.summary())
