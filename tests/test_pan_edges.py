"""The trained edge model of `wiretrace pan` (step 16): its trees, its features and its moves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.test_pan import _made_up_words, _profiled, _sentence
from wiretrace.align import Weights
from wiretrace.pan.detect import Passage, PassageOptions, detect_passages
from wiretrace.pan.edges import FEATURES, MOVES, EdgeModel, edge_moves, packaged_model, with_model_edges


def _leaf(value: float) -> dict:
    return {"feature": [-2], "threshold": [-2.0], "left": [-1], "right": [-1], "value": [value]}


def _split(feature: int, threshold: float, low: float, high: float) -> dict:
    return {
        "feature": [feature, -2, -2],
        "threshold": [threshold, -2.0, -2.0],
        "left": [1, -1, -1],
        "right": [2, -1, -1],
        "value": [0.0, low, high],
    }


def _model(*trees: dict, init: float = 0.0, learning_rate: float = 1.0, features: int = 2) -> EdgeModel:
    return EdgeModel.from_dict(
        {
            "features": [f"f{k}" for k in range(features)],
            "learning_rate": learning_rate,
            "init": init,
            "trees": list(trees),
        }
    )


def test_trees_of_different_depths_add_up_to_a_logistic() -> None:
    deep = {
        # f0 <= 1 ? (f1 <= 5 ? -1 : 3) : 0.5
        "feature": [0, 1, -2, -2, -2],
        "threshold": [1.0, 5.0, -2.0, -2.0, -2.0],
        "left": [1, 2, -1, -1, -1],
        "right": [4, 3, -1, -1, -1],
        "value": [0.0, 0.0, -1.0, 3.0, 0.5],
    }
    model = _model(deep, _leaf(0.25), _split(1, 0.0, 2.0, -2.0), init=0.1, learning_rate=0.5)
    rows = np.array([[0.0, 4.0], [0.0, 9.0], [2.0, -1.0], [1.0, 5.0]])
    raw = 0.1 + 0.5 * np.array([-1 + 0.25 - 2, 3 + 0.25 - 2, 0.5 + 0.25 + 2, -1 + 0.25 - 2])
    assert model.probabilities(rows) == pytest.approx(1 / (1 + np.exp(-raw)))


def test_the_packaged_model_reads_the_features_wiretrace_computes() -> None:
    model = packaged_model()
    assert model.features == FEATURES
    assert len(model.left) > 0 and model.feature.max() < len(FEATURES)
    chances = model.probabilities(np.zeros((3, len(FEATURES))))
    assert ((chances >= 0) & (chances <= 1)).all()


def _pair() -> tuple[str, str, list[list[str]]]:
    """A source of eight sentences and a suspicious text that copies sentences 2 to 5 between two of its own."""
    words = _made_up_words(3)
    sentences = [words[k : k + 10] for k in range(0, 80, 10)]
    source = " ".join(map(_sentence, sentences))
    suspicious = " ".join(map(_sentence, [words[300:310], *sentences[2:6], words[320:330]]))
    return source, suspicious, sentences


def test_every_edge_is_offered_its_moves_at_sentence_boundaries() -> None:
    source, suspicious, sentences = _pair()
    this, other = _profiled(suspicious), _profiled(source)
    # The passage holds source sentences 3 and 4 against suspicious sentences 2 to 4.
    s_start, s_end = source.index(_sentence(sentences[3])), source.index(_sentence(sentences[5])) - 1
    t_start, t_end = suspicious.index(_sentence(sentences[2])), suspicious.index(_sentence(sentences[5])) - 1
    moves = edge_moves((t_start, t_end), (s_start, s_end), this, other, Weights(this, other))
    assert all(len(m.features) == len(FEATURES) for m in moves)
    by_name = {(m.side, MOVES[int(m.features[0])]): m for m in moves}
    assert set(by_name) == {(side, move) for side in ("this", "source") for move in MOVES}
    before = by_name["source", "extend_before"]
    assert source[before.start : before.end] == " ".join(map(_sentence, sentences[2:5]))
    after = by_name["source", "extend_after"]
    assert source[after.start : after.end] == " ".join(map(_sentence, sentences[3:6]))
    share = FEATURES.index("unit_share_in_other")
    only = FEATURES.index("unit_share_in_other_only")
    # Source sentence 2 is in the suspicious stretch, word for word; sentence 5 is not.
    assert before.features[share] == pytest.approx(1.0)
    assert before.features[only] == pytest.approx(1.0)
    assert after.features[share] == 0.0
    # The suspicious stretch's last sentence (source sentence 4) is in the source stretch;
    # its first (source sentence 2) is not, nor is the suspicious text's own sentence before.
    assert by_name["this", "trim_last"].features[share] == pytest.approx(1.0)
    assert by_name["this", "trim_first"].features[share] == 0.0
    assert by_name["this", "extend_before"].features[share] == 0.0


def _always(move: str, side: str) -> EdgeModel:
    """A model that favours one move on one side and no other."""
    is_move = _split(0, MOVES.index(move) - 0.5, -20.0, 20.0)
    not_above = _split(0, MOVES.index(move) + 0.5, 20.0, -20.0)
    on_side = _split(1, 0.5, 20.0 if side == "this" else -20.0, -20.0 if side == "this" else 20.0)
    return _model(is_move, not_above, on_side, init=-40.0, features=len(FEATURES))


def test_moves_stop_after_the_rounds_allowed_and_at_another_passage() -> None:
    source, suspicious, sentences = _pair()
    this, other = _profiled(suspicious), _profiled(source)
    weights = Weights(this, other)
    s3 = source.index(_sentence(sentences[3]))
    passage = Passage(0, 10, s3, s3 + len(_sentence(sentences[3])), links=1, best=0.5, mean=0.5)
    [grown] = with_model_edges([passage], this, other, weights, _always("extend_after", "source"), rounds=2)
    assert source[grown.source_start : grown.source_end] == " ".join(map(_sentence, sentences[3:6]))
    assert (grown.this_start, grown.this_end) == (0, 10)
    # On the suspicious side, a passage does not grow into the next one's stretch.
    second_start = suspicious.index(_sentence(sentences[2]))
    first = Passage(0, second_start - 1, 0, 5, links=1, best=0.5, mean=0.5)
    second = Passage(second_start, second_start + 20, 50, 60, links=1, best=0.5, mean=0.5)
    moved = with_model_edges([first, second], this, other, weights, _always("extend_after", "this"), rounds=3)
    assert moved[0] == first
    assert moved[1].this_end > second.this_end
    # A model that favours nothing leaves every passage as it was.
    still = with_model_edges([first, second], this, other, weights, _always("trim_first", "source"), bar=1.0)
    assert still == [first, second]


def test_the_edge_model_is_a_detection_step_that_can_be_turned_off() -> None:
    source, suspicious, _ = _pair()
    this, other = _profiled(suspicious), _profiled(source)
    with_model = detect_passages(this, other)
    without = detect_passages(this, other, options=PassageOptions(edge_model=False))
    # A clean copy of whole sentences: the model finds nothing to move.
    assert with_model == without
    [copy] = with_model
    assert suspicious[copy.this_start : copy.this_end] == source[copy.source_start : copy.source_end]


@pytest.mark.parametrize(("flag", "expected"), [((), True), (("--no-edge-model",), False)])
def test_pan_command_passes_the_edge_model_choice_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: tuple[str, ...], expected: bool
) -> None:
    from typer.testing import CliRunner

    import wiretrace.pan
    from wiretrace.cli import app
    from wiretrace.pan.run import PanRun

    seen: list[PassageOptions] = []

    def fake_run(*args: object, passage_options: PassageOptions, **kwargs: object) -> PanRun:
        seen.append(passage_options)
        return PanRun(0, 0, 0, 0.0)

    monkeypatch.setattr(wiretrace.pan, "run_pan", fake_run)
    for name in ("src", "susp"):
        (tmp_path / name).mkdir()
    (tmp_path / "pairs").write_text("")
    folders = [str(tmp_path / n) for n in ("pairs", "src", "susp", "out")]
    result = CliRunner().invoke(app, ["pan", *folders, *flag])
    assert result.exit_code == 0, result.output
    assert [o.edge_model for o in seen] == [expected]
    assert seen[0].rival_overlap == PassageOptions().rival_overlap


def test_a_passage_keeps_the_closing_punctuation_of_its_last_sentence() -> None:
    from wiretrace.pan.detect import _past_closing

    text = 'He said "no." Then he left! And so on (for now). The end'
    units = _profiled(text)
    end_of = {word: text.index(word) + len(word) for word in ("no", "left", "now", "end", "said")}
    assert text[: _past_closing(units, end_of["no"])].endswith('"no."')
    assert text[: _past_closing(units, end_of["left"])].endswith("left!")
    assert text[: _past_closing(units, end_of["now"])].endswith("(for now).")
    # Nothing follows the last word, or a word follows: the end stays where it is.
    assert _past_closing(units, end_of["end"]) == end_of["end"]
    assert _past_closing(units, end_of["said"]) == end_of["said"]
