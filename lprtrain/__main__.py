"""`python -m lprtrain …` and `torchrun -m lprtrain …`: the installed `lprtrain` command.

The command line sits above the library (`plategen_cli`); it is looked up through the installed
console-script entry point, so the library never imports its own CLI.
"""

from importlib.metadata import entry_points


def main() -> None:
    found = entry_points(group="console_scripts", name="lprtrain")
    if not found:
        raise SystemExit("Error: the lprtrain command is not installed; run `pip install -e .` first")
    next(iter(found)).load()()


if __name__ == "__main__":
    main()
