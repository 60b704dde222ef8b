"""The static model distilled from MiniLM: unit vectors that keep paraphrases close."""

from __future__ import annotations

import numpy as np
import pytest

from tests.corpus_fixture import REWRITES, STORIES
from wiretrace.static import STATIC_DIMENSIONS, get_static_model, static_model_dir


@pytest.mark.slow
def test_static_vectors_rank_a_rewrite_above_other_stories() -> None:
    model = get_static_model()
    assert (static_model_dir() / "model.safetensors").is_file()
    stories = [text for _, text in STORIES.values()]
    rewrites = [text for _, _, text in REWRITES.values()]
    vectors = model.encode(stories + rewrites)
    assert vectors.shape == (len(stories) + len(rewrites), STATIC_DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    similarity = vectors[len(stories) :] @ vectors[: len(stories)].T
    sources = [list(STORIES).index(source) for _, source, _ in REWRITES.values()]
    assert [int(row.argmax()) for row in similarity] == sources


@pytest.mark.slow
def test_static_vectors_of_a_paraphrase_beat_an_unrelated_sentence() -> None:
    model = get_static_model()
    a, b, c = model.encode(
        [
            "The central bank raised interest rates on Tuesday to fight inflation.",
            "Interest rates were increased by the central bank on Tuesday as prices climbed.",
            "The football team won the cup final after a penalty shoot-out.",
        ]
    )
    assert float(a @ b) > 0.8 > float(a @ c) + 0.3
