"""The ONNX path must give the vectors sentence-transformers gives."""

from __future__ import annotations

import numpy as np
import pytest

from wiretrace.embed import get_encoder, resolve_model
from wiretrace.errors import ModelError


@pytest.mark.slow
def test_onnx_vectors_match_sentence_transformers() -> None:
    from sentence_transformers import SentenceTransformer

    texts = [
        "Chinese President Xi Jinping said on Friday that China firmly supports Cuba.",
        "Rain fell.",
        "The two countries should enhance coordination and cooperation within frameworks such as BRICS.",
    ]
    ours = get_encoder().encode(texts)
    reference = SentenceTransformer(str(resolve_model("all-MiniLM-L6-v2")), device="cpu").encode(
        texts, normalize_embeddings=True
    )
    assert ours.shape == (3, 384)
    assert np.abs(ours - reference).max() < 1e-4


def test_unknown_model_path_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelError, match="not a sentence-transformers model directory"):
        resolve_model(str(tmp_path))
