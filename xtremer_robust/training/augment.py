"""Training-time data augmentation: Robust-XLT's RS-DA, and this project's recipes as noise.

RS-DA, "randomized smoothing with data augmentation" (Huang, Ahmad, Peng and Chang 2021,
"Improving Zero-Shot Cross-Lingual Transfer Learning via Robust Training", arXiv 2104.08645),
trains on copies of each English example in which every word of a counter-fitted synonym
list is replaced by a uniform draw from the word and its neighbours. The released code is
``perturb.py`` of uclanlp/Robust-XLT (commit 175cddb), run once over the training file
before training. This module follows it choice by choice (line numbers of that file):

- **Neighbour file** (lines 46-47): ``counterfitted_neighbors.json`` is read with
  ``json.load`` and used as it is: a JSON object, word -> list of neighbour words. No key is
  transformed. :func:`load_neighbours` keeps it so (values become tuples, nothing else).
- **Tokenization** (line 19): ``sent.split(' ')``, the space character U+0020 only, not
  Python's ``str.split()``. Two spaces give an empty token that is kept; tabs, newlines and
  other white space stay inside tokens (the file has keys such as ``"movie\\x85"``, with
  U+0085, which a ``str.split()`` would never see). Punctuation stays attached, so
  ``"movie."`` is a different token from ``"movie"``.
- **Lookup and case** (line 27): ``word not in neighbors``, an exact, case-sensitive look-up.
  Every key of the released file but ``"UNK"`` is lower-case, so a capitalised word
  (sentence-initial ``"The"``, proper nouns) is never replaced; nothing lower-cases the
  text, and no case is transferred to the replacement: the draw is inserted as written
  (all neighbours in the file are lower-case).
- **Words without neighbours** (lines 27-30): a word that is not a key, or whose list is
  empty, is kept, and no random number is drawn for it.
- **The draw** (lines 33-35): ``tmp_list = [word] + neighbors[word]``, then
  ``np.random.randint(0, len(tmp_list))``: uniform over the word itself and its neighbours,
  list concatenation without de-duplication (the file has no duplicates and no word that is
  its own neighbour, so each candidate has probability 1 / (1 + number of neighbours)).
  Each word is drawn independently of the others, and of the same word elsewhere.
- **Re-joining** (line 39): ``" ".join(p_words)``, so the text is unchanged except for the
  replaced words (same token count, line 37).
- **Copies** (line 24 and README lines 23-24): ``--num`` copies per example; the README runs
  ``--num 10`` for PAWS-X and ``--num 3`` for XNLI (:data:`RSDA_COPIES`).
- **Original not kept** (lines 55-65 and 74-76): the augmented folder's ``train-en.tsv``
  holds only the K perturbed copies; the original training file is not copied there (only
  dev and test are), and the training scripts read that folder (``scripts/train_pawsx.sh``
  and ``train_xnli.sh`` lines 19 and 59-61: ``data_generalized_augment``, ``--train_split
  train``). A copy can equal the original when every draw picks the word itself. Every
  example gives exactly K rows, also one with nothing to replace (line 61 only counts the
  examples where something could be replaced).
- **Both sentences of a pair** (lines 57-59, 64-65): each is perturbed independently and
  copy i of the first is paired with copy i of the second; the label is copied.

Where this module differs, and why:

- **Randomness.** The released script draws from NumPy's global generator and never seeds
  it, so its augmented file cannot be regenerated. Here every draw comes from the generator
  handed in; :func:`example_rng` derives one per (seed, example id, copy) by hashing, as the
  subset builder does with :func:`~xtremer_robust.perturb.base.item_rng`, so nothing depends
  on example order or worker count. ``augment_pair(..., rng=example_rng(seed, id, 0))``
  draws the K copies one after the other from that generator (the first three copies are
  the same for K=3 and K=10); a trainer that makes one copy at a time (one per epoch, say)
  calls ``perturb_pair(..., rng=example_rng(seed, id, copy))``. Within one copy the first
  text is perturbed, then the second.
- **Tagging** (the released code covers pair classification only): :meth:`Augmenter.augment_tokens`
  maps each token to exactly one token so that tags stay aligned. RS-DA then draws only
  among the word and its single-token neighbours (those without white space; all
  neighbours of the released file are single tokens, so the draw is the same as above).

``--augment recipe:NAME`` uses one of this project's perturbation recipes instead (any
language, any script: grapheme-cluster safe, see ``xtremer_robust/perturb``): each copy is
``recipe.perturb`` of each text. For tagging a recipe is applied token by token, and a
result that is empty or contains white space keeps the original token (a word-deletion
recipe then leaves tokens as they are).
"""

from __future__ import annotations

import hashlib
import json
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np

from xtremer_robust.errors import ConfigError, DataError, unknown_name
from xtremer_robust.perturb.base import Recipe, item_rng
from xtremer_robust.perturb.recipes import get_recipe
from xtremer_robust.subsets.suite import parse_recipe_specs

__all__ = [
    "AUGMENT_KINDS",
    "NEIGHBOURS_FILE",
    "RSDA_COPIES",
    "Augmenter",
    "Neighbours",
    "RSDAAugmenter",
    "RecipeAugmenter",
    "augment_fingerprint",
    "example_rng",
    "load_neighbours",
    "parse_augment",
    "rsda_text",
]

#: Where the counter-fitted neighbour list lies inside the data folder.
NEIGHBOURS_FILE = Path("robust_xlt") / "counterfitted_neighbors.json"
#: Copies per training example in the released scripts (Robust-XLT README lines 23-24).
RSDA_COPIES: Mapping[str, int] = {"pawsx": 10, "xnli": 3}
#: The values ``--augment`` accepts before its first colon.
AUGMENT_KINDS = ("none", "rsda", "recipe")
_SPACE = " "  # the only separator of the released tokenization (perturb.py line 19)
_RNG_DOMAIN = "train-augment"  # keeps these generators apart from the subset builder's


class Neighbours(Mapping[str, tuple[str, ...]]):
    """A read-only word -> neighbours mapping that remembers the file it came from.

    ``sha256`` is the hash of the file's bytes (or, built from a plain mapping, of its
    canonical JSON), so that a checkpoint can say exactly which list it was trained with.
    """

    def __init__(self, entries: Mapping[str, tuple[str, ...]], *, sha256: str, source: str):
        self._entries = dict(entries)
        self.sha256 = sha256
        self.source = source

    @classmethod
    def from_mapping(cls, entries: Mapping[str, Any]) -> "Neighbours":
        """Wrap a plain mapping (tests, callers with their own list)."""
        if isinstance(entries, Neighbours):
            return entries
        data = {str(k): tuple(str(n) for n in v) for k, v in entries.items()}
        canonical = json.dumps({k: list(v) for k, v in data.items()}, sort_keys=True, ensure_ascii=False)
        return cls(data, sha256=hashlib.sha256(canonical.encode("utf-8")).hexdigest(), source="mapping")

    def __getitem__(self, word: str) -> tuple[str, ...]:
        return self._entries[word]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, word: object) -> bool:
        return word in self._entries

    def get(self, word: str, default: Any = None) -> Any:  # the hot path: skip Mapping's try/except
        return self._entries.get(word, default)


_CACHE: dict[tuple[str, int, int], Neighbours] = {}


def load_neighbours(path: Path) -> Neighbours:
    """Read a counter-fitted neighbour list (a JSON object: word -> list of words), cached per file.

    Keys are kept exactly as written (the released code looks words up unchanged). The
    parsed list is cached per resolved path, size and modification time, so a trainer may
    call this once per run or once per task at no cost (the released file: 1.98 MB,
    49,975 entries, about 0.15 s to parse on one core).
    """
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        raise DataError(
            f"neighbour list not found (expected the counter-fitted list of Robust-XLT, {NEIGHBOURS_FILE.as_posix()} "
            "in the shared data folder; pass the data folder with --data-dir)", path=path) from None
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _CACHE:
        _CACHE[key] = _parse_neighbours(path)
    return _CACHE[key]


def _parse_neighbours(path: Path) -> Neighbours:
    try:
        raw_bytes = path.read_bytes()
    except OSError as error:
        raise DataError(f"neighbour list cannot be read: {error}", path=path) from None
    try:
        raw = json.loads(raw_bytes.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise DataError(f"neighbour list is not UTF-8 text ({error})", path=path) from None
    except json.JSONDecodeError as error:
        raise DataError(f"neighbour list is not valid JSON: {error.msg} (column {error.colno})",
                        path=path, line=error.lineno) from None
    if not isinstance(raw, dict):
        raise DataError(f"expected a JSON object (word -> list of neighbour words), got a {type(raw).__name__}",
                        path=path)
    if not raw:
        raise DataError("neighbour list is empty: expected word -> list of neighbour words", path=path)
    entries: dict[str, tuple[str, ...]] = {}
    for word, neighbours in raw.items():
        if not isinstance(neighbours, list) or not all(isinstance(n, str) for n in neighbours):
            raise DataError(f"entry {word!r}: expected a list of strings, got {neighbours!r:.80}", path=path)
        entries[word] = tuple(neighbours)
    return Neighbours(entries, sha256=hashlib.sha256(raw_bytes).hexdigest(), source=path.name)


def example_rng(seed: int, example_id: str, copy: int) -> np.random.Generator:
    """The generator of copy ``copy`` of training example ``example_id`` under ``seed``.

    Hashed from its arguments through :func:`~xtremer_robust.perturb.base.item_rng` (the
    subset builder's helper), so it depends on nothing else: not the order of examples, the
    number of workers, nor how many copies are made.
    """
    if isinstance(copy, bool) or not isinstance(copy, int) or copy < 0:
        raise ConfigError(f"example_rng: copy must be a non-negative integer, got {copy!r}")
    return item_rng(int(seed), _RNG_DOMAIN, "", str(example_id), f"copy={copy}")


def rsda_text(text: str, neighbours: Mapping[str, tuple[str, ...]], rng: np.random.Generator) -> str:
    """One RS-DA copy of ``text``: each listed word replaced by a uniform draw from it and its neighbours."""
    lookup = neighbours.get
    out: list[str] = []
    for word in text.split(_SPACE):
        options = lookup(word)
        if options:  # not a key, or an empty list: kept, nothing drawn (perturb.py lines 27-30)
            pick = int(rng.integers(0, len(options) + 1))
            word = word if pick == 0 else options[pick - 1]
        out.append(word)
    return _SPACE.join(out)


def _single_token(word: str) -> bool:
    return bool(word) and not any(ch.isspace() for ch in word)


class Augmenter(ABC):
    """Makes ``copies`` perturbed copies of a training example (the original is not among them).

    Subclasses perturb one copy; the copies are drawn one after the other from the generator
    handed in, so the first copies do not change when ``copies`` grows.
    """

    kind: str
    copies: int

    @abstractmethod
    def perturb_pair(self, text_a: str, text_b: str, *, rng: np.random.Generator) -> tuple[str, str]:
        """One perturbed copy of a pair (``text_b`` may be empty for single-text tasks)."""

    @abstractmethod
    def perturb_tokens(self, tokens: list[str], *, rng: np.random.Generator) -> list[str]:
        """One perturbed copy of a token list, one token for one token."""

    def augment_pair(self, text_a: str, text_b: str, *, rng: np.random.Generator) -> list[tuple[str, str]]:
        """The K perturbed copies of a pair, copy i of each text paired with copy i of the other."""
        return [self.perturb_pair(text_a, text_b, rng=rng) for _ in range(self.copies)]

    def augment_tokens(self, tokens: list[str], *, rng: np.random.Generator) -> list[list[str]]:
        """The K perturbed copies of a token list, each as long as ``tokens`` (tags stay aligned)."""
        return [self.perturb_tokens(tokens, rng=rng) for _ in range(self.copies)]


def _check_copies(copies: int) -> int:
    if isinstance(copies, bool) or not isinstance(copies, int) or copies < 1:
        raise ConfigError(f"copies must be a positive integer (the K of K perturbed copies per example), got {copies!r}")
    return copies


class RSDAAugmenter(Augmenter):
    """Robust-XLT's RS-DA (Huang et al. 2021): K copies with counter-fitted synonyms drawn uniformly."""

    kind = "rsda"

    def __init__(self, neighbours: Mapping[str, tuple[str, ...]], copies: int):
        self.neighbours = Neighbours.from_mapping(neighbours)
        self.copies = _check_copies(copies)

    def perturb_pair(self, text_a: str, text_b: str, *, rng: np.random.Generator) -> tuple[str, str]:
        return rsda_text(text_a, self.neighbours, rng), rsda_text(text_b, self.neighbours, rng)

    def perturb_tokens(self, tokens: list[str], *, rng: np.random.Generator) -> list[str]:
        out: list[str] = []
        for token in tokens:
            options = [n for n in self.neighbours.get(token, ()) if _single_token(n)]
            if options:
                pick = int(rng.integers(0, len(options) + 1))
                token = token if pick == 0 else options[pick - 1]
            out.append(token)
        return out

    def __repr__(self) -> str:
        return f"RSDAAugmenter(entries={len(self.neighbours)}, copies={self.copies})"


@dataclass(frozen=True)
class RecipeAugmenter(Augmenter):
    """Any registered perturbation recipe of this project as training-time noise."""

    recipe: Recipe
    copies: int
    lang: str = "en"
    kind = "recipe"  # a plain class attribute (no annotation), not a field

    def __post_init__(self) -> None:
        if not isinstance(self.recipe, Recipe):
            raise ConfigError(f"RecipeAugmenter: recipe must be a Recipe (see get_recipe), got {self.recipe!r}")
        _check_copies(self.copies)

    def _perturb(self, text: str, rng: np.random.Generator) -> str:
        if not text or not self.recipe.applicable(text, lang=self.lang):
            return text
        return self.recipe.perturb(text, lang=self.lang, rng=rng)

    def perturb_pair(self, text_a: str, text_b: str, *, rng: np.random.Generator) -> tuple[str, str]:
        return self._perturb(text_a, rng), self._perturb(text_b, rng)

    def perturb_tokens(self, tokens: list[str], *, rng: np.random.Generator) -> list[str]:
        out: list[str] = []
        for token in tokens:
            new = self._perturb(token, rng)
            out.append(new if _single_token(new) else token)
        return out


def parse_augment(spec: str, *, data_dir: Path | None, default_copies: int) -> Augmenter | None:
    """The augmenter an ``--augment`` value names: ``none``, ``rsda[:k=K]``, ``recipe:NAME[:key=value...]``.

    ``k=K`` sets the number of copies (otherwise ``default_copies``, e.g. from
    :data:`RSDA_COPIES`); a recipe's other ``key=value`` parts are its parameters, parsed as
    ``--recipes`` parses them. RS-DA reads ``<data_dir>/robust_xlt/counterfitted_neighbors.json``.
    """
    text = str(spec).strip()
    kind, _, rest = text.partition(":")
    if kind not in AUGMENT_KINDS:
        raise _prefixed(text, unknown_name("augmentation", kind, AUGMENT_KINDS))
    if kind == "none":
        if rest:
            raise ConfigError(f"--augment: '{text}': 'none' takes no parameters")
        return None
    if kind == "recipe" and not rest.split(":", 1)[0].strip():
        raise ConfigError(f"--augment: '{text}': expected recipe:NAME (e.g. recipe:char_swap:rate=0.1)")
    for part in text.split(":")[2 if kind == "recipe" else 1:]:
        if "=" not in part:
            raise ConfigError(f"--augment: '{text}': expected key=value after the name, got '{part}' "
                              "(e.g. rsda:k=10 or recipe:char_swap:rate=0.1)")
    try:
        variants = parse_recipe_specs([rest if kind == "recipe" else text])
    except ConfigError as error:
        raise _prefixed(text, error) from None
    if not variants:  # parse_recipe_specs drops 'clean', which is no recipe here
        raise _prefixed(text, _recipe_error(rest))
    params = dict(variants[0].params)
    copies = params.pop("k", default_copies)
    try:
        copies = _check_copies(copies)
    except ConfigError as error:
        raise _prefixed(text, error) from None
    if kind == "rsda":
        if params:
            raise ConfigError(f"--augment: '{text}': rsda accepts only k=K (copies per example), got {', '.join(params)}")
        return RSDAAugmenter(load_neighbours(_neighbours_path(data_dir)), copies)
    try:
        recipe = get_recipe(variants[0].recipe or rest, **params)
    except ConfigError as error:
        raise _prefixed(text, error) from None
    return RecipeAugmenter(recipe, copies)


def _recipe_error(name: str) -> ConfigError:
    """The registry's own "Unknown recipe ..." error for ``name``."""
    try:
        get_recipe(name)
    except ConfigError as error:
        return error
    return ConfigError(f"recipe '{name}' cannot be used here")


def _prefixed(spec: str, error: ConfigError) -> ConfigError:
    return ConfigError(f"--augment: '{spec}': {error}")


def _neighbours_path(data_dir: Path | None) -> Path:
    if data_dir is None:
        raise ConfigError(
            f"--augment rsda needs the data folder that holds {NEIGHBOURS_FILE.as_posix()}; pass it with --data-dir")
    path = Path(data_dir) / NEIGHBOURS_FILE
    if not path.is_file():
        raise DataError(
            f"the RS-DA neighbour list is missing: expected {NEIGHBOURS_FILE.as_posix()} inside the data folder "
            f"{os.fspath(data_dir)}; pass the shared data folder with --data-dir", path=path)
    return path


def augment_fingerprint(augmenter: Augmenter | None) -> dict[str, Any]:
    """What a checkpoint records about its augmentation (JSON-ready)."""
    if augmenter is None:
        return {"kind": "none"}
    if isinstance(augmenter, RSDAAugmenter):
        return {
            "kind": "rsda",
            "copies": augmenter.copies,
            "method": "Huang et al. 2021 (arXiv 2104.08645), uclanlp/Robust-XLT perturb.py",
            "neighbours_file": augmenter.neighbours.source,
            "neighbours_sha256": augmenter.neighbours.sha256,
            "neighbours_entries": len(augmenter.neighbours),
            "includes_original": False,
        }
    if isinstance(augmenter, RecipeAugmenter):
        return {
            "kind": "recipe",
            "copies": augmenter.copies,
            "recipe": augmenter.recipe.name,
            "params": dict(augmenter.recipe.params()),
            "lang": augmenter.lang,
            "includes_original": False,
        }
    raise ConfigError(f"augment_fingerprint: unknown augmenter {augmenter!r}")
