import click


@click.command("fit")
def fit() -> None:
    """Not yet built."""
    raise click.ClickException("not implemented yet")
