"""``score --limit``: a seeded sample by item id, shared with ``build-subsets --limit``."""

from __future__ import annotations

from xtremer_robust.data import PairItem
from xtremer_robust.runner.score import LIMIT_SEED, _limited_positions
from xtremer_robust.subsets.sampling import sample_ids


def _items(n: int) -> list[PairItem]:
    return [PairItem(f"test-{i:05d}", f"a{i}", f"b{i}", "neutral") for i in range(n)]


def test_limit_is_the_seeded_id_sample_not_a_prefix() -> None:
    items = _items(200)
    positions = _limited_positions(items, 20, "tatoeba")
    assert len(positions) == 20 and positions == sorted(positions)
    assert [items[p].id for p in positions] == sample_ids([i.id for i in items], 20, seed=LIMIT_SEED, task="tatoeba")
    assert positions != list(range(20))  # an ordered file would otherwise give a biased sample


def test_limit_is_stable_across_languages_and_none_keeps_all() -> None:
    # parallel sets share ids, so two languages get the same positions
    assert _limited_positions(_items(50), 7, "xnli") == _limited_positions(_items(50), 7, "xnli")
    assert _limited_positions(_items(5), None, "xnli") == [0, 1, 2, 3, 4]
    assert _limited_positions(_items(5), 10, "xnli") == [0, 1, 2, 3, 4]
