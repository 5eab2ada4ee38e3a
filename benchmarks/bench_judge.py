"""Judge benchmark: longrlvr's async judge path vs a one-call-at-a-time loop, same loopback judge, same run.

    python benchmarks/bench_judge.py [--prompts 32] [--samples 8] [--latency 0.1] [--concurrency 64]

A GRPO step scores prompts x samples responses. The judge model is the fake OpenAI-compatible server
(``longrlvr.testing.fake_llm_server``) on 127.0.0.1 in its own process (as a real judge server would be),
answering every request after ``--latency`` seconds.
Every candidate is distinct and fails the exact-match rule, so each one costs a real HTTP call (no cache or
rule shortcut helps either side). Both sides build the same prompt and parse the verdict the same way.

* ours: ``AnswerJudge.judge`` for all responses at once (asyncio.gather), at most ``--concurrency`` in flight;
* sequential: the reference's pattern, a blocking ``httpx.Client`` POST per response, one after the other.

Both are timed after one untimed warm-up call batch (open keep-alive connections, as in every training step
after the first); the cold first batch is printed too. Prints both times, the speed-up, the concurrency bound
ceil(N / C) x latency and our time / bound. With ``--sequential-subset K`` the sequential loop runs K calls
and is extrapolated linearly to N, which the output states.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time

import httpx
from tqdm import tqdm

from longrlvr.judge import AnswerJudge, JudgeConfig, build_messages, parse_verdict
from longrlvr.testing.fake_llm_server import serve_in_process

Item = tuple[str, str, str]  # question, reference, candidate


def judge_model(request: dict) -> str:
    """The loopback judge: [[Yes]] when the reference appears in the fenced candidate (case-insensitive)."""
    prompt = request["messages"][-1]["content"]
    reference = prompt.split("Reference answer:\n", 1)[1].split("\n", 1)[0]
    candidate = prompt.split("<candidate_answer>\n", 1)[1].split("\n</candidate_answer>", 1)[0]
    return "[[Yes]]" if reference.lower() in candidate.lower() else "[[No]]"


def make_items(prompts: int, samples: int, tag: str) -> list[Item]:
    """``prompts x samples`` distinct responses; every other sample paraphrases the reference."""
    items = []
    for p in range(prompts):
        question, reference = f"What is the code name of project {p}?", f"Falcon-{p}"
        for s in range(samples):
            answer = f"it is called {reference}" if s % 2 == 0 else f"project {p} is named Heron-{p}"
            items.append((question, reference, f"{answer} ({tag} sample {s})"))
    return items


async def judge_all(judge: AnswerJudge, items: list[Item]) -> list[bool | None]:
    verdicts = await asyncio.gather(*(judge.judge(q, r, c) for q, r, c in items))
    return [v.correct for v in verdicts]


def sequential_all(http: httpx.Client, url: str, items: list[Item], desc: str) -> list[bool]:
    """The baseline: one blocking request per response, same prompt and strict parsing."""
    verdicts = []
    for q, r, c in tqdm(items, desc=desc, unit="call", leave=False):
        body = {"model": "judge", "messages": build_messages(q, r, c), "temperature": 0.0}
        response = http.post(f"{url}/chat/completions", json=body)
        response.raise_for_status()
        verdicts.append(parse_verdict(response.json()["choices"][0]["message"]["content"]))
    return verdicts


async def time_ours(url: str, args: argparse.Namespace) -> tuple[float, float, list[bool | None], dict]:
    """(cold first-batch seconds, warm seconds, verdicts, client stats) of the concurrent judge path."""
    config = JudgeConfig.from_mapping({"base_urls": [url], "model": "judge", "max_concurrency": args.concurrency})
    judge = AnswerJudge(config)
    begin = time.perf_counter()
    await judge_all(judge, make_items(args.prompts, args.samples, "warm-up"))
    cold = time.perf_counter() - begin
    judge.client.stats.max_in_flight = 0
    begin = time.perf_counter()
    verdicts = await judge_all(judge, make_items(args.prompts, args.samples, "timed"))
    warm = time.perf_counter() - begin
    stats = judge.client.stats.as_dict()
    await judge.aclose()
    return cold, warm, verdicts, stats


def main(argv: list[str] | None = None) -> tuple[str, str]:
    """Run, print the report; returns the README row (what was measured, the result)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=32)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds the loopback judge takes per call")
    parser.add_argument("--concurrency", type=int, default=64, help="the judge client's max_concurrency (C)")
    parser.add_argument("--sequential-subset", type=int, default=0, help="run only K sequential calls, extrapolate")
    parser.add_argument("--quick", action="store_true", help="a seconds-long smoke run (16 responses, 20 ms judge)")
    args = parser.parse_args(argv)
    if args.quick:
        args.prompts, args.samples, args.latency = 4, 4, 0.02

    items = make_items(args.prompts, args.samples, "timed")
    n = len(items)
    with serve_in_process(judge_model, latency_s=args.latency) as url:
        cold, ours, our_verdicts, stats = asyncio.run(time_ours(url, args))
        subset = items[: args.sequential_subset] if 0 < args.sequential_subset < n else items
        with httpx.Client(timeout=60) as http:
            sequential_all(http, url, make_items(1, 1, "warm-up"), "sequential warm-up")
            begin = time.perf_counter()
            seq_verdicts = sequential_all(http, url, subset, "sequential")
            measured = time.perf_counter() - begin
    sequential = measured * n / len(subset)

    if our_verdicts[: len(seq_verdicts)] != seq_verdicts or None in our_verdicts:
        raise SystemExit("the two paths disagree on some verdicts: the benchmark is invalid")
    bound = math.ceil(n / args.concurrency) * args.latency
    print(
        f"judge benchmark: N={n} responses ({args.prompts} prompts x {args.samples} samples), "
        f"loopback judge latency {args.latency * 1000:.0f} ms, C={args.concurrency}"
    )
    print(f"  verdicts agree on all {len(seq_verdicts)} compared; {sum(our_verdicts)} of {n} judged correct")
    if len(subset) < n:
        print(f"  sequential   {sequential:8.3f} s  EXTRAPOLATED from {len(subset)} calls ({measured:.3f} s) to {n}")
    else:
        print(f"  sequential   {sequential:8.3f} s  (all {n} calls, one at a time)")
    print(f"  ours (async) {ours:8.3f} s  (cold first batch incl. connection setup: {cold:.3f} s)")
    print(f"  speed-up     {sequential / ours:8.1f} x   (goal >= 50x)")
    print(f"  bound        {bound:8.3f} s  = ceil({n}/{args.concurrency}) x {args.latency:g} s")
    print(
        f"  ours / bound {ours / bound:8.2f}     (goal <= 1.5); max in flight {stats['max_in_flight']}, "
        f"retries {stats['retries']}, failures {stats['failures']}"
    )
    label = (
        f"`benchmarks/bench_judge.py` ({n} responses, {args.latency * 1000:.0f} ms loopback judge) "
        "vs one-call-at-a-time loop"
    )
    speed = sequential / ours
    result = f"{ours:.3f} s vs {sequential:.2f} s = {speed:.1f}x; {ours / bound:.2f}x the bound ceil(N/C)*latency"
    return label, result


if __name__ == "__main__":
    main()
