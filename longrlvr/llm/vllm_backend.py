"""vLLM's async engine in this process (a GPU and ``pip install longrlvr[vllm]``); imported on construction."""

from __future__ import annotations

import itertools
from typing import Any

from longrlvr.llm.chat import LocalBackend, Messages, Sampling


class VLLMBackend(LocalBackend):
    """``AsyncLLMEngine``: concurrent requests share its continuous batching. ``engine_args`` are vLLM's
    ``AsyncEngineArgs`` (``max_model_len``, ``tensor_parallel_size``, ``seed`` ...)."""

    def __init__(self, model: str, *, max_retries: int = 2, **engine_args: Any) -> None:
        try:
            from vllm import AsyncEngineArgs, AsyncLLMEngine, SamplingParams
        except ImportError as e:
            raise RuntimeError("backend vllm needs `pip install longrlvr[vllm]` and a GPU") from e
        from transformers import AutoTokenizer

        super().__init__(max_retries)
        self.engine = AsyncLLMEngine.from_engine_args(AsyncEngineArgs(model=model, **engine_args))
        self.tokenizer = AutoTokenizer.from_pretrained(model)
        self.sampling_params = SamplingParams
        self.ids = itertools.count()

    async def complete(self, messages: Messages, sampling: Sampling) -> str:
        optional: dict[str, Any] = {"top_k": sampling.top_k} if sampling.top_k is not None else {}
        params = self.sampling_params(
            n=1,
            max_tokens=sampling.max_tokens,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            seed=sampling.seed,
            **optional,
        )
        final = None
        async for output in self.engine.generate(
            self.prompt_text(messages, sampling), params, request_id=f"longrlvr-{next(self.ids)}"
        ):
            final = output
        return final.outputs[0].text if final is not None and final.outputs else ""

    async def aclose(self) -> None:
        shutdown = getattr(self.engine, "shutdown", None)
        if callable(shutdown):
            shutdown()
