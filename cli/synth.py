import click


@click.command("synth")
def synth() -> None:
    """Not yet built."""
    raise click.ClickException("not implemented yet")
