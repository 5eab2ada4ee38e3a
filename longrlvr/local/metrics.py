"""Per-step metrics: metrics.jsonl, optional verl Tracking backends (wandb/tensorboard), learning-curve PNG."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from longrlvr import jsonl


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


def plot_curves(metrics_path: Path, out_png: Path) -> Path:
    """Learning curves (train reward/answer acc/F-beta, val answer acc/F-beta vs step) into one PNG."""
    from matplotlib.figure import Figure  # no pyplot: the process's matplotlib backend is left alone

    rows = read_metrics(metrics_path)
    fig = Figure(figsize=(10, 4))
    axes = fig.subplots(1, 2)
    for ax, prefix in zip(axes, ("train", "val"), strict=True):
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
