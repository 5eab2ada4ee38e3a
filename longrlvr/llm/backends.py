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
from typing import TYPE_CHECKING, Any, cast

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from longrlvr.config_loader import check_keys, to_object
from longrlvr.errors import UserError, check_names, closest
from longrlvr.llm.chat import ChatBackend, OpenAIBackend

if TYPE_CHECKING:
    from longrlvr.llm import LLMConfig

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
        return to_object(cast(DictConfig, OmegaConf.merge(schema, dict(values))), BackendSection)
    except OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", None)
        raise UserError(f"{where}: {key + ': ' if key else ''}{str(exc).splitlines()[0]}") from exc


def check_section(section: BackendSection | Mapping[str, Any], where: str = "llm") -> BackendSection:
    """The section checked without building its backend (no model load, no connection): every key, the
    backend name, the model, the engine's argument names (vllm: when installed) and, for openai, the client
    settings (:class:`LLMConfig`, its URL and key variables set). Every problem is a one-line UserError."""
    return _checked(section, where)[0]


def _checked(section: BackendSection | Mapping[str, Any], where: str) -> tuple[BackendSection, str, LLMConfig | None]:
    """(the section, its model, the openai backend's client settings or None), checked (:func:`check_section`)."""
    if not isinstance(section, BackendSection):
        section = parse_section(section, where)
    if section.backend not in BACKENDS:
        hint = closest(section.backend, BACKENDS)
        raise UserError(f"{where}: backend must be one of {', '.join(BACKENDS)}, got {section.backend!r}{hint}")
    model = _model(section, where)
    if section.max_retries < 0:
        raise UserError(f"{where}: max_retries must be >= 0, got {section.max_retries}")
    if section.backend == "openai":
        return section, model, _llm_config(section, model, where)
    engine_keys = _engine_keys(section.backend)
    if engine_keys is not None:
        check_names(section.engine, engine_keys, f"{where}: engine (backend {section.backend})")
    return section, model, None


def make_backend(section: BackendSection | Mapping[str, Any], where: str = "llm") -> ChatBackend:
    """The section's backend (checked by :func:`check_section` first); heavy libraries (torch, vLLM) are
    imported only by the backend that needs them."""
    section, model, client = _checked(section, where)
    if client is not None:
        from longrlvr.llm import AsyncLLMClient

        return OpenAIBackend(AsyncLLMClient(client))
    if section.backend == "hf":
        from longrlvr.llm.hf_backend import HFBackend

        return HFBackend(model, max_retries=section.max_retries, **section.engine)
    from longrlvr.llm.vllm_backend import VLLMBackend

    try:
        return VLLMBackend(model, max_retries=section.max_retries, **section.engine)
    except TypeError as exc:  # an engine argument vLLM does not know
        raise UserError(f"{where}: engine (backend vllm): {exc}") from exc


def _engine_keys(backend: str) -> tuple[str, ...] | None:
    """The engine arguments ``backend`` takes; None when vLLM is not installed (make_backend says how)."""
    if backend == "hf":
        return HF_ENGINE_KEYS
    try:
        from vllm import AsyncEngineArgs
    except ImportError:
        return None
    return tuple(f.name for f in fields(AsyncEngineArgs) if f.name != "model")


def _model(section: BackendSection, where: str) -> str:
    in_client = section.client.get("model")
    if section.model and in_client and section.model != in_client:
        raise UserError(f"{where}: model {section.model!r} and client.model {in_client!r} differ; give one")
    model = section.model or in_client
    if not model:
        raise UserError(f"{where}: model is required (a served model name or a checkpoint path)")
    return str(model)


def _llm_config(section: BackendSection, model: str, where: str) -> LLMConfig:
    """The openai backend's client settings, checked (URLs, values, the key's variable set)."""
    from longrlvr.llm import LLMConfig

    check_names(section.client, sorted(LLMConfig.field_names()), f"{where}: client")
    try:
        config = LLMConfig.from_mapping({**section.client, "model": model})
        config.api_key()
    except ValueError as exc:
        raise UserError(f"{where}: client: {exc}") from exc
    return config
