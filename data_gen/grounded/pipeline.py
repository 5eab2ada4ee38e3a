"""The grounded-QA pipeline: stage order, file layout in the work directory, resources, manifest.

``chunk -> embed -> cluster -> generate_qa -> judge_qa -> answer -> judge_answers -> select -> assemble``
each run on :mod:`longrlvr.data_gen.runner` (jsonl in, jsonl out, resumable), then ``export`` writes the parquet.
Every stage's settings are written beside its output on first use; a rerun with different settings for a
stage that already has output is an error (delete that stage's files and the later ones to regenerate).
A stage that ends with failed records (:class:`~longrlvr.data_gen.runner.Fail`: LLM calls that failed after their
retries, bad input records) stops the pipeline with :class:`StageFailed` once the manifest is written; rerun
to retry them. Manifest and settings files are written atomically, with secrets redacted.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from longrlvr.data_gen.config import PipelineConfig, to_dict
from longrlvr.data_gen.runner import Handler, arun_stage

from longrlvr import jsonl
from longrlvr.errors import TaskFailed, UserError
from longrlvr.llm.redact import env_secrets, redact_obj

VERSIONED_PACKAGES = (
    "longrlvr",
    "torch",
    "transformers",
    "tokenizers",
    "sentence-transformers",
    "scikit-learn",
    "hdbscan",
    "numpy",
    "httpx",
    "pyarrow",
    "vllm",
)
MANIFEST = "manifest.json"


def min_quality(config: PipelineConfig) -> float:
    """Quality below which ``answer`` spends no probe calls (default: the selection threshold)."""
    return config.select.min_quality if config.answer.min_quality is None else config.answer.min_quality


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


class StageFailed(TaskFailed):
    """A stage ended with failed records (its one-line summary); they stay unfinished for a rerun."""


def secrets_of(config: PipelineConfig) -> list[str]:
    """The key values the config refers to (by env var name), masked wherever text is stored."""
    clients = (config.llm.client, dict(config.judge_answers).get("client") or {})
    return env_secrets(client.get("api_key_env") for client in clients)


def guard_settings(output: Path, name: str, settings: Any, secrets: list[str]) -> None:
    """Record a stage's settings beside its output; refuse to extend an output made with other settings."""
    path = Path(f"{output}.settings.json")
    current = redact_obj(json.loads(json.dumps(settings)), secrets)
    if path.exists() and output.exists():
        recorded = jsonl.read_json(path)
        if recorded != current:
            raise ValueError(
                f"stage {name}: settings changed since {output} was made ({recorded} -> {current}); delete {output}, "
                f"{output}.done and the later stages' files to regenerate, or restore the settings"
            )
    jsonl.write_json(path, current)


class Resources:
    """Heavy objects built on first use (inside the event loop) and closed at the end."""

    def __init__(self, config: PipelineConfig) -> None:
        self.config = config
        self.workdir = Path(config.workdir)
        self.backend: Any = None
        self.judge: Any = None
        self.owns_judge_client = False

    def documents(self) -> Any:
        from longrlvr.data_gen.documents import DocumentStore

        return DocumentStore(self.workdir / "chunks.jsonl")

    def llm(self) -> Any:
        if self.backend is None:
            from longrlvr.llm.backends import make_backend

            self.backend = make_backend(self.config.llm)
        return self.backend

    def answer_judge(self) -> Any:
        """``longrlvr.judge.AnswerJudge``: its own endpoint when ``judge_answers.client`` is set, else the
        pipeline's backend (the judge then never builds a client from its ``llm`` settings)."""
        if self.judge is None:
            from longrlvr.judge import AnswerJudge, JudgeConfig

            options = dict(self.config.judge_answers)
            own_client = options.pop("client", None)
            try:
                if own_client:
                    self.judge, self.owns_judge_client = (
                        AnswerJudge(JudgeConfig.from_mapping({**own_client, **options})),
                        True,
                    )
                else:
                    client = getattr(self.llm(), "client", None)  # the openai backend's AsyncLLMClient
                    if client is None:
                        raise ValueError(
                            f"rate_answers.method=verdict with llm.backend={self.config.llm.backend} needs "
                            "judge_answers.client (an endpoint for the judge)"
                        )
                    self.judge = AnswerJudge(JudgeConfig(llm=client.config, **options), client=client)
            except TypeError as e:
                raise ValueError(f"judge_answers: {e}") from e
        return self.judge

    async def aclose(self) -> None:
        if self.judge is not None and self.owns_judge_client:
            await self.judge.aclose()
        if self.backend is not None:
            await self.backend.aclose()

    def stats(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.backend is not None:
            out["llm"] = self.backend.stats.as_dict()
        if self.judge is not None:
            out["judge"] = self.judge.stats.as_dict()
        return out


def _chunk(res: Resources) -> Handler:
    from longrlvr.data_gen.documents import ChunkDocuments, load_tokenizer

    cfg = res.config.chunk
    return ChunkDocuments(load_tokenizer(cfg.tokenizer), cfg.max_tokens, cfg.min_chunks)


def _embed(res: Resources) -> Handler:
    from longrlvr.data_gen.grounded.embed import EmbedChunks, load_embedder

    cfg = res.config.embed
    embedder, model_name = load_embedder(cfg.model, cfg.device, cfg.fallback_to_minilm)
    return EmbedChunks(embedder, cfg.batch_size, model_name)


def _cluster(res: Resources) -> Handler:
    from longrlvr.data_gen.grounded.cluster import ClusterChunks

    return ClusterChunks(res.config.cluster)


def _generate_qa(res: Resources) -> Handler:
    from longrlvr.data_gen.grounded.generate_qa import GenerateQA

    return GenerateQA(res.llm(), res.documents(), res.config.generate_qa)


def _judge_qa(res: Resources) -> Handler:
    from longrlvr.data_gen.grounded.judge_qa import JudgeQA

    return JudgeQA(res.llm(), res.documents(), res.config.judge_qa)


def _answer(res: Resources) -> Handler:
    from longrlvr.data_gen.grounded.answer import AnswerProbes

    return AnswerProbes(res.llm(), res.documents(), res.config.answer, min_quality(res.config))


def _judge_answers(res: Resources) -> Handler:
    from longrlvr.data_gen.grounded.judge_answers import JudgeAnswers, RateAnswers

    method = res.config.rate_answers.method
    if method == "rating":
        return RateAnswers(res.llm(), res.documents(), res.config.rate_answers)
    if method != "verdict":
        raise UserError(f"rate_answers.method must be 'rating' or 'verdict', got {method!r}")
    return JudgeAnswers(res.answer_judge(), res.documents())


def _select(res: Resources) -> Handler:
    from longrlvr.data_gen.grounded.select_qa import SelectQA

    return SelectQA(res.config.select)


def _assemble(res: Resources) -> Handler:
    from longrlvr.data_gen.grounded.assemble import AssembleRows

    return AssembleRows(res.documents(), res.config.assemble)


def _report_sizes(config: PipelineConfig, output: Path) -> dict[str, Any]:
    """After ``chunk``, before any embedder or LLM loads: one line per document, and none long enough is an error."""
    from longrlvr.data_gen.size_rules import report_sizes

    return report_sizes(config, output)


@dataclass(frozen=True)
class StageSpec:
    """One pipeline stage: its files, the settings that make its output stale, and how its handler is built."""

    name: str
    input: str | None  # file in the work directory; None: the config's ``input``
    output: str
    settings: Callable[[PipelineConfig], Any]  # what, if changed, makes the stage's output stale
    build: Callable[[Resources], Handler]  # the stage's handler (heavy imports inside)
    llm: bool = False
    after: Callable[[PipelineConfig, Path], dict[str, Any]] | None = None  # a check on the output, into the manifest


STAGES: tuple[StageSpec, ...] = (
    StageSpec("chunk", None, "chunks.jsonl", lambda c: to_dict(c.chunk), _chunk, after=_report_sizes),
    StageSpec("embed", "chunks.jsonl", "embeddings.jsonl", lambda c: to_dict(c.embed), _embed),
    StageSpec("cluster", "embeddings.jsonl", "clusters.jsonl", lambda c: [to_dict(c.cluster), c.seed], _cluster),
    StageSpec("generate_qa", "clusters.jsonl", "qa.jsonl", lambda c: to_dict(c.generate_qa), _generate_qa, llm=True),
    StageSpec("judge_qa", "qa.jsonl", "qa_judged.jsonl", lambda c: to_dict(c.judge_qa), _judge_qa, llm=True),
    StageSpec(
        "answer", "qa_judged.jsonl", "probes.jsonl", lambda c: [to_dict(c.answer), min_quality(c)], _answer, llm=True
    ),
    StageSpec(
        "judge_answers",
        "probes.jsonl",
        "probes_judged.jsonl",
        lambda c: [to_dict(c.rate_answers), c.judge_answers],
        _judge_answers,
        llm=True,
    ),
    StageSpec("select", "probes_judged.jsonl", "selected.jsonl", lambda c: to_dict(c.select), _select),
    StageSpec("assemble", "selected.jsonl", "rows.jsonl", lambda c: [to_dict(c.assemble), c.seed], _assemble),
)
STAGE_NAMES = tuple(s.name for s in STAGES) + ("export",)
STAGE_TABLE: dict[str, StageSpec] = {s.name: s for s in STAGES}


def build_handler(name: str, res: Resources) -> Handler:
    """The handler of stage ``name`` with its resources (the stage table's builder)."""
    if name not in STAGE_TABLE:
        raise UserError(f"unknown stage {name!r}; expected one of {STAGE_NAMES}")
    return STAGE_TABLE[name].build(res)


async def run_pipeline(
    config: PipelineConfig,
    stages: Sequence[str] | None = None,
    *,
    input_path: str | None = None,
    output_path: str | None = None,
    progress: bool = True,
    llm_label: str | None = None,
) -> dict[str, Any]:
    """Run ``stages`` (default: all, then export) in order; update and return the manifest.

    ``llm_label`` is recorded as the manifest's ``llm_stand_in`` (e.g. that a scripted stand-in answered: a smoke test).

    ``input_path``/``output_path`` replace the work-directory files of a single stage.
    """
    names = list(stages or STAGE_NAMES)
    unknown = [n for n in names if n not in STAGE_NAMES]
    if unknown:
        raise ValueError(f"unknown stage(s) {unknown}; expected some of {STAGE_NAMES}")
    if (input_path or output_path) and len(names) != 1:
        raise ValueError("--input/--output apply to a single stage")
    workdir = Path(config.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    manifest_path = workdir / MANIFEST
    manifest = jsonl.read_json(manifest_path) if manifest_path.exists() else {"stages": {}}
    secrets = secrets_of(config)
    started = time.perf_counter()
    if any(STAGE_TABLE[n].llm for n in names if n in STAGE_TABLE):
        from longrlvr.llm.backends import check_section
        from longrlvr.llm.engine_keys import adapt_section

        adapt_section(config.llm)  # engine keys of another backend: dropped, said in one line
        check_section(config.llm)  # an unset endpoint fails now, not after the embedder has loaded
    res = Resources(config)
    try:
        for spec in (s for s in STAGES if s.name in names):
            source = input_path or (workdir / spec.input if spec.input else config.input)
            output = Path(output_path or workdir / spec.output)
            guard_settings(output, spec.name, spec.settings(config), secrets)
            handler = build_handler(spec.name, res)
            concurrency = config.llm.concurrency if spec.llm else 1
            stats = await arun_stage(
                spec.name,
                handler,
                source,
                output,
                seed=config.seed,
                concurrency=concurrency,
                progress=progress,
                require_records=spec.input is None and input_path is None,
            )
            manifest["stages"][spec.name] = stats.to_dict()
            if stats.failed:
                raise StageFailed(stats.summary())
            if spec.after is not None and output_path is None:
                manifest[f"{spec.name}_check"] = spec.after(config, output)
        if "export" in names:
            from longrlvr.data_gen.grounded.export import export_rows

            from longrlvr.data.sources import reward_sources

            sources = reward_sources(config.export.reward_config)
            rows_path = input_path or workdir / "rows.jsonl"
            manifest["export"] = export_rows(rows_path, workdir, config.export, config.seed, sources)
            if manifest["export"].get("left_out"):
                raise StageFailed(manifest["export"]["left_out"])
    finally:
        await res.aclose()
        manifest.update(
            **({"llm_stand_in": llm_label} if llm_label else {}),
            config=to_dict(config),
            versions=package_versions(),
            finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            seconds=round(time.perf_counter() - started, 3),
            **res.stats(),
        )
        manifest = redact_obj(json.loads(json.dumps(manifest, default=str)), secrets)
        jsonl.write_json(manifest_path, manifest)
    return manifest
