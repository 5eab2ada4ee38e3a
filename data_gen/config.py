"""Settings of the grounded-QA pipeline: one dataclass per stage, loaded from YAML with strict keys.

``load_config(path, overrides)`` merges the YAML file and ``key=value`` dot-list overrides onto these
defaults; an unknown key is an error naming it. Defaults follow the LongRLVR paper where it gives them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf


@dataclass
class ChunkConfig:
    tokenizer: str | None = None  # HF tokenizer path (your policy model's); None: the offline MiniLM tokenizer
    max_tokens: int = 512
    min_chunks: int = 16  # documents with fewer chunks cannot hold enough clusters; skipped as too_short


@dataclass
class EmbedConfig:
    model: str | None = None  # sentence-transformers path, e.g. BAAI/bge-m3; None: offline all-MiniLM-L6-v2
    device: str = "auto"  # auto: cuda, then mps, then cpu
    batch_size: int = 64


@dataclass
class ClusterConfig:
    min_cluster_size: int = 4  # HDBSCAN, as in the paper
    min_samples: int = 2
    min_similarity: float = 0.5  # cosine; cluster_selection_epsilon = 1 - min_similarity
    cluster_selection_method: str = "eom"
    implementation: str = "hdbscan"  # or sklearn (see data_gen/cluster.py for why hdbscan is the default)
    min_chunks: int = 4  # kept clusters have min_chunks..max_chunks chunks
    max_chunks: int = 16
    min_clusters_per_doc: int = 4  # documents with fewer kept clusters are skipped
    max_clusters_per_doc: int = 4  # sampled (seeded) when a document has more


@dataclass
class LLMSettings:
    backend: str = "openai"  # openai: longrlvr.llm.AsyncLLMClient; vllm: offline engine on this machine
    client: dict[str, Any] = field(default_factory=dict)  # LLMConfig.from_mapping (base_urls, model, api_key_env...)
    vllm: dict[str, Any] = field(default_factory=dict)  # model + vllm AsyncEngineArgs for the vllm backend
    concurrency: int = 32  # records in flight per LLM stage (the client bounds the calls themselves)


@dataclass
class GenerateQAConfig:
    questions_per_cluster: int = 2
    temperature: float = 0.7
    top_p: float = 1.0
    top_k: int | None = None  # sent only when set (vLLM/SGLang servers accept it)
    max_tokens: int = 1024


@dataclass
class JudgeQAConfig:
    # Weighted rubric, each criterion scored 0-10; quality = weighted mean, also 0-10.
    weights: dict[str, float] = field(
        default_factory=lambda: {
            "relevance": 0.2,  # relevance and challenge: needs several chunks, not trivia
            "accuracy": 0.25,
            "completeness": 0.2,
            "clarity": 0.15,  # clear, self-contained, precise references
            "context_use": 0.2,  # answerable only from the given chunks
        }
    )
    temperature: float = 0.0
    max_tokens: int = 512


@dataclass
class AnswerConfig:
    temperature: float = 0.0
    max_tokens: int = 1024
    min_quality: float | None = None  # probe only QA at or above this quality (None: select.min_quality)


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
    val_fraction: float = 0.05  # by document, so no document is in both splits
    train_file: str = "train.parquet"
    val_file: str = "val.parquet"


@dataclass
class PipelineConfig:
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
    judge_answers: dict[str, Any] = field(default_factory=dict)  # longrlvr.judge JudgeConfig; client from llm
    select: SelectConfig = field(default_factory=SelectConfig)
    assemble: AssembleConfig = field(default_factory=AssembleConfig)
    export: ExportConfig = field(default_factory=ExportConfig)


def load_config(path: str | Path | None = None, overrides: list[str] | None = None) -> PipelineConfig:
    """Defaults <- YAML file <- ``key=value`` overrides; unknown keys and missing input/workdir are errors."""
    merged = OmegaConf.structured(PipelineConfig)
    try:
        if path is not None:
            merged = OmegaConf.merge(merged, OmegaConf.load(path))
        merged = OmegaConf.merge(merged, OmegaConf.from_dotlist(list(overrides or [])))
        config = OmegaConf.to_object(merged)
    except Exception as e:  # omegaconf's errors name the key; add the file
        raise ValueError(f"{path or 'config'}: {e}") from e
    assert isinstance(config, PipelineConfig)
    return config


def to_dict(config: Any) -> dict[str, Any]:
    """Plain dict of a config dataclass (for the manifest and stage guards)."""
    return OmegaConf.to_container(OmegaConf.structured(config), resolve=True)  # type: ignore[return-value]
