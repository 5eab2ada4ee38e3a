"""A tiny tokenizer and causal LM built locally (nothing downloaded), for the embedded default and tests.

The tokenizer is a byte-level BPE trained in milliseconds with the ``tokenizers`` library on a small
corpus (the grammar's own text plus the caller's words), with a Qwen-style chat template. Every
grammar tag (``<useful_chunks>``, ``<answer>``, ``<think>`` and their closers) is one token, kept on
decode; chunk tags are one token each (``<CHUNK_i>``, ``</CHUNK_i>``) or, with ``tag_pieces``, a shared
prefix token (``<CHUNK_``, ``\n</CHUNK_``) followed by the id's digit tokens and ``>``;
``<|im_start|>``, ``<|im_end|>`` (eos) and ``<|endoftext|>`` (pad) are the special tokens. Byte-level
means any text round-trips exactly. The normalizer and pre-tokenizer are Qwen2's, so a checkpoint
reloaded with ``AutoTokenizer`` (as ``Qwen2Tokenizer``) tokenizes identically.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
from transformers import Lfm2Config, Lfm2ForCausalLM, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM
from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX

from longrlvr.grammar import DEFAULT_INSTRUCTION, DEFAULT_PREAMBLE, format_response

BOS, EOS, PAD = "<|im_start|>", "<|im_end|>", "<|endoftext|>"
GRAMMAR_TAGS = ("<useful_chunks>", "</useful_chunks>", "<answer>", "</answer>", "<think>", "</think>")
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


TAG_PIECES = ("<CHUNK_", "\n</CHUNK_")


def grammar_tokens(max_chunks: int, tag_pieces: bool = False) -> list[str]:
    """The grammar tags that become single (non-special) tokens.

    ``tag_pieces``: chunk tags are not whole tokens; their prefixes are, and the id is spelled in digit tokens
    (the digits a model also reads and copies elsewhere, so a chunk id can be copied like any other value).
    """
    if tag_pieces:
        return [*GRAMMAR_TAGS, *TAG_PIECES]
    chunk_tags = [tag for i in range(max_chunks) for tag in (f"<CHUNK_{i}>", f"</CHUNK_{i}>")]
    return [*GRAMMAR_TAGS, *chunk_tags]


def _base_corpus() -> list[str]:
    """Text every tiny tokenizer knows well: the grammar's fixed prompt parts and a sample response."""
    return [
        DEFAULT_PREAMBLE,
        DEFAULT_INSTRUCTION,
        "Question: What is it?",
        "system user assistant",
        format_response([0, 1], "0 1 2 3 4 5 6 7 8 9", think="step by step"),
    ]


def build_tiny_tokenizer(
    corpus: Iterable[str] = (),
    *,
    vocab_size: int = 1024,
    max_chunks: int = 64,
    tag_pieces: bool = False,
    extra_tokens: Sequence[str] = (),
) -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer trained on ``corpus`` + the grammar text, with a chat template.

    ``vocab_size`` bounds the BPE vocabulary (the grammar tags and ``extra_tokens``, whole-string tokens the
    caller's task wants, come on top). Deterministic for a given corpus.
    """
    tok = Tokenizer(models.BPE())
    # Qwen2's own normalizer and pre-tokenizer, so AutoTokenizer (which picks Qwen2Tokenizer for a saved
    # Qwen2 checkpoint) tokenizes exactly like the tokenizer built here.
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[PAD, BOS, EOS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator([*_base_corpus(), *corpus], trainer=trainer)
    added = [*grammar_tokens(max_chunks, tag_pieces), *extra_tokens]
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in added])
    hf = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        padding_side="left",
        model_max_length=4096,
    )
    hf.chat_template = CHAT_TEMPLATE
    return hf


ARCHS = ("qwen2", "lfm2")


def build_tiny_model(
    tokenizer: PreTrainedTokenizerFast,
    *,
    arch: str = "qwen2",
    hidden_size: int = 128,
    num_layers: int = 4,
    num_heads: int = 4,
    num_kv_heads: int = 2,
    intermediate_size: int = 384,
    max_position_embeddings: int = 4096,
    initializer_range: float = 0.02,
    conv_layers: int = 1,
    conv_kernel: int = 3,
    seed: int = 0,
) -> Qwen2ForCausalLM | Lfm2ForCausalLM:
    """A random-init causal LM sized to the tokenizer (about 1M parameters by default).

    ``arch="qwen2"``: attention only. ``arch="lfm2"``: transformers' LFM2, whose first ``conv_layers`` layers
    are short causal convolutions (width ``conv_kernel``) and the rest attention; the convolution puts the
    previous tokens into each position, which lets a tiny model learn to look up "what follows this token"
    within minutes (docs/local_engine.md).
    """
    common = dict(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        num_key_value_heads=num_kv_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_position_embeddings,
        initializer_range=initializer_range,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    config: Qwen2Config | Lfm2Config
    model_class: type[Qwen2ForCausalLM] | type[Lfm2ForCausalLM]
    if arch == "qwen2":
        config, model_class = Qwen2Config(**common), Qwen2ForCausalLM
    elif arch == "lfm2":
        if not 0 <= conv_layers < num_layers:
            raise ValueError(f"conv_layers must be in [0, num_layers), got {conv_layers} of {num_layers}")
        layer_types = ["conv"] * conv_layers + ["full_attention"] * (num_layers - conv_layers)
        config = Lfm2Config(**common, layer_types=layer_types, conv_L_cache=conv_kernel, block_auto_adjust_ff_dim=False)
        model_class = Lfm2ForCausalLM
    else:
        raise ValueError(f"arch must be one of {ARCHS}, got {arch!r}")
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = model_class(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    return model
