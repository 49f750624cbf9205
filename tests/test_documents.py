"""What README.md, docs/kinds.md and the model card state, checked against the code, so the documents
cannot drift: the plate table's texts and the grammar examples of docs/kinds.md (`plategen kind`,
`grammar`), and the shipped reader's parameters and FLOPs (counted as `lprtrain export` counts them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.plategen import plategen
from plategen.plates import grammar

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
KINDS_PAGE = ROOT / "docs" / "kinds.md"  # the plate table and the grammar examples
CARD = ROOT / "lprtrain" / "models" / "default" / "MODEL_CARD.md"


def plate_table() -> list[tuple[str, str]]:
    """(kind, text as written) per kind of docs/kinds.md's plate table: a cell `a / b` of texts for a
    cell `a` / `b` of kinds, or one text that both take."""
    lines = KINDS_PAGE.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| kind | plate | text"))
    pairs = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        kinds, texts = re.findall(r"`([\w-]+)`", cells[0]), cells[2].split(" / ")
        if len(texts) == 1:  # one text for kinds that share a grammar (blue / yellow)
            texts *= len(kinds)
        pairs += zip(kinds, texts, strict=True)
    return pairs


def test_the_plate_table_names_every_kind_once() -> None:
    assert sorted(k for k, _ in plate_table()) == sorted(grammar.KINDS)


@pytest.mark.parametrize("kind, written", plate_table())
def test_plategen_kind_accepts_each_plate_table_text_for_its_kind(kind: str, written: str) -> None:
    """The table wrote 京A·F0236, which `plategen kind` refuses: texts carry no separator dot. A
    two-row plate is written `TOP over BOTTOM` and read as its rows side by side."""
    top, over, bottom = written.partition(" over ")
    assert grammar.KINDS[kind].rows == (2 if over else 1), written
    result = CliRunner().invoke(plategen, ["kind", top + bottom])
    assert result.exit_code == 0, result.output
    assert kind in result.output.split("\t")[1].strip().split(","), result.output


def grammar_examples() -> list[tuple[str, str, str, str]]:
    """(function, text, kind or "", comment) for each `grammar.<function>("TEXT"…)  # comment` line
    of docs/kinds.md."""
    pattern = r'grammar\.(\w+)\("([^"]+)"(?:, grammar\.KINDS\["([\w-]+)"\])?\)\s+#\s*(.+)'
    return re.findall(pattern, KINDS_PAGE.read_text(encoding="utf-8"))


def test_the_grammar_examples_say_what_the_grammar_does() -> None:
    examples = grammar_examples()
    assert {f for f, *_ in examples} >= {"accepting_kinds", "why_not"}, examples
    for function, text, kind, comment in examples:
        if function == "accepting_kinds":
            assert comment.startswith(repr(grammar.accepting_kinds(text)) + ";"), (text, comment)
        elif function == "why_not":  # the example shows a refusal, and the reason the comment gives
            reason = grammar.why_not(text, grammar.KINDS[kind])
            assert reason is not None, f"docs/kinds.md says {text!r} is refused, but {kind} accepts it"
            assert "Table 3" in comment and "Table 3" in reason, (comment, reason)
            assert "three letters" in comment and "letters at positions [1, 2, 3]" in reason, reason


def shipped_figures() -> tuple[float, float]:
    """(parameters in millions, GFLOPs per crop) of the shipped reader, as `lprtrain export` prints."""
    import torch

    from lprtrain.model.flops import count_macs
    from lprtrain.model.lprnet import count_parameters
    from lprtrain.model.run import SHIPPED_MODEL, load_model

    model = load_model(SHIPPED_MODEL)
    w, h = model.config.input_size
    return count_parameters(model) / 1e6, 2 * count_macs(model, torch.zeros(1, 3, h, w)) / 1e9


def _same(written: str, value: float) -> bool:
    decimals = len(written.partition(".")[2])
    return float(written) == round(value, decimals)


@pytest.mark.parametrize("path", [README, CARD], ids=lambda p: p.name)
def test_the_documents_give_the_shipped_readers_parameters_and_flops(path: Path) -> None:
    """They said 0.45 M and 0.289 GFLOPs, the 68-class LPRNet's; the shipped reader has 73 classes."""
    params, gflops = shipped_figures()
    text = path.read_text(encoding="utf-8")
    written_params = re.findall(r"(\d+\.\d+) M[ -]parameter", text)
    written_flops = re.findall(r"(\d+\.\d+)\s+GFLOPs", text)
    assert written_params and written_flops, path
    for figure in written_params:
        assert _same(figure, params), (
            f"{path.name}: {figure} M parameters; the shipped reader has {params:.3f}"
        )
    for figure in written_flops:
        assert _same(figure, gflops), f"{path.name}: {figure} GFLOPs; the shipped reader has {gflops:.3f}"


def test_the_papers_68_class_figures_are_the_68_class_lprnets() -> None:
    import torch

    from lprtrain.model.flops import count_macs
    from lprtrain.model.lprnet import LPRNET_PYTORCH_CHARSET, LPRNet, ModelConfig, count_parameters

    model = LPRNet(ModelConfig(charset=LPRNET_PYTORCH_CHARSET))
    assert model.config.num_classes == 68
    written = re.search(r"68 classes, has (\d+\.\d+) M and (\d+\.\d+)", README.read_text(encoding="utf-8"))
    assert written is not None
    assert _same(written[1], count_parameters(model) / 1e6)
    assert _same(written[2], 2 * count_macs(model, torch.zeros(1, 3, 24, 94)) / 1e9)
