import click


@click.command("crop")
def crop() -> None:
    """Not yet built."""
    raise click.ClickException("not implemented yet")
