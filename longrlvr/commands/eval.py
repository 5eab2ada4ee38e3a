"""``longrlvr eval``: generate on long-context benchmarks, score every variant, compare runs."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from longrlvr.eval.runner import GenerationSettings
from longrlvr.eval.scoring import BENCHMARKS, score_path
from longrlvr.grammar import PROMPT_FORMATS
from longrlvr.llm.backends import BACKENDS, SECTION_KEYS

_GEN_FLAGS = ("max_new_tokens", "temperature", "top_p", "batch_size", "seed")
CONFIG_KEYS = frozenset({"benchmark", "tokenizer", "prompt_format", "data", "generation", *SECTION_KEYS})


def add_parser(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser("eval", help="evaluate checkpoints on long-context benchmarks")
    cmds = ev.add_subparsers(dest="eval_command", required=True)

    run = cmds.add_parser("run", help="generate predictions for a benchmark (resumable)")
    run.add_argument("--config", help="eval YAML (configs/eval/*.yaml)")
    run.add_argument("--benchmark", choices=BENCHMARKS, help="overrides the config's benchmark")
    run.add_argument("--model", help="HF/vLLM: checkpoint path; openai: served model name")
    run.add_argument("--backend", choices=BACKENDS, help="generation backend (default hf)")
    run.add_argument("--tokenizer", help="tokenizer for chunking and budgets (default: --model)")
    run.add_argument("--out", required=True, help="run directory (predictions go to OUT/<benchmark>/)")
    run.add_argument("--max-new-tokens", type=int)
    run.add_argument("--temperature", type=float)
    run.add_argument("--top-p", type=float)
    run.add_argument("--batch-size", type=int)
    run.add_argument("--seed", type=int)
    run.add_argument("--prompt-format", choices=PROMPT_FORMATS, help="longrlvr (ours) or release (released models)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config override (OmegaConf)")
    run.set_defaults(func=run_generate)

    score = cmds.add_parser("score", help="score a prediction file: every variant in one JSON object")
    score.add_argument("--benchmark", choices=BENCHMARKS, required=True)
    score.add_argument(
        "--input", required=True, help="prediction jsonl (RULER: also a length or model directory of task files)"
    )
    score.add_argument("--judge", help="judge YAML (configs/judge/*.yaml or a JudgeConfig mapping): adds `judged`")
    score.add_argument("--out", help="directory for the scored per-item records (and RULER csv files)")
    score.set_defaults(func=run_score)

    report = cmds.add_parser("report", help="markdown table and plots comparing run directories")
    report.add_argument("run_dirs", nargs="+")
    report.add_argument("--out", default="eval_report", help="directory for report.md and PNG plots")
    report.set_defaults(func=run_report)


def _load_config(args: argparse.Namespace) -> dict[str, Any]:
    from omegaconf import MissingMandatoryValue, OmegaConf

    cfg = OmegaConf.load(args.config) if args.config else OmegaConf.create({})
    cfg = OmegaConf.merge(cfg, OmegaConf.from_dotlist(args.set))
    flags = {
        "benchmark": args.benchmark,
        "model": args.model,
        "backend": args.backend,
        "tokenizer": args.tokenizer,
        "prompt_format": args.prompt_format,
    }
    cfg = OmegaConf.merge(cfg, {k: v for k, v in flags.items() if v is not None})
    gen = {k: getattr(args, k) for k in _GEN_FLAGS if getattr(args, k) is not None}
    cfg = OmegaConf.merge(cfg, {"generation": gen})
    try:
        out = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)
    except MissingMandatoryValue as e:
        raise SystemExit(f"eval run: config value {e.full_key} is missing (give it with a flag or --set)") from e
    for key in ("benchmark", "model"):
        if not out.get(key):
            raise SystemExit(f"eval run: --{key} is required (flag or config)")
    unknown = sorted(set(out) - CONFIG_KEYS)
    if unknown:
        raise SystemExit(f"eval run: unknown config key(s) {', '.join(unknown)}; expected {sorted(CONFIG_KEYS)}")
    return out


def run_generate(args: argparse.Namespace) -> int:
    from transformers import AutoTokenizer

    from longrlvr.eval.items import PromptSettings, template_opens_think
    from longrlvr.eval.runner import load_items, record_settings

    cfg = _load_config(args)
    backend = cfg.setdefault("backend", "hf")
    try:
        settings = GenerationSettings(**cfg.get("generation", {}))
    except TypeError as e:
        raise SystemExit(f"eval run: generation: {e}") from e
    tokenizer_path = cfg.get("tokenizer") or (cfg["model"] if backend != "openai" else None)
    if tokenizer_path is None and cfg["benchmark"] != "niah":
        raise SystemExit("eval run: the openai backend needs --tokenizer to chunk documents")
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_path) if tokenizer_path else None
    prompt = PromptSettings(cfg.get("prompt_format", "longrlvr"), template_opens_think(tokenizer))
    items = load_items(cfg["benchmark"], cfg.get("data", {}), tokenizer)
    bench_dir = Path(args.out) / cfg["benchmark"]
    record_settings(
        bench_dir,
        {
            "benchmark": cfg["benchmark"],
            "model": cfg["model"],
            "backend": backend,
            "tokenizer": tokenizer_path,
            "data": cfg.get("data", {}),
            "generation": settings.to_dict(),
            "engine": cfg.get("engine", {}),
            "prompt": {"format": prompt.format, "think_opened": prompt.think_opened},
        },
    )
    stats = asyncio.run(_run(cfg, items, args.out, settings, prompt))
    print(json.dumps({"run_dir": str(args.out), **vars(stats)}))
    return 0


async def _run(cfg: dict[str, Any], items: list, out: str, settings: GenerationSettings, prompt: Any) -> Any:
    from longrlvr.eval.runner import run_items
    from longrlvr.llm.backends import make_backend

    backend = make_backend({k: cfg[k] for k in SECTION_KEYS if k in cfg}, where="eval config")
    try:
        return await run_items(cfg["benchmark"], items, backend, out, settings, prompt)
    finally:
        await backend.aclose()


def run_score(args: argparse.Namespace) -> int:
    from longrlvr.eval.judged import load_judge_config

    try:
        judge = load_judge_config(args.judge) if args.judge else None
        result = score_path(args.benchmark, args.input, args.out, judge)
    except (OSError, ValueError) as e:
        print(f"eval score: {e}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False))
    return 0


def run_report(args: argparse.Namespace) -> int:
    from longrlvr.eval.report import write_report

    text, plots = write_report(args.run_dirs, args.out)
    print(text, end="")
    print(f"\nwrote {Path(args.out) / 'report.md'} and {len(plots)} plot(s)")
    return 0
