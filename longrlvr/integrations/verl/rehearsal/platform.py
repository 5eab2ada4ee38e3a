"""A CPU platform for verl 0.9.1, registered through verl's own ``PlatformRegistry`` (``VERL_PLATFORM=cpu``).

Only the CPU rehearsal selects it (``run_longrl.sh --rehearse``): it lets verl's real trainer run its Ray
workers, FSDP2 actor and vLLM rollout server on a machine without an accelerator. Device ``cpu``,
collectives over ``gloo``, no CUDA IPC (weights reach vLLM through shared memory). Ray sees one fake
``GPU`` per process slot (the launcher starts Ray with ``num_gpus``), because verl's resource check
counts only GPU/NPU resources.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psutil
import torch
from verl.plugin.platform import PlatformBase, PlatformRegistry

PLATFORM_NAME = "cpu"


class CPUDeviceIndex(str):
    """What ``get_device_id()`` returns on the CPU platform.

    verl uses the device id both as a torch device (``.to(id)``, ``device=id``: this is the string ``"cpu"``)
    and inside ``f"{device_name}:{id}"`` (formatted as ``0``, giving ``"cpu:0"``). A plain ``0`` would mean
    "accelerator 0" to torch and fail.
    """

    def __new__(cls) -> CPUDeviceIndex:
        return super().__new__(cls, "cpu")

    def __format__(self, spec: str) -> str:
        return format(0, spec)


class CPUDeviceModule:
    """The ``torch.cuda``-style functions verl calls on ``get_torch_device()``, answered for the CPU.

    Streams, events and ``synchronize`` come from ``torch.cpu``; memory figures are the process's and the
    host's (there is no allocator cache to empty or peak to reset).
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(torch.cpu, name)

    @staticmethod
    def is_available() -> bool:
        return True

    @staticmethod
    def device_count() -> int:
        return 1

    @staticmethod
    def current_device() -> CPUDeviceIndex:
        return CPUDeviceIndex()

    @staticmethod
    def set_device(_device: Any) -> None:
        return None

    @staticmethod
    def get_device_name(_device: Any = None) -> str:
        return "cpu"

    @staticmethod
    def empty_cache() -> None:
        return None

    @staticmethod
    def ipc_collect() -> None:
        return None

    @staticmethod
    def reset_peak_memory_stats(_device: Any = None) -> None:
        return None

    @staticmethod
    def set_per_process_memory_fraction(_fraction: float, _device: Any = None) -> None:
        return None

    @staticmethod
    def mem_get_info(_device: Any = None) -> tuple[int, int]:
        """(free, total) bytes of host memory."""
        memory = psutil.virtual_memory()
        return memory.available, memory.total

    @staticmethod
    def memory_allocated(_device: Any = None) -> int:
        return psutil.Process().memory_info().rss

    memory_reserved = max_memory_allocated = max_memory_reserved = memory_allocated

    @staticmethod
    def get_rng_state(_device: Any = None) -> torch.Tensor:
        return torch.get_rng_state()

    @staticmethod
    def set_rng_state(state: torch.Tensor, _device: Any = None) -> None:
        torch.set_rng_state(state)

    @staticmethod
    def manual_seed(seed: int) -> None:
        torch.manual_seed(seed)

    manual_seed_all = manual_seed


@PlatformRegistry.register(platform=PLATFORM_NAME)
class PlatformCPU(PlatformBase):
    """verl platform for a machine without an accelerator (the CPU rehearsal)."""

    _device_module = CPUDeviceModule()

    @property
    def device_name(self) -> str:
        return "cpu"

    @property
    def vendor_name(self) -> str:
        return "cpu"

    @property
    def device_module(self) -> Any:
        return self._device_module

    def is_available(self) -> bool:
        return True

    def is_platform_available(self, use_smi_check: bool = False) -> bool:
        """Never auto-detected: only ``VERL_PLATFORM=cpu`` selects it."""
        return os.environ.get("VERL_PLATFORM", "").strip().lower() == PLATFORM_NAME

    def current_device(self) -> CPUDeviceIndex:
        return CPUDeviceIndex()

    def device_count(self) -> int:
        return 1

    def set_device(self, device_index: int) -> None:
        return None

    def synchronize(self, device_index: int | None = None) -> None:
        return None

    def manual_seed(self, seed: int) -> None:
        torch.manual_seed(seed)

    def manual_seed_all(self, seed: int) -> None:
        torch.manual_seed(seed)

    def set_allocator_settings(self, settings: str) -> None:
        return None

    def empty_cache(self) -> None:
        return None

    def get_device_capability(self, device_index: int = 0) -> tuple[int | None, int | None]:
        return None, None

    def communication_backend_name(self) -> str:
        return "gloo"

    def visible_devices_envvar(self) -> str:
        return "CUDA_VISIBLE_DEVICES"  # what Ray sets for the fake GPUs; torch's CPU build ignores it

    @contextmanager
    def nvtx_range(self, msg: str) -> Iterator[None]:
        yield

    def profiler_start(self) -> None:
        return None

    def profiler_stop(self) -> None:
        return None

    def ray_resource_name(self) -> str:
        return "GPU"  # verl's resource check counts only GPU/NPU; Ray is started with fake num_gpus

    def ray_noset_envvars(self) -> list[str]:
        return []

    def is_ipc_supported(self) -> bool:
        return False

    def cudart(self) -> None:
        return None
