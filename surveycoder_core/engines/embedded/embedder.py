"""Sentence embeddings for the embedded engine: wordllama (default, offline) or a sentence-transformers path.

wordllama ships its weights inside the PyPI package; it must be loaded with the installed package's
folder as cache directory and downloads disabled, or 0.4.0.post1 reaches for a model hub. The
model is loaded once per process (a lock makes concurrent first calls safe).
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from surveycoder_core import config
from surveycoder_core.engine_api import EmbeddingCache
from surveycoder_core.errors import EngineError

_LOCK = threading.Lock()
_MODELS: dict[str, object] = {}

ENV_EMBEDDER = "SURVEYCODER_EMBEDDER"
WORDLLAMA = "wordllama-l2-supercat-256"
#: Texts the in-process memo keeps (256-d float32: about 1 KB each, so about 20 MB at most).
MEMO_TEXTS = 20_000


def _load_wordllama():
    with _LOCK:
        model = _MODELS.get(WORDLLAMA)
        if model is None:
            import wordllama
            from wordllama import WordLlama

            model = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
            _MODELS[WORDLLAMA] = model
    return model


def _load_sentence_transformer(path: str):
    with _LOCK:
        model = _MODELS.get(path)
        if model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:  # pragma: no cover - depends on the environment
                raise EngineError(
                    f"{ENV_EMBEDDER}={path!r} needs the 'sentence-transformers' package, which is not "
                    "installed; install it or unset the variable to use the built-in wordllama embedder.",
                    code="CONFIG_ERROR",
                ) from exc
            if not Path(path).exists():
                raise EngineError(
                    f"{ENV_EMBEDDER} points to {path!r}, which does not exist; give a local model folder "
                    "(models are never downloaded at run time).",
                    code="CONFIG_ERROR",
                )
            model = SentenceTransformer(path, device="cpu", local_files_only=True)
            _MODELS[path] = model
    return model


def wordllama_embed(model, texts: list[str]) -> np.ndarray:
    """model.embed(texts), bit for bit, with texts of similar length batched together.

    wordllama pads each batch of 64 to its longest text, so one long patient comment makes 63 short
    answers carry hundreds of padding tokens; sorted by length, padding is small (10,000 mixed
    answers: 0.73 s -> 0.35 s). The mean over real tokens is unchanged, so are the vectors.
    """
    order = np.argsort(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)), kind="stable")
    sorted_vecs = np.asarray(model.embed([texts[i] for i in order]), dtype=np.float32)
    vecs = np.empty_like(sorted_vecs)
    vecs[order] = sorted_vecs
    return vecs


class MemoryCache:
    """An :class:`~surveycoder_core.engine_api.EmbeddingCache` in this process, bounded to ``limit`` texts
    (the oldest go first). The embedder uses it when it is given no persistent cache (an engine built
    without a database: the evaluation harness, a one-shot run), so the codebook stage, the coder's fit and
    its coding embed each answer once; with a database the store plays this part."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def get_many(self, model: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        with self._lock:
            return {t: self._vectors[(model, t)] for t in texts if (model, t) in self._vectors}

    def put_many(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        with self._lock:
            self._vectors.update(((model, t), v) for t, v in vectors.items())
            while len(self._vectors) > self.limit:
                self._vectors.popitem(last=False)


class Embedder:
    """Unit-length float32 sentence vectors, cached by text: in the given store (the project database),
    else in a bounded :class:`MemoryCache` of this process."""

    def __init__(self, spec: str | None = None, cache: EmbeddingCache | None = None) -> None:
        spec = spec if spec is not None else config.embedder()
        self.spec = spec
        self.cache: EmbeddingCache = cache if cache is not None else MemoryCache(MEMO_TEXTS)
        self.model_name = WORDLLAMA if not spec else f"st:{Path(spec).name}"

    def _raw(self, texts: list[str]) -> np.ndarray:
        if not self.spec:
            vecs = wordllama_embed(_load_wordllama(), texts)
        else:
            model = _load_sentence_transformer(self.spec)
            vecs = np.asarray(model.encode(texts, batch_size=64, show_progress_bar=False), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-9)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        uniq = list(dict.fromkeys(texts))  # dedupe: survey answers repeat a lot ("Nothing.")
        try:
            found = dict(self.cache.get_many(self.model_name, uniq))
        except Exception:  # a broken cache must never stop coding
            found = {}
        missing = [t for t in uniq if t not in found]
        if missing:
            vecs = self._raw(missing)
            new = {t: vecs[i] for i, t in enumerate(missing)}
            found.update(new)
            with contextlib.suppress(Exception):
                self.cache.put_many(self.model_name, new)
        return np.stack([np.asarray(found[t], dtype=np.float32) for t in texts])

    @property
    def dim(self) -> int:
        if not self.spec:
            return int(_load_wordllama().embedding.shape[1])
        return int(_load_sentence_transformer(self.spec).get_sentence_embedding_dimension())
