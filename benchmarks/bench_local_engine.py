"""Local GRPO engine vs TRL's GRPOTrainer on CPU: rollout and update tokens/s, same run, same setup.

Both engines start from copies of the same tiny Qwen2 model and tokenizer, train on the same synthetic
prompts with the same batch (prompts x group size), sampling settings and max completion length, with
the LongRLVR reward from ``longrlvr.rewards``. Rollout time is measured by wrapping the model's
``generate`` (what both engines call); update time is the rest of the step (scoring, advantages,
log-probs, backward, optimizer). Tokens/s count generated response tokens (rollout) and
prompt+response tokens (update). Needs the ``bench`` extra (``pip install -e .[bench]``).

    OMP_NUM_THREADS=2 python benchmarks/bench_local_engine.py --steps 3 --rounds 2
"""

from __future__ import annotations

import argparse
import copy
import os
import tempfile
import time
from typing import Any

import torch

from longrlvr.local.config import load_config
from longrlvr.local.synthetic import corpus, generate_rows
from longrlvr.local.tiny import build_tiny_model, build_tiny_tokenizer
from longrlvr.local.trainer import grpo_step
from longrlvr.rewards import compute_score


class GenerateTimer:
    """Wraps ``model.generate``: accumulates its wall time and the generated (non-pad) tokens."""

    def __init__(self, model, pad_id: int):
        self.seconds, self.tokens, self.pad_id, self._inner = 0.0, 0, pad_id, model.generate
        model.generate = self

    def __call__(self, *args: Any, **kwargs: Any):
        start = time.perf_counter()
        out = self._inner(*args, **kwargs)
        self.seconds += time.perf_counter() - start
        prompt_len = (kwargs.get("input_ids") if kwargs.get("input_ids") is not None else args[0]).shape[1]
        self.tokens += int((out[:, prompt_len:] != self.pad_id).sum())
        return out


def prompt_tokens(tokenizer, rows) -> int:
    """Prompt tokens of the rows after the chat template (what both engines feed the model)."""
    texts = [tokenizer.apply_chat_template(list(r["prompt"]), tokenize=False, add_generation_prompt=True) for r in rows]
    return sum(len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"])


def run_local(model, tokenizer, batches, args) -> tuple[GenerateTimer, float]:
    cfg = load_config(
        [
            f"rollout.n={args.n}",
            f"rollout.max_new_tokens={args.max_new_tokens}",
            f"actor.batch_size={args.batch}",
            f"actor.micro_batch_size={args.batch * args.n}",
            "actor.warmup_steps=0",
            f"actor.lr={args.lr}",
            "algorithm.dynamic_sampling=false",  # TRL has no DAPO refills: compare one rollout per step
        ]
    )
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    reward_kwargs = {"mode": "longrlvr"}
    grpo_step(model, tokenizer, optimizer, scheduler, batches[0], None, cfg, reward_kwargs, None)  # warm-up
    timer = GenerateTimer(model, tokenizer.pad_token_id)
    start = time.perf_counter()
    for rows in batches[1:]:
        grpo_step(model, tokenizer, optimizer, scheduler, rows, None, cfg, reward_kwargs, None)
    return timer, time.perf_counter() - start


def run_trl(model, tokenizer, batches, args) -> tuple[GenerateTimer, float]:
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    rows = [r for b in batches for r in b]

    def reward(prompts, completions, data_source, ground_truth, extra_info, **_):
        texts = [c[-1]["content"] if isinstance(c, list) else c for c in completions]
        return [
            compute_score(d, t, g, e)["score"]
            for t, d, g, e in zip(texts, data_source, ground_truth, extra_info, strict=True)
        ]

    data = Dataset.from_list(
        [
            {
                "prompt": list(r["prompt"]),
                "data_source": r["data_source"],
                "ground_truth": r["reward_model"]["ground_truth"],
                "extra_info": r["extra_info"],
            }
            for r in rows
        ]
    )
    config = GRPOConfig(
        output_dir=tempfile.mkdtemp(prefix="bench_trl_"),
        use_cpu=True,
        bf16=False,
        report_to="none",
        per_device_train_batch_size=args.batch * args.n,
        num_generations=args.n,
        gradient_accumulation_steps=1,
        max_completion_length=args.max_new_tokens,
        temperature=1.0,
        top_p=1.0,
        top_k=0,
        beta=0.0,
        epsilon=0.2,
        epsilon_high=0.28,
        loss_type="dapo",
        learning_rate=args.lr,
        lr_scheduler_type="constant",
        warmup_steps=0,
        max_steps=len(batches),
        shuffle_dataset=False,
        save_strategy="no",
        logging_steps=1,
        disable_tqdm=True,
        seed=0,
        gradient_checkpointing=False,  # TRL defaults to True; the local engine does not recompute activations
    )
    timer: dict[str, Any] = {}

    class StartTimerAfterWarmup(TrainerCallback):
        def on_step_end(self, _args, state, *_a, **_k):
            if state.global_step == 1:
                timer["gen"] = GenerateTimer(trainer.model, tokenizer.pad_token_id)
                timer["start"] = time.perf_counter()

    trainer = GRPOTrainer(
        model=model,
        reward_funcs=reward,
        args=config,
        train_dataset=data,
        processing_class=tokenizer,
        callbacks=[StartTimerAfterWarmup()],
    )
    trainer.train()
    return timer["gen"], time.perf_counter() - timer["start"]


def main(argv: list[str] | None = None) -> tuple[str, str]:
    """Run, print the report; returns the README row (what was measured, the result)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4, help="timed GRPO steps per engine (after 1 warm-up step)")
    parser.add_argument("--batch", type=int, default=8, help="prompts per step")
    parser.add_argument("--n", type=int, default=8, help="samples per prompt")
    parser.add_argument("--max-new-tokens", type=int, default=24)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per engine; the best is kept")
    parser.add_argument("--quick", action="store_true", help="a seconds-long smoke run (1 timed step, 2x2, 1 round)")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.batch, args.n, args.rounds, args.max_new_tokens = 1, 2, 2, 1, 8
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    torch.manual_seed(0)
    tokenizer = build_tiny_tokenizer(corpus(), max_chunks=16)
    model = build_tiny_model(tokenizer, seed=0)
    rows = generate_rows(args.batch * (args.steps + 1), seed=0)
    batches = [rows[i * args.batch : (i + 1) * args.batch] for i in range(args.steps + 1)]
    ptoks = prompt_tokens(tokenizer, [r for b in batches[1:] for r in b])
    engines = (("longrlvr.local", run_local), ("trl.GRPOTrainer", run_trl))
    best: dict[str, dict[str, Any]] = {}
    for _ in range(args.rounds):  # alternate engines; keep each one's best round (the CPU is shared and noisy)
        for name, runner in engines:
            torch.manual_seed(0)
            timer, total = runner(copy.deepcopy(model), tokenizer, batches, args)
            row = {
                "engine": name,
                "rollout": timer.tokens / timer.seconds,
                "update": (ptoks * args.n + timer.tokens) / (total - timer.seconds),
                "step": timer.tokens / total,
                "gen_tokens": timer.tokens,
            }
            if name not in best or row["step"] > best[name]["step"]:
                best[name] = row
    results = [best[name] for name, _ in engines]
    print(
        f"\nCPU threads={torch.get_num_threads()} batch={args.batch}x{args.n} max_new_tokens={args.max_new_tokens} "
        f"timed steps={args.steps} params={sum(p.numel() for p in model.parameters()) / 1e6:.2f}M"
    )
    print(f"{'engine':<18}{'rollout tok/s':>15}{'update tok/s':>15}{'step gen tok/s':>16}{'gen tokens':>12}")
    for r in results:
        print(f"{r['engine']:<18}{r['rollout']:>15.1f}{r['update']:>15.1f}{r['step']:>16.1f}{r['gen_tokens']:>12d}")
    ours, trl = results
    print(
        f"{'ratio (ours/TRL)':<18}{ours['rollout'] / trl['rollout']:>14.2f}x{ours['update'] / trl['update']:>14.2f}x"
        f"{ours['step'] / trl['step']:>15.2f}x"
    )
    label = f"`benchmarks/bench_local_engine.py` ({args.batch}x{args.n} per step) vs TRL `GRPOTrainer`"
    ratios = {k: ours[k] / trl[k] for k in ("rollout", "update", "step")}
    return label, f"rollout {ratios['rollout']:.2f}x, update {ratios['update']:.2f}x, full step {ratios['step']:.2f}x"


if __name__ == "__main__":
    main()
