"""Tiny HF model directories (project tokenizer + random Qwen2 or LFM2) for tests that need a model on disk."""

from __future__ import annotations

from pathlib import Path


def save_tiny_model(out_dir: Path, arch: str = "qwen2") -> Path:
    """A ~1M-parameter ``arch`` model with the project's tiny tokenizer (and chat template) saved in ``out_dir``."""
    from longrlvr.local.tiny import build_tiny_model, build_tiny_tokenizer

    tokenizer = build_tiny_tokenizer(["hello world the quick brown fox"], max_chunks=8)
    build_tiny_model(tokenizer, arch=arch, num_layers=2).save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir
