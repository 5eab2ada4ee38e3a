"""Judge settings of the verl reward manager, read from ``reward.reward_kwargs.judge`` (no verl import)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from longrlvr.errors import check_names
from longrlvr.rewards.combine import FAILURE_POLICIES, JUDGE_KEYS

JUDGE_SOURCES = ("external", "verl")


@dataclass(frozen=True)
class JudgeSettings:
    """When and how the reward manager asks the LLM judge about answer correctness.

    ``source='external'``: an OpenAI-compatible endpoint from ``client.base_urls`` (or env, see docs).
    ``source='verl'``: the judge verl serves itself (``reward.reward_model.enable=True``); the
    reward manager then receives ``reward_router_address`` and calls ``http://{addr}/v1``.
    ``failure_policy``: after retries a failed verdict falls back to the rule score (``rule``) or
    additionally marks the sample ``exclude=1`` so the trainer removes it from its group's advantage.
    ``skip_scorers``: data sources whose rule scorer is one of these never call the judge
    (multiple choice is decided exactly by the rule). ``client.max_concurrency`` bounds the judge calls
    in flight for the WHOLE job: each of verl's ``reward.num_workers`` reward workers gets its share.
    """

    enable: bool = False
    source: str = "external"
    failure_policy: str = "rule"
    skip_scorers: tuple[str, ...] = ("choice",)
    client: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.failure_policy not in FAILURE_POLICIES:
            raise ValueError(f"judge.failure_policy={self.failure_policy!r} is not one of {FAILURE_POLICIES}")
        if self.source not in JUDGE_SOURCES:
            raise ValueError(f"judge.source={self.source!r} is not one of {JUDGE_SOURCES}")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> JudgeSettings:
        """Build from the ``judge`` mapping of the reward kwargs (a plain dict on Ray workers); an unknown key
        is an :class:`~longrlvr.errors.UnknownKeyError` (a ValueError) naming the closest key."""
        values = dict(values or {})
        check_names(values, sorted(JUDGE_KEYS), "reward.reward_kwargs.judge")
        if "skip_scorers" in values:
            values["skip_scorers"] = tuple(values["skip_scorers"] or ())
        values["client"] = dict(values.get("client") or {})
        return cls(**values)

    def client_mapping(self, reward_router_address: str | None, reward_model_path: str | None) -> dict[str, Any]:
        """The judge client's settings, with the verl-served router filled in when ``source='verl'``."""
        client = dict(self.client)
        if self.source == "verl":
            if not reward_router_address:
                raise ValueError(
                    "judge.source='verl' needs verl to serve the judge: set reward.reward_model.enable=True and "
                    "reward.reward_model.enable_resource_pool=True (verl then passes reward_router_address)"
                )
            # verl's router serves the judge under its model path and needs no API key
            client.update(base_urls=[f"http://{reward_router_address}/v1"], model=reward_model_path, api_key_env=None)
        elif not (client.get("base_urls") and client.get("model")):
            raise ValueError(
                "judge.source='external' needs reward.reward_kwargs.judge.client.base_urls and .model "
                "(run_longrl.sh fills them from JUDGE_BASE_URLS and JUDGE_MODEL)"
            )
        return client

    @staticmethod
    def per_worker_client(client: Mapping[str, Any], num_workers: int) -> dict[str, Any]:
        """``client`` with ``max_concurrency`` divided among ``num_workers`` reward workers (at least 1 each)."""
        client = dict(client)
        total = client.get("max_concurrency")
        if total:
            client["max_concurrency"] = max(1, int(total) // max(1, int(num_workers)))
        return client


JUDGE_LATENCY_S = 1.0  # the judge latency the printed step cost assumes (one call, seconds)


def responses_per_step(cfg: Any) -> int:
    """Responses a step can have in flight for the judge: prompts x n, times the generation batches the DAPO
    filter keeps in flight (``max_inflight_gen_batches``) when it is on."""
    groups = cfg.algorithm.filter_groups
    inflight = int(groups.max_inflight_gen_batches) if groups.enable else 1
    return int(cfg.data.train_batch_size) * int(cfg.actor_rollout_ref.rollout.n) * inflight


def judge_concurrency_line(total: int, num_workers: int, responses: int, latency_s: float = JUDGE_LATENCY_S) -> str:
    """Judge calls in flight job-wide and the latency rounds a step costs: ceil(responses / calls in flight)."""
    each = max(1, int(total) // max(1, int(num_workers)))
    in_flight = each * int(num_workers)
    rounds = -(-int(responses) // in_flight)
    return (
        f"judge concurrency: {in_flight} calls in flight ({each} per reward worker x {num_workers}) for {responses} "
        f"responses a step = {rounds} latency round(s), >= {rounds * latency_s:g} s a step at {latency_s:g} s "
        "judge latency beyond what overlaps rollout"
    )
