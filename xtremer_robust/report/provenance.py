"""Where a submission's numbers come from: the model, the harness run, the exact subsets.

STYLE.md habit 3 (every number carries its signature): the submission copies the score
run's model and harness records (weights and tokenizer hashes, revision, dtype, library
versions, device, batch size, throughput, ``--limit``), and pins every scored subset by its
content hash, recipe, parameters and seed. Recipes and seeds live in the subset manifests of
a ``build-subsets`` folder; when the folder is given its ``index.json`` hash names the whole
build, and a cell whose subset hash differs from the manifest's is refused (the run scored
another build than the one named).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from xtremer_robust.errors import SchemaError
from xtremer_robust.schema import CLEAN
from xtremer_robust.report.safe_json import load_json_file, safe_relative_path

__all__ = ["model_block", "harness_block", "subsets_block", "public_model_id"]

_SCALAR = (str, int, float, bool, type(None))
_HARNESS_FIELDS = ("version", "git_commit", "libraries", "device", "batch_size", "throughput_items_per_s")


def public_model_id(model_id: str) -> str:
    """A Hub id or ``builtin:...`` as is; a local folder as ``local:<folder name>``.

    A submission travels: it must not carry the path of the machine that scored it, and the
    weights hash (not the path) is what identifies a local checkpoint.
    """
    looks_local = model_id.startswith(("/", "~", "./", "../")) or "\\" in model_id or re.match(r"^[A-Za-z]:", model_id)
    if looks_local or model_id.count("/") > 1:
        name = re.split(r"[\\/]", model_id.rstrip("/\\"))[-1] or "model"
        return "local:" + (re.sub(r"[^A-Za-z0-9_.+@-]", "_", name).lstrip("_.-") or "model")
    return model_id


def model_block(
    model: dict[str, Any], intermediate_task: str | None, intermediate_steps: int | None, seed: int | None
) -> dict[str, Any]:
    """The submission's ``model`` object; explicit arguments override what the run recorded."""
    inter = model.get("intermediate_task") if isinstance(model.get("intermediate_task"), dict) else {}
    block: dict[str, Any] = {
        "id": public_model_id(str(model.get("id", "unknown"))),
        "revision": model.get("revision"),
        "weights_sha256": model.get("weights_sha256"),
        "tokenizer_sha256": model.get("tokenizer_sha256"),
        "n_parameters": model.get("n_parameters"),
        "dtype": model.get("dtype"),
        "quantized_4bit_expanded": bool(model.get("quantized_4bit_expanded", False)),
        "head": model.get("head"),
        "intermediate_task": {
            "name": intermediate_task if intermediate_task is not None else inter.get("name"),
            "steps": intermediate_steps if intermediate_steps is not None else inter.get("steps"),
        },
        "seed": seed if seed is not None else model.get("seed"),
    }
    if isinstance(model.get("prefixes"), dict):
        block["prefixes"] = {str(k): str(v) for k, v in model["prefixes"].items()}
    if isinstance(model.get("training"), dict):  # how `xtremer-robust train` made the checkpoint
        block["training"] = {str(k): v for k, v in model["training"].items() if isinstance(v, (str, int, float, bool)) or v is None}
    return block


def harness_block(results: dict[str, Any]) -> dict[str, Any]:
    """The submission's ``harness`` object: the run's record, ``--limit``, and its other scalar settings."""
    harness = results.get("harness") or {}
    commit = harness.get("git_commit")
    return {
        "version": str(harness.get("version", "unknown")),
        "git_commit": commit if isinstance(commit, str) and re.fullmatch(r"[0-9a-f]{7,40}", commit) else None,
        "libraries": {str(k): str(v) for k, v in (harness.get("libraries") or {}).items()},
        "device": harness.get("device"),
        "batch_size": harness.get("batch_size"),
        "throughput_items_per_s": harness.get("throughput_items_per_s"),
        "limit": results.get("limit"),
        "settings": {str(k): v for k, v in harness.items() if k not in _HARNESS_FIELDS and isinstance(v, _SCALAR)},
    }


def _from_index(subsets_dir: Path) -> tuple[str, dict[tuple[str, str, str, str], dict[str, Any]]]:
    index_path = subsets_dir / "index.json"
    if not index_path.is_file():
        raise SchemaError(f"--subsets: '{subsets_dir}' has no index.json; pass the --out folder of `xtremer-robust build-subsets`")
    index = load_json_file(index_path)
    if not isinstance(index, dict) or not isinstance(index.get("subsets"), list):
        raise SchemaError(f"{index_path}: expected an object with a 'subsets' list (a build-subsets index)")
    found: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for entry in index["subsets"]:
        key = (entry["task"], entry["language"], entry["split"], entry["variant"])
        data_file = safe_relative_path(subsets_dir, entry["file"], field=f"{index_path}: subset {entry['id']}.file")
        manifest = load_json_file(data_file.with_name(f"{entry['variant']}.manifest.json"))
        found[key] = {
            "sha256": entry["sha256"],
            "recipe": manifest.get("recipe") or (CLEAN if entry["variant"] == CLEAN else None),
            "params": {k: v for k, v in (manifest.get("params") or {}).items() if isinstance(v, _SCALAR)} or None,
            "seed": manifest.get("seed"),
            "suite_version": manifest.get("suite_version"),
        }
    return str(index.get("index_sha256") or ""), found


def subsets_block(results: dict[str, Any], cells: list[dict[str, Any]], subsets_dir: Path | None) -> dict[str, Any]:
    """Every scored subset with its hash, recipe and seed; the index hash names the whole set."""
    index_sha, known = _from_index(subsets_dir) if subsets_dir is not None else ("", {})
    entries = []
    for cell in cells:
        key = (cell["task"], cell["language"], cell["split"], cell["variant"])
        info = known.get(key, {})
        if info and cell.get("subset_sha256") and info["sha256"] != cell["subset_sha256"]:
            raise SchemaError(
                f"cell {'/'.join(key)}: the run scored subset {cell['subset_sha256'][:12]}..., but {subsets_dir} "
                f"holds {info['sha256'][:12]}...; pass the subsets folder the run used"
            )
        entries.append({
            "task": key[0], "language": key[1], "split": key[2], "variant": key[3],
            "subset_sha256": cell.get("subset_sha256"),
            "recipe": info.get("recipe", cell.get("recipe", CLEAN if key[3] == CLEAN else None)),
            "params": info.get("params"),
            "seed": info.get("seed", cell.get("recipe_seed")),
            "suite_version": info.get("suite_version"),
        })
    if not re.fullmatch(r"[0-9a-f]{64}", index_sha):
        # Without a subsets index, the index hash is the hash of the entries themselves.
        canonical = json.dumps(entries, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        index_sha = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return {"index_sha256": index_sha, "entries": entries}
