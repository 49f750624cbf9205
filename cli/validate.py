"""`plategen validate`: check a dataset before training."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from pathlib import Path

import click

from plategen.data.validate import ValidateConfig, read_charset, validate_dataset
from plategen.io import write_json_atomic

from .common import library_errors, path_option, strict_option, workers_option
from .options import config_options

SHIPPED = "shipped"  # --charset's word for the reader shipped inside lprtrain


def _charset(value: str | None) -> str | None:
    """--charset's characters: the shipped reader's (read as JSON: plategen must not import torch),
    a run's, or the value itself."""
    if value != SHIPPED:
        return None if value is None else read_charset(value)
    spec = importlib.util.find_spec("lprtrain")  # finds the package without importing it (or torch)
    if spec is None or not spec.submodule_search_locations:
        raise click.ClickException("--charset shipped: lprtrain is not installed")
    return read_charset(str(Path(spec.submodule_search_locations[0]) / "models" / "default"))


@click.command("validate")
@click.argument("data", type=click.Path(path_type=Path))
@click.option(
    "--kinds/--no-kinds",
    default=True,
    show_default=True,
    help="Check each text against the GA 36 plate grammar and count kinds and provinces; "
    "--no-kinds for other OCR data.",
)
@click.option(
    "--charset",
    metavar="CHARS|RUN",
    help="Report characters outside this charset: the characters, a run folder or its config.json, "
    f"or '{SHIPPED}' (the shipped reader's). Default: no charset check (the grammar checks plates).",
)
@config_options(ValidateConfig, ("min_size", "examples"))
@path_option(
    "--json",
    "Write the report as JSON here ('-': to standard output, instead of the table).",
    dest="json_path",
    allow_dash=True,
)
@workers_option
@strict_option("Exit 1 if any check finds a problem.")
def validate(
    data: Path,
    kinds: bool,
    charset: str | None,
    config: ValidateConfig,
    json_path: Path | None,
    workers: int,
    strict: bool,
) -> None:
    """Check every image and text of DATA before training, and report what would trouble it.

    DATA is anything `lprtrain fit` reads: shards, a `plategen crop` folder or index, a folder of
    crops named by their text, a path<TAB>text[<TAB>split] manifest, or a CCPD tree of photos (the
    photos and their annotations are checked). Reports unreadable and tiny images, duplicate images
    (same bytes) and texts (within a split), texts no plate kind accepts (with the reason),
    characters outside --charset, texts shared by train and val/test (a leak), annotated corners
    outside their photo, and inputs the reader skipped; with counts per split, kind and province and
    image sizes. Nothing is written but --json.

    Example: plategen validate crops --charset runs/reader --strict
    """
    with library_errors():
        config = dataclasses.replace(config, kinds=kinds, charset=_charset(charset))
        report = validate_dataset(data, config, workers=workers)
        if json_path is not None and str(json_path) != "-":
            write_json_atomic(json_path, report.to_dict())
    if json_path is not None and str(json_path) == "-":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(report.table() + (f"\nreport: {json_path}" if json_path else ""))
    if strict and report.problems:
        raise click.ClickException(f"{report.summary()} in {data}")
