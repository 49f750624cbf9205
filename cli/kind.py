from __future__ import annotations

import json

import click

from plategen.plates.grammar import GrammarError, accepting_kinds, check_text


@click.command("kind")
@click.argument("texts", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per text: {text, kinds}.")
def kind(texts: tuple[str, ...], as_json: bool) -> None:
    """Say which GA 36 plate kinds accept each TEXT (a plate number, no separator).

    Prints `<text> <kind,kind…>` per text; a text no kind accepts is an error saying why.

    Example: plategen kind 京A1234警 皖AD12345
    """
    for text in texts:
        try:
            check_text(text)
        except GrammarError as exc:
            raise click.ClickException(str(exc)) from None
        kinds = accepting_kinds(text)
        row = {"text": text, "kinds": list(kinds)}
        click.echo(json.dumps(row, ensure_ascii=False) if as_json else f"{text}\t{','.join(kinds)}")
