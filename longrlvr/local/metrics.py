"""Per-step metrics: metrics.jsonl, optional verl Tracking backends (wandb/tensorboard), learning-curve PNG."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from longrlvr import jsonl
from longrlvr.rewards.depth import DEPTH_BINS, bin_label, depth_counts, recall_by_depth

DEPTH_METRIC = "recall_depth_{}"  # {prefix}/recall_depth_<b>: the verl trainer's longrlvr/recall_depth_<b>


class MetricsLog:
    """Appends one JSON line per step to ``run_dir/metrics.jsonl``; mirrors to verl's Tracking when asked."""

    def __init__(
        self, run_dir: Path, loggers: Sequence[str] = (), project: str = "", experiment: str = "", config=None
    ):
        self.path = Path(run_dir) / "metrics.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tracking = None
        if loggers:
            from verl.utils.tracking import Tracking

            self.tracking = Tracking(project, experiment, default_backend=list(loggers), config=config)

    def log(self, step: int, metrics: dict[str, Any]) -> None:
        jsonl.append(self.path, [{"step": step, **metrics}])
        if self.tracking is not None:
            self.tracking.log(metrics, step)

    def truncate_after(self, step: int) -> None:
        """Drop lines past ``step`` (a resumed run rewrites them) and a torn last line; rewritten atomically."""
        if self.path.exists():
            jsonl.rewrite(self.path, [row for row in read_metrics(self.path) if row["step"] <= step])


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """The rows of a metrics.jsonl; a torn last line (a run killed mid-write) is dropped."""
    return jsonl.read(path)


def recall_depth(
    scores: Sequence[Mapping[str, Any]], rows: Sequence[Mapping[str, Any]], prefix: str
) -> dict[str, float]:
    """``{prefix}/recall_depth_<b>``: recall of the reference chunks by their depth decile in the document.

    ``scores[i]`` is :func:`longrlvr.rewards.compute_score`'s result (its ``chunk_ids``) for a response to
    ``rows[i]`` (its ``extra_info.ref_chunks``/``num_chunks``); the one definition of
    :mod:`longrlvr.rewards.depth`. Deciles with no reference chunk are left out; odd values count nothing.
    """
    counts = []
    for score, row in zip(scores, rows, strict=True):
        extra = row.get("extra_info")
        info: Mapping[str, Any] = extra if isinstance(extra, Mapping) else {}
        refs = info.get("ref_chunks") or ()
        counts.append(depth_counts(score.get("chunk_ids") or (), refs, info.get("num_chunks")))
    recall = recall_by_depth(counts)
    return {f"{prefix}/{DEPTH_METRIC.format(b)}": r for b, r in enumerate(recall) if r is not None}


def _plot_depth(ax: Any, rows: list[dict[str, Any]]) -> None:
    """Val recall by evidence depth at the first and the last validation that logged it."""
    keys = [f"val/{DEPTH_METRIC.format(b)}" for b in range(DEPTH_BINS)]
    logged = [r for r in rows if any(k in r for k in keys)]
    for row in logged[:1] + logged[1:][-1:]:
        points = [(b, row[k]) for b, k in enumerate(keys) if k in row]
        ax.plot(*zip(*points, strict=True), marker="o", label=f"step {row['step']}")
    ax.set_xticks(range(DEPTH_BINS), [bin_label(b) for b in range(DEPTH_BINS)], rotation=45, fontsize=7)
    ax.set(title="val recall by evidence depth", xlabel="relative depth of the reference chunk", ylim=(0, 1.05))
    ax.grid(alpha=0.3)
    if logged:
        ax.legend()


def plot_curves(metrics_path: Path, out_png: Path) -> Path:
    """Learning curves (train reward/answer acc/F-beta, val answer acc/F-beta vs step) and val recall by evidence
    depth (first vs last validation) into one PNG."""
    from matplotlib.figure import Figure  # no pyplot: the process's matplotlib backend is left alone

    rows = read_metrics(metrics_path)
    fig = Figure(figsize=(15, 4))
    axes = fig.subplots(1, 3)
    _plot_depth(axes[2], rows)
    for ax, prefix in zip(axes[:2], ("train", "val"), strict=True):
        for key in ("reward", "answer_acc", "fbeta", "format_ok"):
            points = [(r["step"], r[f"{prefix}/{key}"]) for r in rows if f"{prefix}/{key}" in r]
            if points:
                ax.plot(*zip(*points, strict=True), marker="." if prefix == "val" else None, label=key)
        ax.set_title(f"{prefix} ({'greedy' if prefix == 'val' else 'samples'})")
        ax.set_xlabel("GRPO step")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(out_png, dpi=100)
    return Path(out_png)
