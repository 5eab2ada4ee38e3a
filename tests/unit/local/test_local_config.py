"""The local engine's typed config: defaults equal the shipped YAML, every bad value is one line naming the key
and its allowed range (exit 2) before any model loads, and the run uses typed fields."""

from __future__ import annotations

import re

import pytest

from longrlvr.errors import UserError
from longrlvr.local.config import LocalConfig, load_config
from longrlvr.settings_check import LOCAL_RULES
from tests.helpers.local import local_main

BAD = [  # (override, key named in the message, words of the allowed range)
    ("rollout.n=0", "rollout.n=0", "an integer >= 1"),
    ("actor.batch_size=0", "actor.batch_size=0", "an integer >= 1"),
    ("threads=0", "threads=0", ">= 1"),
    ("seed=nan", "seed=", "an integer >= 0"),
    ("seed=.nan", "seed=nan", "an integer"),
    ("seed=-1", "seed=-1", ">= 0"),
    ("actor.lr=nan", "actor.lr=", "> 0"),
    ("actor.lr=.inf", "actor.lr=inf", "finite"),
    ("sft.lr=0", "sft.lr=0", "> 0"),
    ("rollout.temperature=-1", "rollout.temperature=-1", "> 0"),
    ("rollout.temperature=0", "rollout.temperature=0", "> 0"),
    ("rollout.max_new_tokens=0", "rollout.max_new_tokens=0", ">= 1"),
    ("rollout.top_p=nan", "rollout.top_p=", "<= 1"),
    ("rollout.top_p=1.01", "rollout.top_p=1.01", "<= 1"),
    ("actor.grad_clip=-1", "actor.grad_clip=-1", "> 0"),
    ("trainer.steps=-5", "trainer.steps=-5", ">= 0"),
    ("trainer.save_every=0", "trainer.save_every=0", ">= 1"),
    ("trainer.val_every=0", "trainer.val_every=0", ">= 1"),
    ("trainer.max_idle_steps=0", "trainer.max_idle_steps=0", ">= 1"),
    ("actor.micro_batch_size=0.5", "actor.micro_batch_size=0.5", "an integer"),
    ("actor.mini_batches=0", "actor.mini_batches=0", ">= 1"),
    ("actor.ppo_epochs=0", "actor.ppo_epochs=0", ">= 1"),
    ("actor.clip_ratio_low=-0.1", "actor.clip_ratio_low=-0.1", ">= 0"),
    ("actor.kl.coef=-1", "actor.kl.coef=-1", ">= 0"),
    ("algorithm.dynamic_sampling_max_gen_batches=0", "dynamic_sampling_max_gen_batches=0", ">= 1"),
    ("data.val_size=0", "data.val_size=0", ">= 1"),
    ("data.synthetic.num_chunks=1", "data.synthetic.num_chunks=1", ">= 2"),
    ("sft.batch_size='32'", "sft.batch_size=", "an integer"),
    ("sft.steps=true", "sft.steps=", "an integer"),
    ("model.tiny.hidden_size=0", "model.tiny.hidden_size=0", ">= 1"),
    ("+reward.format_score=1e309", "reward.format_score=inf", "finite"),
    ("reward.beta=.nan", "reward.beta=nan", "> 0"),
    ("reward.beta=0", "reward.beta=0", "> 0"),
    ("sft.num_chunks=[1,2]", "sft.num_chunks", ">= 2"),
]
BAD_CHOICES = [
    ("device=gpu", "device='gpu' is not one of auto, cpu, cuda"),
    ("model.tiny.arch=gpt2", "model.tiny.arch='gpt2' is not one of qwen2, lfm2"),
    ("actor.loss_agg_mode=mean", "actor.loss_agg_mode='mean'"),
    ("actor.kl.type=kl3", "actor.kl.type='kl3'"),
    ("algorithm.dynamic_sampling_metric=acc", "algorithm.dynamic_sampling_metric='acc'"),
    ("reward.mode=outcome", "reward mode 'outcome'"),
    ("reward.bta=1", "unknown key 'reward.bta' (did you mean 'reward.beta'?)"),
    ("model.tiny.conv_layers=3", "model.tiny.conv_layers=3"),
]


def test_dataclass_defaults_are_the_shipped_yaml():
    assert load_config() == LocalConfig()


def test_every_range_rule_names_a_real_key():
    cfg = LocalConfig().to_dict()
    for key in LOCAL_RULES:
        node = cfg
        parts = key.split(".")
        if parts[0] == "reward":  # compute_score keywords: the reward rules cover keys the default leaves out
            continue
        for part in parts:
            assert part in node, key
            node = node[part]


@pytest.mark.parametrize(("override", "key", "allowed"), BAD)
def test_a_bad_number_is_one_line_naming_key_and_range(override, key, allowed):
    with pytest.raises(UserError) as err:
        load_config([override])
    text = str(err.value)
    assert "\n" not in text and key in text and "allowed" in text and allowed in text


@pytest.mark.parametrize(("override", "words"), BAD_CHOICES)
def test_a_bad_choice_is_one_line_naming_it(override, words):
    with pytest.raises(UserError, match="^local engine: .*" + re.escape(words)):
        load_config([override])


@pytest.mark.parametrize("override", ["rollout.n=0", "threads=0", "rollout.top_p=nan", "trainer.steps=-5"])
def test_the_cli_refuses_before_any_model_loads(override, tmp_path, capsys):
    assert local_main([override, f"run_dir={tmp_path / 'run'}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and override.split("=")[0] in err[0] and "allowed" in err[0]
    assert not (tmp_path / "run").exists()  # nothing was built, locked or written


def test_good_values_load_as_typed_fields():
    cfg = load_config(["seed=3.0", "threads=null", "rollout.top_p=1.0", "trainer.steps=0", "sft.num_chunks=4"])
    assert cfg.seed == 3 and type(cfg.seed) is int and cfg.threads is None and cfg.trainer.steps == 0
    assert type(cfg.actor.lr) is float and type(cfg.rollout.n) is int and cfg.sft.num_chunks == 4
    assert load_config(["reward.dedup=true"]).reward == {
        "mode": "longrlvr",
        "beta": 2.0,
        "answer_scorer": "em",
        "dedup": True,
    }


def test_a_saved_config_loads_back_to_the_same_settings(tmp_path):
    cfg = load_config(["reward.dedup=true", "rollout.n=4", "sft.num_chunks=[3,4]"])
    path = tmp_path / "config.yaml"
    path.write_text(cfg.to_yaml())
    assert load_config([], str(path)) == cfg
