"""Numeric settings checked for type, finiteness and range at load, before any model loads.

One :class:`Num` per key; :func:`check_numbers` walks a nested mapping and raises :class:`SettingError` (a
UserError: the CLI prints it as one line, exit 2) naming the first bad key and the allowed range::

    check_numbers(cfg, LOCAL_RULES, source="configs/local/default.yaml")
    # -> SettingError: configs/local/default.yaml: rollout.n=0 is out of range: an integer >= 1

Run before any model loads (local engine: right after ``load_config``; rewards: in
``RewardConfig.__post_init__`` through :data:`REWARD_RULES`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

from longrlvr.errors import UserError


class SettingError(UserError):
    """A numeric setting with the wrong type or outside its range (one line; the CLI exits 2)."""


@dataclass(frozen=True)
class Num:
    """An allowed range: ``lo``/``hi`` bounds (None: open), ``lo_open``/``hi_open`` exclude the bound."""

    lo: float | None = None
    hi: float | None = None
    integer: bool = False
    lo_open: bool = False
    hi_open: bool = False
    nullable: bool = False

    def describe(self) -> str:
        kind = "an integer" if self.integer else "a finite number"
        parts = []
        if self.lo is not None:
            parts.append(f"{'>' if self.lo_open else '>='} {_fmt(self.lo)}")
        if self.hi is not None:
            parts.append(f"{'<' if self.hi_open else '<='} {_fmt(self.hi)}")
        text = f"{kind} {' and '.join(parts)}".strip()
        return text + (" (or null)" if self.nullable else "")

    def problem(self, value: Any) -> str | None:
        """None when ``value`` is allowed, else why not (never raises)."""
        if value is None:
            return None if self.nullable else "is null"
        if isinstance(value, bool) or not isinstance(value, Real):
            return f"is not a number ({type(value).__name__})"
        whole = isinstance(value, Integral) or (
            isinstance(value, float) and math.isfinite(value) and value.is_integer()
        )
        if self.integer and not whole:
            return "is not an integer"
        try:
            x = float(value)
        except OverflowError:  # an int beyond float range
            return "is out of range"
        if not math.isfinite(x):
            return "is not finite"
        if self.lo is not None and (x < self.lo or (self.lo_open and x == self.lo)):
            return "is out of range"
        if self.hi is not None and (x > self.hi or (self.hi_open and x == self.hi)):
            return "is out of range"
        return None


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


def _get(tree: Any, dotted: str) -> tuple[bool, Any]:
    node = tree
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def check_numbers(tree: Mapping[str, Any], rules: Mapping[str, Num], source: str = "settings") -> None:
    """Raise :class:`SettingError` for the first key of ``rules`` present in ``tree`` with a bad value."""
    for key, rule in rules.items():
        present, value = _get(tree, key)
        if not present:
            continue
        why = rule.problem(value)
        if why is not None:
            shown = repr(value) if not isinstance(value, (int, float)) or isinstance(value, bool) else str(value)
            raise SettingError(f"{source}: {key}={shown[:40]} {why}: allowed {rule.describe()}")


POS_INT = Num(lo=1, integer=True)
NONNEG_INT = Num(lo=0, integer=True)
NONNEG = Num(lo=0)
UNIT = Num(lo=0, hi=1)
WEIGHT = Num(lo=-1e6, hi=1e6)  # finite, bounded: a weight of 1e309 is inf

REWARD_RULES: dict[str, Num] = {
    "answer_weight": WEIGHT,
    "context_weight": WEIGHT,
    "joint_weight": WEIGHT,
    "beta": Num(lo=0, hi=1e3, lo_open=True),
    "format_score": Num(lo=-1e3, hi=1e3),
    "f1_threshold": Num(lo=0, hi=1, lo_open=True),
    "max_length_ratio": Num(lo=0, hi=1e4, lo_open=True),
    "max_extra_tokens": Num(lo=0, hi=10**6, integer=True),
    "overlong_buffer_cfg.len": NONNEG_INT,
    "overlong_buffer_cfg.penalty_factor": Num(lo=0, hi=1e3),
    "max_resp_len": Num(lo=0, integer=True, nullable=True),
}

LOCAL_RULES: dict[str, Num] = {
    "seed": Num(lo=0, hi=2**32 - 1, integer=True),
    "threads": Num(lo=1, hi=4096, integer=True, nullable=True),
    "data.val_size": POS_INT,
    "data.synthetic.train_size": POS_INT,
    "data.synthetic.val_size": POS_INT,
    "data.synthetic.num_chunks": Num(lo=2, hi=59, integer=True),
    "model.tiny.hidden_size": POS_INT,
    "model.tiny.num_layers": POS_INT,
    "model.tiny.conv_layers": NONNEG_INT,
    "model.tiny.conv_kernel": POS_INT,
    "model.tiny.num_heads": POS_INT,
    "model.tiny.num_kv_heads": POS_INT,
    "model.tiny.intermediate_size": POS_INT,
    "model.tiny.initializer_range": Num(lo=0, hi=10, lo_open=True),
    "sft.steps": NONNEG_INT,
    "sft.batch_size": POS_INT,
    "sft.lr": Num(lo=0, hi=10, lo_open=True),
    "sft.warmup_steps": NONNEG_INT,
    "rollout.n": POS_INT,
    "rollout.temperature": Num(lo=0, hi=100, lo_open=True),
    "rollout.top_p": Num(lo=0, hi=1, lo_open=True),
    "rollout.max_new_tokens": POS_INT,
    "actor.batch_size": POS_INT,
    "actor.micro_batch_size": POS_INT,
    "actor.mini_batches": POS_INT,
    "actor.ppo_epochs": POS_INT,
    "actor.lr": Num(lo=0, hi=10, lo_open=True),
    "actor.warmup_steps": NONNEG_INT,
    "actor.weight_decay": Num(lo=0, hi=10),
    "actor.grad_clip": Num(lo=0, hi=1e6, lo_open=True),
    "actor.clip_ratio_low": Num(lo=0, hi=1),
    "actor.clip_ratio_high": Num(lo=0, hi=10),
    "actor.entropy_coeff": Num(lo=-10, hi=10),
    "actor.kl.coef": Num(lo=0, hi=1e3),
    "algorithm.dynamic_sampling_max_gen_batches": POS_INT,
    "trainer.steps": NONNEG_INT,
    "trainer.val_every": POS_INT,
    "trainer.save_every": POS_INT,
    "trainer.max_idle_steps": Num(lo=1, integer=True, nullable=True),
    **{f"reward.{k}": v for k, v in REWARD_RULES.items()},
}
