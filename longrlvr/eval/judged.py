"""The ``judged`` variant: the LLM judge's verdict on each prediction, through the one reward scorer.

Each prediction becomes a :class:`longrlvr.rewards.ScoreRequest` scored by :class:`longrlvr.rewards.Scorer`
with the project's :class:`longrlvr.judge.AnswerJudge` injected, so the response is read exactly as the
reward path reads it (a response the reward path calls malformed is not sent and counts as wrong). Eval
sources use no context reward and never skip the judge. Per item the messages sent to the judge (when it
asked the LLM), the verdict and how it was reached are kept. A failed call is a verdict of None (reported as
``failed``), never a guess.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from longrlvr.judge import AnswerJudge, JudgeConfig, build_messages
from longrlvr.rewards import Scorer, ScoreRequest, ScoreResult, golds

# Eval data sources: the free-form rule (hybrid) or the option-letter rule; no reference chunks needed.
EVAL_SOURCES = {
    "eval_free_form": {"answer_scorer": "hybrid", "uses_context": False},
    "eval_choice_4": {"answer_scorer": "choice", "uses_context": False, "choice_letters": "ABCD"},
    "eval_choice_5": {"answer_scorer": "choice", "uses_context": False, "choice_letters": "ABCDE"},
}
_ASKED_LLM = ("judge:llm", "judge:cache")


def load_judge_config(path: str | Path) -> Mapping[str, Any]:
    """A judge config (shipped name or YAML path, read by longrlvr.config_loader): a :class:`JudgeConfig`
    mapping, or a preset from ``configs/judge/`` (its ``client``)."""
    from omegaconf import OmegaConf

    from longrlvr.config_loader import load_config

    cfg = OmegaConf.to_container(load_config(path, group="judge"))
    return cfg["client"] if isinstance(cfg.get("client"), dict) else cfg


def make_scorer(judge: Any) -> Scorer:
    """The reward scorer with ``judge`` injected, the eval sources, and no scorer skipping the judge."""
    return Scorer.from_config({"sources": EVAL_SOURCES, "judge": {"skip_scorers": []}}, judge=judge)


def _item(request: ScoreRequest, result: ScoreResult, judge: AnswerJudge) -> dict[str, Any]:
    if not result.judge_asked:
        reason = result.format_error or result.data_error or "not asked"
        return {"verdict": False, "source": f"not_sent:{reason}", "messages": None}
    info = request.extra_info or {}
    messages = None
    if result.judge_failed or result.answer_source in _ASKED_LLM:
        messages = build_messages(
            str(info.get("question") or ""),
            golds(request.ground_truth),
            result.answer,
            info.get("ref_chunks_text"),
            max_ref_chars=judge.config.max_ref_chars,
            template=judge.template,
        )
    if result.judge_failed:  # the scorer fell back to its rule; the judged variant reports the failure
        return {"verdict": None, "source": "failed", "messages": messages}
    return {"verdict": bool(result.answer_acc), "source": result.answer_source, "messages": messages}


def judge_requests(
    config: Mapping[str, Any], requests: Sequence[ScoreRequest], batch_size: int = 256
) -> list[dict[str, Any]]:
    """``{verdict, source, messages}`` per request (verdict None = the judge call failed after retries)."""
    judge = AnswerJudge(JudgeConfig.from_mapping(config))
    scorer = make_scorer(judge)

    async def run() -> list[ScoreResult]:
        out: list[ScoreResult] = []
        try:
            with tqdm(total=len(requests), desc="judge", leave=False) as bar:
                for start in range(0, len(requests), batch_size):
                    out += await scorer.score_batch(requests[start : start + batch_size])
                    bar.update(min(batch_size, len(requests) - start))
        finally:
            await judge.aclose()
        return out

    results = asyncio.run(run())
    return [_item(req, res, judge) for req, res in zip(requests, results, strict=True)]


def choice_reference(record: Mapping[str, Any], letter: str) -> str:
    """The gold option as the judge sees it: ``(D) text`` when the record carries ``choice_D``, else ``D``."""
    text = record.get(f"choice_{letter}")
    return f"({letter}) {text}" if text else letter
