"""Consistency checks at the door: what verl 0.9.1 and vLLM would assert only after the GPUs are allocated.

Each check is a small function of :class:`DoorFacts` returning a :class:`Finding` or None, listed in
:data:`CHECKS` (a registry: add a function, not a branch). ``error`` findings stop the launch (one line each,
joined into one :class:`UserError`, exit 2); ``warn`` and ``info`` lines are printed with the plan.
The model door (the DCA key) is :mod:`.model_door`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from longrlvr.errors import UserError
from longrlvr.integrations.verl.memory_plan import ModelDims

SP_KEY = "actor_rollout_ref.actor.fsdp_config.ulysses_sequence_parallel_size"
TP_KEY = "actor_rollout_ref.rollout.tensor_model_parallel_size"
LEN_KEY = "actor_rollout_ref.rollout.max_model_len"


@dataclass(frozen=True)
class Finding:
    level: Literal["error", "warn", "info"]
    text: str


@dataclass(frozen=True)
class DataFacts:
    """What the door reads from the training files: row count and every distinct ``data_source`` (a column read)."""

    train_rows: int
    sources: Mapping[str, int] = field(default_factory=dict)  # data_source -> rows
    val_sources: Mapping[str, int] = field(default_factory=dict)  # the same for VAL_FILES


@dataclass(frozen=True)
class DoorFacts:
    cfg: Any
    dims: ModelDims | None
    data: DataFacts | None
    source_known: Callable[[str], bool] = lambda _: True


Check = Callable[[DoorFacts], "Finding | None"]


def _sample_tokens(cfg: Any) -> int:
    return int(cfg.data.max_prompt_length) + int(cfg.data.max_response_length)


def _divides_heads(heads: int, kv_heads: int, size: int) -> bool:
    """verl's Ulysses rule (verl/models/transformers/monkey_patch.py) and vLLM's TP rule: heads % size == 0 and
    KV heads divisible by size or size divisible by KV heads (KV heads are replicated)."""
    return heads % size == 0 and (kv_heads % size == 0 or size % kv_heads == 0)


def _valid_sizes(dims: ModelDims, gpus: int) -> list[int]:
    return [s for s in range(1, gpus + 1) if gpus % s == 0 and _divides_heads(dims.heads, dims.kv_heads, s)]


def check_sp_heads(facts: DoorFacts) -> Finding | None:
    dims, arr = facts.dims, facts.cfg.actor_rollout_ref
    if dims is None:
        return None
    gpus = int(facts.cfg.trainer.nnodes) * int(facts.cfg.trainer.n_gpus_per_node)
    for role in ("actor", "ref"):
        sp = int(arr[role].fsdp_config.ulysses_sequence_parallel_size)
        if not _divides_heads(dims.heads, dims.kv_heads, sp):
            key = f"actor_rollout_ref.{role}.fsdp_config.ulysses_sequence_parallel_size"
            return Finding(
                "error",
                f"{key}={sp} does not split the model's {dims.heads} attention / {dims.kv_heads} "
                f"KV heads (verl asserts it at start-up); valid on {gpus} GPUs: "
                f"{_valid_sizes(dims, gpus)}",
            )
    return None


def check_tp_heads(facts: DoorFacts) -> Finding | None:
    dims = facts.dims
    tp = int(facts.cfg.actor_rollout_ref.rollout.tensor_model_parallel_size)
    if dims is None or _divides_heads(dims.heads, dims.kv_heads, tp):
        return None
    gpus = int(facts.cfg.trainer.n_gpus_per_node)
    return Finding(
        "error",
        f"{TP_KEY}={tp} does not split the model's {dims.heads} attention / {dims.kv_heads} KV "
        f"heads (vLLM refuses it); valid on {gpus} GPUs per node: {_valid_sizes(dims, gpus)}",
    )


def check_token_budgets(facts: DoorFacts) -> Finding | None:
    """verl/utils/seqlen_balancing.py asserts max_token_len (per GPU x SP) >= the longest sequence."""
    cfg, arr = facts.cfg, facts.cfg.actor_rollout_ref
    need = _sample_tokens(cfg)
    actor_sp = int(arr.actor.fsdp_config.ulysses_sequence_parallel_size)
    ref_sp = int(arr.ref.fsdp_config.ulysses_sequence_parallel_size)
    budgets = (
        ("actor.ppo_max_token_len_per_gpu", arr.actor.ppo_max_token_len_per_gpu, actor_sp),
        ("rollout.log_prob_max_token_len_per_gpu", arr.rollout.log_prob_max_token_len_per_gpu, actor_sp),
        ("ref.log_prob_max_token_len_per_gpu", arr.ref.log_prob_max_token_len_per_gpu, ref_sp),
    )
    for key, per_gpu, sp in budgets:
        if int(per_gpu) * sp < need:
            return Finding(
                "error",
                f"actor_rollout_ref.{key}={per_gpu} x Ulysses SP {sp} = {int(per_gpu) * sp:,} "
                f"tokens cannot hold one {need:,}-token sample (prompt + response; verl asserts it); "
                f"use at least {-(-need // sp)}",
            )
    return None


def check_max_model_len(facts: DoorFacts) -> Finding | None:
    cfg, dims = facts.cfg, facts.dims
    value, need = cfg.actor_rollout_ref.rollout.max_model_len, _sample_tokens(cfg)
    if value is None:
        derived = f"{dims.max_positions:,}" if dims else "the model's max_position_embeddings"
        return Finding(
            "warn",
            f"{LEN_KEY} is null: verl derives {derived} from the model (KV cache sized for it); "
            f"prompt + response is {need:,}",
        )
    if int(value) < need:
        return Finding(
            "error",
            f"{LEN_KEY}={value} is shorter than max_prompt_length + max_response_length = "
            f"{need:,}: long prompts would leave no room to answer; set it to prompt + response",
        )
    if dims is not None and int(value) > dims.max_positions:
        return Finding(
            "error",
            f"{LEN_KEY}={value} exceeds the model's max_position_embeddings {dims.max_positions:,} "
            "(verl's vLLM server raises at start-up)",
        )
    return None


def check_positions(facts: DoorFacts) -> Finding | None:
    dims, need = facts.dims, _sample_tokens(facts.cfg)
    if dims is None or need <= dims.max_positions:
        return None
    return Finding(
        "warn",
        f"data.max_prompt_length + data.max_response_length = {need:,} exceeds the model's "
        f"max_position_embeddings {dims.max_positions:,}: positions beyond it are extrapolated",
    )


def check_rows_and_steps(facts: DoorFacts) -> Finding | None:
    """verl's train dataloader drops the last partial batch; steps = rows // batch x epochs (v1 trainer_base)."""
    cfg, data = facts.cfg, facts.data
    if data is None:
        return None
    batch, epochs = int(cfg.data.train_batch_size), int(cfg.trainer.total_epochs)
    if data.train_rows < batch:
        return Finding(
            "error",
            f"TRAIN_FILES hold {data.train_rows} rows, fewer than one batch "
            f"(data.train_batch_size={batch}): verl would train 0 steps",
        )
    steps = data.train_rows // batch * epochs
    fixed = cfg.trainer.total_training_steps
    shown = f"{fixed} (trainer.total_training_steps; the data gives {steps:,})" if fixed else f"{steps:,}"
    return Finding("info", f"steps        {shown} = {data.train_rows:,} rows // {batch} x {epochs} epochs")


def check_sources(facts: DoorFacts) -> Finding | None:
    if facts.data is None:
        return None
    problems = []
    for setting, sources in (("TRAIN_FILES", facts.data.sources), ("VAL_FILES", facts.data.val_sources)):
        unknown = {s: n for s, n in sources.items() if not facts.source_known(s)}
        if unknown:
            listed = ", ".join(f"{s!r} ({n} rows)" for s, n in sorted(unknown.items()))
            problems.append(f"{setting}: data_source {listed} has no scoring rule")
    if not problems:
        return None
    return Finding(
        "error",
        "; ".join(problems) + " (the reward workers would raise mid-run); add it under reward.reward_kwargs.sources "
        "(docs/judge.md)",
    )


CHECKS: tuple[Check, ...] = (
    check_sp_heads,
    check_tp_heads,
    check_token_budgets,
    check_max_model_len,
    check_positions,
    check_rows_and_steps,
    check_sources,
)


def run_checks(facts: DoorFacts, checks: Sequence[Check] = CHECKS) -> list[Finding]:
    """Every check's finding; raises one :class:`UserError` joining the errors."""
    findings = [f for check in checks if (f := check(facts)) is not None]
    errors = [f.text for f in findings if f.level == "error"]
    if errors:
        raise UserError("; ".join(errors))
    return findings


def read_data_facts(paths: Iterable[str]) -> DataFacts | None:
    """Row count and ``data_source`` counts of local parquet files (the one column of every row is read); None
    when any file is remote or not on this machine (the launch then cannot count steps or check sources)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from longrlvr.integrations.verl.door import is_remote

    rows, sources = 0, {}
    for path in paths:
        if is_remote(path) or not Path(path).expanduser().is_file():
            return None
        column = pq.read_table(Path(path).expanduser(), columns=["data_source"]).column("data_source")
        rows += len(column)
        for item in pc.value_counts(column).to_pylist():
            sources[str(item["values"])] = sources.get(str(item["values"]), 0) + int(item["counts"])
    return DataFacts(train_rows=rows, sources=sources)


def source_checker(cfg: Any) -> Callable[[str], bool]:
    """Whether a ``data_source`` has a scoring rule in the run's table: the built-ins plus
    ``reward.reward_kwargs.sources``, looked up as the reward workers do (longrlvr.rewards.registry)."""
    from longrlvr.integrations.verl.reward import reward_kwargs
    from longrlvr.rewards import RewardConfig
    from longrlvr.rewards.registry import UnknownSourceError, lookup

    table = RewardConfig.from_kwargs(reward_kwargs(cfg)).sources

    def known(source: str) -> bool:
        try:
            lookup(table, source)
        except UnknownSourceError:
            return False
        return True

    return known
