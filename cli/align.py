import click


@click.command("align")
def align() -> None:
    """Not yet built."""
    raise click.ClickException("not implemented yet")
