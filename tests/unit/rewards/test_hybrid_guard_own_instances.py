"""Issue 23 families 1-2, instances invented for this package: other golds, separators and phrasings refused by
every lenient scorer, legitimate ones kept, hedge marks, designators, one-character and degenerate golds in
`data validate`, and the distractor property and linear time in every scorer."""

from __future__ import annotations

import itertools
import random
import time

import pytest

from longrlvr.rewards import exact_match, sub_em
from longrlvr.rewards.guard import lenient_refusal
from tests.helpers.rewards import ALL_SCORERS, SEPARATORS, hybrid_score

# ---- instances invented for this package (other golds, other separators, other phrasings) ---------------------
OWN_REFUSED = [
    # negation
    ("Rome is not the answer; Paris is", "Paris"),
    ("I doubt it's Paris", "Paris"),
    ("It's definitely not Paris", "Paris"),
    ("The answer isn\u2019t Paris", "Paris"),
    ("Paris (wrong)", "Paris"),
    ("Not Mount Everest", "Mount Everest"),
    ("Jane Austen did not write it", "Jane Austen"),
    ("1969 is incorrect", "1969"),
    # hedging
    ("Unclear: Paris", "Paris"),
    ("Paris is my hunch", "Paris"),
    ("Paris, I suspect", "Paris"),
    ("Paris is doubtful", "Paris"),
    ("Perhaps photosynthesis", "photosynthesis"),
    ("It may be Jane Austen", "Jane Austen"),
    ("roughly 1969", "1969"),
    ("1969?", "1969"),
    # self-correction
    ("It isn't Paris, it's Lyon", "Paris"),
    ("Not Paris but Lyon", "Paris"),
    ("Lyon. Final answer: Paris", "Paris"),
    ("Jane Austen, or rather Charlotte Bronte", "Jane Austen"),
    ("1968, no, 1969", "1969"),
    ("Mount Everest; update: K2", "Mount Everest"),
    # candidate lists, separators not in the draft's table
    ("Paris\u2003Lyon", "Paris"),
    ("Paris\u200bLyon", "Paris"),
    ("Paris_Lyon", "Paris"),
    ("Paris \u2016 Lyon", "Paris"),
    ("Paris \u2192 Lyon", "Paris"),
    ("Paris > Lyon", "Paris"),
    ("Paris = Lyon", "Paris"),
    ("Paris *Lyon*", "Paris"),
    ("Paris ~ Lyon", "Paris"),
    ("Paris ... Lyon", "Paris"),
    ("Paris \u2026 Lyon", "Paris"),
    ("Paris\x0bLyon", "Paris"),
    ("Paris\x1cLyon", "Paris"),
    ("Paris\n\nLyon", "Paris"),
    ("Paris-or-Lyon", "Paris"),
    ("Paris y Lyon", "Paris"),
    ("Paris und Lyon", "Paris"),
    ("Paris et Lyon", "Paris"),
    ("Paris \u6216 Lyon", "Paris"),
    ("Jane Austen Charlotte Bronte Emily Bronte", "Jane Austen"),
    ("Jane Austen\tCharlotte Bronte", "Jane Austen"),
    ("Mount Everest versus K2", "Mount Everest"),
    ("photosynthesis respiration fermentation", "photosynthesis"),
    ("1969 1970 1971", "1969"),
    ("1969 and 1970", "1969"),
    ("1969-1970", "1969"),
    ("* 1969\n* 1970", "1969"),
    ("New York City, New York", "New York City"),
]
OWN_KEPT = [
    ("42 km", "42", None),
    ("42 kilometers", "42", None),
    ("$42", "42", None),
    ("42%", "42", None),
    ("Tom and Jerry", "Tom and Jerry", None),
    ("The answer is Tom and Jerry.", "Tom and Jerry", None),
    ("PARIS", "Paris", None),
    ("the city of Paris", "Paris", None),
    ("12 million", "12 million", None),
    ("None", "None", None),
    ("Not applicable", "not applicable", None),
    ("Mount Everest", "Everest", None),
    ("Definitely Paris", "Paris", None),
    ("It is certainly Paris.", "Paris", None),
    ("Jane Austen wrote it", "Jane Austen", "Who wrote Emma?"),
    ("The landing was in 1969", "1969", "When was the landing?"),
    ("The process is photosynthesis.", "photosynthesis", "Which process do plants use?"),
]


@pytest.mark.parametrize("pred,gold", OWN_REFUSED)
@pytest.mark.parametrize("scorer", ["sub_em", "f1", "hybrid"])
def test_own_adversarial_instances_refused_by_every_lenient_scorer(pred, gold, scorer):
    assert ALL_SCORERS[scorer](pred, [gold]) == 0.0, lenient_refusal(pred, [gold])
    assert ALL_SCORERS[scorer](pred, [gold], question="Which one is it?") == 0.0


@pytest.mark.parametrize("pred,gold,question", OWN_KEPT)
def test_own_legitimate_instances_keep_credit(pred, gold, question):
    assert hybrid_score(pred, [gold], question) == 1.0, lenient_refusal(pred, [gold], question)


@pytest.mark.parametrize("pred", ["Paris?", "~Paris", "\u2248Paris", "\u00bfParis", "Paris??"])
def test_exact_match_refuses_hedge_marks(pred):
    assert exact_match(pred, "Paris") == 0.0
    assert exact_match("Paris?", "Paris?") == 1.0  # a gold that carries the mark


def test_property_distractors_never_increase_credit_in_any_lenient_scorer():
    rng = random.Random(2023)
    golds = [["Jane Austen"], ["1969"], ["Mount Everest"], ["Tom and Jerry"]]
    bases = ["Jane Austen", "It was 1969", "Mount Everest", "The answer is Tom and Jerry", "everest", ""]
    extras = ["K2", "Lhotse", "1970", "Charlotte Bronte", "Hamlet", "Tokyo", "blue", "9"]
    seps = SEPARATORS + ["\u2003", "_", " > ", " = ", " ... ", " y ", " et ", "\x0b", " \u2192 "]
    for gold, base in itertools.product(golds, bases):
        for name in ("sub_em", "f1", "hybrid"):
            scorer = ALL_SCORERS[name]
            before = scorer(base, gold)
            for _ in range(30):
                sep = rng.choice(seps)
                extra = sep.join(rng.sample(extras, rng.randint(1, 3)))
                for after in (f"{base}{sep}{extra}", f"{extra}{sep}{base}"):
                    assert scorer(after, gold) <= before, (name, base, after, gold)


@pytest.mark.parametrize("scorer", ["em", "sub_em", "f1", "hybrid"])
def test_200k_char_inputs_are_linear_in_every_scorer(scorer):
    hostile = ["Paris Lyon " * 20_000, "a" * 200_000, "not " * 50_000, ", " * 100_000, "Paris\tLyon " * 20_000]
    t = time.process_time()
    for pred in hostile:
        assert ALL_SCORERS[scorer](pred, ["Paris"]) == 0.0
        ALL_SCORERS[scorer](pred, ["Paris " * 5000])
    assert time.process_time() - t < 3.0


@pytest.mark.parametrize("gold", ["The", ".", "of the", "\u201cthe\u201d", ["7", "an"]])
def test_data_validate_reports_degenerate_golds(tmp_path, capsys, gold):
    """``longrlvr data validate`` (the documented command) names the row and the field, exit 1."""
    from longrlvr.cli import main
    from longrlvr.data import make_row, write_parquet

    chunks = ["The code of alpha is 7.", "Beta lives in Rome."]
    rows = [
        make_row(chunks=chunks, question="What is the code of alpha?", answer=a, ref_chunks=[0], index=i)
        for i, a in enumerate([["7"] if isinstance(gold, list) else "7", gold])
    ]
    path = write_parquet(rows, tmp_path / "train.parquet")
    assert main(["data", "validate", str(path)]) == 1
    out = capsys.readouterr()
    text = out.out + out.err
    assert "row 1" in text and "reward_model.ground_truth" in text and "names nothing" in text
    assert "row 0" not in text


@pytest.mark.parametrize("gold", ["A", "a", "7", "(C)"])
def test_one_character_golds_match_only_themselves(gold):
    """An option letter or a digit names something (not degenerate) but an empty or article answer never matches."""
    letter = gold.strip("()")
    for name, scorer in ALL_SCORERS.items():
        assert scorer(letter, [gold]) == 1.0, name
        for pred in ("", "the", "an", ".", "B", "It is not " + letter):
            assert scorer(pred, [gold]) == 0.0, (name, pred)


@pytest.mark.parametrize(
    "pred,gold",
    [
        ("University", "Boston University"),
        ("City", "New York City"),
        ("Boston College", "Boston University"),
        ("New York State", "New York City"),
        ("River", "Hudson River"),
        ("the city", "Mexico City"),
    ],
)
@pytest.mark.parametrize("scorer", ["sub_em", "f1", "hybrid"])
def test_a_designator_alone_or_in_place_of_a_gold_word_gets_nothing(pred, gold, scorer):
    assert ALL_SCORERS[scorer](pred, [gold]) == 0.0


@pytest.mark.parametrize(
    "pred,gold", [("Boston", "Boston University"), ("York", "New York"), ("Hudson", "Hudson River")]
)
def test_a_content_part_of_the_gold_still_counts_in_sub_em(pred, gold):
    assert sub_em(pred, [gold]) == 1.0
