"""The tiny tokenizer and model: grammar tags are single tokens, text round-trips, the model runs."""

import torch

from longrlvr.grammar import build_prompt, format_response, parse_response
from longrlvr.local.tiny import build_tiny_model, build_tiny_tokenizer


def test_tokenizer_roundtrip_and_compact_tags():
    tok = build_tiny_tokenizer(["The code of alpha is 7."], max_chunks=8)
    prompt = build_prompt(["The code of alpha is 7.", "Nothing here."], "What is the code of alpha?")
    text = tok.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True)
    response = format_response([0, 1], "7")
    ids = tok(text + response + tok.eos_token)["input_ids"]
    assert tok.decode(ids) == text + response + tok.eos_token
    for tag in ("<CHUNK_0>", "</CHUNK_7>", "<useful_chunks>", "</answer>"):
        assert len(tok(tag, add_special_tokens=False)["input_ids"]) == 1
    decoded = tok.decode(tok(response + tok.eos_token)["input_ids"], skip_special_tokens=True)
    parsed = parse_response(decoded, num_chunks=2)
    assert parsed.format_ok and parsed.chunk_ids == (0, 1) and parsed.answer == "7"
    assert tok.padding_side == "left" and tok.pad_token_id != tok.eos_token_id


def test_tokenizer_is_deterministic():
    a = build_tiny_tokenizer(["alpha beta gamma"], max_chunks=4)
    b = build_tiny_tokenizer(["alpha beta gamma"], max_chunks=4)
    assert a.get_vocab() == b.get_vocab()


def test_tiny_model_forward_and_seeded_init():
    tok = build_tiny_tokenizer(max_chunks=4)
    model = build_tiny_model(tok, seed=1)
    assert 1e5 < sum(p.numel() for p in model.parameters()) < 1e7
    ids = torch.tensor([tok("<answer>7</answer>")["input_ids"]])
    assert model(ids).logits.shape == (1, ids.shape[1], len(tok))
    other = build_tiny_model(tok, seed=1)
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), other.parameters(), strict=True))


def test_reloaded_checkpoint_tokenizes_identically(tmp_path):
    from transformers import AutoTokenizer

    tok = build_tiny_tokenizer(["The code of alpha is 7."], max_chunks=8)
    build_tiny_model(tok).save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    loaded = AutoTokenizer.from_pretrained(tmp_path)  # a Qwen2 checkpoint: transformers picks Qwen2Tokenizer
    text = (
        tok.apply_chat_template(
            [{"role": "user", "content": build_prompt(["The code of alpha is 7."], "What is the code of alpha?")}],
            tokenize=False,
            add_generation_prompt=True,
        )
        + format_response([0], "7")
        + tok.eos_token
    )
    assert loaded(text)["input_ids"] == tok(text)["input_ids"]
    assert (loaded.eos_token_id, loaded.pad_token_id) == (tok.eos_token_id, tok.pad_token_id)


def test_tag_pieces_spell_ids_in_digits_and_lfm2_round_trips(tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = build_tiny_tokenizer(["key 7"], tag_pieces=True, extra_tokens=[" key\n</CHUNK_"])
    prompt = build_prompt(["key 7", " key"] * 6, "What goes with key?")
    pieces = tok.convert_ids_to_tokens(tok(prompt, add_special_tokens=False)["input_ids"])
    spelled = tok.convert_ids_to_tokens(tok("<CHUNK_11>", add_special_tokens=False)["input_ids"])
    assert spelled == ["<CHUNK_", "1", "1", ">"]
    assert " key\n</CHUNK_" in pieces and tok.decode(tok(prompt)["input_ids"]) == prompt
    model = build_tiny_model(
        tok, arch="lfm2", hidden_size=32, num_layers=3, conv_layers=1, conv_kernel=4, intermediate_size=64, seed=2
    )
    assert model.config.layer_types == ["conv", "full_attention", "full_attention"] and model.config.conv_L_cache == 4
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    again, tok_again = AutoModelForCausalLM.from_pretrained(tmp_path), AutoTokenizer.from_pretrained(tmp_path)
    ids = torch.tensor([tok(prompt)["input_ids"]])
    assert tok_again(prompt)["input_ids"] == ids[0].tolist()
    assert torch.allclose(model(ids).logits, again(ids).logits)
