"""The paper's claim in miniature: GRPO with outcome-only vs LongRLVR reward on the local engine.

Same synthetic data, same seeds, two reward modes; each run is a full ``longrlvr.local`` job
(tiny model, SFT warm start, GRPO). Writes per-run dirs, ``results.json``, a learning-curve PNG
(mean with min/max band over seeds) and prints a markdown table of final numbers (mean ± std).

Usage: OMP_NUM_THREADS=1 python scripts/toy_experiment.py [--seeds 0 1 2] [--out outputs/toy]
       [--png docs/img/toy_experiment.png] [key=value engine overrides ...]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

MODES = ("outcome_only", "longrlvr")
CURVES = ("train/answer_acc", "train/fbeta", "val/answer_acc", "val/fbeta")
# Short runs on shared CPUs; 8 chunks so that picking the right evidence matters.
DEFAULT_OVERRIDES = (
    "data.synthetic.num_chunks=8", "data.synthetic.train_size=2000", "data.val_size=48",
    "data.synthetic.val_size=48", "sft.steps=300", "trainer.steps=60", "trainer.val_every=10",
    "trainer.save_every=1000", "trainer.progress=false",
)


def run_one(mode: str, seed: int, out: Path, overrides: list[str]) -> list[dict[str, Any]]:
    """Train one (mode, seed) run through the engine's public API; return its metrics.jsonl rows."""
    from longrlvr.local.config import load_config
    from longrlvr.local.trainer import train

    run_dir = out / f"{mode}_seed{seed}"
    cfg = load_config([*DEFAULT_OVERRIDES, *overrides, f"seed={seed}", f"reward.mode={mode}",
                       f"run_dir={run_dir}", f"trainer.experiment={mode}_seed{seed}"])  # fmt: skip
    result = train(cfg)
    print(f"{mode} seed={seed}: {result.seconds:.0f}s val_end={result.val_end}", flush=True)
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines() if line]


def curve(rows: list[dict[str, Any]], key: str) -> tuple[list[int], list[float]]:
    """(steps, values) of one metric where it was logged."""
    pts = [(r["step"], r[key]) for r in rows if key in r]
    return [p[0] for p in pts], [p[1] for p in pts]


def final_table(results: dict[str, dict[int, list[dict[str, Any]]]]) -> str:
    """Markdown table: val numbers at GRPO start and end, mean ± std over seeds."""
    lines = ["| reward | val answer acc (start) | val answer acc (end) | val F-β (start) | val F-β (end) | seeds |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for mode, runs in results.items():
        cells = []
        for key in ("val/answer_acc", "val/fbeta"):
            for pick in (0, -1):
                vals = np.array([curve(rows, key)[1][pick] for rows in runs.values()])
                cells.append(f"{vals.mean():.3f} ± {vals.std():.3f}")
        lines.append(f"| {mode} | {cells[0]} | {cells[1]} | {cells[2]} | {cells[3]} | {len(runs)} |")
    return "\n".join(lines)


def plot(results: dict[str, dict[int, list[dict[str, Any]]]], png: Path) -> None:
    """One PNG, one panel per metric: mean over seeds with a min/max band, one colour per reward."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(CURVES), figsize=(4 * len(CURVES), 3.4))
    for ax, key in zip(axes, CURVES, strict=True):
        for idx, (mode, runs) in enumerate(results.items()):
            series = [curve(rows, key) for rows in runs.values()]
            length = min(len(s[1]) for s in series)
            steps = series[0][0][:length]
            vals = np.array([s[1][:length] for s in series])
            ax.plot(steps, vals.mean(0), color=f"C{idx}", label=mode)
            ax.fill_between(steps, vals.min(0), vals.max(0), color=f"C{idx}", alpha=0.2)
        ax.set_title(key)
        ax.set_xlabel("GRPO step")
        ax.grid(alpha=0.3)
    axes[0].legend()
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=90)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=Path("outputs/toy"))
    parser.add_argument("--png", type=Path, default=Path("docs/img/toy_experiment.png"))
    parser.add_argument("--plot-only", action="store_true", help="re-plot from existing run dirs")
    parser.add_argument("overrides", nargs="*", help="extra engine overrides (key=value)")
    args = parser.parse_args()
    results: dict[str, dict[int, list[dict[str, Any]]]] = {mode: {} for mode in MODES}
    for seed in args.seeds:
        for mode in MODES:
            metrics = args.out / f"{mode}_seed{seed}" / "metrics.jsonl"
            if args.plot_only or metrics.exists():
                if metrics.exists():
                    results[mode][seed] = [json.loads(x) for x in metrics.read_text().splitlines() if x]
                continue
            results[mode][seed] = run_one(mode, seed, args.out, args.overrides)
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    plot(results, args.png)
    print(final_table(results))
    print(f"plot: {args.png}  results: {args.out / 'results.json'}")


if __name__ == "__main__":
    main()
