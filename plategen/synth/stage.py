"""`plategen synth`: synthetic CCPD photos whose filenames are true annotations.

Each image is planned first (text, plate geometry, photometric parameters: cheap, and enough to know
its CCPD filename, so a re-run skips finished images without drawing them), then drawn: a plate from
`plate_render` warped at a random 3-D pose into a random street-like background, then lighting,
blur, noise, a colour cast and JPEG compression. Every image has its own generators seeded from
(seed, index), so the output is byte-identical for a seed whatever the number of workers.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ..config import setting
from ..data.ccpd import CCPD_CHARSET, DEFAULT_KINDS, PlateName, encode_text, format_name
from ..errors import ConfigError, FontCoverageError, PlategenError, WriteError
from ..io import check_writable, write_bytes_atomic, write_error, write_json_atomic
from ..plates import grammar
from ..plates.fonts import bundled_latin_fonts, check_coverage, resolve_font
from ..plates.grammar import DEFAULT_MIX, KINDS, TextPrior, format_mix, parse_mix
from ..pool import pool_map
from .plate import render_plate
from .scene import Tone, background, degrade, paste_plate
from .settings import SETTINGS_NAME, check_settings, start_over

_CROP_WIDTH = 94  # blur and noise are specified at the scale of a standard 94-px crop


def _range(config, name: str, lo: float, hi: float) -> None:
    value = getattr(config, name)
    if len(value) != 2 or not lo <= value[0] <= value[1] <= hi:
        raise ConfigError(
            f"SynthConfig.{name}: {value!r} must be (low, high) with {lo} <= low <= high <= {hi}"
        )


@dataclass(frozen=True)
class SynthConfig:
    """How synthetic photos look. Ranges are (low, high), sampled uniformly per image."""

    kinds: str = setting(
        format_mix(DEFAULT_MIX),
        "Plate kinds to draw and their weights, KIND[:WEIGHT],… (kinds: " + ", ".join(KINDS) + "); "
        "the default is a road-like mix (see plategen.plates.grammar.DEFAULT_MIX).",
    )
    image_size: tuple[int, int] = (720, 1160)  # (W, H), as CCPD
    plate_width: tuple[int, int] = (90, 420)  # px, log-uniform; CCPD plates are ~100-350 px
    max_roll: float = 6.0  # in-plane rotation, degrees
    max_yaw: float = 25.0  # turn about the vertical axis, degrees
    max_pitch: float = 25.0  # turn about the horizontal axis, degrees
    blur: tuple[float, float] = (0.0, 0.5)  # Gaussian sigma in px of a 94-px-wide crop
    motion_fraction: float = 0.1  # share of images with motion blur instead of Gaussian
    noise: tuple[float, float] = (0.0, 6.0)  # Gaussian noise std, grey levels
    brightness: tuple[float, float] = (0.65, 1.2)  # gain; >1 over-exposes like many CCPD shots
    contrast: tuple[float, float] = (0.9, 1.25)
    colour_cast: float = 0.08  # max per-channel gain deviation
    jpeg_quality: tuple[int, int] = (55, 95)
    font: str | Path | None = setting(None, "Font for the glyphs (default: the bundled font).", path=True)
    # Extra fonts for letters and digits; each plate draws them from (font, *latin_fonts). Models
    # trained on one font learn its glyph shapes; real plates use their own (see docs/training.md).
    # None: the bundled condensed Latin fonts; () for the plate font alone.
    latin_fonts: tuple[str | Path, ...] | None = setting(
        None,
        "Font for letters and digits, picked per plate with --font (repeatable; default: the bundled "
        "condensed Latin fonts).",
        option="latin_font",
        path=True,
        multiple=True,
    )
    # Province prior. By default none is favoured: half uniform, half the national fleet's shares
    # (`grammar.TextPrior`). CCPD is 88.3% Anhui (皖), 91.1% of those Hefei (皖A), measured on the
    # 91,979 names in ccpd-splits: `--home-fraction 0.88 --home-letter-fraction 0.91` draws that. A
    # reader learns the prior too: trained on 88% 皖, a reader read 苏 as 渝, 浙, 津… on real plates.
    home_province: str = setting("皖", "The home province of --home-fraction.")
    home_fraction: float = setting(
        0.0,
        "Share of plates from the home province (皖 unless --home-province); the rest follow the "
        "national prior (0.88 draws CCPD's).",
        range=(0.0, 1.0),
    )
    home_letter_fraction: float = setting(
        0.3, "Share of plates (home province or not) with the capital's letter A.", range=(0.0, 1.0)
    )
    # How loosely the photo's bbox field frames the plate, per side as a fraction of the plate's
    # width (x) and height (y), drawn uniformly from 0 to this: `crop --mode rect` cuts the bbox, so
    # synthetic crops run from CCPD-tight (0) to as loose as real-crops' hand-cut ones.
    # The pose, blur, exposure and slack ranges above were narrowed on benchmarks/synth_realism.py's
    # figures: at (0.06, 0.3) slack, 35° yaw and 0.8 px blur, synthetic rect crops showed the plate
    # in 78 % of their height where real crops show it in all of it, and were half as sharp.
    bbox_slack: tuple[float, float] = (0.03, 0.08)
    charset: str = setting(
        "plate",
        "Characters the reader trained on these plates can spell: plate (every GA 36 character, the "
        "default charset of `lprtrain fit`), ccpd (CCPD's 67), or the characters themselves. A kind "
        "whose texts need another character is refused.",
    )

    def __post_init__(self) -> None:
        try:
            parse_mix(self.kinds)
        except ConfigError as exc:
            raise ConfigError(f"SynthConfig.{exc}") from None
        check_charset(self.mix, self.charset)
        for name in (
            "motion_fraction",
            "home_fraction",
            "home_letter_fraction",
            "colour_cast",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"SynthConfig.{name}: {value!r} must be in [0, 1]")
        w, h = self.image_size
        if min(w, h) < 64:
            raise ConfigError(f"SynthConfig.image_size: {self.image_size!r} must be at least 64×64")
        _range(self, "plate_width", 20, 0.8 * w)
        for name, top in (("max_roll", 45), ("max_yaw", 60), ("max_pitch", 60)):
            if not 0 <= getattr(self, name) <= top:
                raise ConfigError(
                    f"SynthConfig.{name}: {getattr(self, name)!r} must be in [0, {top}] degrees"
                )
        _range(self, "blur", 0, 10)
        _range(self, "noise", 0, 100)
        _range(self, "brightness", 0.05, 4)
        _range(self, "contrast", 0.05, 4)
        _range(self, "jpeg_quality", 1, 100)
        if self.home_province not in grammar.PROVINCES:
            raise ConfigError(f"SynthConfig.home_province: {self.home_province!r} is not a province")
        if len(self.bbox_slack) != 2 or not all(0 <= v <= 1 for v in self.bbox_slack):
            raise ConfigError(f"SynthConfig.bbox_slack: {self.bbox_slack!r} must be (x, y), each in [0, 1]")

    @property
    def mix(self) -> dict[str, float]:
        return parse_mix(self.kinds)

    @property
    def prior(self) -> TextPrior:
        return TextPrior(self.home_province, self.home_fraction, capital_share=self.home_letter_fraction)


@dataclass(frozen=True)
class ImagePlan:
    """Everything needed to draw one image and name it."""

    index: int
    text: str
    kind: str
    corners: tuple[tuple[int, int], ...]  # plate corners in the photo: TL, TR, BR, BL
    holder: float  # plate-holder margin in mm
    bbox: tuple[tuple[int, int], tuple[int, int]]  # the name's bbox: the corners' bounds, loosened
    gain: float
    contrast: float
    blur: float  # Gaussian sigma in photo pixels
    motion: float  # motion-blur length in photo pixels (0: none)
    motion_angle: float
    noise: float
    quality: int
    name: str = field(default="")


@dataclass
class SynthReport:
    """What a `synthesize` run did."""

    out: Path
    written: int = 0
    existing: int = 0  # already present from an earlier run (resume)
    kinds: dict[str, int] = field(default_factory=dict)  # images of each kind, written or present
    failed: list[tuple[str, str]] = field(default_factory=list)  # (image index, reason)
    seconds: float = 0.0

    def summary(self) -> str:
        rate = self.written / self.seconds if self.seconds > 0 else 0.0
        kinds = ", ".join(f"{n} {k}" for k, n in self.kinds.items())
        return (
            f"synth: {self.written} written, {self.existing} already present, {len(self.failed)} failed "
            f"({kinds}) in {self.seconds:.1f} s ({rate:.0f} images/s) -> {self.out}"
        )


# Kinds are assigned by a Weyl sequence of the index, not drawn at random: any first n images hold
# each kind's share to within a few images, whatever the seed, and a kind's count is exact in tests.
_WEYL = (5**0.5 - 1) / 2


def kind_of(index: int, mix: dict[str, float]) -> str:
    """The kind of image `index` under `mix` ({kind: share})."""
    u, edge = (index * _WEYL + 0.5) % 1.0, 0.0
    for name, share in mix.items():
        edge += share
        if u < edge:
            return name
    return next(reversed(mix))


def random_text(rng: np.random.Generator, kind: str, config: SynthConfig) -> str:
    """A text of `kind` under the config's province prior (`grammar.random_text`)."""
    return grammar.random_text(rng, kind, config.prior)


def _rotation(roll: float, yaw: float, pitch: float) -> np.ndarray:
    r, y, p = np.radians([roll, yaw, pitch])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    return rz @ ry @ rx


def _pose(rng: np.random.Generator, config: SynthConfig, kind: str) -> tuple[np.ndarray, float, float]:
    """Plate corners (TL, TR, BR, BL) in photo pixels relative to the plate centre, and the pose."""
    geometry = KINDS[kind].plate
    lo, hi = config.plate_width
    width = math.exp(rng.uniform(math.log(lo), math.log(hi)))
    roll = rng.uniform(-config.max_roll, config.max_roll)
    # Most CCPD plates face the camera; a long tail is strongly turned (ccpd_tilt/rotate).
    yaw = config.max_yaw * float(np.clip(rng.normal(0, 0.4), -1, 1))
    pitch = config.max_pitch * float(np.clip(rng.normal(0, 0.4), -1, 1))
    gw, gh = geometry.width, geometry.height
    flat = np.array([[-gw / 2, -gh / 2, 0], [gw / 2, -gh / 2, 0], [gw / 2, gh / 2, 0], [-gw / 2, gh / 2, 0]])
    pts = flat @ _rotation(roll, yaw, pitch).T
    distance = gw * rng.uniform(2.0, 8.0)  # camera distance: perspective strength
    proj = pts[:, :2] * (distance / (distance + pts[:, 2:3]))
    return proj * (width / gw), yaw, pitch


def plan_image(seed: int, index: int, config: SynthConfig) -> ImagePlan:
    """Draw the text, pose and photometric parameters of image `index`; name it."""
    rng = np.random.default_rng([seed, index, 0])
    kind = kind_of(index, config.mix)
    text = random_text(rng, kind, config)
    quad, yaw, pitch = _pose(rng, config, kind)
    holder = float(rng.uniform(2, 14))
    w, h = config.image_size
    # Keep the plate and its holder (about holder/140 of the plate height further out) inside.
    pad = (quad.max(0) - quad.min(0)) * (0.02 + holder / 120) + 2
    lo, hi = -quad.min(0) + pad, np.array([w - 1, h - 1]) - quad.max(0) - pad
    if np.any(hi < lo):
        raise ConfigError(f"SynthConfig.image_size: {config.image_size!r} is too small for the plate width")
    centre = rng.uniform(lo, hi)
    corners = tuple((int(x), int(y)) for x, y in np.rint(quad + centre))
    plate_w = float(np.hypot(*(quad[1] - quad[0])))
    scale = plate_w / _CROP_WIDTH
    motion = float(rng.uniform(1.0, 2.5) * scale) if rng.random() < config.motion_fraction else 0.0
    xs, ys = zip(*corners)
    # the slack is drawn from its own stream, so the rest of an image's plan is as before
    slack = np.random.default_rng([seed, index, 3]).uniform(0, 1, 4) * np.repeat(config.bbox_slack, 2)
    pw, ph = max(xs) - min(xs), max(ys) - min(ys)
    bbox = (
        (max(0, round(min(xs) - slack[0] * pw)), max(0, round(min(ys) - slack[2] * ph))),
        (min(w - 1, round(max(xs) + slack[1] * pw)), min(h - 1, round(max(ys) + slack[3] * ph))),
    )
    plan = ImagePlan(
        index=index,
        text=text,
        kind=kind,
        corners=corners,
        holder=holder,
        bbox=bbox,
        gain=float(rng.uniform(*config.brightness)),
        contrast=float(rng.uniform(*config.contrast)),
        blur=float(rng.uniform(*config.blur) * scale),
        motion=motion,
        motion_angle=float(rng.uniform(0, 180)),
        noise=float(rng.uniform(*config.noise)),
        quality=int(rng.integers(config.jpeg_quality[0], config.jpeg_quality[1] + 1)),
    )
    return _named(plan, config, yaw, pitch)


def _named(plan: ImagePlan, config: SynthConfig, yaw: float, pitch: float) -> ImagePlan:
    tl, tr, br, bl = plan.corners
    w, h = config.image_size
    area = cv2.contourArea(np.array(plan.corners, np.float32)) / (w * h)
    # CCPD's area field is the digits after "0."; appending the zero-padded index keeps the ratio
    # right to 1e-13 and makes every name unique, even for identical plates.
    area_digits = f"{min(area, 0.9999):.4f}"[2:] + f"{plan.index:09d}"
    name = PlateName(
        area=area_digits,
        tilt=(max(0, round(90 + yaw)), max(0, round(90 + pitch))),
        bbox=plan.bbox,
        vertices=(br, bl, tl, tr),
        indices=encode_text(plan.text),
        brightness=min(255, round(plan.gain * 100)),
        # Blur at the scale of a 94-px crop, in hundredths of a pixel.
        blurriness=round((plan.blur + plan.motion / 3) * _CROP_WIDTH / max(math.dist(tl, tr), 1) * 100),
        kind_field=None if plan.kind == DEFAULT_KINDS[len(plan.text)] else plan.kind,
    )
    return ImagePlan(**{**plan.__dict__, "name": format_name(name)})


def render_image(
    plan: ImagePlan, seed: int, config: SynthConfig, font: Path, latin_fonts: tuple[Path, ...] = ()
) -> bytes:
    """Draw the planned photo and return it as JPEG bytes."""
    rng = np.random.default_rng([seed, plan.index, 1])
    # a separate stream, so adding fonts leaves every other random choice of the image unchanged
    latin = ((font,) + latin_fonts)[
        np.random.default_rng([seed, plan.index, 2]).integers(len(latin_fonts) + 1)
    ]
    w, h = config.image_size
    corners = np.array(plan.corners, np.float64)
    geometry = KINDS[plan.kind].plate
    plate_w = float(np.hypot(*(corners[1] - corners[0])))
    ppm = float(np.clip(plate_w / geometry.width * 1.25, 0.2, 2.0))
    tone = Tone(plan.contrast, plan.gain * rng.uniform(1 - config.colour_cast, 1 + config.colour_cast, 3))
    plate = render_plate(plan.text, KINDS[plan.kind], font, ppm, rng, latin_font=latin)
    image = background(rng, (w, h), corners, tone)
    roi = paste_plate(image, plate, corners, plan.holder / geometry.height, rng, tone)
    degrade(image, roi, plan, rng)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, plan.quality])
    if not ok:
        raise PlategenError(f"image {plan.index}: JPEG encoding failed")
    return buf.tobytes()


@dataclass(frozen=True)
class SynthWorker:
    """What every synth worker holds for the whole run; `pool_map` hands it to each process once."""

    seed: int
    config: SynthConfig
    out: Path
    fonts: tuple[Path, ...]  # the plate font, then the Latin fonts


@dataclass(frozen=True)
class SynthTask:
    """One photo to draw: its index is all that differs between tasks."""

    index: int


def _work(task: SynthTask, worker: SynthWorker) -> tuple[int, str, str, str]:
    """Plan, skip if present, else draw and write one image: (index, name, status, kind). A failed
    image is a status, not an exception; raises WriteError when OUT cannot be written."""
    index, out, (font, *latin_fonts) = task.index, worker.out, worker.fonts
    try:
        plan = plan_image(worker.seed, index, worker.config)
        if (out / plan.name).exists():
            return index, plan.name, "existing", plan.kind
        image = render_image(plan, worker.seed, worker.config, font, tuple(latin_fonts))
        write_bytes_atomic(out / plan.name, image)
        return index, plan.name, "written", plan.kind
    except WriteError:
        raise  # a full disk or a read-only OUT is no bad image: every photo after it would fail too
    except (PlategenError, cv2.error, ValueError, OSError) as exc:
        return index, "", f"{type(exc).__name__}: {exc}", ""


NAMED_CHARSETS = {"plate": grammar.PLATE_CHARSET, "ccpd": CCPD_CHARSET}


def check_charset(mix: dict[str, float], charset: str) -> None:
    """Refuse a kind of `mix` whose texts need a character `charset` (a name of NAMED_CHARSETS or
    the characters) lacks: a reader trained on such plates could never spell them. Raises ConfigError
    naming the kind and the characters."""
    characters = NAMED_CHARSETS.get(charset, charset)
    for name in mix:
        missing = "".join(c for c in KINDS[name].characters if c not in characters)
        if missing:
            shown = charset if charset in NAMED_CHARSETS else f"{len(characters)} characters"
            raise ConfigError(
                f"SynthConfig.charset: kind {name!r} writes {missing!r}, which the charset ({shown}) "
                f"cannot spell; leave the kind out of --kinds or train a charset that has them"
            )


def check_kind_coverage(mix: dict[str, float], font: Path) -> Path:
    """Check `font` has every character each kind of `mix` draws; return it.

    Raises FontCoverageError naming the kind and the characters it lacks."""
    for name in mix:
        try:
            # "I": the plate typeface's bar-shaped "1" is drawn as a sans capital I (plate.draw_style)
            check_coverage([KINDS[name].characters + "I"], font)
        except FontCoverageError as exc:
            raise FontCoverageError(f"kind {name!r}: {exc}") from None
    return font


def synthesize(
    out: str | Path,
    count: int,
    seed: int = 0,
    config: SynthConfig = SynthConfig(),
    workers: int = 1,
    progress: bool = True,
    force: bool = False,
) -> SynthReport:
    """Write `count` synthetic CCPD photos to `out`; images already there are kept (resume).

    OUT/synth.json records the settings; a re-run must repeat them (a larger count extends the run).
    `force` starts over: the photos an earlier run recorded in OUT are deleted, whatever its settings.
    Returns a SynthReport. Raises ConfigError for a bad count/seed/workers or OUT's photos made with
    other settings, FontError or FontCoverageError for a font that is missing or lacks plate characters.
    """
    if count < 0:
        raise ConfigError(f"count: {count!r} must be >= 0")
    if seed < 0:
        raise ConfigError(f"seed: {seed!r} must be >= 0")
    if workers < 1:
        raise ConfigError(f"workers: {workers!r} must be >= 1")
    # "I": the plain-stroke "1" of the plate typeface is drawn with it (plate_render, bar_one)
    latin_needed = grammar.LETTERS + grammar.DIGITS + "I"
    font = check_kind_coverage(config.mix, resolve_font(config.font))
    latin = bundled_latin_fonts() if config.latin_fonts is None else config.latin_fonts
    fonts = (font,) + tuple(check_coverage([latin_needed], resolve_font(f)) for f in latin)
    out = Path(out)
    check_writable(out / SETTINGS_NAME)
    settings = synth_settings(config, seed, fonts)
    if force:
        start_over(out)
    else:
        check_settings(out, settings)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(out, exc) from None
    # recorded before the first photo, so that a run stopped half-way is resumed only as it began
    write_json_atomic(out / SETTINGS_NAME, settings)
    for stale in out.glob(".*.part.jpg"):  # left by a killed run; ours by construction
        stale.unlink(missing_ok=True)
    report, start = SynthReport(out=out), time.perf_counter()
    results = pool_map(
        _work, _tasks(count), workers, state=SynthWorker(seed, config, out, fonts), chunksize=8,
        total=count, desc="synth", unit="img", progress=progress,
    )  # fmt: skip
    for index, _name, status, kind in results:
        if status == "written":
            report.written += 1
        elif status == "existing":
            report.existing += 1
        else:
            report.failed.append((str(index), status))
            continue
        report.kinds[kind] = report.kinds.get(kind, 0) + 1
    report.seconds = time.perf_counter() - start
    return report


def _tasks(count: int) -> Iterator[SynthTask]:
    """The tasks, made as the pool takes them: a list of 10**9 would fill memory before the first photo."""
    return (SynthTask(i) for i in range(count))


def synth_settings(config: SynthConfig, seed: int, fonts: tuple[Path, ...]) -> dict:
    """What OUT's photos depend on, as OUT/synth.json holds it: the seed and every SynthConfig field
    but the charset (a check, not a look), the kinds as their shares in order (blue:2,police is
    blue:4,police:2) and the fonts by file name (the default Latin fonts are the same fonts named)."""
    fields = json.loads(json.dumps(asdict(config), default=str))
    del fields["charset"], fields["latin_fonts"]
    fields["kinds"] = [[name, share] for name, share in config.mix.items()]
    fields["font"] = fonts[0].name
    return {"seed": seed, **fields, "latin_fonts": [f.name for f in fonts[1:]]}


__all__ = [
    "SynthConfig",
    "SynthReport",
    "ImagePlan",
    "synthesize",
    "plan_image",
    "render_image",
    "random_text",
    "kind_of",
    "check_kind_coverage",
    "synth_settings",
]
