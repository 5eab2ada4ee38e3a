"""``longrlvr data run|stage|toy-corpus``: the grounded-QA pipeline (``longrlvr.data_gen.grounded``).

  longrlvr data run --config example [--out WORKDIR] [key=value ...]     (a shipped name or a YAML path)
  longrlvr data stage generate_qa --config example [--input F] [--out F] [key=value ...]
  longrlvr data toy-corpus --out docs.jsonl --docs 20

Exit 0 when done, 1 when a stage left failed records (rerun to retry them), 2 on bad input or config.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys

from longrlvr.data_gen.grounded.pipeline import STAGE_NAMES

TOY_LABEL = "toy (smoke test: scripted questions built from the documents' own text, not training data)"


def add_run(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="grounded-QA pipeline: every stage (resuming), then train/val parquet")
    run.add_argument("--out", help="work directory (same as workdir=DIR)")
    _pipeline_arguments(run)


def add_stage(sub: argparse._SubParsersAction) -> None:
    stage = sub.add_parser("stage", help="run one pipeline stage (resuming)")
    stage.add_argument("name", choices=STAGE_NAMES)
    stage.add_argument("--input", help="input jsonl instead of the work directory's")
    stage.add_argument("--out", "--output", dest="output", help="output jsonl instead of the work directory's")
    _pipeline_arguments(stage)


def add_toy_corpus(sub: argparse._SubParsersAction) -> None:
    toy = sub.add_parser("toy-corpus", help="write a generated corpus of topical documents (smoke runs)")
    toy.add_argument("--out", "--output", dest="output", required=True, help="documents jsonl")
    toy.add_argument("--docs", type=int, default=20)
    toy.add_argument("--seed", type=int, default=0)
    toy.set_defaults(func=run_toy_corpus)


def _pipeline_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="pipeline config: a shipped name (example, toy) or a YAML path")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument(
        "--toy-llm",
        action="store_true",
        help="a smoke test without an endpoint: the scripted toy model (questions built mechanically from the "
        "documents' own text, not training data) served on 127.0.0.1 as the LLM",
    )
    parser.add_argument("--toy-latency-s", type=float, default=0.0, help="seconds each toy reply waits (--toy-llm)")
    parser.add_argument("overrides", nargs="*", help="config overrides as key=value, e.g. select.min_quality=8")
    parser.set_defaults(func=run_pipeline_command)


def run_toy_corpus(args: argparse.Namespace) -> int:
    from longrlvr.testing.toy_corpus import write_corpus

    print(write_corpus(args.output, args.docs, args.seed))
    return 0


def run_pipeline_command(args: argparse.Namespace) -> int:
    """``run`` (every stage, then export) or ``stage NAME``; prints the stage summary and the manifest path."""
    from longrlvr.data_gen.config import load_config
    from longrlvr.data_gen.grounded.pipeline import MANIFEST, run_pipeline

    is_stage = args.data_command == "stage"
    workdir = [f"workdir={args.out}"] if not is_stage and args.out else []
    config = load_config(args.config, [*args.overrides, *workdir])
    stages = [args.name] if is_stage else None
    io = {"input_path": args.input, "output_path": args.output} if is_stage else {}
    with contextlib.ExitStack() as stack:
        if args.toy_llm:  # a labelled smoke test: the scripted toy model, served on loopback
            from longrlvr.testing.fake_llm_server import FakeLLMServer
            from longrlvr.testing.toy_model import ScriptedPipelineModel

            server = stack.enter_context(FakeLLMServer(ScriptedPipelineModel(), latency_s=args.toy_latency_s))
            config.llm.client = {**config.llm.client, "base_urls": [server.base_url], "base_urls_env": None}
            print(f"--toy-llm: {TOY_LABEL}", file=sys.stderr)
        label = TOY_LABEL if args.toy_llm else None
        manifest = asyncio.run(run_pipeline(config, stages, progress=not args.no_progress, llm_label=label, **io))
    print(json.dumps({"stages": manifest["stages"], "export": manifest.get("export")}, indent=1))
    print(f"manifest: {config.workdir}/{MANIFEST}", file=sys.stderr)
    return 0


TASKS = (add_run, add_stage, add_toy_corpus)
