"""The seeded ``--limit`` sample lives in the data part (:mod:`xtremer_robust.data.sampling`).

Kept as the subsets part's import path for it; there is one implementation and one seed.
"""

from __future__ import annotations

from xtremer_robust.data.sampling import SAMPLE_SEED, id_rank_key, sample_ids

__all__ = ["SAMPLE_SEED", "id_rank_key", "sample_ids"]
