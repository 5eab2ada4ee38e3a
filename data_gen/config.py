"""Settings of the grounded-QA pipeline: one dataclass per stage, loaded from YAML with strict keys.

``load_config(config, overrides)`` merges the YAML file (a path or a shipped ``data_gen`` name) and
``key=value`` overrides onto a *preset* with the one config loader; an unknown key is an error naming it
and the closest valid key. The defaults below are the ``paper`` preset: the settings of the authors'
code (real-absolute-AI/LongRLVR ``data_gen/``) as far as it shows them. ``preset: focused`` selects this
project's earlier settings (:data:`PRESETS`); docs/data_gen.md tables both with the reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from longrlvr.config_loader import load_settings
from longrlvr.llm.backends import BackendSection


@dataclass
class ChunkConfig:
    tokenizer: str | None = None  # HF tokenizer path (your policy model's); None: the offline MiniLM tokenizer
    max_tokens: int = 512
    min_chunks: int = 16  # documents with fewer chunks cannot hold enough clusters; skipped as too_short


@dataclass
class EmbedConfig:
    model: str | None = "BAAI/bge-m3"  # the authors'; a path or hub id; None: offline all-MiniLM-L6-v2
    fallback_to_minilm: bool = True  # model not loadable (offline, not cached): warn, use the offline MiniLM
    device: str = "auto"  # auto: cuda, then mps, then cpu
    batch_size: int = 64


@dataclass
class ClusterConfig:
    min_cluster_size: int = 4  # HDBSCAN, as in the paper
    min_samples: int = 2
    min_similarity: float = 0.7  # cosine (authors' --min_similarity); cluster_selection_epsilon = 1 - it
    cluster_selection_method: str = "eom"
    implementation: str = "hdbscan"  # or sklearn (see data_gen/grounded/cluster.py for why hdbscan is the default)
    min_chunks: int = 4  # kept clusters have min_chunks..max_chunks chunks
    max_chunks: int = 16
    min_clusters_per_doc: int = 4  # documents with fewer kept clusters are skipped
    max_clusters_per_doc: int = 4  # sampled (seeded) when a document has more


@dataclass
class LLMSettings(BackendSection):
    """The one LLM section (backend, model, client, engine, max_retries; longrlvr.llm.backends) plus:"""

    concurrency: int = 32  # records in flight per LLM stage (the client bounds the calls themselves)


@dataclass
class GenerateQAConfig:
    prompt: str = "paper"  # paper: the authors' prompt (<= 40-word answer + explanation); focused: ours
    questions_per_cluster: int = 3
    temperature: float = 0.6
    top_p: float = 1.0
    top_k: int | None = 20  # sent only when set (vLLM/SGLang servers accept it)
    max_tokens: int = 32768
    enable_thinking: bool | None = True  # chat_template_kwargs.enable_thinking; None: not sent


@dataclass
class JudgeQAConfig:
    prompt: str = "paper"  # paper: one holistic 0-10 rating [[x]]; rubric: the weighted criteria below
    # rubric only: each criterion scored 0-10, quality = weighted mean (also 0-10). The paper prompt states the
    # authors' weights 25/30/20/15/10 in its text and asks for one rating.
    weights: dict[str, float] = field(
        default_factory=lambda: {
            "relevance": 0.2,  # relevance and challenge: needs several chunks, not trivia
            "accuracy": 0.25,
            "completeness": 0.2,
            "clarity": 0.15,  # clear, self-contained, precise references
            "context_use": 0.2,  # answerable only from the given chunks
        }
    )
    temperature: float = 0.6
    top_k: int | None = 20
    max_tokens: int = 16384
    enable_thinking: bool | None = True


@dataclass
class AnswerConfig:
    temperature: float = 0.0
    max_tokens: int = 1024
    min_quality: float | None = None  # probe only QA at or above this quality (None: select.min_quality)


@dataclass
class RateAnswersConfig:
    """How the probe answers are judged against the reference answer."""

    method: str = "rating"  # rating: the authors' 0-10 rating [[x]], correct when >= min_rating;
    # verdict: longrlvr.judge.AnswerJudge (rule first, binary LLM verdict; its settings under judge_answers)
    min_rating: float = 7.0  # the authors' code does not show its cut; the selection's quality bar
    temperature: float = 0.6
    top_k: int | None = 20
    max_tokens: int = 16384
    enable_thinking: bool | None = True


@dataclass
class SelectConfig:
    min_quality: float = 7.0
    min_evidence: int = 2  # distinct evidence chunks a kept question needs


@dataclass
class AssembleConfig:
    buckets: list[int] = field(default_factory=list)  # e.g. [16384, 32768, 65536]; empty: the document alone
    reserve_tokens: int = 1024  # of each bucket left for tags, question, instructions
    data_source: str = "longrlvr"


@dataclass
class ExportConfig:
    val_fraction: float = 0.05  # by document, so no document is in both splits (an empty val falls back, said)
    reward_config: str | None = None  # training config whose reward sources the rows are checked against
    train_file: str = "train.parquet"
    val_file: str = "val.parquet"


@dataclass
class PipelineConfig:
    preset: str = "paper"  # paper (the authors' settings) or focused (this project's earlier ones)
    input: str = "???"  # documents jsonl: {"id": ..., "text": ...}
    workdir: str = "???"  # stage files, manifest and parquet go here
    seed: int = 0
    chunk: ChunkConfig = field(default_factory=ChunkConfig)
    embed: EmbedConfig = field(default_factory=EmbedConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    llm: LLMSettings = field(default_factory=LLMSettings)
    generate_qa: GenerateQAConfig = field(default_factory=GenerateQAConfig)
    judge_qa: JudgeQAConfig = field(default_factory=JudgeQAConfig)
    answer: AnswerConfig = field(default_factory=AnswerConfig)
    rate_answers: RateAnswersConfig = field(default_factory=RateAnswersConfig)
    judge_answers: dict[str, Any] = field(default_factory=dict)  # verdict method: longrlvr.judge JudgeConfig
    select: SelectConfig = field(default_factory=SelectConfig)
    assemble: AssembleConfig = field(default_factory=AssembleConfig)
    export: ExportConfig = field(default_factory=ExportConfig)


# Settings that differ from the paper defaults, per preset (docs/data_gen.md has the table and the reasons).
PRESETS: dict[str, dict[str, Any]] = {
    "paper": {},
    "focused": {
        "embed": {"model": None},
        "cluster": {"min_similarity": 0.5},
        "generate_qa": {
            "prompt": "focused",
            "questions_per_cluster": 2,
            "temperature": 0.7,
            "top_k": None,
            "max_tokens": 1024,
            "enable_thinking": None,
        },
        "judge_qa": {"prompt": "rubric", "temperature": 0.0, "top_k": None, "max_tokens": 512, "enable_thinking": None},
        "rate_answers": {"method": "verdict"},
    },
}


def load_config(config: str | Path | None = None, overrides: Sequence[str] = ()) -> PipelineConfig:
    """Defaults <- preset <- YAML file (shipped name or path) <- ``key=value`` overrides, through the one loader
    (:mod:`longrlvr.config_loader`): unknown keys, an unknown preset and missing input/workdir are a UserError."""
    return load_settings(config, overrides, group="data_gen", schema=PipelineConfig, presets=PRESETS)


def to_dict(config: Any) -> dict[str, Any]:
    """Plain dict of a config dataclass (for the manifest and stage guards)."""
    return OmegaConf.to_container(OmegaConf.structured(config), resolve=True)  # type: ignore[return-value]
