"""Rehearsal-only agent loop: verl's single-turn loop with a per-sample vLLM seed.

verl 0.9.1 seeds the vLLM engine (``rollout.seed + replica_rank``) but requests without their own seed draw from
the engine's shared generator, so a sample depends on which requests were batched with it (timing).
``rollout.full_determinism=True`` is no remedy: it gives every request the SAME seed
(``sampling_params.setdefault("seed", replica_rank + seed)`` in ``vllm_async_server.py``), so the n samples of a
prompt come out identical and DAPO discards every group. Here each sample gets its own seed from
(rollout.seed, dataset index, how many times this worker sampled that index): the same run -> the same seeds,
whatever the batching. Registered as ``longrlvr_seeded``; selected by ``rollout.agent.default_agent_loop``.
"""

from __future__ import annotations

import zlib
from collections import Counter
from typing import Any, ClassVar

from verl.experimental.agent_loop.agent_loop import register
from verl.experimental.agent_loop.single_turn_agent_loop import SingleTurnAgentLoop

AGENT_NAME = "longrlvr_seeded"


def sample_seed(base: int, index: Any, occurrence: int) -> int:
    """A 31-bit seed for the ``occurrence``-th sample of dataset row ``index``."""
    return zlib.crc32(f"{base}:{index}:{occurrence}".encode()) & 0x7FFFFFFF


@register(AGENT_NAME)
class SeededSingleTurnAgentLoop(SingleTurnAgentLoop):
    """verl's single-turn loop; adds ``seed`` to each request's sampling params (validation stays greedy)."""

    _seen: ClassVar[Counter] = Counter()  # per worker process; the count is taken before the first await (task order)

    async def run(self, sampling_params: dict[str, Any], **kwargs: Any) -> Any:
        index = kwargs.get("index", -1)
        occurrence = SeededSingleTurnAgentLoop._seen[index]
        SeededSingleTurnAgentLoop._seen[index] += 1
        base = int(self.rollout_config.get("seed", 42))
        return await super().run({**sampling_params, "seed": sample_seed(base, index, occurrence)}, **kwargs)
