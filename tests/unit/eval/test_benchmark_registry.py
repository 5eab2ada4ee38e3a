"""Every benchmark is one registered object; the CLI, config and scorer find it by name."""

from __future__ import annotations

import pytest

from longrlvr.errors import UserError
from longrlvr.eval import benchmarks


def test_registry_lists_every_benchmark():
    assert {"ruler", "niah", "longbench_v2", "longreason", "longrlvr"} <= set(benchmarks.names())


def test_unknown_benchmark_is_one_line_with_the_closest_name():
    with pytest.raises(UserError, match="longrlvr"):
        benchmarks.get("longrlv")


def test_no_benchmark_name_branches_outside_the_benchmark_modules():
    import pathlib
    import re

    import longrlvr.eval as ev

    root = pathlib.Path(ev.__file__).parent
    pattern = re.compile(r"benchmark\s*(==|!=|in)\s*[\"'(]")
    offenders = [p for p in root.rglob("*.py") if "benchmarks" not in p.parts and pattern.search(p.read_text())]
    assert offenders == []
