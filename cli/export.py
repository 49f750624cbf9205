import click


@click.command("export")
def export() -> None:
    """Not yet built."""
    raise click.ClickException("not implemented yet")
