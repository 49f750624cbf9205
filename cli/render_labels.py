import click


@click.command("render-labels")
def render_labels() -> None:
    """Not yet built."""
    raise click.ClickException("not implemented yet")
