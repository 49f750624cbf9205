from __future__ import annotations

import json
from pathlib import Path

import click

from plategen.data.ccpd import plate_dict
from plategen.errors import FilenameError
from plategen.io import read_text

from .common import library_errors, options_once


@options_once
@click.command("parse")
@click.argument("names", nargs=-1)
@click.option(
    "--from-file",
    "from_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read one filename or path per line from FILE.",
)
def parse(names: tuple[str, ...], from_file: Path | None) -> None:
    """Decode CCPD filenames into JSON, one object per line.

    Every field becomes a named key: area, tilt, bbox, the four vertices, the plate indices and
    text, brightness, blurriness, the plate type and the subset (from the parent folder).

    Example: plategen parse --from-file names.txt
    """
    if from_file is not None:
        with library_errors():
            names += tuple(
                line.strip() for line in read_text(from_file, "name list").splitlines() if line.strip()
            )
    if not names:
        raise click.UsageError("give at least one NAME or --from-file FILE")
    for name in names:
        try:
            click.echo(json.dumps(plate_dict(name), ensure_ascii=False))
        except FilenameError as exc:
            raise click.ClickException(str(exc)) from None
