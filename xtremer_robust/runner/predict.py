"""Predict every item of a set once: cached items are read back, the rest run in batches.

Items are keyed by :func:`~xtremer_robust.families.records.content_hash`; identical items
(a perturbation that changed nothing, the same item in two subsets) run once. Each
batch's finished predictions are committed to the cache before the next batch starts,
which is what makes a killed run resumable with identical results.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from xtremer_robust.families.records import Record, content_hash
from xtremer_robust.errors import ConfigError
from xtremer_robust.families import Featurizer
from xtremer_robust.models.heads import LoadedModel
from xtremer_robust.runner.cache import PredictionCache
from xtremer_robust.runner.engine import RunSettings, run_features

__all__ = ["predict_items", "family_runner"]


def family_runner(loaded: LoadedModel) -> Featurizer:
    """The featurizer the loaded model's family declares."""
    if loaded.family.featurizer is None:
        raise ConfigError(
            f"predict_items: family {loaded.family.name} has no per-item featurizer (it ranks a candidate pool); "
            "use xtremer_robust.runner.retrieval.predict_retrieval"
        )
    return loaded.family.featurizer(loaded)


def predict_items(
    loaded: LoadedModel,
    items: Sequence[Record],
    *,
    cache: PredictionCache,
    settings: RunSettings,
    device: str,
    advance: Callable[[int], None] | None = None,
    runner: Featurizer | None = None,
) -> tuple[list[Any], int]:
    """Predictions of ``items`` in order, and how many were computed (not read from cache)."""
    runner = runner or family_runner(loaded)
    head, model_key = runner.head_key(), loaded.info.cache_key
    hashes = [content_hash(item) for item in items]
    known = cache.get_many(model_key, head, "", hashes)
    todo_hashes = [h for h in dict.fromkeys(hashes) if h not in known]
    first_item = {h: items[i] for i, h in reversed(list(enumerate(hashes)))}
    if advance is not None:
        advance(len(items) - sum(1 for h in hashes if h in todo_hashes))
    if todo_hashes:
        todo = [first_item[h] for h in todo_hashes]
        features = runner.featurize(todo)
        remaining = [0] * len(todo)
        for feature in features:
            remaining[feature.owner] += 1
        by_owner: dict[int, list[tuple[int, Any]]] = {}
        weight = {h: hashes.count(h) for h in todo_hashes} if advance is not None else {}

        def on_batch(batch_ids: list[int], outputs: list[Any]) -> None:
            done: dict[str, Any] = {}
            for fid, out in zip(batch_ids, outputs):
                feature = features[fid]
                by_owner.setdefault(feature.owner, []).append((fid, out))
                remaining[feature.owner] -= 1
                if remaining[feature.owner] == 0:
                    pairs = sorted(by_owner.pop(feature.owner), key=lambda p: p[0])  # windows in text order
                    done[todo_hashes[feature.owner]] = runner.finalize(
                        todo[feature.owner], [features[p[0]] for p in pairs], [p[1] for p in pairs]
                    )
            if done:
                cache.put_many(model_key, head, "", done)
                known.update(done)
                if advance is not None:
                    advance(sum(weight[h] for h in done))

        run_features(
            loaded.model,
            features,
            forward=runner.forward,
            on_batch=on_batch,
            pad_id=loaded.tokenizer.pad_token_id or 0,
            device=device,
            settings=settings,
        )
    return [known[h] for h in hashes], len(todo_hashes)
