import click


@click.command("eval")
def eval_() -> None:
    """Not yet built."""
    raise click.ClickException("not implemented yet")
