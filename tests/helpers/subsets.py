"""Tiny in-memory sets and a tiny deterministic recipe engine for the subset tests (no real data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from xtremer_robust.families.records import Candidate, PairItem, Record, RetrievalItem, TaggingItem
from xtremer_robust.data.taskdata import SourceFile, TaskData
from xtremer_robust.errors import ConfigError
from xtremer_robust.perturb.base import check_rate, item_rng
from xtremer_robust.subsets import Engine, MemorySource, Suite, Variant

PAIRS = {
    "en": [("A man eats.", "Someone eats.", "entailment"), ("It rains.", "It is dry.", "contradiction"),
           ("She sings.", "She sings well.", "neutral"), ("Dogs bark.", "Cats bark.", "contradiction"),
           ("", "Empty premise.", "neutral"), ("We walk home.", "We go home.", "entailment")],
    "sw": [("Mtu anakula.", "Mtu fulani anakula.", "entailment"), ("Mvua inanyesha.", "Ni kavu.", "contradiction"),
           ("Anaimba.", "Anaimba vizuri.", "neutral"), ("Mbwa hubweka.", "Paka hubweka.", "contradiction"),
           ("", "Dhana tupu.", "neutral"), ("Tunatembea nyumbani.", "Tunaenda nyumbani.", "entailment")],
    "hi": [("आदमी खाता है।", "कोई खाता है।", "entailment"), ("बारिश होती है।", "सूखा है।", "contradiction"),
           ("वह गाती है।", "वह अच्छा गाती है।", "neutral"), ("कुत्ते भौंकते हैं।", "बिल्लियाँ भौंकती हैं।", "contradiction"),
           ("", "खाली।", "neutral"), ("हम घर चलते हैं।", "हम घर जाते हैं।", "entailment")],
}


def pair_set(lang: str, task: str = "xnli", split: str = "test") -> TaskData:
    items = tuple(PairItem(id=f"{split}-{i}", text_a=a, text_b=b, label=label)
                  for i, (a, b, label) in enumerate(PAIRS[lang]))
    return TaskData(task, lang, split, "pair_classification", items,
                    sources=(SourceFile(f"{task}/{split}-{lang}.tsv", "0" * 64),))


def tagging_set(lang: str) -> TaskData:
    items = tuple(TaggingItem(id=f"{lang}-{i}", tokens=("Ali", "went", "to", "Nairobi"), tags=("B-PER", "O", "O", "B-LOC"))
                  for i in range(4))
    return TaskData("panx", lang, "dev", "tagging", items, sources=(SourceFile(f"panx/dev-{lang}.tsv", "1" * 64),))


def retrieval_set(lang: str) -> TaskData:
    cands = tuple(Candidate(id=f"c{i}", text=f"English sentence {i}.") for i in range(5))
    items = tuple(RetrievalItem(id=f"q{i}", query=f"Sentensi {i} ya Kiswahili.", relevant=(f"c{i}",)) for i in range(5))
    return TaskData("tatoeba", lang, "test", "retrieval", items, candidates=cands,
                    sources=(SourceFile(f"tatoeba/{lang}.txt", "2" * 64),))


def memory_source() -> MemorySource:
    return MemorySource(tuple(pair_set(lang) for lang in ("en", "sw", "hi")) + (tagging_set("sw"),)
                        + (retrieval_set("sw"),))


@dataclass(frozen=True)
class SwapRecipe:
    """Swap two neighbouring code points of the first word of length >= 4 (tests only: not grapheme-safe)."""

    name = "swap"
    rate: float = 0.5

    def __post_init__(self) -> None:
        check_rate(self.name, self.rate)


@dataclass(frozen=True)
class Perturbed:
    record: Record
    changed: bool
    char_edit_ratio: float
    skipped_reason: str | None


def resolve(name: str, **params: Any) -> SwapRecipe:
    if name != "swap":
        raise ConfigError(f"Unknown recipe '{name}'. Available: swap")
    return SwapRecipe(**params)


def _swap(text: str, rng: Any, rate: float) -> str:
    words = text.split(" ")
    for i, word in enumerate(words):
        if len(word) >= 4 and rng.random() < rate:
            j = int(rng.integers(0, len(word) - 1))
            words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2:]
    return " ".join(words)


def apply(record: Record, recipe: SwapRecipe, *, seed: int, task: str, lang: str) -> Perturbed:
    rng = item_rng(seed, task, lang, record.id, recipe.name)
    if isinstance(record, PairItem):
        if not record.text_a.strip():
            return Perturbed(record, False, 0.0, "empty text")
        a, b = _swap(record.text_a, rng, recipe.rate), _swap(record.text_b, rng, recipe.rate)
        new = PairItem(record.id, a, b, record.label)
        edits = sum(x != y for x, y in zip(record.text_a + record.text_b, a + b))
        return Perturbed(new, new != record, edits / max(1, len(a + b)), None)
    if isinstance(record, TaggingItem):
        tokens = tuple(_swap(t, rng, recipe.rate) for t in record.tokens)
        return Perturbed(TaggingItem(record.id, tokens, record.tags), tokens != record.tokens, 0.1, None)
    if isinstance(record, RetrievalItem):
        query = _swap(record.query, rng, recipe.rate)
        return Perturbed(RetrievalItem(record.id, query, record.relevant), query != record.query, 0.1, None)
    return Perturbed(record, False, 0.0, "unsupported family")


def validity(originals: Sequence[Record], perturbed: Sequence[Record], lang: str, recipe: Any) -> dict[str, float]:
    same = sum(o == p for o, p in zip(originals, perturbed))
    return {"unchanged_share": same / len(originals)}


ENGINE = Engine(resolve=resolve, apply=apply, validity=validity)


def suite(version: str = "test-1") -> Suite:
    return Suite(version=version, seed=7,
                 variants=(Variant("clean", None), Variant("swap_30", "swap", {"rate": 0.3}),
                           Variant("swap_90", "swap", {"rate": 0.9})),
                 view_sizes=(3,), generalized_tasks=("xnli",))
