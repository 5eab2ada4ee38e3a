"""``longrlvr``: any held-out LongRLVR parquet (e.g. the pipeline's ``val.parquet``), each row's own prompt.

``eval run --config longrlvr data.path=FILE.parquet`` sends ``row["prompt"]`` as it is (no re-chunking, so
``prompt_format`` does not apply) and stores the response with the row's reward data. Scoring is the one reward
scorer (:func:`longrlvr.rewards.compute_score`, the row's ``data_source`` and the config's ``data.reward`` keys):
variant ``answer`` is the rule answer accuracy the reward path computes, ``judged`` the LLM judge's verdict
(``--judge``); ``format_rate``, ``reward`` and ``grounding`` (precision / recall / F-beta and the depth, length
and reference-count breakdowns of :mod:`longrlvr.eval.grounding`) come with every score.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from longrlvr import jsonl
from longrlvr.errors import check_names
from longrlvr.eval.benchmarks import register
from longrlvr.eval.benchmarks.base import FileBenchmark, Judged
from longrlvr.eval.grounding import length_bin
from longrlvr.eval.items import EvalItem, PromptSettings
from longrlvr.eval.runner import SETTINGS_FILE
from longrlvr.eval.variants import ordered, summarize
from longrlvr.rewards import RewardConfig, ScoreRequest, compute_score, golds

DATA_KEYS = ("path", "num_samples", "reward")
RECORD_FIELDS = ("id", "data_source", "response", "ground_truth", "extra_info")


def reward_config(settings: Any) -> RewardConfig:
    """The reward settings (``data.reward``: :class:`RewardConfig` keys, e.g. ``answer_scorer``, ``beta``,
    ``sources``), checked; empty: the paper's defaults. A bad key or value is a ``ValueError`` naming it."""
    if settings is None:
        return RewardConfig.from_kwargs({})
    if not isinstance(settings, Mapping):
        raise ValueError(f"data.reward must be a mapping of reward settings, got {type(settings).__name__}")
    return RewardConfig.from_kwargs(dict(settings))


def run_reward_settings(path: Path) -> Any:
    """``data.reward`` of the run that wrote the prediction file (its ``settings.json``), or None."""
    settings = Path(path).parent / SETTINGS_FILE
    if not settings.is_file():
        return None
    return (jsonl.read_json(settings).get("data") or {}).get("reward")


def _length(extra_info: Mapping[str, Any]) -> str:
    """The report's length bucket: the assemble stage's token ``bucket`` when set, else chunks (``17-32``)."""
    bucket = extra_info.get("bucket")
    return str(bucket) if bucket else length_bin(extra_info.get("num_chunks"))


@register
class LongRLVR(FileBenchmark):
    name = "longrlvr"
    needs_tokenizer: ClassVar[bool] = False
    prompt_formats: ClassVar[tuple[str, ...]] = ("longrlvr",)
    record_fields: ClassVar[tuple[str, ...]] = RECORD_FIELDS
    report_variants: ClassVar[tuple[str, ...]] = ("answer", "judged")
    report_totals: ClassVar[tuple[str, ...]] = ("format_rate", "reward")  # report columns on the ``all`` row

    def load(self, data: Mapping[str, Any], tokenizer: Any) -> list[EvalItem]:
        """Rows of ``data.path`` (validated like ``longrlvr data validate``); ``data.num_samples`` caps them."""
        from longrlvr.data import read_parquet, validate_rows

        check_names(data, DATA_KEYS, "eval config", prefix="data.")
        reward_config(data.get("reward"))  # checked before any row is read
        limit = data.get("num_samples")
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
            raise ValueError(f"data.num_samples must be a count >= 1 or null (every row), got {limit!r}")
        path = data["path"]
        rows = read_parquet(path)
        errors = validate_rows(rows)
        if errors:
            raise ValueError(f"{path}: {errors[0]} ({len(errors)} problem(s); longrlvr data validate {path})")
        items = []
        for n, row in enumerate(rows[:limit] if limit else rows):
            info = dict(row["extra_info"])
            items.append(
                EvalItem(
                    id=str(info.get("index", n)),
                    task=self.name,
                    length=_length(info),
                    chunks=[],  # the prompt is sent as it is; num_chunks comes from extra_info
                    question=str(info.get("question") or ""),
                    answers=golds(row["reward_model"]["ground_truth"]),
                    ref_chunks=[int(i) for i in info.get("ref_chunks") or []],
                    meta={
                        "messages": list(row["prompt"]),
                        "data_source": row["data_source"],
                        "extra_info": info,
                        "ground_truth": row["reward_model"]["ground_truth"],
                    },
                )
            )
        seen: dict[str, int] = {}
        for n, item in enumerate(items):  # the id is the resume key: a duplicate would be skipped as done
            if seen.setdefault(item.id, n) != n:
                raise ValueError(f"{path}: rows {seen[item.id]} and {n} share extra_info.index {item.id}")
        return items

    def messages(self, item: EvalItem, prompt: PromptSettings) -> list[dict[str, str]]:
        return [dict(m) for m in item.meta["messages"]]

    def record(self, item: EvalItem, response: str) -> dict[str, Any]:
        info = item.meta["extra_info"]
        return {
            "id": item.id,
            "data_source": item.meta["data_source"],
            "question": item.question,
            "response": response,
            "ground_truth": item.meta["ground_truth"],
            "extra_info": info,
            "ref_chunks": item.ref_chunks,
            "num_chunks": info.get("num_chunks"),
            "length": item.length,
        }

    def score_records(self, records: list[dict[str, Any]], path: Path, judged: Judged) -> dict[str, Any]:
        config = reward_config(run_reward_settings(path))
        results = [
            compute_score(
                r["data_source"], str(r.get("response") or ""), r["ground_truth"], r["extra_info"], reward_config=config
            )
            for r in records
        ]
        groups = {"length": [str(r.get("length")) for r in records], "data_source": [r["data_source"] for r in records]}
        correct = [bool(s["answer_acc"]) for s in results]
        variants: dict[str, Any] = {"answer": summarize(correct, groups, [s["answer"] or None for s in results])}
        if judged is not None:
            variants["judged"] = {**summarize([bool(j) for j in judged], groups), "failed": list(judged).count(None)}
        for r, s in zip(records, results, strict=True):
            r.update(
                {
                    "pred_answer": s["answer"],
                    "correct_answer": bool(s["answer_acc"]),
                    "format_ok": s["format_ok"],
                    "precision": s["precision"],
                    "recall": s["recall"],
                    "fbeta": s["fbeta"],
                    "reward": s["score"],
                }
            )
        n = len(records) or 1
        return {
            "n": len(records),
            "variants": ordered(variants),
            "format_rate": round(100 * sum(s["format_ok"] for s in results) / n, 2),
            "reward": round(sum(s["score"] for s in results) / n, 4),
        }

    def judge_request(self, record: Mapping[str, Any]) -> ScoreRequest:
        info = record.get("extra_info") or {}
        gold = golds(record["ground_truth"])
        return ScoreRequest(
            "eval_free_form",
            str(record.get("response") or ""),
            gold,
            {
                "question": record.get("question") or info.get("question"),
                "ref_chunks_text": info.get("ref_chunks_text"),
            },
        )
