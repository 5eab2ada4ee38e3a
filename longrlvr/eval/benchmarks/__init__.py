"""The benchmark registry: every module of this package registers its benchmark object by name.

Adding a benchmark is one file here (docs/extending.md): a :class:`~longrlvr.eval.benchmarks.base.FileBenchmark`
subclass decorated with :func:`register`. Modules are imported on first lookup, so importing the registry is
cheap and a broken benchmark module fails loudly, naming itself.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TypeVar

from longrlvr.errors import UserError, closest
from longrlvr.eval.benchmarks.base import FileBenchmark

_REGISTRY: dict[str, FileBenchmark] = {}
_LOADED = False
B = TypeVar("B", bound=type[FileBenchmark])


def register(cls: B) -> B:
    """Class decorator: one instance of ``cls`` under ``cls.name`` (a second benchmark of that name is a bug)."""
    if cls.name in _REGISTRY:
        raise RuntimeError(f"benchmark {cls.name!r} registered twice ({type(_REGISTRY[cls.name]).__module__})")
    _REGISTRY[cls.name] = cls()
    return cls


def _load_all() -> None:
    global _LOADED
    if not _LOADED:
        for module in pkgutil.iter_modules(__path__):
            if module.name != "base" and not module.name.startswith("_"):
                importlib.import_module(f"{__name__}.{module.name}")
        _LOADED = True


def names() -> tuple[str, ...]:
    """Registered benchmark names, sorted (CLI choices and the config schema)."""
    _load_all()
    return tuple(sorted(_REGISTRY))


def get(name: str) -> FileBenchmark:
    """The benchmark called ``name``; an unknown name is a one-line UserError naming the closest one."""
    _load_all()
    if name not in _REGISTRY:
        hint = closest(name, tuple(_REGISTRY)) or f"; one of {', '.join(sorted(_REGISTRY))}"
        raise UserError(f"benchmark {name!r} is not known{hint}")
    return _REGISTRY[name]
