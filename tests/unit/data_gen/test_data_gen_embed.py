"""The embed stage's model loader: the packaged MiniLM loads with the network cut, leaving the environment alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

_LOAD_WITHOUT_NETWORK = """
import os, socket

def refuse(*args, **kwargs):
    raise OSError("network blocked by the test")

socket.socket.connect = socket.create_connection = refuse
import sentence_transformers  # torch sets a few variables of its own when imported
from longrlvr.data_gen.grounded.embed import MINILM, load_embedder

before = dict(os.environ)
model, name = load_embedder(None, device="cpu")
assert name == MINILM and model.encode(["a sentence"]).shape == (1, 384)
assert dict(os.environ) == before, sorted(set(os.environ.items()) ^ set(before.items()))
print("loaded offline")
"""


def test_minilm_loads_with_no_network_and_no_offline_variable_set():
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", _LOAD_WITHOUT_NETWORK], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert done.returncode == 0 and "loaded offline" in done.stdout, done.stderr[-2000:]
