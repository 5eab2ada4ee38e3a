"""Compatibility of verl 0.9.1 with the newer libraries it is installed beside, applied where verl runs.

Imported by :mod:`longrlvr.integrations.verl.trainer`, which verl loads in every process it starts
(``VERL_USE_EXTERNAL_MODULES``). Nothing in verl is edited: each fix rebinds one name verl looks up.
"""

from __future__ import annotations

import importlib
import importlib.util


def trl_has_value_head() -> bool:
    """Whether the installed TRL still offers ``AutoModelForCausalLMWithValueHead`` (TRL 1.x removed it)."""
    for module in ("trl.experimental.ppo", "trl"):
        try:
            if hasattr(importlib.import_module(module), "AutoModelForCausalLMWithValueHead"):
                return True
        except Exception:  # a missing or broken optional module: no value head there
            continue
    return False


def hide_trl_without_value_head() -> bool:
    """verl 0.9.1 imports TRL's ``AutoModelForCausalLMWithValueHead`` while building every FSDP model when TRL
    is installed, and fails with ImportError on TRL 1.x (e.g. when ``longrlvr[trl]`` sits in the same env).
    verl only patches that class's ``state_dict``, so with the class gone verl is told TRL is absent.
    Returns whether the fix was applied."""
    if importlib.util.find_spec("trl") is None or trl_has_value_head():
        return False
    import verl.models.transformers.monkey_patch as monkey_patch

    monkey_patch.is_trl_available = lambda: False
    return True
