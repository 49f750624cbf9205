import click


@click.command("compare")
def compare() -> None:
    """Not yet built."""
    raise click.ClickException("not implemented yet")
