from __future__ import annotations

from pathlib import Path

import click

from plategen.synth.stage import SynthConfig, synthesize

from .common import library_errors, workers_option


def share_option(field: str, help: str):
    """A --FIELD option for a share in [0, 1] whose default is SynthConfig's."""
    flag = "--" + field.replace("_", "-")
    default = getattr(SynthConfig, field)
    return click.option(flag, type=click.FloatRange(0.0, 1.0), default=default, show_default=True, help=help)


@click.command("synth")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--count", type=click.IntRange(min=1), required=True, help="Number of photos to write.")
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Random seed; the same seed gives byte-identical photos.",
)
@share_option("green_fraction", "Share of green 8-character new-energy plates.")
@click.option(
    "--font",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Font for the glyphs (default: the bundled font).",
)
@click.option(
    "--latin-font",
    "latin_fonts",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Font for letters and digits, picked per plate with --font (repeatable; default: the "
    "bundled condensed Latin fonts).",
)
@click.option("--plate-font-only", is_flag=True, help="Draw letters and digits with --font alone.")
@share_option(
    "home_fraction", "Share of plates from the home province (皖, as CCPD); the rest spread over the others."
)
@share_option("home_letter_fraction", "Share of home-province plates with the letter A (Hefei in CCPD).")
@workers_option
def synth(
    out: Path,
    count: int,
    seed: int,
    green_fraction: float,
    font: Path | None,
    latin_fonts: tuple[Path, ...],
    plate_font_only: bool,
    home_fraction: float,
    home_letter_fraction: float,
    workers: int,
) -> None:
    """Write synthetic CCPD-format photos whose filenames are their annotations.

    Each photo shows a rendered blue (or green new-energy) plate warped at a random perspective into
    a random background, with random lighting, blur, noise and JPEG quality. Photos already in OUT
    are kept, so a re-run resumes. `plategen crop` accepts OUT unchanged.

    Example: plategen synth data/synth --count 200 --seed 0 --green-fraction 0.2
    """
    with library_errors():
        latin = () if plate_font_only else (latin_fonts or None)
        config = SynthConfig(
            green_fraction=green_fraction,
            font=font,
            latin_fonts=latin,
            home_fraction=home_fraction,
            home_letter_fraction=home_letter_fraction,
        )
        report = synthesize(out, count, seed, config, workers=workers)
    click.echo(report.summary())
    if report.failed:
        index, reason = report.failed[0]
        raise click.ClickException(f"{len(report.failed)} images failed; first: image {index}: {reason}")
