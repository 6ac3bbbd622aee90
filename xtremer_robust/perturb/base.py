"""The perturbation contract shared by recipes, the span-aware application and the subset builder.

A *recipe* perturbs one piece of text in one language with a ``numpy`` generator it is
handed (never global randomness). Randomness per item is derived from
``(seed, task, language, item id, recipe name)`` by :func:`item_rng`, so the output does
not depend on the order items are processed in or the number of workers.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xtremer_robust.errors import ConfigError

__all__ = ["Recipe", "item_rng", "check_rate"]


def item_rng(seed: int, task: str, lang: str, item_id: str, recipe: str) -> np.random.Generator:
    """A generator seeded from the item's identity: order- and worker-independent."""
    key = f"{seed}\x1f{task}\x1f{lang}\x1f{item_id}\x1f{recipe}".encode("utf-8")
    digest = hashlib.sha256(key).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


def check_rate(name: str, rate: float) -> float:
    """Rates are probabilities: refuse anything outside [0, 1] with a message naming the recipe."""
    try:
        value = float(rate)
    except (TypeError, ValueError):
        raise ConfigError(f"recipe '{name}': rate must be a number in [0, 1], got {rate!r:.40}") from None
    if isinstance(rate, bool) or not (0.0 <= value <= 1.0):
        raise ConfigError(f"recipe '{name}': rate must be in [0, 1], got {rate}")
    return value


@dataclass(frozen=True)
class Recipe(ABC):
    """A perturbation recipe: data (a frozen dataclass of parameters) plus one ``perturb`` method.

    Subclasses set ``name`` (registry key), ``level`` ("char" or "word") and a docstring with
    the citation of the method they implement.
    """

    name: ClassVar[str]
    level: ClassVar[str]
    #: True for recipes that deliberately replace a combining mark (keyboard typos): the
    #: split-cluster check then only counts orphan marks (see ``validity.split_clusters``).
    rewrites_marks: ClassVar[bool] = False
    rate: float = 0.1

    def __post_init__(self) -> None:
        check_rate(self.name, self.rate)

    @abstractmethod
    def perturb(self, text: str, *, lang: str, rng: np.random.Generator) -> str:
        """Return the perturbed text (NFC in, NFC out, grapheme clusters never split)."""

    def applicable(self, text: str, *, lang: str) -> bool:
        """Whether ``text`` has anything this recipe could change (default: at least one word).

        Items where no field is applicable are counted as skips, not errors.
        """
        from xtremer_robust.perturb.segment import has_word

        return has_word(text)

    def metadata(self, lang: str) -> dict[str, object]:
        """Facts about how the recipe runs for ``lang`` (layout used, fallbacks), for manifests.

        A recipe that falls back to a weaker method for some language says so here, so that
        the fallback is reported next to the figures it produced.
        """
        return {}

    def params(self) -> dict[str, object]:
        """The recipe's parameters, as recorded in subset manifests."""
        from dataclasses import asdict

        return asdict(self)
