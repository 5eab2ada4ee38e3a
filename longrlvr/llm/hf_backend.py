"""HF transformers in this process: the chat template, left padding, concurrent requests batched."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Any

from longrlvr.llm.chat import LocalBackend, Messages, Sampling


@dataclass
class _Request:
    prompt: str
    sampling: Sampling
    future: asyncio.Future[str]


class HFBackend(LocalBackend):
    """``model.generate`` on batches of the requests waiting together (same settings, up to ``batch_size``).

    Greedy when ``temperature == 0``; when sampling, a batch's first request's ``seed`` (if any) seeds torch.
    ``device`` defaults to cuda when available; ``dtype`` is ``from_pretrained``'s.
    """

    def __init__(
        self, model: str, *, device: str | None = None, dtype: str = "auto", batch_size: int = 8, max_retries: int = 2
    ) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        super().__init__(max_retries)
        self.tokenizer = AutoTokenizer.from_pretrained(model, padding_side="left")
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        loaded: Any = AutoModelForCausalLM.from_pretrained(model, dtype=dtype)
        self.model: Any = loaded.to(device or ("cuda" if torch.cuda.is_available() else "cpu")).eval()
        self.batch_size = batch_size
        self._queue: list[_Request] = []
        self._worker: asyncio.Future[None] | None = None

    async def complete(self, messages: Messages, sampling: Sampling) -> str:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._queue.append(_Request(self.prompt_text(messages, sampling), sampling, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.ensure_future(self._drain())
        return await future

    async def _drain(self) -> None:
        """Run the queue in batches; an engine error fails every request of its batch."""
        await asyncio.sleep(0)  # the requests made together enqueue before the first batch starts
        while self._queue:
            key = replace(self._queue[0].sampling, seed=None)
            batch = [r for r in self._queue if replace(r.sampling, seed=None) == key][: self.batch_size]
            taken = {id(r) for r in batch}
            self._queue = [r for r in self._queue if id(r) not in taken]
            try:
                texts = await asyncio.to_thread(self._generate, [r.prompt for r in batch], batch[0].sampling)
            except Exception as error:  # noqa: BLE001 - handed to each caller (e.g. CUDA out of memory)
                for request in batch:
                    if not request.future.done():
                        request.future.set_exception(error)
                continue
            for request, text in zip(batch, texts, strict=True):
                if not request.future.done():
                    request.future.set_result(text)

    def _generate(self, prompts: list[str], sampling: Sampling) -> list[str]:
        import torch

        batch = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        batch = batch.to(self.model.device)
        options: dict[str, Any] = {"do_sample": sampling.temperature > 0}
        if options["do_sample"]:
            # top_k None is off (0 in transformers, whose own default would be 50)
            options.update(temperature=sampling.temperature, top_p=sampling.top_p, top_k=sampling.top_k or 0)
            if sampling.seed is not None:
                torch.manual_seed(sampling.seed)
        with torch.inference_mode():
            out = self.model.generate(
                **batch, max_new_tokens=sampling.max_tokens, pad_token_id=self.tokenizer.pad_token_id, **options
            )
        return self.tokenizer.batch_decode(out[:, batch["input_ids"].shape[1] :], skip_special_tokens=True)

    async def aclose(self) -> None:
        del self.model
