"""The paper's TP/TN1/TN2, accuracy and LCR; per-character P/R/F1; subsets; confusions; kinds."""

from __future__ import annotations

import pytest

from lprtrain.metrics import GAP, UNKNOWN_KIND, align_texts, compute, outcome


@pytest.mark.parametrize(
    "pred, true, kind",
    [
        ("皖A12345", "皖A12345", "tp"),
        ("皖A12346", "皖A12345", "tn2"),
        ("皖B12346", "皖A12345", "tn2"),
        ("皖A1234", "皖A12345", "tn1"),
        ("皖A123455", "皖A12345", "tn1"),
        ("", "皖A12345", "tn1"),
    ],
)
def test_outcome(pred, true, kind):
    assert outcome(pred, true) == kind


def test_accuracy_and_lcr_follow_the_paper():
    true = ["A1", "A1", "A1", "A1", "B2"]
    pred = ["A1", "A1", "A7", "A", "B22"]  # TP 2, TN2 1, TN1 2
    m = compute(pred, true).to_dict()
    assert (m["total"], m["correct"], m["tn1"], m["tn2"]) == (5, 2, 2, 1)
    assert m["accuracy"] == pytest.approx(2 / 5)
    assert m["lcr"] == pytest.approx((1 + 2) / 5)


@pytest.mark.parametrize(
    "pred, true, pairs",
    [
        ("AB1", "AB2", [("A", "A"), ("B", "B"), ("2", "1")]),  # equal lengths: position-wise
        ("A12", "AB12", [("A", "A"), ("B", GAP), ("1", "1"), ("2", "2")]),  # a deletion
        ("AB112", "AB12", [("A", "A"), ("B", "B"), ("1", "1"), (GAP, "1"), ("2", "2")]),  # an insertion
        ("", "A1", [("A", GAP), ("1", GAP)]),
    ],
)
def test_align(pred, true, pairs):
    got = align_texts(pred, true)
    assert [(t, p) for t, p in got if GAP not in (t, p)] == [(t, p) for t, p in pairs if GAP not in (t, p)]
    assert len(got) == len(pairs) and sorted(got) == sorted(pairs)


def test_per_char_precision_recall_f1():
    # true: A1 A1 A2 ; pred: A1 B1 A1 -> A: hits 2, predicted 2, support 3
    #                                   1: hits 2, predicted 3, support 2 ; 2: hits 0, support 1
    m = compute(["A1", "B1", "A1"], ["A1", "A1", "A2"])
    per = m.per_char()
    assert per["A"]["precision"] == pytest.approx(1.0) and per["A"]["recall"] == pytest.approx(2 / 3)
    assert per["A"]["f1"] == pytest.approx(2 * 1 * (2 / 3) / (1 + 2 / 3))
    assert per["1"]["precision"] == pytest.approx(2 / 3) and per["1"]["recall"] == pytest.approx(1.0)
    assert per["2"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1, "predicted": 0}
    assert per["B"]["precision"] == 0.0 and per["B"]["support"] == 0
    groups = m.per_group()
    assert groups["digits"]["precision"] == pytest.approx(2 / 3)  # 1s: 2 of 3 predicted right
    assert groups["digits"]["recall"] == pytest.approx(2 / 3)  # 2 of 3 true digits read
    assert groups["letters"]["precision"] == pytest.approx(2 / 3) and groups["letters"][
        "recall"
    ] == pytest.approx(2 / 3)


def test_length_error_does_not_count_every_later_character_wrong():
    per = compute(["A23"], ["A123"]).per_char()
    assert per["2"]["recall"] == 1.0 and per["3"]["recall"] == 1.0 and per["1"]["recall"] == 0.0


def test_per_subset_rows_and_confusions():
    m = compute(
        ["A1", "A7", "A1", "A"], ["A1", "A1", "A1", "A1"], ["ccpd_blur", "ccpd_blur", "ccpd_db", "ccpd_db"]
    ).to_dict(top=5)
    assert m["per_subset"]["ccpd_blur"] == {
        "total": 2,
        "correct": 1,
        "accuracy": 0.5,
        "lcr": 1.0,
        "tn1": 0,
        "tn2": 1,
    }
    assert m["per_subset"]["ccpd_db"]["tn1"] == 1 and m["per_subset"]["ccpd_db"]["lcr"] == 0.5
    assert {(c["true"], c["pred"], c["count"]) for c in m["confusions"]} == {("1", "7", 1), ("1", GAP, 1)}


def test_no_subsets_gives_an_empty_table():
    assert compute(["A"], ["A"], [None]).to_dict()["per_subset"] == {}


def test_per_kind_rows_count_invalid_and_wrong_kind_readings():
    truth = ["皖A12345", "皖AD12345", "皖A12345", "京A1234警", "皖B12345", "皖A1234"]
    kinds = [None, None, None, None, "yellow", None]  # None: the kind the text implies
    preds = [
        "皖A12345",  # right
        "皖A12345",  # a green plate read as a valid blue text: wrong kind
        "皖A1234",  # no kind accepts it: invalid
        "京A1234警",  # right
        "皖B12345",  # right; yellow shares blue's grammar, so not a wrong kind
        "皖A12345",  # the true text is no plate text: its plate counts as unknown
    ]
    m = compute(preds, truth, kinds=kinds).to_dict()
    assert (m["invalid"], m["wrong_kind"]) == (1, 1)
    rows = {k: (r["total"], r["correct"], r["invalid"], r["wrong_kind"]) for k, r in m["per_kind"].items()}
    assert rows == {
        "blue": (2, 1, 1, 0),
        "green": (1, 0, 0, 1),
        "police": (1, 1, 0, 0),
        "yellow": (1, 1, 0, 0),
        UNKNOWN_KIND: (1, 0, 0, 0),
    }
    assert m["per_kind"]["blue"]["accuracy"] == 0.5 and m["per_kind"]["green"]["tn1"] == 1
