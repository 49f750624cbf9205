"""`lprtrain compare`: the paper's ablation (off / alternate / joint) as a reproducible report."""

from __future__ import annotations

from pathlib import Path

import click

from lprtrain.train.config import FitConfig

from .common import library_errors
from .fit import FINE_TUNE_OPTIONS
from .options import config_options, data_sources

# the training budget every run shares; aux and seed vary per run (--modes, --seeds from --seed)
COMPARE_FIT_OPTIONS = (
    "seed",
    "epochs",
    "batch_size",
    "lr",
    "time_budget_s",
    "max_steps",
    "augment",
    "augment_frame",
    "degrade",
    *FINE_TUNE_OPTIONS,
    "threads",
)


@click.command("compare")
@data_sources
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Report folder (runs go inside).")
@click.option(
    "--modes", default="off,alternate,joint", show_default=True, help="Comma-separated --aux schedules."
)
@click.option("--seeds", type=click.IntRange(min=1), default=1, show_default=True, help="Seeds per schedule.")
@click.option(
    "--test",
    "tests",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Extra test set (crop folder, manifest or shards); repeatable.",
)
@config_options(FitConfig, COMPARE_FIT_OPTIONS, into="fit_config")
def compare(
    sources: tuple,
    out: Path,
    modes: str,
    seeds: int,
    tests: tuple[Path, ...],
    fit_config: FitConfig,
) -> None:
    """Train off, alternate and joint on the same data and budget; write the paper's tables.

    Writes OUT/compare.md and compare.json (Table 2: accuracy and LCR per test set; Table 3: FLOPs,
    params, FPS; Table 4: per character), OUT/curves.png and OUT/fig13.png. With --seeds k every
    figure is a mean ± sd over k seeds (seeds --seed, --seed + 1, …). A re-run keeps finished runs
    and resumes an interrupted one. --time-budget and --max-steps apply to each run.

    The fine-tune setting: --init MODEL --data synth=shards:1 --data real=realshards:3 --max-steps N.

    Example: lprtrain compare shards --out report --seeds 3 --time-budget 600 --test plate-crops
    """
    from lprtrain.evaluation.compare import CompareConfig
    from lprtrain.evaluation.compare import compare as run_compare

    with library_errors():
        mode_list = tuple(m.strip() for m in modes.split(",") if m.strip())
        config = CompareConfig(mode_list, seeds, fit_config, tuple(str(t) for t in tests))
        report = run_compare(sources, out, config)
    click.echo(report.summary())
