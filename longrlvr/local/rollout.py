"""Rollouts: batched, left-padded HF ``generate`` with sampling, then the pure reward core per response."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from longrlvr.rewards import compute_score

REWARD_METRICS = ("score", "answer_acc", "precision", "recall", "fbeta", "format_ok")


@dataclass
class Rollout:
    """A batch of sampled responses. Row ``i`` belongs to prompt ``group[i]``."""

    input_ids: torch.Tensor  # (B, P + R) prompt (left padded) + response (right padded)
    attention_mask: torch.Tensor  # (B, P + R)
    response_mask: torch.Tensor  # (B, R) 1 for response tokens up to and including eos
    group: list[int]
    scores: list[dict[str, Any]]
    texts: list[str]

    @property
    def prompt_length(self) -> int:
        return self.input_ids.shape[1] - self.response_mask.shape[1]

    def metric(self, key: str) -> torch.Tensor:
        return torch.tensor([float(s[key]) for s in self.scores])

    def select(self, keep: torch.Tensor) -> Rollout:
        idx = keep.nonzero().flatten().tolist()
        return Rollout(
            self.input_ids[idx],
            self.attention_mask[idx],
            self.response_mask[idx],
            [self.group[i] for i in idx],
            [self.scores[i] for i in idx],
            [self.texts[i] for i in idx],
        )


def concat_rollouts(parts: Sequence[Rollout], pad_id: int) -> Rollout:
    """One rollout from several (e.g. DAPO refills): prompts re-left-padded, responses re-right-padded,
    group ids renumbered so groups of different parts stay apart."""
    prompt_len = max(p.prompt_length for p in parts)
    resp_len = max(p.response_mask.shape[1] for p in parts)
    ids: list[torch.Tensor] = []
    attn: list[torch.Tensor] = []
    resp: list[torch.Tensor] = []
    group: list[int] = []
    scores: list[dict[str, Any]] = []
    texts: list[str] = []
    for part in parts:
        left, right = prompt_len - part.prompt_length, resp_len - part.response_mask.shape[1]
        ids.append(torch.nn.functional.pad(part.input_ids, (left, right), value=pad_id))
        attn.append(torch.nn.functional.pad(part.attention_mask, (left, right), value=0))
        resp.append(torch.nn.functional.pad(part.response_mask, (0, right), value=0))
        offset = max(group, default=-1) + 1
        group += [offset + g for g in part.group]
        scores += part.scores
        texts += part.texts
    return Rollout(torch.cat(ids), torch.cat(attn), torch.cat(resp), group, scores, texts)


def encode_prompts(tokenizer, rows: Sequence[Mapping[str, Any]], device: torch.device) -> dict[str, torch.Tensor]:
    """Chat-template the rows' prompts and left-pad them into one batch."""
    texts = [tokenizer.apply_chat_template(list(r["prompt"]), tokenize=False, add_generation_prompt=True) for r in rows]
    enc = tokenizer(texts, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False)
    return {k: v.to(device) for k, v in enc.items()}


def response_mask_of(responses: torch.Tensor, eos_id: int) -> torch.Tensor:
    """1 for every token up to and including the first eos, 0 after (generate pads after eos)."""
    is_eos = (responses == eos_id).int()
    after_eos = (is_eos.cumsum(dim=1) - is_eos) > 0
    return (~after_eos).long()


def position_ids_of(attention_mask: torch.Tensor) -> torch.Tensor:
    """Positions that skip left padding (what ``generate`` uses)."""
    return (attention_mask.cumsum(-1) - 1).clamp(min=0)


def score_rows(
    rows: Sequence[Mapping[str, Any]], texts: Sequence[str], group: Sequence[int], reward_kwargs: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Reward of each response against its row, by :func:`longrlvr.rewards.compute_score`."""
    return [
        compute_score(
            rows[g]["data_source"],
            text,
            rows[g]["reward_model"]["ground_truth"],
            rows[g]["extra_info"],
            **reward_kwargs,
        )
        for text, g in zip(texts, group, strict=True)
    ]


@torch.no_grad()
def generate(
    model,
    tokenizer,
    rows: Sequence[Mapping[str, Any]],
    *,
    n: int,
    max_new_tokens: int,
    reward_kwargs: Mapping[str, Any],
    temperature: float = 1.0,
    top_p: float = 1.0,
    greedy: bool = False,
) -> Rollout:
    """Sample ``n`` responses per row (or one greedy response) and score them."""
    device = next(model.parameters()).device
    enc = encode_prompts(tokenizer, rows, device)
    sampling = {} if greedy else {"temperature": temperature, "top_p": top_p, "top_k": 0}
    out = model.generate(
        **enc,
        do_sample=not greedy,
        num_return_sequences=1 if greedy else n,
        max_new_tokens=max_new_tokens,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        **sampling,
    )
    per_row = 1 if greedy else n
    prompt_len = enc["input_ids"].shape[1]
    responses = out[:, prompt_len:]
    resp_mask = response_mask_of(responses, tokenizer.eos_token_id)
    attention = torch.cat([enc["attention_mask"].repeat_interleave(per_row, dim=0), resp_mask], dim=1)
    texts = tokenizer.batch_decode(
        responses * resp_mask + tokenizer.pad_token_id * (1 - resp_mask), skip_special_tokens=True
    )
    group = [i // per_row for i in range(out.shape[0])]
    scores = score_rows(rows, texts, group, reward_kwargs)
    return Rollout(out, attention, resp_mask, group, scores, texts)
