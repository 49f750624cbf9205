"""`render-labels`: crops + alignment.json → training shards of (crop, image label, text, metadata).

    out/manifest.json        counts, charset, alignment, font, render config, settings, sha256 per shard
    out/render.json          the settings (input, alignment, font, render config, shard size): a re-run
                             with others is refused (`settings`); `force` starts over
    out/<split>-00000.tar    <key>.crop.png  <key>.label.png  <key>.json   (shard_size samples each)
    out/skipped.jsonl        every skipped crop with the reason
    out/.progress.json       finished shards, so a re-run keeps them (checksum verified)
    out/preview.png          optional contact sheet of crops with their labels overlaid

Each crop's label is drawn in its own layout (`plate_type`, e.g. `police7`: GA 36 puts a police
plate's separator after the province), as a glyph map that ignores the plate's colours: a yellow and
a blue plate reading the same text in the same layout get the same label. Work is split by shard
across worker processes; each shard is written atomically.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..align.layout import Alignment
from ..align.settings import input_record
from ..data.registry import load_samples
from ..data.samples import Sample, length_layout
from ..data.shards import MANIFEST, sha256_file, shard_name, write_manifest, write_shard
from ..errors import AlignmentError, DatasetError, ImageReadError, WriteError, reason
from ..io import (
    check_writable,
    encode_image,
    write_image_atomic,
    write_json_atomic,
    write_jsonl_atomic,
)
from ..plates.fonts import check_coverage
from ..plates.geometry import PlateGeometry
from ..plates.grammar import layout_kind
from ..plates.rows import RowsNotFound, read_line
from ..pool import pool_map
from .renderer import LabelRenderer, RenderConfig, contact_sheet, font_name, load_font
from .settings import PREVIEW, PROGRESS, SETTINGS, SKIPPED, check_settings, render_settings, start_over


@dataclass
class LabelReport:
    """What `render_labels` did: counts per split, shards written and kept, skipped crops."""

    out: Path
    counts: dict[str, int]
    written: int
    reused: int
    skipped: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def path(self) -> Path:
        return self.out / SKIPPED

    def summary(self) -> str:
        splits = ", ".join(f"{s}: {n}" for s, n in sorted(self.counts.items())) or "none"
        return (
            f"{sum(self.counts.values())} labels ({splits}) in {self.out}; shards written {self.written}, "
            f"kept {self.reused}; skipped {len(self.skipped)} in {self.seconds:.1f}s"
        )


@dataclass(frozen=True)
class LabelTask:
    """One shard for a worker to write: its samples, and the fingerprint a re-run checks."""

    split: str
    index: int
    items: tuple[tuple[str, Sample, str], ...]  # (key, sample, layout name)
    fingerprint: str


def render_labels(
    crops: str | Path,
    alignment_path: str | Path,
    out: str | Path,
    config: RenderConfig = RenderConfig(),
    font: str | Path | None = None,
    manifest: str | Path | None = None,
    shard_size: int = 10000,
    png_dir: str | Path | None = None,
    preview: int = 0,
    workers: int = 1,
    strict: bool = False,
    progress: bool = True,
    force: bool = False,
) -> LabelReport:
    """Render an image label for every crop and write shards + manifest to `out`; return a LabelReport.

    The manifest is written last: a run that fails leaves none of its own. `force` starts over,
    deleting what an earlier run made in `out`. Raises DatasetError (empty/missing input, `out` is
    the crops folder, or any skip with `strict`), AlignmentError (corrupt alignment.json), FontError
    / FontCoverageError (not a font, or glyphs missing), ConfigError (`out` was rendered with other
    settings), WriteError (`out` cannot be written; finished shards are kept for a re-run).
    """
    start, out = time.perf_counter(), Path(out)
    if shard_size < 1:
        raise DatasetError(f"shard_size: expected a positive integer, got {shard_size}")
    check_writable(out / MANIFEST)
    alignment = Alignment.load(alignment_path)
    samples = load_samples(crops, manifest)
    _check_out(out, Path(crops))
    keyed, skipped = _assign_layouts(samples, alignment)
    font_path = check_coverage([s.text for _, s, _ in keyed], font)
    crop_size = _crop_size(alignment, {name for _, _, name in keyed})
    record = input_record(crops, manifest, samples)
    settings = render_settings(record, alignment_path, alignment, font_path, config.to_dict(), shard_size)
    if force:
        start_over(out)
    else:
        check_settings(out, settings)
    if strict and skipped:
        _fail_strict(out, skipped)
    # recorded before the first shard, so that a run stopped half-way is resumed only as it began
    write_json_atomic(out / SETTINGS, settings)
    state = LabelWorker(
        alignment.to_dict(), str(font_path), config, crop_size, str(png_dir) if png_dir else None, str(out)
    )
    jobs = _jobs(keyed, shard_size, state)
    done = _load_progress(out)
    todo = [j for j in jobs if not _finished(out, done.get(shard_name(j.split, j.index)), j)]
    if todo:  # a manifest lists finished shards only: a run that fails half-way leaves none
        (out / MANIFEST).unlink(missing_ok=True)
    _render(todo, done, workers, state, progress)
    results = {shard_name(j.split, j.index): done[shard_name(j.split, j.index)] for j in jobs}
    skipped += [row for entry in results.values() for row in entry["skipped"]]
    if preview:  # before the manifest, the last word of a finished run
        contact_sheet(out / PREVIEW, _preview_pairs(keyed, state, preview))
    counts = _write_outputs(
        out, jobs, results, skipped, alignment, font_path, config, crop_size, keyed, settings
    )
    report = LabelReport(out, counts, len(todo), len(jobs) - len(todo), skipped, time.perf_counter() - start)
    if strict and skipped:
        _fail_strict(out, skipped)
    return report


def _render(todo: list[LabelTask], done: dict, workers: int, state: LabelWorker, progress: bool) -> None:
    """Write the shards of `todo`, recording each in `done` and the progress file as it finishes.
    Raises WriteError naming the file that could not be written; the finished shards stay."""
    out = Path(state.out)
    finished = pool_map(
        _write_job,
        todo,
        workers,
        state=state,
        desc="render-labels",
        unit="label",
        total=sum(len(j.items) for j in todo),
        advance=lambda result: len(result[1]["keys"]),
        progress=progress,
    )
    try:
        for name, entry in finished:
            done[name] = entry
            write_json_atomic(out / PROGRESS, done)
    except WriteError as exc:
        raise WriteError(f"{exc}; the shards finished so far are kept, and a re-run resumes") from exc


def _check_out(out: Path, crops: Path) -> None:
    """Refuse to write shards into the crops folder: its skipped.jsonl (crop's report) would be lost."""
    folder = crops if crops.is_dir() else crops.parent
    if out.resolve() == folder.resolve():
        raise DatasetError(f"{out}: the output folder must differ from the crops folder")


def _assign_layouts(samples: list[Sample], alignment: Alignment) -> tuple[list, list[dict]]:
    """(key, sample, layout name) per renderable sample, plus a skip row for each of the others."""
    by_length: dict[int, list[str]] = {}
    for name, layout in alignment.layouts.items():
        by_length.setdefault(layout.length, []).append(name)
    width = max(len(str(len(samples) - 1)), 7)
    keyed, skipped = [], []
    for i, s in enumerate(samples):
        key = f"{i:0{width}d}"  # the sample number: stable across re-runs, tar-safe
        name = _layout_for(s, alignment, by_length)
        if name is None:
            have = ", ".join(f"{n} ({alignment[n].length})" for n in alignment.layouts)
            reason = f"no layout for text length {len(s.text)} (layout {s.layout!r}; alignment has {have})"
            if s.layout not in alignment.layouts and (kind := s.kind) is not None:
                reason += f"; a {kind.name} plate takes only a layout with the {kind.line.name}'s boxes"
            skipped.append({"path": str(s.path), "key": key, "text": s.text, "reason": reason})
        else:
            keyed.append((key, s, name))
    if not keyed:
        raise DatasetError(f"no crop can be rendered: all {len(samples)} skipped ({skipped[0]['reason']})")
    return keyed, skipped


def _layout_for(s: Sample, alignment: Alignment, by_length: dict[int, list[str]]) -> str | None:
    """The sample's own layout if the alignment has it; for a plate kind's layout, else the most
    measured layout of a kind with the same geometry (yellow7 takes blue7's boxes); else the text
    length's layout, else the only layout of its text length, unless that one is a plate kind's of
    another geometry (police7 never takes blue7's boxes: its separator sits elsewhere)."""
    if s.layout in alignment.layouts:
        return s.layout if alignment[s.layout].length == len(s.text) else None
    geometry, names = s.kind and s.kind.line, by_length.get(len(s.text), [])
    twins = [n for n in names if geometry is not None and _geometry(n) == geometry]
    if twins:
        return max(twins, key=lambda n: alignment[n].count)
    if length_layout(s.text) in alignment.layouts:
        return length_layout(s.text)
    if len(names) != 1 or (geometry is not None and _geometry(names[0]) not in (None, geometry)):
        return None
    return names[0]


def _geometry(layout: str) -> PlateGeometry | None:
    """The line of the kind an alignment's layout name stands for, if any."""
    kind = layout_kind(layout)
    return kind.line if kind is not None else None


def _crop_size(alignment: Alignment, names: set[str]) -> tuple[int, int]:
    sizes = {(alignment[n].width, alignment[n].height) for n in names}
    if len(sizes) != 1:
        raise AlignmentError(
            f"layouts {sorted(names)} have different crop sizes {sorted(sizes)}; shards need one size"
        )
    return sizes.pop()


def _fail_strict(out: Path, skipped: list[dict]) -> None:
    write_jsonl_atomic(out / SKIPPED, skipped)
    raise DatasetError(
        f"{len(skipped)} crops skipped (--strict); first: {skipped[0]['path']}: "
        f"{skipped[0]['reason']}; see {out / SKIPPED}"
    )


@dataclass(frozen=True)
class LabelWorker:
    """Everything a worker needs to render, handed to each worker process once (`pool_map`); also
    hashed into each shard's fingerprint."""

    alignment: dict
    font: str
    config: RenderConfig
    crop_size: tuple[int, int]
    png_dir: str | None
    out: str = ""  # where shards go; not part of the digest
    # each layout's renderer, made on first use in the process that draws; empty as it travels
    renderers: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    def renderer(self, layout: str) -> LabelRenderer:
        if layout not in self.renderers:
            boxes = Alignment.from_dict(self.alignment)[layout]
            self.renderers[layout] = LabelRenderer(boxes, self.font, self.config)
        return self.renderers[layout]

    def digest(self) -> str:
        blob = json.dumps(
            [self.alignment, self.font, self.config.to_dict(), self.crop_size, self.png_dir],
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(blob.encode()).hexdigest()


def _jobs(keyed: list, shard_size: int, state: LabelWorker) -> list[LabelTask]:
    by_split: dict[str, list] = {}
    for item in keyed:
        by_split.setdefault(item[1].split, []).append(item)
    jobs, base = [], state.digest()
    for split, items in sorted(by_split.items()):
        for index, lo in enumerate(range(0, len(items), shard_size)):
            chunk = tuple(items[lo : lo + shard_size])
            h = hashlib.sha256(base.encode())
            for key, s, name in chunk:
                h.update(f"{key}\0{s.path}\0{s.text}\0{name}\n".encode())
            jobs.append(LabelTask(split, index, chunk, h.hexdigest()))
    return jobs


def _load_progress(out: Path) -> dict:
    try:
        done = json.loads((out / PROGRESS).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return {}  # no or damaged progress file: redo everything
    return done if isinstance(done, dict) else {}


def _finished(out: Path, entry: dict | None, job: LabelTask) -> bool:
    """A shard is kept only if it was made from the same samples and settings and its bytes match."""
    if not isinstance(entry, dict) or entry.get("fingerprint") != job.fingerprint:
        return False
    path = out / shard_name(job.split, job.index)
    record = entry.get("record") or {}
    return (
        path.is_file()
        and path.stat().st_size == record.get("bytes")
        and sha256_file(path) == record.get("sha256")
    )


def _write_job(job: LabelTask, state: LabelWorker) -> tuple[str, dict]:
    """Write one shard; return (its name, its progress entry). A crop that cannot be read is a
    skip row in the entry; raises WriteError when OUT cannot be written."""
    name = shard_name(job.split, job.index)
    skipped, keys = [], []

    def samples():
        for key, s, layout in job.items:
            try:
                members, label = _sample(key, s, layout, state)
            except (ImageReadError, RowsNotFound) as exc:
                skipped.append(
                    {"path": str(s.path), "key": key, "text": s.text, "reason": reason(exc, s.path)}
                )
                continue
            if state.png_dir:
                write_image_atomic(Path(state.png_dir) / job.split / f"{key}_{_safe(s.text)}.png", label)
            keys.append(key)
            yield key, members

    record = write_shard(Path(state.out) / name, samples())
    return name, {"fingerprint": job.fingerprint, "record": record, "keys": keys, "skipped": skipped}


def _sample(key: str, s: Sample, layout: str, state: LabelWorker) -> tuple[dict[str, bytes], np.ndarray]:
    """The shard members of one sample, and its label. Raises ImageReadError for a bad crop."""
    crop = _read_crop(s, state.crop_size)
    label = state.renderer(layout).render(s.text)
    info = {
        **s.fields,
        "key": key,
        "text": s.text,
        "layout": layout,
        "subset": s.subset,
        "split": s.split,
        "source": str(s.path),
    }
    members = {
        "crop.png": encode_image(crop),
        "label.png": encode_image(label),
        "json": json.dumps(info, ensure_ascii=False).encode("utf-8"),
    }
    return members, label


def _read_crop(s: Sample, size: tuple[int, int]) -> np.ndarray:
    """The crop as BGR at the layout's size (W, H), by the one resize rule (`resize_to`); a two-row
    plate's (by its kind) with its rows side by side, the canvas the model sees (`plates.rows`)."""
    return read_line(s.path, size, s.kind)


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


def _write_outputs(
    out: Path,
    jobs: list[LabelTask],
    results: dict,
    skipped: list[dict],
    alignment: Alignment,
    font_path: Path,
    config: RenderConfig,
    crop_size: tuple[int, int],
    keyed: list,
    settings: dict,
) -> dict[str, int]:
    """Write skipped.jsonl and manifest.json; return the sample count per split."""
    splits: dict[str, dict] = {}
    for job in jobs:
        record = results[shard_name(job.split, job.index)]["record"]
        entry = splits.setdefault(job.split, {"count": 0, "shards": []})
        entry["count"] += record["count"]
        entry["shards"].append(record)
    write_jsonl_atomic(out / SKIPPED, skipped)
    renderer_font = load_font(font_path, config.font_size)
    label_size = config.label_size or crop_size
    write_manifest(
        out,
        {
            "splits": splits,
            "charset": "".join(sorted({c for _, s, _ in keyed for c in s.text})),
            "alignment": alignment.to_dict(),
            "font": {
                "path": str(font_path),
                "name": font_name(renderer_font),
                "sha256": sha256_file(font_path),
            },
            "crop_size": list(crop_size),
            "label_size": list(label_size),
            "render": config.to_dict(),
            "settings": settings,
            "skipped": len(skipped),
        },
    )
    return {split: entry["count"] for split, entry in splits.items()}


def _preview_pairs(keyed: list, state: LabelWorker, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Up to n (crop, label) pairs spread evenly over the samples; unreadable crops are passed over."""
    pairs = []
    for i in np.linspace(0, len(keyed) - 1, min(n, len(keyed))).round().astype(int):
        _, s, layout = keyed[i]
        try:
            crop = _read_crop(s, state.crop_size)
        except (ImageReadError, RowsNotFound):
            continue
        pairs.append((crop, state.renderer(layout).render(s.text)))
    return pairs
