"""The memory plan against hand-computed numbers for the paper's three base models (docs/cluster.md worked example)."""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from pathlib import Path

import pytest

from longrlvr.integrations.verl.memory_plan import GIB, ModelDims, RunShape, plan

MODELS = Path(__file__).resolve().parents[3] / "data" / "models"
H100, H200 = 81559 / 1024, 143771 / 1024  # nvidia-smi memory.total of an H100 80 GB / H200 141 GB, in GiB
ROOT = RunShape(
    gpus=8,
    sp=4,
    tp=4,
    actor_tokens=22528,
    logprob_tokens=69632,
    ref_tokens=69632,
    param_offload=False,
    optimizer_offload=False,
    entropy_chunking=True,
    entropy_chunk=2048,
    compiled=True,
    gpu_memory_utilization=0.6,
    max_model_len=69632,
    max_num_batched_tokens=69632,
    uses_ref=False,
    prompt=65536,
    response=4096,
    n=8,
    batch=32,
    inflight=2,
)
SHAPES = {
    "qwen2.5-7b-instruct-1m": ROOT,
    "qwen2.5-14b-instruct-1m": replace(
        ROOT, sp=8, actor_tokens=9216, optimizer_offload=True, gpu_memory_utilization=0.5
    ),
    "llama-3.1-8b-instruct": replace(ROOT, actor_tokens=18432),
}


def dims(name: str) -> ModelDims:
    return ModelDims.from_config(json.loads((MODELS / name / "config.json").read_text()))


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("qwen2.5-7b-instruct-1m", 7_615_616_512),
        ("qwen2.5-14b-instruct-1m", 14_770_033_664),
        ("llama-3.1-8b-instruct", 8_030_261_248),
    ],
)
def test_parameter_counts_from_the_public_configs(name, params):
    assert dims(name).params == params


def test_worked_example_7b_h100_by_hand():
    """Each part recomputed here from the formulas in docs/cluster.md."""
    d, p = dims("qwen2.5-7b-instruct-1m"), 7_615_616_512
    memory = plan(ROOT, d, H100)
    update, logprob, rollout = memory.phases
    assert dict(update.parts)["params+grads+AdamW (16 B/param / GPUs)"] == pytest.approx(16 * p / 8 / GIB)  # 14.185
    assert dict(update.parts)["checkpointed hidden states"] == pytest.approx(22528 * 3584 * 2 * 28 / GIB)  # 4.211
    assert dict(update.parts)["max(logits + grad, layer recompute)"] == pytest.approx(2 * 22528 * 152064 * 2 / GIB)
    assert update.total == pytest.approx(37.94, abs=0.01)
    # log-prob: logits 69,632 x 152,064 bf16 = 19.72 GiB; compiled entropy (verl's default) adds nothing (measured)
    assert dict(logprob.parts)["max(MLP peak, logits + entropy)"] == pytest.approx(69632 * 152064 * 2 / GIB)
    assert logprob.total == pytest.approx(34.71, abs=0.01)
    # eager (use_torch_compile=false), chunked: + 3 fp32 chunks of 2,048 x 152,064 = 3.48 GiB (measured 3.00 chunks)
    eager = plan(replace(ROOT, compiled=False), d, H100).phases[1]
    assert dict(eager.parts)["max(MLP peak, logits + entropy)"] == pytest.approx(
        (69632 * 152064 * 2 + 3 * 2048 * 152064 * 4) / GIB
    )
    assert eager.total == pytest.approx(38.19, abs=0.01)
    assert rollout.total == pytest.approx(12 * p / 8 / GIB + 0.6 * H100 + 2.0)  # 60.43
    assert memory.kv.bytes_per_token == 2 * 28 * 1 * 128 * 2  # 14,336: 4 KV heads / TP 4
    assert memory.kv.gib == pytest.approx(39.54, abs=0.01) and memory.problem() is None


@pytest.mark.parametrize(
    ("name", "gpu", "update", "logprob", "rollout", "kv"),
    [
        ("qwen2.5-7b-instruct-1m", H100, 37.94, 34.71, 60.43, 39.54),
        ("qwen2.5-14b-instruct-1m", H100, 45.35, 31.74, 48.70, 27.94),
        ("llama-3.1-8b-instruct", H100, 34.82, 32.18, 61.01, 39.53),
        ("qwen2.5-7b-instruct-1m", H200, 37.94, 34.71, 96.88, 75.99),
        ("qwen2.5-14b-instruct-1m", H200, 45.35, 31.74, 79.08, 58.32),
        ("llama-3.1-8b-instruct", H200, 34.82, 32.18, 97.46, 75.98),
    ],
)
def test_preset_tables(name, gpu, update, logprob, rollout, kv):
    memory = plan(SHAPES[name], dims(name), gpu)
    assert [round(ph.total, 2) for ph in memory.phases] == pytest.approx([update, logprob, rollout], abs=0.01)
    assert memory.kv.gib == pytest.approx(kv, abs=0.01)
    assert memory.problem() is None


def test_derived_max_model_len_stops_the_14b_on_h100():
    """verl 0.9.1 derives 1,010,000 when max_model_len is null: 46.2 GiB per request > 27.9 GiB of KV cache."""
    memory = plan(replace(SHAPES["qwen2.5-14b-instruct-1m"], max_model_len=None), dims("qwen2.5-14b-instruct-1m"), H100)
    assert memory.kv.one_request_gib == pytest.approx(1_010_000 * 49152 / GIB)  # 46.23
    line = memory.problem()
    assert line and "\n" not in line and "actor_rollout_ref.rollout.max_model_len" in line


def test_unchunked_eager_entropy_costs_two_logit_copies_and_names_the_key():
    """Measured on an H200: eager entropy_from_logits holds 2 extra bf16 copies of the logits (softmax, product)."""
    memory = plan(replace(ROOT, entropy_chunking=False, compiled=False), dims("qwen2.5-7b-instruct-1m"), H100)
    assert memory.phases[1].total == pytest.approx(10.64 + 1.88 + 0.46 + 3 * 19.72 + 2.0, abs=0.05)  # 74.2
    assert memory.problem() is None  # fits 79.6 GiB, 5 GiB to spare; a 70 GiB budget does not
    small = plan(replace(ROOT, entropy_chunking=False, compiled=False), dims("qwen2.5-7b-instruct-1m"), 70.0)
    assert "entropy_from_logits_with_chunking=true" in small.problem()


def test_reference_pass_only_with_kl():
    d = dims("qwen2.5-7b-instruct-1m")
    assert [p.name for p in plan(ROOT, d, H100).phases] == ["actor update", "log-prob pass", "rollout"]
    dapo = replace(ROOT, batch=64, tp=2, gpu_memory_utilization=0.7, uses_ref=True, inflight=1)
    ref = plan(dapo, d, H100).phases[2]
    assert ref.name == "reference pass" and ref.total == pytest.approx(34.7, abs=0.05)


def test_optimizer_offload_frees_the_rollout_not_the_update():
    """verl 0.9.1 loads offloaded states back for the update (verl/workers/engine/base.py BaseEngineCtx)."""
    d = dims("qwen2.5-7b-instruct-1m")
    on, off = plan(replace(ROOT, optimizer_offload=True), d, H100), plan(ROOT, d, H100)
    assert on.phases[0].total == off.phases[0].total
    assert off.phases[2].total - on.phases[2].total == pytest.approx(8 * 7_615_616_512 / 8 / GIB)  # 7.09 GiB


DOC = Path(__file__).resolve().parents[4] / "docs" / "cluster.md"


def doc_tables() -> dict[tuple[str, str], list[list[str]]]:
    """docs/cluster.md's memory tables: (GPU, launcher) -> rows; each table follows a line such as
    'H100 80 GB (79.6 GiB), launcher authors-root'."""
    text = DOC.read_text(encoding="utf-8").split("## Memory plan", 1)[1].split("\n## ", 1)[0]
    tables, title = {}, None
    for block in (b.strip() for b in text.split("\n\n")):
        if ", launcher " in block and "\n" not in block:
            title = (block.split(" (")[0], block.rsplit("launcher ", 1)[1])
        elif block.startswith("| preset | actor update") and title:
            tables[title] = [[c.strip() for c in line.strip("|").split("|")] for line in block.splitlines()[2:]]
            title = None
    return tables


@functools.cache
def composed_shape(preset: str, launcher: str) -> RunShape:
    from longrlvr.integrations.verl.config import compose
    from longrlvr.integrations.verl.memory_plan import shape_of

    return shape_of(
        compose([f"preset={preset}", f"launcher={launcher}", "data.train_files=[/a]", "data.val_files=[/b]"])
    )


def test_docs_memory_tables_are_the_plan_of_the_composed_presets():
    """Every number of docs/cluster.md's H100/H200 tables, both launchers, recomputed from the composed config."""
    tables = doc_tables()
    launchers = ("authors-root", "authors-dapo")
    assert set(tables) == {(gpu, launcher) for gpu in ("H100 80 GB", "H200 141 GB") for launcher in launchers}
    for (gpu, launcher), rows in tables.items():
        gib = {"H100 80 GB": H100, "H200 141 GB": H200}[gpu]
        assert [r[0] for r in rows] == list(SHAPES)
        for preset, update, logprob, ref, rollout, kv, one, groups, fits in rows:
            memory = plan(composed_shape(preset, launcher), dims(preset), gib)
            totals = {ph.name: f"{ph.total:.1f}" for ph in memory.phases}
            assert (update, logprob, rollout) == (totals["actor update"], totals["log-prob pass"], totals["rollout"])
            assert ref == totals.get("reference pass", "—")
            assert kv == f"{memory.kv.gib:.1f} GiB = {memory.kv.tokens:,} tokens"
            assert one == f"{memory.kv.one_request_gib:.1f} GiB"
            assert groups == f"{memory.kv.groups_in_flight}/{memory.kv.groups_needed}"
            assert fits == ("yes" if memory.problem() is None else "NO")
