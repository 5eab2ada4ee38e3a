"""Generation backends: HF transformers (any device), an OpenAI-compatible endpoint, vLLM offline (GPU).

Every backend maps a batch of chat conversations to response texts; an item whose request failed comes back
as a :class:`GenerationFailure` (its reason), so one bad item never costs the batch. Heavy libraries are
imported inside the backend that needs them (vLLM only there, never at module import).
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

Messages = list[dict[str, str]]
BACKENDS = ("hf", "openai", "vllm")


@dataclass
class GenerationSettings:
    """Sampling settings shared by all backends (recorded in the run's settings json)."""

    max_new_tokens: int = 512
    temperature: float = 0.0
    top_p: float = 1.0
    batch_size: int = 8
    seed: int = 0
    backend_options: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GenerationFailure:
    """One item's generation failed (e.g. HTTP 400 from an endpoint); ``reason`` is recorded with the item."""

    reason: str


Generated = str | GenerationFailure


class Generator(Protocol):
    def generate(self, conversations: list[Messages]) -> list[Generated]: ...

    def close(self) -> None: ...


class HFGenerator:
    """Batched ``generate`` with the tokenizer's chat template; greedy when ``temperature == 0``."""

    def __init__(self, model: str, settings: GenerationSettings) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.settings = settings
        self.tokenizer = AutoTokenizer.from_pretrained(model, padding_side="left")
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        opts = settings.backend_options
        self.model = AutoModelForCausalLM.from_pretrained(model, dtype=opts.get("dtype", "auto"))
        self.model.to(opts.get("device", "cuda" if torch.cuda.is_available() else "cpu")).eval()
        torch.manual_seed(settings.seed)

    def generate(self, conversations: list[Messages]) -> list[str]:
        import torch

        prompts = [
            self.tokenizer.apply_chat_template(c, tokenize=False, add_generation_prompt=True) for c in conversations
        ]
        batch = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        batch = batch.to(self.model.device)
        sample = self.settings.temperature > 0
        kwargs = {"temperature": self.settings.temperature, "top_p": self.settings.top_p} if sample else {}
        with torch.inference_mode():
            out = self.model.generate(**batch, max_new_tokens=self.settings.max_new_tokens, do_sample=sample, **kwargs)
        new_tokens = out[:, batch["input_ids"].shape[1] :]
        return self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)

    def close(self) -> None:
        del self.model


class OpenAIGenerator:
    """An OpenAI-compatible endpoint through ``longrlvr.llm.AsyncLLMClient`` (retries, rate limits)."""

    def __init__(self, llm_config: dict[str, Any], settings: GenerationSettings) -> None:
        from longrlvr.llm.client import AsyncLLMClient, LLMConfig

        self.settings = settings
        self.client = AsyncLLMClient(LLMConfig.from_mapping(llm_config))
        self.loop = asyncio.new_event_loop()

    def generate(self, conversations: list[Messages]) -> list[Generated]:
        from longrlvr.llm.client import LLMError

        params = {"max_tokens": self.settings.max_new_tokens, "temperature": self.settings.temperature}
        if self.settings.top_p < 1.0:
            params["top_p"] = self.settings.top_p

        async def one(conversation: Messages) -> Generated:
            try:
                return await self.client.chat(conversation, **params)
            except LLMError as e:
                return GenerationFailure(e.reason)

        async def run() -> list[Generated]:
            return list(await asyncio.gather(*(one(c) for c in conversations)))

        return self.loop.run_until_complete(run())

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


class VLLMGenerator:
    """vLLM offline ``LLM.chat`` (needs a GPU and the ``vllm`` extra)."""

    def __init__(self, model: str, settings: GenerationSettings) -> None:
        try:
            from vllm import LLM, SamplingParams
        except ImportError as e:
            raise RuntimeError("the vllm backend needs `pip install longrlvr[vllm]` and a GPU") from e
        self.llm = LLM(model=model, seed=settings.seed, **settings.backend_options)
        self.params = SamplingParams(
            max_tokens=settings.max_new_tokens,
            temperature=settings.temperature,
            top_p=settings.top_p,
            seed=settings.seed,
        )

    def generate(self, conversations: list[Messages]) -> list[str]:
        outputs = self.llm.chat(conversations, self.params, use_tqdm=False)
        return [o.outputs[0].text for o in outputs]

    def close(self) -> None:
        del self.llm


def make_generator(backend: str, model: str, settings: GenerationSettings, llm_config: dict[str, Any]) -> Generator:
    """The backend by name; for ``openai`` the model name and endpoint come from ``llm_config``."""
    if backend == "hf":
        return HFGenerator(model, settings)
    if backend == "vllm":
        return VLLMGenerator(model, settings)
    if backend == "openai":
        return OpenAIGenerator({**llm_config, "model": model}, settings)
    raise ValueError(f"unknown backend {backend!r}; expected one of {BACKENDS}")
