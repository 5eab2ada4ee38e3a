"""Architecture rules that code review alone would miss: import boundaries."""

import subprocess
import sys

PURE_CORE = "import longrlvr.rewards, longrlvr.grammar"
# Prints the files whose own import statements asked for vllm while every module was imported. Libraries may
# (verl imports vllm when it is installed, e.g. with the cpu extra); this project's modules must not.
IMPORT_ALL = """
import importlib, pkgutil, sys, traceback
importers = []
class Spy:
    def find_spec(self, name, path=None, target=None):
        if name == 'vllm':
            frames = [f.filename for f in traceback.extract_stack()[:-1]]
            importers.append(next(f for f in reversed(frames) if '<frozen' not in f and '/importlib/' not in f))
        return None
sys.meta_path.insert(0, Spy())
import longrlvr, data_gen
for pkg in (longrlvr, data_gen):
    for mod in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):
        if '__main__' not in mod.name:
            importlib.import_module(mod.name)
print(sorted({f for f in importers if 'site-packages' not in f}))
"""


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()


def test_reward_core_imports_no_framework():
    heavy = "('torch', 'verl', 'ray', 'httpx', 'aiohttp', 'openai')"
    loaded = _run(PURE_CORE + f"\nimport sys\nprint(sorted(m for m in {heavy} if m in sys.modules))")
    assert loaded == "[]"


def test_no_module_imports_vllm_at_import_time():
    assert _run(IMPORT_ALL) == "[]"
