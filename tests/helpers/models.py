"""The one tiny saved model the tests use: a random Qwen2 built from a config (no download) + its tokenizer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# 4 attention / 2 KV heads and 131,072 positions: the verl recipe's Ulysses SP 4, TP 4 and max_model_len 69,632
# pass the door with it; small enough to generate on a CPU in milliseconds
TINY_SIZES = {
    "hidden_size": 32,
    "num_layers": 1,
    "num_heads": 4,
    "num_kv_heads": 2,
    "intermediate_size": 64,
    "max_position_embeddings": 131072,
}


def save_tiny_model(directory: Path, tokenizer: Any = None) -> Path:
    """A tiny random model + tokenizer (the default tiny tokenizer unless one is given) saved as an HF dir."""
    from longrlvr.local.tiny import build_tiny_model, build_tiny_tokenizer

    tokenizer = tokenizer or build_tiny_tokenizer()
    build_tiny_model(tokenizer, **TINY_SIZES).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return Path(directory)
