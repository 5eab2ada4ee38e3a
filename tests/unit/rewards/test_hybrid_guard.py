"""Issue 23 families 1-2: the lenient rules refuse hedges, negations, self-corrections and candidate lists under any
separator; degenerate golds never match in any scorer."""

from __future__ import annotations

import itertools
import random
import time

import pytest

from longrlvr.rewards import Scorer, ScoreRequest, row_data_errors
from longrlvr.rewards.guard import degenerate_gold, lenient_refusal
from tests.helpers.rewards import ALL_SCORERS, Q_PARIS, SEPARATORS, hybrid_score

# ---- legitimate answers keep their credit -------------------------------------------------------------
LEGIT = [
    ("Paris", "Paris", None),
    ("paris.", "Paris", None),
    ("The answer is Paris.", "Paris", None),
    ("Final answer: Paris", "Paris", None),
    ("It was Paris", "Paris", None),
    ("**Paris**", "Paris", None),
    ('"Paris"', "Paris", None),
    ("Paris hosted the 1900 Summer Olympics.", "Paris", Q_PARIS),
    ("Marie Curie was born in Warsaw.", "Warsaw", "Where was Marie Curie born?"),
    ("The code is 42.", "42", "What is the code?"),
    ("42 years", "42", None),
    ("in 1990", "1990", None),
    ("New York City", "New York", None),
    ("new york", "New York City", None),  # F1 0.8 (partial of a longer gold)
    ("Romeo and Juliet", "Romeo and Juliet", None),
    ("The play is Romeo and Juliet", "Romeo and Juliet", "Which play did he see?"),
    ("yes or no", "yes or no", None),
    ("No", "No", None),
    ("no", ["yes", "no"], None),
    ("Paris, France", "Paris, France", None),
    ("AC/DC", "AC/DC", None),
    ("The North Atlantic Conference", ["the North Atlantic Conference"], None),
    ("May 5", "May 5", None),
    ("It happened on May 5", "May 5", "When did it happen?"),
    ("3.14", "3.14", None),
    ("Hudson River", "Hudson", None),
]


@pytest.mark.parametrize("pred,gold,question", LEGIT)
def test_legitimate_answers_keep_credit(pred, gold, question):
    golds = [gold] if isinstance(gold, str) else gold
    assert hybrid_score(pred, golds, question) == 1.0, lenient_refusal(pred, golds, question)


# ---- negation ----------------------------------------------------------------------------------------
NEGATION = [
    "It is not Paris.",
    "Not Paris",
    "Definitely not Paris",
    "Paris is wrong",
    "It isn't Paris",
    "It's not Paris",
    "Paris is incorrect",
    "never Paris",
    "Paris? No.",
    "No, Paris is false",
    "Anything except Paris",
    "neither Paris nor anything else",
    "Paris is untrue",
    "It cannot be Paris",
    "NOT PARIS",
]
# ---- hedging ---------------------------------------------------------------------------------------
HEDGES = [
    "Maybe Paris",
    "Probably Paris",
    "Paris?",
    "Paris??",
    "Perhaps Paris",
    "I think Paris",
    "possibly Paris",
    "It may be Paris",
    "It might be Paris",
    "It could be Paris",
    "Paris, I guess",
    "I believe it is Paris",
    "Not sure, Paris",
    "Likely Paris",
    "Paris (probably)",
    "Either Paris",
    "~Paris",
    "Paris seems right",
    "My guess is Paris",
    "Presumably Paris",
]
# ---- self-correction ---------------------------------------------------------------------------------
CORRECTIONS = [
    "Paris was my first guess but the answer is Lyon",
    "Lyon, no wait, Paris",
    "Paris. Actually Lyon.",
    "Initially Paris, then Lyon",
    "Lyon; correction: Paris",
    "Paris, however Lyon",
    "Paris rather than Lyon",
    "Lyon instead of Paris",
    "Paris (earlier I said Lyon)",
    "Paris but Lyon",
]
# ---- candidate lists, every separator ------------------------------------------------------------------
DISTRACTORS = ["Lyon", "Rome", "Berlin", "Madrid", "Vienna", "Oslo"]


def candidate_lists() -> list[str]:
    out = []
    for sep in SEPARATORS:
        for k in (1, 2, 6):
            items = ["Paris", *DISTRACTORS[:k]]
            out.append(sep.join(items))
            out.append(sep.join(reversed(items)))
    out += [
        "Paris Lyon Rome Berlin Madrid Vienna Oslo",
        "- Paris\n- Lyon",
        "1) Paris 2) Lyon",
        "Paris (or Lyon)",
        "Paris/Lyon/Rome",
        "Paris and/or Lyon",
        "either Paris or Lyon",
        "Answer: Paris. Alternative: Lyon",
        "The answer is Paris Lyon",
        "paris lyon",
        "Lyon the Paris",
    ]
    return out


@pytest.mark.parametrize("pred", NEGATION + HEDGES + CORRECTIONS + candidate_lists())
def test_adversarial_answers_get_no_credit(pred):
    assert hybrid_score(pred, ["Paris"], None) == 0.0
    assert hybrid_score(pred, ["Paris"], Q_PARIS) == 0.0


def test_question_words_are_no_loophole_for_lists():
    q = "Did Paris or Lyon host the games?"
    for pred in ("Lyon Paris", "Paris Lyon", "Paris, Lyon", "Lyon and Paris", "Paris or Lyon", "Lyon? Paris"):
        assert hybrid_score(pred, ["Paris"], q) == 0.0, pred


# ---- multi-word golds and numbers ----------------------------------------------------------------------
MULTI = [
    ("New York City Boston", "New York", 0.0),
    ("New York, Boston", "New York", 0.0),
    ("New York or Boston", "New York", 0.0),
    ("not New York", "New York", 0.0),
    ("Romeo and Juliet and Hamlet", "Romeo and Juliet", 0.0),
    ("Romeo and Juliet, Hamlet", "Romeo and Juliet", 0.0),
    ("Hamlet or Romeo and Juliet", "Romeo and Juliet", 0.0),
    ("42 or 43", "42", 0.0),
    ("42, 43", "42", 0.0),
    ("42 43", "42", 0.0),
    ("~42", "42", 0.0),
    ("about 42", "42", 0.0),
    ("41-43", "42", 0.0),
    ("between 41 and 43", "42", 0.0),
    ("Michelle Obama", "Barack Obama", 0.0),  # F1 0.5 today: a wrong answer got credit
    ("Obama", "Barack Obama", 1.0),  # a partial of the gold still does
    ("Boston College", "Boston University", 0.0),  # a designator never stands in for a gold word
    ("New York State", "New York City", 0.0),
    ("University", "Boston University", 0.0),
    ("Boston", "Boston University", 1.0),
    ("Paris. No, Lyon.", "Paris", 0.0),
    ("Paris (Lyon)", "Paris", 0.0),
    ("Paris\u00a0Lyon", "Paris", 0.0),
    ("Paris\u3001Lyon", "Paris", 0.0),
    ("Paris-Lyon", "Paris", 0.0),
    ("Paris.Lyon", "Paris", 0.0),
    ("PARIS LYON", "Paris", 0.0),
    ("Paris!!! Lyon!!!", "Paris", 0.0),
    ("Paris\u2026 or Lyon", "Paris", 0.0),
]


@pytest.mark.parametrize("pred,gold,expected", MULTI)
def test_multiword_and_number_golds(pred, gold, expected):
    assert hybrid_score(pred, [gold]) == expected


# ---- degenerate golds (family 2) --------------------------------------------------------------------------
DEGENERATE = ["The", ".", "", "   ", "of the", "!!!", "The.", "An", "it is", "-", "'"]


DEGENERATE += ["THE", "the the", "  .  ", "?!", "and", "of", "(the)", "\u201cThe\u201d", "is it"]


@pytest.mark.parametrize("gold", DEGENERATE)
def test_degenerate_golds_never_match(gold):
    assert degenerate_gold(gold)
    for pred in ("", ".", "The", "the", gold, "Paris", "a", " "):
        for name, scorer in ALL_SCORERS.items():
            assert scorer(pred, [gold]) == 0.0, (name, pred, gold)
            assert scorer(pred, [gold, "  "]) == 0.0, (name, pred, gold)


@pytest.mark.parametrize("gold", ["The", ".", "of the", ["Paris", "the"]])
@pytest.mark.parametrize("scorer", ["em", "sub_em", "f1", "hybrid"])
def test_degenerate_gold_is_a_data_error_scored_as_malformed(gold, scorer):
    """The issue's example: an empty answer vs gold ``The`` scored 2.0 under ``em``, the local engine's default."""
    scorer_obj = Scorer.from_config({"answer_scorer": scorer, "format_score": -0.5})
    for answer in ("", "The", "Paris"):
        response = f"<useful_chunks><CHUNK_1></useful_chunks><answer>{answer}</answer>"
        result = scorer_obj.score(ScoreRequest("longrlvr", response, gold, {"ref_chunks": [1], "num_chunks": 3}))
        assert result.score == -0.5 and result.answer_acc == 0.0
        assert "names nothing" in result.data_error
    errors = row_data_errors(gold, {"ref_chunks": [1]}, uses_context=True)
    assert errors and errors[0].startswith("ground_truth:") and "names nothing" in errors[0]


@pytest.mark.parametrize(
    "gold", ["No", "Yes", "42", "It (novel)", "Paris", "0", "x", "None", "The Who", "A1", "A", "a", "(b)"]
)
def test_short_golds_are_not_degenerate(gold):
    assert not degenerate_gold(gold)


# ---- property: a distractor never raises credit ---------------------------------------------------------
BASES = ["Paris", "The answer is Paris", "paris", "New York", "New York City", "42", "It was 42", "Lyon", ""]
GOLDS = [["Paris"], ["New York"], ["42"], ["Romeo and Juliet"], ["Paris", "Lyon"]]


def test_property_distractors_never_increase_credit():
    rng = random.Random(23)
    words = DISTRACTORS + ["Hamlet", "Boston", "43", "7", "Tokyo", "blue"]
    for gold, base in itertools.product(GOLDS, BASES):
        before = hybrid_score(base, gold)
        for _ in range(40):
            sep = rng.choice(SEPARATORS)
            extra = sep.join(rng.sample(words, rng.randint(1, 3)))
            for after in (f"{base}{sep}{extra}", f"{extra}{sep}{base}"):
                if any(w.lower() in {g.lower() for g in gold} for w in extra.split()):
                    continue  # adding another gold is not a distractor
                assert hybrid_score(after, gold) <= before, (base, after, gold)


# ---- linear time, never raises -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "pred",
    [
        "a" * 200_000,
        " " * 200_000,
        "Paris " * 30_000,
        "-" * 200_000,
        ". " * 100_000,
        "\n" * 200_000,
        "abc." + " " * 200_000 + "x",
        ("Paris, " * 20_000),
        "(" * 200_000,
        "\x00\ud800" * 1000,
    ],
)
def test_linear_time_and_never_raises(pred):
    t = time.process_time()
    lenient_refusal(pred, ["Paris"], "q" * 100_000)
    hybrid_score(pred, ["Paris"], "q")
    hybrid_score(pred, ["Paris " * 5000])
    assert time.process_time() - t < 2.0


# ---- exhaustive: a distractor glued to the gold by any frame word, under any question --------------------
GLUE = [
    "",
    " ",
    " is ",
    " in ",
    " the answer is ",
    ", ",
    " it was ",
    " of ",
    ": ",
    " at ",
    " to ",
    " from ",
    " called ",
    "\n",
    " / ",
    " which is ",
    " located in ",
]
QUESTIONS = [
    None,
    "Which city hosted it?",
    "Did Paris or Lyon host it?",
    "Was it Lyon or Rome or Paris in 1900?",
    "paris or lyon?",
    "Which of lyon, paris hosted?",
    "PARIS OR LYON?",
]


def test_glued_distractors_get_nothing_under_any_question():
    hits = []
    for q, a, b in itertools.product(QUESTIONS, GLUE, GLUE):
        for d in ("Lyon", "lyon", "Rome", "42", "1904"):
            for pred in (f"Paris{a}{d}", f"{d}{a}Paris", f"{d}{a}Paris{b}{d}", f"the answer is {d}{a}Paris"):
                if hybrid_score(pred, ["Paris"], q) > 0:
                    hits.append((q, pred))
    assert not hits, hits[:5]


@pytest.mark.parametrize("question", ["Which city near Lyon hosted it?", "Which city, Lyon being excluded, hosted?"])
@pytest.mark.parametrize(
    "pred,expected",
    [
        ("Lyon is Paris", 0.0),
        ("Paris in Lyon", 0.0),
        ("Paris, near Lyon", 0.0),
        ("Lyon Paris", 0.0),
        ("it was Paris", 1.0),
        ("Paris hosted it", 1.0),
    ],
)
def test_question_names_are_no_candidates(question, pred, expected):
    assert hybrid_score(pred, ["Paris"], question) == expected
