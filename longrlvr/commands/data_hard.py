"""``longrlvr data keychain|contextrl|niah|difficulty|curriculum``: the harder-grounding data tools
(``longrlvr.data_gen.hard``), one parser each; the work is done by the module's ``run_*`` function."""

from __future__ import annotations

import argparse

from longrlvr.data_gen.hard import contextrl, curriculum, difficulty, keychain, niah
from longrlvr.data_gen.hard.multihop_loaders import LOADERS
from longrlvr.llm.backends import BACKENDS


def add_keychain(sub: argparse._SubParsersAction) -> None:
    """``keychain``: multi-hop QA file -> KeyChain parquet."""
    p = sub.add_parser("keychain", help="KeyChain (LoongRL) items from HotpotQA/MuSiQue/2Wiki")
    p.add_argument("--input", required=True)
    p.add_argument("--format", choices=sorted(LOADERS), required=True)
    p.add_argument("--tokenizer", required=True, help="HF tokenizer name or path (counts the budget)")
    p.add_argument("--out", "--output", dest="output", required=True, help="parquet path")
    p.add_argument("--config", help="KeyChainConfig settings: a shipped name (keychain) or a YAML path")
    p.add_argument("--budget-tokens", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, e.g. seed=3")
    p.set_defaults(func=keychain.run_cli)


def add_contextrl(sub: argparse._SubParsersAction) -> None:
    """``contextrl``: grounded QA parquet -> auxiliary rows, optionally mixed into a training set."""
    p = sub.add_parser("contextrl", help="ContextRL selection / augmentation rows with edited confounders")
    p.add_argument("--input", required=True, help="grounded QA parquet (first reference chunk = supporting context)")
    p.add_argument(
        "--out", "--output", dest="output", required=True, help="parquet path of the auxiliary (or mixed) rows"
    )
    p.add_argument("--config", help="ContextRLConfig settings: a shipped name (contextrl) or a YAML path")
    p.add_argument("--mix-into", help="main training parquet: write main + auxiliary rows at the configured ratio")
    p.add_argument("--task", choices=("select", "augment"))
    p.add_argument("--ratio", type=float)
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, e.g. seed=3")
    p.set_defaults(func=contextrl.run_cli)


def add_niah(sub: argparse._SubParsersAction) -> None:
    """``niah``: the sweep as jsonl records (and optionally grammar rows as parquet)."""
    p = sub.add_parser("niah", help="needle-in-a-haystack sweep for the eval harness")
    p.add_argument("--config", help="NIAHConfig settings: a shipped name (niah) or a YAML path")
    p.add_argument("--tokenizer", required=True, help="HF tokenizer name or path (lengths are in its tokens)")
    p.add_argument("--out", "--output", dest="output", required=True, help="jsonl path")
    p.add_argument("--rows", help="also write LongRLVR rows (data_source niah) to this parquet path")
    p.add_argument("--seed", type=int)
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, e.g. seed=3")
    p.set_defaults(func=niah.run_cli)


def add_difficulty(sub: argparse._SubParsersAction) -> None:
    """``difficulty``: annotate pass rates and keep the questions inside the bounds."""
    p = sub.add_parser("difficulty", help="keep questions a model solves sometimes but not always")
    p.add_argument("--input", required=True)
    p.add_argument("--out", "--output", dest="output", required=True, help="parquet of the kept rows")
    p.add_argument("--annotated", help="also write all rows with their pass rates here")
    p.add_argument(
        "--llm-config",
        help="the LLM section (backend, model, client, engine; docs/front_door.md): "
        "a shipped name (endpoint) or a YAML path",
    )
    p.add_argument("--backend", choices=BACKENDS, help="overrides the LLM section's backend")
    p.add_argument("--model", help="overrides the LLM section's model (hf, vllm: a path; openai: the served name)")
    p.add_argument("--k", type=int, default=8)
    p.add_argument("--min-correct", type=int, default=1)
    p.add_argument("--max-correct", type=int, help="default k - 1")
    p.add_argument("--max-new-tokens", type=int, default=4096)
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="LLM section overrides, e.g. client.timeout_s=600")
    p.set_defaults(func=difficulty.run_cli)


def add_curriculum(sub: argparse._SubParsersAction) -> None:
    """``curriculum bucket|plan|run``: split a parquet file into length buckets; print or run the phases."""
    tasks = sub.add_parser(
        "curriculum", help="length curriculum: bucket a parquet file, plan or run the phases"
    ).add_subparsers(dest="cmd", required=True)
    b = tasks.add_parser("bucket", help="split a parquet file into length buckets")
    b.add_argument("--input", required=True)
    b.add_argument("--tokenizer", required=True, help="HF tokenizer name or path")
    b.add_argument("--buckets", default=",".join(map(str, curriculum.DEFAULT_BUCKETS)))
    b.add_argument("--out", "--out-dir", dest="out_dir", required=True, help="directory of the bucket files")
    b.set_defaults(func=curriculum.run_bucket)
    for name in ("plan", "run"):
        p = tasks.add_parser(name, help=f"{name} the phase commands of a schedule")
        p.add_argument("--config", required=True, help="schedule: a shipped name (curriculum) or a YAML path")
        p.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="schedule override, e.g. checkpoint_dir=ckpt (repeatable)",
        )
        p.add_argument("--backend", choices=sorted(curriculum.LAUNCHERS), default="verl")
        p.add_argument("overrides", nargs="*", help="hydra overrides added to every phase")
        p.set_defaults(func=curriculum.run_phases)


TASKS = (add_keychain, add_contextrl, add_niah, add_difficulty, add_curriculum)
