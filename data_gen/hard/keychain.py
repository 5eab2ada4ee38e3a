"""KeyChain items (LoongRL) in the LongRLVR grammar.

The context is a list of passages, one ``<CHUNK_i>`` each: the question's supporting paragraphs, its
other paragraphs, then filler paragraphs from other items until a token budget. UUID chains are hidden
in it: about ``chains_per_1k`` chains per 1K tokens of budget, each ``chain_length`` ids (8 hex chars,
unique across the whole generated set) written as ``{"key": "value"}`` pairs, the last value a
question. Exactly one chain ends in the item's true question, the others in questions from other
items. The prompt names the true chain's first id; the model follows the chain, finds the question,
names its evidence chunks and answers. The supporting paragraphs are the reference chunks, so the
context reward applies.

Placement and budget (docs/hard_data.md tables both):

- ``placement: keychain`` (default, KeyChain's as its description gives it): *every* paragraph of the item
  (supporting and others) goes to ``clamp(N(0, sigma), ±clamp)`` on a [-1, 1] scale over the fillers
  (sigma 0.30, clamp 0.95); chain pairs come *on top of* ``budget_tokens`` (``chains_in_budget: false``)
  and are inserted after sentence ends and at paragraph starts.
- ``placement: gaussian`` (ours before): only the supporting paragraphs, around the centre with a standard
  deviation of ``sigma`` x the number of passages (we used 0.35), clipped to the ends; ``uniform``: anywhere.
  With ``chains_in_budget: true`` the pairs count inside the budget; ``boundary_inserts: false`` inserts
  after sentence ends only.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from longrlvr.data_gen.hard.multihop_loaders import MultiHopItem, load_multihop

from longrlvr.chunking import count_tokens, count_tokens_batch
from longrlvr.data import make_row, validate_rows, write_parquet
from longrlvr.errors import TaskFailed
from longrlvr.grammar import prompt_chunks
from longrlvr.hf_io import load_tokenizer
from longrlvr.rewards import normalize_answer

DATA_SOURCE = "keychain"
PLACEMENTS = ("keychain", "gaussian", "uniform")
PAIR_RE = re.compile(r'\{"([0-9a-f]{8})": ("(?:[^"\\]|\\.)*")\}')
_SENTENCE_END_RE = re.compile(r"[.!?](?=\s|$)")
KEYCHAIN_INSTRUCTION = (
    "First, think step by step inside <think> </think>: follow the chain of ids and write down the question it "
    "leads to. Then list the ids of every chunk that contains evidence you used to answer that question inside "
    "<useful_chunks> </useful_chunks>, for example <useful_chunks><CHUNK_2>, <CHUNK_7></useful_chunks>. "
    "Finally, give a concise answer to that question inside <answer> </answer>."
)


@dataclass(frozen=True)
class KeyChainConfig:
    budget_tokens: int = 8192  # tokens of all chunk texts together, chain pairs included
    chains_per_1k: float = 4.0
    chain_length: int = 4  # ids per chain
    placement: str = "keychain"  # keychain (the authors'), gaussian (ours before) or uniform; see above
    sigma: float = 0.30  # keychain: on the [-1, 1] scale; gaussian: a fraction of the number of passages
    clamp: float = 0.95  # keychain: positions beyond ±clamp are clipped to it
    chains_in_budget: bool = False  # false (authors'): budget_tokens bounds the passages, pairs come on top
    boundary_inserts: bool = True  # pairs also at paragraph starts, not only after sentence ends
    seed: int = 0

    def __post_init__(self) -> None:
        if self.placement not in PLACEMENTS:
            raise ValueError(f"placement must be one of {PLACEMENTS}, got {self.placement!r}")


class IdPool:
    """Unique 8-hex-char ids from a seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def new(self) -> str:
        while True:
            key = f"{self._rng.getrandbits(32):08x}"
            if key not in self._used:
                self._used.add(key)
                return key


def render_pair(key: str, value: str) -> str:
    return json.dumps({key: value}, ensure_ascii=False)


def parse_pairs(text: str) -> dict[str, str]:
    """All ``{"id": "value"}`` pairs in ``text`` (raises on a duplicate key)."""
    pairs: dict[str, str] = {}
    for key, raw in PAIR_RE.findall(text):
        if key in pairs:
            raise ValueError(f"duplicate chain key {key}")
        pairs[key] = json.loads(raw)
    return pairs


def follow_chain(pairs: dict[str, str], start: str, max_hops: int = 64) -> list[str]:
    """The values visited from ``start`` until a value that is not a key; raises on a missing/looping key."""
    path, key = [], start
    for _ in range(max_hops):
        if key not in pairs:
            raise KeyError(f"chain key {key} not found")
        key = pairs[key]
        path.append(key)
        if key not in pairs:
            return path
    raise ValueError(f"chain from {start} does not end within {max_hops} hops")


def make_chains(
    n_chains: int, length: int, true_question: str, distractors: Sequence[str], ids: IdPool, rng: random.Random
) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """``n_chains`` chains of ``length`` ids; chain 0 ends in the true question. Returns (chains, shuffled pairs)."""
    if not distractors and n_chains > 1:
        raise ValueError("distractor chains need questions from other items")
    chains, pairs = [], []
    for c in range(n_chains):
        chain = [ids.new() for _ in range(length)]
        end = true_question if c == 0 else rng.choice(distractors)
        chains.append(chain)
        pairs += list(zip(chain, [*chain[1:], end], strict=True))
    rng.shuffle(pairs)
    return chains, pairs


def insert_after_sentences(
    passages: list[str], snippets: Sequence[str], rng: random.Random, boundaries: bool = False
) -> list[str]:
    """Insert each snippet after a random sentence end of a random passage (preceded by a space), or, with
    ``boundaries``, also at a passage start (followed by a space)."""
    slots = [(p, m.end()) for p, text in enumerate(passages) for m in _SENTENCE_END_RE.finditer(text)]
    slots += [(p, len(text)) for p, text in enumerate(passages) if not text.rstrip().endswith((".", "!", "?"))]
    if boundaries:
        slots += [(p, 0) for p in range(len(passages))]
    inserts: dict[int, list[tuple[int, int, str]]] = {}
    for order, snippet in enumerate(snippets):
        p, pos = rng.choice(slots)
        inserts.setdefault(p, []).append((pos, order, snippet))
    out = list(passages)
    for p, items in inserts.items():
        text = out[p]
        for pos, _, snippet in sorted(items, reverse=True):
            text = f"{snippet} {text}" if pos == 0 else f"{text[:pos]} {snippet}{text[pos:]}"
        out[p] = text
    return out


def draw_position(n: int, cfg: KeyChainConfig, rng: random.Random) -> tuple[int, bool]:
    """Where (0..n) among ``n`` passages one placed paragraph goes, and whether its draw was clipped (beyond
    ±clamp for ``keychain``, beyond an end for ``gaussian``)."""
    if cfg.placement == "keychain":
        raw = rng.gauss(0.0, cfg.sigma)
        x = max(-cfg.clamp, min(cfg.clamp, raw))
        return round((x + 1) / 2 * n), abs(raw) > cfg.clamp
    if cfg.placement == "gaussian":
        raw_pos = round(rng.gauss(n / 2, cfg.sigma * max(n, 1)))
        return min(n, max(0, raw_pos)), not 0 < raw_pos < n
    return rng.randint(0, n), False


def place_passages(
    core: list[str], rest: list[str], cfg: KeyChainConfig, rng: random.Random, others: Sequence[str] = ()
) -> tuple[list[str], list[int]]:
    """Order passages: ``rest`` (fillers) shuffled, the item's ``core`` (supporting) paragraphs placed by
    :func:`draw_position`, its ``others`` placed the same way (``keychain``) or shuffled in with the fillers.
    Returns (passages, indices of the core ones)."""
    placed = [(t, True) for t in core] + [(t, False) for t in others if cfg.placement == "keychain"]
    tagged = [(t, False) for t in rest] + [(t, False) for t in others if cfg.placement != "keychain"]
    rng.shuffle(tagged)
    for item in placed:
        tagged.insert(draw_position(len(tagged), cfg, rng)[0], item)
    return [t for t, _ in tagged], [i for i, (_, is_core) in enumerate(tagged) if is_core]


def placement_stats(cfg: KeyChainConfig, passages: int = 1000, trials: int = 20_000, seed: int = 0) -> dict[str, float]:
    """Share of placed paragraphs in the middle half of ``passages`` passages, and share of clipped draws,
    from ``trials`` seeded draws."""
    rng = random.Random(seed)
    draws = [draw_position(passages, cfg, rng) for _ in range(trials)]
    middle = sum(passages / 4 <= pos < 3 * passages / 4 for pos, _ in draws)
    return {"middle_half": middle / trials, "clipped": sum(clipped for _, clipped in draws) / trials}


def num_chains(cfg: KeyChainConfig) -> int:
    return max(1, round(cfg.chains_per_1k * cfg.budget_tokens / 1000))


def _select_fillers(fillers: Sequence[tuple[str, int]], room: int) -> list[str]:
    """Fillers in order, skipping those that no longer fit ``room`` tokens."""
    picked = []
    for text, n in fillers:
        if n <= room:
            picked.append(text)
            room -= n
    return picked


def build_keychain_row(
    item: MultiHopItem,
    *,
    fillers: Sequence[tuple[str, int]],
    distractor_questions: Sequence[str],
    tokenizer: Any,
    cfg: KeyChainConfig,
    ids: IdPool,
    rng: random.Random,
    index: int,
) -> dict[str, Any]:
    """One KeyChain row from ``(text, tokens)`` fillers in preference order.

    Raises ``ValueError`` when the item's own paragraphs and chains exceed the budget.
    """
    chains, pairs = make_chains(num_chains(cfg), cfg.chain_length, item.question, distractor_questions, ids, rng)
    snippets = [render_pair(k, v) for k, v in pairs]
    core = [p.render() for p in item.supporting]
    others = [p.render() for p in item.others]
    own = sum(count_tokens_batch(core + others, tokenizer))
    chain_tokens = sum(count_tokens_batch(snippets, tokenizer)) + len(snippets) if cfg.chains_in_budget else 0
    room = cfg.budget_tokens - own - chain_tokens
    while True:  # token counts are not additive at insertion points: shrink the filler room until it fits
        if room < 0:
            raise ValueError(
                f"item {item.id}: own paragraphs{' and chains' if chain_tokens else ''} need {own + chain_tokens} "
                f"> {cfg.budget_tokens} tokens"
            )
        passages, core_idx = place_passages(core, _select_fillers(fillers, room), cfg, rng, others=others)
        chunks = insert_after_sentences(passages, snippets, rng, boundaries=cfg.boundary_inserts)
        bounded = sum(count_tokens_batch(chunks if cfg.chains_in_budget else passages, tokenizer))
        if bounded <= cfg.budget_tokens:
            break
        room -= bounded - cfg.budget_tokens
    total = sum(count_tokens_batch(chunks, tokenizer)) if not cfg.chains_in_budget else bounded
    question = (
        f'The document hides key-value pairs of ids written as {{"key": "value"}}. Start from the id {chains[0][0]}: '
        "find its value, and keep looking up each value as the next key until the value is a question. "
        "Answer that question using the document."
    )
    return make_row(
        chunks=chunks,
        question=question,
        answer=list(item.answers),
        ref_chunks=core_idx,
        index=index,
        data_source=DATA_SOURCE,
        instruction=KEYCHAIN_INSTRUCTION,
        extra={
            "source_id": item.id,
            "context_tokens": total,
            "keychain": {
                "start_id": chains[0][0],
                "chain": chains[0],
                "true_question": item.question,
                "num_chains": len(chains),
            },
        },
    )


def build_keychain_rows(items: Sequence[MultiHopItem], tokenizer: Any, cfg: KeyChainConfig) -> list[dict[str, Any]]:
    """KeyChain rows for all items; fillers and distractor questions come from the other items."""
    if len(items) < 2:
        raise ValueError("KeyChain needs at least two items (fillers and distractor questions come from other items)")
    rng = random.Random(cfg.seed)
    ids = IdPool(rng)
    # every paragraph tokenized once: (owner item, title, text, tokens)
    pool = [(i, p.title, p.render()) for i, it in enumerate(items) for p in it.paragraphs]
    pool_tokens = count_tokens_batch([text for _, _, text in pool], tokenizer)
    # enough random candidates to fill the budget twice over with the shortest paragraphs
    draw = min(len(pool), 2 * cfg.budget_tokens // max(1, min(pool_tokens)) + 1)
    questions = sorted({it.question for it in items})
    rows = []
    for i, item in enumerate(items):
        own_titles = {p.title for p in item.paragraphs}
        fillers = [
            (pool[j][2], pool_tokens[j])
            for j in rng.sample(range(len(pool)), draw)
            if pool[j][0] != i and pool[j][1] not in own_titles
        ]
        distractors = [q for q in questions if q != item.question]
        rows.append(
            build_keychain_row(
                item,
                fillers=fillers,
                distractor_questions=distractors,
                tokenizer=tokenizer,
                cfg=cfg,
                ids=ids,
                rng=rng,
                index=i,
            )
        )
    return rows


def names_true_question(response: str, extra_info: dict[str, Any]) -> bool:
    """Whether a response writes out the true question the chain leads to (normalized containment)."""
    target = normalize_answer(extra_info["keychain"]["true_question"])
    return bool(target) and target in normalize_answer(response)


def context_tokens(row: dict[str, Any], tokenizer: Any) -> int:
    """Tokens of the chunk texts of a row (what the budget bounds)."""
    return sum(count_tokens(t, tokenizer) for t in prompt_chunks(row["prompt"][0]["content"]).values())


def run_cli(args: argparse.Namespace) -> None:
    from longrlvr.config_loader import load_settings

    cfg = load_settings(
        args.config,
        args.overrides,
        group="data_gen",
        schema=KeyChainConfig,
        flags={"budget_tokens": args.budget_tokens, "seed": args.seed},
    )
    rows = build_keychain_rows(
        load_multihop(args.input, args.format), load_tokenizer(args.tokenizer, "--tokenizer"), cfg
    )
    errors = validate_rows(rows)
    if errors:
        raise TaskFailed(f"{len(errors)} invalid row(s), first: {errors[0]}")
    print(f"wrote {len(rows)} rows to {write_parquet(rows, args.output)}")
