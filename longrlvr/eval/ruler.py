"""RULER scoring exactly as the official ``eval/evaluate.py`` (``string_match_part``) does."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from longrlvr.grammar import parse_response

VARIANTS = ("raw", "answer_only")
_CONTROL_RE = re.compile(r"[\x00-\x1f]")


def postprocess_pred(text: str) -> str:
    """RULER's ``postprocess_pred``: strip, ASCII control characters -> newline, strip again."""
    return _CONTROL_RE.sub("\n", text.strip()).strip()


def prediction_text(response: str, variant: str = "raw") -> str:
    """The text RULER scores: the whole response (``raw``) or the ``<answer>`` text (``answer_only``)."""
    if variant == "raw":
        return response
    if variant == "answer_only":
        return parse_response(response).answer or ""
    raise ValueError(f"unknown RULER variant {variant!r}; expected one of {VARIANTS}")


def string_match_part(preds: Sequence[str], refs: Sequence[Sequence[str]]) -> float:
    """Mean over items of max over golds of ``gold.lower() in pred.lower()``, x100, 2 decimals."""
    if not preds:
        return 0.0
    hits = sum(
        max((float(r.lower() in p.lower()) for r in ref), default=0.0) for p, ref in zip(preds, refs, strict=True)
    )
    return round(hits / len(preds) * 100, 2)


def score_records(records: Sequence[dict[str, Any]], variant: str = "raw") -> dict[str, Any]:
    """Score RULER prediction records ``{index, pred, outputs, others, truncation, length}``."""
    preds = [postprocess_pred(prediction_text(str(r.get("pred") or ""), variant)) for r in records]
    refs = [list(r["outputs"]) for r in records]
    by_length: dict[int, list[int]] = {}
    for i, r in enumerate(records):
        by_length.setdefault(int(r.get("length") or 0), []).append(i)
    return {
        "score": string_match_part(preds, refs),
        "n": len(records),
        "nulls": sum(1 for p in preds if not p),
        "variant": variant,
        "by_length": {
            str(k): string_match_part([preds[i] for i in idx], [refs[i] for i in idx])
            for k, idx in sorted(by_length.items())
        },
    }


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read a jsonl file; a bad line raises ``ValueError`` naming file and line."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}:{n}: not JSON ({e.msg})") from e
    return rows


def score_task_dir(pred_dir: str | Path, variant: str = "raw", out_dir: str | Path | None = None) -> dict[str, Any]:
    """Score every ``<task>.jsonl`` in a directory; write RULER's ``submission.csv`` and ``summary.csv``."""
    pred_dir = Path(pred_dir)
    files = sorted(pred_dir.glob("*.jsonl"))
    if not files:
        raise ValueError(f"{pred_dir}: no task .jsonl files")
    tasks = {f.stem: read_jsonl(f) for f in files}
    results = {task: score_records(recs, variant) for task, recs in tasks.items()}
    if out_dir is not None:
        write_summary(results, tasks, Path(out_dir), variant)
    return results


def write_summary(
    results: dict[str, dict[str, Any]], tasks: dict[str, list[dict[str, Any]]], out_dir: Path, variant: str = "raw"
) -> None:
    """``summary.csv`` in RULER's transposed layout (rows Tasks/Score/Nulls) and ``submission.csv``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    names = list(results)
    rows = [
        ["Tasks", *names],
        ["Score", *(results[t]["score"] for t in names)],
        ["Nulls", *(f"{results[t]['nulls']}/{results[t]['n']}" for t in names)],
    ]
    with open(out_dir / "summary.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    with open(out_dir / "submission.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Task", "ID", "Prediction"])
        for task, recs in tasks.items():
            w.writerows(_submission_rows(task, recs, variant))


def _submission_rows(task: str, records: Iterable[dict[str, Any]], variant: str) -> Iterable[list[Any]]:
    for r in records:
        yield [task, r["index"], postprocess_pred(prediction_text(str(r.get("pred") or ""), variant))]
