"""One environment-variable prefix for settings: ``LONGRLVR_<NAME>`` for every setting ``<NAME>``.

The launcher's settings keep the names of the authors' ``run_longrl.sh`` (``MODEL_PATH``, ``TRAIN_FILES``,
``JUDGE_BASE_URLS``, ...); each may also be given as ``LONGRLVR_MODEL_PATH`` etc. When both are set they must
agree (else a :class:`UserError` names both), so no setting silently shadows another.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from longrlvr.errors import UserError

PREFIX = "LONGRLVR_"


def prefixed_env(env: Mapping[str, str], names: Iterable[str] | None = None) -> dict[str, str]:
    """A copy of ``env`` where each ``LONGRLVR_<NAME>`` also sets ``<NAME>`` (all prefixed names, or ``names``)."""
    out = dict(env)
    wanted = None if names is None else set(names)
    for key, value in env.items():
        if not key.startswith(PREFIX) or not value.strip():
            continue
        name = key[len(PREFIX) :]
        if wanted is not None and name not in wanted:
            continue
        plain = env.get(name, "").strip()
        if plain and plain != value.strip():
            # values are not echoed: either may be a secret (e.g. an API key)
            raise UserError(f"environment: {key} and {name} are both set and disagree; set only one")
        out[name] = value
    return out
