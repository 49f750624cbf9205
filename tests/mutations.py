"""Mutation check for issue 10: does the suite catch each of these breakages?

For each mutation: copy the tree (without .venv, .git and caches) to a temp folder, apply the one
replacement, run pytest there with the copy as cwd and PYTHONPATH (so the copy's code is imported, not
the editable install's; checked before every run) and print `caught` or `missed`.

    .venv/bin/python tests/mutations.py              # whole suite per mutation (its own tests first)
    .venv/bin/python tests/mutations.py --no-data    # as a fresh clone elsewhere: no ../shared/data
    .venv/bin/python tests/mutations.py --fast -k export   # only the mutation's own tests, one mutation

Real data: the copy sits in <tmp>/repo, so its ../shared/data is <tmp>/shared/data, a link to this
checkout's ../shared/data (or absent with --no-data, which also sets PLATEGEN_SHARED_DATA=/nonexistent
for tests/conftest.py). A snippet that is no longer in its file prints `target not found`: the code
moved, and the table needs updating.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
IGNORE = shutil.ignore_patterns(
    ".venv", ".git", "bench-out", "__pycache__", "*.egg-info", ".pytest_cache", ".ruff_cache"
)


@dataclass(frozen=True)
class Mutation:
    name: str
    path: str  # relative to the repo root
    old: str
    new: str
    tests: tuple[str, ...]  # run first; all that --fast runs


TEMPLATE = "top, bottom, chars, method = _template(name, n, w, h, diag, config, pooled, (top, bottom))"
MUTATIONS = (
    Mutation(
        "predict returns an empty text",
        "lprtrain/evaluation/predict.py",
        "reading = Reading(text, conf).to_dict(min_confidence)",
        'reading = Reading("", conf).to_dict(min_confidence)',
        ("tests/test_bites_lprtrain.py",),
    ),
    Mutation(
        "eval counts every plate correct",
        "lprtrain/evaluation/scoring.py",
        "metrics = compute(preds, data.texts, data.subsets, data.kinds)",
        "metrics = compute(list(data.texts), data.texts, data.subsets, data.kinds)",
        ("tests/test_bites_lprtrain.py",),
    ),
    Mutation(
        "crop writes a black image",
        "plategen/crop/stage.py",
        "encode_image(crop, config.ext)",
        "encode_image(crop * 0, config.ext)",
        ("tests/test_bites_plategen.py",),
    ),
    Mutation(
        "render-labels writes a blank label",
        "plategen/labels/stage.py",
        '"label.png": encode_image(label),',
        '"label.png": encode_image(np.zeros_like(label)),',
        ("tests/test_bites_plategen.py",),
    ),
    Mutation(
        "align returns the template, labelled measured",
        "plategen/align/stage.py",
        f"    if chars is None:\n        {TEMPLATE}\n",
        f"    {TEMPLATE}\n    if chars is None:\n",
        ("tests/test_bites_plategen.py",),
    ),
    Mutation(
        "parser swaps TL and TR",
        "plategen/data/ccpd.py",
        "vertices=tuple(_point(p, name, 4) for p in points),",
        "vertices=tuple(_point(p, name, 4) for p in (points[0], points[1], points[3], points[2])),",
        ("tests/test_bites_plategen.py",),
    ),
    Mutation(
        "synth names a different last character than it draws",
        "plategen/synth/stage.py",
        "indices=encode_text(plan.text),",
        'indices=encode_text(plan.text[:-1] + ("7" if plan.text[-1] != "7" else "8")),',
        ("tests/test_bites_plategen.py",),
    ),
    Mutation(
        "export drops the final layer",
        "lprtrain/deploy/export.py",
        "    dummy = torch.zeros(2, 3, h, w)\n",
        "    dummy = torch.zeros(2, 3, h, w)\n    model.container = torch.nn.Sequential()  # dropped\n",
        ("tests/test_bites_lprtrain.py",),
    ),
    Mutation(
        "--degrade is dropped on the way to the training batches",
        "lprtrain/data/tensors.py",
        "        self.degrade, self.frame = degrade, frame\n",
        "        self.degrade, self.frame = False, frame\n",
        ("tests/lprtrain/test_fit.py",),
    ),
    Mutation(
        "degradation leaves the crops as they are",
        "lprtrain/data/augment.py",
        "    dev = x.device\n    # colour cast",
        "    dev = x.device\n    return x\n    # colour cast",
        ("tests/lprtrain/test_fit.py",),
    ),
    Mutation(
        "a short JPEG frame keeps its chroma-smoothed last row",
        "plategen/io.py",
        "return image if exact is None else image[:exact]",
        "return image",
        ("tests/plategen/test_jpeg_decode.py",),
    ),
    Mutation(
        "the row bound misses the row bilinear reads below",
        "plategen/crop/rectify.py",
        "(int(np.floor(bottom)) + 3) * factor",
        "(int(np.floor(bottom)) + 1) * factor",
        ("tests/plategen/test_rectify.py",),
    ),
    Mutation(
        "the marker walk misses EXIF (its orientation lost)",
        "plategen/io.py",
        "exif = exif or data.startswith(_EXIF_APP1, i + 4)",
        "exif = False",
        ("tests/plategen/test_jpeg_decode.py",),
    ),
    Mutation(
        "the CTC loss's blank is class 0, a real character",
        "lprtrain/train/loop.py",
        "batch.lengths, blank=blank, reduction",
        "batch.lengths, blank=0, reduction",
        ("tests/lprtrain/test_learning.py",),
    ),
    Mutation(
        "a crop is paired with another sample's text",
        "lprtrain/data/tensors.py",
        "return Batch(x, label, self.targets.index_select(0, idx),",
        "return Batch(x, label, self.targets.index_select(0, idx.roll(1)),",
        ("tests/lprtrain/test_learning.py",),
    ),
    Mutation(
        "MixedBatches' source offsets are one off",
        "lprtrain/train/sources.py",
        "self.offsets = [sum(sizes[:i]) for i in range(len(sizes))]",
        "self.offsets = [sum(sizes[:i]) + (i > 0) for i in range(len(sizes))]",
        ("tests/lprtrain/test_fit_sources.py",),
    ),
    Mutation(
        "the learning rate is 0",
        "lprtrain/train/loop.py",
        'group["lr"] = lr',
        'group["lr"] = 0.0 * lr',
        ("tests/lprtrain/test_learning.py",),
    ),
    Mutation(
        "alternate draws another sample's image label",
        "lprtrain/data/tensors.py",
        "label = self.labels.index_select(0, idx).unsqueeze(1)",
        "label = self.labels.index_select(0, idx.roll(1)).unsqueeze(1)",
        ("tests/lprtrain/test_learning.py",),
    ),
    Mutation(
        "int8 quantizes the context branch too",
        "lprtrain/deploy/quantize.py",
        "keep_fp32 = context_branch(onnx.load(str(prepared)).graph)",
        "keep_fp32 = context_branch(onnx.load(str(prepared)).graph)[:0]",
        ("tests/lprtrain/test_quantize.py",),
    ),
    Mutation(
        "--init gives new characters random rows",
        "lprtrain/train/warm_start.py",
        "    _quiet_new_classes(out, old, new_rows, old_rows, len(new_charset))\n",
        "\n",
        ("tests/lprtrain/test_warm_start.py",),
    ),
    Mutation(
        "the grammar accepts a third serial letter",
        "plategen/plates/grammar.py",
        "    if letters not in allowed:",
        "    if letters not in allowed and len(letters) < 3:",
        ("tests/plategen/test_grammar.py",),
    ),
    Mutation(
        "synth draws one kind's colours for another",
        "plategen/synth/plate.py",
        "        first = _paint_colour(rng, kind.background[0])",
        "        first = _paint_colour(rng, KINDS['police' if kind.name == 'yellow' else 'yellow']"
        ".background[0])",
        ("tests/plategen/test_synth.py",),
    ),
    Mutation(
        "two-row crops are read squeezed, never unfolded",
        "plategen/plates/rows.py",
        "    return np.ascontiguousarray(np.hstack([top, bottom]))",
        "    return np.ascontiguousarray(image)",
        ("tests/plategen/test_two_row.py", "tests/lprtrain/test_two_row_reading.py"),
    ),
    Mutation(
        "the row finder cuts at a fixed 40 % of the height",
        "plategen/plates/rows.py",
        "    return None if best is None else (best[1], best[2])",
        "    return None if best is None else (round(0.4 * h), 0.0)",
        ("tests/plategen/test_two_row.py",),
    ),
    # issue 26 (fresh clone) mutations go here
    # issue 27 (kind)
    Mutation(
        "a sample's kind field is ignored for its layout name's kind",
        "plategen/plates/grammar.py",
        '    if value in (None, ""):\n        return layout_kind(layout) if layout is not None else None',
        "    if True:\n        return layout_kind(layout) if layout is not None else None",
        ("tests/plategen/test_sample_kind.py", "tests/lprtrain/test_unknown_kind.py"),
    ),
    Mutation(
        "an unknown kind is read as no kind",
        "plategen/plates/grammar.py",
        "    if check:\n        raise unknown_kind(value, str(where))",
        "    if False:\n        raise unknown_kind(value, str(where))",
        ("tests/plategen/test_sample_kind.py", "tests/lprtrain/test_unknown_kind.py"),
    ),
    Mutation(
        "rows unfolds every two-row kind by the standard's plate",
        "plategen/plates/rows.py",
        "    return unfold(image, *cut, plate)",
        "    return unfold(image, *cut)",
        ("tests/plategen/test_sample_kind.py",),
    ),
    Mutation(
        "the fresh-clone pass leaves ../shared beside the copy",
        "tests/fresh_clone.py",
        "repo = prepare(Path(tmp), data=False)",
        "repo = prepare(Path(tmp), data=True)",
        ("tests/test_fresh_clone.py",),
    ),
    Mutation(
        "the learning tests' fallback draws every kind",
        "tests/lprtrain/test_learning.py",
        "config=SynthConfig(kinds=kinds), ",
        "",
        ("tests/lprtrain/test_learning.py::test_the_fallback_plates_are_spelled_by_the_charset",),
    ),
    # issue 26 (int8) mutations go here
    Mutation(
        "int8 weights use all 8 bits (int16 overflow on CPUs without VNNI)",
        "lprtrain/deploy/quantize.py",
        "        reduce_range=True,  # 7-bit weights",
        "        reduce_range=False,  # 7-bit weights",
        ("tests/lprtrain/test_quantize.py::test_no_uint8_int8_product_pair_overflows_int16",),
    ),
    Mutation(
        "export writes int8 whatever it loses",
        "lprtrain/deploy/quantize.py",
        "            if result.loss > max_loss + 1e-9:",
        "            if False:",
        ("tests/lprtrain/test_quantize.py::test_export_refuses_int8_that_loses_more_than_allowed",),
    ),
    Mutation(
        "int8 keeps no node fp32",
        "lprtrain/deploy/quantize.py",
        "        keep_fp32 = context_branch(onnx.load(str(prepared)).graph)",
        "        keep_fp32 = []",
        (
            "tests/lprtrain/test_quantize.py::test_int8_keeps_the_context_branch_in_fp32_and_quantizes_the_backbone",
        ),
    ),
    Mutation(
        "export --onnx makes the parent folder itself (a file there is a traceback)",
        "lprtrain/deploy/export.py",
        "    check_writable(path)  # before loading anything\n",
        "    Path(path).parent.mkdir(parents=True, exist_ok=True)\n",
        ("tests/lprtrain/test_export.py::test_onnx_write_failure_is_one_error_line_and_leaves_no_file",),
    ),
    # issue 26 (validate) mutations go here
    Mutation(
        "validate finds no leak",
        "plategen/data/validate.py",
        'if item.split != "train" and item.text in train:',
        'if item.split != "train" and item.text in train and False:',
        ("tests/plategen/test_validate.py", "tests/cli/test_validate_cli.py"),
    ),
    Mutation(
        "validate ignores duplicate images",
        "plategen/data/validate.py",
        "if f.digest in first:",
        "if f.digest in first and False:",
        ("tests/plategen/test_validate.py", "tests/cli/test_validate_cli.py"),
    ),
    Mutation(
        "validate counts leaks as duplicate texts",
        "plategen/data/validate.py",
        "earlier = seen.setdefault((item.split, item.text), item.where)",
        "earlier = seen.setdefault(item.text, item.where)",
        ("tests/plategen/test_validate.py", "tests/cli/test_validate_cli.py"),
    ),
    Mutation(
        "validate takes a truncated JPEG for a whole one",
        "plategen/data/validate.py",
        'if data[:2] == b"\\xff\\xd8" and b"\\xff\\xd9" not in data[-_EOI_WINDOW:]:',
        'if data[:2] == b"\\xff\\xd8" and b"\\xff\\xd9" not in data[-_EOI_WINDOW:] and False:',
        ("tests/plategen/test_validate.py", "tests/cli/test_validate_cli.py"),
    ),
    Mutation(
        "validate checks any kind, not the one a sample states",
        "plategen/data/validate.py",
        "    if kind is None:",
        "    if True:",
        ("tests/plategen/test_validate.py", "tests/cli/test_validate_cli.py"),
    ),
    Mutation(
        "validate skips the shard checksum",
        "plategen/data/validate.py",
        "if task.sha256 and sha256_file(path) != task.sha256:",
        "if task.sha256 and sha256_file(path) != task.sha256 and False:",
        ("tests/plategen/test_validate.py", "tests/cli/test_validate_cli.py"),
    ),
    Mutation(
        "validate --strict exits 0 on problems",
        "cli/validate.py",
        "if strict and report.problems:",
        "if strict and report.problems and False:",
        ("tests/plategen/test_validate.py", "tests/cli/test_validate_cli.py"),
    ),
    # issue 26 (crop, align, render-labels) mutations go here
    Mutation(
        "render-labels replaces shards made with another alignment",
        "plategen/labels/settings.py",
        'if isinstance(before, dict) and before.get("sha256") != now["sha256"]:',
        "if False:",
        ("tests/cli/test_write_failures.py",),
    ),
    Mutation(
        "align takes an unknown --layout-key",
        "plategen/align/stage.py",
        'if key is None or any(s.fields.get(key) not in (None, "") for s in samples):',
        "if True:",
        ("tests/cli/test_write_failures.py",),
    ),
    Mutation(
        "align on other crops overwrites a good alignment",
        "plategen/align/settings.py",
        "    if not same_input(before, now):",
        "    if False:",
        ("tests/cli/test_write_failures.py",),
    ),
    Mutation(
        "crop counts a full disk as a bad input",
        "plategen/crop/stage.py",
        "    except WriteError:\n        raise  # a full disk is no bad input",
        "    except ZeroDivisionError:\n        raise  # a full disk is no bad input",
        ("tests/cli/test_write_failures.py",),
    ),
    Mutation(
        "a failed atomic write is a traceback",
        "plategen/io.py",
        "        if isinstance(exc, OSError):\n            raise write_error(path, exc) from exc\n",
        "",
        ("tests/cli/test_write_failures.py",),
    ),
    Mutation(
        "align --show writes alignment.json before its figure",
        "plategen/align/stage.py",
        "        result.figure = draw_alignment(result, out.with_name(FIGURE_NAME), show=show)\n"
        "    result.alignment.save(out)\n",
        "        result.alignment.save(out)\n"
        "        result.figure = draw_alignment(result, out.with_name(FIGURE_NAME), show=show)\n"
        "    result.alignment.save(out)\n",
        ("tests/cli/test_write_failures.py",),
    ),
    Mutation(
        "crop --force keeps the crops of the run before",
        "plategen/crop/stage.py",
        "            _start_over(out, items)\n",
        "            pass\n",
        ("tests/cli/test_write_failures.py",),
    ),
    Mutation(
        "a skip line names the crop twice",
        "plategen/align/mean_image.py",
        "skipped.append((path, reason(exc, path)))",
        "skipped.append((path, str(exc)))",
        ("tests/cli/test_write_failures.py", "tests/cli/test_align_cli.py"),
    ),
    # issue 26 (synth, parse, plategen CLI) mutations go here
    Mutation(
        "--kinds takes a kind named twice",
        "plategen/plates/grammar.py",
        "        if name in mix:  # summing would hide a typo",
        "        if False:  # summing would hide a typo",
        ("tests/plategen/test_grammar.py::test_the_kinds_mix_parses_and_refuses_bad_items",),
    ),
    Mutation(
        "--kinds takes an empty weight as 1",
        "plategen/plates/grammar.py",
        "        if colon and not raw:",
        "        if False:",
        ("tests/plategen/test_grammar.py::test_the_kinds_mix_parses_and_refuses_bad_items",),
    ),
    Mutation(
        "--kinds weights whose sum overflows give every kind a share of 0",
        "plategen/plates/grammar.py",
        '    if total == float("inf"):',
        "    if False:",
        ("tests/plategen/test_grammar.py::test_the_kinds_mix_normalises_any_finite_weights",),
    ),
    Mutation(
        "a command keeps the last of an option given twice",
        "cli/common.py",
        "and not repeatable and param.name in seen:",
        "and not repeatable and param.name in ():",
        ("tests/cli/test_options_once.py",),
    ),
    Mutation(
        "parse takes a text no kind accepts as blue",
        "plategen/data/ccpd.py",
        "    _check_ccpd_text(plate.text, len(plate.indices), name)\n",
        "",
        ("tests/plategen/test_ccpd.py",),
    ),
    Mutation(
        "parse holds CCPD names to Appendix A's issuing letters",
        "plategen/data/ccpd.py",
        "    reasons = [why_not(text, KINDS[k], rules=False) for k in CCPD_KINDS[length]]",
        "    reasons = [why_not(text, KINDS[k]) for k in CCPD_KINDS[length]]",
        ("tests/plategen/test_ccpd.py",),
    ),
    Mutation(
        "library_errors imports lprtrain",
        "cli/common.py",
        "    if isinstance(exc, PlategenError):\n",
        "    import lprtrain.errors  # noqa: F401\n    if isinstance(exc, PlategenError):\n",
        ("tests/plategen/test_no_torch.py",),
    ),
    Mutation(
        "synth resumes into a folder made with other settings",
        "plategen/synth/stage.py",
        "    else:\n        check_settings(out, settings)\n",
        "    else:\n        pass\n",
        ("tests/plategen/test_synth.py::test_a_rerun_with_other_settings_is_refused_naming_the_setting",),
    ),
    Mutation(
        "synth --force keeps the old photos",
        "plategen/synth/settings.py",
        "        photo.unlink(missing_ok=True)",
        "        pass",
        ("tests/plategen/test_synth.py::test_force_starts_over_and_leaves_other_files_alone",),
    ),
    Mutation(
        "synth builds every task before the first photo",
        "plategen/synth/stage.py",
        "    return (SynthTask(i) for i in range(count))",
        "    return [SynthTask(i) for i in range(count)]",
        ("tests/plategen/test_synth.py::test_synthesize_hands_the_pool_a_stream_of_tasks",),
    ),
    Mutation(
        "the pool drains a task stream before the first result",
        "plategen/pool.py",
        "        if not isinstance(tasks, Sequence):  # a stream",
        "        if not isinstance(tasks, Sequence):\n            tasks = list(tasks)\n        if 0:  # a",
        (
            "tests/plategen/test_pool.py",
            "tests/plategen/test_synth.py::test_the_pool_streams_a_task_stream_without_holding_it",
        ),
    ),
    Mutation(
        "progress bars redraw into a log file",
        "plategen/pool.py",
        "        return LogProgress(total, desc, unit, file, initial)\n",
        "        return tqdm(total=total, desc=desc, unit=unit, file=file)\n",
        ("tests/plategen/test_pool.py",),
    ),
    Mutation(
        "a worker process never gets its state",
        "plategen/pool.py",
        "    _state = state\n",
        "    _state = None\n",
        ("tests/plategen/test_pool.py::test_each_task_comes_with_the_worker_state",),
    ),
    # issue 26 (predict, fit --init, docs) mutations go here
    Mutation(
        "predict exits 0 when it read nothing",
        "lprtrain/evaluation/predict.py",
        "    if not kept:\n        raise _nothing_read(inputs, report.skipped)\n",
        "",
        ("tests/cli/test_predict_errors.py",),
    ),
    Mutation(
        "predict exits 0 on a folder without images",
        "lprtrain/evaluation/predict.py",
        "    if not found:\n        raise NothingToRead(",
        "    if False:\n        raise NothingToRead(",
        ("tests/cli/test_predict_errors.py",),
    ),
    Mutation(
        "predict reads a model given as images",
        "lprtrain/evaluation/predict.py",
        '        refuse_model(item, "images", f"to read images with it: lprtrain predict {item} IMAGES")\n',
        "",
        ("tests/cli/test_predict_errors.py",),
    ),
    Mutation(
        "eval reads a run folder as data",
        "cli/eval.py",
        '        refuse_model(data, "data", f"to evaluate it: lprtrain eval {data} DATA")\n',
        "",
        ("tests/cli/test_predict_errors.py",),
    ),
    Mutation(
        "predict never checks the label-preview folder",
        "lprtrain/evaluation/predict.py",
        "        label_preview = check_preview_folder(label_preview)",
        "        label_preview = Path(label_preview)",
        ("tests/cli/test_predict_errors.py",),
    ),
    Mutation(
        "a two-row reading reports a one-row kind",
        "lprtrain/evaluation/reading.py",
        "        if self.rows == 2:",
        "        if False:",
        ("tests/lprtrain/test_reading.py", "tests/lprtrain/test_two_row_reading.py"),
    ),
    Mutation(
        "predict --rows 2 keeps the one-row kind",
        "lprtrain/evaluation/predict.py",
        '        if rows == "2":  # every crop',
        "        if False:  # every crop",
        ("tests/lprtrain/test_two_row_reading.py::test_two_row_readings_report_a_two_row_kind",),
    ),
    Mutation(
        "fit --init never scores its start",
        "lprtrain/train/fit.py",
        "            self._score_start()\n",
        "            pass\n",
        ("tests/lprtrain/test_warm_start.py",),
    ),
    Mutation(
        "the model card gives the 68-class LPRNet's parameters",
        "lprtrain/models/default/MODEL_CARD.md",
        "An LPRNet (0.467 M parameters",
        "An LPRNet (0.45 M parameters",
        ("tests/test_documents.py",),
    ),
    Mutation(
        "the plate table in docs/kinds.md writes the separator dot",
        "docs/kinds.md",
        "| 粤Z1234港 / 粤Z1234澳 |",
        "| 粤Z·1234港 / 粤Z·1234澳 |",
        ("tests/test_documents.py",),
    ),
)

# Printed by the copy's interpreter: where it imports each package from.
WHERE = (
    "import cli, lprtrain, plategen, tests; print(*(m.__file__ for m in (cli, lprtrain, plategen, tests)))"
)


def prepare(tmp: Path, data: bool) -> Path:
    repo = tmp / "repo"
    shutil.copytree(REPO, repo, ignore=IGNORE)
    if data and SHARED.exists():
        (tmp / "shared").symlink_to(SHARED, target_is_directory=True)
    return repo


def environment(repo: Path, data: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PLATEGEN_SHARED_DATA", "CI")}
    env["PYTHONPATH"] = str(repo)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if not data:
        env["PLATEGEN_SHARED_DATA"] = "/nonexistent"
    return env


def check_imports(repo: Path, env: dict[str, str]) -> None:
    out = subprocess.run(
        [sys.executable, "-c", WHERE], cwd=repo, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    stray = [f for f in out if not Path(f).resolve().is_relative_to(repo.resolve())]
    if stray:
        raise SystemExit(f"the copy imports code from outside itself: {stray}")


def run_one(m: Mutation | None, data: bool, fast: bool, verbose: bool) -> str:
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        repo = prepare(Path(tmp), data)
        if m is not None:
            target = repo / m.path
            text = target.read_text(encoding="utf-8") if target.exists() else ""
            if text.count(m.old) != 1:
                return "target not found" if m.old not in text else "target ambiguous"
            target.write_text(text.replace(m.old, m.new), encoding="utf-8")
        env = environment(repo, data)
        check_imports(repo, env)
        # The mutation's own tests first, so a catch is quick; then, unless --fast, the whole suite.
        # (One pytest run can't order them so: it collects a named file in its folder's place.)
        runs = [list(m.tests)] if m is not None else []
        runs += [] if fast and runs else [[]]
        for tests in runs:
            cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]
            result = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True)
            if verbose:
                print(result.stdout[-3000:], result.stderr[-2000:], sep="\n")
            if result.returncode != 0:
                break
        last = (result.stdout.strip().splitlines() or [""])[-1]
        if m is None:
            return f"{'passes' if result.returncode == 0 else 'FAILS'} ({last})"
        return f"{'caught' if result.returncode != 0 else 'missed'} ({last})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-data", action="store_true", help="hide ../shared/data from the copy")
    parser.add_argument("--fast", action="store_true", help="run only each mutation's own test files")
    parser.add_argument("-k", dest="only", default="", help="only mutations whose name contains this")
    parser.add_argument("--baseline", action="store_true", help="first check the unmutated copy passes")
    parser.add_argument("-v", "--verbose", action="store_true", help="show the tail of pytest's output")
    args = parser.parse_args()
    data = not args.no_data
    shown = "visible" if data and SHARED.exists() else "hidden"
    print(f"real data: {shown}; tests: {'own' if args.fast else 'all'}")
    if args.baseline:
        print(f"{'(no mutation)':<56}{run_one(None, data, False, args.verbose)}", flush=True)
    results = []
    for m in MUTATIONS:
        if args.only.lower() not in m.name.lower():
            continue
        start = time.perf_counter()
        outcome = run_one(m, data, args.fast, args.verbose)
        results.append(outcome.split()[0])
        print(f"{m.name:<56}{outcome}  [{time.perf_counter() - start:.0f} s]", flush=True)
    print(f"{results.count('caught')}/{len(results)} caught")
    sys.exit(0 if results and all(r == "caught" for r in results) else 1)


if __name__ == "__main__":
    main()
