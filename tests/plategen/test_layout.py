from __future__ import annotations

import json

import pytest

from plategen.align.layout import Alignment
from plategen.errors import AlignmentError

GOOD = {
    "version": 1,
    "layouts": {
        "blue7": {
            "width": 94,
            "height": 24,
            "top": 3,
            "bottom": 21,
            "chars": [[3, 13], [15, 25], [31, 41], [43, 53], [55, 65], [67, 77], [79, 89]],
            "source": "measured",
            "count": 20,
            "thresholds": {"otsu": 0.4},
            "scales": [0.8] + [1] * 6,
            "polarity": "light",
        }
    },
}


def test_round_trip_keeps_extra_keys(tmp_path) -> None:
    path = tmp_path / "alignment.json"
    Alignment.from_dict(GOOD).save(path)
    loaded = Alignment.load(path)
    assert loaded.to_dict() == GOOD
    layout = loaded["blue7"]
    assert layout.length == 7 and layout.scale(0) == 0.8 and layout.scale(3) == 1
    assert layout.boxes()[2] == (31, 3, 41, 21)


def _with(**changes) -> dict:
    d = json.loads(json.dumps(GOOD))
    d["layouts"]["blue7"].update(changes)
    return d


@pytest.mark.parametrize(
    "doc, key",
    [
        ({"layouts": {}}, "key 'version'"),
        ({"version": 1, "layouts": []}, "key 'layouts'"),
        (_with(width="94"), "layouts.blue7: key 'width'"),
        (_with(top=22, bottom=20), "keys 'top'/'bottom'"),
        (_with(chars=[[3, 130]]), "key 'chars'"),
        (_with(source="guessed"), "key 'source'"),
        (_with(scales=[1, 1]), "key 'scales'"),
        ([1, 2], "top level is not a JSON object"),
    ],
)
def test_bad_alignment_names_the_key(doc, key: str) -> None:
    with pytest.raises(AlignmentError, match=key):
        Alignment.from_dict(doc, "a.json")


def test_corrupt_file(tmp_path) -> None:
    path = tmp_path / "alignment.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(AlignmentError, match="alignment.json: not valid JSON"):
        Alignment.load(path)
    with pytest.raises(AlignmentError, match="alignment file not found"):
        Alignment.load(tmp_path / "none.json")
