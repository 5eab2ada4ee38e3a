"""Stage ``embed``: one sentence-transformers vector per chunk of each document.

Output ``{"id", "dim", "embeddings"}`` with the unit-normalised float32 matrix (chunks x dim) base64-encoded
(:func:`encode_matrix` / :func:`decode_matrix`), compact and exact in jsonl.
"""

from __future__ import annotations

import base64
import os
from typing import Any

import numpy as np

from data_gen.documents import offline_minilm_path
from data_gen.runner import Record, RecordContext


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


def load_embedder(model: str | None, device: str = "auto") -> Any:
    """A SentenceTransformer from a local path or hub id (None: the offline all-MiniLM-L6-v2, hub offline)."""
    if model is None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model or offline_minilm_path(), device=resolve_device(device))


class EmbedChunks:
    """Handler: embed the chunks of one chunked document in batches of ``batch_size``."""

    def __init__(self, embedder: Any, batch_size: int = 64) -> None:
        self.embedder, self.batch_size = embedder, batch_size

    def __call__(self, record: Record, ctx: RecordContext) -> list[Record]:
        matrix = self.embedder.encode(
            record["chunks"],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [{"id": ctx.id, "dim": int(matrix.shape[1]), "embeddings": encode_matrix(matrix)}]
