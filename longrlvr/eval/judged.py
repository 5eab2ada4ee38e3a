"""The ``judged`` variant: the LLM judge's verdict on each item's ``<answer>`` text.

The judge is the project's one :class:`longrlvr.judge.AnswerJudge` (hacking guard, rule first, cache, strict
``[[Yes]]/[[No]]`` verdict); :func:`judge_items` stores per item the messages sent (when the LLM was asked),
the verdict and how it was reached. A failed call is a verdict of None (reported as ``failed``), never a
guess. Items without an ``<answer>`` are not sent and count as wrong.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from longrlvr.judge import AnswerJudge, JudgeConfig, build_messages


@dataclass(frozen=True)
class JudgeItem:
    """What the judge sees for one prediction: ``candidate`` None means no ``<answer>`` was found."""

    question: str
    golds: list[str]
    candidate: str | None
    ref_chunks_text: list[str] | None = None


def load_judge_config(path: str | Path) -> Mapping[str, Any]:
    """A judge YAML: a :class:`JudgeConfig` mapping, or a preset from ``configs/judge/`` (its ``client``)."""
    from omegaconf import OmegaConf

    cfg = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
    if not isinstance(cfg, dict):
        raise ValueError(f"{path}: a judge config must be a mapping")
    return cfg.get("client", cfg) if isinstance(cfg.get("client"), dict) else cfg


async def _judge_all(judge: AnswerJudge, items: Sequence[JudgeItem]) -> list[dict[str, Any]]:
    bar = tqdm(total=len(items), desc="judge", leave=False)

    async def one(item: JudgeItem) -> dict[str, Any]:
        if item.candidate is None:
            bar.update()
            return {"verdict": False, "source": "no_answer", "messages": None}
        verdict = await judge.judge(item.question, item.golds, item.candidate, item.ref_chunks_text)
        bar.update()
        messages = None
        if verdict.source in ("llm", "failed", "cache"):
            messages = build_messages(
                item.question,
                item.golds,
                item.candidate,
                item.ref_chunks_text,
                max_ref_chars=judge.config.max_ref_chars,
                template=judge.template,
            )
        return {"verdict": verdict.correct, "source": verdict.source, "messages": messages}

    try:
        return list(await asyncio.gather(*(one(i) for i in items)))
    finally:
        bar.close()
        await judge.aclose()


def judge_items(config: Mapping[str, Any], items: Sequence[JudgeItem]) -> list[dict[str, Any]]:
    """``{verdict, source, messages}`` per item (verdict None = the call failed after retries)."""
    judge = AnswerJudge(JudgeConfig.from_mapping(config))
    return asyncio.run(_judge_all(judge, items))


def choice_reference(record: Mapping[str, Any], letter: str) -> str:
    """The gold option as the judge sees it: ``(D) text`` when the record carries ``choice_D``, else ``D``."""
    text = record.get(f"choice_{letter}")
    return f"({letter}) {text}" if text else letter
