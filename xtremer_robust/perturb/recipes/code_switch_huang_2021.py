"""Code-switching noise: English words replaced by their counter-fitted neighbours.

Huang, Wang, Wu, Huang, Ju and Chang (2021), "Improving Zero-Shot Cross-Lingual Transfer
Learning via Robust Training", EMNLP (Robust-XLT), which perturbs English words with their
nearest neighbours in counter-fitted embeddings (Mrkšić et al. 2016, NAACL). Non-English text
often carries English words (names, loans, code-switched phrases): those are the words this
recipe replaces, in any language; other words are left alone.

The lexicon is a parameter, never a built-in path: a JSON object ``{"word": ["neighbour",
...]}`` such as ``robust_xlt/counterfitted_neighbors.json`` in the XTREME-R data folder.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

import numpy as np

from xtremer_robust.errors import ConfigError, DataError
from xtremer_robust.perturb.base import Recipe
from xtremer_robust.perturb.edits import pick_sites
from xtremer_robust.perturb.segment import keep_form, segment


@lru_cache(maxsize=4)
def load_lexicon(path: str, mtime_ns: int) -> dict[str, tuple[str, ...]]:
    """Read and check a neighbours lexicon (cached per path and modification time)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise DataError("lexicon file not found; pass lexicon=DATA_DIR/robust_xlt/counterfitted_neighbors.json", path=path) from error
    except json.JSONDecodeError as error:
        raise DataError(f"lexicon is not valid JSON ({error.msg})", path=path, line=error.lineno) from error
    if not isinstance(data, dict):
        raise DataError(f"lexicon: expected a JSON object word -> [neighbours], got {type(data).__name__}", path=path)
    lexicon = {}
    for word, neighbours in data.items():
        if not isinstance(neighbours, list) or not all(isinstance(n, str) for n in neighbours):
            raise DataError(f"lexicon entry {word!r}: expected a list of strings, got {neighbours!r:.60}", path=path)
        # single words only: a neighbour with a space would break token alignment downstream
        kept = tuple(n for n in neighbours if n and not any(c.isspace() for c in n) and n != word)
        if kept:
            lexicon[word.lower()] = kept
    return lexicon


def _match_case(new: str, old: str) -> str:
    if old.isupper() and len(old) > 1:
        return new.upper()
    if old[:1].isupper():
        return new[:1].upper() + new[1:]
    return new


@dataclass(frozen=True)
class CodeSwitch(Recipe):
    """Replace each lexicon word with probability ``rate`` by one of its neighbours."""

    name: ClassVar[str] = "code_switch"
    level: ClassVar[str] = "char"  # edits stay inside one word: safe for tagging tokens
    rate: float = 0.1  # probability that each word found in the lexicon is replaced
    lexicon: str | None = None  # path of the neighbours JSON (required to run)

    def _lexicon(self) -> dict[str, tuple[str, ...]]:
        if self.lexicon is None:
            raise ConfigError(
                f"recipe '{self.name}' needs lexicon=PATH, e.g. "
                "DATA_DIR/robust_xlt/counterfitted_neighbors.json (from --data-dir)"
            )
        path = Path(self.lexicon)
        if not path.exists():
            raise DataError("lexicon file not found; pass lexicon=PATH of the counter-fitted neighbours JSON "
                            "(DATA_DIR/robust_xlt/counterfitted_neighbors.json), or leave this variant out", path=path)
        return load_lexicon(str(path), path.stat().st_mtime_ns)

    def applicable(self, text: str, *, lang: str) -> bool:
        lexicon = self._lexicon()
        return any(span.is_word and span.text.lower() in lexicon for span in segment(text))

    def perturb(self, text: str, *, lang: str, rng: np.random.Generator) -> str:
        lexicon = self._lexicon()
        spans = segment(text)
        found = [i for i, span in enumerate(spans) if span.is_word and span.text.lower() in lexicon]
        pieces = [span.text for span in spans]
        for k in pick_sites(len(found), self.rate, rng).tolist():
            old = pieces[found[k]]
            options = lexicon[old.lower()]
            pieces[found[k]] = _match_case(options[int(rng.integers(len(options)))], old)
        return keep_form(text, "".join(pieces))

    def params(self) -> dict[str, object]:
        """The lexicon by file name only: manifests must be the same on every machine (its
        content is pinned by ``metadata()['lexicon_sha256']``)."""
        return {"rate": self.rate, "lexicon": Path(self.lexicon).name if self.lexicon else None}

    def metadata(self, lang: str) -> dict[str, object]:
        if not self.lexicon or not Path(self.lexicon).exists():
            return {"lexicon": None}
        digest = hashlib.sha256(Path(self.lexicon).read_bytes()).hexdigest()
        return {"lexicon": Path(self.lexicon).name, "lexicon_sha256": digest}
