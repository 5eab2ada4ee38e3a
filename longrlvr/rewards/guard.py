"""The lenient rules' guard: credit only for the gold in a neutral frame (reward hacking, issue 23).

Pure, linear time in ``len(pred) + len(golds) + len(question)``, never raises on any ``str``.

The lenient rules of ``hybrid`` (gold contained in the answer, token F1 >= threshold) and the judge's
``sub_em`` shortcut give credit only when the answer is *the gold in a neutral frame*:

1. no hedge mark (``?``, ``~``, ``≈``) the golds lack -- checked before exact match too;
2. no cue word the golds lack: negation (``not``, ``isn't``, ``wrong``, ...), hedging (``maybe``, ``guess``,
   ``may be``, ...), self-correction (``but``, ``actually``, ``instead``, ``wait``, ...) and joiners of
   candidates (``and``, ``or``, ``vs``, ``versus``, ``nor``, ``plus``, ...);
3. no more list separators of any class than a gold has (``, ; / | \\ & +``, newline, tab, bullets, brackets,
   spaced dashes, enumerations, a sentence break, a colon after anything but a frame);
4. every answer token outside the golds is a frame word (``the answer is``, ``it was``, ``located in``, units,
   designators such as ``city``/``river``) or, given the question, a word of the question -- never another
   content word, so a space-joined list (``Paris Lyon Rome``) always has a token that is not frame;
5. no name from the question right beside the gold (``Lyon Paris`` when the question names Lyon), no name
   from the question without a restated predicate, and no number that no gold contains.

Hence credit never increases when a distractor candidate is added, under any separator: the distractor is a
content token (4), needs a separator or joiner (2, 3), or sits beside the gold (5).

A *degenerate* gold (empty after normalization, or only function words: ``The``, ``.``, ``of the``) never
matches in any scorer (:func:`usable_golds`); ``longrlvr data validate`` reports it as a data error.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from longrlvr.rewards.text import ARTICLES, answer_key, cased_words, normalize_answer, words

NEGATION = frozenset(
    """not no never none nobody nothing nowhere neither nor cannot cant dont doesnt didnt isnt wasnt arent werent
    wont wouldnt shouldnt couldnt hasnt havent hadnt aint false incorrect wrong untrue except excluding without
    unlike rather instead""".split()
)
HEDGE = frozenset(
    """maybe perhaps possibly possible probably probable likely unlikely might could would should guess guessing
    guessed think thought believe believed suppose supposed assume assuming unsure uncertain unclear unknown either
    whether or sure seems seem seemingly apparently presumably approximately roughly about around nearly almost
    circa ca somewhere someone something some any candidate candidates option options alternative alternatives
    alternatively possibility possibilities doubt doubtful hunch suspect suspected""".split()
)
CORRECTION = frozenset(
    """but however though although actually wait correction corrected correcting scratch mistake mistaken initially
    originally previously earlier first second then later now update updated revised revise changed change yet
    nevertheless nonetheless whereas unless otherwise else""".split()
)
JOINERS = frozenset(
    """and or nor vs versus v plus also too both between among along alongside besides including include includes
    with together respectively etc et al andor""".split()
)
CUES = NEGATION | HEDGE | CORRECTION | JOINERS
_MAY_HEDGE_NEXT = frozenset({"be", "have", "not", "well", "also"})  # "may be Paris", never the month "May 5"

# words that may surround the gold without naming anything (never a joiner, a negation or a candidate)
FRAME_WORDS = frozenset(
    """answer answers final correct is was are were be been being it its this that in at on of to by from for as
    called named known located situated based held he she they his her their there here which who whom whose has
    had have s i my our we response reply result definitely certainly clearly surely indeed exactly precisely""".split()
)
# designators and units: extend a contained gold, never stand in for a missing gold word
DESIGNATORS = frozenset(
    """city town village state county province region country river lake sea ocean mount mountain mountains island
    islands street road avenue university college school company inc corp corporation ltd llc co jr sr ii iii iv
    year years month months week weeks day days hour hours minute minutes second seconds percent km kilometers
    kilometres miles mile meters metres meter metre m cm mm kg kilograms grams g lb lbs pounds tons people persons
    dollars usd eur euros times degrees""".split()
)
FRAME = FRAME_WORDS | DESIGNATORS
# words that mean nothing alone: a gold made only of these (or empty after normalization) is degenerate
FUNCTION_WORDS = frozenset(
    """a an the of in on at to by for from with as is was are were be been it its this that these those and or but
    if then so than he she they we you i me him her them his hers their our your my""".split()
)

_HEDGE_MARKS = ("?", "~", "\u2248", "\u00bf")
_SEPARATOR_CLASSES: dict[str, re.Pattern[str]] = {
    "comma": re.compile(r"[,\uff0c\u3001]"),
    "semicolon": re.compile(r"[;\uff1b]"),
    "slash": re.compile(r"[/\\|\u2044]"),
    "amp_plus": re.compile(r"[&+]"),
    "newline": re.compile(r"[\n\r\v\f\u2028\u2029\x85]"),
    "tab": re.compile(r"\t"),
    "bullet": re.compile(r"[\u2022\u00b7\u25aa\u25cf\u2023\u2043\u2219]|(?:^|\n)[ \t]*[*+-](?=[ \t])"),
    "bracket": re.compile(r"[(\[{<\uff08]"),
    "dash": re.compile(r"(?:^|\s)[-\u2013\u2014\u2012]+(?=\s|$)|[\u2013\u2014]"),
    "enumeration": re.compile(r"(?:^|\s)\d{1,3}[.)](?=\s)"),
    "sentence": re.compile(r"(?<=[A-Za-z0-9]{3})[.!](?=\s+\S)"),
}
_COLON_RE = re.compile(r"[:\uff1a]")
_NUMBER_RE = re.compile(r"\d+")
_QUESTION_CHARS = 2000  # the question is read up to here (bounds the work on a hostile row)
_SUFFIXES = ("ing", "ed", "es", "s")


def degenerate_gold(gold: str) -> bool:
    """True when ``gold`` names nothing: empty after normalization, or function words only (``The``, ``.``,
    ``of the``). A one-character gold (``A``, ``7``) names an option or a value: not degenerate."""
    plain = "".join(" " if unicodedata.category(c)[0] in "PSC" else c for c in gold)  # curly quotes, dashes ...
    tokens = normalize_answer(plain).split()
    return not answer_key(plain) or (bool(tokens) and all(t in FUNCTION_WORDS for t in tokens))


def usable_golds(golds: Iterable[str]) -> list[str]:
    """The golds that can be matched at all (degenerate ones dropped)."""
    return [g for g in golds if not degenerate_gold(g)]


def hedge_marked(pred: str, golds: Sequence[str]) -> bool:
    """``Paris?``, ``~42``: a mark of doubt that no gold carries (applies before exact match)."""
    return any(m in pred and not any(m in g for g in golds) for m in _HEDGE_MARKS)


def _separators(text: str) -> dict[str, int]:
    counts = {name: len(rx.findall(text)) for name, rx in _SEPARATOR_CLASSES.items()}
    colon = _COLON_RE.search(text)
    counts["colon"] = 0
    if colon is not None:
        framed = all(t in FRAME for t in words(text[: colon.start()]))  # "Answer: Paris" yes, "Lyon: Paris" no
        counts["colon"] = len(_COLON_RE.findall(text)) - int(framed)
    return counts


def _cue_words(tokens: Sequence[str]) -> set[str]:
    found = {t for t in tokens if t in CUES}
    found |= {"may" for t, nxt in zip(tokens, tokens[1:], strict=False) if t == "may" and nxt in _MAY_HEDGE_NEXT}
    return found


def _occurrence(tokens: Sequence[str], gold_tokens: Sequence[str]) -> int:
    """Token index of the first occurrence of ``gold_tokens`` in ``tokens`` (-1 when absent); linear."""
    hay, needle = " " + " ".join(tokens) + " ", " " + " ".join(gold_tokens) + " "
    at = hay.find(needle)
    return -1 if at < 0 else hay.count(" ", 0, at)


def _stem(word: str) -> str:
    """A crude stem, only to match an answer's word to the question's (``happened``/``happen``)."""
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _gold_offered(golds: Sequence[str], question: str) -> bool:
    """True when a gold's words occur, in order, in the question (``Did Paris or Lyon host it?``)."""
    hay = " " + " ".join(t for t in words(question) if t not in ARTICLES) + " "
    cores = ([t for t in words(g) if t not in ARTICLES] for g in golds)
    return any(core and f" {' '.join(core)} " in hay for core in cores)


def _proper_words(text: str) -> set[str]:
    """Lowercased words written capitalized after the first word, and numbers, of ``text``."""
    raw = cased_words(text)
    return {w.lower() for i, w in enumerate(raw) if w[:1].isdigit() or (i > 0 and w[:1].isupper())}


def lenient_refusal(pred: str, golds: Sequence[str], question: str | None = None) -> str | None:
    """Why ``pred`` gets no lenient credit against ``golds`` (a short reason), or None when it may get it.

    ``golds`` are raw gold strings (degenerate ones dropped first: :func:`usable_golds`); ``question``
    (optional) widens the frame by its words. Never raises on any ``str``; linear time.
    """
    if not golds:
        return "no usable gold"
    if hedge_marked(pred, golds):
        return "hedge mark"
    gold_words = [words(g) for g in golds]
    gold_vocab = {t for ws in gold_words for t in ws}
    tokens = words(pred)
    cues = _cue_words(tokens) - gold_vocab
    if cues:
        return f"cue word {min(cues)!r}"
    allowed: dict[str, int] = {}
    for g in golds:
        for name, n in _separators(g).items():
            allowed[name] = max(allowed.get(name, 0), n)
    for name, n in _separators(pred.strip()).items():
        if n > allowed.get(name, 0):
            return f"list separator ({name})"
    q_text = question[:_QUESTION_CHARS] if isinstance(question, str) else ""
    q_vocab = set(words(q_text))
    q_stems = {_stem(t) for t in q_vocab}
    q_names = _proper_words(q_text)  # the question's names and numbers: possible candidates
    gold_numbers = {n for g in golds for n in _NUMBER_RE.findall(g)}
    for n in _NUMBER_RE.findall(pred):
        # a numeric gold admits no other number; any other gold only the question's own numbers
        if n not in gold_numbers and (gold_numbers or n not in q_vocab):
            return "a number no gold contains"
    content = [t for t in tokens if t not in gold_vocab and t not in FRAME and t not in ARTICLES]
    if q_vocab and _gold_offered(golds, q_text):
        # the question offers the gold as an option: its other words may be the other options
        q_vocab, q_stems, q_names = set(), set(), set(q_vocab)
    foreign = [t for t in content if t not in q_vocab and _stem(t) not in q_stems]
    if foreign:
        return f"another content word {foreign[0]!r}"
    named = [t for t in content if t in q_names]
    if named and all(t in q_names for t in content):
        # a name from the question and no restated predicate: "Lyon is Paris", not "Curie was born in Warsaw"
        return f"question name {named[0]!r} without the question's predicate"
    bare = [t for t in tokens if t not in ARTICLES]
    for ws in gold_words:
        core = [t for t in ws if t not in ARTICLES]
        at = _occurrence(bare, core) if core else -1
        if at < 0:
            continue
        for j in (at - 1, at + len(core)):
            if 0 <= j < len(bare) and bare[j] in q_names and bare[j] not in gold_vocab and bare[j] not in FRAME:
                return f"candidate {bare[j]!r} beside the gold"
    return None
