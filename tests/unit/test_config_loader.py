"""The one config loader and the shipped-config resolver: names and paths, strict keys, closest-key hints."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from omegaconf import DictConfig, OmegaConf

from longrlvr.config_loader import check_yaml_expansion, load_config, load_settings, to_object
from longrlvr.errors import UserError
from longrlvr.shipped import resolve_config, shipped_configs, shipped_path


@dataclass
class Section:
    steps: int = 3
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Settings:
    name: str = "x"
    trainer: Section = field(default_factory=Section)


def test_shipped_configs_are_found_by_name_and_path():
    shipped = shipped_configs()
    assert {"local/default", "eval/ruler_qa", "data_gen/example", "recipe/longrlvr_trainer"} <= set(shipped)
    assert resolve_config("default", group="local") == shipped["local/default"]
    assert resolve_config("local/default") == shipped["local/default"]
    assert resolve_config(str(shipped["eval/tiny"])) == shipped["eval/tiny"]
    assert resolve_config("configs/eval/tiny.yaml").resolve() == shipped["eval/tiny"]  # source-tree path, anywhere
    assert shipped_path("recipe", "longrlvr", "config", "longrlvr_trainer.yaml").is_file()


@pytest.mark.parametrize(
    ("value", "message"),
    [("defualt", "did you mean 'default'"), ("missing.yaml", "config file not found: missing.yaml")],
)
def test_unknown_config_names_the_closest(value, message):
    with pytest.raises(UserError, match=message):
        resolve_config(value, group="local")


def test_schema_file_and_overrides(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("name: file\ntrainer: {steps: 5}\n")
    cfg = load_config(path, ["trainer.extra.k=1"], schema=Settings)
    assert to_object(cfg, Settings) == Settings(name="file", trainer=Section(steps=5, extra={"k": 1}))


@pytest.mark.parametrize(
    ("yaml_text", "overrides", "message"),
    [
        ("trainer: {stpes: 5}\n", [], r"c\.yaml: unknown key 'trainer\.stpes' \(did you mean 'trainer\.steps'\?\)"),
        ("name: a\n", ["nmae=b"], r"override: unknown key 'nmae' \(did you mean 'name'\?\)"),
        ("name: a\n", ["trainer.steps=abc"], "trainer.steps"),
        ("name: a\n", ["oops"], "not key=value"),
        ("- a list\n", [], "must be a mapping"),
        ("name: [unclosed\n", [], "cannot read config"),
    ],
)
def test_errors_are_one_line_user_errors(tmp_path, yaml_text, overrides, message):
    path = tmp_path / "c.yaml"
    path.write_text(yaml_text)
    with pytest.raises(UserError, match=message) as info:
        load_config(path, overrides, schema=Settings)
    assert "\n" not in str(info.value)


def test_interpolations_resolve_after_the_key_check(tmp_path, monkeypatch):
    path = tmp_path / "c.yaml"
    path.write_text("name: ${oc.env:LONGRLVR_TEST_NAME}\n")
    monkeypatch.setenv("LONGRLVR_TEST_NAME", "from-env")
    assert load_config(path, schema=Settings).name == "from-env"
    monkeypatch.delenv("LONGRLVR_TEST_NAME")
    with pytest.raises(UserError, match="LONGRLVR_TEST_NAME"):
        load_config(path, schema=Settings)


def test_without_schema_the_file_is_its_own_schema():
    cfg = load_config("default", ["trainer.steps=2", "+trainer.new_key=1"], group="local")
    assert cfg.trainer.steps == 2 and cfg.trainer.new_key == 1
    with pytest.raises(UserError, match="did you mean 'sft.steps'"):
        load_config("default", ["sft.stepz=2"], group="local")


@dataclass(frozen=True)
class Item:
    name: str = "?"
    sizes: tuple[int, ...] = ()


@dataclass(frozen=True)
class WithPresets:
    preset: str = "small"
    width: int = 1
    items: list[Item] = field(default_factory=list)


PRESETS = {"small": {}, "large": {"width": 8}}


def test_presets_sit_under_the_file_and_unknown_ones_name_the_closest(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("preset: large\n")
    assert load_settings(path, schema=WithPresets, presets=PRESETS).width == 8  # the file's preset
    assert load_settings(path, ["width=3"], schema=WithPresets, presets=PRESETS).width == 3  # overrides win
    assert load_settings(None, ["preset=small"], schema=WithPresets, presets=PRESETS).width == 1
    with pytest.raises(UserError, match=r"unknown preset 'lagre' \(did you mean 'large'\?\)"):
        load_settings(path, ["preset=lagre"], schema=WithPresets, presets=PRESETS)


def test_flags_win_lists_of_dataclasses_are_checked_and_tuples_come_back(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("width: 2\nitems: [{name: a, sizes: [1, 2]}]\n")
    settings = load_settings(path, schema=WithPresets, flags={"width": 5, "preset": None})
    assert settings == WithPresets(width=5, items=[Item("a", (1, 2))])
    path.write_text("items: [{name: a, szes: [1]}]\n")
    with pytest.raises(UserError, match=r"unknown key 'items\[0\].szes' \(did you mean 'items\[0\].sizes'\?\)"):
        load_settings(path, schema=WithPresets)
    with pytest.raises(UserError, match=r"flag: unknown key 'wdth'"):
        load_settings(None, schema=WithPresets, flags={"wdth": 1})


def test_a_config_as_schema_checks_keys_and_allows_additions(tmp_path):
    schema = OmegaConf.create({"trainer": {"steps": 3, "lr": 0.1}})
    path = tmp_path / "c.yaml"
    path.write_text("trainer: {steps: 5}\n")
    cfg = load_config(path, ["+trainer.extra=1"], schema=schema)
    assert (cfg.trainer.steps, cfg.trainer.lr, cfg.trainer.extra) == (5, 0.1, 1)
    path.write_text("trainer: {stesp: 5}\n")
    with pytest.raises(UserError, match=r"did you mean 'trainer.steps'"):
        load_config(path, schema=schema)


# ---- issue 23 family 15: YAML alias bombs are refused before anything expands them -----------------------------
def _bomb(levels: int, width: int = 10, flow: bool = True) -> str:
    if flow:
        lines = ["a0: &a0 [x]"]
        lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    else:  # block style, mappings instead of lists
        lines = ["a0: &a0 {k: x}"]
        for i in range(1, levels):
            lines.append(f"a{i}: &a{i}")
            lines += [f"  k{j}: *a{i - 1}" for j in range(width)]
    return "\n".join(lines) + "\n"


def test_the_issues_294_byte_bomb_is_refused_in_well_under_a_second(tmp_path):
    path = tmp_path / "bomb.yaml"
    names = "abcdefg"  # 7 levels of 10: 10^6 leaves once expanded
    lines = ['a: &a ["lol"]'] + [
        f"{n}: &{n} [{','.join([f'*{p}'] * 10)}]" for p, n in zip(names, names[1:], strict=False)
    ]
    path.write_text("\n".join(lines) + "\n")
    assert len(path.read_bytes()) <= 294
    t = time.perf_counter()
    with pytest.raises(UserError) as info:
        load_config(path)
    assert time.perf_counter() - t < 0.5
    assert str(info.value).startswith(f"{path}:") and "YAML aliases expand" in str(info.value)


@pytest.mark.parametrize(
    "levels,width,flow", [(6, 10, True), (9, 10, True), (20, 2, True), (7, 10, False), (4, 400, True)]
)
def test_alias_bombs_rejected_fast_naming_the_file(tmp_path, levels, width, flow):
    path = tmp_path / "cfg.yaml"
    path.write_text(_bomb(levels, width, flow))
    t = time.perf_counter()
    with pytest.raises(UserError, match=r"cfg\.yaml:\d+: YAML aliases expand to more than 100000 nodes"):
        load_config(path)
    assert time.perf_counter() - t < 1.0


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\n",
        "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  z: 3\n",
        _bomb(3),
        _bomb(4, 3, flow=False),
        "l: [" + ", ".join(["1"] * 5000) + "]\n",
        "s: &s hello\nt: *s\n",
    ],
)
def test_ordinary_yaml_with_aliases_still_loads(tmp_path, text):
    path = tmp_path / "ok.yaml"
    path.write_text(text)
    assert isinstance(load_config(path), DictConfig)
    assert check_yaml_expansion(text, "ok.yaml") > 0


def test_alias_bomb_through_the_cli_is_one_line_exit_2(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb(9))
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "longrlvr", "data", "run", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and str(path) in done.stderr and "YAML aliases expand" in done.stderr
    assert time.perf_counter() - t < 30  # interpreter start included; the check itself is milliseconds
