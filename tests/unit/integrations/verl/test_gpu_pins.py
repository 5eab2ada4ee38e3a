"""Our GPU install is verl 0.9.1's tested stack: the `gpu` extra's pins equal verl's own `vllm` extra pins."""

from __future__ import annotations

import re
from importlib.metadata import requires
from pathlib import Path

import tomllib
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[4]


def exact_pins(lines: list[str], extra: str | None = None) -> dict[str, str]:
    """{name: '==version'} of the exact pins among requirement ``lines`` (those of ``extra`` when given)."""
    pins = {}
    for line in lines:
        req = Requirement(line)
        if extra is not None and not (req.marker and req.marker.evaluate({"extra": extra})):
            continue
        if str(req.specifier).startswith("=="):
            pins[req.name.lower()] = str(req.specifier)
    return pins


def our_extra(name: str) -> list[str]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"][name]


def test_gpu_extra_equals_verls_vllm_extra():
    verls = exact_pins(requires("verl") or [], "vllm")
    # verl 0.9.1; this fails on a verl upgrade: re-pin the gpu extra from verl's metadata
    assert verls == {
        "torch": "==2.11.0",
        "torchvision": "==0.26.0",
        "torchaudio": "==2.11.0",
        "vllm": "==0.24.0",
        "transformers": "==5.9.0",
    }
    ours = exact_pins(our_extra("gpu"))
    assert {k: v for k, v in ours.items() if k != "verl"} == verls
    assert ours["verl"] == "==" + __import__("importlib.metadata").metadata.version("verl")
    assert our_extra("vllm") == ["longrlvr[gpu]"]


def test_setup_installs_verls_flash_attn_pin():
    """flash-attn is built against the installed torch by scripts/setup.sh (no wheel on PyPI), at verl's pin."""
    verls = exact_pins(requires("verl") or [], "flash-attn-cu130torch211")
    assert verls == {"flash-attn": "==2.8.3"}
    assert re.search(r'FLASH_ATTN="flash-attn==2\.8\.3"', (REPO / "scripts" / "setup.sh").read_text())
