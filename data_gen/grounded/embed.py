"""Stage ``embed``: one sentence-transformers vector per chunk of each document.

The ``paper`` preset's model is BAAI/bge-m3, the authors' (``clustering.py --embed_model_path``). Where it
cannot be loaded (no network and not in the Hugging Face cache; set ``HF_HUB_OFFLINE=1`` to fail fast instead
of waiting for the hub's retries) and ``fallback_to_minilm`` is on, the offline all-MiniLM-L6-v2 is used with
a warning; every output record names the model that embedded it.

Output ``{"id", "model", "dim", "embeddings"}`` with the unit-normalised float32 matrix (chunks x dim) base64-encoded
(:func:`encode_matrix` / :func:`decode_matrix`), compact and exact in jsonl.
"""

from __future__ import annotations

import base64
import warnings
from typing import Any

import numpy as np
from longrlvr.data_gen.documents import offline_minilm_path
from longrlvr.data_gen.runner import Record, RecordContext

from longrlvr.errors import UserError


def encode_matrix(matrix: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(matrix, dtype="<f4").tobytes()).decode("ascii")


def decode_matrix(record: Record) -> np.ndarray:
    """The (chunks x dim) float32 matrix of an ``embed`` output record."""
    flat = np.frombuffer(base64.b64decode(record["embeddings"]), dtype="<f4")
    return flat.reshape(-1, int(record["dim"]))


def resolve_device(device: str) -> str:
    """``auto``: cuda if available, then mps, else cpu; anything else is passed through."""
    if device != "auto":
        return device
    import torch

    if torch.cuda.is_available():
        return "cuda"
    return "mps" if torch.backends.mps.is_available() else "cpu"


MINILM = "all-MiniLM-L6-v2 (offline)"


def load_embedder(model: str | None, device: str = "auto", fallback_to_minilm: bool = False) -> tuple[Any, str]:
    """A SentenceTransformer from a local path or hub id (None: the packaged all-MiniLM-L6-v2, local files only) and
    the name of the model loaded; with ``fallback_to_minilm`` an unloadable ``model`` gives MiniLM, warned."""
    from sentence_transformers import SentenceTransformer

    if model is not None:
        try:
            return SentenceTransformer(model, device=resolve_device(device)), model
        except OSError as e:
            if not fallback_to_minilm:
                raise UserError(f"embed.model {model!r} cannot be loaded: {e}") from e
            warnings.warn(f"embed.model {model!r} cannot be loaded ({e}); using the offline MiniLM", stacklevel=2)
    minilm = SentenceTransformer(offline_minilm_path(), device=resolve_device(device), local_files_only=True)
    return minilm, MINILM


class EmbedChunks:
    """Handler: embed the chunks of one chunked document in batches of ``batch_size``."""

    def __init__(self, embedder: Any, batch_size: int = 64, model_name: str = MINILM) -> None:
        self.embedder, self.batch_size, self.model_name = embedder, batch_size, model_name

    def __call__(self, record: Record, ctx: RecordContext) -> list[Record]:
        matrix = self.embedder.encode(
            record["chunks"],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [
            {"id": ctx.id, "model": self.model_name, "dim": int(matrix.shape[1]), "embeddings": encode_matrix(matrix)}
        ]
