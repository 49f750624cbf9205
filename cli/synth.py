from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from plategen.synth.stage import SynthConfig, synthesize

from .common import library_errors, options_once, workers_option
from .options import config_options, param_option


@options_once
@click.command("synth")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--count", type=click.IntRange(min=1), required=True, help="Number of photos to write.")
@param_option(
    synthesize,
    "seed",
    "Random seed; the same seed gives byte-identical photos.",
    type=click.IntRange(min=0),
)
@config_options(
    SynthConfig,
    ("kinds", "font", "latin_fonts", "home_province", "home_fraction", "home_letter_fraction", "charset"),
)
@click.option("--plate-font-only", is_flag=True, help="Draw letters and digits with --font alone.")
@workers_option
@click.option(
    "--force",
    is_flag=True,
    help="Start over: delete the photos an earlier run made in OUT, whatever its settings.",
)
def synth(
    out: Path, count: int, seed: int, config: SynthConfig, plate_font_only: bool, workers: int, force: bool
) -> None:
    """Write synthetic CCPD-format photos whose filenames are their annotations.

    Each photo shows a rendered plate of one of the GA 36 kinds (blue, yellow, coach, police,
    embassy, consulate, hk, macau, green, green-large; two-row yellow-rear and trailer) warped at
    a random perspective into a random background, with random lighting, blur, noise and JPEG
    quality. OUT/synth.json records the settings: a re-run with the same ones resumes (a larger
    --count adds photos), other settings are an error (synth into another folder, or start over
    with --force). `plategen crop` accepts OUT unchanged; names of kinds CCPD cannot spell use the
    extended name format (README).

    Example: plategen synth data/synth --count 200 --seed 0 --kinds blue:3,yellow,police
    """
    with library_errors():
        if plate_font_only:
            config = dataclasses.replace(config, latin_fonts=())
        report = synthesize(out, count, seed, config, workers=workers, force=force)
    click.echo(report.summary())
    if report.failed:
        index, reason = report.failed[0]
        raise click.ClickException(f"{len(report.failed)} images failed; first: image {index}: {reason}")
