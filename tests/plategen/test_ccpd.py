from __future__ import annotations

import json
from dataclasses import replace
from pathlib import PurePosixPath

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.plategen import plategen
from plategen.data.ccpd import (
    ADS,
    ALPHABETS,
    PROVINCES,
    PlateName,
    encode_text,
    format_name,
    parse_name,
    plate_dict,
    subset_of,
)
from plategen.errors import FilenameError
from plategen.plates.grammar import KINDS, random_text

NAME = "025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg"
GREEN = "02625-94_253-242&460_494&565-494&565_256&530_242&460_485&480-0_0_3_24_24_29_25_32-76-47.jpg"


def test_decodes_every_field_by_hand() -> None:
    p = parse_name("ccpd_base/" + NAME)
    assert p.area == "025" and p.area_ratio == pytest.approx(0.025)
    assert p.tilt == (95, 113)
    assert p.bbox == ((154, 383), (386, 473))
    assert p.corners == {
        "bottom_right": (386, 473),
        "bottom_left": (177, 454),
        "top_left": (154, 383),
        "top_right": (363, 402),
    }
    assert p.indices == (0, 0, 22, 27, 27, 33, 16)
    assert p.text == "皖AY339S"  # 皖, A, ads[22]=Y, ads[27]=3, 3, ads[33]=9, ads[16]=S
    assert (p.brightness, p.blurriness, p.plate_type) == (37, 15, "blue7")


def test_green_plate() -> None:
    p = parse_name(GREEN)
    assert p.plate_type == "green8"
    assert p.text == "皖AD00518"


def test_hand_decoded_real_names(ccpd_splits) -> None:
    lines = (ccpd_splits / "ccpd_blur.txt").read_text().split()
    p = parse_name(
        lines[0]
    )  # ccpd_blur/0359-5_21-151&285_417&398-417&398_179&377_151&285_389&306-0_0_4_33_32_25_12-59-4.jpg
    assert p.text == "皖AE981N"  # ads: A–Z without I, O (0–23), then 0–9 (24–33): 4=E 33=9 32=8 25=1 12=N
    assert p.vertices[0] == (417, 398) and p.vertices[2] == (151, 285)
    assert subset_of(lines[0]) == "ccpd_blur"
    q = parse_name(lines[1])  # ...-0_0_16_31_5_25_28-63-5.jpg
    assert q.text == "皖AS7F14"  # 16=S 31=7 5=F 25=1 28=4


def test_all_real_names_parse_and_round_trip(ccpd_splits) -> None:
    count = 0
    for split in sorted(ccpd_splits.glob("*.txt")):
        for line in split.read_text().split():
            p = parse_name(line)
            assert format_name(p) == line.rsplit("/", 1)[-1]
            assert p.plate_type == "blue7" and len(p.text) == 7
            # the text as CCPD's own tables spell it, whatever the extended format adds
            digits = [int(i) for i in line.rsplit("/", 1)[-1].split("-")[4].split("_")]
            tables = (PROVINCES, ALPHABETS) + (ADS,) * 5
            assert p.text == "".join(t[i] for t, i in zip(tables, digits) if t[i] != "O")
            assert p.kind == "blue" and p.kind_field is None
            count += 1
    assert count == 91_979


@pytest.mark.parametrize(
    "name, message",
    [
        ("ccpd_np/1005.jpg", "1005.jpg: not a CCPD annotation: 1 '-'-separated fields, expected 7"),
        (NAME.replace("-37-15", "-37"), "not a CCPD annotation: 6 '-'-separated fields"),
        (
            NAME.replace("0_0_22", "40_0_22"),
            "field 5 (plate indices): index 40 at position 0 out of range for provinces (34)",
        ),
        (NAME.replace("0_0_22", "0_25_22"), "index 25 at position 1 out of range for alphabets (25)"),
        (NAME.replace("_27_27_33_16", "_27_27_33_35"), "index 35 at position 6 out of range for ads (35)"),
        (NAME.replace("95_113", "95_x"), "field 2 (tilt): vertical 'x' is not a number"),
        (NAME.replace("154&383_386", "154&383&386"), "field 3 (bbox)"),
        (
            NAME.replace("386&473_177&454_", "386&473_"),
            "field 4 (vertices): '386&473_154&383_363&402' has 3 points",
        ),
        (NAME.replace("-37-", "-3a-"), "field 6 (brightness): value '3a' is not a number"),
        (NAME.replace("0_0_22_27_27_33_16", "0_0_22_27"), "has 4 indices, expected 7 or 8"),
        # texts no kind a CCPD name holds accepts: before, each was read as a blue plate
        (
            NAME.replace("0_0_22_27_27_33_16", "0_0_22_警_27_33_16"),
            "field 5 (plate indices): text '皖AY警39S' is not a plate a name without field 8 (kind) can "
            "hold (blue: character 4 is '警', expected a serial letter or digit)",
        ),
        (NAME.replace("0_0_22", "31_0_22"), "text '警AY339S' is not a plate a name without field 8"),
        ("", "'': not a CCPD annotation: no file name"),
        (NAME.replace("_33_16", "_33_34"), "(blue plates have 7 characters, not 6)"),  # CCPD's "no character"
        (GREEN.replace("0_0_3_24", "0_0_25_24"), "(green: character 3 is '1', expected D or F; green-large:"),
        (
            NAME.replace("_33_16", "_33_警"),
            "(blue: character 7 is '警', expected a serial letter or digit); a police plate's name ends in "
            "field 8 (-police)",
        ),
    ],
)
def test_bad_names_name_field_and_value(name: str, message: str) -> None:
    with pytest.raises(FilenameError) as err:
        parse_name(name)
    assert message in str(err.value)


@st.composite
def plate_names(draw) -> PlateName:
    """CCPD names whose texts fit a CCPD kind: a province (not 警 学 or "no character"), a letter,
    then letters or digits (blue), or the new-energy shapes: D or F third (green) or last (green-large)."""
    n = draw(st.sampled_from([7, 8]))
    coord = st.integers(0, 5000)
    pt = st.tuples(coord, coord)
    indices = (draw(st.integers(0, PROVINCES.index("警") - 1)), draw(st.integers(0, len(ALPHABETS) - 2)))
    any_ads, digit, energy = (
        st.integers(0, len(ADS) - 2),
        st.sampled_from(range(24, 34)),
        st.sampled_from((3, 5)),  # D, F
    )
    if n == 7:
        indices += tuple(draw(any_ads) for _ in range(5))
    elif draw(st.booleans()):
        indices += (draw(energy), draw(any_ads)) + tuple(draw(digit) for _ in range(4))
    else:
        indices += tuple(draw(digit) for _ in range(5)) + (draw(energy),)
    return PlateName(
        area=draw(st.from_regex(r"\A[0-9]{1,17}\Z")),
        tilt=(draw(st.integers(0, 360)), draw(st.integers(0, 360))),
        bbox=(draw(pt), draw(pt)),
        vertices=tuple(draw(pt) for _ in range(4)),
        indices=indices,
        brightness=draw(st.integers(0, 255)),
        blurriness=draw(st.integers(0, 999)),
    )


@given(plate_names())
def test_round_trip_property(p: PlateName) -> None:
    assert parse_name(format_name(p)) == p
    assert format_name(parse_name(format_name(p))) == format_name(p)


@given(
    st.sampled_from(PROVINCES[:-1]),
    st.sampled_from(ALPHABETS[:-1]),
    st.lists(st.sampled_from(ADS[:-1]), min_size=5, max_size=6),
)
def test_encode_text_inverts_text(province: str, letter: str, rest: list[str]) -> None:
    text = province + letter + "".join(rest)
    p = PlateName("01", (90, 90), ((0, 0), (1, 1)), ((1, 1), (0, 1), (0, 0), (1, 0)), encode_text(text), 0, 0)
    assert p.text == text


def test_parse_cli_prints_json_per_name(tmp_path) -> None:
    listing = tmp_path / "names.txt"
    listing.write_text(f"ccpd_weather/{NAME}\n{GREEN}\n", encoding="utf-8")
    result = CliRunner().invoke(plategen, ["parse", "--from-file", str(listing)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows[0]["subset"] == "ccpd_weather" and rows[0]["text"] == "皖AY339S"
    assert rows[0]["vertices"]["top_left"] == [154, 383] and rows[0]["tilt"] == {
        "horizontal": 95,
        "vertical": 113,
    }
    assert rows[1]["plate_type"] == "green8" and rows[1] == plate_dict(GREEN)


def test_real_names_with_issuing_letters_appendix_a_lacks_still_parse() -> None:
    """CCPD photos are ground truth: 280 names of ccpd-splits carry 皖Q…; only characters that no
    kind has at their place are refused."""
    q = NAME.replace("0_0_22", "0_14_22")  # 皖Q
    assert parse_name(q).text == "皖QY339S" and parse_name(q).kind == "blue"
    assert parse_name(NAME.replace("27_27_33_16", "1_2_3_4")).text == "皖AYBCDE"  # no Table 3 pattern


def test_parse_cli_names_a_text_no_kind_accepts() -> None:
    bad = NAME.replace("0_0_22_27_27_33_16", "0_0_22_警_27_33_16")
    result = CliRunner().invoke(plategen, ["parse", NAME, bad])
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == [
        f"Error: {bad}: field 5 (plate indices): text '皖AY警39S' is not a plate a name without field 8 "
        "(kind) can hold (blue: character 4 is '警', expected a serial letter or digit)"
    ]


def test_parse_cli_bad_name_is_one_error_line() -> None:
    result = CliRunner().invoke(plategen, ["parse", NAME.replace("0_0_22", "40_0_22")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {NAME.replace('0_0_22', '40_0_22')}: field 5 (plate indices): "
        "index 40 at position 0 out of range for provinces (34)"
    ]


@pytest.mark.parametrize(
    "path, subset",
    [
        ("ccpd_base/x.jpg", "ccpd_base"),
        ("data/ccpd_green/train/x.jpg", "ccpd_green"),
        ("ccpd_x/a/ccpd_y/x.jpg", "ccpd_y"),  # the nearest folder wins
        ("x.jpg", None),
        ("ccpd_base", None),  # a file's own name is not its folder
        ("data\\ccpd_blur\\x.jpg", "ccpd_blur"),
        (PurePosixPath("ccpd_db/x.jpg"), "ccpd_db"),
    ],
)
def test_subset_is_the_nearest_ccpd_folder(path, subset):
    assert subset_of(path) == subset


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(list(KINDS)))
def test_the_extended_format_spells_every_kind_and_round_trips(seed: int, kind: str) -> None:
    text = random_text(np.random.default_rng(seed), kind)
    default = {7: "blue", 8: "green"}[len(text)]
    p = PlateName("01", (90, 90), ((0, 0), (9, 9)), ((9, 9), (0, 9), (0, 0), (9, 0)), encode_text(text), 1, 2)
    p = replace(p, kind_field=None if kind == default else kind)
    name = format_name(p)
    q = parse_name(name)
    assert q == p and q.text == text and q.kind == kind and format_name(q) == name
    assert q.plate_type == f"{kind}{len(text)}" and q.to_dict()["kind"] == kind
    assert PlateName.from_dict(q.to_dict()) == q


def test_extended_names_spell_literals_once() -> None:
    police = NAME.replace("0_0_22_27_27_33_16", "0_0_22_27_27_33_警").replace("-37-15", "-37-15-police")
    assert parse_name(police).text == "皖AY339警" and parse_name(police).kind == "police"
    embassy = NAME.replace("0_0_22_27_27_33_16", "使_=0_26_27_28_29_30").replace("-37-15", "-37-15-embassy")
    assert parse_name(embassy).text == "使023456" and format_name(parse_name(embassy)) == embassy


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("-37-15", "-37-15-purple", "field 8: kind 'purple' is not a plate kind; known kinds: blue, "),
        ("-37-15", "-37-15-police", "field 8 (kind): 'police' does not fit the text '皖AY339S'"),
        ("-37-15", "-37-15-", "expected 7 or 8"),
        ("0_0_22", "皖_0_22", "literal '皖' at position 0 is index 0"),
        ("0_0_22", "0_0_字", "literal '字' at position 2 is not a plate character"),
        ("0_0_22", "0_0_=字", "index '=字' is not a number"),
        ("0_0_22", "0_0_=10", "index '=10' is not a number"),
    ],
)
def test_malformed_extended_names_name_field_and_value(old: str, new: str, message: str) -> None:
    with pytest.raises(FilenameError) as err:
        parse_name(NAME.replace(old, new))
    assert message in str(err.value)


def test_crop_skips_a_name_whose_text_no_kind_accepts_and_says_why(tmp_path) -> None:
    from plategen.crop.stage import crop_dataset

    image = np.full((500, 600, 3), 60, np.uint8)
    image[383:474, 154:387] = (200, 120, 30)
    data = cv2.imencode(".jpg", image)[1].tobytes()
    bad = NAME.replace("0_0_22_27_27_33_16", "0_0_22_警_27_33_16")
    for name in (NAME, bad):
        path = tmp_path / "root" / "ccpd_base" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    report = crop_dataset(tmp_path / "root", tmp_path / "crops", workers=1, progress=False)
    assert report.written == 1
    assert report.skipped == [
        (
            f"ccpd_base/{bad}",
            f"not a CCPD name: {bad}: field 5 (plate indices): text '皖AY警39S' is not a plate a name "
            "without field 8 (kind) can hold (blue: character 4 is '警', expected a serial letter or digit)",
        )
    ]
    rows = [json.loads(line) for line in (tmp_path / "crops" / "index.jsonl").read_text("utf-8").splitlines()]
    assert [row["text"] for row in rows] == ["皖AY339S"]
