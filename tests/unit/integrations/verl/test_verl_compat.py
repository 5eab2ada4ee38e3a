"""verl 0.9.1 beside TRL 1.x: the model build must not import TRL's removed value-head class."""

from __future__ import annotations

import pytest

pytest.importorskip("trl")
monkey_patch = pytest.importorskip("verl.models.transformers.monkey_patch")

from longrlvr.integrations.verl import compat as verl_compat  # noqa: E402


def test_trl_without_value_head_is_hidden_from_verl(monkeypatch):
    monkeypatch.setattr(monkey_patch, "is_trl_available", monkey_patch.is_trl_available)
    if verl_compat.trl_has_value_head():
        assert verl_compat.hide_trl_without_value_head() is False
        assert monkey_patch.is_trl_available()
    else:  # TRL 1.x: verl's `from trl import AutoModelForCausalLMWithValueHead` would raise at model build
        with pytest.raises(ImportError):
            from trl import AutoModelForCausalLMWithValueHead  # noqa: F401
        assert verl_compat.hide_trl_without_value_head() is True
        assert monkey_patch.is_trl_available() is False


def test_the_trainer_module_applies_the_fix_where_verl_loads_it():
    import longrlvr.integrations.verl.trainer  # noqa: F401  (verl imports it in every process)

    assert monkey_patch.is_trl_available() is verl_compat.trl_has_value_head()
