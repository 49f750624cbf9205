import click


@click.command("import")
def import_() -> None:
    """Not yet built."""
    raise click.ClickException("not implemented yet")
