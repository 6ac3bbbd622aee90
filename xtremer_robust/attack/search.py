"""The adversarial search, model in the loop: a greedy character-level attack and adversarial filtering.

Attack: Gao, Lanchantin, Soffa and Qi (2018), "Black-box Generation of Adversarial Text
Sequences to Evade Deep Learning Classifiers" (DeepWordBug), IEEE S&P Workshops. Per item:

1. score every word by how much the gold answer's score drops when the word is removed
   (leave-one-out, the "replace-1" score of the paper), in one batch of queries;
2. visit words from the most to the least important and apply one character edit to each
   (swap, substitute, delete or insert, the paper's four transformers), keeping the edits,
   until the prediction is no longer correct or the budget (a share of the words) is spent.

Edits work on extended grapheme clusters (``\\X``), never inside one, so Devanagari, Thai or
Hangul words stay well-formed; their randomness comes from ``item_rng`` so the attack is
deterministic for a given model. The fields edited are those the item's family declares
(``Family.attack_fields``): a text field is split into words; a sequence field (tagging
tokens) is edited element by element, so the token count and tags stay aligned. Span-QA
items are attacked on the question only (answer offsets in the context stay valid).

Filtering: Zellers et al. (2018), "SWAG" (EMNLP) adversarial filtering, in its simplest form:
the "hard" subset keeps the items a reference model gets wrong.

The model is anything with ``predict(items) -> predictions`` plus two judgements of a
prediction (:class:`AttackTarget`); the scoring runner provides one
(:class:`~xtremer_robust.attack.runner_target.RunnerTarget`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, Sequence

import regex

from xtremer_robust.families.records import Record
from xtremer_robust.errors import ConfigError
from xtremer_robust.families import family_of_record
from xtremer_robust.perturb.base import item_rng
from xtremer_robust.perturb.segment import segment

__all__ = [
    "AttackTarget",
    "AttackResult",
    "AttackReport",
    "attack_item",
    "attack_items",
    "hard_items",
    "EDIT_OPS",
    "ATTACK_NAME",
]

_CLUSTER = regex.compile(r"\X")
_WORD = regex.compile(r"[\p{L}\p{N}\p{M}\u200c\u200d]+")
#: DeepWordBug's four character transformers.
EDIT_OPS = ("swap", "substitute", "delete", "insert")
#: The name item_rng sees: changing it changes every adversarial edit.
ATTACK_NAME = "deepwordbug_gao_2018"


class AttackTarget(Protocol):
    """A model to attack: predictions for a batch, and how good a prediction is for the gold answer."""

    def predict(self, items: Sequence[Record]) -> list[Any]:
        """One prediction per item, in order."""

    def gold_score(self, item: Record, prediction: Any) -> float:
        """Higher = more confident in the gold answer (e.g. gold-class probability, F1)."""

    def is_correct(self, item: Record, prediction: Any) -> bool:
        """Whether the prediction counts as correct (an attack succeeds when it no longer is)."""


@dataclass(frozen=True)
class AttackResult:
    """The outcome for one item (``record`` is the final perturbed item)."""

    id: str
    status: str  # "success", "failed" (budget spent), "skipped" (already wrong / nothing to edit)
    queries: int
    words_edited: int
    record: Record
    char_edit_ratio: float


@dataclass
class AttackReport:
    """Success rate over the items the model got right, and queries per attacked item."""

    results: list[AttackResult] = field(default_factory=list)

    @property
    def attacked(self) -> list[AttackResult]:
        return [r for r in self.results if r.status in ("success", "failed")]

    @property
    def success_rate(self) -> float:
        attacked = self.attacked
        return sum(r.status == "success" for r in attacked) / len(attacked) if attacked else 0.0

    @property
    def queries_per_item(self) -> float:
        attacked = self.attacked
        return sum(r.queries for r in attacked) / len(attacked) if attacked else 0.0

    def successes(self) -> list[Record]:
        return [r.record for r in self.results if r.status == "success"]

    def summary(self) -> dict[str, Any]:
        return {
            "n_items": len(self.results),
            "n_attacked": len(self.attacked),
            "n_success": sum(r.status == "success" for r in self.results),
            "n_skipped": sum(r.status == "skipped" for r in self.results),
            "attack_success_rate": self.success_rate,
            "queries_per_item": self.queries_per_item,
            "mean_char_edit_ratio_success": _mean([r.char_edit_ratio for r in self.results if r.status == "success"]),
        }


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


# --- the editable text of a record: (field, piece index) sites --------------------------------

def _is_sequence(record: Record, name: str) -> bool:
    """A sequence field (tagging tokens) is edited element by element; a text field by words."""
    return isinstance(getattr(record, name), tuple)


def _fields(record: Record) -> dict[str, list[str]]:
    """Editable pieces per field the family lets the attack edit: words and separators of a
    text, elements of a sequence."""
    names = family_of_record(record).attack_fields
    if not names:
        raise ConfigError(f"adversarial search: the {family_of_record(record).name} family has no field an attack may edit")
    return {name: list(getattr(record, name)) if _is_sequence(record, name) else _split_words(getattr(record, name))
            for name in names}


def _split_words(text: str) -> list[str]:
    """Word and separator pieces from the script-aware segmenter (Han characters one unit
    each, Thai runs whole); ``"".join`` gives the text back."""
    return [span.text for span in segment(text)]


def _sites(record: Record, fields: dict[str, list[str]]) -> list[tuple[str, int]]:
    sites = []
    for name, pieces in fields.items():
        wordlike = _WORD.search if _is_sequence(record, name) else _WORD.match
        sites += [(name, i) for i, piece in enumerate(pieces) if wordlike(piece)]
    return sites


def _render(record: Record, fields: dict[str, list[str]]) -> Record:
    return replace(record, **{name: tuple(pieces) if _is_sequence(record, name) else "".join(pieces)
                              for name, pieces in fields.items()})


def _without(record: Record, fields: dict[str, list[str]], site: tuple[str, int]) -> Record:
    """Leave-one-out: the word removed (a sequence element keeps its first cluster, so tags stay aligned)."""
    name, i = site
    changed = {k: list(v) for k, v in fields.items()}
    word = changed[name][i]
    changed[name][i] = _CLUSTER.findall(word)[0] if _is_sequence(record, name) else ""
    return _render(record, changed)


def _edit_word(word: str, rng: Any, alphabet: Sequence[str]) -> str:
    """One grapheme-safe DeepWordBug edit; falls back to another op where one cannot apply."""
    clusters = _CLUSTER.findall(word)
    for op in [EDIT_OPS[int(k)] for k in rng.permutation(len(EDIT_OPS))]:
        if op == "swap" and len(clusters) >= 2:
            pairs = [j for j in range(len(clusters) - 1) if clusters[j] != clusters[j + 1]]
            if pairs:
                j = pairs[int(rng.integers(len(pairs)))]
                clusters[j], clusters[j + 1] = clusters[j + 1], clusters[j]
                return "".join(clusters)
        elif op == "delete" and len(clusters) >= 2:
            del clusters[int(rng.integers(len(clusters)))]
            return "".join(clusters)
        elif op in ("substitute", "insert") and alphabet:
            letter = alphabet[int(rng.integers(len(alphabet)))]
            j = int(rng.integers(len(clusters)))
            if op == "substitute" and letter != clusters[j]:
                clusters[j] = letter
                return "".join(clusters)
            if op == "insert":
                clusters.insert(j, letter)
                return "".join(clusters)
    return word


def _alphabet(record: Record, fields: dict[str, list[str]]) -> list[str]:
    """Letters to substitute or insert: the single-code-point letter clusters of the item itself.

    Using the item's own letters keeps the script right for all 50 languages without a table
    (an English alphabet would be wrong almost everywhere).
    """
    text = "".join("".join(p) for p in fields.values())
    return sorted({c for c in _CLUSTER.findall(text) if len(c) == 1 and c.isalpha()})


def _edit_ratio(before: Record, after: Record) -> float:
    a = "".join("".join(p) for p in _fields(before).values())
    b = "".join("".join(p) for p in _fields(after).values())
    if not a:
        return 0.0
    ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    return 1.0 - ratio


def attack_item(target: AttackTarget, record: Record, *, seed: int, task: str, lang: str,
                budget: float = 0.2) -> AttackResult:
    """The greedy DeepWordBug search on one item (see the module docstring)."""
    results = attack_items(target, [record], seed=seed, task=task, lang=lang, budget=budget)
    return results.results[0]


def attack_items(target: AttackTarget, records: Sequence[Record], *, seed: int, task: str, lang: str,
                 budget: float = 0.2) -> AttackReport:
    """Attack every item; the first query (the clean predictions) is one batch for all items.

    ``budget`` is the share of an item's words that may be edited (at least one word).
    """
    if not 0.0 < budget <= 1.0:
        raise ConfigError(f"attack budget must be a share of words in (0, 1], got {budget}")
    report = AttackReport()
    clean = target.predict(records)
    for record, prediction in zip(records, clean):
        report.results.append(_attack_one(target, record, prediction, seed=seed, task=task, lang=lang, budget=budget))
    return report


def _attack_one(target: AttackTarget, record: Record, prediction: Any, *, seed: int, task: str, lang: str,
                budget: float) -> AttackResult:
    queries = 1
    if not target.is_correct(record, prediction):
        return AttackResult(record.id, "skipped", queries, 0, record, 0.0)
    fields = _fields(record)
    sites = _sites(record, fields)
    if not sites:
        return AttackResult(record.id, "skipped", queries, 0, record, 0.0)
    rng = item_rng(seed, task, lang, record.id, ATTACK_NAME)
    base = target.gold_score(record, prediction)
    dropped = target.predict([_without(record, fields, s) for s in sites])
    queries += len(sites)
    importance = [base - target.gold_score(record, p) for p in dropped]
    tiebreak = rng.permutation(len(sites))  # equal scores (hard-label models) visit words in a seeded order
    order = sorted(range(len(sites)), key=lambda k: (-importance[k], int(tiebreak[k])))
    max_words = max(1, int(budget * len(sites)))
    alphabet = _alphabet(record, fields)
    current = {k: list(v) for k, v in fields.items()}
    edited = 0
    for k in order[:max_words]:
        name, i = sites[k]
        new_word = _edit_word(current[name][i], rng, alphabet)
        if new_word == current[name][i]:
            continue
        current[name][i] = new_word
        edited += 1
        candidate = _render(record, current)
        queries += 1
        if not target.is_correct(record, target.predict([candidate])[0]):
            return AttackResult(record.id, "success", queries, edited, candidate, _edit_ratio(record, candidate))
    final = _render(record, current)
    return AttackResult(record.id, "failed", queries, edited, final, _edit_ratio(record, final))


def hard_items(target: AttackTarget, records: Sequence[Record]) -> tuple[list[Record], dict[str, Any]]:
    """Adversarial filtering: the items the reference model gets wrong, and the share they are."""
    predictions = target.predict(records)
    wrong = [r for r, p in zip(records, predictions) if not target.is_correct(r, p)]
    return wrong, {"n_items": len(records), "n_hard": len(wrong),
                   "hard_share": len(wrong) / len(records) if records else 0.0}
