"""Recognition metrics exactly as the paper defines them, plus per-character and per-subset tables.

    TP  = the whole plate is right
    TN1 = the predicted length is wrong
    TN2 = the length is right but some character is wrong
    accuracy = TP / all,  LCR (length-correct rate) = (TN2 + TP) / all

Per-character precision and recall (the paper's Table 4) need predicted and true characters paired:
position by position when the lengths match, otherwise along a minimum edit-distance alignment, so a
dropped character doesn't turn every later position into an error.

Per plate kind (GA 36, `plategen.plates.grammar`): each kind's accuracy, how many readings no kind
accepts (`invalid`: not a plate text at all) and how many are valid texts of another kind than the
plate's (`wrong_kind`, e.g. a green plate read with a character dropped, as a blue text). Pure
Python; no torch.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from plategen.plates.grammar import accepting_kinds, implied_kind

GAP = "∅"  # stands for "no character" in a confusion: (true "5", predicted GAP) is a deletion
DIGITS = frozenset("0123456789")
LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
UNKNOWN_KIND = "unknown"  # the per-kind row of plates whose true text no kind accepts


def outcome(pred: str, true: str) -> str:
    """'tp', 'tn1' (wrong length) or 'tn2' (right length, some character wrong)."""
    if len(pred) != len(true):
        return "tn1"
    return "tp" if pred == true else "tn2"


def align_texts(pred: str, true: str) -> list[tuple[str, str]]:
    """Pairs (true_char, pred_char); GAP marks an insertion or deletion.

    Equal lengths pair position-wise (a substitution-only reading, as the paper's TN2 implies);
    otherwise a Levenshtein alignment, preferring substitutions over gaps when costs tie.
    """
    if len(pred) == len(true):
        return list(zip(true, pred))
    n, m = len(true), len(pred)
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        cost[i][0] = i
    for j in range(m + 1):
        cost[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            sub = cost[i - 1][j - 1] + (true[i - 1] != pred[j - 1])
            cost[i][j] = min(sub, cost[i - 1][j] + 1, cost[i][j - 1] + 1)
    pairs, i, j = [], n, m
    while i > 0 or j > 0:
        if i > 0 and j > 0 and cost[i][j] == cost[i - 1][j - 1] + (true[i - 1] != pred[j - 1]):
            pairs.append((true[i - 1], pred[j - 1]))
            i, j = i - 1, j - 1
        elif i > 0 and cost[i][j] == cost[i - 1][j] + 1:
            pairs.append((true[i - 1], GAP))
            i -= 1
        else:
            pairs.append((GAP, pred[j - 1]))
            j -= 1
    return pairs[::-1]


@dataclass
class Counts:
    """Plate-level outcome counts; accuracy and LCR follow the paper."""

    total: int = 0
    tp: int = 0
    tn1: int = 0
    tn2: int = 0

    def add(self, kind: str) -> None:
        self.total += 1
        setattr(self, kind, getattr(self, kind) + 1)

    @property
    def accuracy(self) -> float:
        return self.tp / self.total if self.total else 0.0

    @property
    def lcr(self) -> float:
        return (self.tn2 + self.tp) / self.total if self.total else 0.0

    def to_dict(self) -> dict:
        return {
            "total": self.total,
            "correct": self.tp,
            "accuracy": self.accuracy,
            "lcr": self.lcr,
            "tn1": self.tn1,
            "tn2": self.tn2,
        }


@dataclass
class KindCounts(Counts):
    """Outcome counts of one kind's plates, plus the readings that are no plate text (`invalid`) and
    those that are a valid text of another kind (`wrong_kind`)."""

    invalid: int = 0
    wrong_kind: int = 0

    def to_dict(self) -> dict:
        return {**super().to_dict(), "invalid": self.invalid, "wrong_kind": self.wrong_kind}


def prf(hits: int, predicted: int, support: int) -> dict:
    """Precision, recall and F1 from matched, predicted and true counts (0 where undefined)."""
    p = hits / predicted if predicted else 0.0
    r = hits / support if support else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1, "support": support, "predicted": predicted}


def char_group(c: str) -> str:
    if c in DIGITS:
        return "digits"
    return "letters" if c in LETTERS else "other"


@dataclass
class Metrics:
    """Accumulates predictions; `to_dict()` gives the JSON report body."""

    counts: Counts = field(default_factory=Counts)
    subsets: dict[str, Counts] = field(default_factory=dict)
    hits: Counter = field(default_factory=Counter)  # char → correctly read occurrences
    predicted: Counter = field(default_factory=Counter)  # char → times predicted
    support: Counter = field(default_factory=Counter)  # char → true occurrences
    confusions: Counter = field(default_factory=Counter)  # (true, pred) → count, GAP for none
    kinds: dict[str, KindCounts] = field(default_factory=dict)  # plate kind → its plates' counts
    invalid: int = 0  # readings no plate kind accepts
    wrong_kind: int = 0  # valid readings that the plate's own kind does not accept

    def add(self, pred: str, true: str, subset: str | None = None, plate_kind: str | None = None) -> str:
        """Count one reading `pred` of the plate `true`, of kind `plate_kind` (None: the kind `true`
        implies). Returns the outcome: tp, tn1 or tn2."""
        kind = outcome(pred, true)
        self.counts.add(kind)
        if subset:
            self.subsets.setdefault(subset, Counts()).add(kind)
        self._add_kind(pred, plate_kind or implied_kind(true), kind)
        self.support.update(true)
        self.predicted.update(pred)
        for t, p in align_texts(pred, true):
            if t == p:
                self.hits[t] += 1
            else:
                self.confusions[(t, p)] += 1
        return kind

    def _add_kind(self, pred: str, plate_kind: str | None, kind: str) -> None:
        row = self.kinds.setdefault(plate_kind or UNKNOWN_KIND, KindCounts())
        row.add(kind)
        read_as = accepting_kinds(pred)
        if not read_as:
            row.invalid += 1
            self.invalid += 1
        elif plate_kind is not None and plate_kind not in read_as:
            row.wrong_kind += 1
            self.wrong_kind += 1

    def per_char(self) -> dict[str, dict]:
        chars = sorted(set(self.support) | set(self.predicted))
        return {c: prf(self.hits[c], self.predicted[c], self.support[c]) for c in chars}

    def per_group(self) -> dict[str, dict]:
        """Micro-averaged P/R/F1 over digits, letters, other (provinces) and all characters."""
        groups: dict[str, list[int]] = {}
        for c in set(self.support) | set(self.predicted):
            for g in (char_group(c), "all"):
                acc = groups.setdefault(g, [0, 0, 0])
                acc[0] += self.hits[c]
                acc[1] += self.predicted[c]
                acc[2] += self.support[c]
        order = ("digits", "letters", "other", "all")
        return {g: prf(*groups[g]) for g in order if g in groups}

    def top_confusions(self, n: int = 10) -> list[dict]:
        return [{"true": t, "pred": p, "count": k} for (t, p), k in self.confusions.most_common(n)]

    def to_dict(self, top: int = 10) -> dict:
        return {
            **self.counts.to_dict(),
            "invalid": self.invalid,
            "wrong_kind": self.wrong_kind,
            "per_kind": {k: c.to_dict() for k, c in sorted(self.kinds.items())},
            "per_char": self.per_char(),
            "per_group": self.per_group(),
            "per_subset": {s: c.to_dict() for s, c in sorted(self.subsets.items())},
            "confusions": self.top_confusions(top),
        }


def compute(
    preds: list[str],
    texts: list[str],
    subsets: list[str | None] | None = None,
    kinds: list[str | None] | None = None,
) -> Metrics:
    """Metrics of predicted vs true texts, optionally tagged with a CCPD subset each and with each
    plate's kind (None, or no list: the kind its text implies)."""
    metrics = Metrics()
    for i, (p, t) in enumerate(zip(preds, texts, strict=True)):
        metrics.add(p, t, subsets[i] if subsets else None, kinds[i] if kinds else None)
    return metrics
