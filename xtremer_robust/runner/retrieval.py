"""Retrieval (Tatoeba, LAReQA, Mewsli-X): mean-pooled embeddings, cosine similarity, ranks.

Every text (query or candidate) is embedded once: the attention-masked mean of the last
hidden states (the pooling of multilingual-e5 and of the XTREME sentence-retrieval
baselines), L2-normalised, so a dot product is the cosine. Embeddings are cached per
text, so candidate pools are shared by every variant of a set and a killed run keeps its
finished batches. The prediction of a query is its ranking, stored compactly as the top
:data:`TOP_K` candidate ids plus the exact 1-based ranks of its relevant candidates:
enough for top-1 accuracy, mAP@20, full mAP and the leaderboard files, without writing
the whole ranking.

Prefixes: models trained with them (E5) get ``query``/``passage`` prefixes; symmetric
tasks (bitext mining: ``symmetric_prefix: true`` in tasks.yaml) put the symmetric prefix
on both sides.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Sequence

import numpy as np

from xtremer_robust.families.records import Candidate, RetrievalItem, content_hash
from xtremer_robust.errors import DataError
from xtremer_robust.families.features import model_max_length
from xtremer_robust.models.heads import LoadedModel
from xtremer_robust.runner.cache import PredictionCache
from xtremer_robust.runner.engine import Feature, RunSettings, run_features
from xtremer_robust.tasks import get_task

__all__ = ["TOP_K", "predict_retrieval", "embed_texts", "rank_queries", "side_prefixes"]

TOP_K = 20  # mAP@20 (Mewsli-X) needs the top 20; top-1 (Tatoeba) the first


def side_prefixes(loaded: LoadedModel, task_name: str) -> tuple[str, str]:
    """(query prefix, candidate prefix) of a model on a task: the symmetric one on both sides
    where the task's two sides are the same kind of text (``TaskSpec.symmetric_prefix``)."""
    prefixes = loaded.info.prefixes
    if get_task(task_name).symmetric_prefix:
        return prefixes.symmetric, prefixes.symmetric
    return prefixes.query, prefixes.passage


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _mean_pool(model: Any, batch: dict[str, Any]) -> list[np.ndarray]:
    import torch

    hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
    return list(torch.nn.functional.normalize(pooled.float(), dim=-1).cpu().numpy())


def embed_texts(
    loaded: LoadedModel,
    texts: Sequence[str],
    *,
    cache: PredictionCache,
    settings: RunSettings,
    device: str,
    advance: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Normalised embeddings (n, d) of ``texts`` (prefixes already applied), cached per text."""
    max_length = model_max_length(loaded)
    key = f"{loaded.info.cache_key}:mean:max{max_length}"
    hashes = [_sha(t) for t in texts]
    known = cache.get_embeddings(key, hashes)
    todo = [h for h in dict.fromkeys(hashes) if h not in known]
    if advance is not None:
        advance(len(hashes) - len(todo))
    if todo:
        text_of = dict(zip(hashes, texts))
        enc = loaded.tokenizer([text_of[h] for h in todo], truncation=True, max_length=max_length)
        keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc]
        features = [
            Feature(owner=n, inputs={k: list(enc[k][n]) for k in keys}, length=len(enc["input_ids"][n])) for n in range(len(todo))
        ]

        def on_batch(batch_ids: list[int], outputs: list[np.ndarray]) -> None:
            fresh = {todo[features[i].owner]: out for i, out in zip(batch_ids, outputs)}
            cache.put_embeddings(key, fresh)
            known.update(fresh)

        run_features(
            loaded.model, features, forward=_mean_pool, on_batch=on_batch,
            pad_id=loaded.tokenizer.pad_token_id or 0, device=device, settings=settings, advance=advance,
        )
    return np.stack([known[h] for h in hashes]) if hashes else np.zeros((0, 0), dtype=np.float32)


def rank_queries(queries: np.ndarray, pool: np.ndarray, ids: Sequence[str], relevant: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    """Top-k ids and the exact ranks of the relevant ids; ties broken by pool order (deterministic)."""
    position = {cid: n for n, cid in enumerate(ids)}
    results = []
    for start in range(0, len(queries), 256):
        scores = queries[start : start + 256] @ pool.T
        for row, rel in zip(scores, relevant[start : start + 256]):
            order = np.argsort(-row, kind="stable")
            ranks = []
            for rid in rel:
                if rid not in position:
                    ranks.append(None)
                    continue
                p = position[rid]
                ranks.append(int(np.sum(row > row[p]) + np.sum(row[:p] == row[p]) + 1))
            results.append({"top": [ids[j] for j in order[:TOP_K]], "relevant_ranks": ranks, "pool_size": len(ids)})
    return results


def predict_retrieval(
    loaded: LoadedModel,
    task_name: str,
    items: Sequence[RetrievalItem],
    candidates: Sequence[Candidate],
    *,
    cache: PredictionCache,
    settings: RunSettings,
    device: str,
    advance: Callable[[int], None] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Rankings of ``items`` against ``candidates``, and how many were computed now."""
    if not candidates:
        raise DataError(f"{task_name}: a retrieval set arrived with an empty candidate pool; the reader must supply candidates.")
    q_prefix, c_prefix = side_prefixes(loaded, task_name)
    pool_hash = hashlib.sha256()
    for cand in candidates:
        pool_hash.update(content_hash(cand).encode())
    head = f"retrieval:mean:top{TOP_K}:q={q_prefix!r}:c={c_prefix!r}"
    context = pool_hash.hexdigest()
    hashes = [content_hash(item) for item in items]
    known = cache.get_many(loaded.info.cache_key, head, context, hashes)
    missing = [n for n, h in enumerate(hashes) if h not in known]
    if advance is not None:
        advance(len(items) - len(missing))
    if missing:
        pool = embed_texts(loaded, [c_prefix + c.text for c in candidates], cache=cache, settings=settings, device=device)
        # Commit rankings in slices so that a kill loses at most one slice of queries.
        for start in range(0, len(missing), 256):
            part = missing[start : start + 256]
            queries = embed_texts(loaded, [q_prefix + items[n].query for n in part], cache=cache, settings=settings, device=device)
            ranked = rank_queries(queries, pool, [c.id for c in candidates], [items[n].relevant for n in part])
            fresh = {hashes[n]: r for n, r in zip(part, ranked)}
            cache.put_many(loaded.info.cache_key, head, context, fresh)
            known.update(fresh)
            if advance is not None:
                advance(len(part))
    return [known[h] for h in hashes], len(missing)
