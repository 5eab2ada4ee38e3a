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


# --- the rules of docs/architecture.md, each checked statically over the package's own source files -------------
import ast  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
# every source file of the installed package -> its module name (data_gen/ installs as longrlvr.data_gen)
SOURCES = {
    path: ".".join(("longrlvr", *prefix, *path.relative_to(REPO / root).with_suffix("").parts)).removesuffix(
        ".__init__"
    )
    for root, prefix in (("longrlvr", ()), ("data_gen", ("data_gen",)))
    for path in (REPO / root).rglob("*.py")
}


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at top level) for every import statement in ``path``; relative imports resolved."""
    tree = ast.parse(path.read_text())
    top = {id(node) for node in tree.body}
    package = SOURCES[path] if path.name == "__init__.py" else SOURCES[path].rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            found.append((base, id(node) in top))
    return found


def _where(module: str) -> list[Path]:
    return [p for p, name in SOURCES.items() if name == module or name.startswith(module + ".")]


def test_reward_core_imports_only_the_standard_library_and_the_grammar():
    allowed = ("longrlvr.rewards", "longrlvr.grammar", "longrlvr.errors", "longrlvr.settings_check")
    for path in _where("longrlvr.rewards"):
        for module, _ in _imports(path):
            root = module.split(".")[0]
            assert root in sys.stdlib_module_names or root == "__future__" or module.startswith(allowed), (path, module)


def test_only_the_verl_integration_imports_verl_trainer_and_worker_classes():
    # elsewhere (the local engine): verl's algorithm functions, utilities and config dataclasses only
    shared = ("verl.trainer.ppo.core_algos", "verl.utils", "verl.workers.config")
    for path, name in SOURCES.items():
        if name.startswith("longrlvr.integrations.verl"):
            continue
        for module, _ in _imports(path):
            if module == "verl" or module.startswith("verl."):
                assert module.startswith(shared), (path, module)


def test_only_the_trl_adapter_imports_trl():
    for path, name in SOURCES.items():
        if name != "longrlvr.integrations.trl":
            assert not any(m == "trl" or m.startswith("trl.") for m, _ in _imports(path)), path


def test_production_code_never_imports_the_test_doubles_except_the_labelled_smoke_paths():
    # --toy-llm / toy-corpus (labelled smoke runs) and the CPU rehearsal's loopback judge; lazily, never at import
    smoke = (
        "longrlvr.commands.data_pipeline",
        "longrlvr.integrations.verl.launch",
        "longrlvr.integrations.verl.rehearsal",
    )
    for path, name in SOURCES.items():
        if name.startswith("longrlvr.testing"):
            continue
        for module, at_top in _imports(path):
            if module.startswith("longrlvr.testing"):
                assert name.startswith(smoke) and not at_top, (path, module)


def test_only_the_cli_ends_the_process():
    for path, name in SOURCES.items():
        if name in ("longrlvr.cli", "longrlvr.__main__"):
            continue
        text = path.read_text()
        assert "sys.exit(" not in text and "raise SystemExit" not in text and "os._exit(" not in text, path


def test_one_module_entry_point():
    blocks = [p for p in SOURCES if 'if __name__ == "__main__"' in p.read_text()]
    mains = [p for p in SOURCES if p.name == "__main__.py"]
    assert blocks == [] and [SOURCES[p] for p in mains] == ["longrlvr.__main__"], (blocks, mains)
