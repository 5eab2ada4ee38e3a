"""Loading a tokenizer or model from a path or hub name the user gave: one line naming the setting on failure.

transformers raises many types here (OSError, ValueError, ImportError for a missing converter, ...); each is a
user error when the path came from the user, so it becomes a :class:`~longrlvr.errors.UserError` that names the
flag or key (``--tokenizer``, ``model.path``) and the path.
"""

from __future__ import annotations

from typing import Any

from longrlvr.errors import UserError, one_line


def load_tokenizer(path: str, setting: str, **kwargs: Any) -> Any:
    """``AutoTokenizer.from_pretrained(path, **kwargs)``; a failure names ``setting`` and ``path``."""
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(path, **kwargs)
    except Exception as exc:  # noqa: BLE001 - transformers' failures here are all "this path is not a tokenizer"
        raise UserError(f"{setting} {path}: cannot load a tokenizer: {one_line(exc, 300)}") from exc


def load_causal_lm(path: str, setting: str, **kwargs: Any) -> Any:
    """``AutoModelForCausalLM.from_pretrained(path, **kwargs)``; a failure names ``setting`` and ``path``."""
    from transformers import AutoModelForCausalLM

    try:
        return AutoModelForCausalLM.from_pretrained(path, **kwargs)
    except Exception as exc:  # noqa: BLE001 - as above: the path given is not a loadable causal LM
        raise UserError(f"{setting} {path}: cannot load a causal language model: {one_line(exc, 300)}") from exc
