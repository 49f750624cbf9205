"""`plategen crop`: rectify the plate of every record that carries corners (a CCPD photo), write the
crops, an index (`index.jsonl`), a report of what was skipped (`skipped.jsonl`) and the settings the
crops were made with (`crop.json`, which a re-run must match).

The input is read through the dataset registry (`plategen.data.registry`): for a CCPD tree, the reader in
`plategen.data.readers.ccpd_tree` finds the images, their annotations and splits.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2

from ..config import INPUT_SIZE, changed_setting, setting
from ..data.registry import ReadOptions, read_dataset
from ..data.samples import INDEX_NAME, Sample
from ..data.splits import SPLITS, VAL_FRACTION
from ..errors import ConfigError, DatasetError, PlategenError, WriteError
from ..io import (
    check_writable,
    encode_image,
    read_json_object,
    read_jsonl,
    write_bytes_atomic,
    write_error,
    write_json_atomic,
    write_jsonl_atomic,
)
from ..plates.rows import crop_size
from ..pool import Workers
from .rectify import MODES, corner_quad, crop_bytes

SKIPPED_NAME = "skipped.jsonl"
SETTINGS_NAME = "crop.json"


@dataclass(frozen=True)
class CropConfig:
    """How to crop. `size` is (width, height) of the output crop."""

    mode: str = setting(
        "point",
        "point: perspective warp of the 4 corners; affine: least-squares affine; rect: bbox resized.",
        choices=MODES,
    )
    size: tuple[int, int] = setting(INPUT_SIZE, "Crop size WIDTHxHEIGHT.", size=True)
    val_fraction: float = setting(
        VAL_FRACTION,
        "Share of plate texts held out for val (by a hash of the text, so equal texts stay together) "
        "when neither split files nor folders give a split.",
    )
    margin: float = setting(
        0.0, "Extra border on each side, as a fraction of the plate size.", range=(0, 0.5), max_open=True
    )
    # lossless by default: crops feed a pixel-level MSE target downstream
    ext: str = setting(".png", "Crop image format.")
    # decode JPEGs at 1/2, 1/4 or 1/8 scale when the plate stays large enough, down to its rows only
    fast_decode: bool = True

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"mode: {self.mode!r} is not one of {', '.join(MODES)}")
        if len(self.size) != 2 or any(not isinstance(v, int) or v < 4 for v in self.size):
            raise ConfigError(f"size: {self.size!r} must be two integers >= 4 (width, height)")
        if not 0.0 <= self.val_fraction <= 1.0:
            raise ConfigError(f"val_fraction: {self.val_fraction!r} must lie in [0, 1]")
        if self.ext.lower() not in (".png", ".jpg", ".jpeg", ".bmp", ".webp"):
            raise ConfigError(f"ext: {self.ext!r} must be .png, .jpg, .jpeg, .bmp or .webp")
        if not 0.0 <= self.margin < 0.5:
            raise ConfigError(f"margin: {self.margin!r} must lie in [0, 0.5)")


def check_settings(out: Path, config: CropConfig) -> None:
    """Refuse to resume into OUT with other settings than its crops were made with (OUT/crop.json):
    the index would mix crops of two sizes, modes or formats. Raises ConfigError naming the setting
    and both values, or naming crop.json when it is not a settings record."""
    path = out / SETTINGS_NAME
    if not path.is_file():
        return  # a new OUT (or one cropped before crop.json existed: nothing to compare with)
    made = read_json_object(path, "crop settings", ConfigError)
    changed = changed_setting(made, _settings(config))
    if changed:
        name, before, value = changed
        raise ConfigError(
            f"{out}: its crops were made with {name} {_shown(before)}, this run asks for "
            f"{_shown(value)}; crop into another folder, repeat the first run's settings, or pass "
            "--force to start over"
        )


def _settings(config: CropConfig) -> dict:
    return json.loads(json.dumps(asdict(config)))  # as crop.json holds them: tuples become lists


def _shown(value) -> str:
    if isinstance(value, list) and len(value) == 2:
        return "x".join(map(str, value))  # a size, as --size takes it
    return json.dumps(value)


@dataclass
class CropReport:
    """What a crop run did. `path` is the skipped-inputs report."""

    out: Path
    written: int = 0
    resumed: int = 0  # crops already present from an earlier run
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source path, reason)

    @property
    def path(self) -> Path:
        return self.out / SKIPPED_NAME

    @property
    def index(self) -> Path:
        return self.out / INDEX_NAME

    def summary(self) -> str:
        text = (
            f"{self.written} crops written, {self.resumed} already done, {len(self.skipped)} skipped; "
            f"index: {self.index}"
        )
        if self.skipped:
            shown = "".join(f"\n  {path}: {reason}" for path, reason in self.skipped[:5])
            more = f"\n  … and {len(self.skipped) - 5} more" if len(self.skipped) > 5 else ""
            text += f"\nskipped inputs and reasons (all in {self.path}):{shown}{more}"
        return text


@dataclass(frozen=True)
class Item:
    """One source image bound for one crop."""

    source: str  # relative to the root, POSIX
    crop: str  # relative to OUT, POSIX
    sample: Sample


def plan(root: Path, out: Path, config: CropConfig) -> tuple[list[Item], list[tuple[str, str]]]:
    """Read the records under `root` and pick each one's crop path; return (items, skipped).

    Raises DatasetError if `root` is missing or holds no images.
    """
    if not root.is_dir():
        raise DatasetError(f"{root}: {'not a folder' if root.exists() else 'no such folder'}")
    if out.resolve() == root.resolve():
        raise DatasetError(f"{out}: the output folder must differ from the input folder")
    dataset = read_dataset(root, options=ReadOptions(val_fraction=config.val_fraction, exclude=out))
    items, skipped, claimed = [], list(dataset.skipped), {}
    for sample in dataset.samples:
        rel = sample.path.relative_to(root).as_posix()  # strings from here on: this loop runs per photo
        if sample.corners is None:
            skipped.append((rel, f"no plate corners (read as {dataset.reader}; crop needs CCPD names)"))
            continue
        # drop split folder names: ccpd_green/train/x.jpg → train/ccpd_green/x.png
        *folders, name = rel.split("/")
        folders = [part for part in folders if part not in SPLITS]
        crop = "/".join([sample.split, *folders, os.path.splitext(name)[0] + config.ext])
        if crop in claimed:
            skipped.append((rel, f"duplicate: {claimed[crop]} already makes {crop}"))
            continue
        claimed[crop] = rel
        items.append(Item(rel, crop, sample))
    return items, skipped


@dataclass(frozen=True)
class CropWorker:
    """What every crop worker holds for the whole run; `Workers` hands it to each process once."""

    root: Path
    out: Path
    config: CropConfig


@dataclass(frozen=True)
class CropTask:
    """One crop, as a worker gets it: what it needs and no more (a whole Item, its Sample and every
    name field, costs more to unpickle than the crop's warp)."""

    index: int  # in the run's todo list: only the index travels back, the parent holds the items
    source: str  # relative to the root, POSIX
    crop: str  # relative to OUT, POSIX
    corners: tuple
    bbox: tuple | None
    kind: str | None  # `Sample.kind`'s name: the worker looks it up in the grammar

    @classmethod
    def of(cls, index: int, item: Item) -> CropTask:
        s = item.sample
        return cls(index, item.source, item.crop, s.corners, s.bbox, s.kind and s.kind.name)


def _crop_one(task: CropTask, worker: CropWorker) -> tuple[int, str | None]:
    """Crop one item into OUT; return (its index, None), or (its index, reason) when it must be
    skipped. Raises WriteError when OUT cannot be written."""
    config, source = worker.config, task.source
    try:
        try:
            data = (worker.root / source).read_bytes()
        except OSError as exc:
            return task.index, f"unreadable file: {exc.strerror or exc}"
        quad = corner_quad(task.corners, task.bbox, config.mode)
        # a two-row plate keeps its 2:1 outline (rows.crop_size); every reader unfolds it to one line
        size = crop_size(config.size, task.kind)
        crop = crop_bytes(data, quad, size, config.mode, config.margin, config.fast_decode, source)
        write_bytes_atomic(worker.out / task.crop, encode_image(crop, config.ext))
    except WriteError:
        raise  # a full disk is no bad input: every crop after it would fail too
    except PlategenError as exc:
        return task.index, str(exc)
    except (cv2.error, ValueError) as exc:  # an image OpenCV cannot handle must not stop the run
        return task.index, f"{source}: {type(exc).__name__}: {str(exc).strip().splitlines()[-1]}"
    return task.index, None


def finished_crops(out: Path) -> set[str]:
    """The crops already in OUT (POSIX paths relative to it), found in one walk that also deletes
    the temporary files a killed worker may have left (a crop appears only by atomic rename)."""
    found = set()
    for dirpath, _, filenames in os.walk(out):
        rel = os.path.relpath(dirpath, out).replace(os.sep, "/")
        for name in filenames:
            if name.startswith(".") and ".part" in name:
                os.unlink(os.path.join(dirpath, name))
            else:
                found.add(name if rel == "." else f"{rel}/{name}")
    return found


def index_row(item: Item) -> dict:
    """One index.jsonl row: the crop path, then the record's own fields (for a CCPD photo: source
    path, name, split, subset and every parsed field)."""
    return {"crop": item.crop, **{k: v for k, v in item.sample.fields.items() if k != "crop"}}


def crop_dataset(
    root: str | Path,
    out: str | Path,
    config: CropConfig | None = None,
    workers: int = 1,
    progress: bool = True,
    force: bool = False,
) -> CropReport:
    """Crop every annotated image under `root` into `out`; resume finished crops.

    Writes OUT/<split>/<folders>/<stem><ext>, OUT/index.jsonl (sorted by crop path),
    OUT/skipped.jsonl and OUT/crop.json (`config`). Bad inputs are skipped with a reason, never
    raised. `force` starts over: the crops an earlier run made in OUT are deleted, whatever its
    settings. Raises DatasetError if `root` is missing or holds no images, ConfigError if OUT's crops
    were made with other settings, WriteError if OUT cannot be written (the index then lists exactly
    the crops written, which a re-run keeps).
    """
    root, out, config = Path(root), Path(out), config or CropConfig()
    check_writable(out / SETTINGS_NAME)
    if not force:
        check_settings(out, config)
    # the workers start importing now, while this process reads the dataset and checks OUT
    with Workers(workers, CropWorker(root, out, config)) as pool:
        items, skipped = plan(root, out, config)
        if force:
            _start_over(out, items)
        # recorded before the first crop, so that a run stopped half-way is resumed only as it began
        write_json_atomic(out / SETTINGS_NAME, _settings(config))
        report = CropReport(out, skipped=skipped)
        present = finished_crops(out)
        done = [item for item in items if item.crop in present]
        report.resumed = len(done)
        todo = [item for item in items if item.crop not in present]
        chunk = max(1, min(64, len(todo) // (max(workers, 1) * 8)))
        try:
            for index, reason in pool.map(
                _crop_one,
                [CropTask.of(i, item) for i, item in enumerate(todo)],
                chunksize=chunk,
                desc="crop",
                unit="img",
                progress=progress,
            ):
                if reason is None:
                    done.append(todo[index])
                    report.written += 1
                else:
                    report.skipped.append((todo[index].source, reason))
            _write_index(report, done)
        except WriteError as exc:
            raise _stopped(exc, report, items) from exc
    return report


def _write_index(report: CropReport, done: list[Item]) -> None:
    report.skipped.sort()
    write_jsonl_atomic(report.index, [index_row(item) for item in sorted(done, key=lambda i: i.crop)])
    write_jsonl_atomic(report.path, [{"path": path, "reason": reason} for path, reason in report.skipped])


def _stopped(exc: WriteError, report: CropReport, items: list[Item]) -> WriteError:
    """After a failed write, index exactly the crops on disk (each appears whole, by rename; a
    killed worker's may have landed unreported), so the index never lists a crop that is missing.
    The disk may be too full for the index itself: an earlier run's then stays, listing only crops
    that exist, and a re-run rebuilds it from the crops on disk either way."""
    present = finished_crops(report.out)
    done = [item for item in items if item.crop in present]
    try:
        _write_index(report, done)
    except WriteError:
        return WriteError(f"{exc}; {len(done)} crops are written, and a re-run resumes from them")
    return WriteError(f"{exc}; the {len(done)} crops written are indexed, and a re-run resumes from them")


def _start_over(out: Path, items: list[Item]) -> None:
    """Delete what an earlier run made in OUT: the crops its index lists and those this run would
    write (a run stopped before its index still left them), then its index, report and settings.
    Other files in OUT are not crop's to delete."""
    index = out / INDEX_NAME
    listed = [row.get("crop") for row in _rows(index)] if index.is_file() else []
    for rel in {*listed, *(item.crop for item in items)}:
        if isinstance(rel, str) and rel and not Path(rel).is_absolute() and ".." not in Path(rel).parts:
            _delete(out / rel)
    for name in (INDEX_NAME, SKIPPED_NAME, SETTINGS_NAME):
        _delete(out / name)


def _delete(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise write_error(path, exc) from exc


def _rows(index: Path) -> list[dict]:
    try:
        return read_jsonl(index, "crop index")
    except DatasetError:
        return []  # a damaged index lists nothing this run can trust; its crops are found by path


__all__ = ["CropConfig", "CropReport", "crop_dataset", "check_settings", "SETTINGS_NAME"]
