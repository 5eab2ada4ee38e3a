"""The paper's claim in miniature: GRPO with outcome-only vs LongRLVR reward on the local engine.

For each number of chunks N, each seed and each reward mode, one full ``longrlvr.local`` job (tiny model,
warm start on short documents, GRPO at N chunks) with identical data, warm start and settings; only
``reward.mode`` differs. Writes per-run dirs, ``results.json``, a PNG (val answer accuracy and F-β vs
step, mean with a min/max band over seeds, one row per N) and prints a markdown table: val numbers at
GRPO start and end and the GRPO steps to reach the target F-β / answer accuracy (mean ± std over seeds).

Usage: python scripts/toy_experiment.py [--seeds 0 1 2] [--chunks 8 10] [--out outputs/toy]
       [--png docs/img/toy_experiment.png] [--target-fbeta 0.8] [--target-acc 0.95] [key=value overrides ...]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

MODES = ("outcome_only", "longrlvr")
CURVES = ("val/answer_acc", "val/fbeta")
DEFAULT_OVERRIDES = ("trainer.save_every=1000", "trainer.progress=false")
Runs = dict[str, dict[str, dict[int, list[dict[str, Any]]]]]  # N -> mode -> seed -> metrics rows


def run_one(mode: str, seed: int, chunks: int, out: Path, overrides: list[str]) -> list[dict[str, Any]]:
    """Train one (N, mode, seed) run through the engine's public API; return its metrics.jsonl rows."""
    from longrlvr.local.config import load_config
    from longrlvr.local.metrics import read_metrics
    from longrlvr.local.trainer import train

    run_dir = out / f"N{chunks}" / f"{mode}_seed{seed}"
    name = f"N{chunks}_{mode}_seed{seed}"
    cfg = load_config(
        [
            *DEFAULT_OVERRIDES,
            *overrides,
            f"data.synthetic.num_chunks={chunks}",
            f"seed={seed}",
            f"reward.mode={mode}",
            f"run_dir={run_dir}",
            f"trainer.experiment={name}",
        ]
    )
    result = train(cfg)
    print(f"N={chunks} {mode} seed={seed}: {result.seconds:.0f}s val_end={result.val_end}", flush=True)
    return read_metrics(run_dir / "metrics.jsonl")


def curve(rows: list[dict[str, Any]], key: str) -> tuple[list[int], list[float]]:
    """(steps, values) of one metric where it was logged."""
    pts = [(r["step"], r[key]) for r in rows if key in r]
    return [p[0] for p in pts], [p[1] for p in pts]


def steps_to(rows: list[dict[str, Any]], key: str, target: float) -> int | None:
    """The first validation step at which ``key`` reaches ``target`` (None: never)."""
    return next((s for s, v in zip(*curve(rows, key), strict=True) if v >= target), None)


def _mean_std(values: list[float]) -> str:
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def _steps_cell(hits: list[int | None]) -> str:
    reached = [h for h in hits if h is not None]
    if not reached:
        return f"not reached (0/{len(hits)})"
    return f"{np.mean(reached):.0f} ± {np.std(reached):.0f} ({len(reached)}/{len(hits)})"


def final_table(results: Runs, target_fbeta: float = 0.8, target_acc: float = 0.95) -> str:
    """Markdown table per (N, reward): val numbers at GRPO start and end, steps to the targets."""
    lines = [
        f"| N | reward | val answer acc (start) | val answer acc (end) | val F-β (start) | val F-β (end) "
        f"| steps to F-β ≥ {target_fbeta} | steps to acc ≥ {target_acc} | seeds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for chunks, modes in results.items():
        for mode, runs in modes.items():
            if not runs:
                continue
            cells = [
                _mean_std([curve(rows, key)[1][pick] for rows in runs.values()]) for key in CURVES for pick in (0, -1)
            ]
            fb = _steps_cell([steps_to(rows, "val/fbeta", target_fbeta) for rows in runs.values()])
            acc = _steps_cell([steps_to(rows, "val/answer_acc", target_acc) for rows in runs.values()])
            lines.append(f"| {chunks} | {mode} | {' | '.join(cells)} | {fb} | {acc} | {len(runs)} |")
    return "\n".join(lines)


def plot(results: Runs, png: Path) -> None:
    """One PNG: a row per N, a column per metric; mean over seeds with a min/max band, one colour per reward."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(results), len(CURVES), figsize=(5 * len(CURVES), 3.2 * len(results)), squeeze=False)
    for row, (chunks, modes) in zip(axes, results.items(), strict=True):
        for ax, key in zip(row, CURVES, strict=True):
            for idx, (mode, runs) in enumerate(modes.items()):
                if not runs:
                    continue
                series = [curve(rows, key) for rows in runs.values()]
                length = min(len(s[1]) for s in series)
                steps = series[0][0][:length]
                vals = np.array([s[1][:length] for s in series])
                ax.plot(steps, vals.mean(0), color=f"C{idx}", label=f"{mode} ({len(runs)} seeds)")
                ax.fill_between(steps, vals.min(0), vals.max(0), color=f"C{idx}", alpha=0.2)
            ax.set_title(f"N={chunks} chunks: {key} (greedy)")
            ax.set_xlabel("GRPO step")
            ax.set_ylim(-0.02, 1.02)
            ax.grid(alpha=0.3)
        row[0].legend()
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=90)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--chunks", type=int, nargs="+", default=[8, 10], help="values of N (chunks per document, at most 10)"
    )
    parser.add_argument("--out", type=Path, default=Path("outputs/toy"))
    parser.add_argument("--png", type=Path, default=Path("docs/img/toy_experiment.png"))
    parser.add_argument("--target-fbeta", type=float, default=0.8)
    parser.add_argument("--target-acc", type=float, default=0.95)
    parser.add_argument("--plot-only", action="store_true", help="re-plot from existing run dirs")
    parser.add_argument("overrides", nargs="*", help="extra engine overrides (key=value), the same for every run")
    args = parser.parse_args()
    from longrlvr.local.metrics import read_metrics

    results: Runs = {str(n): {mode: {} for mode in MODES} for n in args.chunks}
    for chunks in args.chunks:
        for seed in args.seeds:
            for mode in MODES:
                run_dir = args.out / f"N{chunks}" / f"{mode}_seed{seed}"
                if (run_dir / "learning_curve.png").exists():  # finished earlier (the plot is written last)
                    results[str(chunks)][mode][seed] = read_metrics(run_dir / "metrics.jsonl")
                elif not args.plot_only:
                    results[str(chunks)][mode][seed] = run_one(mode, seed, chunks, args.out, args.overrides)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    plot(results, args.png)
    print(final_table(results, args.target_fbeta, args.target_acc))
    print(f"plot: {args.png}  results: {args.out / 'results.json'}")


if __name__ == "__main__":
    main()
