"""Throughput of the grounded-QA pipeline (data_gen), with baselines measured in the same run.

1. CPU stages: documents/s through chunk + embed + cluster (offline MiniLM on CPU) for a fixed generated corpus,
   against the bare embedding of the same chunks in one ``encode`` call (the floor of the embed work).
2. LLM stages (generate_qa, judge_qa, answer, judge_answers) against a loopback OpenAI-compatible server with
   a fixed latency per request: wall time at concurrency C versus one request at a time (the sequential
   pattern), and versus the concurrency bound ``sum over stages of ceil(requests / C) * latency``.
3. ``--parse``: CPU time of the reply parsers on hostile replies (4 KB of fence and whitespace, 100K-deep
   braces, 150K of ``[[``), against ``json.loads`` of a valid reply of the same length (linear-time check).

    python benchmarks/bench_data_gen.py [--docs 24] [--latency 0.05] [--concurrency 16] [--parse]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from longrlvr.data_gen.config import load_config  # noqa: E402
from longrlvr.data_gen.grounded.embed import load_embedder  # noqa: E402
from longrlvr.data_gen.grounded.generate_qa import parse_generated  # noqa: E402
from longrlvr.data_gen.grounded.pipeline import run_pipeline  # noqa: E402
from longrlvr.data_gen.llm import parse_json_object, parse_rating  # noqa: E402

from longrlvr import jsonl  # noqa: E402
from longrlvr.testing.fake_llm_server import FakeLLMServer  # noqa: E402
from longrlvr.testing.toy_corpus import write_corpus  # noqa: E402
from longrlvr.testing.toy_model import ScriptedPipelineModel  # noqa: E402

CPU_STAGES = ["chunk", "embed", "cluster"]
LLM_STAGES = ["generate_qa", "judge_qa", "answer", "judge_answers"]


def make_config(root: Path, workdir: Path, base_url: str, concurrency: int) -> Path:
    config = {
        "input": str(root / "docs.jsonl"),
        "workdir": str(workdir),
        "chunk": {"max_tokens": 64, "min_chunks": 8},
        "embed": {"model": None, "device": "cpu", "batch_size": 64},
        "cluster": {"min_clusters_per_doc": 3, "max_clusters_per_doc": 3},
        "llm": {
            "concurrency": concurrency,
            "client": {
                "base_urls": [base_url],
                "model": "toy",
                "max_concurrency": concurrency,
                "max_retries": 2,
                "backoff_base_s": 0.0,
                "backoff_max_s": 0.0,
            },
        },
    }
    path = root / f"{workdir.name}.yaml"
    path.write_text(json.dumps(config))
    return path


def bench_cpu(root: Path, docs: int) -> Path:
    workdir = root / "cpu"
    config = load_config(make_config(root, workdir, "http://127.0.0.1:9/v1", 1))
    start = time.perf_counter()
    manifest = asyncio.run(run_pipeline(config, CPU_STAGES, progress=False))
    total = time.perf_counter() - start
    stages = {name: manifest["stages"][name]["seconds"] for name in CPU_STAGES}
    chunks = [c for record in jsonl.read(workdir / "chunks.jsonl") for c in record["chunks"]]
    embedder, _ = load_embedder(None, "cpu")
    start = time.perf_counter()
    embedder.encode(chunks, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    bare = time.perf_counter() - start
    print(f"CPU stages on {docs} documents ({len(chunks)} chunks), wall {total:.2f}s incl. model loading")
    for name, seconds in stages.items():
        print(f"  {name:8s} {seconds:7.2f}s  {docs / seconds:8.1f} docs/s")
    work = sum(stages.values())
    print(f"  chunk+embed+cluster: {docs / work:.1f} docs/s; bare encode of the same chunks {bare:.2f}s")
    print(
        f"  ratio embed stage / bare encode: {stages['embed'] / bare:.2f}x; all three / bare encode: {work / bare:.2f}x"
    )
    return workdir


def run_llm_stages(root: Path, cpu_dir: Path, latency: float, concurrency: int) -> tuple[float, dict[str, int]]:
    """Wall time of the LLM stages and the requests each sent."""
    workdir = root / f"llm_c{concurrency}"
    workdir.mkdir()
    for path in cpu_dir.iterdir():
        if path.name.startswith(("chunks.", "embeddings.", "clusters.")):
            shutil.copy(path, workdir / path.name)
    model, requests = ScriptedPipelineModel(), {}
    with FakeLLMServer(model, latency_s=latency) as server:
        config = load_config(make_config(root, workdir, server.base_url, concurrency))
        start = time.perf_counter()
        for stage in LLM_STAGES:
            before = server.num_requests
            asyncio.run(run_pipeline(config, [stage], progress=False))
            requests[stage] = server.num_requests - before
        return time.perf_counter() - start, requests


def bench_parse() -> None:
    """Parse time of hostile replies next to json.loads of a valid reply of the same length."""
    hostile = {
        "fence + 4K newlines/spaces": "```" + "\n " * 2000 + "x",
        "fence + 100K spaces/newlines": "```json" + " \n" * 50_000,
        "100K-deep braces": "{" * 100_000 + "}" * 100_000,
        "150K of '[['": "[[ " * 50_000,
    }
    for name, text in hostile.items():
        valid = json.dumps({"question": "q" * max(1, len(text) - 20), "answer": "a", "evidence": [0]})
        start = time.process_time()
        for parse in (parse_json_object, parse_generated, parse_rating):
            try:
                parse(text)
            except ValueError:
                pass
        spent = time.process_time() - start
        start = time.process_time()
        json.loads(valid)
        baseline = time.process_time() - start
        print(
            f"  {name:30s} {len(text):7d} chars: 3 parsers {spent * 1000:7.2f} ms; json.loads {baseline * 1000:6.2f} ms"
        )


def main(argv: list[str] | None = None) -> tuple[str, str]:
    """Run, print the report; returns the README row (what was measured, the result)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=24)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request of the loopback server")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--parse", action="store_true", help="only time the reply parsers on hostile replies")
    parser.add_argument("--quick", action="store_true", help="a seconds-long smoke run (4 documents, 10 ms latency)")
    args = parser.parse_args(argv)
    if args.quick:
        args.docs, args.latency = 4, 0.01
    if args.parse:
        bench_parse()
        return "`benchmarks/bench_data_gen.py --parse`", "reply parsers on hostile replies (see output)"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_corpus(root / "docs.jsonl", args.docs, seed=0, topics=4, paragraphs_per_topic=5)
        cpu_dir = bench_cpu(root, args.docs)
        concurrent, requests = run_llm_stages(root, cpu_dir, args.latency, args.concurrency)
        sequential, _ = run_llm_stages(root, cpu_dir, args.latency, 1)
    bound = sum(math.ceil(n / args.concurrency) * args.latency for n in requests.values())
    total = sum(requests.values())
    print(f"LLM stages: {total} requests {requests}, latency {args.latency * 1000:.0f} ms")
    print(
        f"  sequential (C=1): {sequential:6.2f}s  ({total / sequential:6.1f} req/s; floor {total * args.latency:.2f}s)"
    )
    print(f"  concurrent (C={args.concurrency}): {concurrent:6.2f}s  ({total / concurrent:6.1f} req/s)")
    print(f"  speed-up over sequential: {sequential / concurrent:.1f}x")
    print(f"  bound sum(ceil(requests/C) * latency) = {bound:.2f}s; measured / bound = {concurrent / bound:.2f}")
    label = (
        f"`benchmarks/bench_data_gen.py` (LLM stages, {total} requests, {args.latency * 1000:.0f} ms latency, "
        f"C={args.concurrency}) vs sequential"
    )
    speed = sequential / concurrent
    return label, f"{concurrent:.2f} s vs {sequential:.1f} s = {speed:.1f}x; {concurrent / bound:.2f}x the bound"


if __name__ == "__main__":
    main()
