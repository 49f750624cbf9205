"""`plategen validate`: check a dataset before training, so that kind, charset and readability
problems surface here and not inside `fit`.

It reads any source `lprtrain.load_data` reads (a crop folder or index, a folder of crops named by
their text, a manifest, a CCPD tree of photos, training shards), decodes every image once, and
reports each finding with its path and reason, with the counts per split, kind and province and the
image sizes beside them. It writes nothing: the report is the product.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import textwrap
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import setting
from ..errors import ConfigError, ImageReadError, ShardError
from ..io import decode_image, read_text, sha256_file
from ..plates.grammar import KINDS, PROVINCES, GrammarError, check_text, implied_kind, unknown_kind, why_not
from ..pool import pool_map
from .registry import ReadOptions, read_dataset
from .samples import Sample
from .shards import MANIFEST, iter_shard, read_shard_manifest
from .splits import split_counts

# Every check, in the order the report lists them, with what a finding of it is.
FINDINGS = {
    "skipped": "inputs the reader passed over",
    "shard": "shards missing, truncated or failing their checksum",
    "unreadable": "images that cannot be decoded",
    "tiny": "images smaller than the minimum size",
    "corners": "annotated corners outside their photo",
    "duplicate-image": "files with the same bytes as an earlier one",
    "duplicate-text": "samples whose text an earlier sample of their split has",
    "no-kind": "texts no plate kind accepts (or not the kind the sample states)",
    "charset": "texts with characters outside the charset",
    "leak": "val or test samples whose text train also has",
}
_CHUNK = 32  # image paths per worker task: enough to amortise the pickling of a task
_SHOWN = 6  # missing characters the table names
_EOI_WINDOW = 1024  # as crop.rectify: some encoders pad after the end-of-image marker


@dataclass(frozen=True)
class ValidateConfig:
    """What `validate_dataset` checks. `charset` None checks no charset."""

    # Below this a 7-character plate has about 2 pixels a character: resizing to 94x24 invents them.
    min_size: tuple[int, int] = setting(
        (16, 8), "Smallest image WIDTHxHEIGHT that is not a finding.", size=True
    )
    examples: int = setting(5, "Example paths the table shows per finding.", range=(0, None))
    kinds: bool = True  # check each text against the GA 36 plate grammar (off for other OCR data)
    charset: str | None = None  # the characters a model reads

    def __post_init__(self) -> None:
        if len(self.min_size) != 2 or any(not isinstance(v, int) or v < 1 for v in self.min_size):
            raise ConfigError(f"min_size: {self.min_size!r} must be two integers >= 1 (width, height)")
        if not isinstance(self.examples, int) or self.examples < 0:
            raise ConfigError(f"examples: {self.examples!r} must be an integer >= 0")
        if self.charset is not None and not self.charset:
            raise ConfigError("charset: empty; give the characters, or None for no charset check")


def read_charset(value: str) -> str:
    """The charset `value` names: a run folder (its config.json), a JSON file with a `charset` key
    (a run's config.json), else the characters themselves. Raises ConfigError naming the file when
    it is missing, not JSON, or has no non-empty `charset` string."""
    path = Path(value)
    if not (path.exists() or value.endswith(".json") or "/" in value):
        return value
    path = path / "config.json" if path.is_dir() else path
    try:
        charset = json.loads(read_text(path, "run config", ConfigError)).get("charset")
    except (json.JSONDecodeError, AttributeError):
        raise ConfigError(f"{path}: not a JSON object (expected a run's config.json)") from None
    if not isinstance(charset, str) or not charset:
        raise ConfigError(f"{path}: field 'charset': expected a non-empty string, got {charset!r}")
    return charset


@dataclass(frozen=True)
class Finding:
    path: str
    reason: str


@dataclass(frozen=True)
class _Item:
    """One sample as the checks see it, whatever its source."""

    where: str  # its file, or shard:key
    text: str
    split: str
    kind: str | None  # the kind its source states, if any
    corners: tuple | None = None


@dataclass(frozen=True)
class _Facts:
    """What decoding one image found: its size and content hash, or why it cannot be read."""

    width: int = 0
    height: int = 0
    digest: str = ""
    error: str | None = None


def _inspect(data: bytes, where: str) -> _Facts:
    if not data:
        return _Facts(error=f"{where}: empty file")
    if data[:2] == b"\xff\xd8" and b"\xff\xd9" not in data[-_EOI_WINDOW:]:
        # libjpeg would decode the part that is there and fill the rest with grey, silently
        return _Facts(error=f"{where}: truncated JPEG (no end-of-image marker)")
    try:
        height, width = decode_image(data, where).shape[:2]
    except ImageReadError as exc:
        return _Facts(error=str(exc))
    return _Facts(width, height, hashlib.sha1(data).hexdigest())


def _inspect_files(paths: list[str]) -> list[_Facts]:
    facts = []
    for path in paths:
        try:
            facts.append(_inspect(Path(path).read_bytes(), path))
        except OSError as exc:
            facts.append(_Facts(error=f"{path}: cannot read file ({exc.strerror or exc})"))
    return facts


@dataclass(frozen=True)
class _ShardTask:
    path: str
    split: str
    sha256: str | None


def _inspect_shard(task: _ShardTask) -> tuple[list[tuple[_Item, _Facts]], str | None]:
    """Each sample of one shard with what its crop and label decode to, and the shard's problem."""
    path = Path(task.path)
    if not path.is_file():
        return [], f"{path}: shard listed in the manifest is missing"
    problem = None
    if task.sha256 and sha256_file(path) != task.sha256:
        problem = f"{path}: checksum mismatch (truncated or modified shard)"
    rows = []
    try:
        for key, members in iter_shard(path):
            where = f"{path}:{key}"
            try:
                info = json.loads(members["json"])
                text = info["text"]
            except (ValueError, TypeError, KeyError):
                problem = problem or f"{where}.json: not a JSON object with a 'text'"
                continue
            facts = _inspect(members["crop.png"], f"{where}.crop.png")
            label = _inspect(members["label.png"], f"{where}.label.png")
            if facts.error is None and label.error is not None:
                facts = _Facts(error=label.error)
            rows.append((_Item(where, text, task.split, info.get("kind")), facts))
    except ShardError as exc:
        problem = problem or str(exc)  # a checksum mismatch says it first
    return rows, problem


def _count_rows(result: tuple[list, str | None]) -> int:
    return len(result[0])


def _read_shards(source: Path, workers: int, progress: bool) -> tuple[list, list, list[Finding]]:
    splits = read_shard_manifest(source)["splits"]
    tasks = [
        _ShardTask(str(source / r["name"]), split, r.get("sha256"))
        for split, entry in splits.items()
        for r in entry.get("shards", [])
    ]
    total = sum(int(entry.get("count", 0)) for entry in splits.values())
    items, facts, problems = [], [], []
    bar = {"desc": "validate", "unit": "img", "total": total, "progress": progress}
    for rows, problem in pool_map(_inspect_shard, tasks, workers, ordered=True, advance=_count_rows, **bar):
        items += [item for item, _ in rows]
        facts += [f for _, f in rows]
        if problem:
            problems.append(Finding(problem.partition(": ")[0], problem.partition(": ")[2]))
    return items, facts, problems


def _read_files(source: Path, workers: int, progress: bool) -> tuple[str, list, list, list[Finding]]:
    dataset = read_dataset(source, options=ReadOptions(check_kinds=False))  # an unknown kind: a finding
    items = [_Item(str(s.path), s.text, s.split, _stated_kind(s), s.corners) for s in dataset.samples]
    paths = [item.where for item in items]
    chunks = [paths[i : i + _CHUNK] for i in range(0, len(paths), _CHUNK)]
    facts = []
    bar = {"desc": "validate", "unit": "img", "total": len(paths), "progress": progress}
    for part in pool_map(_inspect_files, chunks, workers, ordered=True, advance=len, **bar):
        facts += part
    return dataset.reader, items, facts, [Finding(p, r) for p, r in dataset.skipped]


def _image_findings(items: list[_Item], facts: list[_Facts], config: ValidateConfig) -> dict:
    found: dict[str, list[Finding]] = {"unreadable": [], "tiny": [], "duplicate-image": []}
    if any(item.corners for item in items):
        found["corners"] = []
    first: dict[str, str] = {}
    min_w, min_h = config.min_size
    for item, f in zip(items, facts):
        if f.error is not None:
            found["unreadable"].append(Finding(item.where, f.error.removeprefix(f"{item.where}: ")))
            continue
        if f.width < min_w or f.height < min_h:
            found["tiny"].append(Finding(item.where, f"{f.width}x{f.height} is smaller than {min_w}x{min_h}"))
        outside = [p for p in item.corners or () if not (0 <= p[0] <= f.width and 0 <= p[1] <= f.height)]
        if outside:
            x, y = outside[0]
            reason = f"corner ({x}, {y}) outside the {f.width}x{f.height} photo"
            found["corners"].append(Finding(item.where, reason))
        if f.digest in first:
            found["duplicate-image"].append(Finding(item.where, f"same bytes as {first[f.digest]}"))
        else:
            first[f.digest] = item.where
    return found


def _text_findings(items: list[_Item], config: ValidateConfig) -> dict:
    found: dict[str, list[Finding] | None] = {"duplicate-text": [], "leak": []}
    train: dict[str, str] = {}
    for item in items:
        if item.split == "train":
            train.setdefault(item.text, item.where)
    seen: dict[tuple[str, str], str] = {}
    for item in items:
        earlier = seen.setdefault((item.split, item.text), item.where)
        if earlier != item.where:
            found["duplicate-text"].append(Finding(item.where, f"text {item.text!r} also at {earlier}"))
        if item.split != "train" and item.text in train:
            reason = f"{item.split} text {item.text!r} is also in train ({train[item.text]})"
            found["leak"].append(Finding(item.where, reason))
    found["no-kind"] = _kind_findings(items) if config.kinds else None
    found["charset"] = None if config.charset is None else _charset_findings(items, config.charset)
    return found


def _stated_kind(s: Sample) -> str | None:
    """`Sample.kind`'s name; where a kind field names no kind (read with `check_kinds` off, so its
    kind is None), the field as written, for `kind_problem` to report."""
    return s.kind.name if s.kind is not None else s.fields.get("kind")


def _kind_findings(items: list[_Item]) -> list[Finding]:
    # once per distinct (text, stated kind): other photos of one plate repeat a text many times
    problems = {key: kind_problem(*key) for key in dict.fromkeys((i.text, i.kind) for i in items)}
    return [Finding(i.where, problems[i.text, i.kind]) for i in items if problems[i.text, i.kind]]


def kind_problem(text: str, kind: str | None) -> str | None:
    """Why the plate grammar rejects `text` as its stated `kind` (any kind when None), or None."""
    if kind is None:
        try:
            check_text(text)
        except GrammarError as exc:
            return str(exc)
        return None
    if kind not in KINDS:
        return str(unknown_kind(kind))
    reason = why_not(text, KINDS[kind])
    return None if reason is None else f"text {text!r}: {reason}"


def _charset_findings(items: list[_Item], charset: str) -> list[Finding]:
    found = []
    for item in items:
        missing = [c for c in dict.fromkeys(item.text) if c not in charset]
        if missing:
            found.append(
                Finding(item.where, f"text {item.text!r}: {', '.join(map(repr, missing))} not in the charset")
            )
    return found


@dataclass
class ValidationReport:
    """What `validate_dataset` found. `findings` holds every check that applies, in FINDINGS order:
    a list of findings ([] when clean), or None when the config switched the check off."""

    source: str
    reader: str
    samples: int
    splits: dict[str, int]
    kinds: dict[str, int]  # {kind: samples}; {} when kinds are not checked
    provinces: dict[str, int]  # {first character: samples} of plates that start with a province
    sizes: dict[str, dict[str, int]]  # {"width" | "height": {"min", "median", "max"}} of readable images
    findings: dict[str, list[Finding] | None]
    missing: dict[str, int] = field(default_factory=dict)  # {character outside the charset: samples}
    root: str = ""  # the folder the table shows paths relative to (a manifest's own, for a manifest)
    config: ValidateConfig = ValidateConfig()

    @property
    def problems(self) -> int:
        return sum(len(found) for found in self.findings.values() if found)

    def summary(self) -> str:
        """ "3 problems (unreadable 1, leak 2)", "1 problem (tiny 1)", or "no problems"."""
        counts = ", ".join(f"{name} {len(found)}" for name, found in self.findings.items() if found)
        noun = "problem" if self.problems == 1 else "problems"
        return f"{self.problems} {noun} ({counts})" if counts else "no problems"

    def to_dict(self) -> dict:
        """JSON-ready: the counts, and every finding (not only the table's examples)."""
        return {
            "source": self.source,
            "reader": self.reader,
            "samples": self.samples,
            "problems": self.problems,
            "splits": self.splits,
            "kinds": self.kinds,
            "provinces": self.provinces,
            "sizes": self.sizes,
            "min_size": list(self.config.min_size),
            "findings": {
                name: None if found is None else [{"path": f.path, "reason": f.reason} for f in found]
                for name, found in self.findings.items()
            },
            "missing_characters": self.missing,
        }

    def table(self) -> str:
        """The report as text: counts and sizes, one row per check, then examples of each finding."""
        lines = [f"{self.source} ({self.reader}): {self.samples} samples"]
        facts = {"splits": self.splits, "kinds": self.kinds, "provinces": self.provinces}
        facts |= {name: self.sizes.get(name, {}) for name in ("width", "height")}
        for name, counts in facts.items():
            if counts or name in ("splits", "width", "height"):
                body = ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"
                lines += textwrap.wrap(body, 100, initial_indent=f"  {name:<10} ", subsequent_indent=" " * 13)
        lines += ["", f"  {'check':<16} {'found':>5}  what"]
        for name, found in self.findings.items():
            lines.append(f"  {name:<16} {'off' if found is None else len(found):>5}  {self._what(name)}")
        for name, found in self.findings.items():
            if found and self.config.examples:
                lines += ["", f"{name}: {len(found)}"]
                lines += [
                    f"  {self._short(f.path)}: {self._short(f.reason)}" for f in found[: self.config.examples]
                ]
                if len(found) > self.config.examples:
                    lines.append(f"  … {len(found) - self.config.examples} more")
        return "\n".join(lines + ["", self.summary()])

    def _what(self, name: str) -> str:
        if name == "tiny":
            return "images smaller than {}x{}".format(*self.config.min_size)
        if name == "charset" and self.missing:
            shown = [f"{c!r} in {n}" for c, n in list(self.missing.items())[:_SHOWN]]
            more = f", {len(self.missing) - _SHOWN} more" if len(self.missing) > _SHOWN else ""
            return f"{FINDINGS[name]} ({', '.join(shown)}{more})"
        return FINDINGS[name]

    def _short(self, text: str) -> str:
        """`text` with paths relative to the source, as the examples show them (the JSON keeps them whole)."""
        return text.replace((self.root or self.source).rstrip("/") + "/", "")


def validate_dataset(
    source: str | Path, config: ValidateConfig = ValidateConfig(), workers: int = 1, progress: bool = True
) -> ValidationReport:
    """Check every sample of `source` (what `lprtrain.load_data` reads: shards, a crop folder or
    index, a text-named folder, a manifest, a CCPD tree) and return the report; a bad image is a
    finding, never an error. Raises DatasetError if the source is missing or no reader accepts it
    or it is malformed, ShardError if a shard folder's manifest is."""
    source = Path(source)
    if (source / MANIFEST).is_file():
        reader = "shards"
        items, facts, shard_problems = _read_shards(source, workers, progress)
        found: dict = {"shard": shard_problems}
    else:
        reader, items, facts, skipped = _read_files(source, workers, progress)
        found = {"skipped": skipped}
    found |= _image_findings(items, facts, config) | _text_findings(items, config)
    # dict.fromkeys, not set: characters tied in count keep the data's order on every run
    chars = (c for item in items for c in dict.fromkeys(item.text))
    missing = Counter(c for c in chars if config.charset and c not in config.charset)
    readable = [f for f in facts if f.error is None]
    return ValidationReport(
        str(source),
        reader,
        len(items),
        split_counts(item.split for item in items),
        _most_common(item.kind or implied_kind(item.text) or "none" for item in items)
        if config.kinds
        else {},
        _most_common(item.text[0] for item in items if item.text[:1] in PROVINCES) if config.kinds else {},
        {"width": _spread([f.width for f in readable]), "height": _spread([f.height for f in readable])},
        {name: found[name] for name in FINDINGS if name in found},
        dict(missing.most_common()),
        str(source if source.is_dir() else source.parent),
        config,
    )


def _most_common(values: Iterable[str]) -> dict[str, int]:
    return dict(Counter(values).most_common())


def _spread(values: list[int]) -> dict[str, int]:
    if not values:
        return {}
    return {"min": min(values), "median": statistics.median_low(values), "max": max(values)}


__all__ = ["ValidateConfig", "ValidationReport", "Finding", "FINDINGS", "validate_dataset", "read_charset"]
