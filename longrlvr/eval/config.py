"""The schema of an eval run config (``configs/eval/*.yaml``), loaded with :mod:`longrlvr.config_loader`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

from longrlvr.errors import closest
from longrlvr.eval.backends import BACKENDS, GenerationSettings
from longrlvr.eval.scoring import BENCHMARKS
from longrlvr.grammar import PROMPT_FORMATS

_CHOICES = {"benchmark": BENCHMARKS, "backend": BACKENDS, "prompt_format": PROMPT_FORMATS}


@dataclass
class EvalConfig:
    benchmark: str = MISSING
    model: str = MISSING  # checkpoint path (openai: served model name)
    backend: str = "hf"
    tokenizer: str | None = None  # for chunking and budgets; None: the model's (openai: required but for niah)
    prompt_format: str = "longrlvr"  # longrlvr (ours) or release (the released models')
    data: dict[str, Any] = field(default_factory=dict)  # the benchmark loader's keys (longrlvr.eval.runner)
    generation: GenerationSettings = field(default_factory=GenerationSettings)
    llm: dict[str, Any] = field(default_factory=dict)  # openai backend: the LLM client section

    def __post_init__(self) -> None:
        for key, allowed in _CHOICES.items():
            value = getattr(self, key)
            if value not in allowed:
                hint = closest(str(value), allowed) or f"; one of {', '.join(allowed)}"
                raise ValueError(f"{key} {value!r} is not known{hint}")
