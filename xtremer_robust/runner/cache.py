"""On-disk prediction cache: a second run costs nothing, a killed run resumes.

One SQLite file in WAL mode; every batch of predictions is one transaction, so a run
stopped by Ctrl-C or ``kill -9`` loses at most the batch in flight and never leaves a
half-written row. Keys are (model key, head key, context key, item content hash):

- model key: sha256 of the weights and tokenizer hashes, plus the dtype unless it is fp32
  (a renamed copy of a checkpoint shares its cache; a retrained one, or the same one run
  in bf16 or int8, does not);
- head key: the family and every setting that changes a prediction (QA windowing...);
- context key: what else the prediction depends on (the candidate pool of a retrieval set);
- content hash: :func:`xtremer_robust.families.records.content_hash` of the item, so a perturbed
  item whose text the perturbation left unchanged reuses the clean item's prediction.

Retrieval embeddings are cached per text in a second table, keyed the same way.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from xtremer_robust.errors import ConfigError

__all__ = ["PredictionCache"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS predictions (
    model TEXT NOT NULL, head TEXT NOT NULL, context TEXT NOT NULL, item TEXT NOT NULL,
    prediction TEXT NOT NULL, PRIMARY KEY (model, head, context, item)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL, text TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, text)
) WITHOUT ROWID;
"""


class PredictionCache:
    """Per-item predictions (JSON) and text embeddings (float32) on disk."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if self.path.is_dir():
            raise ConfigError(f"--cache: '{self.path}' is a folder; pass a file name such as {self.path / 'predictions.sqlite'}")
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), timeout=60, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._db.commit()
        except (sqlite3.Error, OSError) as exc:
            raise ConfigError(
                f"--cache: '{self.path}' cannot be used as the prediction cache ({exc}); pass a new file name, "
                "or delete the file if it is a damaged cache (it only saves time)"
            ) from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "PredictionCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_many(self, model: str, head: str, context: str, items: Iterable[str]) -> dict[str, Any]:
        """Cached predictions of the given item hashes (absent keys are missing)."""
        keys = list(dict.fromkeys(items))
        found: dict[str, Any] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT item, prediction FROM predictions WHERE model=? AND head=? AND context=? AND item IN ({marks})",
                [model, head, context, *chunk],
            )
            found.update((item, json.loads(pred)) for item, pred in rows)
        return found

    def put_many(self, model: str, head: str, context: str, predictions: dict[str, Any]) -> None:
        """Store one batch of predictions in one transaction."""
        rows = [(model, head, context, item, json.dumps(pred, ensure_ascii=False)) for item, pred in predictions.items()]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO predictions VALUES (?, ?, ?, ?, ?)", rows)

    def get_embeddings(self, model: str, texts: Iterable[str]) -> dict[str, np.ndarray]:
        keys = list(dict.fromkeys(texts))
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT text, vector FROM embeddings WHERE model=? AND text IN ({marks})", [model, *chunk])
            found.update((text, np.frombuffer(blob, dtype=np.float32)) for text, blob in rows)
        return found

    def put_embeddings(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        rows = [(model, text, np.ascontiguousarray(vec, dtype=np.float32).tobytes()) for text, vec in vectors.items()]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", rows)
