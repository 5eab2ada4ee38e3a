"""Probe: how fast does a tiny model learn to *read* the synthetic associative-recall task?

Supervised training only (no GRPO), on the task of ``longrlvr.local.synthetic`` with a choice of prompt
layout and model, and greedy validation (``generate`` + the grammar's reader, as the engine validates) of
the named chunk and the answer at several numbers of chunks N. Used to search for a warm start that forms
the lookup circuit within the CPU budget (docs/local_engine.md, "What the embedded default achieves").

    python scripts/reader_probe.py --arch lfm2 --layout inline --train-n 2 3 --eval-n 3 4 8 --steps 1500

Layouts: ``block`` (the grammar's ``<CHUNK_i>\\n…\\n</CHUNK_i>`` blocks with chunk text ``--text``, question
after the document), ``block-qfirst`` (the question also before the document), ``inline`` (``<CHUNK_i> bak 7``
lines: tag, key and value adjacent), ``inline-vk`` (``<CHUNK_i> 7 bak``). ``--quote`` makes the target think
first (a template of the key ``{k}``, value ``{v}`` and chunk id ``{i}``; ``" {k}"`` restates the key, the
engine's default quotes the evidence: ``" {k}{v} {k}\\n</CHUNK_{i}>"``). ``--arch lfm2`` is transformers' LFM2
(a short causal convolution of width ``--conv-kernel`` before attention); ``--tag-pieces`` spells chunk ids in
digit tokens and merges each key with ``\\n</CHUNK_`` (the engine's tokenizer); ``--distinct-values`` draws
a document's digits without repetition (every digit present at N=10).

The session-4 reader of docs/local_engine.md (forms in 600-700 steps on mixed N; also with distinct digits):

    python scripts/reader_probe.py --arch lfm2 --conv-kernel 4 --tag-pieces --quote $' {k}{v} {k}\\n</CHUNK_{i}>' \\
        --train-n 2 3 4 5 6 7 8 --eval-n 8 10 --steps 1000 --every 100 [--distinct-values]

``--dense K`` measures the bare lookup instead: a block-layout document (chunk text ``--chunk-text``) followed
by K query lines `` key`` + target, the target right after the key (``value``: the key's digit; ``closer``:
its chunk's ``</CHUNK_i>``), keys queried without repetition, loss and teacher-forced accuracy on the
targets only (nothing in a query line's prefix gives its target away).
"""

from __future__ import annotations

import argparse
import random
import time

import torch

from longrlvr.grammar import build_prompt, format_response, parse_response
from longrlvr.local import synthetic
from longrlvr.local.tiny import build_tiny_model, build_tiny_tokenizer

LAYOUTS = ("block", "block-qfirst", "inline", "inline-vk")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--layout", choices=LAYOUTS, default="block")
    p.add_argument("--text", default=synthetic.binding("{k}", "{v}"), help="block layouts: chunk text template")
    p.add_argument("--quote", default=None, help="target thinks first: <think>QUOTE</think> (template)")
    p.add_argument("--tag-pieces", action="store_true", help="ids in digit tokens, keys merged with </CHUNK_")
    p.add_argument("--distinct-values", action="store_true", help="no digit twice in a document")
    p.add_argument("--arch", choices=("qwen2", "lfm2"), default="qwen2")
    p.add_argument("--conv-layers", type=int, default=1, help="lfm2 only: leading convolution layers")
    p.add_argument("--conv-kernel", type=int, default=3, help="lfm2 only: width of the causal convolution")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--layers", type=int, default=None, help="all layers (default: qwen2 2, lfm2 3)")
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=2)
    p.add_argument("--init", type=float, default=0.1)
    p.add_argument("--keys", type=int, default=len(synthetic.KEYS), help="size of the key vocabulary")
    p.add_argument("--train-n", type=int, nargs="+", default=[8], help="N of each training document, drawn uniformly")
    p.add_argument("--eval-n", type=int, nargs="+", default=[4, 8])
    p.add_argument("--eval-rows", type=int, default=64)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--every", type=int, default=250)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dense", type=int, default=0, metavar="K", help="K key lookups per document (bare lookup mode)")
    p.add_argument("--target", choices=("value", "closer"), default="value", help="--dense: what follows the key")
    p.add_argument("--chunk-text", choices=("kv", "vk"), default="kv", help="--dense: ' bak7' or '7 bak'")
    return p.parse_args()


class Task:
    """Examples of one layout: (prompt, target response, reference chunk, answer)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.keys = synthetic.KEYS[: args.keys]

    def example(self, rng: random.Random, n: int) -> tuple[str, str]:
        keys = rng.sample(self.keys, n)
        if self.args.distinct_values:
            values = rng.sample(synthetic.VALUES, n)
        else:
            values = [rng.choice(synthetic.VALUES) for _ in keys]
        ref = rng.randrange(n)
        question = synthetic.question_of(keys[ref])
        layout = self.args.layout
        if layout.startswith("inline"):
            pairs = [(v, k) if layout == "inline-vk" else (k, v) for k, v in zip(keys, values, strict=True)]
            doc = "\n".join(f"<CHUNK_{i}> {a} {b}" for i, (a, b) in enumerate(pairs))
            prompt = f"Document:\n{doc}\n\nQuestion: {question}"
        else:
            preamble = f"Question: {question}" if layout == "block-qfirst" else "Read the document and answer."
            chunks = [self.args.text.format(k=k, v=v) for k, v in zip(keys, values, strict=True)]
            prompt = build_prompt(chunks, question, instruction=synthetic.INSTRUCTION, preamble=preamble)
        quote = self.args.quote
        think = quote.format(k=keys[ref], v=values[ref], i=ref) if quote is not None else None
        return prompt, format_response([ref], values[ref], think=think)


def dense_example(rng: random.Random, n: int, args: argparse.Namespace) -> list[tuple[str, bool]]:
    """(text, is_target) pieces: the document, then ``args.dense`` query lines `` key`` + target."""
    keys = rng.sample(synthetic.KEYS[: args.keys], n)
    values = [rng.choice(synthetic.VALUES) for _ in keys]
    texts = [f" {k}{v}" if args.chunk_text == "kv" else f"{v} {k}" for k, v in zip(keys, values, strict=True)]
    pieces = [("\n".join(f"<CHUNK_{i}>\n{t}\n</CHUNK_{i}>" for i, t in enumerate(texts)) + "\n\n", False)]
    for ref in rng.sample(range(n), min(args.dense, n)):
        target = values[ref] if args.target == "value" else f"</CHUNK_{ref}>"
        pieces += [(f" {keys[ref]}", False), (target, True), ("\n", False)]
    return pieces


def dense_batch(tokenizer, docs: list[list[tuple[str, bool]]]) -> dict[str, torch.Tensor]:
    """Left-padded documents with labels on the target pieces only."""
    seqs = []
    for pieces in docs:
        ids, labels = [], []
        for text, is_target in pieces:
            piece = tokenizer(text, add_special_tokens=False)["input_ids"]
            ids += piece
            labels += piece if is_target else [-100] * len(piece)
        seqs.append((ids, labels))
    width = max(len(ids) for ids, _ in seqs)
    mask = torch.tensor([[0] * (width - len(ids)) + [1] * len(ids) for ids, _ in seqs])
    return {
        "input_ids": torch.tensor([[tokenizer.pad_token_id] * (width - len(i)) + i for i, _ in seqs]),
        "labels": torch.tensor([[-100] * (width - len(lab)) + lab for _, lab in seqs]),
        "attention_mask": mask,
        "position_ids": (mask.cumsum(-1) - 1).clamp(min=0),
    }


@torch.no_grad()
def dense_accuracy(model, tokenizer, args: argparse.Namespace, n: int, rows: int) -> float:
    """Teacher-forced accuracy on the targets of ``rows`` fresh documents of ``n`` chunks."""
    model.eval()
    rng = random.Random(f"val-{n}")
    batch = dense_batch(tokenizer, [dense_example(rng, n, args) for _ in range(rows)])
    labels = batch.pop("labels")[:, 1:]
    predicted = model(**batch).logits[:, :-1].argmax(-1)
    model.train()
    scored = labels != -100
    return ((predicted == labels) & scored).sum().item() / scored.sum().item()


def build_model(args: argparse.Namespace, tokenizer):
    layers = args.layers or (3 if args.arch == "lfm2" else 2)
    return build_tiny_model(
        tokenizer,
        arch=args.arch,
        hidden_size=args.hidden,
        num_layers=layers,
        num_heads=args.heads,
        num_kv_heads=args.kv_heads,
        intermediate_size=3 * args.hidden,
        initializer_range=args.init,
        conv_layers=args.conv_layers,
        conv_kernel=args.conv_kernel,
        seed=args.seed,
    )


def chat_text(tokenizer, prompt: str) -> str:
    messages = [{"role": "user", "content": prompt}]
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)


def training_batch(tokenizer, examples: list[tuple[str, str]]) -> dict[str, torch.Tensor]:
    """Left-padded prompt + target, loss on the target and its eos only."""
    seqs = []
    for prompt, target in examples:
        p = tokenizer(chat_text(tokenizer, prompt), add_special_tokens=False)["input_ids"]
        t = tokenizer(target + tokenizer.eos_token, add_special_tokens=False)["input_ids"]
        seqs.append((p, t))
    width = max(len(p) + len(t) for p, t in seqs)
    ids = [[tokenizer.pad_token_id] * (width - len(p) - len(t)) + p + t for p, t in seqs]
    labels = [[-100] * (width - len(t)) + t for _, t in seqs]
    mask = torch.tensor([[0] * (width - len(p) - len(t)) + [1] * (len(p) + len(t)) for p, t in seqs])
    return {
        "input_ids": torch.tensor(ids),
        "attention_mask": mask,
        "labels": torch.tensor(labels),
        "position_ids": (mask.cumsum(-1) - 1).clamp(min=0),
    }


@torch.no_grad()
def greedy_accuracy(model, tokenizer, task: Task, n: int, rows: int) -> tuple[float, float]:
    """(named chunk exactly right, answer exactly right) over ``rows`` fresh documents of ``n`` chunks."""
    model.eval()
    rng = random.Random(f"val-{n}")
    examples = [task.example(rng, n) for _ in range(rows)]
    enc = tokenizer(
        [chat_text(tokenizer, p) for p, _ in examples], add_special_tokens=False, padding=True, return_tensors="pt"
    )
    out = model.generate(**enc, max_new_tokens=24, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    texts = tokenizer.batch_decode(out[:, enc["input_ids"].shape[1] :])
    chunk_ok = answer_ok = 0
    for (_, target), text in zip(examples, texts, strict=True):
        want, got = parse_response(target), parse_response(text.split(tokenizer.eos_token)[0])
        chunk_ok += got.chunk_ids == want.chunk_ids
        answer_ok += got.answer == want.answer
    model.train()
    return chunk_ok / rows, answer_ok / rows


def main() -> None:
    args = parse_args()
    torch.set_num_threads(1)
    task = Task(args)
    sample = task.example(random.Random(0), max(args.train_n + args.eval_n))
    dense = "".join(text for text, _ in dense_example(random.Random(0), max(args.train_n), args)) if args.dense else ""
    extra = synthetic.key_closers() if args.tag_pieces else ()
    tokenizer = build_tiny_tokenizer(
        [*synthetic.corpus(), *sample, dense], max_chunks=64, tag_pieces=args.tag_pieces, extra_tokens=extra
    )
    model = build_model(args, tokenizer)
    print(f"{args.arch}: {sum(p.numel() for p in model.parameters())} parameters; layout {args.layout}")
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / 20))
    rng = random.Random(args.seed)
    start, cpu_start = time.time(), time.process_time()
    model.train()
    for step in range(1, args.steps + 1):
        n = rng.choice(args.train_n)
        if args.dense:
            batch = dense_batch(tokenizer, [dense_example(rng, n, args) for _ in range(args.batch_size)])
        else:
            batch = training_batch(tokenizer, [task.example(rng, n) for _ in range(args.batch_size)])
        loss = model(**batch).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        if step % args.every == 0 or step == args.steps:
            if args.dense:
                cells = " ".join(
                    f"N={n}: lookup {dense_accuracy(model, tokenizer, args, n, args.eval_rows):.2f}"
                    for n in args.eval_n
                )
            else:
                accs = {n: greedy_accuracy(model, tokenizer, task, n, args.eval_rows) for n in args.eval_n}
                cells = " ".join(f"N={n}: chunk {c:.2f} answer {a:.2f}" for n, (c, a) in accs.items())
            print(
                f"step {step} loss {loss.item():.3f} | {cells} | {time.time() - start:.0f}s wall,"
                f" {time.process_time() - cpu_start:.0f}s cpu",
                flush=True,
            )


if __name__ == "__main__":
    main()
