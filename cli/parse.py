from __future__ import annotations

import json
from pathlib import Path

import click

from plategen.ccpd import plate_dict
from plategen.errors import FilenameError


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

    Example: plategen parse ccpd_base/025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg
    """
    if from_file is not None:
        names += tuple(
            line.strip() for line in from_file.read_text(encoding="utf-8").splitlines() if line.strip()
        )
    if not names:
        raise click.UsageError("give at least one NAME or --from-file FILE")
    for name in names:
        try:
            click.echo(json.dumps(plate_dict(name), ensure_ascii=False))
        except FilenameError as exc:
            raise click.ClickException(str(exc)) from None
