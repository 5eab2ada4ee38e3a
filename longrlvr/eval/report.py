"""``eval report``: score run directories and compare them (markdown table + score-vs-length plots)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from longrlvr import jsonl
from longrlvr.eval.choice import score_choice
from longrlvr.eval.ruler import score_records, score_task_dir, task_files

# Report columns (see longrlvr.eval.variants): ``official`` = the benchmark's own scoring, ``answer`` = the
# ``<answer>`` text (multiple choice: its letter) read by the reward path's parser.
VARIANTS = ("official", "answer")
_LENGTH_ORDER = {"short": 0, "medium": 1, "long": 2}
_CHOICE_FIELD = {"longbench_v2": "length", "longreason": "split"}


@dataclass(frozen=True)
class Score:
    benchmark: str
    length: str
    variant: str
    score: float


def _ruler_scores(bench_dir: Path) -> list[Score]:
    out = []
    for length_dir in sorted(p for p in bench_dir.iterdir() if p.is_dir() and task_files(p)):
        for task, res in score_task_dir(length_dir).items():
            out += [Score(f"ruler/{task}", length_dir.name, v, res["variants"][v]["score"]) for v in VARIANTS]
    return out


def _niah_scores(bench_dir: Path) -> list[Score]:
    out = []
    for path in task_files(bench_dir):
        variants = score_records(jsonl.read(path))["variants"]
        for v in VARIANTS:
            out += [Score(f"niah/{path.stem}", k, v, s) for k, s in variants[v]["by"]["length"].items()]
    return out


def _choice_scores(bench_dir: Path, benchmark: str) -> list[Score]:
    out = []
    for path in task_files(bench_dir):
        variants = score_choice(benchmark, jsonl.read(path))["variants"]
        for v in VARIANTS:
            out.append(Score(benchmark, "all", v, variants[v]["score"]))
            by = variants[v]["by"][_CHOICE_FIELD[benchmark]]
            out += [Score(benchmark, k, v, s) for k, s in by.items()]
    return out


def collect_scores(run_dir: str | Path) -> list[Score]:
    """Every score of a run directory (``RUN/<benchmark>/...`` as ``eval run`` writes it)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ValueError(f"{run_dir}: not a run directory")
    scores: list[Score] = []
    for name, collect in (
        ("ruler", _ruler_scores),
        ("niah", _niah_scores),
        ("longbench_v2", lambda d: _choice_scores(d, "longbench_v2")),
        ("longreason", lambda d: _choice_scores(d, "longreason")),
    ):
        if (run_dir / name).is_dir():
            scores += collect(run_dir / name)
    return scores


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
    cols = [(run, v) for run in runs for v in VARIANTS]
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
            for variant, style in zip(VARIANTS, ("-", "--"), strict=True):
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


def write_report(run_dirs: Sequence[str | Path], out_dir: str | Path) -> tuple[str, list[Path]]:
    """Score the runs, write ``report.md`` and the plots into ``out_dir``; return the markdown and plot paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    runs = {name: collect_scores(d) for name, d in zip(run_names(run_dirs), run_dirs, strict=True)}
    text = markdown_table(runs)
    plots = plot_scores(runs, out_dir)
    (out_dir / "report.md").write_text(text + "".join(f"\n![{p.stem}]({p.name})\n" for p in plots), encoding="utf-8")
    return text, plots
