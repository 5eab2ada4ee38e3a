"""Architecture rules that code review alone would miss: import boundaries."""

import subprocess
import sys

PURE_CORE = "import longrlvr.rewards, longrlvr.grammar"
IMPORT_ALL = """
import importlib, pkgutil, sys
import longrlvr, data_gen
for pkg in (longrlvr, data_gen):
    for mod in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):
        if '__main__' not in mod.name:
            importlib.import_module(mod.name)
print('vllm' in sys.modules)
"""


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()


def test_reward_core_imports_no_framework():
    loaded = _run(PURE_CORE + "\nimport sys\nprint(sorted(m for m in ('torch','verl','ray','httpx','aiohttp','openai') if m in sys.modules))")
    assert loaded == "[]"


def test_no_module_imports_vllm_at_import_time():
    assert _run(IMPORT_ALL) == "False"
