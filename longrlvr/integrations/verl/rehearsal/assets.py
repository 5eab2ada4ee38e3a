"""The model a CPU rehearsal trains: the user's own when it is small, else a tiny one built like it.

"Built like it" means the user's model config (architecture, vocabulary, rope settings) with the sizes of
:data:`.rehearse.TINY`, and the user's tokenizer. When the user's model cannot be read
here (a hub id on a machine without internet), the project's tiny tokenizer and Qwen2 are used. The tiny
model gets a short supervised warm start on the training rows' reference responses, so that it writes the
output grammar and sometimes answers right: rewards then vary inside groups, as on the cluster (a random
model scores 0 everywhere, and DAPO filtering would discard every group).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

WARM_START = {"steps": 30, "batch_size": 8, "lr": 5.0e-3, "warmup_steps": 3}  # ~25 s CPU; SFT loss ~0.6


def _rows(train_files: Sequence[str], limit: int = 512) -> list[dict]:
    from longrlvr.data import read_parquet

    rows: list[dict] = []
    for path in train_files:
        rows.extend(read_parquet(path)[: limit - len(rows)])
    return rows


def _read_user_model(path: str | None) -> tuple[Any, Any] | None:
    """(config, tokenizer) of ``path`` (a directory or the local hub cache: nothing is downloaded), or None."""
    if not path:
        return None
    from transformers import AutoConfig, AutoTokenizer

    try:
        return (
            AutoConfig.from_pretrained(path, local_files_only=True),
            AutoTokenizer.from_pretrained(path, local_files_only=True),
        )
    except (OSError, ValueError):
        return None


def _param_count(config: Any) -> int:
    """Parameters of a decoder-only transformer with ``config`` (embeddings + layers), roughly."""
    hidden, layers = config.hidden_size, config.num_hidden_layers
    inter = getattr(config, "intermediate_size", 4 * hidden)
    embeddings = config.vocab_size * hidden * (1 if config.tie_word_embeddings else 2)
    return embeddings + layers * (4 * hidden**2 + 3 * hidden * inter)


def _tiny_like(config: Any, tokenizer: Any, tiny: Mapping[str, int]) -> Any:
    """A random model of ``config``'s architecture with the sizes of ``tiny`` (per-layer lists dropped)."""
    from transformers import AutoModelForCausalLM

    fields = {**config.to_dict(), **tiny, "vocab_size": max(config.vocab_size, len(tokenizer))}
    for key in ("layer_types", "quantization_config"):
        fields.pop(key, None)  # per-layer lists are rebuilt for the tiny depth; no quantization
    # dual_chunk_attention_config (Qwen2.5-1M) is kept: the rehearsal meets the key as the real run does
    if "max_window_layers" in fields:
        fields["max_window_layers"] = tiny["num_hidden_layers"]
    return AutoModelForCausalLM.from_config(config.__class__.from_dict(fields))


def _project_tiny(rows: list[dict], tiny: Mapping[str, int]) -> tuple[Any, Any]:
    from longrlvr.local import synthetic
    from longrlvr.local.tiny import build_tiny_tokenizer

    corpus = synthetic.corpus() + [r["prompt"][-1]["content"] for r in rows[:200]]
    max_chunks = max(int(r["extra_info"].get("num_chunks") or 0) for r in rows) + 1
    tokenizer = build_tiny_tokenizer(corpus, max_chunks=max(max_chunks, 16))
    model = _tiny_model(tokenizer, tiny)
    return model, tokenizer


def _warm_start(model: Any, tokenizer: Any, rows: list[dict]) -> float:
    """A few supervised steps on reference responses; returns the last loss."""
    from longrlvr.local.sft import warm_start
    from longrlvr.local.synthetic import reference_response

    losses = warm_start(model, tokenizer, rows, reference_response, progress=False, **WARM_START)
    return losses[-1]


def build_model(
    model_path: str | None, out_dir: Path, train_files: Sequence[str], tiny: Mapping[str, int], params_limit: int
) -> tuple[str, str, bool]:
    """(model directory, description, whether it replaces ``model_path``).

    A model already in ``out_dir`` (an earlier launch in the same rehearsal directory) is reused: a relaunch
    resumes its checkpoint with the same model.
    """
    if (out_dir / "config.json").is_file():
        return str(out_dir), f"the tiny model of the previous launch in {out_dir}", True
    user = _read_user_model(model_path)
    if user is not None and Path(str(model_path)).is_dir() and _param_count(user[0]) <= params_limit:
        return str(model_path), f"the run's own model {model_path} (small enough for a CPU)", False
    rows = _rows(train_files)
    if user is not None:
        model, tokenizer = _tiny_like(user[0], user[1], tiny), user[1]
        origin = f"a tiny {user[0].model_type} built from {model_path}'s config and tokenizer"
    else:
        model, tokenizer = _project_tiny(rows, tiny)
        origin = "a tiny Qwen2 with the project's tokenizer" + (
            f" ({model_path} cannot be read here)" if model_path else ""
        )
    loss = _warm_start(model, tokenizer, rows)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    params = sum(p.numel() for p in model.parameters())
    return str(out_dir), f"{origin}, {params / 1e6:.2f}M parameters, warm-started (SFT loss {loss:.2f})", True


JUDGE_WARM_START = {"steps": 40, "batch_size": 8, "lr": 5.0e-3, "warmup_steps": 3}
JUDGE_REF_CHARS = 400  # reference passages shown to the tiny judge (the authors' 12,000 would not fit its context)


def judge_rows(rows: list[dict]) -> list[dict]:
    """Judge requests built from training rows, as the reward manager builds them: the right answer ([[Yes]]) and
    another row's answer ([[No]]) as candidates."""
    from longrlvr.judge.prompt import build_messages

    out = []
    for i, row in enumerate(rows):
        info, gold = row["extra_info"], row["reward_model"]["ground_truth"]
        other = rows[(i + 1) % len(rows)]["reward_model"]["ground_truth"]
        for candidate, verdict in ((gold, "[[Yes]]"), (other, "[[No]]")):
            if verdict == "[[No]]" and candidate == gold:
                continue
            messages = build_messages(
                str(info.get("question") or ""),
                gold,
                str(candidate),
                info.get("ref_chunks_text"),
                max_ref_chars=JUDGE_REF_CHARS,
            )
            out.append({"prompt": messages, "verdict": verdict})
    return out


def build_judge_model(out_dir: Path, train_files: Sequence[str], tiny: Mapping[str, int]) -> tuple[str, str]:
    """(directory, description) of a tiny Qwen2 judge warm-started to reply ``[[Yes]]``/``[[No]]`` to the
    project's judge prompt; reused when ``out_dir`` already holds one (an earlier launch)."""
    if (out_dir / "config.json").is_file():
        return str(out_dir), f"the tiny judge of the previous launch in {out_dir}"
    from longrlvr.local.sft import warm_start
    from longrlvr.local.tiny import build_tiny_tokenizer

    rows = judge_rows(_rows(train_files, limit=128))
    tokenizer = build_tiny_tokenizer([r["prompt"][0]["content"] for r in rows[:64]] + ["[[Yes]] [[No]]"])
    model = _tiny_model(tokenizer, tiny)
    losses = warm_start(model, tokenizer, rows, lambda r: r["verdict"], progress=False, **JUDGE_WARM_START)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    params = sum(p.numel() for p in model.parameters())
    return str(
        out_dir
    ), f"a tiny Qwen2 judge, {params / 1e6:.2f}M parameters, warm-started on verdicts (loss {losses[-1]:.2f})"


def _tiny_model(tokenizer: Any, tiny: Mapping[str, Any]) -> Any:
    """The project's tiny decoder with the rehearsal's sizes (``tiny`` uses HF config names)."""
    from longrlvr.local.tiny import build_tiny_model

    return build_tiny_model(
        tokenizer,
        hidden_size=tiny["hidden_size"],
        num_layers=tiny["num_hidden_layers"],
        num_heads=tiny["num_attention_heads"],
        num_kv_heads=tiny["num_key_value_heads"],
        intermediate_size=tiny["intermediate_size"],
    )
