"""Shared helpers for the verl integration tests: byte tokenizer, DataProto items, reward-manager configs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from omegaconf import OmegaConf
from transformers import PreTrainedTokenizerFast
from verl import DataProto

from longrlvr.local.tiny import build_tiny_tokenizer

PAD = ord("#")  # a pad byte that would corrupt the response if the manager decoded past the mask


class ByteTokenizer:
    """A tokenizer stub: token ids are UTF-8 bytes (enough for the reward manager, which only decodes)."""

    pad_token_id = PAD

    def encode(self, text: str) -> list[int]:
        return list(text.encode())

    def decode(self, ids: Any, skip_special_tokens: bool = True) -> str:
        return bytes(int(i) for i in ids).decode()


def make_item(
    response: str,
    *,
    ground_truth: Any = "Paris",
    ref_chunks: tuple[int, ...] = (1, 3),
    num_chunks: int = 5,
    data_source: str = "longrlvr",
    question: str = "Where is the Louvre?",
    response_capacity: int = 256,
    tokenizer: Any = None,
) -> DataProto:
    """One verl reward-loop item: prompt + right-padded response, the dataset columns as non-tensors."""
    tok = tokenizer or ByteTokenizer()
    prompt_ids = tok.encode("<CHUNK_0>...</CHUNK_0> question")
    response_ids = tok.encode(response)
    assert len(response_ids) <= response_capacity
    padded = response_ids + [tok.pad_token_id] * (response_capacity - len(response_ids))
    mask = [1] * len(prompt_ids) + [1] * len(response_ids) + [0] * (response_capacity - len(response_ids))
    extra_info = {
        "question": question,
        "ref_chunks": list(ref_chunks),
        "num_chunks": num_chunks,
        "ref_chunks_text": ["The Louvre is in Paris."],
    }
    return DataProto.from_dict(
        tensors={
            "prompts": torch.tensor([prompt_ids]),
            "responses": torch.tensor([padded]),
            "attention_mask": torch.tensor([mask]),
        },
        non_tensors={
            "data_source": np.array([data_source], dtype=object),
            "reward_model": np.array([{"style": "rule", "ground_truth": ground_truth}], dtype=object),
            "extra_info": np.array([extra_info], dtype=object),
        },
    )


def save_tiny_tokenizer(directory: Path) -> PreTrainedTokenizerFast:
    """The project's tiny HF tokenizer (longrlvr.local.tiny), saved to ``directory`` for verl to load."""
    tokenizer = build_tiny_tokenizer()
    tokenizer.save_pretrained(directory)
    return tokenizer


def manager_config(judge: dict | None = None, **reward_kwargs: Any):
    """The slice of a verl config the reward manager reads."""
    kwargs = {"mode": "longrlvr", "beta": 2.0, **reward_kwargs, "judge": judge or {"enable": False}}
    return OmegaConf.create({"reward": {"reward_kwargs": kwargs, "reward_model": {"model_path": None}}})
