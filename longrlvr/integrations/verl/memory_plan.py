"""Per-GPU memory plan of a composed LongRLVR verl 0.9.1 config: one GiB figure per phase and a fit verdict.

Pure arithmetic (no torch, no verl import): :func:`shape_of` reads the composed config, :class:`ModelDims` the
model's ``config.json``, :func:`plan` does the sums. Every coefficient is a named constant below, documented in
docs/cluster.md ("Memory plan"). These are estimates from verl 0.9.1's code paths, not measurements; a GPU run
should calibrate ``RESERVE_GIB``, ``VLLM_GRAPHS_GIB`` and the activation coefficients.

What verl 0.9.1 keeps on each GPU (read in its source):
- FSDP actor: fp32 master weights (``fsdp_config.model_dtype: fp32``), bf16 compute, fp32 gradients, AdamW
  (2 fp32 states) -> 16 bytes/param, sharded over all trainer GPUs (``fsdp_size: -1``).
- ``param_offload`` / ``optimizer_offload`` move them to CPU *between* phases only: the train context loads
  both back for the update, the eval context loads the parameters for the log-prob pass
  (verl/workers/engine/base.py ``BaseEngineCtx._context_switch``).
- The reference model is ``forward_only`` and therefore always FSDP2-CPU-offloaded (verl/workers/engine/fsdp/
  transformer_impl.py: ``offload_policy or forward_only``): only gathered layers reach the GPU.
- The old-log-prob pass computes entropy (``calculate_entropy: True``, verl/trainer/ppo/v1/trainer_base.py);
  the update and the reference pass do not (``entropy_coeff: 0``).
- vLLM gets ``gpu_memory_utilization`` x GPU memory for weights / TP, its activation peak, CUDA graphs and the
  KV cache, and refuses to start unless one ``max_model_len`` request fits in the KV cache.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

GIB = 2**30
BF16, FP32 = 2, 4
STATE_BYTES = FP32 + FP32 + 2 * FP32  # master weights + gradients + AdamW exp_avg/exp_avg_sq
RESERVE_GIB = 2.0  # CUDA context, NCCL buffers, allocator fragmentation (assumption, per GPU, every phase)
VLLM_GRAPHS_GIB = 1.0  # CUDA graphs and non-torch memory inside vLLM's share (assumption)
# Temporaries of verl's entropy functions beyond the logits themselves, measured on an H200 (torch 2.11.0+cu130,
# bf16 logits [T, 152064], T = 8,192 and 16,384; verl 0.9.1's functions, docs/cluster.md "Memory plan"):
EAGER_ENTROPY_COPIES = 2  # entropy_from_logits eager: the softmax and its product with the logits, T x V bf16 each
CHUNK_ENTROPY_COPIES = 3  # ..._with_chunking eager: fp32 chunk, its softmax, their product (chunk x V fp32 each)
COMPILED_ENTROPY_COPIES = 0  # torch.compile (verl's default, use_torch_compile) fuses either into reductions


@dataclass(frozen=True)
class ModelDims:
    """The dimensions of a dense decoder-only model, from its ``config.json``."""

    hidden: int
    layers: int
    heads: int
    kv_heads: int
    vocab: int
    intermediate: int
    max_positions: int
    tied: bool = False
    qkv_bias: bool = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ModelDims:
        """From a parsed ``config.json`` (a multimodal ``text_config`` is used when present)."""
        c = config.get("text_config") or config
        return cls(
            hidden=int(c["hidden_size"]),
            layers=int(c["num_hidden_layers"]),
            heads=int(c["num_attention_heads"]),
            kv_heads=int(c.get("num_key_value_heads") or c["num_attention_heads"]),
            vocab=int(c["vocab_size"]),
            intermediate=int(c["intermediate_size"]),
            max_positions=int(c["max_position_embeddings"]),
            tied=bool(config.get("tie_word_embeddings", False)),
            qkv_bias=str(c.get("model_type", "")).startswith("qwen2") or bool(c.get("attention_bias", False)),
        )

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    @property
    def kv_dim(self) -> int:
        return self.kv_heads * self.head_dim

    @property
    def layer_params(self) -> int:
        h, kv = self.hidden, self.kv_dim
        attention = 2 * h * h + 2 * h * kv + ((h + 2 * kv) if self.qkv_bias else 0)
        return attention + 3 * h * self.intermediate + 2 * h

    @property
    def params(self) -> int:
        """Parameter count (7.616e9 / 14.770e9 / 8.030e9 for Qwen2.5-7B/14B-1M, Llama-3.1-8B)."""
        embeddings = self.vocab * self.hidden * (1 if self.tied else 2)
        return self.layers * self.layer_params + embeddings + self.hidden

    def layer_activation_bytes(self, tokens: int) -> int:
        """One layer's saved bf16 activations: norm, q, k, v, attention out, o-proj, residual, norm (6h + 2kv),
        gate, up, act, act*up (4I)."""
        return tokens * (6 * self.hidden + 2 * self.kv_dim + 4 * self.intermediate) * BF16

    def kv_bytes_per_token(self, tp: int) -> int:
        """KV cache bytes per token on one GPU at tensor parallel ``tp`` (vLLM replicates KV heads when tp > kv)."""
        return 2 * self.layers * max(1, self.kv_heads // tp) * self.head_dim * BF16


@dataclass(frozen=True)
class RunShape:
    """The settings of a composed config that the plan reads."""

    gpus: int
    sp: int
    tp: int
    actor_tokens: int
    logprob_tokens: int
    ref_tokens: int
    param_offload: bool
    optimizer_offload: bool
    entropy_chunking: bool
    entropy_chunk: int
    compiled: bool
    gpu_memory_utilization: float
    max_model_len: int | None
    max_num_batched_tokens: int
    uses_ref: bool
    prompt: int
    response: int
    n: int
    batch: int
    inflight: int


def shape_of(cfg: Any) -> RunShape:
    """The :class:`RunShape` of a composed verl config (a DictConfig or any attribute-style mapping)."""
    arr, fsdp, rollout = cfg.actor_rollout_ref, cfg.actor_rollout_ref.actor.fsdp_config, cfg.actor_rollout_ref.rollout
    groups = cfg.algorithm.filter_groups
    return RunShape(
        gpus=int(cfg.trainer.nnodes) * int(cfg.trainer.n_gpus_per_node),
        sp=int(fsdp.ulysses_sequence_parallel_size),
        tp=int(rollout.tensor_model_parallel_size),
        actor_tokens=int(arr.actor.ppo_max_token_len_per_gpu),
        logprob_tokens=int(rollout.log_prob_max_token_len_per_gpu),
        ref_tokens=int(arr.ref.log_prob_max_token_len_per_gpu),
        param_offload=bool(fsdp.param_offload),
        optimizer_offload=bool(fsdp.optimizer_offload),
        entropy_chunking=bool(fsdp.entropy_from_logits_with_chunking),
        entropy_chunk=int(fsdp.entropy_from_logits_chunk_size),
        compiled=bool(fsdp.use_torch_compile),
        gpu_memory_utilization=float(rollout.gpu_memory_utilization),
        max_model_len=None if rollout.max_model_len is None else int(rollout.max_model_len),
        max_num_batched_tokens=int(rollout.max_num_batched_tokens),
        uses_ref=bool(arr.actor.use_kl_loss or cfg.algorithm.use_kl_in_reward),
        prompt=int(cfg.data.max_prompt_length),
        response=int(cfg.data.max_response_length),
        n=int(rollout.n),
        batch=int(cfg.data.train_batch_size),
        inflight=int(groups.max_inflight_gen_batches) if groups.enable else 1,
    )


@dataclass(frozen=True)
class Phase:
    """One phase's per-GPU memory, its parts in GiB, and the key to change when it does not fit."""

    name: str
    parts: tuple[tuple[str, float], ...]
    fix: str

    @property
    def total(self) -> float:
        return sum(v for _, v in self.parts)


@dataclass(frozen=True)
class KvCache:
    """vLLM's KV cache per GPU and what it holds."""

    gib: float
    bytes_per_token: int
    max_model_len: int
    groups_needed: int  # prompt groups per rollout replica per step
    group_tokens: int  # one prompt + n responses (prefix caching shares the prompt)

    @property
    def tokens(self) -> int:
        return max(0, int(self.gib * GIB // self.bytes_per_token))

    @property
    def one_request_gib(self) -> float:
        return self.max_model_len * self.bytes_per_token / GIB

    @property
    def groups_in_flight(self) -> int:
        return min(self.groups_needed, self.tokens // self.group_tokens)


@dataclass(frozen=True)
class MemoryPlan:
    gpu_gib: float
    params: int
    phases: tuple[Phase, ...]
    kv: KvCache

    def problem(self) -> str | None:
        """One line naming the first phase that cannot fit and the key to change; None when all fit."""
        for phase in self.phases:
            if phase.total > self.gpu_gib:
                return (
                    f"memory: the {phase.name} needs {phase.total:.1f} GiB per GPU, the GPU has "
                    f"{self.gpu_gib:.1f} GiB; change {phase.fix} (--dry-run prints the plan)"
                )
        if self.kv.tokens < self.kv.max_model_len:
            return (
                f"memory: vLLM's KV cache holds {self.kv.tokens:,} tokens per GPU ({self.kv.gib:.1f} GiB), one "
                f"max_model_len={self.kv.max_model_len:,} request needs {self.kv.one_request_gib:.1f} GiB and vLLM "
                "will not start; lower actor_rollout_ref.rollout.max_model_len (prompt + response) or raise "
                "actor_rollout_ref.rollout.gpu_memory_utilization / tensor_model_parallel_size"
            )
        return None


def _gib(n_bytes: float) -> float:
    return n_bytes / GIB


def plan(shape: RunShape, dims: ModelDims, gpu_gib: float) -> MemoryPlan:
    """The per-GPU memory of each phase (GiB) for ``shape`` on ``dims`` with ``gpu_gib`` per GPU."""
    p, n, h, v = dims.params, shape.gpus, dims.hidden, dims.vocab
    params_shard, optim_shard = FP32 * p / n, 2 * FP32 * p / n
    resident = (0 if shape.param_offload else params_shard) + (0 if shape.optimizer_offload else optim_shard)
    logprob_resident = params_shard + (0 if shape.optimizer_offload else optim_shard)  # eval loads the params
    gathered_fwd = dims.layer_params * 2 * BF16 + v * h * BF16  # two gathered bf16 layers + the lm_head
    reserve = ("reserve", RESERVE_GIB)

    gathered_train = dims.layer_params * (2 * BF16 + FP32) + v * h * (BF16 + FP32)
    t = shape.actor_tokens
    update = Phase(
        "actor update",
        (
            ("params+grads+AdamW (16 B/param / GPUs)", _gib(STATE_BYTES * p / n)),
            ("gathered layers + lm_head (+ fp32 grads)", _gib(gathered_train)),
            ("checkpointed hidden states", _gib(t * h * BF16 * dims.layers)),
            ("max(logits + grad, layer recompute)", _gib(max(2 * t * v * BF16, 2 * dims.layer_activation_bytes(t)))),
            reserve,
        ),
        "actor_rollout_ref.actor.ppo_max_token_len_per_gpu (or raise Ulysses SP)",
    )

    t = shape.logprob_tokens
    if shape.compiled:
        entropy = COMPILED_ENTROPY_COPIES * t * v * BF16
    elif shape.entropy_chunking:
        entropy = CHUNK_ENTROPY_COPIES * min(t, shape.entropy_chunk) * v * FP32
    else:
        entropy = EAGER_ENTROPY_COPIES * t * v * BF16
    logprob = Phase(
        "log-prob pass",
        (
            ("actor params (+ AdamW unless offloaded)", _gib(logprob_resident)),
            ("gathered layers + lm_head", _gib(gathered_fwd)),
            ("hidden states", _gib(t * h * BF16)),
            ("max(MLP peak, logits + entropy)", _gib(max(3 * t * dims.intermediate * BF16, t * v * BF16 + entropy))),
            reserve,
        ),
        "actor_rollout_ref.rollout.log_prob_max_token_len_per_gpu"
        if shape.entropy_chunking or shape.compiled
        else "actor_rollout_ref.actor.entropy_from_logits_with_chunking=true",
    )

    phases = [update, logprob]
    if shape.uses_ref:
        t = shape.ref_tokens
        phases.append(
            Phase(
                "reference pass",
                (
                    ("actor resident (offload honoured)", _gib(resident)),
                    ("reference gathered layers + lm_head (weights on CPU)", _gib(gathered_fwd)),
                    ("hidden states", _gib(t * h * BF16)),
                    ("max(MLP peak, logits)", _gib(max(3 * t * dims.intermediate * BF16, t * v * BF16))),
                    reserve,
                ),
                "actor_rollout_ref.ref.log_prob_max_token_len_per_gpu",
            )
        )

    vllm_share = shape.gpu_memory_utilization * gpu_gib
    phases.append(
        Phase(
            "rollout",
            (
                ("actor resident (offload honoured)", _gib(resident)),
                ("vLLM share (gpu_memory_utilization x GPU)", vllm_share),
                reserve,
            ),
            "actor_rollout_ref.rollout.gpu_memory_utilization (or actor fsdp_config.optimizer_offload=true)",
        )
    )

    tp = shape.tp
    weights = BF16 * p / tp
    activations = shape.max_num_batched_tokens * (4 * h + 3 * dims.intermediate // tp) * BF16
    replicas = max(1, n // tp)
    kv = KvCache(
        gib=vllm_share - _gib(weights) - _gib(activations) - VLLM_GRAPHS_GIB,
        bytes_per_token=dims.kv_bytes_per_token(tp),
        max_model_len=shape.max_model_len or dims.max_positions,  # verl derives null from the model
        groups_needed=math.ceil(shape.batch * shape.inflight / replicas),
        group_tokens=shape.prompt + shape.n * shape.response,
    )
    return MemoryPlan(gpu_gib=gpu_gib, params=p, phases=tuple(phases), kv=kv)


def format_plan(memory: MemoryPlan) -> str:
    """The plan as printed by the dry run: one line per phase, then the KV cache line."""
    lines = [f"memory/GPU   {memory.gpu_gib:.1f} GiB per GPU, {memory.params / 1e9:.3f}B parameters"]
    for phase in memory.phases:
        mark = "ok" if phase.total <= memory.gpu_gib else "DOES NOT FIT"
        parts = ", ".join(f"{name} {value:.1f}" for name, value in phase.parts)
        lines.append(f"  {phase.name:<13} {phase.total:5.1f} GiB {mark}  ({parts})")
    kv = memory.kv
    lines.append(
        f"  KV cache      {kv.gib:5.1f} GiB = {kv.tokens:,} tokens/GPU; one max_model_len={kv.max_model_len:,} request "
        f"{kv.one_request_gib:.1f} GiB; {kv.groups_in_flight}/{kv.groups_needed} prompt groups per replica in flight"
    )
    return "\n".join(lines)
