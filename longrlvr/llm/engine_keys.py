"""Engine keys across backends: a config written for one backend runs with every backend it names.

Each backend declares the engine keys it takes; a key another backend takes is dropped (or renamed, per
:data:`RENAMES`) with one line saying so, so ``--backend hf`` on a vLLM config works; a key no backend takes
is still an error naming the closest valid key (the check in :func:`longrlvr.llm.backends.check_section`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from longrlvr.llm.backends import _engine_keys

# vLLM's AsyncEngineArgs keys the shipped configs and docs use (the full set when vLLM is installed).
VLLM_COMMON_KEYS = (
    "max_model_len",
    "tensor_parallel_size",
    "pipeline_parallel_size",
    "gpu_memory_utilization",
    "dtype",
    "enforce_eager",
    "max_num_seqs",
    "enable_prefix_caching",
    "trust_remote_code",
    "seed",
    "quantization",
)
RENAMES: dict[tuple[str, str], str] = {}  # (backend, foreign key) -> this backend's key; none needed yet


def keys_of(backend: str) -> tuple[str, ...]:
    """The engine keys ``backend`` takes (vllm: AsyncEngineArgs when installed, else the common ones)."""
    if backend == "openai":
        return ()
    return _engine_keys(backend) or VLLM_COMMON_KEYS


def adapt_engine(backend: str, engine: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """``(engine for backend, note)``: keys of another backend renamed or dropped; the note names them (None
    when nothing changed). Keys no backend takes are kept, so the section check reports them."""
    own = set(keys_of(backend))
    foreign = {k for b in ("hf", "vllm") if b != backend for k in keys_of(b)}
    kept: dict[str, Any] = {}
    dropped, renamed = [], []
    for key, value in engine.items():
        if key in own or key not in foreign:
            kept[key] = value
        elif (backend, key) in RENAMES:
            kept[RENAMES[backend, key]] = value
            renamed.append(f"{key}->{RENAMES[backend, key]}")
        else:
            dropped.append(key)
    if not dropped and not renamed:
        return kept, None
    parts = [f"dropped {', '.join(dropped)}" if dropped else "", f"renamed {', '.join(renamed)}" if renamed else ""]
    return kept, f"engine (backend {backend}): {'; '.join(p for p in parts if p)} (keys of another backend)"


def adapt_section(section: Any) -> None:
    """Adapt ``section.engine`` to ``section.backend`` in place (:func:`adapt_engine`); the note goes to stderr.
    Every command that builds a backend from a config section (eval, data_gen, the difficulty filter) calls it
    before :func:`~longrlvr.llm.backends.check_section`."""
    import sys

    section.engine, note = adapt_engine(section.backend, dict(section.engine or {}))
    if note:
        print(note, file=sys.stderr)
