"""RULER scoring: the official ``eval/evaluate.py`` (``string_match_part``) and our ``answer`` variant.

``official`` matches the gold strings anywhere in the whole post-processed response (RULER's own code,
and what the released numbers are: quoted chunk text counts). ``answer`` matches them in the ``<answer>``
text the grammar parser reads. ``release`` scores the authors' ``submission.csv`` predictions (their own
extracted answers) when that file sits next to the task files.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from longrlvr import jsonl
from longrlvr.eval.grounding import grounding_summary
from longrlvr.eval.records import FAILED_SUFFIX, require_fields
from longrlvr.eval.variants import ordered, percent, summarize
from longrlvr.grammar import parse_response

VARIANTS = ("official", "answer")
Judge = Callable[[list[dict[str, Any]]], list[bool | None]]
_CONTROL_RE = re.compile(r"[\x00-\x1f]")


def postprocess_pred(text: str) -> str:
    """RULER's ``postprocess_pred``: strip, ASCII control characters -> newline, strip again."""
    return _CONTROL_RE.sub("\n", text.strip()).strip()


def prediction_text(response: str, variant: str = "official") -> str:
    """The text RULER scores: the whole response (``official``) or the ``<answer>`` text (``answer``)."""
    if variant == "official":
        return response
    if variant == "answer":
        return parse_response(response).answer or ""
    raise ValueError(f"unknown RULER variant {variant!r}; expected one of {VARIANTS}")


def match_one(pred: str, golds: Sequence[str]) -> bool:
    """``string_match_part`` for one item: any gold, lower-cased, is a substring of the prediction."""
    low = pred.lower()
    return any(str(g).lower() in low for g in golds)


def string_match_part(preds: Sequence[str], refs: Sequence[Sequence[str]]) -> float:
    """Mean over items of max over golds of ``gold.lower() in pred.lower()``, x100, 2 decimals."""
    return percent([match_one(p, r) for p, r in zip(preds, refs, strict=True)])


def task_files(pred_dir: Path) -> list[Path]:
    """The ``<task>.jsonl`` prediction files of a directory (not the ``.failed.jsonl`` bookkeeping)."""
    return sorted(p for p in pred_dir.glob("*.jsonl") if not p.name.endswith(FAILED_SUFFIX))


def score_records(
    records: list[dict[str, Any]], bucket: str | None = None, judged: Sequence[bool | None] | None = None
) -> dict[str, Any]:
    """Every variant of RULER records ``{index, pred, outputs, ...}``; per-item fields written into records.

    ``bucket`` is the context-length bucket (the directory name, e.g. ``32768``); without it each record's
    ``length`` field is used (ours holds the bucket; the authors' holds the exact token count). ``judged``:
    the judge's verdicts (None = failed call) for the ``judged`` variant.
    """
    refs = [list(r["outputs"]) for r in records]
    groups = {"length": [bucket if bucket is not None else r.get("length") for r in records]}
    variants: dict[str, Any] = {}
    for variant in VARIANTS:
        preds = [postprocess_pred(prediction_text(str(r.get("pred") or ""), variant)) for r in records]
        hits = [match_one(p, g) for p, g in zip(preds, refs, strict=True)]
        variants[variant] = summarize(hits, groups, preds)
        for r, p, h in zip(records, preds, hits, strict=True):
            r[f"pred_{variant}"], r[f"correct_{variant}"] = p, h
    if judged is not None:
        variants["judged"] = {**summarize([bool(j) for j in judged], groups), "failed": judged.count(None)}
    return {"n": len(records), "variants": variants}


def read_submission(path: Path) -> dict[tuple[str, str], str]:
    """RULER ``submission.csv`` (``Task, ID, Prediction``) as ``(task, id) -> prediction``."""
    with open(path, newline="", encoding="utf-8") as f:
        return {(row["Task"], str(row["ID"])): row["Prediction"] for row in csv.DictReader(f)}


def score_task_dir(
    pred_dir: str | Path, out_dir: str | Path | None = None, judge: Judge | None = None
) -> dict[str, Any]:
    """Score every task file of one length directory; ``release`` from a ``submission.csv`` beside them.

    ``out_dir`` receives RULER's ``summary.csv``/``submission.csv`` and the scored records per task.
    """
    pred_dir = Path(pred_dir)
    files = task_files(pred_dir)
    if not files:
        raise ValueError(f"{pred_dir}: no task .jsonl files")
    bucket = length_bucket(pred_dir)
    tasks = {f.stem: jsonl.read(f) for f in files}
    for f in files:
        require_fields(f, tasks[f.stem], ("index", "pred", "outputs"))
    results = {task: score_records(recs, bucket, judge(recs) if judge else None) for task, recs in tasks.items()}
    submission = pred_dir / "submission.csv"
    if submission.exists():
        preds = read_submission(submission)
        for task, recs in tasks.items():
            hits = [match_one(postprocess_pred(preds.get((task, str(r["index"])), "")), r["outputs"]) for r in recs]
            results[task]["variants"]["release"] = summarize(hits, {"length": [bucket] * len(recs)})
    for task, res in results.items():
        res["variants"] = ordered(res["variants"])
        grounding = grounding_summary(tasks[task])
        if grounding is not None:
            res["grounding"] = grounding
    if out_dir is not None:
        write_summary(results, tasks, Path(out_dir))
        for task, recs in tasks.items():
            jsonl.rewrite(Path(out_dir) / f"{task}.jsonl", recs)
    return results


def length_bucket(path: Path) -> str | None:
    """The context-length bucket a RULER directory belongs to: the nearest all-digit folder name."""
    for part in (path, *path.parents):
        if part.name.isdigit():
            return part.name
    return None


def write_summary(results: dict[str, dict[str, Any]], tasks: dict[str, list[dict[str, Any]]], out_dir: Path) -> None:
    """``summary.csv`` in RULER's transposed layout (official scores) and ``submission.csv`` (official preds)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    names = list(results)
    official = {t: results[t]["variants"]["official"] for t in names}
    rows = [
        ["Tasks", *names],
        ["Score", *(official[t]["score"] for t in names)],
        ["Nulls", *(f"{official[t]['nulls']}/{official[t]['n']}" for t in names)],
    ]
    with open(out_dir / "summary.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    with open(out_dir / "submission.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Task", "ID", "Prediction"])
        for task, recs in tasks.items():
            w.writerows(_submission_rows(task, recs))


def _submission_rows(task: str, records: Iterable[dict[str, Any]]) -> Iterable[list[Any]]:
    for r in records:
        yield [task, r["index"], r["pred_official"]]
