"""``longrlvr eval``: generate on long-context benchmarks, score every variant, compare runs."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from longrlvr.errors import TaskFailed, UserError, one_line
from longrlvr.eval import benchmarks
from longrlvr.eval.config import EvalConfig
from longrlvr.eval.model_source import resolve_eval_model
from longrlvr.eval.scoring import score_path
from longrlvr.grammar import PROMPT_FORMATS
from longrlvr.llm.backends import BACKENDS, check_section

_GEN_FLAGS = ("max_new_tokens", "temperature", "top_p", "batch_size", "seed")


def add_parser(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser("eval", help="evaluate checkpoints on long-context benchmarks")
    cmds = ev.add_subparsers(dest="eval_command", required=True)

    run = cmds.add_parser("run", help="generate predictions for a benchmark (resumable)")
    run.add_argument("--config", help="eval config: a shipped name (ruler_qa, tiny, release/ruler_qa) or a YAML path")
    run.add_argument("--benchmark", choices=benchmarks.names(), help="overrides the config's benchmark")
    run.add_argument("--model", help="HF/vLLM: checkpoint path; openai: served model name")
    run.add_argument("--backend", choices=BACKENDS, help="generation backend (default hf)")
    run.add_argument("--tokenizer", help="tokenizer for chunking and budgets (default: --model)")
    run.add_argument("--out", required=True, help="run directory (predictions go to OUT/<benchmark>/)")
    run.add_argument("--max-new-tokens", type=int)
    run.add_argument("--temperature", type=float)
    run.add_argument("--top-p", type=float)
    run.add_argument("--batch-size", type=int)
    run.add_argument("--seed", type=int)
    run.add_argument(
        "--allow-failures", action="store_true", help="exit 0 even when items failed (they are retried by a rerun)"
    )
    run.add_argument("--prompt-format", choices=PROMPT_FORMATS, help="longrlvr (ours) or release (released models)")
    run.add_argument("--set", action="append", default=[], help=argparse.SUPPRESS)  # old spelling of KEY=VALUE
    run.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, e.g. data.num_samples=10")
    run.set_defaults(func=run_generate)

    score = cmds.add_parser("score", help="score a prediction file: every variant in one JSON object")
    score.add_argument("--benchmark", choices=benchmarks.names(), required=True)
    score.add_argument(
        "--input", required=True, help="prediction jsonl (RULER: also a length or model directory of task files)"
    )
    score.add_argument(
        "--judge",
        help="judge config: a shipped name (external, verl_served) or a YAML path "
        "(a JudgeConfig mapping): adds `judged`",
    )
    score.add_argument("--out", help="directory for the scored per-item records (and RULER csv files)")
    score.set_defaults(func=run_score)

    report = cmds.add_parser("report", help="markdown table and plots comparing run directories")
    report.add_argument("run_dirs", nargs="+")
    report.add_argument("--out", default="eval_report", help="directory for report.md and PNG plots")
    report.set_defaults(func=run_report)


def load_eval_config(args: argparse.Namespace) -> EvalConfig:
    """``--config`` (shipped eval name or path) + ``key=value`` overrides + the flags, checked by the one loader."""
    from longrlvr.config_loader import load_settings

    flags = {key: getattr(args, key) for key in ("benchmark", "model", "backend", "tokenizer", "prompt_format")}
    flags.update({f"generation.{key}": getattr(args, key) for key in _GEN_FLAGS})
    return load_settings(args.config, [*args.set, *args.overrides], group="eval", schema=EvalConfig, flags=flags)


def run_generate(args: argparse.Namespace) -> int:
    from longrlvr.llm.engine_keys import adapt_section

    cfg = load_eval_config(args)
    adapt_section(cfg)  # a config runs with every backend it names
    check_section(cfg, where="eval config")  # before anything is loaded or written
    cfg = resolve_eval_model(cfg)  # a verl / local-engine checkpoint -> its HF directory (exported once, cached)
    try:
        items, prompt = _prepare(cfg, Path(args.out))
    except KeyError as exc:
        raise UserError(f"benchmark {cfg.benchmark}: data.{exc.args[0]} is required") from exc
    except (OSError, ValueError) as exc:  # a missing or bad data/tokenizer file, settings of another run
        raise UserError(one_line(exc, 500)) from exc
    stats = asyncio.run(_run(cfg, items, args.out, prompt))
    print(json.dumps({"run_dir": str(args.out), **vars(stats)}))
    if stats.failed and not args.allow_failures:
        raise TaskFailed(
            f"{stats.failed} of {stats.total} item(s) failed (reasons in {args.out}/{cfg.benchmark}/*.failed.jsonl); "
            "rerun the same command to retry them, or pass --allow-failures"
        )
    return 0


def _prepare(cfg: EvalConfig, out: Path) -> tuple[list, Any]:
    """The items and prompt settings of the run; ``settings.json`` is written once they load."""
    from transformers import AutoTokenizer

    from longrlvr.eval.items import PromptSettings, template_opens_think
    from longrlvr.eval.runner import load_items, record_settings

    tokenizer_path = cfg.tokenizer or (cfg.model if cfg.backend != "openai" else None)
    if tokenizer_path is None and benchmarks.get(cfg.benchmark).needs_tokenizer:
        raise UserError("the openai backend needs --tokenizer (or tokenizer=) to chunk documents")
    try:
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_path) if tokenizer_path else None
    except (OSError, ValueError) as exc:
        raise UserError(f"tokenizer {tokenizer_path}: cannot load: {one_line(exc, 500)}") from exc
    prompt = PromptSettings(cfg.prompt_format, template_opens_think(tokenizer))
    items = load_items(cfg.benchmark, cfg.data, tokenizer)
    settings = {
        "benchmark": cfg.benchmark,
        "model": cfg.model,
        "backend": cfg.backend,
        "tokenizer": tokenizer_path,
        "data": cfg.data,
        "generation": cfg.generation.to_dict(),
        "engine": cfg.engine,
        "prompt": {"format": prompt.format, "think_opened": prompt.think_opened},
    }
    record_settings(out / cfg.benchmark, settings)
    return items, prompt


async def _run(cfg: EvalConfig, items: list, out: str, prompt: Any) -> Any:
    from longrlvr.eval.runner import run_items
    from longrlvr.llm.backends import make_backend

    backend = make_backend(cfg, where="eval config")
    try:
        return await run_items(cfg.benchmark, items, backend, out, cfg.generation, prompt)
    finally:
        await backend.aclose()


def run_score(args: argparse.Namespace) -> int:
    from longrlvr.eval.judged import load_judge_config
    from longrlvr.judge import JudgeConfig

    try:
        judge = load_judge_config(args.judge) if args.judge else None
        if judge is not None:
            JudgeConfig.from_mapping(judge)  # its keys and endpoint, checked before any prediction is read
        result = score_path(args.benchmark, args.input, args.out, judge)
    except (OSError, ValueError) as exc:
        raise UserError(one_line(exc, 500)) from exc
    print(json.dumps(result, ensure_ascii=False))
    return 0


def run_report(args: argparse.Namespace) -> int:
    from longrlvr.eval.report import write_report

    missing = [d for d in args.run_dirs if not Path(d).is_dir()]
    if missing:
        raise UserError(f"{missing[0]}: not a run directory (no such directory; give the --out of an eval run)")
    text, plots = write_report(args.run_dirs, args.out)
    print(text, end="")
    print(f"\nwrote {Path(args.out) / 'report.md'} and {len(plots)} plot(s)")
    return 0
