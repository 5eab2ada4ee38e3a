"""The one LLM section shape and its factory: ``make_backend(section)`` -> a :class:`ChatBackend`.

    backend: openai | hf | vllm
    model: the served model name (openai) or a checkpoint path (hf, vllm)
    client: {LLMConfig keys: base_urls / base_urls_env, api_key_env, max_concurrency, max_retries, ...}  # openai
    engine: {...}   # hf: device, dtype, batch_size; vllm: AsyncEngineArgs (max_model_len, tensor_parallel_size ...)
    max_retries: 2  # hf / vllm: retries of a reply ``validate`` rejects (openai: client.max_retries)

data_gen's ``llm:`` section, an eval config's top level and the difficulty filter's ``--llm-config`` all use
it. Every key is checked: an unknown one is a :class:`UserError` naming it and the closest valid key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from longrlvr.config_loader import check_keys, to_object
from longrlvr.errors import UserError, closest
from longrlvr.llm.chat import ChatBackend, OpenAIBackend

BACKENDS = ("openai", "hf", "vllm")
HF_ENGINE_KEYS = ("device", "dtype", "batch_size")


@dataclass
class BackendSection:
    """An LLM section (see the module docstring)."""

    backend: str = "openai"
    model: str | None = None
    client: dict[str, Any] = field(default_factory=dict)
    engine: dict[str, Any] = field(default_factory=dict)
    max_retries: int = 2


SECTION_KEYS = tuple(f.name for f in fields(BackendSection))


def parse_section(values: Mapping[str, Any], where: str = "llm") -> BackendSection:
    """A section mapping checked key by key; ``where`` names it in errors (``llm``, ``eval config`` ...)."""
    schema = OmegaConf.structured(BackendSection)
    check_keys(values, schema, where)
    try:
        return to_object(OmegaConf.merge(schema, dict(values)), BackendSection)
    except OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", None)
        raise UserError(f"{where}: {key + ': ' if key else ''}{str(exc).splitlines()[0]}") from exc


def make_backend(section: BackendSection | Mapping[str, Any], where: str = "llm") -> ChatBackend:
    """The section's backend; heavy libraries (torch, vLLM) are imported only by the backend that needs them."""
    if not isinstance(section, BackendSection):
        section = parse_section(section, where)
    if section.backend not in BACKENDS:
        hint = closest(section.backend, BACKENDS)
        raise UserError(f"{where}: backend must be one of {', '.join(BACKENDS)}, got {section.backend!r}{hint}")
    model = _model(section, where)
    if section.backend == "openai":
        return OpenAIBackend(_client(section, model, where))
    if section.backend == "hf":
        _check_names(section.engine, HF_ENGINE_KEYS, f"{where}: engine (backend hf)")
        from longrlvr.llm.hf_backend import HFBackend

        return HFBackend(model, max_retries=section.max_retries, **section.engine)
    from longrlvr.llm.vllm_backend import VLLMBackend

    try:
        return VLLMBackend(model, max_retries=section.max_retries, **section.engine)
    except TypeError as exc:  # an engine argument vLLM does not know
        raise UserError(f"{where}: engine (backend vllm): {exc}") from exc


def _model(section: BackendSection, where: str) -> str:
    in_client = section.client.get("model")
    if section.model and in_client and section.model != in_client:
        raise UserError(f"{where}: model {section.model!r} and client.model {in_client!r} differ; give one")
    model = section.model or in_client
    if not model:
        raise UserError(f"{where}: model is required (a served model name or a checkpoint path)")
    return str(model)


def _client(section: BackendSection, model: str, where: str) -> Any:
    from longrlvr.llm import AsyncLLMClient, LLMConfig

    _check_names(section.client, sorted(LLMConfig.field_names()), f"{where}: client")
    try:
        return AsyncLLMClient(LLMConfig.from_mapping({**section.client, "model": model}))
    except ValueError as exc:
        raise UserError(f"{where}: client: {exc}") from exc


def _check_names(values: Mapping[str, Any], valid: Any, source: str) -> None:
    for key in values:
        if key not in valid:
            raise UserError(f"{source}: unknown key {key!r}{closest(key, valid)}; valid: {', '.join(valid)}")
