"""A static (per-token) embedding model distilled from the sentence model, for corpus scale.

The transformer encodes about a hundred sentences a second on two CPU cores: fine for one
pair, far too slow for a corpus. Following model2vec's recipe, each token of the model's
vocabulary is run through the transformer once, on its own; the resulting vectors are
reduced with PCA and weighted down for frequent tokens (SIF weights from a Zipf estimate of
token frequency). A text's vector is then the mean of its tokens' vectors, which model2vec's
:class:`~model2vec.StaticModel` computes tens of thousands of times faster than the
transformer.

Distillation runs once per model (about half a minute here) and is cached beside the ONNX
export; ``wiretrace model prepare`` does it ahead of time.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from wiretrace.embed import DEFAULT_MODEL, OnnxEncoder, _fingerprint, cache_dir, resolve_model
from wiretrace.errors import ModelError

if TYPE_CHECKING:
    from model2vec import StaticModel

#: Dimensions kept after PCA.
STATIC_DIMENSIONS = 256
_SIF = 1e-4
_TOKEN_BATCH = 512


def static_model_dir(model: str = DEFAULT_MODEL) -> Path:
    """The cache directory of the static model distilled from ``model``."""
    model_dir = resolve_model(model)
    return cache_dir() / "static" / f"{model_dir.name}-{_fingerprint(model_dir)}"


@lru_cache(maxsize=2)
def get_static_model(model: str = DEFAULT_MODEL) -> StaticModel:
    """The static model distilled from ``model``, distilling it first if it is not cached."""
    from model2vec import StaticModel

    target = static_model_dir(model)
    if not (target / "model.safetensors").is_file():
        distill(resolve_model(model), target)
    try:
        return StaticModel.from_pretrained(str(target), normalize=True)
    except Exception as exc:  # a damaged cache shows up as many kinds of errors
        raise ModelError(f"cannot load the static model in {target}: {exc}; delete it to rebuild") from exc


def distill(model_dir: Path, target: Path) -> Path:
    """Distill the static model of ``model_dir`` into ``target``, atomically."""
    from model2vec import StaticModel
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    token_ids = _content_token_ids(tokenizer)
    vectors = _token_vectors(OnnxEncoder(model_dir), tokenizer, token_ids)
    reduced = _pca(vectors, STATIC_DIMENSIONS) * _sif_weights(len(token_ids))[:, None]
    table = np.zeros((tokenizer.get_vocab_size(), reduced.shape[1]), dtype=np.float32)
    table[token_ids] = reduced
    tokenizer.no_padding()
    tokenizer.no_truncation()
    static = StaticModel(
        vectors=table, tokenizer=tokenizer, normalize=True, base_model_name=model_dir.name, max_length=None
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".distill-"))
    try:
        static.save_pretrained(str(staging))
        (staging / "wiretrace.json").write_text(json.dumps({"source": str(model_dir), "sif": _SIF}))
        if target.exists():
            shutil.rmtree(target)
        staging.replace(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _content_token_ids(tokenizer: object) -> np.ndarray:
    """Every vocabulary id except special and unused placeholder tokens, in id order.

    WordPiece vocabularies list ordinary tokens roughly by frequency, which is what the
    Zipf estimate in :func:`_sif_weights` assumes.
    """
    vocab: dict[str, int] = tokenizer.get_vocab()  # type: ignore[attr-defined]
    keep = [i for token, i in vocab.items() if not (token.startswith("[") and token.endswith("]"))]
    return np.array(sorted(keep), dtype=np.int64)


def _token_vectors(encoder: OnnxEncoder, tokenizer: object, token_ids: np.ndarray) -> np.ndarray:
    """Each token alone between the model's start and end markers, mean-pooled."""
    encoded = tokenizer.encode("x")  # type: ignore[attr-defined]
    start, end = encoded.ids[0], encoded.ids[-1]
    rows = []
    for first in range(0, len(token_ids), _TOKEN_BATCH):
        batch = token_ids[first : first + _TOKEN_BATCH]
        ids = np.stack([np.full(len(batch), start), batch, np.full(len(batch), end)], axis=1)
        rows.append(encoder.encode_ids(ids))
    return np.concatenate(rows).astype(np.float32)


def _pca(vectors: np.ndarray, dimensions: int) -> np.ndarray:
    centred = vectors - vectors.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    return (centred @ components[: min(dimensions, components.shape[0])].T).astype(np.float32)


def _sif_weights(count: int) -> np.ndarray:
    """Smooth inverse frequency weights, with token frequency estimated from rank by Zipf's law."""
    ranks = np.arange(1, count + 1, dtype=np.float64)
    probability = (1.0 / ranks) / (1.0 / ranks).sum()
    return (_SIF / (_SIF + probability)).astype(np.float32)
