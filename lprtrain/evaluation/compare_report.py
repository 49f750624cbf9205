"""The report of `compare`: per-run evaluations aggregated into the paper's Tables 2–4 (means and
spreads over seeds), as a dict for compare.json and as Markdown for compare.md."""

from __future__ import annotations

import statistics

import torch

from ..model.flops import count_macs
from ..model.lprnet import count_parameters


def _mean_sd(values: list[float]) -> dict:
    return {
        "mean": statistics.fmean(values),
        "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
        "n": len(values),
    }


def _fmt(stat: dict, scale: float = 100.0) -> str:
    s = f"{stat['mean'] * scale:.2f}"
    return s + (f" ± {stat['sd'] * scale:.2f}" if stat["n"] > 1 else "")


def tables(runs: dict[str, list[dict]], model) -> dict:
    """Aggregate per-run evaluations into the paper's Tables 2–4 (means and spreads over seeds)."""
    w, h = model.config.input_size
    macs = count_macs(model, torch.zeros(1, 3, h, w))
    table2, table3, table4 = {}, {}, {}
    for mode, rs in runs.items():
        rows = {}
        for name in rs[0]["eval"]:
            rows[name] = {k: _mean_sd([r["eval"][name][k] for r in rs]) for k in ("accuracy", "lcr")}
            for subset in rs[0]["eval"][name]["per_subset"]:
                rows[f"{name}/{subset}"] = {
                    k: _mean_sd([r["eval"][name]["per_subset"][subset][k] for r in rs])
                    for k in ("accuracy", "lcr")
                }
        table2[mode] = rows
        mean_acc = statistics.fmean(statistics.fmean(r["eval"][n]["accuracy"] for n in r["eval"]) for r in rs)
        table3[mode] = {
            "gflops": 2 * macs / 1e9,
            "params": count_parameters(model),
            "fps": _mean_sd([r["fps"] for r in rs]),
            "average_accuracy": mean_acc,
        }
        first = next(iter(rs[0]["eval"]))
        chars = sorted({c for r in rs for c in r["eval"][first]["per_char"] if c.isascii() and c.isalnum()})
        table4[mode] = {
            c: {
                k: _mean_sd([r["eval"][first]["per_char"].get(c, {}).get(k, 0.0) for r in rs])
                for k in ("precision", "recall", "f1")
            }
            for c in chars
        }
    return {"runs": runs, "table2": table2, "table3": table3, "table4": table4}


def markdown(results: dict, config) -> str:
    """compare.md from `tables()`' results and the CompareConfig that produced them."""
    modes = list(results["table2"])
    names = list(next(iter(results["table2"].values())))
    f = config.fit
    budget = ", ".join(
        [f"at most {f.epochs} epochs"]
        + ([f"{f.max_steps} steps"] if f.max_steps else [])
        + ([f"{f.time_budget_s:g} s"] if f.time_budget_s else [])
    )
    lines = [
        f"# LPRNet with and without graphical supervision ({config.seeds} seed(s), {budget} per run)",
        "",
        "## Table 2: accuracy / LCR (%) per test set",
        "",
        "| test set | " + " | ".join(f"{m} acc | {m} LCR" for m in modes) + " |",
        "|---" * (1 + 2 * len(modes)) + "|",
    ]
    for name in names:
        cells = [
            f"{_fmt(results['table2'][m][name]['accuracy'])} | {_fmt(results['table2'][m][name]['lcr'])}"
            for m in modes
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Table 3: cost of the deployed model (the decoder is dropped)",
        "",
        "| model | GFLOPs | params | FPS (CPU, batch 1) | average accuracy (%) |",
        "|---|---|---|---|---|",
    ]
    for m, r in results["table3"].items():
        lines.append(
            f"| {m} | {r['gflops']:.3f} | {r['params']:,} | {_fmt(r['fps'], 1)} "
            f"| {r['average_accuracy'] * 100:.2f} |"
        )
    first = names[0]
    lines += [
        "",
        f"## Table 4: per-character precision / recall / F1 (%) on {first}",
        "",
        "| char | " + " | ".join(f"{m} P | {m} R | {m} F1" for m in modes) + " |",
        "|---" * (1 + 3 * len(modes)) + "|",
    ]
    for c in results["table4"][modes[0]]:
        cells = [
            " | ".join(
                _fmt(results["table4"][m].get(c, {}).get(k, {"mean": 0, "sd": 0, "n": 1}))
                for k in ("precision", "recall", "f1")
            )
            for m in modes
        ]
        lines.append(f"| {c} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
