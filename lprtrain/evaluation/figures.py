"""Figures for `compare`: every run's curves in one figure, and the per-character gain (Fig. 13)."""

from __future__ import annotations

from pathlib import Path

from plategen.io import atomic_path

COLOURS = {"off": "tab:grey", "alternate": "tab:blue", "joint": "tab:orange"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=90, format="png")


def plot_compare_curves(logs: dict[str, list[list[dict]]], path: Path) -> None:
    """CTC loss and validation accuracy against the step, one colour per schedule, one line per seed."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    panels = [
        ("CTC loss", "train", "ctc"),
        ("MSE loss (image label)", "train", "mse"),
        ("validation accuracy", "val", "accuracy"),
    ]
    for ax, (title, kind, key) in zip(axes, panels):
        for mode, runs in logs.items():
            for i, rows in enumerate(runs):
                pts = [(r["step"], r[key]) for r in rows if r.get("kind") == kind and r.get(key) is not None]
                if pts:
                    xs, ys = zip(*pts)
                    ax.plot(xs, ys, color=COLOURS.get(mode), alpha=0.85, label=mode if i == 0 else None)
        ax.set_title(title)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def plot_char_gain(base: dict, other: dict, label: str, path: Path) -> None:
    """Fig. 13: per-character gain in precision, recall and F1 (percentage points) of `other` over `base`."""
    import numpy as np

    plt = _pyplot()
    chars = [c for c in base if c in other]
    fig, ax = plt.subplots(figsize=(max(6, 0.38 * len(chars)), 3.8))
    x = np.arange(len(chars))
    for i, (key, colour) in enumerate(
        (("precision", "tab:blue"), ("recall", "tab:orange"), ("f1", "tab:green"))
    ):
        gain = [100 * (other[c][key]["mean"] - base[c][key]["mean"]) for c in chars]
        ax.bar(x + (i - 1) * 0.27, gain, width=0.27, color=colour, label=key)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, chars)
    ax.set_ylabel("gain (points)")
    ax.set_title(f"per-character gain: {label}")
    ax.legend(ncol=3)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)
