"""``eval report``: score run directories and compare them.

A markdown table of every benchmark's scores (rows: benchmark x length; columns: run x variant) with
score-vs-length plots, then for every benchmark whose records carry reference chunks the grounding diagnostics of
:mod:`longrlvr.eval.grounding`: overall precision / recall / F-beta, recall by evidence depth, by document
length and by number of reference chunks, and two PNGs (recall by depth; named-vs-reference depth confusion),
each with the runs side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from longrlvr.eval import benchmarks
from longrlvr.eval.benchmarks.base import FileBenchmark, Score
from longrlvr.eval.grounding import grounding_summary, markdown_tables, plot_confusion, plot_depth

# Report columns (see longrlvr.eval.variants): ``official`` = the benchmark's own scoring, ``answer`` = the
# ``<answer>`` text (multiple choice: its letter) read by the reward path's parser, ``judged`` = the LLM judge's
# verdict where a benchmark reports it; ``format_rate`` and ``reward`` (mean reward) where the benchmark is
# scored by the reward scorer. Each benchmark object names the columns its rows have.
VARIANTS = ("official", "answer", "judged", "format_rate", "reward")
_LINE_STYLES = {"official": "-", "answer": "--", "judged": ":"}  # the score-vs-length plots
_LENGTH_ORDER = {"short": 0, "medium": 1, "long": 2}


def _run_dir(run_dir: str | Path) -> Path:
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ValueError(f"{run_dir}: not a run directory")
    return run_dir


def _benchmark_dirs(run_dir: Path) -> list[tuple[FileBenchmark, Path]]:
    """Every registered benchmark with a directory in the run (``RUN/<benchmark>/``, as ``eval run`` writes it)."""
    return [(benchmarks.get(name), run_dir / name) for name in benchmarks.names() if (run_dir / name).is_dir()]


def collect_scores(run_dir: str | Path) -> list[Score]:
    """Every score of a run directory (``RUN/<benchmark>/...`` as ``eval run`` writes it)."""
    return [s for bench, d in _benchmark_dirs(_run_dir(run_dir)) for s in bench.report_scores(d)]


def collect_grounding(run_dir: str | Path) -> dict[str, dict[str, Any]]:
    """``benchmark -> grounding summary`` of the run's prediction records that carry reference chunks."""
    out = {}
    for bench, d in _benchmark_dirs(_run_dir(run_dir)):
        summary = grounding_summary(bench.report_records(d))
        if summary is not None:
            out[bench.name] = summary
    return out


def _length_key(length: str) -> tuple[int, float, str]:
    if length.isdigit():
        return (1, float(length), length)
    if length in _LENGTH_ORDER:
        return (1, _LENGTH_ORDER[length], length)
    digits = length.rstrip("kK")
    return (0 if length == "all" else 1, float(digits) if digits.isdigit() else 0.0, length)


def run_names(run_dirs: Sequence[str | Path]) -> list[str]:
    """Short unique names: the directory name, or the path when names collide."""
    names = [Path(d).name for d in run_dirs]
    return [n if names.count(n) == 1 else str(d) for n, d in zip(names, run_dirs, strict=True)]


def markdown_table(runs: dict[str, list[Score]]) -> str:
    """Benchmark x length rows; one column per run and scoring variant."""
    table = {(s.benchmark, s.length, run, s.variant): s.score for run, scores in runs.items() for s in scores}
    rows = sorted({(b, ln) for b, ln, _, _ in table}, key=lambda r: (r[0], _length_key(r[1])))
    present = {v for _, _, _, v in table}
    cols = [(run, v) for run in runs for v in VARIANTS if v in present]
    lines = [
        "| benchmark | length | " + " | ".join(f"{run} ({v})" for run, v in cols) + " |",
        "|---|---|" + "---:|" * len(cols),
    ]
    for bench, length in rows:
        cells = [table.get((bench, length, run, v)) for run, v in cols]
        lines.append(f"| {bench} | {length} | " + " | ".join("" if c is None else f"{c:.2f}" for c in cells) + " |")
    return "\n".join(lines) + "\n"


def plot_scores(runs: dict[str, list[Score]], out_dir: Path) -> list[Path]:
    """One PNG per benchmark: score vs context length, a line per run (solid official, dashed answer)."""
    from matplotlib.figure import Figure  # no pyplot: the process's matplotlib backend is left alone

    paths = []
    benchmarks = sorted({s.benchmark for scores in runs.values() for s in scores})
    for bench in benchmarks:
        lengths = sorted(
            {s.length for sc in runs.values() for s in sc if s.benchmark == bench and s.length != "all"},
            key=_length_key,
        )
        if not lengths:
            continue
        fig = Figure(figsize=(6, 4))
        ax = fig.subplots()
        for run, scores in runs.items():
            for variant, style in _LINE_STYLES.items():
                by_len = {s.length: s.score for s in scores if s.benchmark == bench and s.variant == variant}
                xs = [i for i, ln in enumerate(lengths) if ln in by_len]
                ax.plot(xs, [by_len[lengths[i]] for i in xs], style, marker="o", label=f"{run} ({variant})")
        ax.set_xticks(range(len(lengths)), lengths)
        ax.set(xlabel="context length", ylabel="score (%)", title=bench, ylim=(0, 100))
        ax.legend(fontsize=7)
        path = out_dir / f"{bench.replace('/', '_')}.png"
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        paths.append(path)
    return paths


def grounding_report(runs: dict[str, dict[str, dict[str, Any]]], out_dir: Path) -> tuple[str, list[Path]]:
    """Per benchmark with grounding: the markdown tables and the two PNGs, the runs side by side.

    ``runs``: run name -> benchmark -> grounding summary. Files: ``grounding_depth_<bench>.png`` and
    ``grounding_confusion_<bench>.png``.
    """
    text, plots = "", []
    for bench in sorted({b for per_run in runs.values() for b in per_run}):
        summaries = {run: per_run[bench] for run, per_run in runs.items() if bench in per_run}
        text += "\n" + markdown_tables(summaries).replace("## Grounding", f"## Grounding: {bench}", 1)
        for plot, stem in ((plot_depth, "grounding_depth"), (plot_confusion, "grounding_confusion")):
            path = plot(summaries, out_dir / f"{stem}_{bench}.png")
            if path is not None:
                plots.append(path)
    return text, plots


def write_report(run_dirs: Sequence[str | Path], out_dir: str | Path) -> tuple[str, list[Path]]:
    """Score the runs, write ``report.md`` and the plots into ``out_dir``; return the markdown and plot paths."""
    out_dir = Path(out_dir)
    names = run_names(run_dirs)
    runs = {name: collect_scores(d) for name, d in zip(names, run_dirs, strict=True)}
    grounding = {name: collect_grounding(d) for name, d in zip(names, run_dirs, strict=True)}
    out_dir.mkdir(parents=True, exist_ok=True)
    text = markdown_table(runs)
    plots = plot_scores(runs, out_dir)
    grounding_text, grounding_plots = grounding_report(grounding, out_dir)
    text += grounding_text
    plots += grounding_plots
    (out_dir / "report.md").write_text(text + "".join(f"\n![{p.stem}]({p.name})\n" for p in plots), encoding="utf-8")
    return text, plots
