"""metrics.jsonl (losses per logged step, validation per epoch) and curves.png drawn from it."""

from __future__ import annotations

from pathlib import Path

from plategen.io import atomic_path, write_jsonl_atomic

from ..model.run import read_metrics


class MetricsLog:
    """Rows kept in memory and rewritten atomically, so a crash never leaves a torn file."""

    def __init__(self, path: Path, resume_step: int | None = None) -> None:
        self.path = path
        self.rows: list[dict] = []
        if resume_step is not None and path.is_file():
            # rows logged after the last saved train state would be logged again: drop them
            self.rows = [r for r in read_metrics(path) if r.get("step", 0) <= resume_step]

    def add(self, **row) -> None:
        self.rows.append(row)

    def flush(self) -> None:
        write_jsonl_atomic(self.path, self.rows)


def plot_curves(rows: list[dict], path: Path) -> None:
    """CTC and MSE loss, learning rate, validation accuracy and LCR (per source) against the step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train = [r for r in rows if r.get("kind") == "train"]
    val = [r for r in rows if r.get("kind") == "val"]
    panels = [
        ("CTC loss", train, "ctc"),
        ("MSE loss (image label)", train, "mse"),
        ("learning rate", train, "lr"),
        ("validation accuracy", val, "accuracy"),
        ("validation LCR", val, "lcr"),
    ]
    fig, axes = plt.subplots(2, 3, figsize=(12, 6))
    for ax, (title, series, key) in zip(axes.flat, panels):
        # one line per data source (a fit on several sources validates each on its own)
        names = sorted({r.get("source") or "" for r in series}) or [""]
        drawn = False
        for name in names:
            points = [
                (r["step"], r[key])
                for r in series
                if r.get(key) is not None and (r.get("source") or "") == name
            ]
            if points:
                xs, ys = zip(*points)
                ax.plot(xs, ys, marker="o" if len(points) < 30 else None, markersize=3, label=name or None)
                drawn = True
        if not drawn:
            ax.text(0.5, 0.5, "not recorded", ha="center", va="center", transform=ax.transAxes)
        elif len(names) > 1:
            ax.legend(fontsize=8)
        ax.set_title(title)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    axes.flat[-1].axis("off")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=80, format="png")
    plt.close(fig)
