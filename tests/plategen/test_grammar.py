"""The GA 36 plate grammar against the standard: rows add up, Table 3's patterns, Appendix A's letters,
the special characters, and random texts that every kind accepts."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plategen.errors import ConfigError
from plategen.plates import grammar
from plategen.plates.geometry import BLUE, EMBASSY, GREEN, POLICE, TWO_ROW
from plategen.plates.grammar import KINDS, GrammarError

# GA 36-2014 Table 3, transcribed: letter positions (1-based) and whether 4-position serials use it.
TABLE_3 = [
    ((), True),
    ((1,), True),
    ((1, 2), True),
    ((2,), True),
    ((3,), True),
    ((4,), True),
    ((5,), False),
    ((1, 5), False),
    ((4, 5), False),
    ((1, 3), True),
    ((2, 3), True),
    ((1, 4), True),
    ((2, 4), True),
    ((2, 5), False),
    ((3, 4), True),
    ((3, 5), False),
]


def serial(letters: tuple[int, ...], n: int) -> str:
    return "".join("K" if i + 1 in letters else str(i + 3) for i in range(n))


@pytest.mark.parametrize("geometry, separator_after", [(BLUE, 2), (POLICE, 1), (EMBASSY, 4), (GREEN, 2)])
def test_every_row_adds_up_to_its_outline(geometry, separator_after: int) -> None:
    assert geometry.total() == geometry.width
    assert geometry.char_x[-1] + geometry.char_size[0] + geometry.margin == geometry.width
    # Figures 1-3: the separator's 34 mm gap (51 on the new-energy plate) follows that character
    assert max(geometry.gaps) == geometry.gaps[separator_after - 1] in (34, 51)


def test_the_two_row_layout_is_figure_5() -> None:
    top, bottom = TWO_ROW.top, TWO_ROW.bottom
    assert (TWO_ROW.width, TWO_ROW.height) == (440, 220)
    assert top.total() == bottom.total() == 440  # 110 + 80 + 25 + 10 + 25 + 80 + 110; 27.5 + 5×65 + 4×15
    assert top.char_size == (80, 60) and bottom.char_size == (65, 110)
    assert TWO_ROW.dot == (220, 45)  # the dot between the province and the letter, mid top row
    # the cut lies in the 15 mm between the rows
    assert TWO_ROW.row_tops[0] + 60 < TWO_ROW.cut < TWO_ROW.row_tops[1]
    assert [round(b[0], 1) for b in TWO_ROW.boxes()] == [110, 250, 27.5, 107.5, 187.5, 267.5, 347.5]
    # the line a reader sees: seven glyphs left to right, the top row's two first, inside the line
    line = TWO_ROW.line()
    xs = [x for x, *_ in line.boxes()]
    assert xs == sorted(xs) and xs[0] > 0 and xs[-1] + line.char_size[0] < line.width
    assert line.length == 7 and 0.5 < line.char_size[0] / line.char_size[1] < 0.65


def test_every_kind_is_in_table_1_with_its_size_colours_and_special_character() -> None:
    sizes = {k: (v.plate.width, v.plate.height) for k, v in KINDS.items()}
    outline = {
        "green": (480, 140),
        "green-large": (480, 140),
        "yellow-rear": (440, 220),
        "trailer": (440, 220),
    }
    assert sizes == {k: outline.get(k, (440, 140)) for k in KINDS}
    assert {k for k, v in KINDS.items() if v.rows == 2} == {"yellow-rear", "trailer"}
    specials = {k: v.special for k, v in KINDS.items()}
    assert specials == {
        "blue": None,
        "yellow": None,
        "coach": "学",
        "police": "警",
        "embassy": "使",
        "consulate": "领",
        "hk": "港",
        "macau": "澳",
        "green": None,
        "green-large": None,
        "yellow-rear": None,
        "trailer": "挂",
    }
    red = {k for k, v in KINDS.items() if v.special_colour is not None}
    assert red == {"police", "embassy", "consulate"}  # 港 and 澳 are white, 学 black (Table 1)
    assert KINDS["embassy"].special_index == 0 and KINDS["consulate"].special_index == 6
    dark = {k for k, v in KINDS.items() if v.dark_on_light}
    assert dark == {"yellow", "coach", "police", "green", "green-large", "yellow-rear", "trailer"}
    assert KINDS["police"].char_colours("京A1234警")[-1] == grammar.RED
    assert set(KINDS["police"].char_colours("京A1234警")[:-1]) == {grammar.BLACK}


@pytest.mark.parametrize("letters, four", TABLE_3)
def test_every_pattern_of_table_3_is_accepted_where_the_standard_allows_it(letters, four: bool) -> None:
    assert grammar.accepting_kinds("苏A" + serial(letters, 5)) == ("blue", "yellow", "yellow-rear")
    if four:  # the 4-position serials of the kinds whose last character is special
        assert grammar.accepting_kinds("苏A" + serial(letters, 4) + "学") == ("coach",)
        assert grammar.accepting_kinds("苏A" + serial(letters, 4) + "挂") == ("trailer",)
    else:  # the patterns a 4-position serial cannot use are exactly those with a 5th-position letter
        assert 5 in letters


@pytest.mark.parametrize("letters", [(1, 2, 3), (1, 3, 5), (2, 3, 4, 5), (1, 2, 3, 4, 5)])
def test_a_third_serial_letter_is_refused(letters) -> None:
    text = "苏A" + serial(letters, 5)
    assert not grammar.accepts(text)
    assert "Table 3" in grammar.why_not(text, KINDS["blue"])
    with pytest.raises(GrammarError, match=f"{text}.*no plate kind accepts it"):
        grammar.check_text(text)


def test_issuing_letters_follow_appendix_a() -> None:
    assert grammar.ISSUING_LETTERS["冀"] == "ABCDEFGHJRT"  # Hebei: no K-Q, S
    assert grammar.accepts("冀R12345") and not grammar.accepts("冀K12345")
    assert grammar.accepts("琼E12345") and not grammar.accepts("琼F12345")
    assert grammar.accepts("京Y12345")  # the municipalities run A to Z
    assert len(grammar.PROVINCES) == 31 and "I" not in grammar.LETTERS and "O" not in grammar.LETTERS
    assert all(set(v) <= set(grammar.LETTERS) for v in grammar.ISSUING_LETTERS.values())


def test_special_kinds_and_new_energy_texts() -> None:
    assert grammar.accepting_kinds("京A1234警") == ("police",)
    assert grammar.accepting_kinds("使014578") == ("embassy",)
    assert grammar.accepting_kinds("沪A1234领") == ("consulate",)
    assert grammar.accepting_kinds("粤Z1234港") == ("hk",)
    assert grammar.accepting_kinds("粤Z12A4澳") == ("macau",)
    assert not grammar.accepts("粤B1234港")  # Hong Kong plates are issued by 粤Z only
    assert grammar.accepting_kinds("皖AD12345") == ("green",)
    assert grammar.accepting_kinds("皖A12345F") == ("green-large",)
    assert not grammar.accepts("皖AX12345")  # the new-energy letter is D or F
    assert not grammar.accepts("使01457A")
    assert grammar.implied_kind("冀") is None and grammar.implied_kind("") is None
    assert grammar.implied_kind("皖A12345") == "blue"


def test_the_charset_covers_every_kind() -> None:
    charset = grammar.PLATE_CHARSET
    assert len(charset) == len(set(charset)) == 31 + 24 + 10 + 7
    assert set("警学港澳使领挂") <= set(charset)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), name=st.sampled_from(list(KINDS)))
def test_random_texts_are_accepted_by_their_kind(seed: int, name: str) -> None:
    text = grammar.random_text(np.random.default_rng(seed), name)
    assert grammar.why_not(text, KINDS[name]) is None, text
    assert name in grammar.accepting_kinds(text)


def test_the_prior_reaches_every_province_and_follows_the_home_setting() -> None:
    rng = np.random.default_rng(0)
    texts = [grammar.random_text(rng, "blue") for _ in range(3000)]
    firsts = {t[0] for t in texts}
    assert firsts == set(grammar.PROVINCES)
    home = grammar.TextPrior(home="苏", home_fraction=0.9)
    texts = [grammar.random_text(rng, "blue", home) for _ in range(1000)]
    assert 0.85 < sum(t[0] == "苏" for t in texts) / 1000 < 0.95
    # the serials' letters: never more than two, and both 4- and 5-position serials are varied
    assert max(sum(c in grammar.LETTERS for c in t[2:]) for t in texts) == 2


def test_the_kinds_mix_parses_and_refuses_bad_items() -> None:
    assert grammar.parse_mix("blue:3,police") == {"blue": 0.75, "police": 0.25}
    assert grammar.parse_mix(["blue:2", "police"]) == {"blue": 2 / 3, "police": 1 / 3}
    assert list(grammar.parse_mix("police,blue")) == ["police", "blue"]  # the order places the shares
    assert sum(grammar.DEFAULT_MIX.values()) == pytest.approx(1.0)
    assert set(grammar.DEFAULT_MIX) == set(KINDS)
    for bad, match in [
        ("purple", "unknown kind 'purple'"),
        ("blue:0", "weight 0 must be"),
        ("blue:-1", "weight -1 must be"),
        ("blue:nan", "weight nan must be"),
        ("blue:x", "weight 'x' is not a number"),
        ("", "empty"),
        ("blue:inf", "weight inf must be"),
        ("blue,police,blue", "'blue': kind 'blue' is named twice; give each kind once"),
        (["blue", "blue:2"], "'blue:2': kind 'blue' is named twice"),
        ("blue:,police", "'blue:': empty weight; give blue:WEIGHT, or blue for 1"),
        ("blue:1e-320,police:1e300", "'blue:1e-320': weight too small next to the others; its share rounds"),
    ]:
        with pytest.raises(ConfigError, match=re.escape(match)):
            grammar.parse_mix(bad)


@pytest.mark.parametrize(
    "spec, shares",
    [
        ("blue:1e308,police:1e308", {"blue": 0.5, "police": 0.5}),  # the sum overflows to inf
        ("blue:1.7e308,police:1.7e308,green:1.7e308", {"blue": 1 / 3, "police": 1 / 3, "green": 1 / 3}),
        ("blue:5e-324,police:5e-324", {"blue": 0.5, "police": 0.5}),  # the smallest float
        ("blue:3,police", {"blue": 0.75, "police": 0.25}),
    ],
)
def test_the_kinds_mix_normalises_any_finite_weights(spec: str, shares: dict) -> None:
    mix = grammar.parse_mix(spec)
    assert mix == pytest.approx(shares) and sum(mix.values()) == pytest.approx(1.0)


def test_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(GrammarError, match="unknown; known kinds: blue, yellow"):
        grammar.kind("purple")


def test_the_kind_command_names_the_kinds_or_says_why_none(tmp_path) -> None:
    from click.testing import CliRunner

    from cli.plategen import plategen

    ok = CliRunner().invoke(plategen, ["kind", "京A1234警", "皖A12345", "--json"])
    assert ok.exit_code == 0, ok.output
    assert ok.output.splitlines() == [
        '{"text": "京A1234警", "kinds": ["police"]}',
        '{"text": "皖A12345", "kinds": ["blue", "yellow", "yellow-rear"]}',
    ]
    bad = CliRunner().invoke(plategen, ["kind", "皖A12KKK"])
    assert bad.exit_code == 1 and len(bad.output.splitlines()) == 1
    assert bad.output.startswith("Error: text '皖A12KKK': no plate kind accepts it (")
    assert "letters at positions [3, 4, 5] follow no pattern of GA 36 Table 3" in bad.output
    short = CliRunner().invoke(plategen, ["kind", "皖A1"])
    assert short.exit_code == 1 and "3 characters; plates have 7 or 8" in short.output
