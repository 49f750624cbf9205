"""The plate grammar: every plate kind of GA 36 (one row or two) as data, which kinds accept a text,
and a random text of a kind under a realistic prior.

Sources (`../shared/reference/`): GA 36-2014 Table 1 (kinds, sizes, colours, special characters),
Figures 1-3 and 5 (layouts, in `geometry`), Table 2 (the 31 provinces), 5.8 and Table 3 (the 16 serial
patterns), 5.9 (the special characters), Appendix A (issuing letters per province); GA 36-2018 for
the new-energy plates. `synth`, the alignment templates, the label renderer, `eval` and `predict`
read this module; nothing else restates a plate fact.

A text is written as it reads, without the separator: 皖A12345, 京A1234警, 使014578, 粤Z1234港,
皖AD12345 (small new-energy), 皖A12345D (large new-energy).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ..errors import ConfigError, PlategenError
from .geometry import BLUE, EMBASSY, GREEN, POLICE, TWO_ROW, PlateGeometry, PlateLayout

# 5.8.1: the serial's letters are the 26 capitals less I and O (they read as 1 and 0).
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
DIGITS = "0123456789"

# Table 2 and Appendix A, Table A.1: each province's issuing-authority letters. The municipalities
# (京 津 沪 渝) may use A to Z (5.7.2); I and O are left out everywhere: neither is in a reader's
# charset, and "O" (A.1 note g) marks public-security vehicles, whose plates use the letter O only.
# Footnoted offices are included: 吉K (Changbai Mountain), 黑R (land reclamation), 琼C-E, 陕V
# (Yangling), 粤Z (Hong Kong and Macau plates).
ISSUING_LETTERS = MappingProxyType(
    {
        "京": LETTERS,
        "津": LETTERS,
        "冀": "ABCDEFGHJRT",
        "晋": "ABCDEFHJKLM",
        "蒙": "ABCDEFGHJKLM",
        "辽": "ABCDEFGHJKLMNP",
        "吉": "ABCDEFGHJK",
        "黑": "ABCDEFGHJKLMNPR",
        "沪": LETTERS,
        "苏": "ABCDEFGHJKLMN",
        "浙": "ABCDEFGHJKL",
        "皖": "ABCDEFGHJKLMNPRS",
        "闽": "ABCDEFGHJK",
        "赣": "ABCDEFGHJKLM",
        "鲁": "ABCDEFGHJKLMNPQRSUVY",
        "豫": "ABCDEFGHJKLMNPQRSU",
        "鄂": "ABCDEFGHJKLMNPQRS",
        "湘": "ABCDEFGHJKLMNSU",
        "粤": "ABCDEFGHJKLMNPQRSTUVWXYZ",
        "桂": "ABCDEFGHJKLMNPR",
        "琼": "ABCDE",
        "渝": LETTERS,
        "川": "ABCDEFHJKLMQRSTUVWXYZ",
        "贵": "ABCDEFGHJ",
        "云": "ACDEFGHJKLMNPQRS",
        "藏": "ABCDEFG",
        "陕": "ABCDEFGHJKV",
        "甘": "ABCDEFGHJKLMNP",
        "青": "ABCDEFGH",
        "宁": "ABCE",
        "新": "ABCDEFGHJKLMNPQR",
    }
)
PROVINCES = "".join(ISSUING_LETTERS)

# Rough share of each province in China's vehicle fleet (Ministry of Public Security yearly figures,
# rounded to whole per mille and ranked by registered vehicles: Guangdong, Shandong, Jiangsu and
# Zhejiang lead, Tibet and Qinghai trail). Only the default prior's shape depends on them.
FLEET_SHARE = MappingProxyType(
    {
        "粤": 86, "鲁": 79, "苏": 74, "浙": 66, "豫": 63, "冀": 60, "川": 50, "湘": 36, "鄂": 36,
        "皖": 36, "闽": 30, "辽": 30, "陕": 28, "云": 28, "桂": 27, "晋": 25, "京": 23, "蒙": 21,
        "贵": 21, "黑": 19, "赣": 19, "沪": 18, "吉": 17, "新": 17, "渝": 17, "津": 13, "甘": 13,
        "琼": 7, "宁": 6, "青": 5, "藏": 3,
    }
)  # fmt: skip

# 5.9: the special characters of the kinds drawn here (试 and 超 are on temporary plates only).
SPECIALS = "警学港澳使领挂"
# Every character a plate text of any kind can contain, in a stable order (a reader's charset).
PLATE_CHARSET = PROVINCES + LETTERS + DIGITS + SPECIALS

# 5.8.2 and Table 3: the letter positions (0-based, in a 5-position serial) of the 16 patterns, and
# whether each is allowed in a 4-position serial (the kinds whose last character is special).
SERIAL_PATTERNS: tuple[tuple[frozenset[int], bool], ...] = tuple(
    (frozenset(p), four)
    for p, four in (
        ((), True),  # 1: every position a digit
        ((0,), True),  # 2
        ((0, 1), True),  # 3
        ((1,), True),  # 4
        ((2,), True),  # 5
        ((3,), True),  # 6
        ((4,), False),  # 7
        ((0, 4), False),  # 8
        ((3, 4), False),  # 9
        ((0, 2), True),  # 10
        ((1, 2), True),  # 11
        ((0, 3), True),  # 12
        ((1, 3), True),  # 13
        ((1, 4), False),  # 14
        ((2, 3), True),  # 15
        ((2, 4), False),  # 16
    )
)
# Rough share of each pattern on the road: all-digit serials are the oldest and most common; each
# later pattern was opened when the one before filled (5.8.2 a), so later ones are rarer.
_PATTERN_WEIGHTS = (24, 10, 8, 8, 8, 8, 6, 4, 4, 4, 4, 4, 4, 3, 3, 2)

BGR = tuple[int, int, int]
WHITE: BGR = (245, 245, 245)
BLACK: BGR = (20, 20, 20)
RED: BGR = (40, 30, 200)
BLUE_PAINT: BGR = (170, 70, 10)
YELLOW_PAINT: BGR = (20, 190, 240)
GREEN_PAINT: BGR = (100, 200, 60)
PALE_GREEN: BGR = (225, 245, 225)


@dataclass(frozen=True)
class PlateKind:
    """One kind of plate: its layouts, its text's grammar and its colours (BGR).

    `plate` is the metal plate as GA 36 draws it (one row or two, `geometry.PlateLayout`); `line` is
    the one row of characters the model reads: `plate.line()`, the plate itself for a one-row kind,
    the two rows side by side for a two-row one (`plategen.plates.rows`).

    `slots` spells the text, one token per character:
      P  a province;  L  an issuing letter of the preceding province;  S  a serial position, the
      serial's letters following one pattern of Table 3;  D  a digit;  E  the new-energy letter (D
      electric, F other);  X  a letter or a digit;  any other character stands for itself.
    `background` is (top or left, bottom or right); `shading` says how the two meet: "flat" (one
    colour), "gradient" (top to bottom, the small new-energy plate) or "split" (left part of the
    outline to the separator, then the right: the large new-energy plate's yellow and green).
    """

    name: str
    description: str
    plate: PlateLayout
    slots: str
    background: tuple[BGR, BGR]
    ink: BGR
    frame: BGR
    special_colour: BGR | None = None  # colour of the special character, when it differs from ink
    shading: str = "flat"
    line: PlateGeometry = field(init=False, repr=False, compare=False)  # `plate.line()`, made once

    def __post_init__(self) -> None:
        object.__setattr__(self, "line", self.plate.line())

    @property
    def rows(self) -> int:
        return self.plate.rows

    @property
    def characters(self) -> str:
        """Every character a text of this kind can hold, in PLATE_CHARSET's order."""
        can = {
            "P": PROVINCES,
            "L": LETTERS,
            "S": LETTERS + DIGITS,
            "D": DIGITS,
            "E": "DF",
            "X": LETTERS + DIGITS,
        }
        used = set("".join(can.get(slot, slot) for slot in self.slots))
        return "".join(c for c in PLATE_CHARSET if c in used)

    @property
    def length(self) -> int:
        return len(self.slots)

    @property
    def special(self) -> str | None:
        """The special character of the kind (警, 使…), or None."""
        return next((c for c in self.slots if c in SPECIALS), None)

    @property
    def special_index(self) -> int | None:
        return None if self.special is None else self.slots.index(self.special)

    @property
    def dark_on_light(self) -> bool:
        """Characters darker than the plate (yellow, white, green plates), as a binarizer must know."""
        return sum(self.ink) < sum(self.background[0]) + sum(self.background[1]) - sum(self.ink)

    def char_colours(self, text: str) -> tuple[BGR, ...]:
        """The colour of each character of `text` (a text this kind accepts)."""
        return tuple(
            self.special_colour if self.special_colour and i == self.special_index else self.ink
            for i in range(len(text))
        )


KINDS = MappingProxyType(
    {
        k.name: k
        for k in (
            PlateKind("blue", "small car", BLUE, "PLSSSSS", (BLUE_PAINT, BLUE_PAINT), WHITE, WHITE),
            PlateKind("yellow", "large vehicle, front", BLUE, "PLSSSSS", (YELLOW_PAINT,) * 2, BLACK, BLACK),
            PlateKind(
                "coach", "driving-school car (学)", BLUE, "PLSSSS学", (YELLOW_PAINT,) * 2, BLACK, BLACK
            ),
            PlateKind(
                "police", "police car (警 in red)", POLICE, "PLSSSS警", (WHITE, WHITE), BLACK, BLACK, RED
            ),
            PlateKind(
                "embassy", "embassy car (使 in red)", EMBASSY, "使DDDDDD", (BLACK, BLACK), WHITE, WHITE, RED
            ),
            PlateKind(
                "consulate", "consulate car (领 in red)", BLUE, "PLSSSS领", (BLACK, BLACK), WHITE, WHITE, RED
            ),
            PlateKind(
                "hk", "Hong Kong car entering the mainland", BLUE, "粤ZSSSS港", (BLACK, BLACK), WHITE, WHITE
            ),
            PlateKind(
                "macau", "Macau car entering the mainland", BLUE, "粤ZSSSS澳", (BLACK, BLACK), WHITE, WHITE
            ),
            PlateKind(
                "green",
                "small new-energy car",
                GREEN,
                "PLEXDDDD",
                (PALE_GREEN, GREEN_PAINT),
                BLACK,
                BLACK,
                shading="gradient",
            ),
            PlateKind(
                "green-large",
                "large new-energy vehicle",
                GREEN,
                "PLDDDDDE",
                (YELLOW_PAINT, GREEN_PAINT),
                BLACK,
                BLACK,
                shading="split",
            ),
            PlateKind(
                "yellow-rear",
                "large vehicle, rear (two rows)",
                TWO_ROW,
                "PLSSSSS",
                (YELLOW_PAINT,) * 2,
                BLACK,
                BLACK,
            ),
            PlateKind(
                "trailer",
                "trailer (挂, two rows)",
                TWO_ROW,
                "PLSSSS挂",
                (YELLOW_PAINT,) * 2,
                BLACK,
                BLACK,
            ),
        )
    }
)

# The layout of each kind, by the name `plategen crop` gives it (`PlateName.plate_type`: the kind and
# its length, "blue7", "green8", "police7"…): the alignment templates, the line the model reads.
STANDARDS = MappingProxyType({f"{k.name}{k.length}": k.line for k in KINDS.values()})
LAYOUT_KINDS = MappingProxyType({f"{k.name}{k.length}": k for k in KINDS.values()})

# The default `synth` mix. Road shares first: blue dominates; yellow is about one plate in six in
# traffic (the real sets); new-energy plates were about 1 in 10 of new registrations in
# 2023-24. The rare kinds (coach, police, embassy, consulate, Hong Kong, Macau: well under 1 % of
# traffic each) are floored at 2.5-4 %, so a reader sees each of their special characters a few
# hundred times in 12,000 photos instead of never.
DEFAULT_MIX = MappingProxyType(
    {
        "blue": 0.44,
        "yellow": 0.15,
        "green": 0.12,
        "green-large": 0.04,
        "coach": 0.04,
        "police": 0.04,
        "embassy": 0.03,
        "consulate": 0.03,
        "hk": 0.025,
        "macau": 0.025,
        "yellow-rear": 0.04,
        "trailer": 0.02,
    }
)


class GrammarError(PlategenError, ValueError):
    """A text no kind accepts, or an unknown kind; the message names the text and why."""


class KindError(GrammarError):
    """A sample's kind that names no kind of the grammar; the message names the file and the kind."""


def kind(name: str) -> PlateKind:
    """The kind called `name`. Raises GrammarError listing the known names."""
    try:
        return KINDS[name]
    except KeyError:
        raise GrammarError(f"kind {name!r}: unknown; known kinds: {', '.join(KINDS)}") from None


def layout_kind(name: str) -> PlateKind | None:
    """The plate kind a layout name stands for: a plate type from `plategen crop` ("police7") or a bare
    kind name ("police", from `--layout-key kind`); None for any other name ("len7", a manifest's own).
    The one reading of layout names: a sample's comes through `sample_kind`, an alignment's layouts'
    (align's templates, render-labels' twins) straight from here."""
    return LAYOUT_KINDS.get(name) or KINDS.get(name)


def unknown_kind(value: object, where: str = "", error: type[Exception] = KindError) -> Exception:
    """The one message for a kind that names no kind of the grammar, naming `where` (the file, and the
    field where that is not plain) and the value, and listing the known kinds."""
    what = f"kind {value!r} is not a plate kind; known kinds: {', '.join(KINDS)}"
    return error(f"{where}: {what}" if where else what)


def sample_kind(fields: Mapping, layout: str | None, where: object, check: bool = True) -> PlateKind | None:
    """A sample's kind (`Sample.kind`), the one rule every reader and shard loader applies: its
    `kind` field when it has one, else the kind its layout name stands for (`layout_kind`; None for
    shards, whose `layout` is the alignment's, not the sample's), else None.

    Raises KindError naming `where` (the sample's file) and the value for a kind field that names no
    kind; with `check` False (`plategen validate`, which reports it) that sample's kind is None."""
    value = fields.get("kind")
    if value in (None, ""):
        return layout_kind(layout) if layout is not None else None
    if isinstance(value, str) and value in KINDS:
        return KINDS[value]
    if check:
        raise unknown_kind(value, str(where))
    return None


def _serial_error(serial: str, four: bool) -> str | None:
    for c in serial:
        if c not in LETTERS and c not in DIGITS:
            return f"serial {serial!r}: {c!r} is neither a digit nor a plate letter (I and O are never used)"
    letters = frozenset(i for i, c in enumerate(serial) if c in LETTERS)
    allowed = [p for p, four_ok in SERIAL_PATTERNS if four_ok or not four]
    if letters not in allowed:
        where = sorted(i + 1 for i in letters)
        return f"serial {serial!r}: letters at positions {where} follow no pattern of GA 36 Table 3"
    return None


def why_not(text: str, plate_kind: PlateKind, rules: bool = True) -> str | None:
    """None if `plate_kind` accepts `text`, else the first reason it does not.

    `rules=False` checks only what each character is (a province first, a letter or digit in the
    serial, a special character only where the kind has it), not the issuing rules a real plate may
    break: Appendix A's letters per province and Table 3's serial patterns."""
    if len(text) != plate_kind.length:
        return f"{plate_kind.name} plates have {plate_kind.length} characters, not {len(text)}"
    serial = "".join(c for c, s in zip(text, plate_kind.slots) if s == "S")
    for i, (c, slot) in enumerate(zip(text, plate_kind.slots)):
        ok = {
            "P": c in ISSUING_LETTERS,
            "L": i > 0 and c in (ISSUING_LETTERS.get(text[i - 1], "") if rules else LETTERS),
            "S": c in LETTERS or c in DIGITS,
            "D": c in DIGITS,
            "E": c in "DF",
            "X": c in LETTERS or c in DIGITS,
        }.get(slot, c == slot)
        if not ok:
            want = {
                "P": "a province",
                "L": f"an issuing letter of {text[i - 1]}" if rules else "a letter",
                "S": "a serial letter or digit",
                "D": "a digit",
                "E": "D or F",
                "X": "a letter or digit",
            }.get(slot, repr(slot))
            return f"{plate_kind.name}: character {i + 1} is {c!r}, expected {want}"
    if serial and rules:
        reason = _serial_error(serial, four=len(serial) == 4)
        if reason:
            return f"{plate_kind.name}: {reason}"
    return None


def accepting_kinds(text: str, rules: bool = True) -> tuple[str, ...]:
    """Every kind whose grammar accepts `text`, in `KINDS` order (blue and yellow share one);
    `rules=False`: by the characters alone (`why_not`)."""
    return tuple(name for name, k in KINDS.items() if why_not(text, k, rules) is None)


def accepts(text: str) -> bool:
    return bool(accepting_kinds(text))


def implied_kind(text: str) -> str | None:
    """The kind a text implies, or None when no kind accepts it. Only colour tells a yellow plate
    from a blue one (their texts share one grammar): such texts give the commoner, blue."""
    kinds = accepting_kinds(text)
    return kinds[0] if kinds else None


def check_text(text: str, kinds: Iterable[str] | None = None) -> str:
    """The kind of `text` (among `kinds`, default all). Raises GrammarError saying why none accepts it."""
    names = tuple(kinds) if kinds is not None else tuple(KINDS)
    for name in names:
        if why_not(text, kind(name)) is None:
            return name
    same = [n for n in names if KINDS[n].length == len(text)]
    if not same:
        lengths = sorted({KINDS[n].length for n in names})
        reasons = f"{len(text)} characters; plates have {' or '.join(map(str, lengths))}"
    else:  # one reason per distinct cause (blue and yellow share theirs), kind names dropped
        causes = dict.fromkeys((why_not(text, kind(n)) or "").split(": ", 1)[-1] for n in same)
        reasons = "; ".join(causes)
    raise GrammarError(f"text {text!r}: no plate kind accepts it ({reasons})")


@dataclass(frozen=True)
class TextPrior:
    """How `random_text` picks provinces and issuing letters.

    Provinces: `home_fraction` of plates come from `home` (when set); the rest follow
    `uniform_share` × uniform + (1 - `uniform_share`) × the fleet shares. The default is half and
    half: a reader must see every province's glyph often, and a purely realistic prior shows 藏 once
    in 300 plates. Issuing letters: the capital's A takes `capital_share`, the others fall off
    geometrically (larger cities first, as Appendix A lists them).
    """

    home: str | None = None
    home_fraction: float = 0.0
    uniform_share: float = 0.5
    capital_share: float = 0.3

    def __post_init__(self) -> None:
        if self.home is not None and self.home not in ISSUING_LETTERS:
            raise ConfigError(f"home province: {self.home!r} is not one of {PROVINCES}")
        for name in ("home_fraction", "uniform_share", "capital_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"TextPrior.{name}: {getattr(self, name)!r} must be in [0, 1]")

    def province_weights(self) -> np.ndarray:
        fleet = np.array([FLEET_SHARE[p] for p in PROVINCES], np.float64)
        w = self.uniform_share / len(PROVINCES) + (1 - self.uniform_share) * fleet / fleet.sum()
        if self.home is not None:
            w *= 1 - self.home_fraction
            w[PROVINCES.index(self.home)] += self.home_fraction
        return w / w.sum()


def _letter(rng: np.random.Generator, letters: str, capital_share: float) -> str:
    if len(letters) == 1 or rng.random() < capital_share:
        return letters[0]
    rest = letters[1:]
    w = 0.85 ** np.arange(len(rest))
    return rest[rng.choice(len(rest), p=w / w.sum())]


def random_serial(rng: np.random.Generator, positions: int) -> str:
    """A serial of 4 or 5 positions following a Table 3 pattern drawn with its road share."""
    patterns = [(p, w) for (p, four), w in zip(SERIAL_PATTERNS, _PATTERN_WEIGHTS) if four or positions == 5]
    w = np.array([w for _, w in patterns], np.float64)
    letters, _ = patterns[rng.choice(len(patterns), p=w / w.sum())]
    return "".join(
        LETTERS[rng.integers(len(LETTERS))] if i in letters else DIGITS[rng.integers(10)]
        for i in range(positions)
    )


def random_text(rng: np.random.Generator, name: str, prior: TextPrior = TextPrior()) -> str:
    """A text of kind `name` under `prior`; `why_not(random_text(...), kind(name))` is None."""
    plate_kind = kind(name)
    serial = iter(random_serial(rng, plate_kind.slots.count("S")))
    out: list[str] = []
    for slot in plate_kind.slots:
        if slot == "P":
            out.append(PROVINCES[rng.choice(len(PROVINCES), p=prior.province_weights())])
        elif slot == "L":
            out.append(_letter(rng, ISSUING_LETTERS.get(out[-1], LETTERS), prior.capital_share))
        elif slot == "S":
            out.append(next(serial))
        elif slot == "D":
            out.append(DIGITS[rng.integers(10)])
        elif slot == "E":
            out.append("DF"[int(rng.random() < 0.3)])  # most new-energy cars are pure electric
        elif slot == "X":
            pool = LETTERS if rng.random() < 0.4 else DIGITS
            out.append(pool[rng.integers(len(pool))])
        else:
            out.append(slot)
    return "".join(out)


def parse_mix(spec: str | Iterable[str]) -> dict[str, float]:
    """`KIND[:WEIGHT],…` (or a list of such items) → {kind: share}, shares summing to 1, in the order
    given (the order places each kind's share in `synth`'s sequence).

    Raises ConfigError for an unknown kind, a kind named twice, an empty weight (`blue:`), or a weight
    that is not a finite number > 0."""
    items = [spec] if isinstance(spec, str) else list(spec)
    parts = [p.strip() for item in items for p in item.split(",") if p.strip()]
    if not parts:
        raise ConfigError("kinds: empty; give KIND[:WEIGHT],… with kinds from " + ", ".join(KINDS))
    mix: dict[str, float] = {}
    given: dict[str, str] = {}  # each kind's item as written, for messages
    for part in parts:
        name, colon, raw = (s.strip() for s in part.partition(":"))
        if name not in KINDS:
            raise ConfigError(f"kinds: {part!r}: unknown kind {name!r}; known kinds: {', '.join(KINDS)}")
        if name in mix:  # summing would hide a typo (blue,police,blue meant yellow?)
            raise ConfigError(f"kinds: {part!r}: kind {name!r} is named twice; give each kind once")
        if colon and not raw:
            raise ConfigError(f"kinds: {part!r}: empty weight; give {name}:WEIGHT, or {name} for 1")
        try:
            weight = float(raw) if colon else 1.0
        except ValueError:
            raise ConfigError(f"kinds: {part!r}: weight {raw!r} is not a number") from None
        if not 0 < weight < float("inf"):  # nan fails both comparisons
            raise ConfigError(f"kinds: {part!r}: weight {raw} must be a finite number > 0")
        mix[name] = weight
        given[name] = part
    return _shares(mix, given)


def _shares(weights: dict[str, float], given: dict[str, str]) -> dict[str, float]:
    """Weights scaled to sum to 1. Where their sum overflows (two weights of 1e308 make inf, and every
    share 0) they are first divided by the largest. A share that underflows to 0 (a weight below
    1e-308 of the largest) would silently drop its kind: refused, naming the item as given."""
    total = sum(weights.values())
    if total == float("inf"):
        top = max(weights.values())
        weights = {k: w / top for k, w in weights.items()}
        total = sum(weights.values())
    shares = {k: w / total for k, w in weights.items()}
    for name, share in shares.items():
        if share == 0.0:
            raise ConfigError(
                f"kinds: {given[name]!r}: weight too small next to the others; its share rounds to 0"
            )
    return shares


def format_mix(mix: dict[str, float]) -> str:
    return ",".join(f"{k}:{v:g}" for k, v in mix.items())


__all__ = [
    "LETTERS",
    "DIGITS",
    "PROVINCES",
    "ISSUING_LETTERS",
    "FLEET_SHARE",
    "SPECIALS",
    "PLATE_CHARSET",
    "SERIAL_PATTERNS",
    "PlateKind",
    "KINDS",
    "STANDARDS",
    "LAYOUT_KINDS",
    "DEFAULT_MIX",
    "GrammarError",
    "KindError",
    "TextPrior",
    "kind",
    "layout_kind",
    "sample_kind",
    "unknown_kind",
    "why_not",
    "accepting_kinds",
    "accepts",
    "implied_kind",
    "check_text",
    "random_serial",
    "random_text",
    "parse_mix",
    "format_mix",
]
