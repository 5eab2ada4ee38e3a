"""``python -m data_gen``: run the grounded-QA pipeline, one stage, or write a toy corpus.

python -m data_gen run --config example [--out WORKDIR] [key=value ...]     (a shipped name or a YAML path)
python -m data_gen stage generate_qa --config example [--input F] [--out F] [key=value ...]
python -m data_gen toy-corpus --out docs.jsonl --docs 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys

from longrlvr.data_gen.config import load_config
from longrlvr.data_gen.grounded.pipeline import MANIFEST, STAGE_NAMES, StageFailed, run_pipeline

EXIT_FAILED_RECORDS, EXIT_BAD_INPUT = 1, 2


def build_parser(prog: str = "python -m data_gen") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run every stage (resuming), then export train/val parquet")
    run.add_argument("--out", help="work directory (same as workdir=DIR)")
    stage = sub.add_parser("stage", help="run one stage (resuming)")
    stage.add_argument("name", choices=STAGE_NAMES)
    stage.add_argument("--input", help="input jsonl instead of the work directory's")
    stage.add_argument("--out", "--output", dest="output", help="output jsonl instead of the work directory's")
    for p in (run, stage):
        p.add_argument("--config", required=True, help="pipeline config: a shipped name (example, toy) or a YAML path")
        p.add_argument("--no-progress", action="store_true", help="no progress bars")
        p.add_argument("--toy-llm", action="store_true", help="serve the scripted toy model on 127.0.0.1 as the LLM")
        p.add_argument("--toy-latency-s", type=float, default=0.0, help="seconds each toy reply waits (--toy-llm)")
        p.add_argument("overrides", nargs="*", help="config overrides as key=value, e.g. select.min_quality=8")
    toy = sub.add_parser("toy-corpus", help="write a generated corpus of topical documents (smoke runs)")
    toy.add_argument("--out", "--output", dest="output", required=True, help="documents jsonl")
    toy.add_argument("--docs", type=int, default=20)
    toy.add_argument("--seed", type=int, default=0)
    return parser


def main(argv: list[str] | None = None, prog: str = "python -m data_gen") -> int:
    """Exit 0 when done, 1 when a stage left failed records (rerun to retry them), 2 on bad input or config;
    messages start with ``prog`` (``longrlvr data`` through the longrlvr CLI)."""
    try:
        return _main(argv, prog)
    except StageFailed as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return EXIT_FAILED_RECORDS
    except (ValueError, FileNotFoundError, IsADirectoryError) as e:  # UserError is a ValueError
        print(f"{prog}: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _main(argv: list[str] | None, prog: str) -> int:
    parser = build_parser(prog)
    args, extra = parser.parse_known_args(argv)  # overrides may follow options after the stage name
    if any("=" not in arg or arg.startswith("-") for arg in extra):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "toy-corpus":
        from longrlvr.testing.toy_corpus import write_corpus

        print(write_corpus(args.output, args.docs, args.seed))
        return 0
    workdir = [f"workdir={args.out}"] if getattr(args, "out", None) else []
    config = load_config(args.config, [*args.overrides, *extra, *workdir])
    stages = [args.name] if args.command == "stage" else None
    io = {"input_path": args.input, "output_path": args.output} if args.command == "stage" else {}
    with contextlib.ExitStack() as stack:
        if args.toy_llm:
            from longrlvr.testing.fake_llm_server import FakeLLMServer
            from longrlvr.testing.toy_model import ScriptedPipelineModel

            server = stack.enter_context(FakeLLMServer(ScriptedPipelineModel(), latency_s=args.toy_latency_s))
            config.llm.client = {**config.llm.client, "base_urls": [server.base_url], "base_urls_env": None}
        manifest = asyncio.run(run_pipeline(config, stages, progress=not args.no_progress, **io))
    summary = {"stages": manifest["stages"], "export": manifest.get("export")}
    print(json.dumps(summary, indent=1))
    print(f"manifest: {config.workdir}/{MANIFEST}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
