"""The schema of an eval run config (``configs/eval/*.yaml``), loaded with :mod:`longrlvr.config_loader`.

Its LLM keys (``backend``, ``model``, ``client``, ``engine``, ``max_retries``) are the one LLM section
(:class:`~longrlvr.llm.backends.BackendSection`) at the top level, so ``make_backend(cfg)`` takes the config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

from longrlvr.errors import closest
from longrlvr.eval import benchmarks
from longrlvr.eval.runner import GenerationSettings
from longrlvr.grammar import PROMPT_FORMATS
from longrlvr.llm.backends import BACKENDS, BackendSection

_CHOICES = {"benchmark": benchmarks.names, "backend": lambda: BACKENDS, "prompt_format": lambda: PROMPT_FORMATS}


@dataclass
class EvalConfig(BackendSection):
    backend: str = "hf"  # hf | vllm | openai (the endpoint under client:, LLMConfig keys)
    model: str = MISSING  # checkpoint path (openai: served model name)
    benchmark: str = MISSING
    tokenizer: str | None = None  # for chunking and budgets; None: the model's (openai: required but for niah)
    prompt_format: str = "longrlvr"  # longrlvr (ours) or release (the released models')
    data: dict[str, Any] = field(default_factory=dict)  # the benchmark loader's keys (longrlvr.eval.runner)
    generation: GenerationSettings = field(default_factory=GenerationSettings)

    def __post_init__(self) -> None:
        for key, choices in _CHOICES.items():
            value, allowed = getattr(self, key), choices()
            if value not in allowed:
                hint = closest(str(value), allowed) or f"; one of {', '.join(allowed)}"
                raise ValueError(f"{key} {value!r} is not known{hint}")
        formats = benchmarks.get(self.benchmark).prompt_formats
        if self.prompt_format not in formats:
            raise ValueError(f"prompt_format {self.prompt_format!r} does not apply to {self.benchmark} ({formats})")
