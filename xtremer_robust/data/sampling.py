"""Seeded samples that pick the SAME ids in every language of a parallel set.

``score --limit N``, ``build-subsets --limit N`` and the loader's size views (``size:N``)
all draw with :func:`sample_ids` and the one seed :data:`SAMPLE_SEED`, so the three agree:
a 100-item ``score`` sample is exactly the 100 items a ``build-subsets --limit 100`` build
holds, and smaller views nest inside both. The perturbation seed (``--seed``, ``seed:`` in
``subsets/recipes.yaml``) does not move the sample.

``--limit N`` must not depend on the order items arrive in, nor on the language: for XNLI,
PAWS-X, XQuAD... the ids are shared across languages, and a paired cross-language comparison
needs the same N items everywhere. Ranking ids by a seeded hash of the id (and not by the
position in a shuffled list) gives exactly that: an id's rank depends only on
``(seed, task, id)``.
"""

from __future__ import annotations

import hashlib
from typing import Sequence

__all__ = ["SAMPLE_SEED", "id_rank_key", "sample_ids"]

#: The seed of every ``--limit`` sample and size view: the suite seed the canonical subsets
#: were built with (``subsets/canonical-index.json``), so that build keeps its ids.
SAMPLE_SEED = 20211107


def id_rank_key(seed: int, task: str, item_id: str) -> bytes:
    """The sort key of an item in every seeded sample of ``task``: sha256 of (seed, task, id)."""
    return hashlib.sha256(f"{seed}\x1f{task}\x1f{item_id}".encode("utf-8")).digest()


def sample_ids(ids: Sequence[str], n: int | None, *, seed: int = SAMPLE_SEED, task: str) -> list[str]:
    """The ``n`` ids with the smallest seeded hash, returned in their original order.

    ``n`` of None (or at least ``len(ids)``) keeps everything. A sample of size k is always
    a prefix (by hash rank) of a sample of size k+1, so size-limited views nest.
    """
    if n is None or n >= len(ids):
        return list(ids)
    if n < 0:
        raise ValueError(f"sample size must be >= 0, got {n}")
    chosen = set(sorted(ids, key=lambda i: id_rank_key(seed, task, i))[:n])
    return [i for i in ids if i in chosen]
