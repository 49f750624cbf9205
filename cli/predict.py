import click


@click.command("predict")
def predict() -> None:
    """Not yet built."""
    raise click.ClickException("not implemented yet")
