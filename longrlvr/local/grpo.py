"""The GRPO update with verl's own math: group-normalized advantages, clipped (clip-higher) policy loss,
token-mean aggregation over the whole batch across micro-batches, optional KL to a reference."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
from verl.trainer.ppo.core_algos import agg_loss, compute_grpo_outcome_advantage, get_policy_loss_fn, kl_penalty
from verl.workers.config.actor import ActorConfig

from longrlvr.local.rollout import Rollout, position_ids_of

if TYPE_CHECKING:
    from longrlvr.local.config import ActorConfig as LocalActorConfig
    from longrlvr.local.config import LocalConfig


def actor_config(actor: LocalActorConfig, rollout_n: int) -> ActorConfig:
    """verl's ActorConfig carrying the loss settings that ``compute_policy_loss_vanilla`` reads."""
    return ActorConfig(
        strategy="fsdp",
        rollout_n=rollout_n,
        ppo_mini_batch_size=actor.batch_size,
        ppo_micro_batch_size_per_gpu=actor.micro_batch_size,
        clip_ratio_low=actor.clip_ratio_low,
        clip_ratio_high=actor.clip_ratio_high,
        loss_agg_mode=actor.loss_agg_mode,
        entropy_coeff=actor.entropy_coeff,
        use_torch_compile=False,
    )


def advantages_of(rollout: Rollout, norm_by_std: bool = True) -> torch.Tensor:
    """GRPO outcome advantages (B, R): the scalar reward sits on the last response token."""
    mask = rollout.response_mask.float().cpu()
    rewards = torch.zeros_like(mask)
    last = (mask.sum(dim=1).long() - 1).clamp(min=0)
    rewards[torch.arange(len(last)), last] = rollout.metric("score")
    adv, _ = compute_grpo_outcome_advantage(
        rewards, mask, np.array(rollout.group, dtype=object), norm_adv_by_std_in_grpo=norm_by_std
    )
    return adv


def uniform_groups(rollout: Rollout, metric: str) -> torch.Tensor:
    """Boolean per sample: its group has the same ``metric`` value in every sample (no learning signal)."""
    values = rollout.metric(metric)
    group = torch.tensor(rollout.group)
    keep = torch.zeros(len(values), dtype=torch.bool)
    for g in group.unique():
        members = group == g
        keep[members] = bool((values[members] == values[members][0]).all())
    return keep


def token_logprobs(
    model, input_ids: torch.Tensor, attention_mask: torch.Tensor, response_len: int, temperature: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Log-probs of the response tokens and the entropy of each position's distribution, both (B, R)."""
    logits = (
        model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            position_ids=position_ids_of(attention_mask),
            use_cache=False,
            logits_to_keep=response_len + 1,  # the LM head runs on the response positions only
        )
        .logits[:, :-1]
        .float()
        / temperature
    )
    logp = torch.log_softmax(logits, dim=-1)
    chosen = logp.gather(-1, input_ids[:, -response_len:].unsqueeze(-1)).squeeze(-1)
    entropy = -(logp.exp() * logp).sum(-1)
    return chosen, entropy


def _micro_batches(size: int, micro: int) -> list[slice]:
    return [slice(i, min(i + micro, size)) for i in range(0, size, micro)]


@torch.no_grad()
def batch_logprobs(model, rollout: Rollout, temperature: float, micro: int) -> torch.Tensor:
    """Log-probs of the rollout's responses under ``model`` (old policy or reference), (B, R)."""
    response_len = rollout.response_mask.shape[1]
    parts = [
        token_logprobs(model, rollout.input_ids[s], rollout.attention_mask[s], response_len, temperature)[0]
        for s in _micro_batches(len(rollout.group), micro)
    ]
    return torch.cat(parts)


def update(
    model,
    optimizer: torch.optim.Optimizer,
    scheduler,
    rollout: Rollout,
    advantages: torch.Tensor,
    cfg: LocalConfig,
    *,
    temperature: float,
    ref_model=None,
) -> dict[str, float]:
    """PPO-style update on one rollout batch: ``mini_batches`` optimizer steps per epoch, each
    accumulating gradients over micro-batches with verl's policy loss. Returns mean metrics."""
    actor = cfg.actor
    loss_cfg = actor_config(actor, cfg.rollout.n)
    policy_loss = get_policy_loss_fn("vanilla")
    device = rollout.input_ids.device
    advantages = advantages.to(device)
    mask = rollout.response_mask.float()
    size, response_len = mask.shape
    multi_step = actor.ppo_epochs > 1 or actor.mini_batches > 1
    old_logp = batch_logprobs(model, rollout, temperature, actor.micro_batch_size) if multi_step else None
    ref_logp = batch_logprobs(ref_model, rollout, temperature, actor.micro_batch_size) if ref_model else None
    totals: dict[str, list[float]] = {}
    mini_size = -(-size // actor.mini_batches)
    for _ in range(actor.ppo_epochs):
        for mini in _micro_batches(size, mini_size):
            loss_cfg.global_batch_info.update(dp_size=1, batch_num_tokens=mask[mini].sum().clamp(min=1))
            optimizer.zero_grad(set_to_none=True)
            for s in _micro_batches(mini.stop - mini.start, actor.micro_batch_size):
                s = slice(mini.start + s.start, mini.start + s.stop)
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                    logp, entropy = token_logprobs(
                        model, rollout.input_ids[s], rollout.attention_mask[s], response_len, temperature
                    )
                old = old_logp[s] if old_logp is not None else logp.detach()
                loss, pg_metrics = policy_loss(old, logp, advantages[s], mask[s], actor.loss_agg_mode, loss_cfg)
                ent = agg_loss(entropy, mask[s], actor.loss_agg_mode, **loss_cfg.global_batch_info)
                loss = loss - actor.entropy_coeff * ent
                if ref_logp is not None:
                    kl = kl_penalty(logp, ref_logp[s], actor.kl.type)  # type: ignore[arg-type]
                    kl = agg_loss(kl, mask[s], actor.loss_agg_mode, **loss_cfg.global_batch_info)
                    loss = loss + actor.kl.coef * kl
                    totals.setdefault("actor/kl", []).append(kl.item())
                loss.backward()
                totals.setdefault("actor/pg_loss", []).append(loss.item())
                totals.setdefault("actor/entropy", []).append(ent.item())
                for k, v in pg_metrics.items():
                    totals.setdefault(k, []).append(float(v))
            grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), actor.grad_clip)
            optimizer.step()
            scheduler.step()
            totals.setdefault("actor/grad_norm", []).append(float(grad_norm))
    # pg_loss and entropy are per-micro-batch shares of the mini-batch token mean: report the sums per step
    steps = actor.ppo_epochs * -(-size // mini_size)
    out = {k: float(np.mean(v)) for k, v in totals.items()}
    for k in ("actor/pg_loss", "actor/entropy", "actor/kl"):
        if k in totals:
            out[k] = float(np.sum(totals[k]) / steps)
    out["actor/lr"] = float(scheduler.get_last_lr()[0])
    return out
