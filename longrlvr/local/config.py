"""The local engine's settings: typed dataclasses mirroring ``configs/local/default.yaml``.

    cfg = load_config(["rollout.n=4"])            # shipped default + overrides -> LocalConfig
    cfg = load_config([], "runs/a/config.yaml")   # a saved run's config (resume with --out alone)

Loading goes through the one config loader (:mod:`longrlvr.config_loader`) with the shipped YAML as the key
schema: its keys are the valid ones (a misspelled key names the closest one), its values the defaults under a
file that sets only some. ``reward`` holds ``compute_score`` keywords (``reward.dedup=true``), checked by
:class:`longrlvr.rewards.combine.RewardConfig` (a misspelled one names the closest); so a saved run's
``config.yaml`` loads as it was written.
Then every numeric setting is checked for type, finiteness and range (:data:`longrlvr.settings_check.LOCAL_RULES`,
one line naming the key and the allowed range), and the named choices (device, architecture, loss mode, KL type,
reward settings) are checked, all before any model loads. A test keeps the dataclass defaults equal to the YAML.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from longrlvr import config_loader
from longrlvr.errors import check_names, closest
from longrlvr.settings_check import LOCAL_RULES, check_numbers
from longrlvr.shipped import shipped_path

DEFAULT = shipped_path("configs", "local", "default.yaml")
DEVICES = ("auto", "cpu", "cuda")
LOSS_AGG_MODES = ("token-mean", "token-sum", "seq-mean-token-sum", "seq-mean-token-mean", "seq-mean-token-sum-norm")
KL_TYPES = ("kl", "k1", "abs", "mse", "k2", "low_var_kl", "k3")
SAMPLING_METRICS = ("score", "answer_acc", "precision", "recall", "fbeta", "format_ok")
TINY_ARCHS = ("qwen2", "lfm2")
SYNTHETIC_CHUNKS = (2, 59)  # longrlvr.local.synthetic: at least 2 chunks, at most one per made-up key


def _choice(key: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ValueError(f"{key}={value!r} is not one of {', '.join(allowed)}{closest(str(value), allowed)}")


@dataclass
class SyntheticData:
    train_size: int = 4000
    val_size: int = 64
    num_chunks: int = 10

    def __post_init__(self) -> None:
        lo, hi = SYNTHETIC_CHUNKS
        if not lo <= self.num_chunks <= hi:
            raise ValueError(f"data.synthetic.num_chunks={self.num_chunks}: allowed an integer >= {lo} and <= {hi}")


@dataclass
class DataConfig:
    train_files: str | None = None  # one parquet file; None -> the synthetic task, written into run_dir/data
    val_files: str | None = None
    val_size: int = 64
    synthetic: SyntheticData = field(default_factory=SyntheticData)


@dataclass
class TinyModel:
    arch: str = "lfm2"
    hidden_size: int = 64
    num_layers: int = 3
    conv_layers: int = 1
    conv_kernel: int = 4
    num_heads: int = 4
    num_kv_heads: int = 2
    intermediate_size: int = 192
    initializer_range: float = 0.1

    def __post_init__(self) -> None:
        _choice("model.tiny.arch", self.arch, TINY_ARCHS)
        if self.arch == "lfm2" and not 0 <= self.conv_layers < self.num_layers:
            raise ValueError(
                f"model.tiny.conv_layers={self.conv_layers}: allowed 0 <= conv_layers < num_layers ({self.num_layers})"
            )


@dataclass
class TinyTokenizer:
    tag_pieces: bool = True


@dataclass
class ModelConfig:
    path: str | None = None  # an HF model dir (or hub id); None -> the tiny model built locally
    tiny: TinyModel = field(default_factory=TinyModel)
    tiny_tokenizer: TinyTokenizer = field(default_factory=TinyTokenizer)


@dataclass
class SFTConfig:
    num_chunks: Any = field(default_factory=lambda: [2, 3, 4, 5])  # an int, a list of ints, or None
    steps: int = 900
    batch_size: int = 32
    lr: float = 3.0e-3
    warmup_steps: int = 20

    def __post_init__(self) -> None:
        counts = [self.num_chunks] if isinstance(self.num_chunks, int) else self.num_chunks
        if counts is None:
            return
        lo, hi = SYNTHETIC_CHUNKS
        ok = isinstance(counts, list) and counts and all(type(c) is int and lo <= c <= hi for c in counts)
        if not ok:
            raise ValueError(
                f"sft.num_chunks={self.num_chunks!r}: allowed null, an integer or a non-empty list of integers, "
                f"each >= {lo} and <= {hi}"
            )


@dataclass
class RolloutConfig:
    n: int = 8
    temperature: float = 1.0
    top_p: float = 1.0
    max_new_tokens: int = 24


@dataclass
class KLConfig:
    enable: bool = False
    coef: float = 0.001
    type: str = "low_var_kl"

    def __post_init__(self) -> None:
        _choice("actor.kl.type", self.type, KL_TYPES)


@dataclass
class ActorConfig:
    batch_size: int = 16
    micro_batch_size: int = 64
    mini_batches: int = 1
    ppo_epochs: int = 1
    lr: float = 1.0e-3
    warmup_steps: int = 5
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    clip_ratio_low: float = 0.2
    clip_ratio_high: float = 0.28
    loss_agg_mode: str = "token-mean"
    entropy_coeff: float = 0.0
    kl: KLConfig = field(default_factory=KLConfig)

    def __post_init__(self) -> None:
        _choice("actor.loss_agg_mode", self.loss_agg_mode, LOSS_AGG_MODES)


@dataclass
class AlgorithmConfig:
    norm_adv_by_std_in_grpo: bool = True
    dynamic_sampling: bool = True
    dynamic_sampling_metric: str = "score"
    dynamic_sampling_max_gen_batches: int = 4

    def __post_init__(self) -> None:
        _choice("algorithm.dynamic_sampling_metric", self.dynamic_sampling_metric, SAMPLING_METRICS)


@dataclass
class TrainerConfig:
    steps: int = 100
    val_every: int = 10
    save_every: int = 50
    resume: bool = False
    new_data: bool = False
    max_idle_steps: int | None = 10
    loggers: list[str] = field(default_factory=list)
    project: str = "longrlvr-local"
    experiment: str = "default"
    progress: bool = True


def _default_reward() -> dict[str, Any]:
    return {"mode": "longrlvr", "beta": 2.0, "answer_scorer": "em"}


@dataclass
class LocalConfig:
    """The whole run (``configs/local/default.yaml``); ``reward`` holds ``compute_score`` keyword arguments."""

    seed: int = 0
    device: str = "auto"
    threads: int | None = 1
    run_dir: str = "outputs/local/default"
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    sft: SFTConfig = field(default_factory=SFTConfig)
    rollout: RolloutConfig = field(default_factory=RolloutConfig)
    actor: ActorConfig = field(default_factory=ActorConfig)
    algorithm: AlgorithmConfig = field(default_factory=AlgorithmConfig)
    reward: dict[str, Any] = field(default_factory=_default_reward)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)

    def __post_init__(self) -> None:
        from longrlvr.rewards.combine import RewardConfig

        _choice("device", self.device, DEVICES)
        check_names(self.reward, RewardConfig.keys(), "reward", prefix="reward.")
        try:
            RewardConfig.from_kwargs(self.reward)
        except ValueError as exc:  # an unknown mode or scorer, a misspelled key: named before any model loads
            raise ValueError(f"reward: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain data (what ``config.yaml`` and ``run.json`` hold)."""
        return dataclasses.asdict(self)

    def to_yaml(self) -> str:
        return OmegaConf.to_yaml(OmegaConf.create(self.to_dict()))


def _whole_numbers_as_ints(tree: dict[str, Any]) -> None:
    """``seed=3.0`` is the integer 3 (the range check already accepted it as whole); OmegaConf wants an int."""
    for key, rule in LOCAL_RULES.items():
        *parents, leaf = key.split(".")
        node: Any = tree
        for part in parents:
            node = node.get(part) if isinstance(node, Mapping) else None
        if rule.integer and isinstance(node, dict) and isinstance(node.get(leaf), float):
            node[leaf] = int(node[leaf])


def load_config(overrides: Sequence[str] = (), config: str | Path = "default") -> LocalConfig:
    """``config`` (``default``, ``local/default`` or a path) with ``overrides``; every failure is a UserError
    (one line naming the key: unknown, out of range, or not one of the choices)."""
    schema = config_loader.load_yaml(DEFAULT)
    schema.reward = {}  # compute_score's keywords: any key, named and checked by RewardConfig (closest key)
    merged = config_loader.load_config(config, overrides, group="local", schema=schema)
    source = str(config) if str(config) not in ("default", "local/default") else "local engine"
    tree: dict[str, Any] = {str(k): v for k, v in OmegaConf.to_container(merged, resolve=True).items()}  # type: ignore[union-attr]
    check_numbers(tree, LOCAL_RULES, source)
    _whole_numbers_as_ints(tree)
    return config_loader.to_object(OmegaConf.create(tree), LocalConfig, source)
