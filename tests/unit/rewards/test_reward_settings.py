"""Issue 23 family 3: every reward setting is checked for type, finiteness and range at load, through every entry
point (RewardConfig, from_kwargs as verl's reward manager calls it, compute_score, ``longrlvr reward score``)."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys

import pytest

from longrlvr.cli import main
from longrlvr.rewards import OverlongConfig, RewardConfig, compute_score
from longrlvr.settings_check import SettingError

BAD = [
    ("beta", math.inf),
    ("beta", float("1e309")),
    ("beta", math.nan),
    ("beta", 0),
    ("beta", -2),
    ("beta", "2"),
    ("beta", True),
    ("beta", 1e4),
    ("answer_weight", math.nan),
    ("answer_weight", -math.inf),
    ("context_weight", 1e309),
    ("joint_weight", 10**400),
    ("joint_weight", "0.9"),
    ("format_score", math.inf),
    ("format_score", math.nan),
    ("format_score", -1e309),
    ("f1_threshold", 0),
    ("f1_threshold", 1.5),
    ("f1_threshold", math.nan),
    ("max_length_ratio", 0),
    ("max_length_ratio", math.inf),
    ("max_extra_tokens", -1),
    ("max_extra_tokens", 2.5),
    ("max_extra_tokens", None),
    ("max_extra_tokens", math.nan),
    ("dedup", "yes"),
]


def _one_line(exc: BaseException, key: str) -> str:
    msg = str(exc)
    assert "\n" not in msg and f"{key}=" in msg and "allowed" in msg, msg
    return msg


@pytest.mark.parametrize("key,value", BAD)
def test_from_kwargs_refuses_bad_value_in_one_line(key, value):
    with pytest.raises(SettingError) as info:
        RewardConfig.from_kwargs({key: value})
    _one_line(info.value, key)


@pytest.mark.parametrize("key,value", BAD)
def test_direct_construction_refuses_bad_value(key, value):
    with pytest.raises(SettingError) as info:
        RewardConfig(**{key: value})
    _one_line(info.value, key)


@pytest.mark.parametrize(
    "buf,max_resp_len,key",
    [
        ({"enable": True, "len": -1}, 100, "overlong_buffer_cfg.len"),
        ({"enable": True, "len": 2.5}, 100, "overlong_buffer_cfg.len"),
        ({"enable": True, "len": 10, "penalty_factor": math.inf}, 100, "overlong_buffer_cfg.penalty_factor"),
        ({"enable": True, "len": 10, "penalty_factor": math.nan}, 100, "overlong_buffer_cfg.penalty_factor"),
        ({"enable": True, "len": 10}, 1e309, "max_resp_len"),
        ({"enable": True, "len": 10}, -5, "max_resp_len"),
        ({"enable": "no", "len": 10}, 100, "overlong_buffer_cfg.enable"),
    ],
)
def test_overlong_settings_checked(buf, max_resp_len, key):
    with pytest.raises(SettingError) as info:
        RewardConfig.from_kwargs({"overlong_buffer_cfg": buf, "max_resp_len": max_resp_len})
    _one_line(info.value, key)


@pytest.mark.parametrize("overlong", [{"buffer_len": -3}, {"penalty_factor": math.inf}, {"max_resp_len": 10**400}])
def test_overlong_config_checked_on_direct_construction(overlong):
    with pytest.raises(SettingError):
        RewardConfig(overlong=OverlongConfig(enable=True, **overlong))


def test_good_settings_still_load_and_scores_stay_finite():
    cfg = RewardConfig.from_kwargs(
        {"beta": 1, "answer_weight": 0, "format_score": -1.0, "max_extra_tokens": 0, "f1_threshold": 1.0}
    )
    assert cfg.beta == 1 and dataclasses.replace(cfg, beta=1000.0).beta == 1000.0
    out = compute_score(
        "longrlvr", "<useful_chunks>1</useful_chunks><answer>Paris</answer>", "Paris", {"ref_chunks": [1]}
    )
    assert all(math.isfinite(v) for v in out.values() if isinstance(v, float))


@pytest.mark.parametrize("key,value", [("beta", math.inf), ("format_score", math.nan), ("answer_weight", 1e309)])
def test_compute_score_refuses(key, value):
    with pytest.raises(SettingError):
        compute_score("longrlvr", "<answer>x</answer>", "x", {"ref_chunks": [1]}, **{key: value})


@pytest.mark.parametrize("beta", ["inf", "1e309", "nan", "0", "-1"])
def test_reward_score_command_exits_2_in_one_line(capsys, beta):
    rc = main(["reward", "score", "--response", "<answer>Paris</answer>", "--ground-truth", "Paris", "--beta", beta])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "beta=" in err and "allowed" in err and "Traceback" not in err


def test_reward_score_jsonl_exits_2_before_printing(tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text(json.dumps({"response": "<answer>Paris</answer>", "ground_truth": "Paris"}) + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "longrlvr", "reward", "score", "--jsonl", str(path), "--beta", "1e309"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert "beta=inf" in done.stderr and done.stderr.count("\n") == 1
