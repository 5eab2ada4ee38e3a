"""Measure, on one GPU, the per-token memory the dry run's memory plan estimates (docs/cluster.md, "Memory plan").

    python scripts/calibrate_memory_plan.py [--config CONFIG.json] [--tokens 8192 16384 32768] [--out FILE.json]

The model is built from its ``config.json`` dimensions with random weights in bf16 (no download; the default is
Qwen2.5-7B-Instruct-1M's). For each token count (one sequence) it records the peak GPU memory above the weights
(and, for training, their gradients) of:

* ``update``: forward + backward with gradient checkpointing, loss = token cross-entropy over the logits
  (the actor update's activations + logits and their gradient);
* ``logprob`` / ``logprob_entropy`` / ``logprob_entropy_chunked``: a no-grad forward, then token log-probs, then
  also the entropy over the whole logits, or over 2,048-token chunks (verl's
  ``entropy_from_logits_with_chunking``).

Prints a table and writes JSON; compare it with ``longrlvr train --dry-run``'s plan for the same token budget.
Needs a CUDA GPU with room for the model twice in bf16 (weights + gradients).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

QWEN25_7B_1M = {  # the public config.json dimensions of Qwen/Qwen2.5-7B-Instruct-1M (no weights needed)
    "architectures": ["Qwen2ForCausalLM"],
    "model_type": "qwen2",
    "hidden_size": 3584,
    "intermediate_size": 18944,
    "num_hidden_layers": 28,
    "num_attention_heads": 28,
    "num_key_value_heads": 4,
    "vocab_size": 152064,
    "max_position_embeddings": 1010000,
    "rope_theta": 10000000.0,
    "rms_norm_eps": 1e-5,
    "tie_word_embeddings": False,
}
GIB = 2**30


def build(config: dict) -> torch.nn.Module:
    from transformers import AutoConfig, AutoModelForCausalLM

    cfg = AutoConfig.for_model(**config)
    cfg._attn_implementation = "sdpa"
    with torch.device("cuda"):
        model = AutoModelForCausalLM.from_config(cfg, dtype=torch.bfloat16)
    return model


def entropy(logits: torch.Tensor) -> torch.Tensor:
    probs = torch.softmax(logits.float(), dim=-1)
    return torch.logsumexp(logits.float(), dim=-1) - (probs * logits.float()).sum(-1)


def peak_above(base: int, fn) -> float:
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    fn()
    torch.cuda.synchronize()
    return (torch.cuda.max_memory_allocated() - base) / GIB


def measure(model: torch.nn.Module, tokens: int, vocab: int) -> dict[str, float]:
    ids = torch.randint(0, vocab, (1, tokens), device="cuda")
    out: dict[str, float] = {}

    def update() -> None:
        model.train()
        logits = model(input_ids=ids).logits
        loss = torch.nn.functional.cross_entropy(logits[0, :-1].float(), ids[0, 1:])
        loss.backward()

    def logprob(mode: str) -> None:
        model.eval()
        with torch.no_grad():
            logits = model(input_ids=ids).logits[0]
            logp = torch.log_softmax(logits.float(), dim=-1).gather(-1, ids[0, :, None])
            if mode == "full":
                entropy(logits)
            elif mode == "chunked":
                torch.cat([entropy(part) for part in logits.split(2048)])
            del logp

    model.zero_grad(set_to_none=False)  # gradients allocated: the update's baseline holds them
    base = torch.cuda.memory_allocated()
    out["update"] = peak_above(base, update)
    model.zero_grad(set_to_none=True)
    torch.cuda.empty_cache()
    base = torch.cuda.memory_allocated()
    for name, mode in (("logprob", "none"), ("logprob_entropy", "full"), ("logprob_entropy_chunked", "chunked")):
        out[name] = peak_above(base, lambda m=mode: logprob(m))
        torch.cuda.empty_cache()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="a model's config.json (default: Qwen2.5-7B-Instruct-1M's dimensions)")
    parser.add_argument("--tokens", type=int, nargs="+", default=[8192, 16384, 32768])
    parser.add_argument("--out", default="memory_calibration.json")
    args = parser.parse_args(argv)
    config = json.loads(Path(args.config).read_text()) if args.config else QWEN25_7B_1M
    config.pop("dual_chunk_attention_config", None)
    start = time.perf_counter()
    model = build(config)
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    weights = torch.cuda.memory_allocated() / GIB
    params = sum(p.numel() for p in model.parameters())
    print(f"{torch.cuda.get_device_name()}: {params / 1e9:.3f}B params, weights {weights:.2f} GiB bf16")
    rows = []
    for tokens in args.tokens:
        row = {"tokens": tokens, **measure(model, tokens, config["vocab_size"])}
        rows.append(row)
        cells = "  ".join(
            f"{k} {v:6.2f} GiB ({v * GIB / tokens / 1024:.1f} KiB/token)" for k, v in row.items() if k != "tokens"
        )
        print(f"{tokens:>7} tokens  {cells}", flush=True)
    result = {"device": torch.cuda.get_device_name(), "params": params, "weights_gib": weights, "rows": rows}
    result["seconds"] = time.perf_counter() - start
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(f"wrote {args.out} ({result['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
